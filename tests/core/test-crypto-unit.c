/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The encryption primitives, white box: the envelope format against fixed
 * vectors made by an independent AES-GCM (Python's `cryptography`), how it
 * fails on tampering and truncation, the local key provider, and the
 * data-key cache's limits (age, uses, entries). */
#define _GNU_SOURCE
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <dynamorm.h>

#include "dynamorm-envelope-private.h"
#include "dynamorm-data-key-cache-private.h"

/* Made with:
 *   from cryptography.hazmat.primitives.ciphers.aead import AESGCM
 *   dk = bytes(range(32)); key_id = b"local:0123456789abcdef"; wrapped = b"\xaa" * 60
 *   nonce = bytes(range(0x10, 0x1c)); pt = b'{"S":"123-45-6789"}'
 *   header = b"DYNE" + bytes([1, len(key_id)]) + key_id + struct.pack(">H", 60) + wrapped
 *   ad = struct.pack(">H", 8) + b"Patients" + struct.pack(">H", 3) + b"ssn" + header
 *   envelope = header + nonce + AESGCM(dk).encrypt(nonce, pt, ad) */
static const char ENVELOPE_HEX[] =
  "44594e4501166c6f63616c3a30313233343536373839616263646566003c"
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  "101112131415161718191a1b"
  "06dccb3473eb0b81f9583c28224f5e6bee7233baebc3df17ca878b01ae762a5b5232c0";
static const char PLAINTEXT[] = "{\"S\":\"123-45-6789\"}";

/* The local provider's wrapping of that data key under the master key
 * bytes(range(0x40, 0x60)), nonce bytes(range(0x20, 0x2c)), associated data
 * b"dynamorm local data key\0" + key id; the key id is "local:" and the
 * first 16 hex digits of sha256(b"dynamorm local key id" + master). */
static const char LOCAL_KEY_ID[] = "local:4f59215909140479";
static const char WRAPPED_HEX[] =
  "202122232425262728292a2b35eac1e31b71561e7c3c36e73279509c83b7fe5b556115ae9971e433"
  "bda3d6ca67cf1c591baafba38ec7bd0f1149b39c";

static GBytes *
from_hex (const char *hex)
{
  gsize len = strlen (hex) / 2;
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]));
  return g_bytes_new_take (data, len);
}

static GBytes *
counting_bytes (guint8 first)
{
  guint8 data[32];

  for (guint i = 0; i < 32; i++)
    data[i] = first + i;
  return g_bytes_new (data, 32);
}

static DynamormDataKey *
vector_key (void)
{
  g_autoptr(GBytes) plaintext = counting_bytes (0);
  g_autoptr(GBytes) wrapped = g_bytes_new_take (g_memdup2 ("\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
                                                           "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
                                                           "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
                                                           "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
                                                           "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
                                                           "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa", 60), 60);

  return _dynamorm_data_key_new ("local:0123456789abcdef", plaintext, wrapped);
}

static void
test_seal_vector (void)
{
  g_autoptr(DynamormDataKey) key = vector_key ();
  g_autoptr(GBytes) expected = from_hex (ENVELOPE_HEX);
  guint8 nonce[12];
  g_autoptr(GBytes) sealed = NULL;

  for (guint i = 0; i < 12; i++)
    nonce[i] = 0x10 + i;
  sealed = _dynamorm_envelope_seal (key, nonce, "Patients", "ssn", PLAINTEXT, strlen (PLAINTEXT));
  g_assert_nonnull (sealed);
  g_assert_true (g_bytes_equal (sealed, expected));
}

