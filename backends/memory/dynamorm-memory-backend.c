/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-memory-backend.c: the memory:// backend, a thin carrier over the
 * in-process engine. The engine speaks the wire protocol, error bodies
 * included, so this file only maps an error body to a GError the same way
 * the HTTP backends do. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ddb-engine.h"
#include "ddb-error.h"
#include "ddb-faults.h"
#include "ddb-persist.h"
#include "dynamorm-backend-private.h"
#include "dynamorm-memory-backend.h"
#include "dynamorm-memory-testing.h"

struct _DynamormMemoryBackend
{
  DynamormBackend parent_instance;

  DdbEngine *engine;

  /* The TTL sweeper: deletes expired items every sweep_interval seconds
   * (0: never), as DynamoDB's background TTL process does. */
  guint sweep_interval;
  GThread *sweeper;
  GMutex sweep_lock;
  GCond sweep_cond;
  gboolean stopping;

  guint change_listener;        /* ddb_engine_add_change_listener() id */

  /* Fault injection (memory://?faults=..., DynamormSetFaults): NULL when
   * off. Calls take a reference under the lock. */
  GMutex faults_lock;
  DdbFaults *faults;

  /* memory://?data_dir=DIR[&fsync=always|never]: the engine kept there. */
  char *data_dir;
  DdbFsyncMode fsync_mode;
  DdbPersist *persist;
};

enum {
  SIGNAL_ITEM_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The operations of the DynamoDB Streams API: invoke() takes them with this
 * prefix ("DynamoDBStreams_20120810.GetRecords"), as the server takes the
 * X-Amz-Target. */
#define STREAMS_PREFIX "DynamoDBStreams_20120810."

/* A memory backend extension of the wire API, for tests: deletes the
 * expired items now and answers {"DeletedItemCount": N}. */
#define SWEEP_OPERATION "DynamormSweepExpiredItems"
#define DEFAULT_SWEEP_INTERVAL 60

static void initable_iface_init (GInitableIface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (DynamormMemoryBackend, dynamorm_memory_backend,
                                DYNAMORM_TYPE_BACKEND, G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (G_TYPE_INITABLE, initable_iface_init))

/* memory://NAME shares one engine per NAME within the process, so that two
 * sessions (or a session and a test) can see the same tables; memory:// is
 * a fresh, private engine. Named engines live until the process exits. */
static GMutex registry_lock;
static GHashTable *registry;

static DdbEngine *
engine_for_name (const char *name)
{
  DdbEngine *engine;

  if (name == NULL || *name == '\0')
    return ddb_engine_new ();

  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) ddb_engine_unref);
  engine = g_hash_table_lookup (registry, name);
  if (engine == NULL)
    {
      engine = ddb_engine_new ();
      g_hash_table_insert (registry, g_strdup (name), engine);
    }
  ddb_engine_ref (engine);
  g_mutex_unlock (&registry_lock);
  return engine;
}

static gpointer
sweeper_thread (gpointer data)
{
  DynamormMemoryBackend *self = data;

  g_mutex_lock (&self->sweep_lock);
  while (!self->stopping)
    {
      gint64 deadline = g_get_monotonic_time () + (gint64) self->sweep_interval * G_TIME_SPAN_SECOND;

      if (!g_cond_wait_until (&self->sweep_cond, &self->sweep_lock, deadline) && !self->stopping)
        {
          guint deleted;

          g_mutex_unlock (&self->sweep_lock);
          deleted = ddb_engine_sweep_expired (self->engine);
          if (deleted > 0)
            g_debug ("TTL sweep deleted %u expired items", deleted);
          g_mutex_lock (&self->sweep_lock);
        }
    }
  g_mutex_unlock (&self->sweep_lock);
  return NULL;
}

/* Starts the TTL sweeper if it should run and does not yet. */
static void
ensure_sweeper (DynamormMemoryBackend *self)
{
  if (self->sweep_interval == 0)
    return;
  g_mutex_lock (&self->sweep_lock);
  if (self->sweeper == NULL && !self->stopping)
    self->sweeper = g_thread_new ("dynamorm-ttl-sweep", sweeper_thread, self);
  g_mutex_unlock (&self->sweep_lock);
}

/* Replaces the fault list; NULL turns faults off. */
static void
replace_faults (DynamormMemoryBackend *self, DdbFaults *faults)
{
  DdbFaults *old;

  g_mutex_lock (&self->faults_lock);
  old = self->faults;
  g_atomic_pointer_set (&self->faults, faults);
  g_mutex_unlock (&self->faults_lock);
  g_clear_pointer (&old, ddb_faults_unref);
}

