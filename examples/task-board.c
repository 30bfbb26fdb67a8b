/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* task-board: a GTK 4 task board on a live query.
 *
 * Two windows share memory://board (or DYNAMORM_URI): each lists the tasks
 * of board "home" from a DynamormLiveQuery in a GtkListView, adds tasks,
 * marks them done with a check button and deletes the selected one; a change
 * made in one window shows in the other.
 *
 *   task-board                  run it
 *   task-board --self-test PNG  add a task through the second window, wait
 *                               until the first window's list shows it, mark
 *                               it done and rename it in the second window,
 *                               wait until the first window shows both, save the first
 *                               window as PNG and exit 0 (1 on failure or
 *                               after 20 s) */
#include <gtk/gtk.h>
#include <dynamorm.h>

#define TASK_TYPE (task_get_type ())
G_DECLARE_FINAL_TYPE (Task, task, TASK, ITEM, DynamormModel)

struct _Task
{
  DynamormModel parent_instance;
  char *board;
  char *id;
  char *title;
  gboolean done;
};

enum { PROP_0, PROP_BOARD, PROP_ID, PROP_TITLE, PROP_DONE, N_PROPS };
static GParamSpec *task_props[N_PROPS];

G_DEFINE_FINAL_TYPE (Task, task, DYNAMORM_TYPE_MODEL)

static void
task_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  Task *self = TASK_ITEM (object);

  if (id == PROP_DONE)
    g_value_set_boolean (value, self->done);
  else
    g_value_set_string (value, id == PROP_BOARD ? self->board : id == PROP_ID ? self->id : self->title);
}

static void
task_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  Task *self = TASK_ITEM (object);
  char **slot = id == PROP_BOARD ? &self->board : id == PROP_ID ? &self->id : &self->title;

  if (id == PROP_DONE)
    {
      if (self->done != g_value_get_boolean (value))
        {
          self->done = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      return;
    }
  g_free (*slot);
  *slot = g_value_dup_string (value);
}

static void
task_finalize (GObject *object)
{
  Task *self = TASK_ITEM (object);

  g_free (self->board);
  g_free (self->id);
  g_free (self->title);
  G_OBJECT_CLASS (task_parent_class)->finalize (object);
}

static void
task_class_init (TaskClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = task_get_property;
  object_class->set_property = task_set_property;
  object_class->finalize = task_finalize;
  task_props[PROP_BOARD] = g_param_spec_string ("board", NULL, NULL, NULL, G_PARAM_READWRITE);
  task_props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READWRITE);
  task_props[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, G_PARAM_READWRITE);
  task_props[PROP_DONE] = g_param_spec_boolean ("done", NULL, NULL, FALSE,
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, task_props);
}

static void
task_init (Task *self)
{
}

/* One window */

typedef struct
{
  DynamormSession *session;
  DynamormLiveQuery *live;
  GtkSingleSelection *selection;
  GtkEntry *entry;
  GtkWindow *window;
} Board;

/* Saves a task's new state through the session; the live queries of both
 * windows then show it. */
static void
save_task (Board *board, Task *task)
{
  g_autoptr(GError) error = NULL;

  if (!dynamorm_session_put (board->session, DYNAMORM_MODEL (task), NULL, &error))
    g_warning ("Could not save the task: %s", error->message);
}

static void
on_done_toggled (GtkCheckButton *check, Board *board)
{
  GtkListItem *item = g_object_get_data (G_OBJECT (check), "list-item");
  Task *task = item != NULL ? gtk_list_item_get_item (item) : NULL;

  /* the binding below sets the check from the task too: only a click differs */
  if (task == NULL || task->done == gtk_check_button_get_active (check))
    return;
  g_object_set (task, "done", gtk_check_button_get_active (check), NULL);
  save_task (board, task);
}

/* A title edited in place (double-click, Enter) is saved when editing ends. */
static void
on_title_editing (GtkEditableLabel *label, GParamSpec *pspec, Board *board)
{
  GtkListItem *item = g_object_get_data (G_OBJECT (label), "list-item");
  Task *task = item != NULL ? gtk_list_item_get_item (item) : NULL;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (label));

  if (task == NULL || gtk_editable_label_get_editing (label) || *text == '\0' ||
      g_strcmp0 (text, task->title) == 0)
    return;
  g_object_set (task, "title", text, NULL);
  save_task (board, task);
}

