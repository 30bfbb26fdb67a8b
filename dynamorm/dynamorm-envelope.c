/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <nettle/gcm.h>
#include <nettle/memops.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-error.h"
#include "dynamorm-envelope-private.h"

#define MAGIC_LEN 4

/* ------------------------------------------------------------------ */
/* Secrets */

static void
wipe_and_free (gpointer data)
{
  GBytes *holder = data;
  gsize len;
  gpointer bytes = (gpointer) g_bytes_get_data (holder, &len);

  explicit_bzero (bytes, len);
  g_bytes_unref (holder);
}

GBytes *
_dynamorm_secret_bytes_new (gconstpointer data, gsize len)
{
  GBytes *holder = g_bytes_new (data, len);

  return g_bytes_new_with_free_func (g_bytes_get_data (holder, NULL), len, wipe_and_free, holder);
}

/* Random bytes come from the kernel's CSPRNG (getrandom) a page at a
 * time: one system call per nonce cost ~10% of an encrypted put + get.
 * The page is MADV_WIPEONFORK, so a forked child finds it zeroed (nothing
 * left in it) and refills it from the kernel: parent and child never hand
 * out the same bytes. Bytes handed out are wiped from the page. */
typedef struct {
  gsize left;                   /* unused bytes at the end of bytes[] */
  guint8 bytes[4096 - sizeof (gsize)];
} RandomPool;

static GMutex random_lock;
static RandomPool *random_pool;         /* NULL: unbuffered */
static gboolean random_pool_tried;

