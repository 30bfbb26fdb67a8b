/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-packed.h: the packed item, one flat allocation per DynamoDB item.
 *
 * Why: a json-glib item costs a JsonObject (a GHashTable and a GQueue) per
 * AttributeValue and a few hundred allocations per 10-attribute item. The
 * memory engine stores items packed, and the core hands whole-model
 * PutItem/GetItem to the memory backend packed (the direct path), so the
 * two share this one format.
 *
 * Layout (host byte order, no alignment; strings keep a trailing NUL that
 * their length does not count, so readers can hand them out directly):
 *   item   := u32 count, count * (u32 namelen, name, NUL, u32 valuelen, value)
 *   value  := u8 DdbType, payload
 *   S N B  := u32 len, bytes, NUL        (N canonical at the top level, as
 *                                         written inside L and M; B as base64 text)
 *   BOOL NULL := u8
 *   SS NS BS := u32 count, count * (u32 len, bytes, NUL)
 *   L      := u32 count, count * value
 *   M      := item
 *
 * Writers produce well-formed packed items; readers here trust them (they
 * never leave the process). The engine checks a packed item from the core
 * against DynamoDB's rules before storing it (ddb_blob_check). */
#pragma once

#include <string.h>
#include <json-glib/json-glib.h>
#include "ddb-type.h"

G_BEGIN_DECLS

/* ---- Writing ---- */

/* Grows out by n bytes and returns where they start: one call per value
 * part rather than one g_byte_array_append() per field of it. */
static inline guint8 *
ddb_packed_reserve (GByteArray *out, guint n)
{
  guint at = out->len;

  g_byte_array_set_size (out, at + n);
  return out->data + at;
}

static inline void
ddb_packed_put_u32 (GByteArray *out, guint32 v)
{
  memcpy (ddb_packed_reserve (out, 4), &v, 4);
}

void ddb_packed_put_str (GByteArray *out, const char *s, gsize len);
/* Back-patches the u32 at offset (a count or a length written as 0). */
void ddb_packed_patch_u32 (GByteArray *out, guint offset, guint32 v);

/* An item or map: begin writes a zero count and returns its offset; pass
 * the number of attributes written to end. */
guint ddb_packed_begin_item (GByteArray *out);
void ddb_packed_end_item (GByteArray *out, guint mark, guint32 count);
/* One attribute: its name, then exactly one value, then end. */
guint ddb_packed_begin_attr (GByteArray *out, const char *name, gsize len);
void ddb_packed_end_attr (GByteArray *out, guint mark);

/* Values. put_scalar takes S, N (canonical text) or B (base64 text);
 * put_flag BOOL or NULL. A set is begin_list (SS, NS or BS), put_str per
 * member, end_list with the count; a list (L) is the same with a whole
 * value per element. */
void ddb_packed_put_scalar (GByteArray *out, DdbType type, const char *text, gsize len);
/* A whole attribute of one scalar value: begin_attr, put_scalar and
 * end_attr in one write. */
void ddb_packed_put_scalar_attr (GByteArray *out, const char *name, gsize name_len, DdbType type,
                                 const char *text, gsize len);
void ddb_packed_put_flag (GByteArray *out, DdbType type, gboolean value);
guint ddb_packed_begin_list (GByteArray *out, DdbType type);
void ddb_packed_end_list (GByteArray *out, guint mark, guint32 count);

/* A well-formed AttributeValue in DynamoDB JSON ({"S": "x"}, ...), or an item
 * of them; top-level numbers are written canonical, numbers inside L and M
 * as they are (DynamoDB Local returns them as written). */
void ddb_packed_put_json_value (GByteArray *out, JsonNode *av);
void ddb_packed_put_json_item (GByteArray *out, JsonObject *attrs);

/* ---- Reading ---- */

static inline guint32
ddb_packed_get_u32 (const guint8 **p)
{
  guint32 v;

  memcpy (&v, *p, 4);
  *p += 4;
  return v;
}

static inline const char *
ddb_packed_get_str (const guint8 **p, guint32 *len_out)
{
  guint32 len = ddb_packed_get_u32 (p);
  const char *s = (const char *) *p;

  *p += len + 1;
  if (len_out)
    *len_out = len;
  return s;
}

/* Walks an item's attributes in order. */
typedef struct {
  const guint8 *p;
  guint32 left;
} DdbPackedIter;

void ddb_packed_iter_init (DdbPackedIter *iter, const guint8 *item);
/* value points at the attribute's type byte. */
gboolean ddb_packed_iter_next (DdbPackedIter *iter, const char **name, guint32 *name_len,
                               const guint8 **value);

/* The length in bytes of a packed item: the end of its last attribute. */
gsize ddb_packed_item_len (const guint8 *item);

/* The value of attribute name, or NULL. */
const guint8 *ddb_packed_find (const guint8 *item, const char *name);
/* Into DynamoDB JSON: fresh trees that share nothing. */
JsonObject *ddb_packed_to_json_item (const guint8 *item);
JsonNode *ddb_packed_to_json_value (const guint8 *value);
/* The same as DynamoDB JSON text appended to out, with no tree in between:
 * the text ddb_json_print() writes for the trees above. */
void ddb_packed_print_item (GString *out, const guint8 *item);
void ddb_packed_print_value (GString *out, const guint8 *value);

G_END_DECLS
