/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-envelope-private.h: the stored form of an encrypted property,
 * and the AES-256-GCM primitive under it (Nettle). docs/encryption.md
 * describes the format byte by byte; keep the two in step.
 *
 *   offset  size  field
 *   0       4     magic "DYNE"
 *   4       1     format version, 1
 *   5       1     K, the length of the key id (1 to 255)
 *   6       K     key id: which master key wrapped the data key (UTF-8)
 *   6+K     2     W, the length of the wrapped data key, big-endian (1 to 1024)
 *   8+K     W     the wrapped (encrypted) data key, as the key provider made it
 *   8+K+W   12    nonce, random for every value
 *   20+K+W  n     AES-256-GCM ciphertext of the value's DynamoDB JSON
 *   ...     16    GCM tag
 *
 * The associated data is, in order: the table name's length (2 bytes,
 * big-endian) and bytes, the attribute name's length and bytes, then the
 * header (offsets 0 to 8+K+W). So a ciphertext moved to another attribute
 * or table, or given another wrapped key or version, fails authentication. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DYNAMORM_ENVELOPE_MAGIC       "DYNE"
#define DYNAMORM_ENVELOPE_VERSION     1
#define DYNAMORM_ENVELOPE_NONCE_LEN   12
#define DYNAMORM_ENVELOPE_TAG_LEN     16
#define DYNAMORM_ENVELOPE_MAX_WRAPPED 1024
#define DYNAMORM_DATA_KEY_LEN         32

/* An AES-256 key made ready for GCM: its key schedule and GHASH table,
 * computed once per data key rather than once per value. */
typedef struct _DynamormAesKey DynamormAesKey;

/* A data key: the plaintext AES-256 key and the same key as the key
 * provider wrapped it. Immutable, reference counted, wiped when freed. */
typedef struct {
  char *key_id;
  GBytes *plaintext;
  GBytes *wrapped;
  DynamormAesKey *aes;   /* NULL when plaintext is not 32 bytes: sealing and opening fail */
} DynamormDataKey;

DynamormDataKey *_dynamorm_data_key_new   (const char *key_id, GBytes *plaintext, GBytes *wrapped);
DynamormDataKey *_dynamorm_data_key_ref   (DynamormDataKey *key);
void             _dynamorm_data_key_unref (DynamormDataKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DynamormDataKey, _dynamorm_data_key_unref)

/* A copy of data whose memory is wiped when the last reference goes. */
GBytes *_dynamorm_secret_bytes_new (gconstpointer data, gsize len);
/* Fills buf from the system's CSPRNG (getrandom); aborts only if it fails. */
void    _dynamorm_random_bytes     (guint8 *buf, gsize len, gboolean is_key);

/* AES-256-GCM. seal writes len + TAG_LEN bytes to out. open returns FALSE
 * when authentication fails (wrong key, nonce, associated data or bytes). */
gboolean _dynamorm_aes_gcm_seal (GBytes *key, const guint8 *nonce,
                                 const guint8 *ad, gsize ad_len,
                                 const guint8 *in, gsize len, guint8 *out);
gboolean _dynamorm_aes_gcm_open (GBytes *key, const guint8 *nonce,
                                 const guint8 *ad, gsize ad_len,
                                 const guint8 *in, gsize len, guint8 *out);

/* Seals plaintext under key for (table, attribute), appending the
 * envelope to out; FALSE (out unchanged) when key is not usable. nonce:
 * NULL for a random one (fixed only in the format's test vectors). */
gboolean _dynamorm_envelope_seal_to (DynamormDataKey *key, const guint8 *nonce,
                                     const char *table, const char *attribute,
                                     const char *plaintext, gsize len, GByteArray *out);
/* The same, as new bytes (NULL when key is not usable). */
GBytes  *_dynamorm_envelope_seal    (DynamormDataKey *key, const guint8 *nonce,
                                     const char *table, const char *attribute,
                                     const char *plaintext, gsize len);

/* A parsed envelope; borrows the bytes it was parsed from (but for the
 * key id, copied to be NUL-terminated). */
typedef struct {
  guint8 version;
  char key_id[256];
  const guint8 *wrapped;
  gsize wrapped_len;
  const guint8 *header;
  gsize header_len;
  const guint8 *nonce;
  const guint8 *ciphertext;   /* with the tag at its end */
  gsize ciphertext_len;
} DynamormEnvelope;

/* TRUE when data starts with the envelope's magic. */
gboolean _dynamorm_envelope_is_envelope (const guint8 *data, gsize len);
/* Errors (DYNAMORM_ERROR_ENCRYPTION) say what is wrong with the bytes; the
 * caller names the property. */
gboolean _dynamorm_envelope_parse (const guint8 *data, gsize len,
                                   DynamormEnvelope *out, GError **error);
/* The length of the plaintext the envelope holds. */
gsize    _dynamorm_envelope_plaintext_len (const DynamormEnvelope *envelope);
/* Opens the envelope into plaintext, which has room for
 * _dynamorm_envelope_plaintext_len() bytes and a NUL; FALSE (plaintext
 * wiped) when authentication fails. */
gboolean _dynamorm_envelope_open_into (const DynamormEnvelope *envelope, DynamormDataKey *key,
                                       const char *table, const char *attribute,
                                       char *plaintext, GError **error);

G_END_DECLS
