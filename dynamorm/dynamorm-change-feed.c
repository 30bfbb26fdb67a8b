/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-change-feed.c: a table's committed changes as stream records on
 * the caller's main context, read from the table's DynamoDB stream through
 * ordinary wire requests, or from the memory backend's in-process hook. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-private.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-properties-private.h"
#include "dynamorm-change-feed.h"
#include "dynamorm-enums.h"

/**
 * DynamormChangeFeed:
 *
 * The committed changes of one table, delivered one
 * [class@Dynamorm.StreamRecord] at a time on the main context that was the
 * thread default when [method@Dynamorm.ChangeFeed.start] was called.
 *
 * ```c
 * feed = dynamorm_change_feed_new (session, DEMO_TYPE_TASK);
 * if (saved != NULL && !dynamorm_change_feed_set_checkpoint (feed, saved, &error))
 *   return FALSE;
 * g_signal_connect (feed, "record", G_CALLBACK (on_record), self);
 * g_signal_connect (feed, "failed", G_CALLBACK (on_failed), self);
 * dynamorm_change_feed_start (feed, NULL);
 * ...
 * save_text (dynamorm_change_feed_get_checkpoint (feed));
 * ```
 *
 * When the table has a stream (see [method@Dynamorm.TableOptions.set_stream]),
 * the feed reads it with DescribeStream, GetShardIterator and GetRecords sent
 * through the session's backend like any other request: shards are read
 * parents first, closed shards to their end, new shards from their start.
 * When nothing arrives the feed waits 50 ms, doubling to 1 s; throttling
 * (the Streams API's LimitExceededException included) and other retryable
 * failures wait 0.5 s, doubling to 10 s, and go on. On the
 * memory backend every committed change also wakes the feed at once.
 *
 * Without a checkpoint the feed starts from "now": it takes a LATEST
 * iterator on each open shard, then emits
 * [signal@Dynamorm.ChangeFeed::ready]; every change committed after that is
 * delivered. A shard counts as finished only when GetRecords answers no next
 * iterator (closed and read to its end), never because an answer was empty.
 * [method@Dynamorm.ChangeFeed.get_checkpoint] saves the position (per shard,
 * the sequence number of the last record delivered) as a string, and a feed
 * started from it delivers exactly the records after it: none missed, none
 * repeated. A record counts as delivered once its
 * [signal@Dynamorm.ChangeFeed::record] handlers have run. The one exception:
 * a shard on which nothing was delivered since a start from now has no
 * sequence number yet; the checkpoint says "latest" for it and a feed
 * started from it reads that shard from LATEST again, so changes made to
 * it while no feed ran are not delivered.
 *
 * On the memory backend a table without a stream is fed in-process (every
 * change, as it commits); such a feed has no checkpoint.
 *
 * Failures that going on cannot fix (no stream and no in-process hook,
 * records after the checkpoint trimmed, a checkpoint of another stream, the
 * stream disabled) stop the feed and emit
 * [signal@Dynamorm.ChangeFeed::failed] with an error saying what to do. A
 * running feed holds a reference on itself until it stops.
 */

#define CHECKPOINT_VERSION 1
#define IDLE_WAIT_MIN_MS 50
#define IDLE_WAIT_MAX_MS 1000
#define RETRY_WAIT_MIN_MS 500
#define RETRY_WAIT_MAX_MS 10000
#define STREAMS_OP(name) "DynamoDBStreams_20120810." name

typedef struct
{
  char *id;
  char *parent_id;
  char *last_sequence;  /* the last record delivered (or passed), or NULL */
  char *iterator;       /* NULL: ask GetShardIterator */
  gboolean done;        /* closed and read to its end */
  gboolean from_latest; /* started from "now" (LATEST), nothing delivered yet:
                         * the position is the iterator, not a sequence */
  gboolean reasked;     /* the iterator was asked again after a trim error */
} Shard;

/* The in-process hook's side: the backend emits item-changed on the writing
 * thread with its engine locked, so the handler only queues the record (or a
 * wake-up) for the feed's context. Reference counted, because the signal can
 * be running on another thread while the feed goes away. */
typedef struct
{
  gatomicrefcount ref_count;
  GMutex lock;
  GQueue records;       /* JsonNode*, in commit order */
  gboolean scheduled;
  gboolean wake_only;   /* stream mode: records come from GetRecords */
  char *table_name;
  GMainContext *context;
  GWeakRef feed;
} Relay;

struct _DynamormChangeFeed
{
  GObject parent_instance;

  DynamormSession *session;
  GType model_type;
  char *table_name;

  /* A checkpoint to start from (set_checkpoint): shard id -> Shard. */
  GHashTable *checkpoint;
  char *checkpoint_stream;

  gboolean running;
  gboolean ready;
  gboolean busy;            /* a request is in flight */
  gboolean woken;           /* a change was signalled during the request */
  DynamormChangeFeedSource source;
  GMainContext *context;
  GCancellable *cancellable;
  GSource *cancel_source;
  GSource *wait_source;

  char *stream_arn;
  GPtrArray *shards;        /* Shard*, in the order DescribeStream lists them */
  gboolean need_describe;
  gboolean described;       /* the first DescribeStream pass has ended */
  char *describe_after;     /* ExclusiveStartShardId of the next page */
  gboolean stream_disabled;
  guint cursor;
  guint empty_polls;
  guint idle_wait_ms;
  guint retry_wait_ms;

  DynamormBackend *backend; /* while the hook is connected */
  gulong hook_handler;
  Relay *relay;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_MODEL_TYPE,
  PROP_RUNNING,
  PROP_READY,
  PROP_SOURCE,
  N_PROPS
};

