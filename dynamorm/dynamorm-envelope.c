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

/* ------------------------------------------------------------------ */
/* AES-256-GCM */

/* Nettle alone (not GnuTLS, which maps eight more libraries at start-up).
 * The key schedule and GHASH table (4 KB) are made once per key; each
 * value then needs only a gcm_ctx of its own, so a key is shared by
 * threads without a lock. */
struct _DynamormAesKey {
  struct gcm_key gcm;
  struct aes256_ctx cipher;
};

static void
aes_key_expand (DynamormAesKey *aes, const guint8 *key)
{
  aes256_set_encrypt_key (&aes->cipher, key);
  gcm_set_key (&aes->gcm, &aes->cipher, (nettle_cipher_func *) aes256_encrypt);
}

static DynamormAesKey *
aes_key_new (GBytes *key)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (key, &len);
  DynamormAesKey *aes;

  if (len != DYNAMORM_DATA_KEY_LEN)
    return NULL;
  aes = g_new (DynamormAesKey, 1);
  aes_key_expand (aes, data);
  return aes;
}

static void
aes_key_free (DynamormAesKey *aes)
{
  explicit_bzero (aes, sizeof *aes);
  g_free (aes);
}

/* Seals (encrypt TRUE) or opens len bytes of in into out, and writes the
 * tag to tag. */
static void
aes_gcm_run (const DynamormAesKey *aes, gboolean encrypt, const guint8 *nonce,
             const guint8 *ad, gsize ad_len, const guint8 *in, gsize len, guint8 *out, guint8 *tag)
{
  struct gcm_ctx ctx;

  gcm_set_iv (&ctx, &aes->gcm, DYNAMORM_ENVELOPE_NONCE_LEN, nonce);
  gcm_update (&ctx, &aes->gcm, ad_len, ad);
  if (encrypt)
    gcm_encrypt (&ctx, &aes->gcm, &aes->cipher, (nettle_cipher_func *) aes256_encrypt, len, out, in);
  else
    gcm_decrypt (&ctx, &aes->gcm, &aes->cipher, (nettle_cipher_func *) aes256_encrypt, len, out, in);
  gcm_digest (&ctx, &aes->gcm, &aes->cipher, (nettle_cipher_func *) aes256_encrypt,
              DYNAMORM_ENVELOPE_TAG_LEN, tag);
  explicit_bzero (&ctx, sizeof ctx);
}

static void
aes_seal (const DynamormAesKey *aes, const guint8 *nonce, const guint8 *ad, gsize ad_len,
          const guint8 *in, gsize len, guint8 *out)
{
  aes_gcm_run (aes, TRUE, nonce, ad, ad_len, in, len, out, out + len);
}

static gboolean
aes_open (const DynamormAesKey *aes, const guint8 *nonce, const guint8 *ad, gsize ad_len,
          const guint8 *in, gsize len, guint8 *out)
{
  guint8 tag[DYNAMORM_ENVELOPE_TAG_LEN];
  gsize text_len;

  if (len < DYNAMORM_ENVELOPE_TAG_LEN)
    return FALSE;
  text_len = len - DYNAMORM_ENVELOPE_TAG_LEN;
  aes_gcm_run (aes, FALSE, nonce, ad, ad_len, in, text_len, out, tag);
  if (!memeql_sec (tag, in + text_len, sizeof tag))
    {
      explicit_bzero (out, text_len);   /* never hand out unauthenticated text */
      return FALSE;
    }
  return TRUE;
}

/* The GBytes forms, for keys used once (the local provider's master key
 * wrapping a data key): the expanded key lives on the stack, and is wiped
 * once it sealed (seal TRUE) or opened. */
