/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-live-query.c: a query's results as a GListModel kept current by
 * the table's change feed. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-private.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-properties-private.h"
#include "dynamorm-live-query.h"

/**
 * DynamormLiveQuery:
 *
 * The results of a [class@Dynamorm.Query] as a [iface@Gio.ListModel] that
 * stays current: bind it to a `GtkListView` and the view follows the table.
 *
 * ```c
 * DynamormQuery *query = dynamorm_query_new (session, DEMO_TYPE_TASK);
 * dynamorm_query_where (query, "board", DYNAMORM_OP_EQ, &board);
 * live = dynamorm_live_query_new (query);
 * gtk_list_view_set_model (view, GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (live))));
 * ```
 *
 * The live query starts a [class@Dynamorm.ChangeFeed] of the query's table
 * (from now), runs the query once the feed is ready, and then follows the
 * feed: a removed item that is in the list leaves it at once; after an
 * insert or a modify the query runs again (changes arriving together share
 * one run) and the list is brought to its answer with the fewest
 * `items-changed` steps, each with exact positions: items that no longer
 * match leave, items that moved are removed and inserted at their new
 * position, new items are inserted in the query's order. An item that stays
 * keeps its object: its changed properties are set on it, with one
 * `notify` each. So key conditions, filters, index choice and sort order
 * are exactly the query's, as the backend evaluates them.
 *
 * Changes show after the feed delivers them (see
 * [class@Dynamorm.ChangeFeed]: at once on memory://, within about a
 * second on DynamoDB Local) plus one query. Failures of the feed or of a
 * query stop the live query and emit [signal@Dynamorm.LiveQuery::failed];
 * the list keeps its last items.
 */
struct _DynamormLiveQuery
{
  GObject parent_instance;

  DynamormQuery *query;
  DynamormChangeFeed *feed;
  GPtrArray *items;          /* DynamormModel*, in the query's order */
  GPtrArray *keys;           /* char*: each item's key, as JSON text */
  GCancellable *cancellable;
  gboolean loaded;
  gboolean querying;
  gboolean stale;            /* a change arrived while querying */
  guint refresh_source;
};

enum {
  PROP_0,
  PROP_QUERY,
  PROP_LOADED,
  PROP_ITEM_TYPE,
  PROP_N_ITEMS,
  N_PROPS
};