enum {
  SIGNAL_RECORD,
  SIGNAL_READY,
  SIGNAL_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static const gsize property_offsets[N_PROPS] = {
  [PROP_SESSION] = G_STRUCT_OFFSET (DynamormChangeFeed, session),
  [PROP_MODEL_TYPE] = G_STRUCT_OFFSET (DynamormChangeFeed, model_type),
  [PROP_RUNNING] = G_STRUCT_OFFSET (DynamormChangeFeed, running),
  [PROP_READY] = G_STRUCT_OFFSET (DynamormChangeFeed, ready),
  [PROP_SOURCE] = G_STRUCT_OFFSET (DynamormChangeFeed, source),
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (DynamormChangeFeed, dynamorm_change_feed, G_TYPE_OBJECT)

static void step (DynamormChangeFeed *self);

/* Shards */

static void
shard_free (Shard *shard)
{
  g_free (shard->id);
  g_free (shard->parent_id);
  g_free (shard->last_sequence);
  g_free (shard->iterator);
  g_free (shard);
}

static Shard *
shard_new (const char *id, const char *parent_id)
{
  Shard *shard = g_new0 (Shard, 1);

  shard->id = g_strdup (id);
  shard->parent_id = g_strdup (parent_id);
  return shard;
}

static Shard *
find_shard (DynamormChangeFeed *self, const char *id)
{
  for (guint i = 0; self->shards != NULL && i < self->shards->len; i++)
    {
      Shard *shard = self->shards->pdata[i];

      if (g_str_equal (shard->id, id))
        return shard;
    }
  return NULL;
}

/* A shard is read after its parent: the parent is done or unknown (trimmed
 * before the feed saw it). */
static gboolean
shard_readable (DynamormChangeFeed *self, Shard *shard)
{
  Shard *parent;

  if (shard->done)
    return FALSE;
  parent = shard->parent_id ? find_shard (self, shard->parent_id) : NULL;
  return parent == NULL || parent->done;
}

/* The in-process relay */

static Relay *
relay_ref (Relay *relay)
{
  g_atomic_ref_count_inc (&relay->ref_count);
  return relay;
}

static void
relay_unref (Relay *relay)
{
  if (!g_atomic_ref_count_dec (&relay->ref_count))
    return;
  g_queue_clear_full (&relay->records, (GDestroyNotify) json_node_unref);
  g_mutex_clear (&relay->lock);
  g_weak_ref_clear (&relay->feed);
  g_main_context_unref (relay->context);
  g_free (relay->table_name);
  g_free (relay);
}

static Relay *
relay_new (DynamormChangeFeed *self, gboolean wake_only)
{
  Relay *relay = g_new0 (Relay, 1);

  g_atomic_ref_count_init (&relay->ref_count);
  g_mutex_init (&relay->lock);
  g_queue_init (&relay->records);
  g_weak_ref_init (&relay->feed, self);
  relay->wake_only = wake_only;
  relay->table_name = g_strdup (self->table_name);
  relay->context = g_main_context_ref (self->context);
  return relay;
}

static void deliver_in_process (DynamormChangeFeed *self, JsonNode *node);
static void wake (DynamormChangeFeed *self);

static gboolean
relay_dispatch (gpointer data)
{
  Relay *relay = data;
  g_autoptr(DynamormChangeFeed) self = g_weak_ref_get (&relay->feed);
  GQueue records = G_QUEUE_INIT;

  g_mutex_lock (&relay->lock);
  records = relay->records;
  g_queue_init (&relay->records);
  relay->scheduled = FALSE;
  g_mutex_unlock (&relay->lock);

  if (self != NULL && self->relay == relay)
    {
      if (relay->wake_only)
        wake (self);
      for (GList *l = records.head; l != NULL && self->relay == relay; l = l->next)
        deliver_in_process (self, l->data);
    }
  g_queue_clear_full (&records, (GDestroyNotify) json_node_unref);
  return G_SOURCE_REMOVE;
}

/* On the writing thread, engine locked: queue and schedule, nothing else. */
static void
relay_item_changed (GObject    *backend,
                    const char *table_name,
                    JsonNode   *record,
                    gpointer    data)
{
  Relay *relay = data;

  if (g_strcmp0 (table_name, relay->table_name) != 0)
    return;
  g_mutex_lock (&relay->lock);
  if (!relay->wake_only)
    g_queue_push_tail (&relay->records, json_node_copy (record));
  if (!relay->scheduled)
    {
      g_autoptr(GSource) source = g_idle_source_new ();

      relay->scheduled = TRUE;
      g_source_set_static_name (source, "[dynamorm] change feed relay");
      g_source_set_callback (source, relay_dispatch, relay_ref (relay), (GDestroyNotify) relay_unref);
      g_source_attach (source, relay->context);
    }
  g_mutex_unlock (&relay->lock);
}

static gboolean
backend_has_hook (DynamormBackend *backend)
{
  return g_signal_lookup ("item-changed", G_OBJECT_TYPE (backend)) != 0;
}

static void
connect_hook (DynamormChangeFeed *self, gboolean wake_only)
{
  self->backend = g_object_ref (dynamorm_session_get_backend (self->session));
  self->relay = relay_new (self, wake_only);
  self->hook_handler = g_signal_connect_data (self->backend, "item-changed", G_CALLBACK (relay_item_changed),
                                              relay_ref (self->relay), (GClosureNotify) (void (*) (void)) relay_unref, 0);
}

static void
disconnect_hook (DynamormChangeFeed *self)
{
  if (self->hook_handler != 0)
    g_signal_handler_disconnect (self->backend, self->hook_handler);
  self->hook_handler = 0;
  g_clear_object (&self->backend);
  g_clear_pointer (&self->relay, relay_unref);
}

/* Running and stopping */

static void
set_ready (DynamormChangeFeed *self)
{
  self->ready = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
  g_signal_emit (self, signals[SIGNAL_READY], 0);
}

static void
clear_wait (DynamormChangeFeed *self)
{
  if (self->wait_source != NULL)
    {
      g_source_destroy (self->wait_source);
      g_clear_pointer (&self->wait_source, g_source_unref);
    }
}

/* Ends the run; returns TRUE when the feed was running (the caller then
 * drops the run's self-reference). */
static gboolean
halt (DynamormChangeFeed *self)
{
  if (!self->running)
    return FALSE;
  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  clear_wait (self);
  if (self->cancel_source != NULL)
    {
      g_source_destroy (self->cancel_source);
      g_clear_pointer (&self->cancel_source, g_source_unref);
    }
  disconnect_hook (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return TRUE;
}

static void
fail (DynamormChangeFeed *self, GError *error)
{
  g_autoptr(GError) owned = error;

  if (halt (self))
    {
      g_signal_emit (self, signals[SIGNAL_FAILED], 0, owned);
      g_object_unref (self);
    }
}

/**
 * dynamorm_change_feed_stop:
 * @self: a #DynamormChangeFeed
 *
 * Stops the feed: the request in flight is cancelled and no record is
 * delivered after this returns. [method@Dynamorm.ChangeFeed.get_checkpoint]
 * still gives the position reached, to start another feed from. Stopping a
 * feed that is not running does nothing.
 */
void
dynamorm_change_feed_stop (DynamormChangeFeed *self)
{
  g_return_if_fail (DYNAMORM_IS_CHANGE_FEED (self));

  if (halt (self))
    g_object_unref (self);
}

static gboolean
on_cancelled (GCancellable *cancellable, gpointer data)
{
  dynamorm_change_feed_stop (data);
  return G_SOURCE_REMOVE;
}

/* Waiting */

static gboolean
on_wait_over (gpointer data)
{
  DynamormChangeFeed *self = data;

  g_clear_pointer (&self->wait_source, g_source_unref);
  step (self);
  return G_SOURCE_REMOVE;
}

static void
wait_then_step (DynamormChangeFeed *self, guint ms)
{
  clear_wait (self);
  self->wait_source = g_timeout_source_new (ms);
  g_source_set_static_name (self->wait_source, "[dynamorm] change feed wait");
  g_source_set_callback (self->wait_source, on_wait_over, self, NULL);
  g_source_attach (self->wait_source, self->context);
}

static void
wake (DynamormChangeFeed *self)
{
  if (!self->running)
    return;
  self->idle_wait_ms = IDLE_WAIT_MIN_MS;
  self->empty_polls = 0;
  if (self->busy)
    self->woken = TRUE;
  else if (self->wait_source != NULL)
    {
      clear_wait (self);
      step (self);
    }
}

/* A request failed: retryable failures wait and go on, the others stop
 * the feed. Returns TRUE when the caller should return (stopped or
 * waiting). */
static void
request_failed (DynamormChangeFeed *self, GError *error, const char *what)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->running)
    {
      g_error_free (error);
      return;
    }
  /* the Streams API throttles with LimitExceededException (a limit error
   * for DynamoDB's own calls, which the feed does not make here) */
  if (dynamorm_error_is_retryable (error) ||
      g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_LIMIT_EXCEEDED))
    {
      g_debug ("change feed of %s: %s failed, retrying in %u ms: %s", self->table_name, what,
               self->retry_wait_ms, error->message);
      g_error_free (error);
      wait_then_step (self, self->retry_wait_ms);
      self->retry_wait_ms = MIN (self->retry_wait_ms * 2, RETRY_WAIT_MAX_MS);
      return;
    }
  g_prefix_error (&error, _("The change feed of table “%s” stopped (%s): "), self->table_name, what);
  fail (self, error);
}

