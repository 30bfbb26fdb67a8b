/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-crypto-private.h: the encryption step of the codec. Properties
 * tagged `encrypted` are encoded to their DynamoDB JSON as any other, then
 * sealed into an envelope (dynamorm-envelope-private.h) stored as B; on
 * the way back the envelope is opened and the JSON decoded as usual. The
 * session supplies the key provider and data-key cache. */
#pragma once

#include "dynamorm-private.h"

G_BEGIN_DECLS

typedef struct {
  DynamormKeyProvider *provider;   /* NULL: encrypted properties fail */
  DynamormDataKeyCache *cache;     /* NULL: every value asks the provider */
} DynamormCrypto;

void      _dynamorm_crypto_clear      (DynamormCrypto *crypto);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DynamormCrypto, _dynamorm_crypto_clear)

/* The session's own URI parameters (kms_key_id, kms_region, kms_endpoint,
 * local_key_file, data_key_max_age, data_key_max_uses,
 * data_key_cache_size), taken out of the URI before the backend sees it. */
typedef struct {
  char *backend_uri;         /* the URI without them */
  char *kms_key_id;
  char *kms_region;
  char *kms_endpoint;
  char *local_key_file;
  guint max_age;             /* 0: the default */
  guint64 max_uses;
  guint cache_size;
  gboolean cache_size_set;
} DynamormCryptoOptions;

void      _dynamorm_crypto_options_clear (DynamormCryptoOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DynamormCryptoOptions, _dynamorm_crypto_options_clear)
/* Fills out from uri; the caller clears out, also when this fails (it is
 * a g_auto (DynamormCryptoOptions)). */
gboolean  _dynamorm_crypto_options_parse (const char *uri, DynamormCryptoOptions *out, GError **error);
/* Replaces *provider and *cache as the options say (untouched otherwise). */
gboolean  _dynamorm_crypto_options_apply (const DynamormCryptoOptions *options, DynamormBackend *backend,
                                          DynamormCredentials *credentials,
                                          DynamormKeyProvider **provider, DynamormDataKeyCache **cache,
                                          GError **error);

/* The error for an encrypted property with no key provider to hand. */
void      _dynamorm_crypto_set_no_provider_error (const DynamormField *field, GError **error);

/* One attribute value: av (DynamoDB JSON) in, {"B": envelope} out. */
JsonNode *_dynamorm_crypto_seal_value (const DynamormCrypto *crypto, const DynamormField *field,
                                       const char *table, JsonNode *av,
                                       GCancellable *cancellable, GError **error);
/* {"B": envelope} in, the DynamoDB JSON of the value out. */
JsonNode *_dynamorm_crypto_open_value (const DynamormCrypto *crypto, const DynamormField *field,
                                       const char *table, JsonNode *stored,
                                       GCancellable *cancellable, GError **error);

/* The direct path's forms (dynamorm-direct.c), without JSON trees: value
 * sealed and appended to b64 as the base64 text of its envelope (nothing
 * appended when the value is left out of the item); the base64 text of a
 * stored envelope (b64_len bytes) opened and decoded into value. */
gboolean  _dynamorm_crypto_seal_field (const DynamormCrypto *crypto, const DynamormField *field,
                                       const char *table, const GValue *value, GString *b64,
                                       GError **error);
gboolean  _dynamorm_crypto_open_field (const DynamormCrypto *crypto, const DynamormField *field,
                                       const char *table, const char *b64, gsize b64_len,
                                       GValue *value, GError **error);

/* Every encrypted property of schema present in item, in place. crypto may
 * be NULL (no provider): then an encrypted property present fails. */
gboolean  _dynamorm_crypto_seal_item  (const DynamormCrypto *crypto, const DynamormSchema *schema,
                                       const char *table, JsonObject *item,
                                       GCancellable *cancellable, GError **error);
gboolean  _dynamorm_crypto_open_item  (const DynamormCrypto *crypto, const DynamormSchema *schema,
                                       const char *table, JsonObject *item,
                                       GCancellable *cancellable, GError **error);

/* TRUE when av is a B value holding an envelope (the codec refuses to read
 * those as property values: they are never returned as ciphertext). */
gboolean  _dynamorm_crypto_is_sealed  (JsonNode *av);

/* Whether an answer (DynamoDB JSON, at any depth) holds a sealed value. */
gboolean  _dynamorm_crypto_holds_sealed (JsonNode *node);
/* Puts the data key of every sealed value of an answer into crypto's cache
 * (asking the provider for those it lacks), so that opening them later
 * asks the provider nothing. Opens no value. */
gboolean  _dynamorm_crypto_fetch_keys   (const DynamormCrypto *crypto, JsonNode *node,
                                         GCancellable *cancellable, GError **error);

/* For conditions, filters, key conditions and update actions: refuses an
 * encrypted field, naming what was attempted. */
gboolean  _dynamorm_crypto_check_not_encrypted (const DynamormField *field, const char *what,
                                                GError **error);

G_END_DECLS
