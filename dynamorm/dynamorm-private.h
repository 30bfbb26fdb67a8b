/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-private.h: internals shared by the core's files; never installed. */
#pragma once

#include "dynamorm.h"
#include "ddb-type.h"

G_BEGIN_DECLS

void _dynamorm_init (void);

/* How a property is stored: chosen once, from its type and tags. */
typedef enum {
  FIELD_STRING,        /* gchararray -> S */
  FIELD_STRING_NUMBER, /* gchararray with `number` -> N, exact decimal text */
  FIELD_STRING_BINARY, /* gchararray with `binary` -> B, its UTF-8 bytes */
  FIELD_INT,           /* signed integers -> N */
  FIELD_UINT,          /* unsigned integers -> N */
  FIELD_DOUBLE,        /* gdouble, gfloat -> N, shortest round-trip text */
  FIELD_BOOLEAN,       /* -> BOOL */
  FIELD_ENUM,          /* -> S, the value's nick */
  FIELD_FLAGS,         /* -> N */
  FIELD_BYTES,         /* GBytes -> B */
  FIELD_DATETIME,      /* GDateTime -> S, RFC 3339 UTC with microseconds; N epoch seconds for ttl */
  FIELD_STRV,          /* GStrv -> L of S, or SS with `set` */
  FIELD_VARIANT,       /* GVariant -> M/L/S/N/B/BOOL/NULL, free-form */
  FIELD_JSON_NODE,     /* JsonNode -> M/L/S/N/BOOL/NULL, free-form */
  FIELD_MODEL,         /* a DynamormModel -> M */
  FIELD_MODEL_LIST,    /* GListModel of DynamormModel (`of:Type`) -> L of M */
} FieldKind;

typedef enum {
  FIELD_FLAG_OMITEMPTY  = 1 << 0,
  FIELD_FLAG_SET        = 1 << 1,
  FIELD_FLAG_JSON       = 1 << 2,
  FIELD_FLAG_VERSION    = 1 << 3,
  FIELD_FLAG_TTL        = 1 << 4,
  FIELD_FLAG_CREATED_AT = 1 << 5,
  FIELD_FLAG_UPDATED_AT = 1 << 6,
  FIELD_FLAG_EPOCH      = 1 << 7, /* GDateTime stored as N epoch seconds */
  FIELD_FLAG_ENCRYPTED  = 1 << 8, /* stored as an envelope (dynamorm-crypto-private.h) */
} FieldFlags;

typedef struct _DynamormKeyTemplate DynamormKeyTemplate;

typedef struct {
  GParamSpec *pspec;   /* owned ref */
  guint index;         /* position in schema->fields */
  /* For reading and writing the property without a lookup by name (see
   * _dynamorm_model_get_field): its class, the pspec its vfuncs get (the
   * redirect target of an override), and whether setting it through the
   * vfunc is the same as g_object_set_property() on a new object. */
  GObjectClass *owner_class;
  GParamSpec *vfunc_pspec;
  gboolean vfunc_settable;
  char *attribute;
  FieldKind kind;
  FieldFlags flags;
  GType element_type;  /* FIELD_MODEL_LIST */
  char key_type;       /* 'S', 'N' or 'B' when the field can be a key, else 0 */
  gboolean classified;
  /* A composed key attribute (schema->composed): no property of its own,
   * its S value is rendered from this template (owned). */
  DynamormKeyTemplate *key_template;
} DynamormField;

typedef struct {
  char *name;
  gboolean local;      /* LSI: partition key is the table's */
  DynamormField *partition_key;
  DynamormField *sort_key;
  /* Multi-attribute keys of a GSI ("index:NAME,pk2" .. "pk4", "sk2" ..
   * "sk4"): the further partition and sort key properties, in order;
   * NULL where not declared (compile refuses gaps). */
  DynamormField *more_pk[3];
  DynamormField *more_sk[3];
} DynamormIndex;

/* How many partition (sort) key properties index has: 1 (0 or 1) unless it
 * has a multi-attribute key. */
guint _dynamorm_index_n_pk (const DynamormIndex *index);
guint _dynamorm_index_n_sk (const DynamormIndex *index);
/* The i-th partition (sort) key property. */
DynamormField *_dynamorm_index_pk (const DynamormIndex *index, guint i);
DynamormField *_dynamorm_index_sk (const DynamormIndex *index, guint i);

typedef struct {
  GType type;
  char *table_name;
  GPtrArray *fields;            /* of DynamormField*, stored attributes only */
  GHashTable *by_property;      /* canonical property name -> field */
  GHashTable *by_attribute;     /* attribute name -> field */
  DynamormField *partition_key;
  DynamormField *sort_key;
  DynamormField *version;
  DynamormField *ttl;
  DynamormField *created_at;
  DynamormField *updated_at;
  GPtrArray *indexes;           /* of DynamormIndex* */
  gboolean nested;              /* a model used only inside another: no key needed */
  guint n_encrypted;            /* fields tagged `encrypted` */
  /* Single-table design (dynamorm-schema-single-table.c) */
  GPtrArray *composed;          /* of DynamormField* with a key_template */
  char *entity_name;            /* always set: @entity, or the type name */
  char *entity_attribute;       /* written and checked when not NULL */
  GPtrArray *collections;       /* of DynamormCollectionDecl* */
  GPtrArray *sparse;            /* of DynamormSparseCondition* */
} DynamormSchema;