/* Adds a "name": "value" member to a request or checkpoint being built. */
static void
add_string_member (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
send (DynamormChangeFeed *self, const char *operation, JsonBuilder *builder, GAsyncReadyCallback callback)
{
  g_autoptr(JsonNode) request = json_builder_get_root (builder);

  self->busy = TRUE;
  self->woken = FALSE;
  dynamorm_session_call_async (self->session, operation, request, self->cancellable, callback, g_object_ref (self));
}

static JsonNode *
finish (DynamormChangeFeed *self, GAsyncResult *result, GError **error)
{
  self->busy = FALSE;
  return dynamorm_session_call_finish (self->session, result, error);
}

/* The table */

static gboolean
use_in_process (DynamormChangeFeed *self, GError **error)
{
  if (!backend_has_hook (dynamorm_session_get_backend (self->session)))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_SUPPORTED,
                   _("Table “%s” has no stream, so there are no changes to follow: enable one with "
                     "TableOptions.set_stream (NEW_AND_OLD_IMAGES) and Table.ensure or Table.migrate, "
                     "then start the feed again"), self->table_name);
      return FALSE;
    }
  if (self->checkpoint != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("Table “%s” has no stream, and a checkpoint can only be resumed from a stream: "
                     "enable one with TableOptions.set_stream and Table.ensure, or start without "
                     "a checkpoint to follow in-process changes"), self->table_name);
      return FALSE;
    }
  self->source = DYNAMORM_CHANGE_FEED_SOURCE_IN_PROCESS;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE]);
  connect_hook (self, FALSE);
  return TRUE;
}

static gboolean
use_stream (DynamormChangeFeed *self, const char *arn, GError **error)
{
  if (self->checkpoint_stream != NULL && !g_str_equal (self->checkpoint_stream, arn))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The checkpoint belongs to stream %s, but table “%s” now streams to %s (the stream "
                     "was disabled and enabled again, or the table recreated): the changes in between "
                     "are lost; start the feed without a checkpoint and reload the data"),
                   self->checkpoint_stream, self->table_name, arn);
      return FALSE;
    }
  self->source = DYNAMORM_CHANGE_FEED_SOURCE_STREAM;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE]);
  self->stream_arn = g_strdup (arn);
  self->shards = g_ptr_array_new_with_free_func ((GDestroyNotify) shard_free);
  self->need_describe = TRUE;
  if (backend_has_hook (dynamorm_session_get_backend (self->session)))
    connect_hook (self, TRUE);
  return TRUE;
}

static const char *
enabled_stream_arn (JsonNode *response)
{
  JsonObject *table, *spec;

  if (!JSON_NODE_HOLDS_OBJECT (response) ||
      (table = json_object_get_object_member (json_node_get_object (response), "Table")) == NULL)
    return NULL;
  spec = json_object_has_member (table, "StreamSpecification")
           ? json_object_get_object_member (table, "StreamSpecification") : NULL;
  if (spec == NULL || !json_object_get_boolean_member_with_default (spec, "StreamEnabled", FALSE))
    return NULL;
  return json_object_get_string_member_with_default (table, "LatestStreamArn", NULL);
}

