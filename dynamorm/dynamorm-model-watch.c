/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-model-watch.c: a model object kept current with its item. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-private.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-model-watch.h"

/**
 * DynamormModelWatch:
 *
 * Keeps a model object you hold current with its item in the table.
 *
 * ```c
 * watch = dynamorm_model_watch_new (session, DYNAMORM_MODEL (task), &error);
 * g_signal_connect (task, "notify::title", G_CALLBACK (on_title), self);
 * g_signal_connect (watch, "removed", G_CALLBACK (on_removed), self);
 * ```
 *
 * The watch follows a [class@Dynamorm.ChangeFeed] of the model's table
 * (from now). When the item changes, the properties whose stored values
 * differ are set on the object (one `notify` each) and
 * [signal@Dynamorm.ModelWatch::changed] names them; when the item is
 * deleted, [signal@Dynamorm.ModelWatch::removed] is emitted and the object
 * keeps its last values.
 *
 * Both signals say whether the change came from this process. On the
 * memory backend's in-process feed every change did (the engine lives in the
 * process). On a stream (DynamoDB Local, memory with a stream) records carry
 * no writer, so a change counts as this process's when the object already
 * held the new values, which is the case for writes made through this
 * object (a put or update of it); a write of the same values by another
 * process is counted as this process's too, and a removal as another's
 * unless the feed is in-process.
 *
 * Each watch runs its own feed: watch a handful of objects (those on
 * screen), and use a [class@Dynamorm.LiveQuery] for lists.
 */
struct _DynamormModelWatch
{
  GObject parent_instance;

  DynamormModel *model;
  DynamormChangeFeed *feed;
  char *key;
  gboolean removed;
};

enum {
  SIGNAL_CHANGED,
  SIGNAL_REMOVED,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (DynamormModelWatch, dynamorm_model_watch, G_TYPE_OBJECT)

static char *
key_text (DynamormModel *model)
{
  g_autoptr(JsonNode) key = model ? dynamorm_model_get_key (model, NULL) : NULL;

  return key ? ddb_json_to_string (key) : NULL;
}

static gboolean
in_process (DynamormModelWatch *self)
{
  return dynamorm_change_feed_get_source (self->feed) == DYNAMORM_CHANGE_FEED_SOURCE_IN_PROCESS;
}

static void
on_record (DynamormChangeFeed *feed, DynamormStreamRecord *record, DynamormModelWatch *self)
{
  DynamormModel *after = dynamorm_stream_record_get_new_image (record);
  DynamormModel *before = dynamorm_stream_record_get_old_image (record);
  g_autofree char *key = key_text (after ? after : before);
  g_auto(GStrv) changed = NULL;

  if (g_strcmp0 (key, self->key) != 0)
    return;
  if (dynamorm_stream_record_get_event_name (record) == DYNAMORM_STREAM_EVENT_REMOVE)
    {
      self->removed = TRUE;
      g_signal_emit (self, signals[SIGNAL_REMOVED], 0, in_process (self));
      return;
    }
  if (after == NULL)
    return;   /* KEYS_ONLY or OLD_IMAGE stream: nothing to apply */
  self->removed = FALSE;
  changed = _dynamorm_model_update_from (self->model, after);
  if (changed == NULL)
    {
      const char *const none[] = { NULL };
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0, none, TRUE);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, changed, in_process (self));
}

static void
on_failed (DynamormChangeFeed *feed, GError *error, DynamormModelWatch *self)
{
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
}

/**
 * dynamorm_model_watch_new:
 * @session: the session to follow the table through
 * @model: the object to keep current (its key properties set)
 * @error: return location for a #GError
 *
 * Starts watching @model's item on the thread-default main context.
 *
 * Returns: (transfer full): a new #DynamormModelWatch, or %NULL when
 *   @model's key is not set (%DYNAMORM_ERROR_INVALID_ARGUMENT)
 */