static void
kernel_random (guint8 *buf, gsize len)
{
  while (len > 0)
    {
      ssize_t n = getrandom (buf, len, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("The system's random number generator failed: refusing to encrypt with a predictable key or nonce");
      buf += n;
      len -= n;
    }
}

static RandomPool *
random_pool_new (void)
{
  void *page = mmap (NULL, sizeof (RandomPool), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  if (page == MAP_FAILED)
    return NULL;
  /* Without wipe-on-fork (Linux < 4.14) buffering is not fork-safe. */
  if (madvise (page, sizeof (RandomPool), MADV_WIPEONFORK) != 0)
    {
      munmap (page, sizeof (RandomPool));
      return NULL;
    }
  return page;
}

void
_dynamorm_random_bytes (guint8 *buf, gsize len, gboolean is_key)
{
  RandomPool *pool;

  g_mutex_lock (&random_lock);
  if (!random_pool_tried)
    {
      random_pool = random_pool_new ();
      random_pool_tried = TRUE;
    }
  pool = random_pool;
  if (pool == NULL || len > sizeof pool->bytes / 4)
    {
      g_mutex_unlock (&random_lock);
      kernel_random (buf, len);
      return;
    }
  if (pool->left < len || pool->left > sizeof pool->bytes)
    {
      kernel_random (pool->bytes, sizeof pool->bytes);
      pool->left = sizeof pool->bytes;
    }
  pool->left -= len;
  memcpy (buf, pool->bytes + pool->left, len);
  explicit_bzero (pool->bytes + pool->left, len);
  g_mutex_unlock (&random_lock);
}

DynamormDataKey *
_dynamorm_data_key_new (const char *key_id, GBytes *plaintext, GBytes *wrapped)
{
  DynamormDataKey *key = g_atomic_rc_box_new0 (DynamormDataKey);

  key->key_id = g_strdup (key_id);
  key->plaintext = g_bytes_ref (plaintext);
  key->wrapped = g_bytes_ref (wrapped);
  return key;
}

DynamormDataKey *
_dynamorm_data_key_ref (DynamormDataKey *key)
{
  return g_atomic_rc_box_acquire (key);
}

static void
data_key_clear (DynamormDataKey *key)
{
  g_free (key->key_id);
  g_bytes_unref (key->plaintext);
  g_bytes_unref (key->wrapped);
}

void
_dynamorm_data_key_unref (DynamormDataKey *key)
{
  g_atomic_rc_box_release_full (key, (GDestroyNotify) data_key_clear);
}

/* ------------------------------------------------------------------ */
/* AES-256-GCM */

/* Nettle alone (not GnuTLS, which maps eight more libraries at start-up):
 * key, nonce and additional data set on ctx. */
static gboolean
aead_start (struct gcm_aes256_ctx *ctx, GBytes *key, const guint8 *nonce,
            const guint8 *ad, gsize ad_len)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (key, &len);

  if (len != DYNAMORM_DATA_KEY_LEN)
    return FALSE;
  gcm_aes256_set_key (ctx, data);
  gcm_aes256_set_iv (ctx, DYNAMORM_ENVELOPE_NONCE_LEN, nonce);
  gcm_aes256_update (ctx, ad_len, ad);
  return TRUE;
}

gboolean
_dynamorm_aes_gcm_seal (GBytes *key, const guint8 *nonce,
                        const guint8 *ad, gsize ad_len,
                        const guint8 *in, gsize len, guint8 *out)
{
  struct gcm_aes256_ctx ctx;

  if (!aead_start (&ctx, key, nonce, ad, ad_len))
    return FALSE;
  gcm_aes256_encrypt (&ctx, len, out, in);
  gcm_aes256_digest (&ctx, DYNAMORM_ENVELOPE_TAG_LEN, out + len);
  explicit_bzero (&ctx, sizeof ctx);
  return TRUE;
}

gboolean
_dynamorm_aes_gcm_open (GBytes *key, const guint8 *nonce,
                        const guint8 *ad, gsize ad_len,
                        const guint8 *in, gsize len, guint8 *out)
{
  struct gcm_aes256_ctx ctx;
  guint8 tag[DYNAMORM_ENVELOPE_TAG_LEN];
  gsize text_len;
  gboolean ok;

  if (len < DYNAMORM_ENVELOPE_TAG_LEN || !aead_start (&ctx, key, nonce, ad, ad_len))
    return FALSE;
  text_len = len - DYNAMORM_ENVELOPE_TAG_LEN;
  gcm_aes256_decrypt (&ctx, text_len, out, in);
  gcm_aes256_digest (&ctx, sizeof tag, tag);
  explicit_bzero (&ctx, sizeof ctx);
  ok = memeql_sec (tag, in + text_len, sizeof tag);
  if (!ok)
    explicit_bzero (out, text_len);   /* never hand out unauthenticated text */
  return ok;
}

/* ------------------------------------------------------------------ */
/* The envelope */

static void
append_u16 (GByteArray *out, gsize n)
{
  guint8 be[2] = { (n >> 8) & 0xff, n & 0xff };

  g_byte_array_append (out, be, 2);
}

static void
append_name (GByteArray *out, const char *name)
{
  gsize len = MIN (strlen (name), G_MAXUINT16);

  append_u16 (out, len);
  g_byte_array_append (out, (const guint8 *) name, len);
}

/* The associated data: table, attribute, then the header. */
static GByteArray *
associated_data (const char *table, const char *attribute, const guint8 *header, gsize header_len)
{
  GByteArray *ad = g_byte_array_sized_new (header_len + 64);

  append_name (ad, table);
  append_name (ad, attribute);
  g_byte_array_append (ad, header, header_len);
  return ad;
}

GBytes *
_dynamorm_envelope_seal (DynamormDataKey *key, const guint8 *nonce,
                         const char *table, const char *attribute,
                         const char *plaintext, gsize len)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (len + 128);
  g_autoptr(GByteArray) ad = NULL;
  gsize key_id_len = strlen (key->key_id);
  gsize wrapped_len;
  const guint8 *wrapped = g_bytes_get_data (key->wrapped, &wrapped_len);
  guint8 version = DYNAMORM_ENVELOPE_VERSION, id_len = (guint8) key_id_len;
  guint8 random_nonce[DYNAMORM_ENVELOPE_NONCE_LEN];
  gsize header_len;

  /* Checked where data keys are made (the cache). */
  g_return_val_if_fail (key_id_len >= 1 && key_id_len <= 255, NULL);
  g_return_val_if_fail (wrapped_len >= 1 && wrapped_len <= DYNAMORM_ENVELOPE_MAX_WRAPPED, NULL);

  if (nonce == NULL)
    {
      _dynamorm_random_bytes (random_nonce, sizeof random_nonce, FALSE);
      nonce = random_nonce;
    }
  g_byte_array_append (out, (const guint8 *) DYNAMORM_ENVELOPE_MAGIC, MAGIC_LEN);
  g_byte_array_append (out, &version, 1);
  g_byte_array_append (out, &id_len, 1);
  g_byte_array_append (out, (const guint8 *) key->key_id, key_id_len);
  append_u16 (out, wrapped_len);
  g_byte_array_append (out, wrapped, wrapped_len);
  header_len = out->len;
  ad = associated_data (table, attribute, out->data, header_len);

  g_byte_array_append (out, nonce, DYNAMORM_ENVELOPE_NONCE_LEN);
  g_byte_array_set_size (out, out->len + len + DYNAMORM_ENVELOPE_TAG_LEN);
  if (!_dynamorm_aes_gcm_seal (key->plaintext, nonce, ad->data, ad->len,
                               (const guint8 *) plaintext, len,
                               out->data + header_len + DYNAMORM_ENVELOPE_NONCE_LEN))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

gboolean
_dynamorm_envelope_is_envelope (const guint8 *data, gsize len)
{
  return len >= MAGIC_LEN && memcmp (data, DYNAMORM_ENVELOPE_MAGIC, MAGIC_LEN) == 0;
}

static gboolean
truncated (GError **error, const char *what)
{
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
               _("the stored envelope is truncated (it ends inside its %s): the value was cut or "
                 "corrupted, restore it from a backup or write it again"),
               what);
  return FALSE;
}