static void
on_describe_table (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr(DynamormChangeFeed) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = finish (self, result, &error);
  const char *arn;
  gboolean ok;

  if (response == NULL)
    return request_failed (self, g_steal_pointer (&error), "DescribeTable");
  if (!self->running)
    return;
  arn = enabled_stream_arn (response);
  ok = arn != NULL ? use_stream (self, arn, &error) : use_in_process (self, &error);
  if (!ok)
    return fail (self, g_steal_pointer (&error));
  if (self->source == DYNAMORM_CHANGE_FEED_SOURCE_IN_PROCESS)
    return set_ready (self);
  step (self);
}

/* DescribeStream */

static void
add_described_shard (DynamormChangeFeed *self, JsonObject *described)
{
  const char *id = json_object_get_string_member_with_default (described, "ShardId", NULL);
  JsonObject *range;
  Shard *shard, *saved;

  if (id == NULL || find_shard (self, id) != NULL)
    return;
  shard = shard_new (id, json_object_get_string_member_with_default (described, "ParentShardId", NULL));
  range = json_object_has_member (described, "SequenceNumberRange")
            ? json_object_get_object_member (described, "SequenceNumberRange") : NULL;
  saved = self->checkpoint ? g_hash_table_lookup (self->checkpoint, id) : NULL;
  if (saved != NULL)
    {
      shard->last_sequence = g_strdup (saved->last_sequence);
      shard->done = saved->done;
      shard->from_latest = saved->from_latest;
    }
  else if (!self->described && self->checkpoint == NULL)
    {
      /* Starting from now: closed shards are history, open ones are read
       * from LATEST (just after their last record). */
      if (range != NULL && json_object_has_member (range, "EndingSequenceNumber"))
        shard->done = TRUE;
      else
        shard->from_latest = TRUE;
    }
  g_ptr_array_add (self->shards, shard);
}

/* Checkpoint shards the stream no longer lists were trimmed: unless read to
 * their end, records after the checkpoint are lost. */
static gboolean
check_checkpoint_shards (DynamormChangeFeed *self, GError **error)
{
  GHashTableIter iter;
  Shard *saved;

  if (self->checkpoint == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, self->checkpoint);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &saved))
    if (!saved->done && find_shard (self, saved->id) == NULL)
      {
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND,
                     _("Shard %s of the checkpoint is gone from the stream of table “%s” (its records "
                       "expired after 24 hours): the changes after the checkpoint are lost; start the "
                       "feed without a checkpoint and reload the data"), saved->id, self->table_name);
        return FALSE;
      }
  return TRUE;
}

static void
on_describe_stream (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr(DynamormChangeFeed) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = finish (self, result, &error);
  JsonObject *description;
  JsonArray *shards;

  if (response == NULL)
    return request_failed (self, g_steal_pointer (&error), "DescribeStream");
  if (!self->running)
    return;
  description = JSON_NODE_HOLDS_OBJECT (response)
                  ? json_object_get_object_member (json_node_get_object (response), "StreamDescription") : NULL;
  shards = description && json_object_has_member (description, "Shards")
             ? json_object_get_array_member (description, "Shards") : NULL;
  if (shards == NULL)
    return fail (self, g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                                    _("DescribeStream answered without a “Shards” list for the stream of table “%s”"),
                                    self->table_name));
  for (guint i = 0; i < json_array_get_length (shards); i++)
    add_described_shard (self, json_array_get_object_element (shards, i));
  g_free (self->describe_after);
  self->describe_after = g_strdup (json_object_get_string_member_with_default (description, "LastEvaluatedShardId", NULL));
  if (self->describe_after != NULL)
    return step (self);
  self->stream_disabled = g_strcmp0 (json_object_get_string_member_with_default (description, "StreamStatus", NULL),
                                     "DISABLED") == 0;
  self->need_describe = FALSE;
  if (!self->described && !check_checkpoint_shards (self, &error))
    return fail (self, g_steal_pointer (&error));
  self->described = TRUE;
  self->retry_wait_ms = RETRY_WAIT_MIN_MS;
  step (self);
}

static void
describe_stream (DynamormChangeFeed *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string_member (builder, "StreamArn", self->stream_arn);
  if (self->describe_after != NULL)
    add_string_member (builder, "ExclusiveStartShardId", self->describe_after);
  json_builder_end_object (builder);
  send (self, STREAMS_OP ("DescribeStream"), builder, on_describe_stream);
}

/* GetShardIterator */

typedef struct
{
  DynamormChangeFeed *feed;
  char *shard_id;
} ShardCall;

static ShardCall *
shard_call_new (DynamormChangeFeed *self, Shard *shard)
{
  ShardCall *call = g_new0 (ShardCall, 1);

  call->feed = self;
  call->shard_id = g_strdup (shard->id);
  return call;
}

static void
shard_call_free (ShardCall *call)
{
  g_object_unref (call->feed);
  g_free (call->shard_id);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShardCall, shard_call_free)

static void
send_for_shard (DynamormChangeFeed *self, Shard *shard, const char *operation,
                JsonBuilder *builder, GAsyncReadyCallback callback)
{
  g_autoptr(JsonNode) request = json_builder_get_root (builder);

  self->busy = TRUE;
  self->woken = FALSE;
  dynamorm_session_call_async (self->session, operation, request, self->cancellable, callback,
                               shard_call_new (g_object_ref (self), shard));
}

static GError *
trimmed_error (DynamormChangeFeed *self, const char *shard_id)
{
  return g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND,
                      _("The records of shard %s of table “%s” after the feed’s position were trimmed "
                        "(stream records are kept 24 hours): changes are lost; start the feed without a "
                        "checkpoint (from now) and reload the data"), shard_id, self->table_name);
}