enum {
  SIGNAL_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static const gsize property_offsets[N_PROPS] = {
  [PROP_QUERY] = G_STRUCT_OFFSET (DynamormLiveQuery, query),
  [PROP_LOADED] = G_STRUCT_OFFSET (DynamormLiveQuery, loaded),
};
static guint signals[N_SIGNALS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DynamormLiveQuery, dynamorm_live_query, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

/* GListModel */

static GType
live_query_get_item_type (GListModel *model)
{
  return dynamorm_query_get_model_type (DYNAMORM_LIVE_QUERY (model)->query);
}

static guint
live_query_get_n_items (GListModel *model)
{
  return DYNAMORM_LIVE_QUERY (model)->items->len;
}

static gpointer
live_query_get_item (GListModel *model, guint position)
{
  DynamormLiveQuery *self = DYNAMORM_LIVE_QUERY (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (self->items->pdata[position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = live_query_get_item_type;
  iface->get_n_items = live_query_get_n_items;
  iface->get_item = live_query_get_item;
}

/* Keys */

static char *
model_key (DynamormModel *model)
{
  g_autoptr(JsonNode) key = dynamorm_model_get_key (model, NULL);

  return key ? ddb_json_to_string (key) : NULL;
}

static gint
find_key (GPtrArray *keys, guint from, const char *key)
{
  for (guint i = from; key != NULL && i < keys->len; i++)
    if (g_strcmp0 (keys->pdata[i], key) == 0)
      return (gint) i;
  return -1;
}

/* Steps, each announced with its exact position */

static void
remove_at (DynamormLiveQuery *self, guint position)
{
  g_ptr_array_remove_index (self->items, position);
  g_ptr_array_remove_index (self->keys, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
insert_at (DynamormLiveQuery *self, guint position, DynamormModel *model, char *key)
{
  g_ptr_array_insert (self->items, position, g_object_ref (model));
  g_ptr_array_insert (self->keys, position, key);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Sets on current the stored properties whose values differ in fresh, with
 * one notify each; returns their names (NULL when none changed). Shared with
 * DynamormModelWatch. */
char **
_dynamorm_model_update_from (DynamormModel *current, DynamormModel *fresh)
{
  g_autoptr(JsonNode) before = dynamorm_model_to_item (current, NULL);
  g_autoptr(JsonNode) after = dynamorm_model_to_item (fresh, NULL);
  g_autoptr(GStrvBuilder) changed = g_strv_builder_new ();
  g_autofree GParamSpec **pspecs = NULL;
  g_auto(GStrv) names = NULL;
  guint n_pspecs;
  JsonObject *b, *a;

  if (before == NULL || after == NULL || json_node_equal (before, after))
    return NULL;
  b = json_node_get_object (before);
  a = json_node_get_object (after);
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (current), &n_pspecs);
  g_object_freeze_notify (G_OBJECT (current));
  for (guint i = 0; i < n_pspecs; i++)
    {
      g_autofree char *attribute = NULL;
      JsonNode *old_value, *new_value;

      if ((pspecs[i]->flags & G_PARAM_WRITABLE) == 0 || (pspecs[i]->flags & G_PARAM_CONSTRUCT_ONLY) != 0)
        continue;
      attribute = dynamorm_model_type_get_attribute_name (G_OBJECT_TYPE (current), pspecs[i]->name);
      if (attribute == NULL)
        continue;
      old_value = json_object_get_member (b, attribute);
      new_value = json_object_get_member (a, attribute);
      if ((old_value == NULL) != (new_value == NULL) ||
          (old_value != NULL && !json_node_equal (old_value, new_value)))
        {
          g_auto(GValue) value = G_VALUE_INIT;

          g_value_init (&value, pspecs[i]->value_type);
          g_object_get_property (G_OBJECT (fresh), pspecs[i]->name, &value);
          g_object_set_property (G_OBJECT (current), pspecs[i]->name, &value);
          g_strv_builder_add (changed, pspecs[i]->name);
        }
    }
  g_object_thaw_notify (G_OBJECT (current));
  names = g_strv_builder_end (changed);
  return names[0] != NULL ? g_steal_pointer (&names) : NULL;
}

static void
update_in_place (DynamormModel *current, DynamormModel *fresh)
{
  g_auto(GStrv) changed = _dynamorm_model_update_from (current, fresh);
}

/* The first answer (or one into an empty list) in one step. */
static void
fill (DynamormLiveQuery *self, GListModel *answer, GPtrArray *fresh_keys)
{
  guint n = g_list_model_get_n_items (answer);

  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (self->items, g_list_model_get_item (answer, i));
      g_ptr_array_add (self->keys, g_strdup (fresh_keys->pdata[i]));
    }
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, n);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Marks in keep[] the items of the current list that stay where they are:
 * the longest run of current items that appear in the answer in the same
 * order (a longest increasing subsequence of their answer positions). */
static void
mark_kept (GPtrArray *keys, GPtrArray *fresh_keys, gboolean *keep)
{
  guint n = keys->len;
  g_autofree gint *where = g_new (gint, n);     /* answer position, or -1 */
  g_autofree guint *tails = g_new (guint, n + 1);  /* index of the last of each run length */
  g_autofree gint *before = g_new (gint, n);
  guint length = 0;

  for (guint i = 0; i < n; i++)
    {
      guint lo = 0, hi = length;

      where[i] = find_key (fresh_keys, 0, keys->pdata[i]);
      keep[i] = FALSE;
      if (where[i] < 0)
        continue;
      while (lo < hi)
        {
          guint mid = (lo + hi) / 2;

          if (where[tails[mid]] < where[i])
            lo = mid + 1;
          else
            hi = mid;
        }
      before[i] = lo > 0 ? (gint) tails[lo - 1] : -1;
      tails[lo] = i;
      if (lo == length)
        length++;
    }
  for (gint i = length > 0 ? (gint) tails[length - 1] : -1; i >= 0; i = before[i])
    keep[i] = TRUE;
}

/* Brings the list to the query's answer with exact steps: the items that
 * leave or move are removed (last first), then the answer's other items are
 * inserted at their positions (first first). Items that stay or move keep
 * their object, updated in place. */
static void
apply_answer (DynamormLiveQuery *self, GListModel *answer)
{
  guint n = g_list_model_get_n_items (answer);
  g_autoptr(GPtrArray) fresh_keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) moving = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  g_autofree gboolean *keep = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DynamormModel) model = g_list_model_get_item (answer, i);
      g_ptr_array_add (fresh_keys, model_key (model));
    }
  if (self->items->len == 0 && n > 0)
    return fill (self, answer, fresh_keys);
  keep = g_new (gboolean, self->keys->len + 1);
  mark_kept (self->keys, fresh_keys, keep);
  for (guint i = self->keys->len; i-- > 0;)
    if (!keep[i])
      {
        if (self->keys->pdata[i] != NULL && find_key (fresh_keys, 0, self->keys->pdata[i]) >= 0)
          g_hash_table_replace (moving, g_strdup (self->keys->pdata[i]), g_object_ref (self->items->pdata[i]));
        remove_at (self, i);
      }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DynamormModel) fresh = g_list_model_get_item (answer, i);
      const char *key = fresh_keys->pdata[i];
      DynamormModel *moved = key ? g_hash_table_lookup (moving, key) : NULL;

      if (i < self->keys->len && g_strcmp0 (self->keys->pdata[i], key) == 0)
        update_in_place (self->items->pdata[i], fresh);
      else if (moved != NULL)
        {
          update_in_place (moved, fresh);
          insert_at (self, i, moved, g_strdup (key));
        }
      else
        insert_at (self, i, fresh, g_strdup (key));
    }
}

/* Running the query */

static void fail (DynamormLiveQuery *self, const GError *error);
static void run_query (DynamormLiveQuery *self);

static void
on_answer (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr(DynamormLiveQuery) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) answer = dynamorm_query_all_finish (DYNAMORM_QUERY (object), result, &error);

