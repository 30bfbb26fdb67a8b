/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-write-private.h"
#include "dynamorm-session-private.h"
#include "dynamorm-sync-private.h"
#include "dynamorm-single-table-private.h"
#include "dynamorm-data-key-cache-private.h"
#include "dynamorm-accessors-private.h"

/**
 * DynamormSession:
 *
 * A handle on one backend: the entry point for every operation.
 *
 * Create one with a backend URI:
 *
 * ```c
 * g_autoptr(GError) error = NULL;
 * g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://", &error);
 * ```
 *
 * `memory://` is an in-process DynamoDB, `local://127.0.0.1:8000` is
 * DynamoDB Local, `aws://eu-west-1` is Amazon DynamoDB. With a %NULL URI the
 * session reads `DYNAMORM_URI` from the environment.
 *
 * Properties tagged `encrypted` need a key provider: see
 * [method@Dynamorm.Session.set_key_provider]. The URI may set one with the
 * session's own parameters, which every backend accepts: `kms_key_id`
 * (with `kms_region` and `kms_endpoint`), or `local_key_file`, and the
 * data-key cache's limits `data_key_max_age` (seconds), `data_key_max_uses`
 * and `data_key_cache_size` (`data_key_cache_size=0` turns the cache off).
 *
 * Every operation has a blocking form and an `_async`/`_finish` pair, and
 * takes a #GCancellable. A session is safe to use from several threads at
 * once; set its table prefix before sharing it.
 */

/* What every operation reads of the session. A setter replaces the whole
 * snapshot (under the lock) instead of changing it, so operations read it
 * with one atomic load and no lock. A replaced snapshot is kept until the
 * session is finalized, as an operation on another thread may still be
 * reading it (setters are rare: a prefix or a capacity mode). */
typedef struct {
  char *table_prefix;
  DynamormCapacityMode capacity_mode;
} SessionSettings;

static void
session_settings_free (SessionSettings *settings)
{
  g_free (settings->table_prefix);
  g_free (settings);
}

struct _DynamormSession
{
  GObject parent_instance;

  DynamormBackend *backend;
  GMutex lock;
  SessionSettings *settings;   /* read without the lock: see settings_get() */
  GPtrArray *retired;          /* replaced SessionSettings, under lock */
  GHashTable *capacity;   /* "table\x1findex" or "table" -> CapacityTotal */
  DynamormKeyProvider *key_provider;   /* encrypted properties; under lock */
  DynamormDataKeyCache *key_cache;
};

typedef struct {
  char *table;
  char *index;            /* NULL for the table's own total */
  double read_units;
  double write_units;
} CapacityTotal;

static void
capacity_total_free (CapacityTotal *total)
{
  g_free (total->table);
  g_free (total->index);
  g_free (total);
}