static void
test_open_vector (void)
{
  g_autoptr(GBytes) bytes = from_hex (ENVELOPE_HEX);
  g_autoptr(DynamormDataKey) data_key = vector_key ();
  g_autoptr(GError) error = NULL;
  DynamormEnvelope envelope;
  g_autofree char *plaintext = NULL;
  gsize len = 0;

  g_assert_true (_dynamorm_envelope_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                           &envelope, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (envelope.version, ==, 1);
  g_assert_cmpstr (envelope.key_id, ==, "local:0123456789abcdef");
  g_assert_cmpuint (envelope.wrapped_len, ==, 60);
  len = _dynamorm_envelope_plaintext_len (&envelope);
  plaintext = g_malloc (len + 1);
  g_assert_true (_dynamorm_envelope_open_into (&envelope, data_key, "Patients", "ssn", plaintext, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (plaintext, ==, PLAINTEXT);
  g_assert_cmpuint (len, ==, strlen (PLAINTEXT));
}

/* Opens bytes for (table, attribute) with the vector's data key. */
static char *
try_open (GBytes *bytes, const char *table, const char *attribute, GError **error)
{
  g_autoptr(DynamormDataKey) data_key = vector_key ();
  DynamormEnvelope envelope;
  g_autofree char *plaintext = NULL;

  if (!_dynamorm_envelope_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &envelope, error))
    return NULL;
  plaintext = g_malloc (_dynamorm_envelope_plaintext_len (&envelope) + 1);
  if (!_dynamorm_envelope_open_into (&envelope, data_key, table, attribute, plaintext, error))
    return NULL;
  return g_steal_pointer (&plaintext);
}

static void
test_open_elsewhere_fails (void)
{
  g_autoptr(GBytes) bytes = from_hex (ENVELOPE_HEX);
  const char *places[][2] = { { "Patients", "notes" }, { "Patients2", "ssn" }, { "Patient", "sssn" } };

  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *plaintext = try_open (bytes, places[i][0], places[i][1], &error);

      g_assert_null (plaintext);
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
      g_assert_nonnull (strstr (error->message, "failed authentication"));
    }
}

static void
test_tampering_fails (void)
{
  g_autoptr(GBytes) original = from_hex (ENVELOPE_HEX);
  gsize len = g_bytes_get_size (original);

  /* Flip every bit after the magic and version, one at a time: each gives
   * an error (never a plaintext), and never a crash. */
  for (gsize pos = 5; pos < len; pos++)
    for (guint bit = 0; bit < 8; bit++)
      {
        g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (original, NULL), len);
        g_autoptr(GBytes) bytes = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *plaintext = NULL;

        copy[pos] ^= 1u << bit;
        bytes = g_bytes_new (copy, len);
        plaintext = try_open (bytes, "Patients", "ssn", &error);
        g_assert_null (plaintext);
        g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
        g_assert_null (strstr (error->message, "123-45"));
      }
}

static void
test_truncation_fails (void)
{
  g_autoptr(GBytes) original = from_hex (ENVELOPE_HEX);
  gsize len = g_bytes_get_size (original);

  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (g_bytes_get_data (original, NULL), cut);
      g_autoptr(GError) error = NULL;
      g_autofree char *plaintext = try_open (bytes, "Patients", "ssn", &error);

      g_assert_null (plaintext);
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
    }
}

static void
test_unknown_version (void)
{
  g_autoptr(GBytes) original = from_hex (ENVELOPE_HEX);
  g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (original, NULL), g_bytes_get_size (original));
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *plaintext = NULL;

  copy[4] = 2;
  bytes = g_bytes_new (copy, g_bytes_get_size (original));
  plaintext = try_open (bytes, "Patients", "ssn", &error);
  g_assert_null (plaintext);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_assert_nonnull (strstr (error->message, "version 2"));
  g_assert_nonnull (strstr (error->message, "upgrade"));
}

static void
test_random_nonces (void)
{
  g_autoptr(DynamormDataKey) key = vector_key ();
  g_autoptr(GBytes) a = _dynamorm_envelope_seal (key, NULL, "T", "a", PLAINTEXT, strlen (PLAINTEXT));
  g_autoptr(GBytes) b = _dynamorm_envelope_seal (key, NULL, "T", "a", PLAINTEXT, strlen (PLAINTEXT));
  g_autoptr(GError) error = NULL;
  g_autofree char *back = NULL;

  g_assert_false (g_bytes_equal (a, b));
  g_assert_null (memmem (g_bytes_get_data (a, NULL), g_bytes_get_size (a), "123-45", 6));
  back = try_open (a, "T", "a", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back, ==, PLAINTEXT);
}

/* ---- The local key provider ---- */

static void
test_local_unwrap_vector (void)
{
  g_autoptr(GBytes) master = counting_bytes (0x40);
  g_autoptr(GBytes) wrapped = from_hex (WRAPPED_HEX);
  g_autoptr(GBytes) expected = counting_bytes (0);
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormLocalKeyProvider) provider = dynamorm_local_key_provider_new (master, &error);
  g_autoptr(GBytes) plaintext = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (dynamorm_key_provider_get_key_id (DYNAMORM_KEY_PROVIDER (provider)), ==, LOCAL_KEY_ID);
  plaintext = dynamorm_key_provider_decrypt_data_key (DYNAMORM_KEY_PROVIDER (provider), LOCAL_KEY_ID,
                                                      wrapped, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (plaintext, expected));
}