static void
on_shard_iterator (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr(ShardCall) call = data;
  DynamormChangeFeed *self = call->feed;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = finish (self, result, &error);
  Shard *shard = find_shard (self, call->shard_id);
  const char *iterator;

  if (response == NULL)
    {
      if (g_strcmp0 (dynamorm_error_get_service_error (error), "TrimmedDataAccessException") == 0)
        return fail (self, trimmed_error (self, call->shard_id));
      return request_failed (self, g_steal_pointer (&error), "GetShardIterator");
    }
  if (!self->running || shard == NULL)
    return;
  iterator = JSON_NODE_HOLDS_OBJECT (response)
               ? json_object_get_string_member_with_default (json_node_get_object (response), "ShardIterator", NULL)
               : NULL;
  if (iterator == NULL)
    shard->done = TRUE;   /* a closed shard read to its end */
  shard->iterator = g_strdup (iterator);
  self->retry_wait_ms = RETRY_WAIT_MIN_MS;
  step (self);
}

static void
get_shard_iterator (DynamormChangeFeed *self, Shard *shard)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string_member (builder, "StreamArn", self->stream_arn);
  add_string_member (builder, "ShardId", shard->id);
  /* After DynamoDB Local's trim error on an empty shard (see on_get_records)
   * a shard started from now is read from TRIM_HORIZON: LATEST again would
   * skip what was written since the start. */
  add_string_member (builder, "ShardIteratorType", shard->last_sequence ? "AFTER_SEQUENCE_NUMBER"
                                                   : shard->from_latest && !shard->reasked ? "LATEST"
                                                   : "TRIM_HORIZON");
  if (shard->last_sequence != NULL)
    add_string_member (builder, "SequenceNumber", shard->last_sequence);
  json_builder_end_object (builder);
  send_for_shard (self, shard, STREAMS_OP ("GetShardIterator"), builder, on_shard_iterator);
}

/* GetRecords */

static const char *
record_sequence (JsonNode *record)
{
  JsonObject *obj = JSON_NODE_HOLDS_OBJECT (record) ? json_node_get_object (record) : NULL;
  JsonObject *ddb = obj && json_object_has_member (obj, "dynamodb")
                      ? json_object_get_object_member (obj, "dynamodb") : NULL;

  return ddb ? json_object_get_string_member_with_default (ddb, "SequenceNumber", NULL) : NULL;
}

/* Delivers the records of one answer. Returns FALSE when the feed stopped
 * on the way. */
static gboolean
deliver_records (DynamormChangeFeed *self, Shard *shard, JsonArray *records)
{
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonNode *node = json_array_get_element (records, i);
      const char *sequence = record_sequence (node);
      g_autoptr(DynamormStreamRecord) record = NULL;
      g_autoptr(GError) error = NULL;

      if (sequence == NULL)
        {
          fail (self, g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                                   _("GetRecords answered a record without a sequence number for table “%s”"),
                                   self->table_name));
          return FALSE;
        }
      record = dynamorm_stream_record_new_from_node (node, self->model_type, &error);
      if (record == NULL)
        {
          g_prefix_error (&error, _("The change feed of table “%s” stopped on a record it cannot read: "),
                          self->table_name);
          fail (self, g_steal_pointer (&error));
          return FALSE;
        }
      g_free (shard->last_sequence);
      shard->last_sequence = g_strdup (sequence);
      shard->from_latest = FALSE;
      g_signal_emit (self, signals[SIGNAL_RECORD], 0, record);
      if (!self->running)
        return FALSE;
    }
  return TRUE;
}

static void
after_poll (DynamormChangeFeed *self, Shard *shard, guint n_records)
{
  guint readable = 0;

  if (shard->done)
    self->need_describe = TRUE;  /* closed: its children come next */
  if (n_records > 0 || self->woken || shard->done)
    {
      self->empty_polls = 0;
      self->idle_wait_ms = IDLE_WAIT_MIN_MS;
      return step (self);
    }
  for (guint i = 0; i < self->shards->len; i++)
    readable += shard_readable (self, self->shards->pdata[i]) ? 1 : 0;
  if (++self->empty_polls < readable)
    return step (self);
  self->empty_polls = 0;
  wait_then_step (self, self->idle_wait_ms);
  self->idle_wait_ms = MIN (self->idle_wait_ms * 2, IDLE_WAIT_MAX_MS);
}

static void
on_get_records (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr(ShardCall) call = data;
  DynamormChangeFeed *self = call->feed;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = finish (self, result, &error);
  Shard *shard = find_shard (self, call->shard_id);
  JsonObject *obj;
  JsonArray *records;
  const char *service_error = error ? dynamorm_error_get_service_error (error) : NULL;

  if (response == NULL && shard != NULL && g_strcmp0 (service_error, "ExpiredIteratorException") == 0)
    {
      g_clear_pointer (&shard->iterator, g_free);   /* ask again from the position */
      return step (self);
    }
  /* DynamoDB Local answers TrimmedDataAccessException for an iterator taken
   * on an empty shard once other tables' writes moved its sequence numbers
   * on: ask once more from the position (TRIM_HORIZON when nothing was read,
   * which trims nothing we have not seen); a real trim fails GetShardIterator. */
  if (response == NULL && shard != NULL && !shard->reasked &&
      g_strcmp0 (service_error, "TrimmedDataAccessException") == 0)
    {
      shard->reasked = TRUE;
      g_clear_pointer (&shard->iterator, g_free);
      return step (self);
    }
  if (response == NULL && g_strcmp0 (service_error, "TrimmedDataAccessException") == 0)
    return fail (self, trimmed_error (self, call->shard_id));
  if (response == NULL)
    return request_failed (self, g_steal_pointer (&error), "GetRecords");
  if (!self->running || shard == NULL)
    return;
  obj = JSON_NODE_HOLDS_OBJECT (response) ? json_node_get_object (response) : NULL;
  records = obj && json_object_has_member (obj, "Records") ? json_object_get_array_member (obj, "Records") : NULL;
  if (records == NULL)
    return fail (self, g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                                    _("GetRecords answered without a “Records” list for table “%s”"),
                                    self->table_name));
  self->retry_wait_ms = RETRY_WAIT_MIN_MS;
  shard->reasked = FALSE;
  g_free (shard->iterator);
  shard->iterator = g_strdup (json_object_get_string_member_with_default (obj, "NextShardIterator", NULL));
  if (!deliver_records (self, shard, records))
    return;
  /* Only a closed shard read to its end has no next iterator; an empty
   * answer with one says nothing (DynamoDB may answer empty before the
   * records further on). */
  if (shard->iterator == NULL)
    shard->done = TRUE;
  after_poll (self, shard, json_array_get_length (records));
}