enum {
  SIGNAL_CONSUMED_CAPACITY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (DynamormSession, dynamorm_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BACKEND,
  PROP_TABLE_PREFIX,
  PROP_CAPACITY_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const SessionSettings *
settings_get (DynamormSession *self)
{
  return g_atomic_pointer_get (&self->settings);
}

/* Called under the lock. */
static void
settings_replace (DynamormSession *self, const char *prefix, DynamormCapacityMode mode)
{
  SessionSettings *settings = g_new0 (SessionSettings, 1);

  settings->table_prefix = g_strdup (prefix);
  settings->capacity_mode = mode;
  g_ptr_array_add (self->retired, self->settings);
  g_atomic_pointer_set (&self->settings, settings);
}

static void
dynamorm_session_finalize (GObject *object)
{
  DynamormSession *self = DYNAMORM_SESSION (object);

  g_clear_object (&self->backend);
  g_clear_pointer (&self->settings, session_settings_free);
  g_clear_pointer (&self->retired, g_ptr_array_unref);
  g_clear_pointer (&self->capacity, g_hash_table_unref);
  g_clear_object (&self->key_provider);
  g_clear_object (&self->key_cache);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (dynamorm_session_parent_class)->finalize (object);
}

static void
dynamorm_session_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DynamormSession *self = DYNAMORM_SESSION (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      g_value_set_object (value, self->backend);
      break;
    case PROP_TABLE_PREFIX:
      g_value_set_string (value, settings_get (self)->table_prefix);
      break;
    case PROP_CAPACITY_MODE:
      g_value_set_enum (value, dynamorm_session_get_capacity_mode (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_session_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DynamormSession *self = DYNAMORM_SESSION (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      self->backend = g_value_dup_object (value);
      break;
    case PROP_TABLE_PREFIX:
      dynamorm_session_set_table_prefix (self, g_value_get_string (value));
      break;
    case PROP_CAPACITY_MODE:
      dynamorm_session_set_capacity_mode (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_session_class_init (DynamormSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _dynamorm_init ();

  object_class->finalize = dynamorm_session_finalize;
  object_class->get_property = dynamorm_session_get_property;
  object_class->set_property = dynamorm_session_set_property;

  /**
   * DynamormSession:backend:
   *
   * The backend that carries the session's requests.
   */
  properties[PROP_BACKEND] =
    g_param_spec_object ("backend", NULL, NULL, DYNAMORM_TYPE_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * DynamormSession:table-prefix:
   *
   * A prefix put before every model's table name, such as `"dev_"`, to keep
   * the tables of several environments or tenants apart.
   */
  properties[PROP_TABLE_PREFIX] =
    g_param_spec_string ("table-prefix", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DynamormSession:capacity-mode:
   *
   * Whether every operation asks DynamoDB for the capacity it consumed
   * (`ReturnConsumedCapacity`), and in how much detail. The session keeps
   * totals per table and per index and emits
   * [signal@Dynamorm.Session::consumed-capacity] for every operation.
   */
  properties[PROP_CAPACITY_MODE] =
    g_param_spec_enum ("capacity-mode", NULL, NULL,
                       DYNAMORM_TYPE_CAPACITY_MODE, DYNAMORM_CAPACITY_NONE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DynamormSession::consumed-capacity:
   * @self: the session
   * @operation: the DynamoDB operation, such as `"Query"`
   * @consumed_capacity: the `ConsumedCapacity` DynamoDB answered with: an
   *   object, or an array of them for batches and transactions
   *
   * Emitted after every operation that reported consumed capacity, when
   * [property@Dynamorm.Session:capacity-mode] is not
   * %DYNAMORM_CAPACITY_NONE, so an application can log or meter cost. It is
   * emitted in the thread that completed the operation: the caller's thread
   * for blocking calls, the thread-default main context's for async ones.
   */
  signals[SIGNAL_CONSUMED_CAPACITY] =
    g_signal_new ("consumed-capacity", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_NODE);
}

static void
dynamorm_session_init (DynamormSession *self)
{
  g_mutex_init (&self->lock);
  self->settings = g_new0 (SessionSettings, 1);
  self->retired = g_ptr_array_new_with_free_func ((GDestroyNotify) session_settings_free);
  self->capacity = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) capacity_total_free);
  self->key_cache = g_object_new (DYNAMORM_TYPE_DATA_KEY_CACHE, NULL);
}

/**
 * dynamorm_session_new:
 * @uri: (nullable): a backend URI such as `memory://`,
 *   `local://127.0.0.1:8000` or `aws://eu-west-1`; %NULL to read
 *   `DYNAMORM_URI`
 * @error: return location for a #GError
 *
 * Creates a session on the backend that serves @uri. Creating a session
 * does no network I/O: credentials and connections are set up by the first
 * request.
 *
 * There is deliberately no silent fallback: with no URI and no
 * `DYNAMORM_URI`, this fails rather than writing to an in-memory table the
 * caller did not ask for.
 *
 * Returns: (transfer full): a new session, or %NULL on error
 */
DynamormSession *
dynamorm_session_new (const char  *uri,
                      GError     **error)
{
  return dynamorm_session_new_full (uri, NULL, NULL, error);
}

/**
 * dynamorm_session_new_full:
 * @uri: (nullable): a backend URI, or %NULL to read `DYNAMORM_URI`
 * @credentials: (nullable): credentials to sign requests with, instead of
 *   the AWS credential chain
 * @retry_policy: (nullable): how throttled and failed requests are retried,
 *   instead of the backend's default policy
 * @error: return location for a #GError
 *
 * Creates a session as [ctor@Dynamorm.Session.new] does, with explicit
 * credentials or a retry policy for the backend. Backends that do not use
 * them (memory://) ignore them, so the same code runs on every backend.
 *
 * Returns: (transfer full): a new session, or %NULL on error
 */
DynamormSession *
dynamorm_session_new_full (const char           *uri,
                           DynamormCredentials  *credentials,
                           DynamormRetryPolicy  *retry_policy,
                           GError              **error)
{
  g_autoptr(DynamormBackend) backend = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_auto(DynamormCryptoOptions) crypto = { 0 };

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (uri == NULL)
    uri = g_getenv ("DYNAMORM_URI");
  if (uri == NULL || *uri == '\0')
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_BACKEND_NOT_FOUND,
                   _("No backend URI was given and DYNAMORM_URI is not set: pass a URI such as "
                     "memory://, local://127.0.0.1:8000 or aws://us-east-1"));
      return NULL;
    }

  /* The encryption parameters are the session's; the rest go to the backend. */
  if (!_dynamorm_crypto_options_parse (uri, &crypto, error))
    return NULL;
  backend = dynamorm_backend_new_for_uri_full (crypto.backend_uri, credentials, retry_policy, NULL, error);
  if (backend == NULL)
    return NULL;

  session = dynamorm_session_new_for_backend (backend);
  if (!_dynamorm_crypto_options_apply (&crypto, backend, credentials,
                                       &session->key_provider, &session->key_cache, error))
    return NULL;
  return g_steal_pointer (&session);
}

/**
 * dynamorm_session_new_for_backend:
 * @backend: a #DynamormBackend
 *
 * Creates a session on a backend instance, such as a test double written in
 * Python or JavaScript.
 *
 * Returns: (transfer full): a new session
 */
DynamormSession *
dynamorm_session_new_for_backend (DynamormBackend *backend)
{
  g_return_val_if_fail (DYNAMORM_IS_BACKEND (backend), NULL);

  return g_object_new (DYNAMORM_TYPE_SESSION, "backend", backend, NULL);
}

/**
 * dynamorm_session_get_backend:
 * @self: a #DynamormSession
 *
 * Gets the session's backend.
 *
 * Returns: (transfer none): the backend
 */
DYNAMORM_DEFINE_GETTER (DynamormBackend *, dynamorm_session_get_backend,
                        DynamormSession, DYNAMORM_IS_SESSION, backend, NULL)

/**
 * dynamorm_session_get_table_prefix:
 * @self: a #DynamormSession
 *
 * Gets the table name prefix.
 *
 * Returns: (nullable): the prefix, or %NULL
 */
const char *
dynamorm_session_get_table_prefix (DynamormSession *self)
{
  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), NULL);

  return settings_get (self)->table_prefix;
}

/**
 * dynamorm_session_set_table_prefix:
 * @self: a #DynamormSession
 * @prefix: (nullable): a prefix such as `"dev_"`, or %NULL
 *
 * Sets a prefix for every table name the session uses. Set it before the
 * session is shared between threads.
 */
void
dynamorm_session_set_table_prefix (DynamormSession *self,
                                   const char      *prefix)
{
  gboolean changed;

  g_return_if_fail (DYNAMORM_IS_SESSION (self));

  g_mutex_lock (&self->lock);
  changed = g_strcmp0 (prefix, self->settings->table_prefix) != 0;
  if (changed)
    settings_replace (self, prefix, self->settings->capacity_mode);
  g_mutex_unlock (&self->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TABLE_PREFIX]);
}

char *
_dynamorm_session_table_name (DynamormSession *self, const DynamormSchema *schema)
{
  const char *prefix = settings_get (self)->table_prefix;

  return g_strconcat (prefix ? prefix : "", schema->table_name, NULL);
}

/* The session as the direct path sees it, without the crypto objects. */
void
_dynamorm_session_direct_call (DynamormSession *self, DynamormDirectCall *call)
{
  const SessionSettings *settings = settings_get (self);

  call->backend = self->backend;
  call->table_prefix = settings->table_prefix;
  call->wants_capacity = settings->capacity_mode != DYNAMORM_CAPACITY_NONE;
}

static void
direct_call_init (DynamormSession *self, GType model_type, DynamormDirectCall *call)
{
  const DynamormSchema *schema = _dynamorm_schema_get (model_type, TRUE, NULL);

  _dynamorm_session_direct_call (self, call);
  /* Only models with encrypted properties use the crypto objects. They are
   * settable at any time and referenced, so they are taken under the lock;
   * every other model's call takes no lock. */
  if (schema == NULL || schema->n_encrypted == 0)
    return;
  g_mutex_lock (&self->lock);
  call->key_provider = self->key_provider ? g_object_ref (self->key_provider) : NULL;
  call->key_cache = self->key_cache ? g_object_ref (self->key_cache) : NULL;
  g_mutex_unlock (&self->lock);
}

static gboolean
try_direct_put (DynamormSession *self, DynamormModel *model, GCancellable *cancellable)
{
  g_auto(DynamormDirectCall) call = { 0 };

  direct_call_init (self, G_OBJECT_TYPE (model), &call);
  return _dynamorm_direct_try_put (&call, model, cancellable);
}

static DynamormModel *
try_direct_get (DynamormSession *self, GType model_type, const GValue *partition_key,
                const GValue *sort_key, GCancellable *cancellable)
{
  g_auto(DynamormDirectCall) call = { 0 };

  direct_call_init (self, model_type, &call);
  return _dynamorm_direct_try_get (&call, model_type, partition_key, sort_key, cancellable);
}

/**
 * dynamorm_session_get_table_name:
 * @self: a #DynamormSession
 * @model_type: a #DynamormModel subtype
 *
 * Gets the full name of the table a model is stored in by this session:
 * the session's prefix followed by the model's table name.
 *
 * Returns: (transfer full) (nullable): the table name, or %NULL if the
 *   model's schema is invalid
 */
char *
dynamorm_session_get_table_name (DynamormSession *self,
                                 GType            model_type)
{
  const DynamormSchema *schema;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), NULL);

  schema = _dynamorm_schema_get (model_type, TRUE, NULL);
  return schema ? _dynamorm_session_table_name (self, schema) : NULL;
}

/* ------------------------------------------------------------------ */
/* Encrypted properties */

/* The crypto objects are settable at any time, so their accessors take
 * the lock around the field, under each one's gi-docgen comment:
 *
 *   DEFINE_LOCKED_SETTER (dynamorm_session_set_data_key_cache, DynamormDataKeyCache,
 *                         cache, DYNAMORM_IS_DATA_KEY_CACHE, key_cache)
 *
 * defines
 *
 *   void
 *   dynamorm_session_set_data_key_cache (DynamormSession *self, DynamormDataKeyCache *cache)
 *   {
 *     g_return_if_fail (DYNAMORM_IS_SESSION (self));
 *     g_return_if_fail (cache == NULL || DYNAMORM_IS_DATA_KEY_CACHE (cache));
 *
 *     g_mutex_lock (&self->lock);
 *     g_set_object (&self->key_cache, cache);
 *     g_mutex_unlock (&self->lock);
 *   }
 *
 * and DEFINE_LOCKED_GETTER (DynamormDataKeyCache *, dynamorm_session_get_data_key_cache,
 * key_cache) the getter that reads self->key_cache under the lock. */
#define DEFINE_LOCKED_SETTER(function, ArgType, arg, ARG_CHECK, field)  \
  void                                                                  \
  function (DynamormSession *self, ArgType *arg)                        \
  {                                                                     \
    g_return_if_fail (DYNAMORM_IS_SESSION (self));                      \
    g_return_if_fail (arg == NULL || ARG_CHECK (arg));                  \
                                                                        \
    g_mutex_lock (&self->lock);                                         \
    g_set_object (&self->field, arg);                                   \
    g_mutex_unlock (&self->lock);                                       \
  }

#define DEFINE_LOCKED_GETTER(RetType, function, field)        \
  RetType                                                     \
  function (DynamormSession *self)                            \
  {                                                           \
    RetType value;                                            \
                                                              \
    g_return_val_if_fail (DYNAMORM_IS_SESSION (self), NULL);  \
    g_mutex_lock (&self->lock);                               \
    value = self->field;                                      \
    g_mutex_unlock (&self->lock);                             \
    return value;                                             \
  }

/**
 * dynamorm_session_set_key_provider:
 * @self: a #DynamormSession
 * @provider: (nullable): where data keys come from, or %NULL for none
 *
 * Sets the key provider that encrypts and decrypts properties tagged
 * `encrypted`. Without one, writing such a property, or reading one that
 * is stored, fails with %DYNAMORM_ERROR_ENCRYPTION: values are never stored
 * in the clear, and ciphertext is never returned as a value.
 *
 * Since: 0.2
 */
DEFINE_LOCKED_SETTER (dynamorm_session_set_key_provider, DynamormKeyProvider, provider,
                      DYNAMORM_IS_KEY_PROVIDER, key_provider)

/**
 * dynamorm_session_get_key_provider:
 * @self: a #DynamormSession
 *
 * Gets the key provider that encrypts and decrypts the session's encrypted properties.
 *
 * Returns: (transfer none) (nullable): the session's key provider
 *
 * Since: 0.2
 */
DEFINE_LOCKED_GETTER (DynamormKeyProvider *, dynamorm_session_get_key_provider, key_provider)

/**
 * dynamorm_session_set_data_key_cache:
 * @self: a #DynamormSession
 * @cache: (nullable): a data-key cache, possibly shared with other
 *   sessions, or %NULL to ask the key provider for every value
 *
 * Sets the cache of data keys. A new session has its own cache with the
 * default limits; see [class@Dynamorm.DataKeyCache].
 *
 * Since: 0.2
 */
DEFINE_LOCKED_SETTER (dynamorm_session_set_data_key_cache, DynamormDataKeyCache, cache,
                      DYNAMORM_IS_DATA_KEY_CACHE, key_cache)

/**
 * dynamorm_session_get_data_key_cache:
 * @self: a #DynamormSession
 *
 * Gets the cache of data keys the session's encrypted properties use.
 *
 * Returns: (transfer none) (nullable): the session's data-key cache, or
 *   %NULL when data keys are not cached
 *
 * Since: 0.2
 */
DEFINE_LOCKED_GETTER (DynamormDataKeyCache *, dynamorm_session_get_data_key_cache, key_cache)

void
_dynamorm_session_get_crypto (DynamormSession *self, DynamormCrypto *out)
{
  g_mutex_lock (&self->lock);
  out->provider = self->key_provider ? g_object_ref (self->key_provider) : NULL;
  out->cache = self->key_cache ? g_object_ref (self->key_cache) : NULL;
  g_mutex_unlock (&self->lock);
}

DynamormExprBuilder *
_dynamorm_session_expr_builder (DynamormSession *self, const char *table)
{
  DynamormExprBuilder *b = _dynamorm_expr_builder_new ();
  g_auto(DynamormCrypto) crypto = { 0 };

  _dynamorm_session_get_crypto (self, &crypto);
  _dynamorm_expr_builder_set_crypto (b, crypto.provider, crypto.cache, table);
  return b;
}

gboolean
_dynamorm_session_seal_item (DynamormSession *self, const DynamormSchema *schema, const char *table,
                             JsonObject *item, GError **error)
{
  g_auto(DynamormCrypto) crypto = { 0 };

  if (schema->n_encrypted == 0)
    return TRUE;
  _dynamorm_session_get_crypto (self, &crypto);
  return _dynamorm_crypto_seal_item (&crypto, schema, table, item, NULL, error);
}

gboolean
_dynamorm_session_open_item (DynamormSession *self, const DynamormSchema *schema, const char *table,
                             JsonNode *item, GError **error)
{
  g_auto(DynamormCrypto) crypto = { 0 };

  if (schema->n_encrypted == 0 || item == NULL || !JSON_NODE_HOLDS_OBJECT (item))
    return TRUE;
  _dynamorm_session_get_crypto (self, &crypto);
  return _dynamorm_crypto_open_item (&crypto, schema, table, json_node_get_object (item), NULL, error);
}

DynamormModel *
_dynamorm_session_model_from_item (DynamormSession *self, GType model_type, const char *table,
                                   JsonNode *item, GError **error)
{
  const DynamormSchema *schema = _dynamorm_schema_get (model_type, FALSE, error);

  if (schema == NULL || !_dynamorm_session_open_item (self, schema, table, item, error))
    return NULL;
  return dynamorm_model_new_from_item (model_type, item, error);
}

gboolean
_dynamorm_session_load_item (DynamormSession *self, DynamormModel *model, const char *table,
                             JsonNode *item, GError **error)
{
  const DynamormSchema *schema = _dynamorm_schema_get (G_OBJECT_TYPE (model), FALSE, error);

  if (schema == NULL || !_dynamorm_session_open_item (self, schema, table, item, error))
    return FALSE;
  return dynamorm_model_load_item (model, item, error);
}

/* ------------------------------------------------------------------ */
/* One operation: a request built up front (so every mistake is caught
 * before anything is sent), carried by the backend, and a finish step
 * that reads the response. The same Op serves the sync and async forms. */

typedef struct _Op Op;
typedef gboolean (*OpFinishFunc) (Op *op, JsonNode *response, GError **error);

typedef enum {
  OP_RESULT_BOOLEAN,
  OP_RESULT_POINTER,
} OpResultKind;

struct _Op
{
  DynamormSession *session;
  const char *operation;
  JsonNode *request;
  char *table_name;
  GType model_type;
  DynamormModel *model;
  char *key_text;                 /* "id = "u1"", for messages */
  OpFinishFunc finish;
  OpResultKind result_kind;
  gpointer result;
  GDestroyNotify result_free;
  gboolean missing_is_not_found;  /* a failed attribute_exists means no item */
  gboolean version_checked;       /* the condition holds a version check */
  gint64 version;                 /* the model's version, when checked */
  DynamormModel *current;         /* the stored item, when a condition failed */
  DynamormWriteOptions *options;  /* gets current too, for bindings */
  gboolean item_returned;         /* the failure came with the stored item */
  gboolean must_not_exist;        /* the write needs no item with its key */
  GPtrArray *after;               /* of DynamormAfterSet*: set on the model on success */
  gboolean opens_items;           /* a raw call whose items the caller opens */
};

static void
op_free (Op *op)
{
  g_clear_object (&op->session);
  g_clear_pointer (&op->request, json_node_unref);
  g_clear_pointer (&op->table_name, g_free);
  g_clear_object (&op->model);
  g_clear_pointer (&op->key_text, g_free);
  g_clear_object (&op->current);
  g_clear_object (&op->options);
  g_clear_pointer (&op->after, g_ptr_array_unref);
  if (op->result && op->result_free)
    op->result_free (op->result);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Op, op_free)

static Op *
op_new (DynamormSession *self, const char *operation, OpResultKind kind)
{
  Op *op = g_new0 (Op, 1);

  op->session = g_object_ref (self);
  op->operation = operation;
  op->result_kind = kind;
  return op;
}

/* The version of the stored item returned with a failed condition. */
static gboolean
op_stored_version (Op *op, gint64 *version)
{
  const DynamormSchema *schema;

  if (op->current == NULL)
    return FALSE;
  schema = _dynamorm_schema_get (op->model_type, FALSE, NULL);
  return schema != NULL && schema->version != NULL && _dynamorm_int64_read (schema->version, op->current, version);
}

/* Says which condition of a refused versioned write failed: the version
 * check, or a condition of the caller's. */
static void
op_explain_version_failure (Op *op, GError **error)
{
  gint64 stored;

  if (!op->item_returned || !op_stored_version (op, &stored))
    g_prefix_error (error, _("%s of the item with %s in table “%s” was refused: the item changed since "
                             "version %" G_GINT64_FORMAT " was read (reload it and retry), or another "
                             "condition of the write did not hold: "),
                    op->operation, op->key_text, op->table_name, op->version);
  else if (stored == op->version)
    g_prefix_error (error, _("%s of the item with %s in table “%s” was refused: the stored version is "
                             "%" G_GINT64_FORMAT ", the one the model was read at, so a condition of "
                             "the write other than the version did not hold: "),
                    op->operation, op->key_text, op->table_name, stored);
  else
    g_prefix_error (error, _("%s of the item with %s in table “%s” was refused: the item changed since "
                             "version %" G_GINT64_FORMAT " was read (it is at version %" G_GINT64_FORMAT
                             " now): reload it and retry: "),
                    op->operation, op->key_text, op->table_name, op->version, stored);
}

/* Adds what the caller needs to know to service errors. */
static void
op_explain_error (Op *op, GError **error)
{
  GError *e = *error;

  if (e->domain != DYNAMORM_ERROR)
    return;

  if (e->code == DYNAMORM_ERROR_RESOURCE_NOT_FOUND && op->table_name != NULL)
    g_prefix_error (error, _("Table “%s” does not exist (create the table first: Session.create_table): "),
                    op->table_name);
  else if (e->code == DYNAMORM_ERROR_CONDITION_FAILED && op->missing_is_not_found && !op->item_returned)
    {
      GError *not_found = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND,
                                       _("No item with %s exists in table “%s”; use put or insert to create it"),
                                       op->key_text ? op->key_text : "this key", op->table_name);
      g_clear_error (error);
      *error = not_found;
    }
  else if (e->code == DYNAMORM_ERROR_CONDITION_FAILED && op->must_not_exist && op->item_returned &&
           op->key_text != NULL)
    g_prefix_error (error, _("%s of the item with %s in table “%s” was refused: an item with this key "
                             "exists already (read it with get, or write with put to replace it): "),
                    op->operation, op->key_text, op->table_name);
  else if (e->code == DYNAMORM_ERROR_CONDITION_FAILED && op->version_checked && op->key_text != NULL)
    op_explain_version_failure (op, error);
  else if (e->code == DYNAMORM_ERROR_CONDITION_FAILED && op->key_text != NULL)
    g_prefix_error (error, _("%s of the item with %s in table “%s” was refused: a condition of the write did not hold: "),
                    op->operation, op->key_text, op->table_name);
  else if (e->code == DYNAMORM_ERROR_OUTCOME_UNKNOWN && op->table_name != NULL)
    g_prefix_error (error, _("%s of the item with %s in table “%s”: "),
                    op->operation, op->key_text ? op->key_text : "this key", op->table_name);
  else if (op->table_name != NULL && e->code != DYNAMORM_ERROR_CONDITION_FAILED &&
           e->code != DYNAMORM_ERROR_NOT_FOUND)
    g_prefix_error (error, _("%s on table “%s” failed: "), op->operation, op->table_name);
}