typedef struct {
  char *name;
  char *index_name;             /* NULL: on the table's partition key */
} DynamormCollectionDecl;

/* Compiled schema of a model type, cached for the life of the process.
 * require_key: FALSE for models nested inside other models. */
const DynamormSchema *_dynamorm_schema_get (GType type, gboolean require_key, GError **error);
DynamormField *_dynamorm_schema_lookup (const DynamormSchema *schema, const char *property);

/* The codec is below the model and never calls it: for properties that
 * hold a model or a list of models it converts the nested items through
 * these, which DynamormModel registers in its class_init (before any
 * schema of a model type exists). */
typedef struct {
  JsonNode      *(*to_item)       (DynamormModel *model, GError **error);
  DynamormModel *(*new_from_item) (GType model_type, JsonNode *item, GError **error);
} DynamormNestedModelFuncs;
void _dynamorm_codec_set_nested_model_funcs (const DynamormNestedModelFuncs *funcs);

/* Codec, per field. *out is NULL when the value is omitted from the item. */
gboolean _dynamorm_field_encode (const DynamormField *field, const GValue *value,
                                 JsonNode **out, GError **error);
gboolean _dynamorm_field_decode (const DynamormField *field, JsonNode *attribute_value,
                                 GValue *value, GError **error);
gboolean _dynamorm_field_is_empty (const DynamormField *field, const GValue *value);

/* A scalar AttributeValue (S, N, B or BOOL) as text: what both the JSON and
 * the packed encoders write, so the two cannot disagree. */
typedef struct {
  DdbType type;        /* DDB_TYPE_INVALID: the value is left out of the item */
  const char *text;    /* S, N (canonical), B (base64); NUL-terminated */
  gsize len;
  gboolean boolean;    /* BOOL */
  char *owned;         /* what text points into when it was made here */
  char buf[24];        /* integers */
} DynamormScalar;

/* Every kind but lists, GVariant, JsonNode and models is a scalar. */
gboolean _dynamorm_field_is_scalar (const DynamormField *field);
/* For scalar fields; text may borrow from value, which must outlive it. */
gboolean _dynamorm_field_encode_scalar (const DynamormField *field, const GValue *value,
                                        DynamormScalar *out, GError **error);
void _dynamorm_scalar_clear (DynamormScalar *scalar);
/* Refuses duplicates in a string list stored as a set. */
gboolean _dynamorm_field_check_strv (const DynamormField *field, const char *const *strv,
                                     GError **error);
/* Decodes a packed AttributeValue (common/ddb-packed.h), exactly as
 * _dynamorm_field_decode() decodes its JSON form. */
gboolean _dynamorm_field_decode_packed (const DynamormField *field, const guint8 *packed,
                                        GValue *value, GError **error);

/* TRUE when a caller passed "no value": NULL, an unset GValue, or a GValue
 * holding a NULL pointer (what GJS 1.74 passes for JavaScript null). */
gboolean _dynamorm_value_is_unset (const GValue *value);

gboolean _dynamorm_key_attribute (const DynamormField *field, const GValue *value,
                                  const char *what, GType model_type,
                                  JsonObject *key, GError **error);
/* The same, written as a packed attribute. */
gboolean _dynamorm_key_attribute_packed (const DynamormField *field, const GValue *value,
                                         const char *what, GType model_type,
                                         GByteArray *key, GError **error);

/* The key-provider extension point, registered with the backends' (dynamorm-backend.c). */
GIOExtensionPoint *_dynamorm_key_provider_extension_point (void);
/* dynamorm_key_provider_new_kms() sharing the credentials (and region) of
 * an aws:// backend; backend may be NULL or another kind. */
DynamormKeyProvider *_dynamorm_key_provider_new_kms_for_backend (const char *key_id, const char *region,
                                                                 DynamormCredentials *credentials,
                                                                 const char *endpoint,
                                                                 DynamormBackend *backend,
                                                                 GError **error);
/* Whether the provider's calls may wait on the network (KMS): then _async
 * operations make them in a worker thread. */
void     _dynamorm_key_provider_set_may_block (DynamormKeyProvider *self);
gboolean _dynamorm_key_provider_may_block     (DynamormKeyProvider *self);

/* Model internals (dynamorm-model.c) */
/* Reads a field's property (value is initialized here). */
void _dynamorm_model_get_field (DynamormModel *self, const DynamormField *field, GValue *value);
/* Sets every field from values (schema order), notifying as GObject would. */
void _dynamorm_model_set_fields (DynamormModel *self, const DynamormSchema *schema,
                                 const GValue *values);