static DdbFaults *
dup_faults (DynamormMemoryBackend *self)
{
  DdbFaults *faults;

  /* Faults are rare: the common case takes no lock. */
  if (g_atomic_pointer_get (&self->faults) == NULL)
    return NULL;
  g_mutex_lock (&self->faults_lock);
  faults = self->faults ? ddb_faults_ref (self->faults) : NULL;
  g_mutex_unlock (&self->faults_lock);
  return faults;
}

static gboolean
set_faults_from_uri (DynamormMemoryBackend *self, const char *value, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  DdbFaults *faults = ddb_faults_new (value, &local_error);

  if (faults == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The memory backend cannot use faults=%s: %s"), value, local_error->message);
      return FALSE;
    }
  replace_faults (self, faults);
  return TRUE;
}

/* DynamormSetFaults {"Faults": "LIST"}: "" turns faults off. */
static JsonNode *
set_faults_call (DynamormMemoryBackend *self, JsonNode *request, guint *status)
{
  JsonObject *req = request != NULL && JSON_NODE_HOLDS_OBJECT (request) ? json_node_get_object (request) : NULL;
  JsonNode *member = req ? json_object_get_member (req, "Faults") : NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *answer;
  JsonNode *node;
  DdbFaults *faults;

  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
    return dynamorm_memory_validation_error ("The request needs a Faults string (\"\" turns faults off)", status);
  faults = ddb_faults_new (json_node_get_string (member), &local_error);
  if (faults == NULL)
    return dynamorm_memory_validation_error (local_error->message, status);
  answer = json_object_new ();
  json_object_set_string_member (answer, "Faults", ddb_faults_get_spec (faults));
  if (*ddb_faults_get_spec (faults) == '\0')
    g_clear_pointer (&faults, ddb_faults_unref);
  replace_faults (self, faults);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, answer);
  *status = 200;
  return node;
}

/* Reads ?ttl_sweep=SECONDS and ?faults=LIST; unknown options are refused. */
static gboolean
parse_options (DynamormMemoryBackend *self, GUri *uri, GError **error)
{
  GUriParamsIter iter;
  char *name, *value;
  const char *query = g_uri_get_query (uri);
  GError *local_error = NULL;

  self->sweep_interval = DEFAULT_SWEEP_INTERVAL;
  if (query == NULL)
    return TRUE;

  g_uri_params_iter_init (&iter, query, -1, "&", G_URI_PARAMS_NONE);
  while (g_uri_params_iter_next (&iter, &name, &value, &local_error))
    {
      gboolean ok = TRUE;

      if (g_str_equal (name, "ttl_sweep"))
        {
          guint64 seconds;

          ok = g_ascii_string_to_unsigned (value, 10, 0, 7 * 24 * 3600, &seconds, NULL);
          if (ok)
            self->sweep_interval = (guint) seconds;
          else
            g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                         _("ttl_sweep=%s is not a number of seconds from 0 (no sweep) to 604800"),
                         value);
        }
      else if (g_str_equal (name, "faults"))
        ok = set_faults_from_uri (self, value, error);
      else if (g_str_equal (name, "data_dir"))
        {
          g_free (self->data_dir);
          self->data_dir = g_strdup (value);
        }
      else if (g_str_equal (name, "fsync"))
        {
          ok = g_str_equal (value, "always") || g_str_equal (value, "never");
          if (ok)
            self->fsync_mode = g_str_equal (value, "always") ? DDB_FSYNC_ALWAYS : DDB_FSYNC_NEVER;
          else
            g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                         _("fsync=%s: use fsync=always (flush before each answer) or fsync=never"), value);
        }
      else
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("The memory backend has no option “%s”; it knows ttl_sweep=SECONDS, "
                         "faults=LIST, data_dir=DIR and fsync=always|never"), name);
          ok = FALSE;
        }
      g_free (name);
      g_free (value);
      if (!ok)
        return FALSE;
    }
  if (local_error != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The memory backend's options cannot be read: %s"), local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  return TRUE;
}

/* Runs on the writing thread, engine locked (ddb-engine.h): the record is
 * only built when someone listens. */
static void
engine_changed (const DdbChange *change, gpointer user_data)
{
  DynamormMemoryBackend *self = user_data;
  g_autoptr(JsonNode) record = NULL;

  if (!g_signal_has_handler_pending (self, signals[SIGNAL_ITEM_CHANGED], 0, FALSE))
    return;
  record = ddb_change_to_record (change, "NEW_AND_OLD_IMAGES");
  g_signal_emit (self, signals[SIGNAL_ITEM_CHANGED], 0, change->table_name, record);
}