static void op_record_capacity (Op *op, JsonNode *response);

static gboolean
op_complete (Op *op, JsonNode *response, GError **error)
{
  if (response == NULL)
    {
      /* Writes ask for the stored item when a condition fails
       * (ReturnValuesOnConditionCheckFailure): keep it for the caller, and
       * tell "no such item" from "the item is not as expected". A write
       * whose outcome is unknown may carry it too (its retry failed a
       * condition). */
      if ((g_error_matches (*error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED) ||
           g_error_matches (*error, DYNAMORM_ERROR, DYNAMORM_ERROR_OUTCOME_UNKNOWN)) &&
          op->model_type != G_TYPE_INVALID)
        {
          JsonNode *body = dynamorm_error_get_response (*error);
          JsonNode *item = NULL;

          if (body != NULL && JSON_NODE_HOLDS_OBJECT (body))
            item = json_object_get_member (json_node_get_object (body), "Item");
          if (item != NULL && JSON_NODE_HOLDS_OBJECT (item))
            {
              g_autoptr(GError) decode_error = NULL;

              op->item_returned = TRUE;
              op->current = _dynamorm_session_model_from_item (op->session, op->model_type, op->table_name,
                                                               item, &decode_error);
              if (op->options != NULL)
                _dynamorm_write_options_set_current (op->options, op->current);
              if (op->current == NULL)
                g_debug ("The stored item returned with a failed condition does not fit %s: %s",
                         g_type_name (op->model_type), decode_error->message);
            }
        }
      op_explain_error (op, error);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (response))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                   _("The backend answered %s with a JSON %s instead of an object"),
                   op->operation, json_node_type_name (response));
      return FALSE;
    }
  op_record_capacity (op, response);
  return op->finish ? op->finish (op, response, error) : TRUE;
}

/* ------------------------------------------------------------------ */
/* Consumed capacity */

static gboolean
operation_reports_capacity (const char *operation, gboolean *is_read)
{
  static const char *reads[] = { "GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems" };
  static const char *writes[] = { "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems" };

  for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
    if (g_str_equal (operation, reads[i]))
      return *is_read = TRUE, TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (writes); i++)
    if (g_str_equal (operation, writes[i]))
      return *is_read = FALSE, TRUE;
  return FALSE;
}

/* Asks for ConsumedCapacity unless the request already says what it wants.
 * The request may be the caller's (raw calls): it is copied, not changed. */
static void
op_prepare_capacity (Op *op)
{
  DynamormCapacityMode mode = dynamorm_session_get_capacity_mode (op->session);
  gboolean is_read;
  JsonNode *copy;

  if (mode == DYNAMORM_CAPACITY_NONE || !operation_reports_capacity (op->operation, &is_read) ||
      !JSON_NODE_HOLDS_OBJECT (op->request) ||
      json_object_has_member (json_node_get_object (op->request), "ReturnConsumedCapacity"))
    return;
  copy = json_node_copy (op->request);
  json_object_set_string_member (json_node_get_object (copy), "ReturnConsumedCapacity",
                                 mode == DYNAMORM_CAPACITY_INDEXES ? "INDEXES" : "TOTAL");
  json_node_unref (op->request);
  op->request = copy;
}

static double
units_member (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  return json_node_get_double (node);
}

/* Caller holds self->lock. */
static void
add_capacity (DynamormSession *self, const char *table, const char *index,
              JsonObject *units, gboolean is_read)
{
  g_autofree char *key = index ? g_strconcat (table, "\x1f", index, NULL) : g_strdup (table);
  CapacityTotal *total = g_hash_table_lookup (self->capacity, key);
  double read = units_member (units, "ReadCapacityUnits");
  double write = units_member (units, "WriteCapacityUnits");

  /* TOTAL mode answers only CapacityUnits: the operation says which kind. */
  if (read == 0 && write == 0)
    {
      if (is_read)
        read = units_member (units, "CapacityUnits");
      else
        write = units_member (units, "CapacityUnits");
    }
  if (total == NULL)
    {
      total = g_new0 (CapacityTotal, 1);
      total->table = g_strdup (table);
      total->index = g_strdup (index);
      g_hash_table_insert (self->capacity, g_steal_pointer (&key), total);
    }
  total->read_units += read;
  total->write_units += write;
}

static void
add_index_capacity (DynamormSession *self, const char *table, JsonObject *entry,
                    const char *member, gboolean is_read)
{
  JsonNode *indexes = json_object_get_member (entry, member);
  JsonObjectIter iter;
  const char *name;
  JsonNode *units;

  if (indexes == NULL || !JSON_NODE_HOLDS_OBJECT (indexes))
    return;
  json_object_iter_init (&iter, json_node_get_object (indexes));
  while (json_object_iter_next (&iter, &name, &units))
    if (JSON_NODE_HOLDS_OBJECT (units))
      add_capacity (self, table, name, json_node_get_object (units), is_read);
}

static void
op_record_capacity (Op *op, JsonNode *response)
{
  DynamormSession *self = op->session;
  JsonNode *capacity = json_object_get_member (json_node_get_object (response), "ConsumedCapacity");
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  gboolean is_read;

  if (capacity == NULL || !operation_reports_capacity (op->operation, &is_read))
    return;
  if (JSON_NODE_HOLDS_OBJECT (capacity))
    g_ptr_array_add (entries, json_node_get_object (capacity));
  else if (JSON_NODE_HOLDS_ARRAY (capacity))
    {
      JsonArray *array = json_node_get_array (capacity);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i)))
          g_ptr_array_add (entries, json_array_get_object_element (array, i));
    }

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < entries->len; i++)
    {
      JsonObject *entry = entries->pdata[i];
      const char *table = json_object_get_string_member_with_default (entry, "TableName", NULL);

      if (table == NULL)
        continue;
      /* The table's total includes what its indexes consumed. */
      add_capacity (self, table, NULL, entry, is_read);
      add_index_capacity (self, table, entry, "GlobalSecondaryIndexes", is_read);
      add_index_capacity (self, table, entry, "LocalSecondaryIndexes", is_read);
    }
  g_mutex_unlock (&self->lock);

  g_signal_emit (self, signals[SIGNAL_CONSUMED_CAPACITY], 0, op->operation, capacity);
}

static void
log_request (Op *op)
{
  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    return;
  {
    g_autofree char *text = ddb_json_to_string (op->request);
    g_debug ("%s %s", op->operation, text);
  }
}

static gboolean
op_run_sync (Op *op, GCancellable *cancellable, GError **error)
{
  g_autoptr(JsonNode) response = NULL;
  GError *local_error = NULL;

  op_prepare_capacity (op);
  log_request (op);
  response = dynamorm_backend_invoke (op->session->backend, op->operation, op->request,
                                      cancellable, &local_error);
  if (!op_complete (op, response, &local_error))
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static void
op_return (GTask *task, Op *op, JsonNode *response, GError *error)
{
  if (!op_complete (op, response, &error))
    g_task_return_error (task, error);
  else if (op->result_kind == OP_RESULT_BOOLEAN)
    g_task_return_boolean (task, TRUE);
  else
    {
      gpointer value = g_steal_pointer (&op->result);
      g_task_return_pointer (task, value, op->result_free);
    }
}

/* ------------------------------------------------------------------ */
/* Key-provider calls of _async operations. A provider that may block
 * (KMS) is called from a worker thread, so the caller's main context keeps
 * running; models are still read and made on the caller's thread, and the
 * seal/open steps there then find their data keys in the cache. */

/* The session's provider and cache; TRUE when the provider may block and
 * there is a cache to keep what the thread fetched. */
static gboolean
async_key_crypto (DynamormSession *self, DynamormCrypto *crypto)
{
  _dynamorm_session_get_crypto (self, crypto);
  return _dynamorm_key_provider_may_block (crypto->provider) && crypto->cache != NULL;
}

static guint
type_n_encrypted (GType model_type)
{
  const DynamormSchema *schema;

  if (model_type == G_TYPE_INVALID || (schema = _dynamorm_schema_get (model_type, FALSE, NULL)) == NULL)
    return 0;
  return schema->n_encrypted;
}

static gboolean
async_key_call_may_block (DynamormSession *self, GType model_type)
{
  g_auto(DynamormCrypto) crypto = { 0 };

  return type_n_encrypted (model_type) > 0 && async_key_crypto (self, &crypto);
}

/* What a worker thread needs: its own references, as a cancelled call
 * returns at once and leaves the thread to finish on its own. Three
 * references: the caller's, dropped by the done callback; the task's,
 * dropped when the task goes (in either thread); and the worker's, dropped
 * when its work is done, so that the atomic count orders the worker's last
 * use before whichever thread frees the work. */
typedef struct {
  gint ref_count;
  GTaskThreadFunc func;
  DynamormCrypto crypto;
  guint n_uses;           /* sealing: how many values */
  JsonNode *answer;       /* opening: the response, or the failed call's body */
  JsonNode *response;
  GError *error;          /* the failed call's error */
  GTask *outer;
} KeyWork;

/* Takes crypto's references. */
static KeyWork *
key_work_new (DynamormCrypto *crypto)
{
  KeyWork *work = g_new0 (KeyWork, 1);

  work->ref_count = 1;
  work->crypto = *crypto;
  *crypto = (DynamormCrypto){ 0 };
  return work;
}

/* The reference count is atomic in this file, so ThreadSanitizer sees the
 * order of the two threads' uses of the work: GLib's thread pool hands it
 * over with locks inside libglib that it cannot see. */
static void
key_work_unref (KeyWork *work)
{
  if (!g_atomic_int_dec_and_test (&work->ref_count))
    return;
  _dynamorm_crypto_clear (&work->crypto);
  g_clear_pointer (&work->answer, json_node_unref);
  g_clear_pointer (&work->response, json_node_unref);
  g_clear_error (&work->error);
  g_clear_object (&work->outer);
  g_free (work);
}

/* Runs func in a worker thread, then done in this thread with the task,
 * which holds no reference to the session (the thread may drop the last
 * reference to the task). done drops the caller's reference to work. */
static void
key_work_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  KeyWork *work = data;

  work->func (task, source, work, cancellable);
  key_work_unref (work);
}

static void
key_work_start (KeyWork *work, GCancellable *cancellable, GTaskThreadFunc func, GAsyncReadyCallback done,
                gpointer done_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, done, done_data);

  g_task_set_source_tag (task, func);
  work->func = func;
  g_atomic_int_add (&work->ref_count, 2);
  g_task_set_task_data (task, work, (GDestroyNotify) key_work_unref);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, key_work_thread);
}

/* The work, in its thread (read after the caller's last write to it). */
static KeyWork *
key_work_take (gpointer data)
{
  KeyWork *work = data;

  (void) g_atomic_int_get (&work->ref_count);
  return work;
}

static void
key_work_return (GTask *task, GError *error)
{
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* A data key with n_uses uses left, made in the thread. */
static void
seal_key_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  KeyWork *work = key_work_take (data);
  GError *error = NULL;

  _dynamorm_data_key_cache_warm (work->crypto.cache, work->crypto.provider, work->n_uses, cancellable, &error);
  key_work_return (task, error);
}

gboolean
_dynamorm_session_warm_keys_async (DynamormSession     *self,
                                   guint                n_uses,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_auto(DynamormCrypto) crypto = { 0 };
  KeyWork *work;

  if (n_uses == 0 || !async_key_crypto (self, &crypto))
    return FALSE;
  work = key_work_new (&crypto);
  work->n_uses = n_uses;
  key_work_start (work, cancellable, seal_key_thread, callback, user_data);
  return TRUE;
}

gboolean
_dynamorm_session_warm_keys_finish (DynamormSession  *self,
                                    GAsyncResult     *result,
                                    const char       *what,
                                    GError          **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == seal_key_thread, FALSE);
  key_work_unref (g_task_get_task_data (G_TASK (result)));
  if (g_task_propagate_boolean (G_TASK (result), &local_error))
    return TRUE;
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_prefix_error (&local_error, _("The encrypted properties of %s could not be encrypted: "), what);
  g_propagate_error (error, local_error);
  return FALSE;
}

/* The data keys of the answer's sealed values, fetched into the cache. */
static void
open_keys_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  KeyWork *work = key_work_take (data);
  GError *error = NULL;

  _dynamorm_crypto_fetch_keys (&work->crypto, work->answer, cancellable, &error);
  key_work_return (task, error);
}