static void
test_local_wrong_key (void)
{
  g_autoptr(GBytes) master = counting_bytes (0x41);
  g_autoptr(GBytes) wrapped = from_hex (WRAPPED_HEX);
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormLocalKeyProvider) provider = dynamorm_local_key_provider_new (master, &error);
  const char *own_id = dynamorm_key_provider_get_key_id (DYNAMORM_KEY_PROVIDER (provider));
  g_autoptr(GBytes) plaintext = NULL;

  /* Another key id: named in the error. */
  plaintext = dynamorm_key_provider_decrypt_data_key (DYNAMORM_KEY_PROVIDER (provider), LOCAL_KEY_ID,
                                                      wrapped, NULL, &error);
  g_assert_null (plaintext);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_assert_nonnull (strstr (error->message, LOCAL_KEY_ID));
  g_clear_error (&error);

  /* The same id claimed, another key: authentication fails. */
  plaintext = dynamorm_key_provider_decrypt_data_key (DYNAMORM_KEY_PROVIDER (provider), own_id,
                                                      wrapped, NULL, &error);
  g_assert_null (plaintext);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_assert_nonnull (strstr (error->message, "failed authentication"));
}

static void
test_local_round_trip_and_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("dynamorm-key-XXXXXX", &error);
  g_autofree char *raw = g_build_filename (dir, "raw.key", NULL);
  g_autofree char *hex = g_build_filename (dir, "hex.key", NULL);
  g_autofree char *b64 = g_build_filename (dir, "b64.key", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.key", NULL);
  g_autoptr(GBytes) master = counting_bytes (0x40);
  g_autofree char *b64_text = g_base64_encode (g_bytes_get_data (master, NULL), 32);
  g_autofree char *b64_line = g_strconcat (b64_text, "\n", NULL);
  const char *paths[] = { raw, hex, b64 };
  g_autoptr(DynamormLocalKeyProvider) bad_provider = NULL;

  g_assert_no_error (error);
  g_file_set_contents (raw, g_bytes_get_data (master, NULL), 32, &error);
  g_file_set_contents (hex, "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n", -1, &error);
  g_file_set_contents (b64, b64_line, -1, &error);
  g_file_set_contents (bad, "not a key\n", -1, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(DynamormLocalKeyProvider) provider = dynamorm_local_key_provider_new_from_file (paths[i], &error);
      g_autoptr(GBytes) plaintext = NULL, wrapped = NULL, back = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (dynamorm_key_provider_get_key_id (DYNAMORM_KEY_PROVIDER (provider)), ==, LOCAL_KEY_ID);
      g_assert_true (dynamorm_key_provider_generate_data_key (DYNAMORM_KEY_PROVIDER (provider), &plaintext,
                                                              &wrapped, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (plaintext), ==, 32);
      back = dynamorm_key_provider_decrypt_data_key (DYNAMORM_KEY_PROVIDER (provider), LOCAL_KEY_ID,
                                                     wrapped, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (back, plaintext));
    }

  bad_provider = dynamorm_local_key_provider_new_from_file (bad, &error);
  g_assert_null (bad_provider);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "/dev/urandom"));
  g_clear_error (&error);
  bad_provider = dynamorm_local_key_provider_new_from_file ("/nonexistent/master.key", &error);
  g_assert_null (bad_provider);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);

  g_remove (raw);
  g_remove (hex);
  g_remove (b64);
  g_remove (bad);
  g_rmdir (dir);
}

/* ---- The data-key cache ---- */

static DynamormKeyProvider *
local_provider (guint8 first)
{
  g_autoptr(GBytes) master = counting_bytes (first);

  return DYNAMORM_KEY_PROVIDER (dynamorm_local_key_provider_new (master, NULL));
}

static void
test_cache_max_uses (void)
{
  g_autoptr(DynamormKeyProvider) provider = local_provider (1);
  g_autoptr(DynamormDataKeyCache) cache = dynamorm_data_key_cache_new (300, 3, 10);
  DynamormDataKey *keys[7];

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      keys[i] = _dynamorm_data_key_cache_encryption_key (cache, provider, NULL, NULL);
      g_assert_nonnull (keys[i]);
    }
  /* Three values per data key: 0-2, 3-5, 6. */
  g_assert_true (keys[0] == keys[1] && keys[1] == keys[2]);
  g_assert_true (keys[3] == keys[4] && keys[4] == keys[5]);
  g_assert_true (keys[2] != keys[3] && keys[5] != keys[6]);
  g_assert_false (g_bytes_equal (keys[0]->plaintext, keys[3]->plaintext));
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, 3);
  g_assert_cmpuint (dynamorm_data_key_cache_get_hits (cache), ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    _dynamorm_data_key_unref (keys[i]);
}