static gboolean
aes_gcm_once (GBytes *key, gboolean seal, const guint8 *nonce, const guint8 *ad, gsize ad_len,
              const guint8 *in, gsize len, guint8 *out)
{
  DynamormAesKey aes;
  gboolean ok = TRUE;

  if (g_bytes_get_size (key) != DYNAMORM_DATA_KEY_LEN)
    return FALSE;
  aes_key_expand (&aes, g_bytes_get_data (key, NULL));
  if (seal)
    aes_seal (&aes, nonce, ad, ad_len, in, len, out);
  else
    ok = aes_open (&aes, nonce, ad, ad_len, in, len, out);
  explicit_bzero (&aes, sizeof aes);
  return ok;
}

gboolean
_dynamorm_aes_gcm_seal (GBytes *key, const guint8 *nonce,
                        const guint8 *ad, gsize ad_len,
                        const guint8 *in, gsize len, guint8 *out)
{
  return aes_gcm_once (key, TRUE, nonce, ad, ad_len, in, len, out);
}

gboolean
_dynamorm_aes_gcm_open (GBytes *key, const guint8 *nonce,
                        const guint8 *ad, gsize ad_len,
                        const guint8 *in, gsize len, guint8 *out)
{
  return aes_gcm_once (key, FALSE, nonce, ad, ad_len, in, len, out);
}

/* ------------------------------------------------------------------ */
/* Data keys */

DynamormDataKey *
_dynamorm_data_key_new (const char *key_id, GBytes *plaintext, GBytes *wrapped)
{
  DynamormDataKey *key = g_atomic_rc_box_new0 (DynamormDataKey);

  key->key_id = g_strdup (key_id);
  key->plaintext = g_bytes_ref (plaintext);
  key->wrapped = g_bytes_ref (wrapped);
  key->aes = aes_key_new (plaintext);
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
  g_clear_pointer (&key->aes, aes_key_free);
}

void
_dynamorm_data_key_unref (DynamormDataKey *key)
{
  g_atomic_rc_box_release_full (key, (GDestroyNotify) data_key_clear);
}

/* ------------------------------------------------------------------ */
/* The envelope */

static guint8 *
put_u16 (guint8 *p, gsize n)
{
  p[0] = (n >> 8) & 0xff;
  p[1] = n & 0xff;
  return p + 2;
}

static guint8 *
put_name (guint8 *p, const char *name, gsize len)
{
  p = put_u16 (p, len);
  memcpy (p, name, len);
  return p + len;
}

/* The associated data: table, attribute, then the header; in stack when
 * it fits (a table name, an attribute name and a header are usually a few
 * hundred bytes), else in a new allocation the caller frees. */
#define AD_STACK_LEN 1024

static guint8 *
associated_data (guint8 *stack, const char *table, const char *attribute,
                 const guint8 *header, gsize header_len, gsize *len_out)
{
  gsize table_len = MIN (strlen (table), G_MAXUINT16);
  gsize attribute_len = MIN (strlen (attribute), G_MAXUINT16);
  gsize len = 2 + table_len + 2 + attribute_len + header_len;
  guint8 *ad = len <= AD_STACK_LEN ? stack : g_malloc (len);
  guint8 *p = put_name (ad, table, table_len);

  p = put_name (p, attribute, attribute_len);
  memcpy (p, header, header_len);
  *len_out = len;
  return ad;
}