static void
open_keys_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KeyWork *work = g_task_get_task_data (G_TASK (result));
  g_autoptr(GTask) outer = g_steal_pointer (&work->outer);
  GError *error = NULL;

  /* A failed call keeps its own error, unless it was cancelled meanwhile. */
  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      (work->error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    g_task_return_error (outer, error);
  else
    {
      g_clear_error (&error);
      op_return (outer, g_task_get_task_data (outer), work->response, g_steal_pointer (&work->error));
    }
  key_work_unref (work);
}

/* Whether op's answer may hold items the caller's thread opens. */
static gboolean
op_reads_sealed (Op *op)
{
  return op->opens_items || type_n_encrypted (op->model_type) > 0;
}

/* Fetches the data keys of the answer's sealed values (or of the stored
 * item a failed condition returned) in a worker thread, then completes op
 * in this thread. Takes error when it returns TRUE. */
static gboolean
op_opens_in_thread (Op *op, JsonNode *response, GError *error, GTask *task)
{
  g_auto(DynamormCrypto) crypto = { 0 };
  JsonNode *answer = response != NULL ? response : error != NULL ? dynamorm_error_get_response (error) : NULL;
  KeyWork *work;

  if (answer == NULL || !op_reads_sealed (op) || !async_key_crypto (op->session, &crypto) ||
      !_dynamorm_crypto_holds_sealed (answer))
    return FALSE;
  work = key_work_new (&crypto);
  work->answer = json_node_ref (answer);
  work->response = response != NULL ? json_node_ref (response) : NULL;
  work->error = error;
  work->outer = g_object_ref (task);
  key_work_start (work, g_task_get_cancellable (task), open_keys_thread, open_keys_done, NULL);
  return TRUE;
}

static void
op_invoke_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(JsonNode) response = NULL;
  GError *error = NULL;

  response = dynamorm_backend_invoke_finish (DYNAMORM_BACKEND (source), result, &error);
  if (op_opens_in_thread (op, response, error, task))
    return;
  op_return (task, op, response, error);
}

/* Starts op, or reports build_error (from building the request). Takes op. */
static void
op_run_async (DynamormSession     *self,
              Op                  *op,
              GError              *build_error,
              gpointer             source_tag,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (op == NULL)
    {
      g_task_return_error (task, build_error);
      return;
    }
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  op_prepare_capacity (op);
  log_request (op);
  dynamorm_backend_invoke_async (self->backend, op->operation, op->request, cancellable,
                                 op_invoke_cb, g_steal_pointer (&task));
}

/* Completes an async call that took the direct path: result is the
 * pointer to return, or GINT_TO_POINTER (TRUE) with no result_free for a
 * boolean. The callback still runs from the main context, as always. */
static void
direct_return (DynamormSession     *self,
               gpointer             source_tag,
               gpointer             result,
               GDestroyNotify       result_free,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (result_free == NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_pointer (task, result, result_free);
}


static gpointer
op_run_sync_pointer (Op *op, GCancellable *cancellable, GError **error)
{
  if (!op_run_sync (op, cancellable, error))
    return NULL;
  return g_steal_pointer (&op->result);
}

/* ------------------------------------------------------------------ */
/* Request building helpers */

static JsonObject *
request_object (Op *op)
{
  if (op->request == NULL)
    {
      op->request = json_node_alloc ();
      json_node_init (op->request, JSON_NODE_OBJECT);
      json_node_take_object (op->request, json_object_new ());
    }
  return json_node_get_object (op->request);
}

static Op *
op_for_type (DynamormSession *self, const char *operation, OpResultKind kind,
             GType model_type, const DynamormSchema **schema_out, GError **error)
{
  const DynamormSchema *schema = _dynamorm_schema_get (model_type, TRUE, error);
  Op *op;

  if (schema == NULL)
    return NULL;
  op = op_new (self, operation, kind);
  op->model_type = model_type;
  op->table_name = _dynamorm_session_table_name (self, schema);
  json_object_set_string_member (request_object (op), "TableName", op->table_name);
  if (schema_out)
    *schema_out = schema;
  return op;
}

/* ------------------------------------------------------------------ */
/* Raw calls */

static gboolean
finish_call (Op *op, JsonNode *response, GError **error)
{
  op->result = json_node_ref (response);
  op->result_free = (GDestroyNotify) json_node_unref;
  return TRUE;
}

static Op *
build_call (DynamormSession *self, const char *operation, JsonNode *request)
{
  Op *op = op_new (self, g_intern_string (operation), OP_RESULT_POINTER);

  op->request = json_node_ref (request);
  op->finish = finish_call;
  return op;
}

/**
 * dynamorm_session_call:
 * @self: a #DynamormSession
 * @operation: a DynamoDB operation name, such as `"Query"`
 * @request: the request body in DynamoDB's JSON
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Sends a raw DynamoDB API call through the session's backend: the escape
 * hatch for anything the object mapper does not cover. Table names are
 * used as given (no prefix is added).
 *
 * Returns: (transfer full): the response body, or %NULL on error
 */
JsonNode *
dynamorm_session_call (DynamormSession  *self,
                       const char       *operation,
                       JsonNode         *request,
                       GCancellable     *cancellable,
                       GError          **error)
{
  g_autoptr(Op) op = NULL;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), NULL);
  g_return_val_if_fail (operation != NULL, NULL);
  g_return_val_if_fail (request != NULL, NULL);

  op = build_call (self, operation, request);
  return op_run_sync_pointer (op, cancellable, error);
}

/**
 * dynamorm_session_call_async:
 * @self: a #DynamormSession
 * @operation: a DynamoDB operation name
 * @request: the request body in DynamoDB's JSON
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the call completes
 * @user_data: data for @callback
 *
 * Sends a raw DynamoDB API call; see [method@Dynamorm.Session.call].
 */
void
dynamorm_session_call_async (DynamormSession     *self,
                             const char          *operation,
                             JsonNode            *request,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (DYNAMORM_IS_SESSION (self));
  g_return_if_fail (operation != NULL);
  g_return_if_fail (request != NULL);

  op_run_async (self, build_call (self, operation, request), NULL,
                dynamorm_session_call_async, cancellable, callback, user_data);
}

void
_dynamorm_session_call_items_async (DynamormSession     *self,
                                    const char          *operation,
                                    JsonNode            *request,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  Op *op = build_call (self, operation, request);

  op->opens_items = TRUE;
  op_run_async (self, op, NULL, dynamorm_session_call_async, cancellable, callback, user_data);
}

/**
 * dynamorm_session_call_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.call_async].
 *
 * Returns: (transfer full): the response body, or %NULL on error
 */
DYNAMORM_DEFINE_FINISH_POINTER (JsonNode *, dynamorm_session_call_finish, DynamormSession,
                                dynamorm_session_call_async)

/* ListTables pages at 100 names; the session follows the pages. Kept as a
 * loop of sync calls for the blocking form, and of async calls below. */
static gboolean
list_tables_page (JsonNode *response, GStrvBuilder *names, char **next, GError **error)
{
  JsonObject *obj = json_node_get_object (response);
  JsonNode *names_node = json_object_get_member (obj, "TableNames");
  JsonArray *array = names_node && JSON_NODE_HOLDS_ARRAY (names_node) ? json_node_get_array (names_node) : NULL;
  const char *last = json_object_get_string_member_with_default (obj, "LastEvaluatedTableName", NULL);

  if (array == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                   _("ListTables answered without TableNames"));
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_strv_builder_add (names, json_array_get_string_element (array, i));
  *next = g_strdup (last);
  return TRUE;
}

static JsonNode *
list_tables_request (const char *start)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  if (start)
    json_object_set_string_member (obj, "ExclusiveStartTableName", start);
  json_node_take_object (node, obj);
  return node;
}

/**
 * dynamorm_session_list_tables:
 * @self: a #DynamormSession
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists the names of all tables the backend holds, following every page.
 *
 * Returns: (transfer full) (array zero-terminated=1): the table names, or
 *   %NULL on error
 */
char **
dynamorm_session_list_tables (DynamormSession  *self,
                              GCancellable     *cancellable,
                              GError          **error)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_autofree char *start = NULL;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), NULL);

  do
    {
      g_autoptr(JsonNode) request = list_tables_request (start);
      g_autoptr(JsonNode) response = dynamorm_session_call (self, "ListTables", request, cancellable, error);

      g_clear_pointer (&start, g_free);
      if (response == NULL || !list_tables_page (response, names, &start, error))
        return NULL;
    }
  while (start != NULL);

  return g_strv_builder_end (names);
}

typedef struct {
  GStrvBuilder *names;
} ListTablesData;

static void
list_tables_data_free (ListTablesData *data)
{
  g_strv_builder_unref (data->names);
  g_free (data);
}

static void
list_tables_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ListTablesData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *next = NULL;
  GError *error = NULL;

  response = dynamorm_session_call_finish (DYNAMORM_SESSION (source), result, &error);
  if (response == NULL || !list_tables_page (response, data->names, &next, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (next != NULL)
    {
      g_autoptr(JsonNode) request = list_tables_request (next);
      GTask *t = g_steal_pointer (&task);

      dynamorm_session_call_async (DYNAMORM_SESSION (source), "ListTables", request,
                                   g_task_get_cancellable (t), list_tables_cb, t);
      return;
    }
  g_task_return_pointer (task, g_strv_builder_end (data->names), (GDestroyNotify) g_strfreev);
}

/**
 * dynamorm_session_list_tables_async:
 * @self: a #DynamormSession
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the names
 * @user_data: data for @callback
 *
 * Lists the names of all tables; see [method@Dynamorm.Session.list_tables].
 */
void
dynamorm_session_list_tables_async (DynamormSession     *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  ListTablesData *data;
  g_autoptr(JsonNode) request = list_tables_request (NULL);

  g_return_if_fail (DYNAMORM_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dynamorm_session_list_tables_async);
  data = g_new0 (ListTablesData, 1);
  data->names = g_strv_builder_new ();
  g_task_set_task_data (task, data, (GDestroyNotify) list_tables_data_free);
  dynamorm_session_call_async (self, "ListTables", request, cancellable, list_tables_cb, task);
}

/**
 * dynamorm_session_list_tables_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.list_tables_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the table names, or
 *   %NULL on error
 */
DYNAMORM_DEFINE_FINISH_POINTER (char **, dynamorm_session_list_tables_finish, DynamormSession,
                                dynamorm_session_list_tables_async)

/* ------------------------------------------------------------------ */
/* Items */

/* Lets b seal the values of encrypted properties for op's table. */
static void
op_builder_crypto (Op *op, DynamormExprBuilder *b)
{
  g_auto(DynamormCrypto) crypto = { 0 };

  _dynamorm_session_get_crypto (op->session, &crypto);
  _dynamorm_expr_builder_set_crypto (b, crypto.provider, crypto.cache, op->table_name);
}

static Op *
op_for_model (DynamormSession *self, const char *operation, DynamormModel *model,
              const DynamormSchema **schema_out, GError **error)
{
  Op *op = op_for_type (self, operation, OP_RESULT_BOOLEAN, G_OBJECT_TYPE (model), schema_out, error);

  if (op)
    op->model = g_object_ref (model);
  return op;
}

/* ---- Writes: lifecycle properties, conditions ---- */

typedef enum {
  WRITE_PUT,
  WRITE_UPDATE,
  WRITE_DELETE,
} WriteKind;

/* The value of a created_at / updated_at property at @now. */
void
_dynamorm_timestamp_value (const DynamormField *field, GDateTime *now, GValue *value)
{
  if (field->kind != FIELD_DATETIME)
    {
      _dynamorm_int64_value (field, g_date_time_to_unix (now), value);
      return;
    }
  g_value_init (value, G_PARAM_SPEC_VALUE_TYPE (field->pspec));
  g_value_set_boxed (value, now);
}

gboolean
_dynamorm_int64_read (const DynamormField *field, DynamormModel *model, gint64 *out)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_auto(GValue) wide = G_VALUE_INIT;

  g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (field->pspec));
  g_object_get_property (G_OBJECT (model), field->pspec->name, &value);
  g_value_init (&wide, G_TYPE_INT64);
  if (!g_value_transform (&value, &wide))
    return FALSE;
  *out = g_value_get_int64 (&wide);
  return TRUE;
}

void
_dynamorm_int64_value (const DynamormField *field, gint64 number, GValue *value)
{
  g_auto(GValue) wide = G_VALUE_INIT;

  g_value_init (&wide, G_TYPE_INT64);
  g_value_set_int64 (&wide, number);
  g_value_init (value, G_PARAM_SPEC_VALUE_TYPE (field->pspec));
  g_value_transform (&wide, value);
}

/* A lifecycle value as stored (never left out, even with omitempty). */
JsonNode *
_dynamorm_lifecycle_encode (const DynamormField *field, const GValue *value, GError **error)
{
  DynamormField plain = *field;
  JsonNode *av = NULL;

  plain.flags &= ~FIELD_FLAG_OMITEMPTY;
  if (!_dynamorm_field_encode (&plain, value, &av, error))
    return NULL;
  if (av == NULL)
    g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                 _("Property “%s” of %s has no value to store"),
                 field->pspec->name, g_type_name (field->pspec->owner_type));
  return av;
}

static void
after_set_free (DynamormAfterSet *a)
{
  g_free (a->property);
  g_value_unset (&a->value);
  g_free (a);
}