static gboolean
dynamorm_memory_backend_initable_init (GInitable     *initable,
                                       GCancellable  *cancellable,
                                       GError       **error)
{
  DynamormMemoryBackend *self = DYNAMORM_MEMORY_BACKEND (initable);
  const char *uri = dynamorm_backend_get_uri (DYNAMORM_BACKEND (self));
  g_autoptr(GUri) parsed = NULL;
  const char *host = NULL;

  if (uri != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, &local_error);
      if (parsed == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a valid memory backend URI (%s): use memory:// or memory://NAME"),
                       uri, local_error->message);
          return FALSE;
        }
      host = g_uri_get_host (parsed);
      if (!parse_options (self, parsed, error))
        return FALSE;
      if ((g_uri_get_path (parsed)[0] != '\0' && !g_str_equal (g_uri_get_path (parsed), "/")) ||
          g_uri_get_port (parsed) != -1)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a valid memory backend URI: use memory:// for a private "
                         "in-memory database or memory://NAME for one shared by name"), uri);
          return FALSE;
        }
    }

  if (self->data_dir != NULL && host != NULL && *host != '\0')
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("data_dir works with a private engine: use memory://?data_dir=%s, not memory://%s?data_dir=..."),
                   self->data_dir, host);
      return FALSE;
    }
  self->engine = engine_for_name (host);
  if (self->data_dir != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      self->persist = ddb_persist_open (self->engine, self->data_dir, self->fsync_mode, &local_error);
      if (self->persist == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT, "%s", local_error->message);
          return FALSE;
        }
    }
  self->change_listener = ddb_engine_add_change_listener (self->engine, engine_changed, self, NULL);
  /* A private engine gets TTL attributes only through this backend, so its
   * sweeper starts with the first call that can bring one
   * (ensure_sweeper): a fresh memory:// costs no thread. A named engine is
   * shared with other backends: it sweeps from the start. */
  if (host != NULL && *host != '\0')
    ensure_sweeper (self);
  return TRUE;
}

static void
initable_iface_init (GInitableIface *iface)
{
  iface->init = dynamorm_memory_backend_initable_init;
}

static DdbEngine *backend_engine (DynamormBackend *backend);

/* The engine's answer, through the faults when there are any, or the
 * answer of a testing extension call. */
static JsonNode *
answer_call (DynamormMemoryBackend *self, DdbEngine *engine, const char *operation,
             JsonNode *request, guint *status)
{
  g_autoptr(DdbFaults) faults = NULL;
  JsonNode *response = NULL;

  /* The calls that can give a table a TTL attribute. */
  if (g_str_equal (operation, "UpdateTimeToLive") || g_str_equal (operation, "DynamormRestoreSnapshot"))
    ensure_sweeper (self);
  if (dynamorm_memory_snapshot_call (engine, operation, request, &response, status))
    return response;
  if (g_str_equal (operation, DYNAMORM_MEMORY_SET_FAULTS))
    return set_faults_call (self, request, status);
  faults = dup_faults (self);
  if (faults != NULL)
    return ddb_faults_handle (faults, engine, operation, request, status);
  return ddb_engine_handle (engine, operation, request, status);
}

static JsonNode *
answer_streams_call (DynamormMemoryBackend *self, DdbEngine *engine, const char *operation,
                     JsonNode *request, guint *status)
{
  g_autoptr(DdbFaults) faults = dup_faults (self);

  if (faults != NULL)
    return ddb_faults_handle_streams (faults, engine, operation, request, status);
  return ddb_engine_handle_streams (engine, operation, request, status);
}

static JsonNode *
dynamorm_memory_backend_invoke (DynamormBackend  *backend,
                                const char       *operation,
                                JsonNode         *request,
                                GCancellable     *cancellable,
                                GError          **error)
{
  DdbEngine *engine = backend_engine (backend);
  JsonNode *response;
  guint status = 0;

  if (g_str_equal (operation, SWEEP_OPERATION))
    {
      JsonObject *obj = json_object_new ();
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_int_member (obj, "DeletedItemCount", ddb_engine_sweep_expired (engine));
      json_node_take_object (node, obj);
      return node;
    }

  if (g_str_has_prefix (operation, STREAMS_PREFIX))
    response = answer_streams_call (DYNAMORM_MEMORY_BACKEND (backend), engine,
                                    operation + strlen (STREAMS_PREFIX), request, &status);
  else
    response = answer_call (DYNAMORM_MEMORY_BACKEND (backend), engine, operation, request, &status);
  if (status != 200)
    {
      g_propagate_error (error, dynamorm_error_new_from_response (status, response));
      json_node_unref (response);
      return NULL;
    }
  return response;
}

