/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-error.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-snapshot.h"
#include "dynamorm-testing-private.h"

/**
 * DynamormSnapshot:
 *
 * A copy of every table of a `memory://` backend, to restore later.
 *
 * A test suite loads its fixture once (see [class@Dynamorm.Fixture]),
 * takes a snapshot, and restores it before each test: the tables, their
 * indexes and settings and all items come back as they were, and every
 * table created since is gone. Taking and restoring copy packed items
 * (no JSON), so restoring even a large fixture costs little; see
 * `docs/testing.md` for figures.
 *
 * A snapshot can be restored into the backend it was taken from or into
 * any other `memory://` backend of the process (such as a fresh
 * `memory://` per test), as often as needed. It is dropped with the last
 * reference. Snapshots are a feature of the memory backend; calls also go
 * through a backend that forwards calls to one, such as
 * [class@Dynamorm.RequestSpy]. Other backends refuse them with
 * %DYNAMORM_ERROR_NOT_SUPPORTED.
 *
 * ```c
 * snapshot = dynamorm_snapshot_new (dynamorm_session_get_backend (session), NULL, &error);
 * ... each test: ...
 * dynamorm_snapshot_restore (snapshot, NULL, NULL, &error);
 * ```
 */

struct _DynamormSnapshot
{
  GObject parent_instance;

  DynamormBackend *backend;
  char *id;
  guint table_count;
  guint64 item_count;
};

G_DEFINE_FINAL_TYPE (DynamormSnapshot, dynamorm_snapshot, G_TYPE_OBJECT)

static JsonObject *
id_request (DynamormSnapshot *self)
{
  JsonObject *request = json_object_new ();

  json_object_set_string_member (request, "SnapshotId", self->id);
  return request;
}

static void
dynamorm_snapshot_finalize (GObject *object)
{
  DynamormSnapshot *self = DYNAMORM_SNAPSHOT (object);

  if (self->id != NULL)
    {
      g_autoptr(JsonObject) answer = NULL;
      g_autoptr(GError) error = NULL;

      answer = _dynamorm_testing_call (self->backend, "DynamormDropSnapshot", id_request (self), NULL, &error);
      if (answer == NULL)
        g_debug ("Snapshot %s was not dropped: %s", self->id, error->message);
    }
  g_free (self->id);
  g_clear_object (&self->backend);
  G_OBJECT_CLASS (dynamorm_snapshot_parent_class)->finalize (object);
}

static void
dynamorm_snapshot_class_init (DynamormSnapshotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dynamorm_snapshot_finalize;
}

static void
dynamorm_snapshot_init (DynamormSnapshot *self)
{
}

static gboolean
read_answer (DynamormSnapshot *self, JsonObject *answer, GError **error)
{
  const char *id = json_object_get_string_member_with_default (answer, "SnapshotId", NULL);

  if (id == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                   _("The backend answered DynamormTakeSnapshot without a SnapshotId"));
      return FALSE;
    }
  self->id = g_strdup (id);
  self->table_count = (guint) json_object_get_int_member_with_default (answer, "TableCount", 0);
  self->item_count = (guint64) json_object_get_int_member_with_default (answer, "ItemCount", 0);
  return TRUE;
}

/**
 * dynamorm_snapshot_new:
 * @backend: a `memory://` backend, or a backend in front of one
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Takes a snapshot of every table of @backend.
 *
 * Returns: (transfer full): the snapshot, or %NULL on error
 */
DynamormSnapshot *
dynamorm_snapshot_new (DynamormBackend  *backend,
                       GCancellable     *cancellable,
                       GError          **error)
{
  g_autoptr(DynamormSnapshot) self = NULL;
  g_autoptr(JsonObject) answer = NULL;

  g_return_val_if_fail (DYNAMORM_IS_BACKEND (backend), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  answer = _dynamorm_testing_call (backend, "DynamormTakeSnapshot", json_object_new (), cancellable, error);
  if (answer == NULL)
    return NULL;
  self = g_object_new (DYNAMORM_TYPE_SNAPSHOT, NULL);
  self->backend = g_object_ref (backend);
  if (!read_answer (self, answer, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * dynamorm_snapshot_restore:
 * @self: a #DynamormSnapshot
 * @backend: (nullable): the `memory://` backend to restore into, or %NULL
 *   for the one the snapshot was taken from
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Replaces every table of @backend with the snapshot's tables and items.
 * Tables created after the snapshot are dropped, and transaction
 * idempotency tokens are forgotten.
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_snapshot_restore (DynamormSnapshot  *self,
                           DynamormBackend   *backend,
                           GCancellable      *cancellable,
                           GError           **error)
{
  g_autoptr(JsonObject) answer = NULL;

  g_return_val_if_fail (DYNAMORM_IS_SNAPSHOT (self), FALSE);
  g_return_val_if_fail (backend == NULL || DYNAMORM_IS_BACKEND (backend), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  answer = _dynamorm_testing_call (backend != NULL ? backend : self->backend, "DynamormRestoreSnapshot",
                                   id_request (self), cancellable, error);
  return answer != NULL;
}

/**
 * dynamorm_snapshot_get_backend:
 * @self: a #DynamormSnapshot
 *
 * Gets the backend the snapshot was taken from.
 *
 * Returns: (transfer none): the backend
 */
DYNAMORM_DEFINE_GETTER (DynamormBackend *, dynamorm_snapshot_get_backend,
                        DynamormSnapshot, DYNAMORM_IS_SNAPSHOT, backend, NULL)

/**
 * dynamorm_snapshot_get_table_count:
 * @self: a #DynamormSnapshot
 *
 * Gets the number of tables the snapshot holds.
 *
 * Returns: the number of tables
 */
DYNAMORM_DEFINE_GETTER (guint, dynamorm_snapshot_get_table_count,
                        DynamormSnapshot, DYNAMORM_IS_SNAPSHOT, table_count, 0)

/**
 * dynamorm_snapshot_get_item_count:
 * @self: a #DynamormSnapshot
 *
 * Gets the number of items the snapshot holds, over all tables.
 *
 * Returns: the number of items
 */
DYNAMORM_DEFINE_GETTER (guint64, dynamorm_snapshot_get_item_count,
                        DynamormSnapshot, DYNAMORM_IS_SNAPSHOT, item_count, 0)