void
_dynamorm_after_set_add (GPtrArray **after, const DynamormField *field, const GValue *value)
{
  DynamormAfterSet *a;

  if (after == NULL)
    return;
  a = g_new0 (DynamormAfterSet, 1);
  a->property = g_strdup (field->pspec->name);
  g_value_init (&a->value, G_VALUE_TYPE (value));
  g_value_copy (value, &a->value);
  if (*after == NULL)
    *after = g_ptr_array_new_with_free_func ((GDestroyNotify) after_set_free);
  g_ptr_array_add (*after, a);
}

void
_dynamorm_after_set_apply (GPtrArray *after, DynamormModel *model)
{
  if (after == NULL || after->len == 0)
    return;
  g_object_freeze_notify (G_OBJECT (model));
  for (guint i = 0; i < after->len; i++)
    {
      DynamormAfterSet *a = g_ptr_array_index (after, i);
      g_object_set_property (G_OBJECT (model), a->property, &a->value);
    }
  g_object_thaw_notify (G_OBJECT (model));
}

/* The value a put stores for a lifecycle property: now for updated_at,
 * the model's value or now for created_at. */
static void
put_timestamp (const DynamormSchema *schema, const DynamormField *field, DynamormModel *model,
               GDateTime *now, GValue *value)
{
  g_value_init (value, G_PARAM_SPEC_VALUE_TYPE (field->pspec));
  g_object_get_property (G_OBJECT (model), field->pspec->name, value);
  if (field == schema->updated_at || _dynamorm_field_is_empty (field, value))
    {
      g_value_unset (value);
      _dynamorm_timestamp_value (field, now, value);
    }
}

gboolean
_dynamorm_put_stamp_item (const DynamormSchema *schema, DynamormModel *model, JsonObject *item,
                          const GValue *next_version, GDateTime *now, GPtrArray **after, GError **error)
{
  const DynamormField *stamped[] = { schema->updated_at, schema->created_at };

  if (schema->version != NULL && next_version != NULL && G_IS_VALUE (next_version))
    {
      JsonNode *av = _dynamorm_lifecycle_encode (schema->version, next_version, error);

      if (av == NULL)
        return FALSE;
      json_object_set_member (item, schema->version->attribute, av);
      _dynamorm_after_set_add (after, schema->version, next_version);
    }
  for (guint i = 0; i < G_N_ELEMENTS (stamped); i++)
    {
      g_auto(GValue) stamp = G_VALUE_INIT;
      JsonNode *av;

      if (stamped[i] == NULL)
        continue;
      put_timestamp (schema, stamped[i], model, now, &stamp);
      if ((av = _dynamorm_lifecycle_encode (stamped[i], &stamp, error)) == NULL)
        return FALSE;
      json_object_set_member (item, stamped[i]->attribute, av);
      _dynamorm_after_set_add (after, stamped[i], &stamp);
    }
  return TRUE;
}

gboolean
_dynamorm_update_stamp (const DynamormSchema *schema, DynamormExprBuilder *b, GString *set,
                        gboolean already_set, GDateTime *now, GPtrArray **after, GError **error)
{
  g_auto(GValue) stamp = G_VALUE_INIT;
  JsonNode *av;

  if (schema->updated_at == NULL || already_set)
    return TRUE;
  _dynamorm_timestamp_value (schema->updated_at, now, &stamp);
  if ((av = _dynamorm_lifecycle_encode (schema->updated_at, &stamp, error)) == NULL)
    return FALSE;
  g_string_append_printf (set, "%s%s = %s", set->len ? ", " : "",
                          _dynamorm_expr_builder_name (b, schema->updated_at->attribute),
                          _dynamorm_expr_builder_value (b, av));
  _dynamorm_after_set_add (after, schema->updated_at, &stamp);
  return TRUE;
}

/* A write succeeded: refresh the model from the stored item (UpdateItem
 * with ALL_NEW), or set what the write changed on it (PutItem). */
static gboolean
finish_write (Op *op, JsonNode *response, GError **error)
{
  JsonNode *attributes = json_object_get_member (json_node_get_object (response), "Attributes");

  if (op->model == NULL)
    return TRUE;
  if (attributes != NULL && g_str_equal (op->operation, "UpdateItem"))
    return _dynamorm_session_load_item (op->session, op->model, op->table_name, attributes, error);
  _dynamorm_after_set_apply (op->after, op->model);
  return TRUE;
}

/* The caller's write options: their condition joins conditions, and the
 * op keeps them to tell of a refused write. */
static gboolean
op_add_options (Op *op, const DynamormSchema *schema, DynamormWriteOptions *options,
                DynamormExprBuilder *b, GPtrArray *conditions, GError **error)
{
  char *condition = NULL;

  if (!_dynamorm_write_options_render (options, schema, b, &condition, error))
    return FALSE;
  if (options != NULL)
    {
      /* A new write with these options: forget the last refused one. */
      op->options = g_object_ref (options);
      _dynamorm_write_options_set_current (options, NULL);
    }
  if (condition != NULL)
    g_ptr_array_add (conditions, condition);
  return TRUE;
}

/* Optimistic locking: the condition that the stored version is the
 * model's, and the version the write stores (@next, for puts and updates).
 * A model at version 0 has never been stored: a put then needs the item
 * not to exist; an update or delete accepts an item without a version. */
static gboolean
add_version (Op *op, WriteKind kind, const DynamormSchema *schema, DynamormWriteOptions *options,
             DynamormExprBuilder *b, GPtrArray *conditions, GValue *next, GError **error)
{
  const DynamormField *field = schema->version;
  gint64 version = 0;

  if (field == NULL)
    return TRUE;

  _dynamorm_int64_read (field, op->model, &version);

  if (options == NULL || dynamorm_write_options_get_check_version (options))
    {
      op->version_checked = TRUE;
      op->version = version;
      /* Names are only taken where used: an unused #name is a
       * ValidationException. */
      if (version == 0 && kind == WRITE_PUT)
        op->must_not_exist = TRUE;
      if (version == 0 && kind == WRITE_PUT)
        g_ptr_array_add (conditions, g_strdup_printf ("attribute_not_exists(%s)",
                                                      _dynamorm_expr_builder_name (b, schema->partition_key->attribute)));
      else
        {
          const char *name = _dynamorm_expr_builder_name (b, field->attribute);
          g_auto(GValue) current = G_VALUE_INIT;
          JsonNode *av;

          _dynamorm_int64_value (field, version, &current);
          av = _dynamorm_lifecycle_encode (field, &current, error);
          if (av == NULL)
            return FALSE;
          if (version == 0)
            g_ptr_array_add (conditions, g_strdup_printf ("attribute_not_exists(%s) OR %s = %s", name, name,
                                                          _dynamorm_expr_builder_value (b, av)));
          else
            g_ptr_array_add (conditions, g_strdup_printf ("%s = %s", name, _dynamorm_expr_builder_value (b, av)));
        }
    }

  if (kind != WRITE_DELETE)
    _dynamorm_int64_value (field, version + 1, next);
  return TRUE;
}

/* Sets the ANDed conditions and the placeholders on the request. */
static gboolean
op_finish_request (Op *op, DynamormExprBuilder *b, GPtrArray *conditions, GError **error)
{
  JsonObject *request = request_object (op);

  if (conditions->len == 1)
    json_object_set_string_member (request, "ConditionExpression", g_ptr_array_index (conditions, 0));
  else if (conditions->len > 1)
    {
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; i < conditions->len; i++)
        {
          g_autofree char *wrapped = _dynamorm_expr_wrap (g_ptr_array_index (conditions, i));
          g_string_append_printf (text, "%s%s", i ? " AND " : "", wrapped);
        }
      json_object_set_string_member (request, "ConditionExpression", text->str);
    }
  if (conditions->len > 0)
    json_object_set_string_member (request, "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
  return _dynamorm_expr_builder_apply (b, request, error);
}

static gboolean
op_set_key (Op *op, DynamormModel *model, gboolean in_request, GError **error)
{
  JsonNode *key = dynamorm_model_get_key (model, error);

  if (key == NULL)
    return FALSE;
  op->key_text = _dynamorm_describe_key_object (json_node_get_object (key));
  if (in_request)
    json_object_set_member (request_object (op), "Key", key);
  else
    json_node_unref (key);
  return TRUE;
}

/* A put of a model with created_at goes through UpdateItem, so that the
 * stored created_at survives (if_not_exists) in one atomic request: every
 * other attribute of the schema is set, or removed when the model leaves
 * it out, so the stored item is the model. Attributes the schema does not
 * know are left as they are. */
char *
_dynamorm_put_as_update_expression (const DynamormSchema *schema, DynamormModel *model,
                                    DynamormExprBuilder *b, const GValue *next_version, GDateTime *now,
                                    GPtrArray **after, GValue *created, GError **error)
{
  DynamormModelClass *klass = DYNAMORM_MODEL_GET_CLASS (model);
  g_autoptr(GString) set = g_string_new (NULL);
  g_autoptr(GString) remove = g_string_new (NULL);
  GString *expression;

  for (guint i = 0; i < schema->fields->len; i++)
    {
      const DynamormField *field = g_ptr_array_index (schema->fields, i);
      const char *name;
      g_auto(GValue) value = G_VALUE_INIT;
      JsonNode *av = NULL;

      if (field == schema->partition_key || field == schema->sort_key)
        continue;
      name = _dynamorm_expr_builder_name (b, field->attribute);
      if (field == schema->version)
        {
          av = _dynamorm_lifecycle_encode (field, next_version, error);
          if (av != NULL)
            _dynamorm_after_set_add (after, field, next_version);
        }
      else if (field == schema->updated_at || field == schema->created_at)
        {
          put_timestamp (schema, field, model, now, &value);
          av = _dynamorm_lifecycle_encode (field, &value, error);
          if (av != NULL && field == schema->updated_at)
            _dynamorm_after_set_add (after, field, &value);
          if (av != NULL && field == schema->created_at && created != NULL)
            {
              g_value_init (created, G_VALUE_TYPE (&value));
              g_value_copy (&value, created);
            }
        }
      else
        {
          GError *local_error = NULL;

          g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (field->pspec));
          g_object_get_property (G_OBJECT (model), field->pspec->name, &value);
          av = klass->serialize_property (model, field->pspec->name, &value, field->pspec, &local_error);
          if (local_error != NULL)
            {
              g_clear_pointer (&av, json_node_unref);
              g_propagate_error (error, local_error);
              return NULL;
            }
          if (av == NULL)
            {
              g_string_append_printf (remove, "%s%s", remove->len ? ", " : "", name);
              continue;
            }
          if ((av = _dynamorm_expr_builder_seal (b, field, av, error)) == NULL)
            return NULL;
        }
      if (av == NULL)
        return NULL;
      if (field == schema->created_at)
        g_string_append_printf (set, "%s%s = if_not_exists(%s, %s)", set->len ? ", " : "", name, name,
                                _dynamorm_expr_builder_value (b, av));
      else
        g_string_append_printf (set, "%s%s = %s", set->len ? ", " : "", name,
                                _dynamorm_expr_builder_value (b, av));
    }

  {
    g_autoptr(GHashTable) given = _dynamorm_update_given_all (schema);

    if (!_dynamorm_update_render_composed (schema, model, given, b, set, remove, error))
      return NULL;
  }
  expression = g_string_new (NULL);
  g_string_append_printf (expression, "SET %s", set->str);
  if (remove->len)
    g_string_append_printf (expression, " REMOVE %s", remove->str);
  return g_string_free (expression, FALSE);
}

static Op *
build_put (DynamormSession       *self,
           DynamormModel         *model,
           DynamormWriteOptions  *options,
           gboolean               insert_only,
           GError               **error)
{
  const DynamormSchema *schema = _dynamorm_schema_get (G_OBJECT_TYPE (model), TRUE, error);
  g_autoptr(Op) op = NULL;
  g_autoptr(DynamormExprBuilder) b = _dynamorm_expr_builder_new ();
  g_autoptr(GPtrArray) conditions = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_auto(GValue) next_version = G_VALUE_INIT;

  if (schema == NULL)
    return NULL;
  op = op_for_model (self, schema->created_at ? "UpdateItem" : "PutItem", model, NULL, error);
  if (op == NULL)
    return NULL;
  op_builder_crypto (op, b);

  if (!op_add_options (op, schema, options, b, conditions, error))
    return NULL;
  op->must_not_exist = insert_only || (options != NULL && dynamorm_write_options_get_if_not_exists (options));
  if (insert_only)
    g_ptr_array_add (conditions, g_strdup_printf ("attribute_not_exists(%s)",
                                                  _dynamorm_expr_builder_name (b, schema->partition_key->attribute)));
  if (!add_version (op, WRITE_PUT, schema, options, b, conditions, &next_version, error))
    return NULL;

  if (schema->created_at != NULL)
    {
      g_autofree char *expression = NULL;

      /* The model is refreshed from the stored item (ALL_NEW): no after. */
      if (!op_set_key (op, model, TRUE, error) ||
          (expression = _dynamorm_put_as_update_expression (schema, model, b, &next_version, now,
                                                             NULL, NULL, error)) == NULL)
        return NULL;
      json_object_set_string_member (request_object (op), "UpdateExpression", expression);
      json_object_set_string_member (request_object (op), "ReturnValues", "ALL_NEW");
    }
  else
    {
      JsonNode *item;
      JsonObject *obj;

      if (!op_set_key (op, model, FALSE, error) || (item = dynamorm_model_to_item (model, error)) == NULL)
        return NULL;
      obj = json_node_get_object (item);
      json_object_set_member (request_object (op), "Item", item);
      if (!_dynamorm_put_stamp_item (schema, model, obj, &next_version, now, &op->after, error) ||
          !_dynamorm_session_seal_item (self, schema, op->table_name, obj, error))
        return NULL;
    }

  if (!op_finish_request (op, b, conditions, error))
    return NULL;
  op->finish = finish_write;
  return g_steal_pointer (&op);
}