DynamormModelWatch *
dynamorm_model_watch_new (DynamormSession  *session,
                          DynamormModel    *model,
                          GError          **error)
{
  g_autoptr(DynamormModelWatch) self = NULL;
  g_autoptr(JsonNode) key = NULL;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);
  g_return_val_if_fail (DYNAMORM_IS_MODEL (model), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  key = dynamorm_model_get_key (model, error);
  if (key == NULL)
    return NULL;
  self = g_object_new (DYNAMORM_TYPE_MODEL_WATCH, NULL);
  self->model = g_object_ref (model);
  self->key = ddb_json_to_string (key);
  self->feed = dynamorm_change_feed_new (session, G_OBJECT_TYPE (model));
  g_signal_connect_object (self->feed, "record", G_CALLBACK (on_record), self, 0);
  g_signal_connect_object (self->feed, "failed", G_CALLBACK (on_failed), self, 0);
  dynamorm_change_feed_start (self->feed, NULL);
  return g_steal_pointer (&self);
}

/**
 * dynamorm_model_watch_get_model:
 * @self: a #DynamormModelWatch
 *
 * Gets the model object the watch keeps current.
 *
 * Returns: (transfer none): the watched object
 */
DYNAMORM_DEFINE_GETTER (DynamormModel *, dynamorm_model_watch_get_model,
                        DynamormModelWatch, DYNAMORM_IS_MODEL_WATCH, model, NULL)

/**
 * dynamorm_model_watch_get_feed:
 * @self: a #DynamormModelWatch
 *
 * Gets the change feed the watch reads.
 *
 * Returns: (transfer none): the change feed the watch follows
 */
DYNAMORM_DEFINE_GETTER (DynamormChangeFeed *, dynamorm_model_watch_get_feed,
                        DynamormModelWatch, DYNAMORM_IS_MODEL_WATCH, feed, NULL)

/**
 * dynamorm_model_watch_is_removed:
 * @self: a #DynamormModelWatch
 *
 * Tells whether the watched item was deleted.
 *
 * Returns: whether the item was deleted (and not written again) since the
 *   watch started
 */
DYNAMORM_DEFINE_GETTER (gboolean, dynamorm_model_watch_is_removed,
                        DynamormModelWatch, DYNAMORM_IS_MODEL_WATCH, removed, FALSE)

/**
 * dynamorm_model_watch_stop:
 * @self: a #DynamormModelWatch
 *
 * Stops watching; the object keeps its values.
 */
void
dynamorm_model_watch_stop (DynamormModelWatch *self)
{
  g_return_if_fail (DYNAMORM_IS_MODEL_WATCH (self));
  if (self->feed != NULL)
    dynamorm_change_feed_stop (self->feed);
}

static void
dynamorm_model_watch_dispose (GObject *object)
{
  DynamormModelWatch *self = DYNAMORM_MODEL_WATCH (object);

  if (self->feed != NULL)
    dynamorm_change_feed_stop (self->feed);
  g_clear_object (&self->feed);
  G_OBJECT_CLASS (dynamorm_model_watch_parent_class)->dispose (object);
}

static void
dynamorm_model_watch_finalize (GObject *object)
{
  DynamormModelWatch *self = DYNAMORM_MODEL_WATCH (object);

  g_clear_object (&self->model);
  g_free (self->key);
  G_OBJECT_CLASS (dynamorm_model_watch_parent_class)->finalize (object);
}

static void
dynamorm_model_watch_class_init (DynamormModelWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dynamorm_model_watch_dispose;
  object_class->finalize = dynamorm_model_watch_finalize;

  /**
   * DynamormModelWatch::changed:
   * @watch: the watch
   * @properties: (array zero-terminated=1): the properties set on the
   *   object (empty when it already held the new values)
   * @from_this_process: whether the change came from this process (see
   *   the class description for what a stream can tell)
   *
   * The item was written; the object now holds its values.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRV, G_TYPE_BOOLEAN);
  /**
   * DynamormModelWatch::removed:
   * @watch: the watch
   * @from_this_process: whether the deletion came from this process (known
   *   on the in-process feed only; %FALSE on a stream)
   *
   * The item was deleted; the object keeps its last values.
   */
  signals[SIGNAL_REMOVED] =
    g_signal_new ("removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /**
   * DynamormModelWatch::failed:
   * @watch: the watch
   * @error: what went wrong and what to do
   *
   * The watch's feed failed: the object is no longer kept current.
   */
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
dynamorm_model_watch_init (DynamormModelWatch *self)
{
}