  self->querying = FALSE;
  if (answer == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, error);
      return;
    }
  apply_answer (self, answer);
  if (!self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }
  if (self->stale)
    run_query (self);
}

static void
run_query (DynamormLiveQuery *self)
{
  if (self->querying)
    {
      self->stale = TRUE;
      return;
    }
  self->querying = TRUE;
  self->stale = FALSE;
  dynamorm_query_all_async (self->query, self->cancellable, on_answer, g_object_ref (self));
}

static gboolean
on_refresh (gpointer data)
{
  DynamormLiveQuery *self = data;

  self->refresh_source = 0;
  run_query (self);
  return G_SOURCE_REMOVE;
}

/* Changes arriving together share one query. */
static void
schedule_refresh (DynamormLiveQuery *self)
{
  if (self->refresh_source == 0 && self->loaded)
    self->refresh_source = g_idle_add_full (G_PRIORITY_DEFAULT, on_refresh, self, NULL);
  else if (!self->loaded)
    self->stale = TRUE;
}

static void
remove_record_item (DynamormLiveQuery *self, DynamormStreamRecord *record)
{
  DynamormModel *old_image = dynamorm_stream_record_get_old_image (record);
  g_autofree char *key = old_image ? model_key (old_image) : NULL;
  gint at = find_key (self->keys, 0, key);

  if (at >= 0)
    remove_at (self, at);
}

static void
on_record (DynamormChangeFeed *feed, DynamormStreamRecord *record, DynamormLiveQuery *self)
{
  if (dynamorm_stream_record_get_event_name (record) == DYNAMORM_STREAM_EVENT_REMOVE &&
      dynamorm_stream_record_get_old_image (record) != NULL)
    {
      if (self->loaded && !self->querying)
        remove_record_item (self, record);
      else
        self->stale = TRUE;
      return;
    }
  schedule_refresh (self);
}

static void
on_ready (DynamormChangeFeed *feed, DynamormLiveQuery *self)
{
  run_query (self);
}

static void
on_feed_failed (DynamormChangeFeed *feed, GError *error, DynamormLiveQuery *self)
{
  fail (self, error);
}

static void
fail (DynamormLiveQuery *self, const GError *error)
{
  dynamorm_live_query_stop (self);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
}

/**
 * dynamorm_live_query_stop:
 * @self: a #DynamormLiveQuery
 *
 * Stops following the table: the feed stops and a query in flight is
 * cancelled. The list keeps its items.
 */
