/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-table-private.h: what DynamormTable, DynamormTableOptions and
 * DynamormDataMigration share (the options' fields, DescribeTable readers,
 * the session call); never installed. */
#pragma once

#include "dynamorm-private.h"

G_BEGIN_DECLS

typedef struct {
  DynamormProjection projection;
  char **non_key_attributes;
} IndexProjection;

struct _DynamormTableOptions
{
  GObject parent_instance;

  GHashTable *projections;      /* index name -> IndexProjection* */
  gboolean provisioned;
  guint64 read_units;
  guint64 write_units;
  DynamormStreamViewType stream;
  gboolean stream_set;
  gboolean ttl_enabled;
  guint timeout_s;
  guint poll_ms;
  gboolean drop_indexes;
};

JsonNode   *_dynamorm_table_object_node_new      (JsonObject **out);
JsonNode   *_dynamorm_table_request_new          (const char  *table_name,
                                                  JsonObject **out);
JsonObject *_dynamorm_table_member_object        (JsonObject  *obj,
                                                  const char  *name);
JsonArray  *_dynamorm_table_member_array         (JsonObject  *obj,
                                                  const char  *name);
const char *_dynamorm_table_member_string        (JsonObject  *obj,
                                                  const char  *name);
const char *_dynamorm_table_key_schema_attribute (JsonObject  *obj,
                                                  const char  *key_type);
char       *_dynamorm_table_describe_key         (JsonObject  *item,
                                                  const char  *hash,
                                                  const char  *range);
void        _dynamorm_table_call                 (DynamormSession     *session,
                                                  GTask               *task,
                                                  const char          *operation,
                                                  JsonNode            *request,
                                                  GAsyncReadyCallback  callback);

G_END_DECLS