static gboolean
op_run_write (Op *op, DynamormModel **current, GCancellable *cancellable, GError **error)
{
  gboolean ok = op_run_sync (op, cancellable, error);

  if (current != NULL)
    *current = g_steal_pointer (&op->current);
  return ok;
}

static gboolean
op_finish_write (DynamormSession  *self,
                 GAsyncResult     *result,
                 gpointer          source_tag,
                 DynamormModel   **current,
                 GError          **error)
{
  Op *op;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  op = g_task_get_task_data (G_TASK (result));
  if (current != NULL)
    *current = op && op->current ? g_object_ref (op->current) : NULL;
  return g_task_propagate_boolean (G_TASK (result), error);
}

static Op *build_update (DynamormSession *self, DynamormModel *model, DynamormUpdate *update,
                         const char * const *properties, DynamormWriteOptions *options, GError **error);
static Op *build_delete (DynamormSession *self, DynamormModel *model, DynamormWriteOptions *options,
                         GError **error);

/* An async put, insert, put_full, update or update_full: its arguments,
 * kept while the data key is made. */
typedef struct {
  DynamormSession *self;
  DynamormModel *model;
  DynamormWriteOptions *options;
  WriteKind kind;               /* WRITE_PUT or WRITE_UPDATE */
  gboolean insert;              /* puts */
  DynamormUpdate *update;       /* updates */
  char **properties;            /* updates */
  gpointer source_tag;
  GCancellable *cancellable;
  GAsyncReadyCallback callback;
  gpointer user_data;
} PendingWrite;

static void
pending_write_free (PendingWrite *p)
{
  g_object_unref (p->self);
  g_object_unref (p->model);
  g_clear_object (&p->options);
  g_clear_object (&p->update);
  g_strfreev (p->properties);
  g_clear_object (&p->cancellable);
  g_free (p);
}

/* Builds and sends the write, once the data key is at hand. */
static void
write_start (const PendingWrite *p)
{
  GError *error = NULL;
  Op *op;

  if (p->kind == WRITE_PUT && !p->insert && p->options == NULL && try_direct_put (p->self, p->model, p->cancellable))
    {
      direct_return (p->self, p->source_tag, GINT_TO_POINTER (TRUE), NULL, p->cancellable, p->callback, p->user_data);
      return;
    }
  if (p->kind == WRITE_PUT)
    op = build_put (p->self, p->model, p->options, p->insert, &error);
  else
    op = build_update (p->self, p->model, p->update, (const char * const *) p->properties, p->options, &error);
  op_run_async (p->self, op, error, p->source_tag, p->cancellable, p->callback, p->user_data);
}

static void
write_keys_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PendingWrite *p = user_data;
  GError *error = NULL;

  if (_dynamorm_session_warm_keys_finish (p->self, result, G_OBJECT_TYPE_NAME (p->model), &error))
    write_start (p);
  else
    op_run_async (p->self, NULL, error, p->source_tag, p->cancellable, p->callback, p->user_data);
  pending_write_free (p);
}

/* How many encrypted values the write seals, at most. */
static guint
write_n_sealed (const PendingWrite *p)
{
  const DynamormSchema *schema = _dynamorm_schema_get (G_OBJECT_TYPE (p->model), FALSE, NULL);

  if (schema == NULL || p->kind == WRITE_PUT)
    return schema ? schema->n_encrypted : 0;
  return _dynamorm_update_n_sealed (p->update, (const char * const *) p->properties, schema);
}

/* Starts the write described by p (a copy on the stack): at once, or once
 * a worker thread made the data key it needs. */
static void
write_async (const PendingWrite *p)
{
  guint n_sealed = async_key_call_may_block (p->self, G_OBJECT_TYPE (p->model)) ? write_n_sealed (p) : 0;
  PendingWrite *kept;

  if (n_sealed == 0)
    {
      write_start (p);
      return;
    }
  kept = g_memdup2 (p, sizeof *p);
  g_object_ref (kept->self);
  g_object_ref (kept->model);
  kept->options = p->options ? g_object_ref (p->options) : NULL;
  kept->update = p->update ? g_object_ref (p->update) : NULL;
  kept->properties = g_strdupv (p->properties);
  kept->cancellable = p->cancellable ? g_object_ref (p->cancellable) : NULL;
  if (!_dynamorm_session_warm_keys_async (p->self, n_sealed, p->cancellable, write_keys_ready, kept))
    {
      write_start (kept);
      pending_write_free (kept);
    }
}

static void
put_async (DynamormSession *self, DynamormModel *model, DynamormWriteOptions *options, gboolean insert,
           gpointer source_tag, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  PendingWrite p = { self, model, options, WRITE_PUT, insert, NULL, NULL,
                     source_tag, cancellable, callback, user_data };

  write_async (&p);
}

static void
update_async (DynamormSession *self, DynamormModel *model, DynamormUpdate *update,
              const char * const *properties, DynamormWriteOptions *options,
              gpointer source_tag, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  PendingWrite p = { self, model, options, WRITE_UPDATE, FALSE, update, (char **) properties,
                     source_tag, cancellable, callback, user_data };

  write_async (&p);
}

/* A delete seals nothing: it is sent at once. */
static void
delete_async (DynamormSession *self, DynamormModel *model, DynamormWriteOptions *options,
              gpointer source_tag, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GError *error = NULL;
  Op *op = build_delete (self, model, options, &error);

  op_run_async (self, op, error, source_tag, cancellable, callback, user_data);
}

/* Runs a write built by build_put, build_reload, build_update or
 * build_delete (NULL when it could not be built), and frees it. */
static gboolean
op_run_built (Op *built, DynamormModel **current, GCancellable *cancellable, GError **error)
{
  g_autoptr(Op) op = built;

  return op != NULL && op_run_write (op, current, cancellable, error);
}

/* The forms of put, insert, reload and delete that are only their checks
 * and one call, under their gi-docgen comments. The last arguments of
 * each definer are what the call passes after self and model:
 *
 *   DEFINE_MODEL_CALL (dynamorm_session_insert, build_put, NULL, TRUE, error)
 *
 * defines
 *
 *   gboolean
 *   dynamorm_session_insert (DynamormSession *self, DynamormModel *model,
 *                            GCancellable *cancellable, GError **error)
 *   {
 *     g_return_val_if_fail (DYNAMORM_IS_SESSION (self), FALSE);
 *     g_return_val_if_fail (DYNAMORM_IS_MODEL (model), FALSE);
 *
 *     return op_run_built (build_put (self, model, NULL, TRUE, error), NULL, cancellable, error);
 *   }
 *
 * DEFINE_MODEL_CALL_ASYNC (dynamorm_session_insert_async, put_async, NULL, TRUE)
 * the _async that checks self and model and calls
 *
 *   put_async (self, model, NULL, TRUE, dynamorm_session_insert_async,
 *              cancellable, callback, user_data);
 *
 * DEFINE_MODEL_CALL_FULL_ASYNC the same with an options argument, checked
 * too (the call passes it on as named in the definer: put_async, options,
 * FALSE). DEFINE_PLAIN_WRITE (dynamorm_session_put, dynamorm_session_put_full)
 * defines the sync form that returns
 * dynamorm_session_put_full (self, model, NULL, NULL, cancellable, error),
 * and DEFINE_WRITE_FINISH (dynamorm_session_put_full_finish,
 * dynamorm_session_put_full_async) the _full_finish that returns
 * op_finish_write (self, result, dynamorm_session_put_full_async, current, error). */
#define DEFINE_MODEL_CALL(function, build, ...)                                        \
  gboolean                                                                             \
  function (DynamormSession *self, DynamormModel *model, GCancellable *cancellable,    \
            GError **error)                                                            \
  {                                                                                    \
    g_return_val_if_fail (DYNAMORM_IS_SESSION (self), FALSE);                          \
    g_return_val_if_fail (DYNAMORM_IS_MODEL (model), FALSE);                           \
                                                                                       \
    return op_run_built (build (self, model, __VA_ARGS__), NULL, cancellable, error);  \
  }

#define DEFINE_MODEL_CALL_ASYNC(function, start, ...)                                \
  void                                                                               \
  function (DynamormSession *self, DynamormModel *model, GCancellable *cancellable,  \
            GAsyncReadyCallback callback, gpointer user_data)                        \
  {                                                                                  \
    g_return_if_fail (DYNAMORM_IS_SESSION (self));                                   \
    g_return_if_fail (DYNAMORM_IS_MODEL (model));                                    \
                                                                                     \
    start (self, model, __VA_ARGS__, function, cancellable, callback, user_data);    \
  }

#define DEFINE_MODEL_CALL_FULL_ASYNC(function, start, ...)                                \
  void                                                                                    \
  function (DynamormSession *self, DynamormModel *model, DynamormWriteOptions *options,   \
            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)  \
  {                                                                                       \
    g_return_if_fail (DYNAMORM_IS_SESSION (self));                                        \
    g_return_if_fail (DYNAMORM_IS_MODEL (model));                                         \
    g_return_if_fail (options == NULL || DYNAMORM_IS_WRITE_OPTIONS (options));            \
                                                                                          \
    start (self, model, __VA_ARGS__, function, cancellable, callback, user_data);         \
  }

#define DEFINE_PLAIN_WRITE(function, full_function)                                  \
  gboolean                                                                           \
  function (DynamormSession *self, DynamormModel *model, GCancellable *cancellable,  \
            GError **error)                                                          \
  {                                                                                  \
    return full_function (self, model, NULL, NULL, cancellable, error);              \
  }

#define DEFINE_WRITE_FINISH(function, async_function)                              \
  gboolean                                                                         \
  function (DynamormSession *self, GAsyncResult *result, DynamormModel **current,  \
            GError **error)                                                        \
  {                                                                                \
    return op_finish_write (self, result, async_function, current, error);         \
  }

/**
 * dynamorm_session_put:
 * @self: a #DynamormSession
 * @model: the model to store
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Stores a model as an item, replacing any item with the same key (this
 * overwrites by design; use [method@Dynamorm.Session.insert] to refuse to,
 * and [method@Dynamorm.Session.put_full] for other conditions).
 *
 * Lifecycle properties are kept as [method@Dynamorm.Session.put_full]
 * describes: a model with a `version` is only stored over the version it
 * holds, and the model gets the bumped version; `updated_at` is set to now;
 * `created_at` keeps its first stored value.
 *
 * Returns: %TRUE on success
 */
DEFINE_PLAIN_WRITE (dynamorm_session_put, dynamorm_session_put_full)

/**
 * dynamorm_session_put_async:
 * @self: a #DynamormSession
 * @model: the model to store
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the item is stored
 * @user_data: data for @callback
 *
 * Stores a model; see [method@Dynamorm.Session.put].
 */
DEFINE_MODEL_CALL_ASYNC (dynamorm_session_put_async, put_async, NULL, FALSE)

/**
 * dynamorm_session_put_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.put_async].
 *
 * Returns: %TRUE on success
 */
DYNAMORM_DEFINE_FINISH_BOOLEAN (dynamorm_session_put_finish, DynamormSession,
                                dynamorm_session_put_async)

/**
 * dynamorm_session_put_full:
 * @self: a #DynamormSession
 * @model: the model to store
 * @options: (nullable): conditions on the write
 * @current: (out) (optional) (nullable) (transfer full): where to put the
 *   item as stored when a condition fails, or %NULL (also when there was
 *   no item)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Stores a model as an item, replacing any item with the same key, if the
 * conditions of @options hold; when one does not, this fails with
 * %DYNAMORM_ERROR_CONDITION_FAILED, nothing is written, and @current
 * receives the stored item.
 *
 * Lifecycle properties:
 *
 * - `version`: the write needs the stored version to be the model's (a
 *   model at version 0 needs the item not to exist) and stores the next
 *   version, which the model then holds. A stale model fails with
 *   %DYNAMORM_ERROR_CONDITION_FAILED. See
 *   [method@Dynamorm.WriteOptions.set_check_version].
 * - `updated_at` is set to the current time, in the item and the model.
 * - `created_at` is set on the first store (to the model's value, or now
 *   when it has none) and never overwritten: the put is then carried by
 *   an UpdateItem request that sets every attribute of the schema and keeps
 *   a stored `created_at`, and the model is refreshed from the stored item.
 *   (A condition could only refuse such a put; reading first would race.)
 *
 * The model's other properties are not changed.
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_session_put_full (DynamormSession       *self,
                           DynamormModel         *model,
                           DynamormWriteOptions  *options,
                           DynamormModel        **current,
                           GCancellable          *cancellable,
                           GError               **error)
{
  if (current != NULL)
    *current = NULL;
  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), FALSE);
  g_return_val_if_fail (DYNAMORM_IS_MODEL (model), FALSE);
  g_return_val_if_fail (options == NULL || DYNAMORM_IS_WRITE_OPTIONS (options), FALSE);

  if (options == NULL && try_direct_put (self, model, cancellable))
    return TRUE;
  return op_run_built (build_put (self, model, options, FALSE, error), current, cancellable, error);
}

/**
 * dynamorm_session_put_full_async:
 * @self: a #DynamormSession
 * @model: the model to store
 * @options: (nullable): conditions on the write
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the item is stored
 * @user_data: data for @callback
 *
 * Stores a model if the conditions hold; see
 * [method@Dynamorm.Session.put_full].
 */