static void
get_records (DynamormChangeFeed *self, Shard *shard)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string_member (builder, "ShardIterator", shard->iterator);
  json_builder_end_object (builder);
  send_for_shard (self, shard, STREAMS_OP ("GetRecords"), builder, on_get_records);
}

/* The loop */

/* Starting from now, an open shard without its LATEST iterator yet: the
 * feed is ready once every one has it, as "now" is fixed by the iterators. */
static Shard *
shard_without_position (DynamormChangeFeed *self)
{
  for (guint i = 0; i < self->shards->len; i++)
    {
      Shard *shard = self->shards->pdata[i];

      if (shard->from_latest && shard->iterator == NULL && shard_readable (self, shard))
        return shard;
    }
  return NULL;
}

static Shard *
next_readable_shard (DynamormChangeFeed *self)
{
  guint n = self->shards->len;

  for (guint k = 0; k < n; k++)
    {
      Shard *shard = self->shards->pdata[(self->cursor + k) % n];

      if (shard_readable (self, shard))
        {
          self->cursor = (self->cursor + k + 1) % n;
          return shard;
        }
    }
  return NULL;
}

static void
nothing_to_read (DynamormChangeFeed *self)
{
  if (self->stream_disabled)
    return fail (self, g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND,
                                    _("The stream of table “%s” was disabled and every record was delivered: "
                                      "enable the stream again (TableOptions.set_stream and Table.migrate) "
                                      "and start a new feed without a checkpoint"), self->table_name));
  /* Every known shard is closed: look for new ones after a while. */
  self->need_describe = TRUE;
  wait_then_step (self, self->idle_wait_ms);
  self->idle_wait_ms = MIN (self->idle_wait_ms * 2, IDLE_WAIT_MAX_MS);
}

static void
step (DynamormChangeFeed *self)
{
  Shard *shard;

  if (!self->running || self->busy || self->wait_source != NULL)
    return;
  if (self->need_describe)
    return describe_stream (self);
  if (!self->ready)
    {
      shard = shard_without_position (self);
      if (shard != NULL)
        return get_shard_iterator (self, shard);
      set_ready (self);
      if (!self->running)
        return;
    }
  shard = next_readable_shard (self);
  if (shard == NULL)
    return nothing_to_read (self);
  if (shard->iterator == NULL)
    get_shard_iterator (self, shard);
  else
    get_records (self, shard);
}

/* In-process records */

static void
deliver_in_process (DynamormChangeFeed *self, JsonNode *node)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormStreamRecord) record = NULL;

  if (!self->running)
    return;
  record = dynamorm_stream_record_new_from_node (node, self->model_type, &error);
  if (record == NULL)
    {
      g_prefix_error (&error, _("The change feed of table “%s” stopped on a record it cannot read: "),
                      self->table_name);
      return fail (self, g_steal_pointer (&error));
    }
  g_signal_emit (self, signals[SIGNAL_RECORD], 0, record);
}

/* The caller's cancellable cancels the run's (any thread). */
static void
cancel_run (GCancellable *caller, gpointer run)
{
  g_cancellable_cancel (run);
}

/**
 * dynamorm_change_feed_start:
 * @self: a #DynamormChangeFeed
 * @cancellable: (nullable): a #GCancellable that stops the feed, or %NULL
 *
 * Starts delivering changes on the thread-default main context of the
 * calling thread: [signal@Dynamorm.ChangeFeed::ready] once the feed has its
 * position, then [signal@Dynamorm.ChangeFeed::record] for each change, in
 * commit order for each item. Failures come as
 * [signal@Dynamorm.ChangeFeed::failed]. Starting a running feed does
 * nothing.
 */
void
dynamorm_change_feed_start (DynamormChangeFeed *self,
                            GCancellable       *cancellable)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_if_fail (DYNAMORM_IS_CHANGE_FEED (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (self->running)
    return;
  g_object_ref (self);   /* dropped when the run ends */
  self->running = TRUE;
  self->ready = FALSE;
  self->described = FALSE;
  self->stream_disabled = FALSE;
  self->source = DYNAMORM_CHANGE_FEED_SOURCE_NONE;
  self->idle_wait_ms = IDLE_WAIT_MIN_MS;
  self->retry_wait_ms = RETRY_WAIT_MIN_MS;
  g_clear_pointer (&self->describe_after, g_free);
  if (self->shards != NULL && self->stream_arn != NULL)
    {
      /* A restart goes on from where the last run stopped. */
      g_free (self->checkpoint_stream);
      self->checkpoint_stream = g_strdup (self->stream_arn);
      g_clear_pointer (&self->checkpoint, g_hash_table_unref);
      self->checkpoint = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) shard_free);
      for (guint i = 0; i < self->shards->len; i++)
        {
          Shard *old = self->shards->pdata[i];
          Shard *saved = shard_new (old->id, old->parent_id);

          saved->last_sequence = g_strdup (old->last_sequence);
          saved->done = old->done;
          saved->from_latest = old->from_latest;
          g_hash_table_insert (self->checkpoint, saved->id, saved);
        }
    }
  g_clear_pointer (&self->shards, g_ptr_array_unref);
  g_clear_pointer (&self->stream_arn, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->cancel_source = g_cancellable_source_new (self->cancellable);
  g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (on_cancelled), self, NULL);
  g_source_attach (self->cancel_source, self->context);
  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (cancel_run),
                           g_object_ref (self->cancellable), g_object_unref);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  json_builder_begin_object (builder);
  add_string_member (builder, "TableName", self->table_name);
  json_builder_end_object (builder);
  send (self, "DescribeTable", builder, on_describe_table);
}

/* Checkpoints */

