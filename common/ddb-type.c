/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-type.c: AttributeValue type names. */
#include "ddb-type.h"

#include <string.h>

static const char *const type_names[] = {
  [DDB_TYPE_INVALID] = NULL,
  [DDB_TYPE_S] = "S", [DDB_TYPE_N] = "N", [DDB_TYPE_B] = "B",
  [DDB_TYPE_BOOL] = "BOOL", [DDB_TYPE_NULL] = "NULL",
  [DDB_TYPE_SS] = "SS", [DDB_TYPE_NS] = "NS", [DDB_TYPE_BS] = "BS",
  [DDB_TYPE_L] = "L", [DDB_TYPE_M] = "M",
};

const char *
ddb_type_name (DdbType type)
{
  if (type <= DDB_TYPE_INVALID || type > DDB_TYPE_M)
    return NULL;
  return type_names[type];
}

DdbType
ddb_type_from_name (const char *name)
{
  if (name == NULL)
    return DDB_TYPE_INVALID;
  /* Dispatch on the first byte: this runs for every value we touch. */
  switch (name[0])
    {
    case 'S':
      if (name[1] == '\0') return DDB_TYPE_S;
      if (name[1] == 'S' && name[2] == '\0') return DDB_TYPE_SS;
      break;
    case 'N':
      if (name[1] == '\0') return DDB_TYPE_N;
      if (name[1] == 'S' && name[2] == '\0') return DDB_TYPE_NS;
      if (strcmp (name, "NULL") == 0) return DDB_TYPE_NULL;
      break;
    case 'B':
      if (name[1] == '\0') return DDB_TYPE_B;
      if (name[1] == 'S' && name[2] == '\0') return DDB_TYPE_BS;
      if (strcmp (name, "BOOL") == 0) return DDB_TYPE_BOOL;
      break;
    case 'L':
      if (name[1] == '\0') return DDB_TYPE_L;
      break;
    case 'M':
      if (name[1] == '\0') return DDB_TYPE_M;
      break;
    default:
      break;
    }
  return DDB_TYPE_INVALID;
}
