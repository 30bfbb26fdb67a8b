/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-snapshot.h: copies of every table of an engine, to restore later.
 *
 * Tests load a fixture once, take a snapshot, and restore it before each
 * test. A snapshot holds its own copy of every table (schema, indexes,
 * settings and packed items: stored items are immutable blobs, so a copy is
 * one memdup per item and no JSON); restoring replaces all tables of an
 * engine with fresh copies, so one snapshot can be restored any number of
 * times, into any engine, from any thread. A restored table with a stream
 * gets a new stream; the replaced tables' streams are closed. */
#pragma once

#include "ddb-engine.h"

G_BEGIN_DECLS

typedef struct _DdbSnapshot DdbSnapshot;

/* Copies every table of engine (under its lock). */
DdbSnapshot *ddb_engine_take_snapshot (DdbEngine *engine);
/* Replaces every table of engine with the snapshot's, and forgets the
 * transaction idempotency tokens the engine had seen. The first restore
 * into an engine copies every table; later restores of the same snapshot
 * only put back the items written or deleted since (and copy again the
 * tables whose settings changed). */
void ddb_engine_restore_snapshot (DdbEngine *engine, DdbSnapshot *snapshot);
/* Tables and items held. */
guint ddb_snapshot_get_n_tables (DdbSnapshot *snapshot);
guint64 ddb_snapshot_get_n_items (DdbSnapshot *snapshot);
DdbSnapshot *ddb_snapshot_ref (DdbSnapshot *snapshot);
void ddb_snapshot_unref (DdbSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdbSnapshot, ddb_snapshot_unref)

G_END_DECLS
