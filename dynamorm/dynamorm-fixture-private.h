/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-fixture-private.h: reading fixture item files (one DynamoDB
 * JSON item per line, as DynamoDB's export to S3 writes them, or a JSON
 * array), with the key attributes checked when they are known. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One item read from a file, and where it was: "items.json:3". */
typedef struct {
  JsonObject *item;
  char *origin;
} DynamormFixtureItem;

void _dynamorm_fixture_item_free (gpointer item);

/* A key attribute of a table: name and type letter (S, N, B). */
typedef struct {
  char *name;
  char type;
} DynamormFixtureKey;

/* One table of a fixture. */
typedef struct {
  char *name;                /* without the session's prefix */
  JsonObject *create;        /* CreateTable request; NULL for a model's table */
  GType model_type;
  DynamormFixtureKey keys[2];
  guint n_keys;
  GPtrArray *items;          /* DynamormFixtureItem* */
} DynamormFixtureTableInfo;

/* dynamorm-fixture-load.c: creates the tables and writes their items, or
 * leaves nothing behind; deletes them again. */
typedef struct _DynamormSession DynamormSession;
gboolean _dynamorm_fixture_load_tables (GPtrArray *tables, DynamormSession *session,
                                        GCancellable *cancellable, GError **error);
gboolean _dynamorm_fixture_unload_tables (GPtrArray *tables, DynamormSession *session,
                                          GCancellable *cancellable, GError **error);

/* Reads every item of file, or none: fails with the file, the line and the
 * problem. keys: the table's key attributes to check (name NULL: none). */
GPtrArray *_dynamorm_fixture_read_items (GFile                    *file,
                                         const DynamormFixtureKey *keys,
                                         guint                     n_keys,
                                         GCancellable             *cancellable,
                                         GError                  **error);

G_END_DECLS