static void
add_checkpoint_shard (JsonBuilder *builder, Shard *shard)
{
  json_builder_begin_object (builder);
  add_string_member (builder, "id", shard->id);
  if (shard->parent_id != NULL)
    add_string_member (builder, "parent", shard->parent_id);
  if (shard->last_sequence != NULL)
    add_string_member (builder, "sequence", shard->last_sequence);
  else if (shard->from_latest)
    {
      /* No record yet since a start from now: LATEST again. */
      json_builder_set_member_name (builder, "latest");
      json_builder_add_boolean_value (builder, TRUE);
    }
  json_builder_set_member_name (builder, "done");
  json_builder_add_boolean_value (builder, shard->done);
  json_builder_end_object (builder);
}

/**
 * dynamorm_change_feed_get_checkpoint:
 * @self: a #DynamormChangeFeed
 *
 * Gets the feed's position: for each shard of the stream, the sequence
 * number of the last record delivered. Save it and pass it to
 * [method@Dynamorm.ChangeFeed.set_checkpoint] of a later feed (another run
 * of the program) to go on without missing or repeating a record.
 *
 * Returns: (transfer full) (nullable): the checkpoint as a string, or %NULL
 *   when the feed has no position yet (not [property@Dynamorm.ChangeFeed:ready])
 *   or reads the in-process hook, which has none
 */
char *
dynamorm_change_feed_get_checkpoint (DynamormChangeFeed *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (DYNAMORM_IS_CHANGE_FEED (self), NULL);

  if (self->source != DYNAMORM_CHANGE_FEED_SOURCE_STREAM || !self->ready || self->shards == NULL)
    return NULL;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "dynamorm-change-feed");
  json_builder_add_int_value (builder, CHECKPOINT_VERSION);
  add_string_member (builder, "table", self->table_name);
  add_string_member (builder, "stream", self->stream_arn);
  json_builder_set_member_name (builder, "shards");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->shards->len; i++)
    add_checkpoint_shard (builder, self->shards->pdata[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return ddb_json_to_string (root);
}

static gboolean
bad_checkpoint (GError **error, const char *why)
{
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
               _("This is not a change feed checkpoint (%s): pass the string ChangeFeed.get_checkpoint "
                 "returned, or start without a checkpoint"), why);
  return FALSE;
}

static Shard *
read_checkpoint_shard (JsonNode *node)
{
  JsonObject *obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *id, *parent, *sequence, *done, *latest;
  Shard *shard;

  if (obj == NULL)
    return NULL;
  id = json_object_get_member (obj, "id");
  parent = json_object_get_member (obj, "parent");
  sequence = json_object_get_member (obj, "sequence");
  done = json_object_get_member (obj, "done");
  latest = json_object_get_member (obj, "latest");
  if (id == NULL || json_node_get_value_type (id) != G_TYPE_STRING ||
      (parent != NULL && json_node_get_value_type (parent) != G_TYPE_STRING) ||
      (sequence != NULL && json_node_get_value_type (sequence) != G_TYPE_STRING) ||
      done == NULL || json_node_get_value_type (done) != G_TYPE_BOOLEAN ||
      (latest != NULL && (json_node_get_value_type (latest) != G_TYPE_BOOLEAN || sequence != NULL)))
    return NULL;
  shard = shard_new (json_node_get_string (id), parent ? json_node_get_string (parent) : NULL);
  shard->last_sequence = sequence ? g_strdup (json_node_get_string (sequence)) : NULL;
  shard->done = json_node_get_boolean (done);
  shard->from_latest = latest != NULL && json_node_get_boolean (latest);
  return shard;
}

static gboolean
read_checkpoint_shards (DynamormChangeFeed *self, JsonArray *shards, GError **error)
{
  g_autoptr(GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) shard_free);

  for (guint i = 0; i < json_array_get_length (shards); i++)
    {
      Shard *shard = read_checkpoint_shard (json_array_get_element (shards, i));

      if (shard == NULL)
        return bad_checkpoint (error, _("a shard entry is malformed"));
      g_hash_table_replace (table, shard->id, shard);
    }
  g_clear_pointer (&self->checkpoint, g_hash_table_unref);
  self->checkpoint = g_steal_pointer (&table);
  return TRUE;
}

/**
 * dynamorm_change_feed_set_checkpoint:
 * @self: a #DynamormChangeFeed that is not running
 * @checkpoint: (nullable): a string [method@Dynamorm.ChangeFeed.get_checkpoint]
 *   returned, or %NULL to start from now
 * @error: return location for a #GError
 *
 * Makes the next [method@Dynamorm.ChangeFeed.start] go on after
 * @checkpoint. A checkpoint that is malformed or belongs to another table is
 * refused here; one of an earlier stream of the table, or whose records
 * expired, makes the feed fail when it starts.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
dynamorm_change_feed_set_checkpoint (DynamormChangeFeed  *self,
                                     const char          *checkpoint,
                                     GError             **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) parse_error = NULL;
  JsonObject *obj;
  const char *table, *stream;

  g_return_val_if_fail (DYNAMORM_IS_CHANGE_FEED (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_clear_pointer (&self->shards, g_ptr_array_unref);
  if (checkpoint == NULL)
    {
      g_clear_pointer (&self->checkpoint, g_hash_table_unref);
      g_clear_pointer (&self->checkpoint_stream, g_free);
      return TRUE;
    }
  if (!ddb_json_load (parser, checkpoint, -1, &parse_error))
    return bad_checkpoint (error, parse_error->message);
  obj = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ? json_node_get_object (json_parser_get_root (parser)) : NULL;
  if (obj == NULL || json_object_get_int_member_with_default (obj, "dynamorm-change-feed", 0) != CHECKPOINT_VERSION)
    return bad_checkpoint (error, _("no version 1 marker"));
  table = json_object_get_string_member_with_default (obj, "table", NULL);
  stream = json_object_get_string_member_with_default (obj, "stream", NULL);
  if (table == NULL || stream == NULL || !json_object_has_member (obj, "shards") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (obj, "shards")))
    return bad_checkpoint (error, _("the table, stream or shards are missing"));
  if (!g_str_equal (table, self->table_name))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The checkpoint belongs to table “%s”, not “%s”: pass the checkpoint saved by this "
                     "table’s feed, or start without one"), table, self->table_name);
      return FALSE;
    }
  if (!read_checkpoint_shards (self, json_object_get_array_member (obj, "shards"), error))
    return FALSE;
  g_free (self->checkpoint_stream);
  self->checkpoint_stream = g_strdup (stream);
  return TRUE;
}

/* Accessors */