/* Warming (what an _async put does in its worker thread) makes a key
 * with enough uses left for the whole item, without counting a use. */
static void
test_cache_warm (void)
{
  g_autoptr(DynamormKeyProvider) provider = local_provider (5);
  g_autoptr(DynamormDataKeyCache) cache = dynamorm_data_key_cache_new (300, 3, 10);
  g_autoptr(DynamormDataKey) a = NULL, b = NULL, c = NULL, d = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (_dynamorm_data_key_cache_warm (cache, provider, 2, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, 1);
  g_assert_true (_dynamorm_data_key_cache_warm (cache, provider, 2, NULL, &error));
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, 1);
  a = _dynamorm_data_key_cache_encryption_key (cache, provider, NULL, NULL);
  b = _dynamorm_data_key_cache_encryption_key (cache, provider, NULL, NULL);
  g_assert_true (a == b);
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, 1);
  /* One use left, two needed: a new key, which the next two values take. */
  g_assert_true (_dynamorm_data_key_cache_warm (cache, provider, 2, NULL, &error));
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, 2);
  c = _dynamorm_data_key_cache_encryption_key (cache, provider, NULL, NULL);
  d = _dynamorm_data_key_cache_encryption_key (cache, provider, NULL, NULL);
  g_assert_true (c != a && c == d);
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, 2);
  /* More values than a key may encrypt: one fresh key is all it can do. */
  g_assert_true (_dynamorm_data_key_cache_warm (cache, provider, 5, NULL, &error));
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, 3);
}

/* key's plaintext as the cache unwraps it through provider, or NULL. */
static GBytes *
unwrap_through (DynamormDataKeyCache *cache, DynamormKeyProvider *provider, DynamormDataKey *key,
                GError **error)
{
  g_autoptr(DynamormDataKey) out = _dynamorm_data_key_cache_decryption_key (cache, provider, key->key_id,
                                                                            g_bytes_get_data (key->wrapped, NULL),
                                                                            g_bytes_get_size (key->wrapped),
                                                                            NULL, error);

  return out ? g_bytes_ref (out->plaintext) : NULL;
}

static void
test_cache_max_age (void)
{
  g_autoptr(DynamormKeyProvider) provider = local_provider (2);
  g_autoptr(DynamormDataKeyCache) cache = dynamorm_data_key_cache_new (60, 1000, 10);
  g_autoptr(DynamormDataKey) a = _dynamorm_data_key_cache_encryption_key (cache, provider, NULL, NULL);
  g_autoptr(DynamormDataKey) b = NULL;
  g_autoptr(DynamormDataKey) c = NULL;
  g_autoptr(GBytes) unwrapped = NULL;

  _dynamorm_data_key_cache_advance_clock (cache, 59 * G_USEC_PER_SEC);
  b = _dynamorm_data_key_cache_encryption_key (cache, provider, NULL, NULL);
  g_assert_true (a == b);
  /* A just-written value reads back from the cache. */
  unwrapped = unwrap_through (cache, provider, a, NULL);
  g_assert_true (g_bytes_equal (unwrapped, a->plaintext));
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, 1);
  g_clear_pointer (&unwrapped, g_bytes_unref);

  _dynamorm_data_key_cache_advance_clock (cache, 2 * G_USEC_PER_SEC);
  c = _dynamorm_data_key_cache_encryption_key (cache, provider, NULL, NULL);
  g_assert_true (c != a);
  /* The old key's decryption entry expired too: the provider unwraps it. */
  unwrapped = unwrap_through (cache, provider, a, NULL);
  g_assert_true (g_bytes_equal (unwrapped, a->plaintext));
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, 3);
}