/* The class keeps the default (de)serialize_property vfuncs. */
gboolean _dynamorm_model_class_is_plain (DynamormModelClass *klass);

/* The direct path (dynamorm-direct.c): whole models as packed items. */
gboolean _dynamorm_direct_enabled (void);
/* What the direct path needs of the session that calls it: the backend,
 * the table prefix (the session's, valid while the session lives), whether
 * consumed capacity is asked for, and the key provider and data-key cache
 * (references; NULL when the session has none) that seal and open
 * encrypted properties. */
typedef struct {
  DynamormBackend *backend;
  const char *table_prefix;
  gboolean wants_capacity;
  DynamormKeyProvider *key_provider;
  DynamormDataKeyCache *key_cache;
} DynamormDirectCall;
static inline void
_dynamorm_direct_call_clear (DynamormDirectCall *call)
{
  call->table_prefix = NULL;
  g_clear_object (&call->key_provider);
  g_clear_object (&call->key_cache);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DynamormDirectCall, _dynamorm_direct_call_clear)
/* dynamorm_session_put() of a model with no options, and
 * dynamorm_session_get(), on the direct path: TRUE (or the model) when
 * done; FALSE (NULL) means the call must be made the JSON way. */
gboolean _dynamorm_direct_try_put (const DynamormDirectCall *call, DynamormModel *model,
                                   GCancellable *cancellable);
DynamormModel *_dynamorm_direct_try_get (const DynamormDirectCall *call, GType model_type,
                                         const GValue *partition_key, const GValue *sort_key,
                                         GCancellable *cancellable);
/* The packed key of a model (its key properties) or of key values; FALSE
 * when they make none (the JSON path says why). */
gboolean _dynamorm_model_pack_key (DynamormModel *model, const DynamormSchema *schema, GByteArray *out);
gboolean _dynamorm_direct_pack_key (const DynamormSchema *schema, GType model_type,
                                    const GValue *partition_key, const GValue *sort_key, GByteArray *out);
/* FALSE (NULL) on any problem; the JSON path then reports it. Encrypted
 * properties are sealed into (opened from) their packed B value with
 * call's key provider and cache, bound to table (the full table name), as
 * the JSON path does; a model without any may pass call and table NULL. */
gboolean _dynamorm_model_pack (DynamormModel *model, const DynamormSchema *schema,
                               const DynamormDirectCall *call, const char *table, GByteArray *out);
DynamormModel *_dynamorm_model_new_from_packed (GType type, const DynamormSchema *schema,
                                                const DynamormDirectCall *call, const char *table,
                                                const guint8 *item);
/* Encrypted properties (dynamorm-crypto-private.h), with the session's key
 * provider: seal before a write, open before a read; table is the full
 * table name the envelopes are bound to. */
gboolean _dynamorm_session_seal_item (DynamormSession *session, const DynamormSchema *schema,
                                      const char *table, JsonObject *item, GError **error);
gboolean _dynamorm_session_open_item (DynamormSession *session, const DynamormSchema *schema,
                                      const char *table, JsonNode *item, GError **error);
/* dynamorm_model_new_from_item() and _load_item() after opening item. */
DynamormModel *_dynamorm_session_model_from_item (DynamormSession *session, GType model_type,
                                                  const char *table, JsonNode *item, GError **error);
gboolean _dynamorm_session_load_item (DynamormSession *session, DynamormModel *model,
                                      const char *table, JsonNode *item, GError **error);
/* The session's table prefix followed by the schema's table name. */
char *_dynamorm_session_table_name (DynamormSession *session, const DynamormSchema *schema);
/* AttributeValue helpers */
JsonNode *_dynamorm_av_new_string (const char *type, const char *text);
/* An "N" attribute value for a whole number. */
JsonNode *_dynamorm_av_new_int64 (gint64 value);
JsonNode *_dynamorm_av_new (const char *type, JsonNode *inner); /* takes inner */
const char *_dynamorm_av_get_type (JsonNode *av, JsonNode **inner);

/* Keys in messages (dynamorm-key.c): `id = "u1", invoice = "2024-01"`.
 * _append_key_attribute adds one attribute to s (after ", " unless s is
 * empty); an attribute that is neither S nor N shows its type, or unknown
 * when av is not an AttributeValue. _describe_key_object describes every
 * attribute of a Key object in the order they were added. */
void  _dynamorm_append_key_attribute (GString *s, const char *name, JsonNode *av, const char *unknown);
char *_dynamorm_describe_key_object  (JsonObject *key);

/* Live data (dynamorm-live-query.c): sets on current the stored properties
 * that differ in fresh (one notify each); their names, or NULL. */
char **_dynamorm_model_update_from (DynamormModel *current, DynamormModel *fresh);

G_END_DECLS