/* The direct path (dynamorm-backend-private.h): the engine's own packed
 * PutItem, GetItem, BatchWriteItem and BatchGetItem, Query and Scan with
 * packed items, and TransactWriteItems with packed puts, with the same
 * answers. */
G_STATIC_ASSERT ((int) DDB_DIRECT_DONE == (int) DYNAMORM_DIRECT_DONE);
G_STATIC_ASSERT ((int) DDB_DIRECT_ABSENT == (int) DYNAMORM_DIRECT_ABSENT);
G_STATIC_ASSERT ((int) DDB_DIRECT_DECLINED == (int) DYNAMORM_DIRECT_DECLINED);

static DdbEngine *
backend_engine (DynamormBackend *backend)
{
  DynamormMemoryBackend *self = DYNAMORM_MEMORY_BACKEND (backend);

  if (self->engine == NULL)
    self->engine = ddb_engine_new ();  /* created with g_object_new, not the URI */
  return self->engine;
}

/* With faults on, every call goes the JSON way, through the faults. */
static gboolean
has_faults (DynamormBackend *backend)
{
  DynamormMemoryBackend *self = DYNAMORM_MEMORY_BACKEND (backend);

  /* No lock on the hot path: the pointer is only replaced whole. */
  return g_atomic_pointer_get (&self->faults) != NULL;
}

static DynamormDirectResult
direct_put_item (DynamormBackend *backend, const char *table_name, guint8 *item, gsize len)
{
  if (has_faults (backend))
    return DYNAMORM_DIRECT_DECLINED;
  return (DynamormDirectResult) ddb_engine_put_packed (backend_engine (backend), table_name, item, len);
}

static DynamormDirectResult
direct_get_item (DynamormBackend *backend, const char *table_name, const guint8 *key, gsize len,
                 guint8 **item_out, gsize *len_out)
{
  if (has_faults (backend))
    return DYNAMORM_DIRECT_DECLINED;
  return (DynamormDirectResult) ddb_engine_get_packed (backend_engine (backend), table_name,
                                                       key, len, item_out, len_out);
}

/* The core's and the engine's batch entries are the same records. */
G_STATIC_ASSERT (sizeof (DynamormDirectWrite) == sizeof (DdbPackedWrite));
G_STATIC_ASSERT (G_STRUCT_OFFSET (DynamormDirectWrite, packed) == G_STRUCT_OFFSET (DdbPackedWrite, packed));
G_STATIC_ASSERT (G_STRUCT_OFFSET (DynamormDirectWrite, len) == G_STRUCT_OFFSET (DdbPackedWrite, len));
G_STATIC_ASSERT (G_STRUCT_OFFSET (DynamormDirectWrite, is_delete) == G_STRUCT_OFFSET (DdbPackedWrite, is_delete));
G_STATIC_ASSERT (sizeof (DynamormDirectRead) == sizeof (DdbPackedRead));
G_STATIC_ASSERT (G_STRUCT_OFFSET (DynamormDirectRead, key) == G_STRUCT_OFFSET (DdbPackedRead, key));
G_STATIC_ASSERT (G_STRUCT_OFFSET (DynamormDirectRead, len) == G_STRUCT_OFFSET (DdbPackedRead, len));
G_STATIC_ASSERT (G_STRUCT_OFFSET (DynamormDirectRead, item) == G_STRUCT_OFFSET (DdbPackedRead, item));

static DynamormDirectResult
direct_batch (DynamormBackend *backend, DynamormDirectWrite *writes, DynamormDirectRead *reads, guint n)
{
  if (has_faults (backend))
    return DYNAMORM_DIRECT_DECLINED;
  if (writes != NULL)
    return (DynamormDirectResult) ddb_engine_batch_write_packed (backend_engine (backend),
                                                                 (DdbPackedWrite *) writes, n);
  return (DynamormDirectResult) ddb_engine_batch_get_packed (backend_engine (backend), (DdbPackedRead *) reads, n);
}

static DynamormDirectResult
direct_query (DynamormBackend *backend, const char *operation, JsonNode *request, JsonNode **answer_out,
              GPtrArray **items_out)
{
  *answer_out = NULL;
  *items_out = NULL;
  if (has_faults (backend))
    return DYNAMORM_DIRECT_DECLINED;
  return (DynamormDirectResult) ddb_engine_read_packed (backend_engine (backend), operation, request,
                                                        answer_out, items_out);
}