DEFINE_MODEL_CALL_FULL_ASYNC (dynamorm_session_put_full_async, put_async, options, FALSE)

/**
 * dynamorm_session_put_full_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @current: (out) (optional) (nullable) (transfer full): where to put the
 *   item as stored when a condition failed, or %NULL
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.put_full_async].
 *
 * Returns: %TRUE on success
 */
DEFINE_WRITE_FINISH (dynamorm_session_put_full_finish, dynamorm_session_put_full_async)

/**
 * dynamorm_session_insert:
 * @self: a #DynamormSession
 * @model: the model to store
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Stores a model only if no item with its key exists yet. If one does, this
 * fails with %DYNAMORM_ERROR_CONDITION_FAILED and nothing is written. The
 * same as [method@Dynamorm.Session.put_full] with
 * [method@Dynamorm.WriteOptions.set_if_not_exists].
 *
 * Returns: %TRUE on success
 */
DEFINE_MODEL_CALL (dynamorm_session_insert, build_put, NULL, TRUE, error)

/**
 * dynamorm_session_insert_async:
 * @self: a #DynamormSession
 * @model: the model to store
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the item is stored
 * @user_data: data for @callback
 *
 * Stores a model if its key is new; see [method@Dynamorm.Session.insert].
 */
DEFINE_MODEL_CALL_ASYNC (dynamorm_session_insert_async, put_async, NULL, TRUE)

/**
 * dynamorm_session_insert_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.insert_async].
 *
 * Returns: %TRUE on success
 */
DYNAMORM_DEFINE_FINISH_BOOLEAN (dynamorm_session_insert_finish, DynamormSession,
                                dynamorm_session_insert_async)

/* GetItem into op->model, or into a new model of op->model_type. */
static gboolean
finish_get (Op *op, JsonNode *response, GError **error)
{
  JsonNode *item = json_object_get_member (json_node_get_object (response), "Item");

  if (item == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND,
                   _("No item with %s exists in table “%s”"), op->key_text, op->table_name);
      return FALSE;
    }
  if (op->model != NULL)
    return _dynamorm_session_load_item (op->session, op->model, op->table_name, item, error);

  op->result = _dynamorm_session_model_from_item (op->session, op->model_type, op->table_name, item, error);
  op->result_free = g_object_unref;
  return op->result != NULL;
}


static Op *
build_get (DynamormSession *self, GType model_type, const GValue *pk, const GValue *sk, GError **error)
{
  const DynamormSchema *schema;
  g_autoptr(Op) op = op_for_type (self, "GetItem", OP_RESULT_POINTER, model_type, &schema, error);
  g_autoptr(JsonObject) key = json_object_new ();

  if (op == NULL)
    return NULL;
  if (!_dynamorm_key_attribute (schema->partition_key, pk, _("partition key"), model_type, key, error))
    return NULL;
  if (schema->sort_key != NULL &&
      !_dynamorm_key_attribute (schema->sort_key, sk, _("sort key"), model_type, key, error))
    return NULL;
  if (schema->sort_key == NULL && !_dynamorm_value_is_unset (sk))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("%s has no sort key, but a sort key value was given"), g_type_name (model_type));
      return NULL;
    }
  op->key_text = _dynamorm_describe_key_object (key);
  json_object_set_object_member (request_object (op), "Key", g_steal_pointer (&key));
  op->finish = finish_get;
  return g_steal_pointer (&op);
}

/**
 * dynamorm_session_get:
 * @self: a #DynamormSession
 * @model_type: a #DynamormModel subtype
 * @partition_key: the partition key value
 * @sort_key: (nullable): the sort key value, for tables that have one
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads one item by its primary key. A missing item is
 * %DYNAMORM_ERROR_NOT_FOUND. The key values are converted to the key
 * properties' types (an integer may be given for a string key, and so on,
 * as #GValue transforms allow).
 *
 * Returns: (transfer full): the model, or %NULL on error
 */
DynamormModel *
dynamorm_session_get (DynamormSession  *self,
                      GType             model_type,
                      const GValue     *partition_key,
                      const GValue     *sort_key,
                      GCancellable     *cancellable,
                      GError          **error)
{
  g_autoptr(Op) op = NULL;

  DynamormModel *model;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), NULL);

  model = try_direct_get (self, model_type, partition_key, sort_key, cancellable);
  if (model != NULL)
    return model;
  op = build_get (self, model_type, partition_key, sort_key, error);
  return op ? op_run_sync_pointer (op, cancellable, error) : NULL;
}

/**
 * dynamorm_session_get_async:
 * @self: a #DynamormSession
 * @model_type: a #DynamormModel subtype
 * @partition_key: the partition key value
 * @sort_key: (nullable): the sort key value, for tables that have one
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the item
 * @user_data: data for @callback
 *
 * Reads one item by its primary key; see [method@Dynamorm.Session.get].
 */
void
dynamorm_session_get_async (DynamormSession     *self,
                            GType                model_type,
                            const GValue        *partition_key,
                            const GValue        *sort_key,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GError *error = NULL;
  Op *op;

  DynamormModel *model;

  g_return_if_fail (DYNAMORM_IS_SESSION (self));

  /* The direct path opens values in this thread: not with a provider
   * that may block (the JSON path opens them in a worker thread). */
  model = async_key_call_may_block (self, model_type) ? NULL
          : try_direct_get (self, model_type, partition_key, sort_key, cancellable);
  if (model != NULL)
    {
      direct_return (self, dynamorm_session_get_async, model, g_object_unref,
                     cancellable, callback, user_data);
      return;
    }
  op = build_get (self, model_type, partition_key, sort_key, &error);
  op_run_async (self, op, error, dynamorm_session_get_async, cancellable, callback, user_data);
}

/**
 * dynamorm_session_get_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.get_async].
 *
 * Returns: (transfer full): the model, or %NULL on error
 */
DYNAMORM_DEFINE_FINISH_POINTER (DynamormModel *, dynamorm_session_get_finish, DynamormSession,
                                dynamorm_session_get_async)

static Op *
build_reload (DynamormSession *self, DynamormModel *model, GError **error)
{
  g_autoptr(Op) op = op_for_model (self, "GetItem", model, NULL, error);
  JsonNode *key;

  if (op == NULL || (key = dynamorm_model_get_key (model, error)) == NULL)
    return NULL;
  op->key_text = _dynamorm_describe_key_object (json_node_get_object (key));
  json_object_set_member (request_object (op), "Key", key);
  op->finish = finish_get;
  return g_steal_pointer (&op);
}

/**
 * dynamorm_session_reload:
 * @self: a #DynamormSession
 * @model: a model whose key properties are set
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads the item with the model's key into the model. A missing item is
 * %DYNAMORM_ERROR_NOT_FOUND and leaves the model unchanged.
 *
 * Returns: %TRUE on success
 */
DEFINE_MODEL_CALL (dynamorm_session_reload, build_reload, error)

/**
 * dynamorm_session_reload_async:
 * @self: a #DynamormSession
 * @model: a model whose key properties are set
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the model is loaded
 * @user_data: data for @callback
 *
 * Reads the item with the model's key into the model; see
 * [method@Dynamorm.Session.reload].
 */
void
dynamorm_session_reload_async (DynamormSession     *self,
                               DynamormModel       *model,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GError *error = NULL;
  Op *op;

  g_return_if_fail (DYNAMORM_IS_SESSION (self));
  g_return_if_fail (DYNAMORM_IS_MODEL (model));

  op = build_reload (self, model, &error);
  if (op)
    op->result_kind = OP_RESULT_BOOLEAN;
  op_run_async (self, op, error, dynamorm_session_reload_async, cancellable, callback, user_data);
}

/**
 * dynamorm_session_reload_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.reload_async].
 *
 * Returns: %TRUE on success
 */
DYNAMORM_DEFINE_FINISH_BOOLEAN (dynamorm_session_reload_finish, DynamormSession,
                                dynamorm_session_reload_async)

static Op *
build_update (DynamormSession       *self,
              DynamormModel         *model,
              DynamormUpdate        *update,
              const char * const    *properties,
              DynamormWriteOptions  *options,
              GError               **error)
{
  const DynamormSchema *schema;
  g_autoptr(Op) op = op_for_model (self, "UpdateItem", model, &schema, error);
  g_autoptr(DynamormExprBuilder) b = _dynamorm_expr_builder_new ();
  g_autoptr(GPtrArray) conditions = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(DynamormUpdate) implicit = NULL;
  g_auto(GValue) next_version = G_VALUE_INIT;
  g_autofree char *expression = NULL;
  DynamormUpdateClauses clauses;
  JsonObject *request;
  gboolean ok = FALSE;

  if (op == NULL)
    return NULL;
  op_builder_crypto (op, b);

  if (options != NULL && dynamorm_write_options_get_if_not_exists (options))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("An update changes an existing item, so it cannot need the item not to exist: "
                     "use Session.insert, or put_full with if-not-exists, to create an item"));
      return NULL;
    }

  if (update == NULL)
    {
      update = implicit = dynamorm_update_new ();
      if (properties != NULL && properties[0] != NULL)
        for (guint i = 0; properties[i] != NULL; i++)
          dynamorm_update_set_from_model (implicit, properties[i]);
      else
        for (guint i = 0; i < schema->fields->len; i++)
          {
            const DynamormField *field = g_ptr_array_index (schema->fields, i);

            if (field != schema->partition_key && field != schema->sort_key && field != schema->version &&
                field != schema->created_at && field != schema->updated_at)
              dynamorm_update_set_from_model (implicit, field->pspec->name);
          }
    }

  if (!op_set_key (op, model, TRUE, error))
    return NULL;
  request = request_object (op);

  g_ptr_array_add (conditions, g_strdup_printf ("attribute_exists(%s)",
                                                _dynamorm_expr_builder_name (b, schema->partition_key->attribute)));
  if (!op_add_options (op, schema, options, b, conditions, error))
    return NULL;
  if (!add_version (op, WRITE_UPDATE, schema, options, b, conditions, &next_version, error))
    return NULL;

  _dynamorm_update_clauses_init (&clauses);
  if (!_dynamorm_update_render (update, model, schema, b, &clauses, error))
    goto out;

  if (schema->version != NULL)
    {
      const char *name = _dynamorm_expr_builder_name (b, schema->version->attribute);

      _dynamorm_update_clauses_touch (&clauses, schema->version, -1, NULL);
      if (op->version_checked)
        {
          JsonNode *av = _dynamorm_lifecycle_encode (schema->version, &next_version, error);

          if (av == NULL)
            goto out;
          g_string_append_printf (clauses.set, "%s%s = %s", clauses.set->len ? ", " : "", name,
                                  _dynamorm_expr_builder_value (b, av));
        }
      else
        g_string_append_printf (clauses.add, "%s%s %s", clauses.add->len ? ", " : "", name,
                                _dynamorm_expr_builder_value (b, _dynamorm_av_new_string ("N", "1")));
    }
  if (!_dynamorm_update_stamp (schema, b, clauses.set, g_hash_table_contains (clauses.touched, schema->updated_at),
                               now, NULL, error))
    goto out;

  expression = _dynamorm_update_clauses_text (&clauses);
  if (expression != NULL)
    json_object_set_string_member (request, "UpdateExpression", expression);
  json_object_set_string_member (request, "ReturnValues", "ALL_NEW");
  if (!op_finish_request (op, b, conditions, error))
    goto out;

  op->missing_is_not_found = TRUE;
  op->finish = finish_write;
  ok = TRUE;

out:
  _dynamorm_update_clauses_clear (&clauses);
  return ok ? g_steal_pointer (&op) : NULL;
}