void
dynamorm_live_query_stop (DynamormLiveQuery *self)
{
  g_return_if_fail (DYNAMORM_IS_LIVE_QUERY (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->feed != NULL)
    dynamorm_change_feed_stop (self->feed);
}

/**
 * dynamorm_live_query_new:
 * @query: the query to keep current (not changed afterwards)
 *
 * Creates a live query and starts it on the thread-default main context:
 * the list fills once the first answer arrives
 * ([property@Dynamorm.LiveQuery:loaded]) and follows the table from then
 * on.
 *
 * Returns: (transfer full): a new #DynamormLiveQuery
 */
DynamormLiveQuery *
dynamorm_live_query_new (DynamormQuery *query)
{
  g_return_val_if_fail (DYNAMORM_IS_QUERY (query), NULL);

  return g_object_new (DYNAMORM_TYPE_LIVE_QUERY, "query", query, NULL);
}

/**
 * dynamorm_live_query_get_query:
 * @self: a #DynamormLiveQuery
 *
 * Gets the query whose answer the list holds.
 *
 * Returns: (transfer none): the query the list follows
 */
DYNAMORM_DEFINE_GETTER (DynamormQuery *, dynamorm_live_query_get_query,
                        DynamormLiveQuery, DYNAMORM_IS_LIVE_QUERY, query, NULL)

/**
 * dynamorm_live_query_get_feed:
 * @self: a #DynamormLiveQuery
 *
 * Gets the change feed that keeps the list current.
 *
 * Returns: (transfer none): the change feed the list follows
 */
DYNAMORM_DEFINE_GETTER (DynamormChangeFeed *, dynamorm_live_query_get_feed,
                        DynamormLiveQuery, DYNAMORM_IS_LIVE_QUERY, feed, NULL)

/**
 * dynamorm_live_query_is_loaded:
 * @self: a #DynamormLiveQuery
 *
 * Tells whether the query has run once.
 *
 * Returns: whether the first answer of the query is in the list
 */
DYNAMORM_DEFINE_GETTER (gboolean, dynamorm_live_query_is_loaded,
                        DynamormLiveQuery, DYNAMORM_IS_LIVE_QUERY, loaded, FALSE)

/* GObject */

static void
dynamorm_live_query_constructed (GObject *object)
{
  DynamormLiveQuery *self = DYNAMORM_LIVE_QUERY (object);

  G_OBJECT_CLASS (dynamorm_live_query_parent_class)->constructed (object);
  self->feed = dynamorm_change_feed_new (dynamorm_query_get_session (self->query),
                                         dynamorm_query_get_model_type (self->query));
  g_signal_connect_object (self->feed, "record", G_CALLBACK (on_record), self, 0);
  g_signal_connect_object (self->feed, "ready", G_CALLBACK (on_ready), self, 0);
  g_signal_connect_object (self->feed, "failed", G_CALLBACK (on_feed_failed), self, 0);
  dynamorm_change_feed_start (self->feed, self->cancellable);
}

static void
dynamorm_live_query_dispose (GObject *object)
{
  DynamormLiveQuery *self = DYNAMORM_LIVE_QUERY (object);

  if (self->cancellable != NULL)
    dynamorm_live_query_stop (self);
  g_clear_object (&self->feed);
  G_OBJECT_CLASS (dynamorm_live_query_parent_class)->dispose (object);
}

static void
dynamorm_live_query_finalize (GObject *object)
{
  DynamormLiveQuery *self = DYNAMORM_LIVE_QUERY (object);

  g_clear_object (&self->query);
  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->items);
  g_ptr_array_unref (self->keys);
  G_OBJECT_CLASS (dynamorm_live_query_parent_class)->finalize (object);
}

static void
dynamorm_live_query_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DynamormLiveQuery *self = DYNAMORM_LIVE_QUERY (object);

  switch (prop_id)
    {
    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, dynamorm_query_get_model_type (self->query));
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;
    default:
      _dynamorm_field_get_property (object, prop_id, value, pspec);
    }
}

static void
dynamorm_live_query_class_init (DynamormLiveQueryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = dynamorm_live_query_constructed;
  object_class->dispose = dynamorm_live_query_dispose;
  object_class->finalize = dynamorm_live_query_finalize;

  /**
   * DynamormLiveQuery:query:
   *
   * The query whose answer the list keeps.
   */
  properties[PROP_QUERY] =
    g_param_spec_object ("query", NULL, NULL, DYNAMORM_TYPE_QUERY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * DynamormLiveQuery:loaded:
   *
   * Whether the first answer of the query is in the list.
   */
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * DynamormLiveQuery:item-type:
   *
   * The model type of the items (GListModel's item type).
   */
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", NULL, NULL, DYNAMORM_TYPE_MODEL,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * DynamormLiveQuery:n-items:
   *
   * The number of items in the list.
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  _dynamorm_install_field_properties (object_class, N_PROPS, properties, property_offsets);
  object_class->get_property = dynamorm_live_query_get_property;

  /**
   * DynamormLiveQuery::failed:
   * @live: the live query
   * @error: what went wrong and what to do
   *
   * The feed or a query failed: the list stopped following the table and
   * keeps its items.
   */
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
dynamorm_live_query_init (DynamormLiveQuery *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->keys = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
}