static void
setup_row (GtkSignalListItemFactory *factory, GtkListItem *item, Board *board)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *label = gtk_editable_label_new ("");

  g_object_set_data (G_OBJECT (check), "list-item", item);
  g_object_set_data (G_OBJECT (label), "list-item", item);
  g_signal_connect (check, "toggled", G_CALLBACK (on_done_toggled), board);
  g_signal_connect (label, "notify::editing", G_CALLBACK (on_title_editing), board);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (row), check);
  gtk_box_append (GTK_BOX (row), label);
  gtk_list_item_set_child (item, row);
}

static void
drop_binding (gpointer binding)
{
  g_binding_unbind (binding);   /* a no-op when the task went first */
  g_object_unref (binding);
}

/* Rows are recycled: the bindings of the previous task go in unbind_row. */
static void
bind_row (GtkSignalListItemFactory *factory, GtkListItem *item, Board *board)
{
  GtkWidget *check = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *label = gtk_widget_get_next_sibling (check);
  Task *task = gtk_list_item_get_item (item);
  GBinding *title = g_object_bind_property (task, "title", label, "text", G_BINDING_SYNC_CREATE);
  GBinding *done = g_object_bind_property (task, "done", check, "active", G_BINDING_SYNC_CREATE);

  g_object_set_data_full (G_OBJECT (item), "title-binding", g_object_ref (title),
                          drop_binding);
  g_object_set_data_full (G_OBJECT (item), "done-binding", g_object_ref (done),
                          drop_binding);
}

static void
unbind_row (GtkSignalListItemFactory *factory, GtkListItem *item, Board *board)
{
  g_object_set_data (G_OBJECT (item), "title-binding", NULL);
  g_object_set_data (G_OBJECT (item), "done-binding", NULL);
}

static void
add_task (Board *board, const char *title)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time ());
  g_autoptr(Task) task = g_object_new (TASK_TYPE, "board", "home", "id", id, "title", title, NULL);
  g_autoptr(GError) error = NULL;

  if (!dynamorm_session_put (board->session, DYNAMORM_MODEL (task), NULL, &error))
    g_warning ("Could not add the task: %s", error->message);
}

static void
on_add (GtkButton *button, Board *board)
{
  const char *title = gtk_editable_get_text (GTK_EDITABLE (board->entry));

  if (*title != '\0')
    add_task (board, title);
  gtk_editable_set_text (GTK_EDITABLE (board->entry), "");
}

static void
on_delete (GtkButton *button, Board *board)
{
  DynamormModel *task = gtk_single_selection_get_selected_item (board->selection);
  g_autoptr(GError) error = NULL;

  if (task != NULL && !dynamorm_session_delete (board->session, task, NULL, &error))
    g_warning ("Could not delete the task: %s", error->message);
}

static Board *
board_new (GtkApplication *app, DynamormSession *session, const char *title)
{
  Board *board = g_new0 (Board, 1);
  g_autoptr(DynamormQuery) query = dynamorm_query_new (session, TASK_TYPE);
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *add = gtk_button_new_with_label ("Add");
  GtkWidget *delete = gtk_button_new_with_label ("Delete selected");
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view;

  board->session = g_object_ref (session);
  dynamorm_query_where (query, "board", DYNAMORM_OPERATOR_EQ, "home");
  board->live = dynamorm_live_query_new (query);
  board->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (board->live)));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), board);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), board);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), board);
  view = gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (board->selection)), factory);
  board->entry = GTK_ENTRY (gtk_entry_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (board->entry), TRUE);
  g_signal_connect (add, "clicked", G_CALLBACK (on_add), board);
  g_signal_connect (delete, "clicked", G_CALLBACK (on_delete), board);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (board->entry));
  gtk_box_append (GTK_BOX (row), add);
  gtk_box_append (GTK_BOX (row), delete);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), row);
  gtk_box_append (GTK_BOX (box), scrolled);
  board->window = GTK_WINDOW (gtk_application_window_new (app));
  gtk_window_set_title (board->window, title);
  gtk_window_set_default_size (board->window, 420, 300);
  gtk_window_set_child (board->window, box);
  gtk_window_present (board->window);
  return board;
}