gboolean
_dynamorm_envelope_seal_to (DynamormDataKey *key, const guint8 *nonce,
                            const char *table, const char *attribute,
                            const char *plaintext, gsize len, GByteArray *out)
{
  gsize key_id_len = strlen (key->key_id);
  gsize wrapped_len;
  const guint8 *wrapped = g_bytes_get_data (key->wrapped, &wrapped_len);
  guint8 random_nonce[DYNAMORM_ENVELOPE_NONCE_LEN];
  guint8 ad_stack[AD_STACK_LEN];
  gsize header_len = MAGIC_LEN + 2 + key_id_len + 2 + wrapped_len, ad_len, start = out->len;
  guint8 *header, *p, *ad;

  /* Checked where data keys are made (the cache). */
  g_return_val_if_fail (key_id_len >= 1 && key_id_len <= 255, FALSE);
  g_return_val_if_fail (wrapped_len >= 1 && wrapped_len <= DYNAMORM_ENVELOPE_MAX_WRAPPED, FALSE);
  if (key->aes == NULL)
    return FALSE;

  if (nonce == NULL)
    {
      _dynamorm_random_bytes (random_nonce, sizeof random_nonce, FALSE);
      nonce = random_nonce;
    }
  g_byte_array_set_size (out, start + header_len + DYNAMORM_ENVELOPE_NONCE_LEN + len + DYNAMORM_ENVELOPE_TAG_LEN);
  header = p = out->data + start;
  memcpy (p, DYNAMORM_ENVELOPE_MAGIC, MAGIC_LEN);
  p += MAGIC_LEN;
  *p++ = DYNAMORM_ENVELOPE_VERSION;
  *p++ = (guint8) key_id_len;
  memcpy (p, key->key_id, key_id_len);
  p = put_u16 (p + key_id_len, wrapped_len);
  memcpy (p, wrapped, wrapped_len);
  p += wrapped_len;
  memcpy (p, nonce, DYNAMORM_ENVELOPE_NONCE_LEN);
  p += DYNAMORM_ENVELOPE_NONCE_LEN;

  ad = associated_data (ad_stack, table, attribute, header, header_len, &ad_len);
  aes_seal (key->aes, nonce, ad, ad_len, (const guint8 *) plaintext, len, p);
  if (ad != ad_stack)
    g_free (ad);
  return TRUE;
}

GBytes *
_dynamorm_envelope_seal (DynamormDataKey *key, const guint8 *nonce,
                         const char *table, const char *attribute,
                         const char *plaintext, gsize len)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (len + 128);

  if (!_dynamorm_envelope_seal_to (key, nonce, table, attribute, plaintext, len, out))
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
  memcpy (out->key_id, data + pos, id_len);
  out->key_id[id_len] = '\0';
  pos += id_len;
  wrapped_len = (gsize) data[pos] << 8 | data[pos + 1];
  pos += 2;
  if (wrapped_len == 0 || wrapped_len > DYNAMORM_ENVELOPE_MAX_WRAPPED || len < pos + wrapped_len)
    return truncated (error, _("wrapped data key"));
  out->wrapped = data + pos;
  out->wrapped_len = wrapped_len;
  pos += wrapped_len;
  out->header = data;
  out->header_len = pos;
  if (len < pos + DYNAMORM_ENVELOPE_NONCE_LEN + 1 + DYNAMORM_ENVELOPE_TAG_LEN)
    return truncated (error, _("ciphertext"));
  out->nonce = data + pos;
  out->ciphertext = data + pos + DYNAMORM_ENVELOPE_NONCE_LEN;
  out->ciphertext_len = len - pos - DYNAMORM_ENVELOPE_NONCE_LEN;
  return TRUE;
}

gsize
_dynamorm_envelope_plaintext_len (const DynamormEnvelope *envelope)
{
  return envelope->ciphertext_len - DYNAMORM_ENVELOPE_TAG_LEN;
}

gboolean
_dynamorm_envelope_open_into (const DynamormEnvelope *envelope, DynamormDataKey *key,
                              const char *table, const char *attribute,
                              char *plaintext, GError **error)
{
  guint8 ad_stack[AD_STACK_LEN];
  gsize ad_len, len = _dynamorm_envelope_plaintext_len (envelope);
  guint8 *ad = associated_data (ad_stack, table, attribute, envelope->header, envelope->header_len, &ad_len);
  gboolean ok = key->aes != NULL &&
                aes_open (key->aes, envelope->nonce, ad, ad_len,
                          envelope->ciphertext, envelope->ciphertext_len, (guint8 *) plaintext);

  if (ad != ad_stack)
    g_free (ad);
  if (!ok)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("the stored envelope failed authentication: it was tampered with, or it was "
                     "written for another table or attribute, or its data key does not match; "
                     "check the key provider and where the value came from"));
      return FALSE;
    }
  plaintext[len] = '\0';
  return TRUE;
}