gboolean
_dynamorm_envelope_parse (const guint8 *data, gsize len, DynamormEnvelope *out, GError **error)
{
  gsize pos = MAGIC_LEN, id_len, wrapped_len;

  memset (out, 0, sizeof *out);
  if (!_dynamorm_envelope_is_envelope (data, len))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("the stored value is not a Dynamorm envelope (it does not start with “DYNE”): "
                     "it was written unencrypted or by another program; re-encrypt it with a put"));
      return FALSE;
    }
  if (len < pos + 2)
    return truncated (error, _("header"));
  out->version = data[pos++];
  if (out->version != DYNAMORM_ENVELOPE_VERSION)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("the stored envelope has format version %u, and this Dynamorm reads only "
                     "version %u: upgrade Dynamorm to read it"),
                   out->version, DYNAMORM_ENVELOPE_VERSION);
      return FALSE;
    }
  id_len = data[pos++];
  if (id_len == 0 || len < pos + id_len + 2)
    return truncated (error, _("key id"));
  if (!g_utf8_validate ((const char *) data + pos, id_len, NULL) ||
      memchr (data + pos, '\0', id_len) != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("the stored envelope’s key id is not valid text: the value is corrupted"));
      return FALSE;
    }
  out->key_id = g_strndup ((const char *) data + pos, id_len);
  pos += id_len;
  wrapped_len = (gsize) data[pos] << 8 | data[pos + 1];
  pos += 2;
  if (wrapped_len == 0 || wrapped_len > DYNAMORM_ENVELOPE_MAX_WRAPPED || len < pos + wrapped_len)
    {
      _dynamorm_envelope_clear (out);
      return truncated (error, _("wrapped data key"));
    }
  out->wrapped = g_bytes_new (data + pos, wrapped_len);
  pos += wrapped_len;
  out->header = data;
  out->header_len = pos;
  if (len < pos + DYNAMORM_ENVELOPE_NONCE_LEN + 1 + DYNAMORM_ENVELOPE_TAG_LEN)
    {
      _dynamorm_envelope_clear (out);
      return truncated (error, _("ciphertext"));
    }
  out->nonce = data + pos;
  out->ciphertext = data + pos + DYNAMORM_ENVELOPE_NONCE_LEN;
  out->ciphertext_len = len - pos - DYNAMORM_ENVELOPE_NONCE_LEN;
  return TRUE;
}

char *
_dynamorm_envelope_open (const DynamormEnvelope *envelope, GBytes *data_key,
                         const char *table, const char *attribute,
                         gsize *len_out, GError **error)
{
  g_autoptr(GByteArray) ad = associated_data (table, attribute, envelope->header, envelope->header_len);
  gsize len = envelope->ciphertext_len - DYNAMORM_ENVELOPE_TAG_LEN;
  char *plaintext = g_malloc (len + 1);

  if (!_dynamorm_aes_gcm_open (data_key, envelope->nonce, ad->data, ad->len,
                               envelope->ciphertext, envelope->ciphertext_len, (guint8 *) plaintext))
    {
      g_free (plaintext);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("the stored envelope failed authentication: it was tampered with, or it was "
                     "written for another table or attribute, or its data key does not match; "
                     "check the key provider and where the value came from"));
      return NULL;
    }
  plaintext[len] = '\0';
  if (len_out)
    *len_out = len;
  return plaintext;
}

void
_dynamorm_envelope_clear (DynamormEnvelope *envelope)
{
  g_clear_pointer (&envelope->key_id, g_free);
  g_clear_pointer (&envelope->wrapped, g_bytes_unref);
}