/* The self-test */

static const char *screenshot_path;
static Board *first, *second;
static int status = 1;

static gboolean
save_screenshot (GtkWidget *widget, const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL || renderer == NULL)
    return FALSE;
  texture = gsk_renderer_render_texture (renderer, node, NULL);
  return gdk_texture_save_to_png (texture, path);
}

static Task *
only_task (Board *board)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (board->live)) != 1)
    return NULL;
  return g_list_model_get_item (G_LIST_MODEL (board->live), 0);
}

/* Step 1: the task added in the second window shows in the first; then it
 * is edited in the second window (marked done, renamed). Step 2: the first
 * window's task (the same object, updated in place) shows both; a few frames
 * later the window is saved. */
static gboolean
check_first_window (gpointer app)
{
  static guint step = 1, ticks;
  g_autoptr(Task) task = only_task (first);
  g_autoptr(Task) theirs = NULL;

  if (task == NULL)
    return G_SOURCE_CONTINUE;
  if (step == 1 && g_strcmp0 (task->title, "Buy milk") == 0)
    {
      g_print ("ok: the first window lists “%s” added in the second\n", task->title);
      theirs = only_task (second);
      if (theirs == NULL)
        return G_SOURCE_CONTINUE;
      g_object_set (theirs, "done", TRUE, "title", "Buy oat milk", NULL);
      save_task (second, theirs);
      step = 2;
      return G_SOURCE_CONTINUE;
    }
  if (step == 1 || !task->done || g_strcmp0 (task->title, "Buy oat milk") != 0 ||
      ++ticks <= 5)   /* a few frames to draw it */
    return G_SOURCE_CONTINUE;
  status = save_screenshot (GTK_WIDGET (first->window), screenshot_path) ? 0 : 1;
  g_print ("%s: the first window shows the task renamed “%s” and done in the second\n",
           status == 0 ? "ok" : "screenshot failed", task->title);
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

static gboolean
give_up (gpointer app)
{
  g_printerr ("the first window did not show the task, or it done, within 20 s\n");
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

static void
on_second_loaded (DynamormLiveQuery *live, GParamSpec *pspec, gpointer app)
{
  add_task (second, "Buy milk");
  g_timeout_add (50, check_first_window, app);
}

static void
on_activate (GtkApplication *app, gpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *uri = g_getenv ("DYNAMORM_URI") ? g_getenv ("DYNAMORM_URI") : "memory://board";
  g_autoptr(DynamormSession) session = dynamorm_session_new (uri, &error);
  g_autoptr(DynamormTableOptions) options = dynamorm_table_options_new ();
  g_autoptr(DynamormTable) table = NULL;

  if (session == NULL)
    {
      g_printerr ("%s\n", error->message);
      return;
    }
  dynamorm_table_options_set_stream (options, DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES);
  table = dynamorm_table_new (session, TASK_TYPE, options);
  if (!dynamorm_table_ensure (table, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return;
    }
  first = board_new (app, session, "Tasks");
  second = board_new (app, session, "Tasks (second window)");
  if (screenshot_path != NULL)
    {
      g_signal_connect (second->live, "notify::loaded", G_CALLBACK (on_second_loaded), app);
      g_timeout_add_seconds (20, give_up, app);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr(GtkApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  static const char *tags[] = { "board=pk", "id=sk", NULL };

  if (argc == 3 && g_str_equal (argv[1], "--self-test"))
    screenshot_path = argv[2];
  if (!dynamorm_model_type_declare (TASK_TYPE, "task_board", tags, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  app = gtk_application_new ("org.dynamorm.TaskBoard", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  g_application_run (G_APPLICATION (app), 1, argv);
  return screenshot_path != NULL ? status : 0;
}
