/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-type.h: the ten DynamoDB AttributeValue types, shared by the core and
 * the memory engine (the packed item format stores them as one byte). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  DDB_TYPE_INVALID = 0,
  DDB_TYPE_S, DDB_TYPE_N, DDB_TYPE_B, DDB_TYPE_BOOL, DDB_TYPE_NULL,
  DDB_TYPE_SS, DDB_TYPE_NS, DDB_TYPE_BS, DDB_TYPE_L, DDB_TYPE_M,
} DdbType;

const char *ddb_type_name (DdbType type);              /* "S", "N", ...; NULL if invalid */
DdbType ddb_type_from_name (const char *name);         /* DDB_TYPE_INVALID if unknown */

G_END_DECLS