static DynamormDirectResult
direct_transact_write (DynamormBackend *backend, JsonNode *request, guint8 **items, const gsize *lens)
{
  if (has_faults (backend))
    return DYNAMORM_DIRECT_DECLINED;
  return (DynamormDirectResult) ddb_engine_transact_write_packed (backend_engine (backend), request, items, lens);
}

static const DynamormDirectOps direct_ops = {
  .put_item = direct_put_item,
  .get_item = direct_get_item,
  .batch = direct_batch,
  .query = direct_query,
  .transact_write = direct_transact_write,
};

static void
dynamorm_memory_backend_dispose (GObject *object)
{
  DynamormMemoryBackend *self = DYNAMORM_MEMORY_BACKEND (object);

  /* Before the handlers go: once this returns, no change is being told. */
  if (self->change_listener != 0)
    {
      ddb_engine_remove_change_listener (self->engine, self->change_listener);
      self->change_listener = 0;
    }
  G_OBJECT_CLASS (dynamorm_memory_backend_parent_class)->dispose (object);
}

static void
dynamorm_memory_backend_finalize (GObject *object)
{
  DynamormMemoryBackend *self = DYNAMORM_MEMORY_BACKEND (object);

  if (self->sweeper != NULL)
    {
      g_mutex_lock (&self->sweep_lock);
      self->stopping = TRUE;
      g_cond_signal (&self->sweep_cond);
      g_mutex_unlock (&self->sweep_lock);
      g_thread_join (self->sweeper);
    }
  g_mutex_clear (&self->sweep_lock);
  g_cond_clear (&self->sweep_cond);
  g_clear_pointer (&self->faults, ddb_faults_unref);
  g_mutex_clear (&self->faults_lock);
  if (self->persist != NULL)
    {
      /* Leave a fresh snapshot and an empty log, as the server's clean stop. */
      g_autoptr(GError) error = NULL;
      if (!ddb_persist_compact (self->persist, &error))
        g_warning ("memory backend: %s", error->message);
      ddb_persist_close (self->persist);
    }
  g_free (self->data_dir);
  g_clear_pointer (&self->engine, ddb_engine_unref);

  G_OBJECT_CLASS (dynamorm_memory_backend_parent_class)->finalize (object);
}

static void
dynamorm_memory_backend_class_init (DynamormMemoryBackendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DynamormBackendClass *backend_class = DYNAMORM_BACKEND_CLASS (klass);

  object_class->dispose = dynamorm_memory_backend_dispose;
  object_class->finalize = dynamorm_memory_backend_finalize;
  backend_class->invoke = dynamorm_memory_backend_invoke;
  backend_class->direct_ops = &direct_ops;

  /**
   * DynamormMemoryBackend::item-changed:
   * @backend: the backend
   * @table_name: the table whose item changed
   * @record: the change as one record of a DynamoDB Streams GetRecords
   *   answer (NEW_AND_OLD_IMAGES), for dynamorm_stream_record_new_from_node()
   *
   * Every committed change of an item of the engine, whatever wrote it (this
   * backend, another memory://NAME backend sharing the engine, batches,
   * transactions, the TTL sweep), whether or not the table has a stream.
   * Emitted on the writing thread while the engine is locked: a handler
   * must not call the backend (it would deadlock) and should hand the record
   * on (a GAsyncQueue, g_main_context_invoke()).
   */
  signals[SIGNAL_ITEM_CHANGED] =
    g_signal_new ("item-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_NODE);
}

static void
dynamorm_memory_backend_class_finalize (DynamormMemoryBackendClass *klass)
{
}

static void
dynamorm_memory_backend_init (DynamormMemoryBackend *self)
{
  /* In process the log is flushed by the kernel unless fsync=always: a
   * crash of the process loses nothing, a crash of the machine may. */
  self->fsync_mode = DDB_FSYNC_NEVER;
  g_mutex_init (&self->sweep_lock);
  g_cond_init (&self->sweep_cond);
  g_mutex_init (&self->faults_lock);
}

void
dynamorm_memory_backend_register (GIOModule *module)
{
  dynamorm_memory_backend_register_type (G_TYPE_MODULE (module));
  g_io_extension_point_implement (DYNAMORM_BACKEND_EXTENSION_POINT_NAME,
                                  DYNAMORM_TYPE_MEMORY_BACKEND, "memory", 0);
}