static void
test_cache_max_entries (void)
{
  g_autoptr(DynamormKeyProvider) provider = local_provider (3);
  g_autoptr(DynamormDataKeyCache) cache = dynamorm_data_key_cache_new (300, 1000, 4);
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) _dynamorm_data_key_unref);
  guint64 misses;

  /* Six data keys, unwrapped through the cache: it holds 4 at most. */
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(GBytes) plaintext = NULL, wrapped = NULL;

      g_assert_true (dynamorm_key_provider_generate_data_key (provider, &plaintext, &wrapped, NULL, NULL));
      g_ptr_array_add (keys, _dynamorm_data_key_new (dynamorm_key_provider_get_key_id (provider), plaintext, wrapped));
      _dynamorm_data_key_cache_advance_clock (cache, 1);
    }
  for (guint i = 0; i < keys->len; i++)
    {
      DynamormDataKey *key = keys->pdata[i];
      g_autoptr(GBytes) out = unwrap_through (cache, provider, key, NULL);
      g_assert_true (g_bytes_equal (out, key->plaintext));
      g_assert_cmpuint (dynamorm_data_key_cache_get_n_entries (cache), <=, 4);
      _dynamorm_data_key_cache_advance_clock (cache, 1);
    }
  g_assert_cmpuint (dynamorm_data_key_cache_get_n_entries (cache), ==, 4);
  misses = dynamorm_data_key_cache_get_misses (cache);
  /* The newest four are held; the oldest two were pushed out. */
  for (guint i = 2; i < keys->len; i++)
    {
      DynamormDataKey *key = keys->pdata[i];
      g_autoptr(GBytes) out = unwrap_through (cache, provider, key, NULL);
      g_assert_nonnull (out);
    }
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, misses);
  {
    DynamormDataKey *key = keys->pdata[0];
    g_autoptr(GBytes) out = unwrap_through (cache, provider, key, NULL);
    g_assert_nonnull (out);
    g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, misses + 1);
  }
  dynamorm_data_key_cache_clear (cache);
  g_assert_cmpuint (dynamorm_data_key_cache_get_n_entries (cache), ==, 0);
  g_ptr_array_unref (keys);
}

static void
test_cache_partitioned_by_provider (void)
{
  g_autoptr(DynamormKeyProvider) one = local_provider (4);
  g_autoptr(DynamormKeyProvider) two = local_provider (5);
  g_autoptr(DynamormDataKeyCache) cache = dynamorm_data_key_cache_new (300, 1000, 10);
  g_autoptr(DynamormDataKey) a = _dynamorm_data_key_cache_encryption_key (cache, one, NULL, NULL);
  g_autoptr(DynamormDataKey) b = _dynamorm_data_key_cache_encryption_key (cache, two, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;

  g_assert_true (a != b);
  g_assert_cmpstr (a->key_id, !=, b->key_id);
  /* The other provider never gets the first one's key from the cache. */
  out = unwrap_through (cache, two, a, &error);
  g_assert_null (out);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
}

/* One provider call for many threads missing at once. */
typedef struct {
  DynamormDataKeyCache *cache;
  DynamormKeyProvider *provider;
} ThreadData;

static gpointer
take_keys (gpointer data)
{
  ThreadData *td = data;

  for (guint i = 0; i < 200; i++)
    _dynamorm_data_key_unref (_dynamorm_data_key_cache_encryption_key (td->cache, td->provider, NULL, NULL));
  return NULL;
}

static void
test_cache_threads (void)
{
  g_autoptr(DynamormKeyProvider) provider = local_provider (6);
  g_autoptr(DynamormDataKeyCache) cache = dynamorm_data_key_cache_new (300, 100000, 10);
  ThreadData td = { cache, provider };
  GThread *threads[8];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("keys", take_keys, &td);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, 1);
  g_assert_cmpuint (dynamorm_data_key_cache_get_hits (cache), ==, 8 * 200 - 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dynamorm/crypto/envelope/seal-vector", test_seal_vector);
  g_test_add_func ("/dynamorm/crypto/envelope/open-vector", test_open_vector);
  g_test_add_func ("/dynamorm/crypto/envelope/other-table-or-attribute", test_open_elsewhere_fails);
  g_test_add_func ("/dynamorm/crypto/envelope/tampering", test_tampering_fails);
  g_test_add_func ("/dynamorm/crypto/envelope/truncation", test_truncation_fails);
  g_test_add_func ("/dynamorm/crypto/envelope/unknown-version", test_unknown_version);
  g_test_add_func ("/dynamorm/crypto/envelope/random-nonces", test_random_nonces);
  g_test_add_func ("/dynamorm/crypto/local/unwrap-vector", test_local_unwrap_vector);
  g_test_add_func ("/dynamorm/crypto/local/wrong-key", test_local_wrong_key);
  g_test_add_func ("/dynamorm/crypto/local/files", test_local_round_trip_and_files);
  g_test_add_func ("/dynamorm/crypto/cache/max-uses", test_cache_max_uses);
  g_test_add_func ("/dynamorm/crypto/cache/max-age", test_cache_max_age);
  g_test_add_func ("/dynamorm/crypto/cache/warm", test_cache_warm);
  g_test_add_func ("/dynamorm/crypto/cache/max-entries", test_cache_max_entries);
  g_test_add_func ("/dynamorm/crypto/cache/partitioned", test_cache_partitioned_by_provider);
  g_test_add_func ("/dynamorm/crypto/cache/threads", test_cache_threads);

  return g_test_run ();
}