/**
 * dynamorm_session_update:
 * @self: a #DynamormSession
 * @model: a model whose key properties are set
 * @properties: (array zero-terminated=1) (nullable): the names of the
 *   properties to write, or %NULL for every property that is not a key or
 *   a lifecycle property (version, created_at, updated_at)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Writes chosen properties of a model to its existing item, leaving the
 * item's other attributes as they are, then refreshes the model from the
 * stored item. A property whose value is left out of the item (%NULL, or
 * empty with `omitempty`) is removed. A missing item is
 * %DYNAMORM_ERROR_NOT_FOUND; naming a key property is
 * %DYNAMORM_ERROR_INVALID_ARGUMENT. The version and `updated_at` are kept
 * as [method@Dynamorm.Session.update_full] describes.
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_session_update (DynamormSession     *self,
                         DynamormModel       *model,
                         const char * const  *properties,
                         GCancellable        *cancellable,
                         GError             **error)
{
  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), FALSE);
  g_return_val_if_fail (DYNAMORM_IS_MODEL (model), FALSE);

  return op_run_built (build_update (self, model, NULL, properties, NULL, error), NULL,
                       cancellable, error);
}

/**
 * dynamorm_session_update_async:
 * @self: a #DynamormSession
 * @model: a model whose key properties are set
 * @properties: (array zero-terminated=1) (nullable): the names of the
 *   properties to write, or %NULL for every property that is not a key
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the item is updated
 * @user_data: data for @callback
 *
 * Writes chosen properties; see [method@Dynamorm.Session.update].
 */
void
dynamorm_session_update_async (DynamormSession     *self,
                               DynamormModel       *model,
                               const char * const  *properties,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (DYNAMORM_IS_SESSION (self));
  g_return_if_fail (DYNAMORM_IS_MODEL (model));

  update_async (self, model, NULL, properties, NULL, dynamorm_session_update_async, cancellable, callback,
                user_data);
}

/**
 * dynamorm_session_update_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.update_async].
 *
 * Returns: %TRUE on success
 */
DYNAMORM_DEFINE_FINISH_BOOLEAN (dynamorm_session_update_finish, DynamormSession,
                                dynamorm_session_update_async)

/**
 * dynamorm_session_update_full:
 * @self: a #DynamormSession
 * @model: a model whose key properties are set
 * @update: (nullable): the changes to make, or %NULL to write every
 *   property of @model that is not a key or a lifecycle property
 * @options: (nullable): conditions on the write
 * @current: (out) (optional) (nullable) (transfer full): where to put the
 *   item as stored when a condition fails, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Applies @update to the existing item with the model's key in one atomic
 * UpdateItem request, if the conditions of @options hold, then refreshes
 * the model from the stored item (all its properties, not only the ones
 * changed). To write chosen properties of the model, use
 * [method@Dynamorm.Update.set_from_model].
 *
 * A missing item is %DYNAMORM_ERROR_NOT_FOUND (nothing is created). A
 * condition that does not hold is %DYNAMORM_ERROR_CONDITION_FAILED: nothing
 * is written and @current receives the stored item. Mistakes in @update or
 * @options (unknown property, key property, an action or operator that
 * does not fit the type) are reported before anything is sent.
 *
 * Lifecycle properties: with a `version`, the update needs the stored
 * version to be the model's (or, for a model at version 0, an item without
 * a version or at version 0) and stores the next one; `updated_at` is set
 * to now unless @update sets it; `created_at` is left alone.
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_session_update_full (DynamormSession       *self,
                              DynamormModel         *model,
                              DynamormUpdate        *update,
                              DynamormWriteOptions  *options,
                              DynamormModel        **current,
                              GCancellable          *cancellable,
                              GError               **error)
{
  if (current != NULL)
    *current = NULL;
  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), FALSE);
  g_return_val_if_fail (DYNAMORM_IS_MODEL (model), FALSE);
  g_return_val_if_fail (update == NULL || DYNAMORM_IS_UPDATE (update), FALSE);
  g_return_val_if_fail (options == NULL || DYNAMORM_IS_WRITE_OPTIONS (options), FALSE);

  return op_run_built (build_update (self, model, update, NULL, options, error), current,
                       cancellable, error);
}

/**
 * dynamorm_session_update_full_async:
 * @self: a #DynamormSession
 * @model: a model whose key properties are set
 * @update: (nullable): the changes to make
 * @options: (nullable): conditions on the write
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the item is updated
 * @user_data: data for @callback
 *
 * Applies an update; see [method@Dynamorm.Session.update_full].
 */
void
dynamorm_session_update_full_async (DynamormSession      *self,
                                    DynamormModel        *model,
                                    DynamormUpdate       *update,
                                    DynamormWriteOptions *options,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data)
{
  g_return_if_fail (DYNAMORM_IS_SESSION (self));
  g_return_if_fail (DYNAMORM_IS_MODEL (model));
  g_return_if_fail (update == NULL || DYNAMORM_IS_UPDATE (update));
  g_return_if_fail (options == NULL || DYNAMORM_IS_WRITE_OPTIONS (options));

  update_async (self, model, update, NULL, options, dynamorm_session_update_full_async, cancellable, callback,
                user_data);
}

/**
 * dynamorm_session_update_full_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @current: (out) (optional) (nullable) (transfer full): where to put the
 *   item as stored when a condition failed, or %NULL
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.update_full_async].
 *
 * Returns: %TRUE on success
 */
DEFINE_WRITE_FINISH (dynamorm_session_update_full_finish, dynamorm_session_update_full_async)

static Op *
build_delete (DynamormSession *self, DynamormModel *model, DynamormWriteOptions *options, GError **error)
{
  const DynamormSchema *schema;
  g_autoptr(Op) op = op_for_model (self, "DeleteItem", model, &schema, error);
  g_autoptr(DynamormExprBuilder) b = _dynamorm_expr_builder_new ();
  g_autoptr(GPtrArray) conditions = g_ptr_array_new_with_free_func (g_free);

  if (op == NULL || !op_set_key (op, model, TRUE, error))
    return NULL;
  if (!op_add_options (op, schema, options, b, conditions, error))
    return NULL;
  if (!add_version (op, WRITE_DELETE, schema, options, b, conditions, NULL, error))
    return NULL;
  if (!op_finish_request (op, b, conditions, error))
    return NULL;
  return g_steal_pointer (&op);
}

/**
 * dynamorm_session_delete:
 * @self: a #DynamormSession
 * @model: a model whose key properties are set
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Deletes the item with the model's key. Deleting an item that does not
 * exist succeeds, as in DynamoDB. For a model with a `version`, the stored
 * version must be the model's (see [method@Dynamorm.Session.delete_full]).
 *
 * Returns: %TRUE on success
 */
DEFINE_PLAIN_WRITE (dynamorm_session_delete, dynamorm_session_delete_full)

/**
 * dynamorm_session_delete_async:
 * @self: a #DynamormSession
 * @model: a model whose key properties are set
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the item is deleted
 * @user_data: data for @callback
 *
 * Deletes the item with the model's key; see
 * [method@Dynamorm.Session.delete].
 */
DEFINE_MODEL_CALL_ASYNC (dynamorm_session_delete_async, delete_async, NULL)

/**
 * dynamorm_session_delete_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.delete_async].
 *
 * Returns: %TRUE on success
 */
DYNAMORM_DEFINE_FINISH_BOOLEAN (dynamorm_session_delete_finish, DynamormSession,
                                dynamorm_session_delete_async)

/**
 * dynamorm_session_delete_full:
 * @self: a #DynamormSession
 * @model: a model whose key properties are set
 * @options: (nullable): conditions on the delete
 * @current: (out) (optional) (nullable) (transfer full): where to put the
 *   item as stored when a condition fails, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Deletes the item with the model's key if the conditions of @options
 * hold; when one does not, this fails with
 * %DYNAMORM_ERROR_CONDITION_FAILED, nothing is deleted, and @current
 * receives the stored item. Without conditions, deleting a missing item
 * succeeds; with [method@Dynamorm.WriteOptions.set_if_exists] it fails.
 *
 * For a model with a `version`, the stored version must be the model's
 * (a model at version 0 also deletes an item without a version).
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_session_delete_full (DynamormSession       *self,
                              DynamormModel         *model,
                              DynamormWriteOptions  *options,
                              DynamormModel        **current,
                              GCancellable          *cancellable,
                              GError               **error)
{
  if (current != NULL)
    *current = NULL;
  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), FALSE);
  g_return_val_if_fail (DYNAMORM_IS_MODEL (model), FALSE);
  g_return_val_if_fail (options == NULL || DYNAMORM_IS_WRITE_OPTIONS (options), FALSE);

  return op_run_built (build_delete (self, model, options, error), current, cancellable, error);
}

/**
 * dynamorm_session_delete_full_async:
 * @self: a #DynamormSession
 * @model: a model whose key properties are set
 * @options: (nullable): conditions on the delete
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the item is deleted
 * @user_data: data for @callback
 *
 * Deletes an item if the conditions hold; see
 * [method@Dynamorm.Session.delete_full].
 */
DEFINE_MODEL_CALL_FULL_ASYNC (dynamorm_session_delete_full_async, delete_async, options)

/**
 * dynamorm_session_delete_full_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @current: (out) (optional) (nullable) (transfer full): where to put the
 *   item as stored when a condition failed, or %NULL
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.delete_full_async].
 *
 * Returns: %TRUE on success
 */
DEFINE_WRITE_FINISH (dynamorm_session_delete_full_finish, dynamorm_session_delete_full_async)

/* ------------------------------------------------------------------ */
/* Consumed capacity: public API */

/**
 * dynamorm_session_set_capacity_mode:
 * @self: a #DynamormSession
 * @mode: how much consumed-capacity detail to ask for
 *
 * Sets [property@Dynamorm.Session:capacity-mode].
 */
void
dynamorm_session_set_capacity_mode (DynamormSession      *self,
                                    DynamormCapacityMode  mode)
{
  gboolean changed;

  g_return_if_fail (DYNAMORM_IS_SESSION (self));
  g_return_if_fail (mode <= DYNAMORM_CAPACITY_INDEXES);

  g_mutex_lock (&self->lock);
  changed = self->settings->capacity_mode != mode;
  if (changed)
    settings_replace (self, self->settings->table_prefix, mode);
  g_mutex_unlock (&self->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPACITY_MODE]);
}

/**
 * dynamorm_session_get_capacity_mode:
 * @self: a #DynamormSession
 *
 * Gets [property@Dynamorm.Session:capacity-mode].
 *
 * Returns: the mode
 */
DynamormCapacityMode
dynamorm_session_get_capacity_mode (DynamormSession *self)
{
  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), DYNAMORM_CAPACITY_NONE);

  return settings_get (self)->capacity_mode;
}

/**
 * dynamorm_session_get_consumed_capacity:
 * @self: a #DynamormSession
 * @table_name: a full table name, as [method@Dynamorm.Session.get_table_name]
 *   gives it
 * @index_name: (nullable): an index of the table, or %NULL for the table's
 *   total (which includes its indexes)
 * @read_units: (out) (optional): the read capacity units consumed
 * @write_units: (out) (optional): the write capacity units consumed
 *
 * Gets the capacity consumed so far by the session's operations on a table
 * or one of its indexes. Per-index figures need
 * %DYNAMORM_CAPACITY_INDEXES.
 *
 * Returns: %TRUE if any capacity was recorded for it
 */
gboolean
dynamorm_session_get_consumed_capacity (DynamormSession *self,
                                        const char      *table_name,
                                        const char      *index_name,
                                        double          *read_units,
                                        double          *write_units)
{
  g_autofree char *key = NULL;
  CapacityTotal *total;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), FALSE);
  g_return_val_if_fail (table_name != NULL, FALSE);

  key = index_name ? g_strconcat (table_name, "\x1f", index_name, NULL) : g_strdup (table_name);
  g_mutex_lock (&self->lock);
  total = g_hash_table_lookup (self->capacity, key);
  if (read_units)
    *read_units = total ? total->read_units : 0;
  if (write_units)
    *write_units = total ? total->write_units : 0;
  g_mutex_unlock (&self->lock);

  return total != NULL;
}

static int
compare_totals (gconstpointer a, gconstpointer b)
{
  const CapacityTotal *x = *(const CapacityTotal **) a;
  const CapacityTotal *y = *(const CapacityTotal **) b;
  int c = g_strcmp0 (x->table, y->table);

  return c ? c : g_strcmp0 (x->index, y->index);
}

/**
 * dynamorm_session_get_capacity_summary:
 * @self: a #DynamormSession
 *
 * Gets every consumed-capacity total the session keeps, sorted by table
 * and index, as a #GVariant of type `a(ssdd)`: table name, index name (empty
 * for the table's own total), read units, write units.
 *
 * Returns: (transfer full): the summary
 */
GVariant *
dynamorm_session_get_capacity_summary (DynamormSession *self)
{
  g_autoptr(GPtrArray) totals = g_ptr_array_new ();
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssdd)"));
  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->capacity);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (totals, value);
  g_ptr_array_sort (totals, compare_totals);
  for (guint i = 0; i < totals->len; i++)
    {
      CapacityTotal *total = totals->pdata[i];
      g_variant_builder_add (&builder, "(ssdd)", total->table, total->index ? total->index : "",
                             total->read_units, total->write_units);
    }
  g_mutex_unlock (&self->lock);

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/**
 * dynamorm_session_reset_consumed_capacity:
 * @self: a #DynamormSession
 *
 * Forgets every consumed-capacity total.
 */
void
dynamorm_session_reset_consumed_capacity (DynamormSession *self)
{
  g_return_if_fail (DYNAMORM_IS_SESSION (self));

  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->capacity);
  g_mutex_unlock (&self->lock);
}