/**
 * dynamorm_change_feed_is_running:
 * @self: a #DynamormChangeFeed
 *
 * Tells whether the feed is delivering changes.
 *
 * Returns: whether the feed was started and has not stopped or failed
 */
DYNAMORM_DEFINE_GETTER (gboolean, dynamorm_change_feed_is_running,
                        DynamormChangeFeed, DYNAMORM_IS_CHANGE_FEED, running, FALSE)

/**
 * dynamorm_change_feed_is_ready:
 * @self: a #DynamormChangeFeed
 *
 * Tells whether the feed knows where it reads from.
 *
 * Returns: whether the feed has its position: every change committed from
 *   now on will be delivered
 */
DYNAMORM_DEFINE_GETTER (gboolean, dynamorm_change_feed_is_ready,
                        DynamormChangeFeed, DYNAMORM_IS_CHANGE_FEED, ready, FALSE)

/**
 * dynamorm_change_feed_get_source:
 * @self: a #DynamormChangeFeed
 *
 * Gets where the feed reads the table's changes from.
 *
 * Returns: where the feed reads changes from
 */
DYNAMORM_DEFINE_GETTER (DynamormChangeFeedSource, dynamorm_change_feed_get_source,
                        DynamormChangeFeed, DYNAMORM_IS_CHANGE_FEED, source, DYNAMORM_CHANGE_FEED_SOURCE_NONE)

/**
 * dynamorm_change_feed_get_model_type:
 * @self: a #DynamormChangeFeed
 *
 * Gets the model type of the feed's records.
 *
 * Returns: the model type the records' images are read into
 */
DYNAMORM_DEFINE_GETTER (GType, dynamorm_change_feed_get_model_type,
                        DynamormChangeFeed, DYNAMORM_IS_CHANGE_FEED, model_type, G_TYPE_INVALID)

/**
 * dynamorm_change_feed_get_session:
 * @self: a #DynamormChangeFeed
 *
 * Gets the session the feed was made for.
 *
 * Returns: (transfer none): the session the feed reads through
 */
DYNAMORM_DEFINE_GETTER (DynamormSession *, dynamorm_change_feed_get_session,
                        DynamormChangeFeed, DYNAMORM_IS_CHANGE_FEED, session, NULL)

/**
 * dynamorm_change_feed_new:
 * @session: the session to read through
 * @model_type: the #DynamormModel subtype of the table (declared with
 *   [func@Dynamorm.Model.type_declare])
 *
 * Creates a feed of the changes of @model_type's table, not yet started.
 *
 * Returns: (transfer full): a new #DynamormChangeFeed
 */
DynamormChangeFeed *
dynamorm_change_feed_new (DynamormSession *session,
                          GType            model_type)
{
  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);
  g_return_val_if_fail (g_type_is_a (model_type, DYNAMORM_TYPE_MODEL), NULL);

  return g_object_new (DYNAMORM_TYPE_CHANGE_FEED, "session", session, "model-type", model_type, NULL);
}

/* GObject */

static void
dynamorm_change_feed_constructed (GObject *object)
{
  DynamormChangeFeed *self = DYNAMORM_CHANGE_FEED (object);

  G_OBJECT_CLASS (dynamorm_change_feed_parent_class)->constructed (object);
  self->table_name = dynamorm_session_get_table_name (self->session, self->model_type);
}

static void
dynamorm_change_feed_finalize (GObject *object)
{
  DynamormChangeFeed *self = DYNAMORM_CHANGE_FEED (object);

  g_clear_object (&self->session);
  g_free (self->table_name);
  g_clear_pointer (&self->checkpoint, g_hash_table_unref);
  g_free (self->checkpoint_stream);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->cancellable);
  g_free (self->stream_arn);
  g_clear_pointer (&self->shards, g_ptr_array_unref);
  g_free (self->describe_after);
  G_OBJECT_CLASS (dynamorm_change_feed_parent_class)->finalize (object);
}

static void
dynamorm_change_feed_class_init (DynamormChangeFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = dynamorm_change_feed_constructed;
  object_class->finalize = dynamorm_change_feed_finalize;

  /**
   * DynamormChangeFeed:session:
   *
   * The session the feed sends its requests through.
   */
  properties[PROP_SESSION] = _dynamorm_param_spec_session ();
  /**
   * DynamormChangeFeed:model-type:
   *
   * The #DynamormModel subtype whose table the feed follows.
   */
  properties[PROP_MODEL_TYPE] = _dynamorm_param_spec_model_type ();
  /**
   * DynamormChangeFeed:running:
   *
   * Whether the feed was started and has not stopped or failed.
   */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * DynamormChangeFeed:ready:
   *
   * Whether the feed has its position: every change committed after it
   * became ready is delivered.
   */
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * DynamormChangeFeed:source:
   *
   * Where the feed reads changes from, known once it started.
   */
  properties[PROP_SOURCE] =
    g_param_spec_enum ("source", NULL, NULL, DYNAMORM_TYPE_CHANGE_FEED_SOURCE,
                       DYNAMORM_CHANGE_FEED_SOURCE_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  _dynamorm_install_field_properties (object_class, N_PROPS, properties, property_offsets);

  /**
   * DynamormChangeFeed::record:
   * @feed: the feed
   * @record: the change
   *
   * One committed change of the table, in commit order for each item.
   */
  signals[SIGNAL_RECORD] =
    g_signal_new ("record", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, DYNAMORM_TYPE_STREAM_RECORD);
  /**
   * DynamormChangeFeed::ready:
   * @feed: the feed
   *
   * The feed has its position: every change committed from now on will be
   * delivered. A live query runs its query after this.
   */
  signals[SIGNAL_READY] =
    g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  /**
   * DynamormChangeFeed::failed:
   * @feed: the feed
   * @error: what went wrong and what to do
   *
   * The feed stopped on a failure going on could not fix. It is no longer
   * running; its checkpoint is still the last position reached.
   */
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
dynamorm_change_feed_init (DynamormChangeFeed *self)
{
}
