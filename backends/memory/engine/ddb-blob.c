/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-blob.c: items are stored packed (common/ddb-packed.h): this file is
 * the engine's side of that format. It packs validated request items, reads
 * key values and numbers out of stored items, and checks packed items that
 * arrive from the core's direct path against DynamoDB's rules.
 *
 * Why packed: a json-glib item costs a JsonObject per AttributeValue, and
 * json-glib's reference counts are not atomic, so stored objects could never
 * be shared with a response another thread frees. One flat allocation makes
 * PutItem one encode instead of a deep copy, and reads decode straight into
 * the response's fresh nodes. */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"

/* Containers (M, L) may appear at nesting levels 1..31; as ddb-value.c. */
#define MAX_CONTAINER_DEPTH 31
/* Sets and maps up to this many members are checked for duplicates here;
 * larger ones take the JSON path, whose check is a hash table. */
#define MAX_CHECKED_MEMBERS 64

guint8 *
ddb_blob_encode (JsonObject *attrs, gsize *len_out)
{
  /* One scratch buffer per thread: encoding allocates only the result. */
  static GPrivate scratch_key = G_PRIVATE_INIT ((GDestroyNotify) g_byte_array_unref);
  GByteArray *out = g_private_get (&scratch_key);
  guint8 *blob;

  if (out == NULL)
    {
      out = g_byte_array_sized_new (1024);
      g_private_set (&scratch_key, out);
    }
  g_byte_array_set_size (out, 0);
  ddb_packed_put_json_item (out, attrs);
  blob = g_memdup2 (out->data, out->len);
  if (len_out)
    *len_out = out->len;
  if (out->len > 64 * 1024)
    {
      /* Do not keep a 400 KB scratch buffer around for one big item. */
      g_private_replace (&scratch_key, g_byte_array_sized_new (1024));
    }
  return blob;
}

JsonObject *
ddb_blob_decode (const guint8 *blob)
{
  return ddb_packed_to_json_item (blob);
}

const guint8 *
ddb_blob_find (const guint8 *blob, const char *name)
{
  return ddb_packed_find (blob, name);
}

JsonNode *
ddb_blob_value_decode (const guint8 *value)
{
  return ddb_packed_to_json_value (value);
}

gboolean
ddb_blob_key_value (const guint8 *value, DdbKeyValue *kv)
{
  const guint8 *p = value;
  DdbType type;
  const char *s;
  guint32 len;

  memset (kv, 0, sizeof *kv);
  if (value == NULL)
    return FALSE;
  type = *p++;
  if (type != DDB_TYPE_S && type != DDB_TYPE_N && type != DDB_TYPE_B)
    return FALSE;
  s = ddb_packed_get_str (&p, &len);
  switch (type)
    {
    case DDB_TYPE_S:
      kv->data = g_memdup2 (s, len + 1);
      kv->len = len;
      break;
    case DDB_TYPE_N:
      if (!ddb_number_parse (s, &kv->num, NULL))
        return FALSE;
      break;
    default:
      {
        gsize blen = 0;
        kv->data = (char *) g_base64_decode (s, &blen);
        kv->len = blen;
      }
      break;
    }
  kv->type = type;
  return TRUE;
}

gboolean
ddb_blob_number (const guint8 *value, DdbNumber *out)
{
  const guint8 *p = value;

  if (value == NULL || *p++ != DDB_TYPE_N)
    return FALSE;
  return ddb_number_parse (ddb_packed_get_str (&p, NULL), out, NULL);
}

/* ---- Checking packed items from the direct path ----
 * Accepts only what the JSON path would store as is, and computes the size
 * as ddb_item_size() does; anything else (a limit, an odd value, a
 * malformed buffer) is refused so the caller sends the request as JSON and
 * gets DynamoDB's own answer. */

typedef struct {
  const guint8 *p, *end;
} Reader;

static gboolean
read_u32 (Reader *r, guint32 *v)
{
  if (r->end - r->p < 4)
    return FALSE;
  memcpy (v, r->p, 4);
  r->p += 4;
  return TRUE;
}

static gboolean
read_str (Reader *r, const char **s, guint32 *len)
{
  if (!read_u32 (r, len) || (gsize) (r->end - r->p) < (gsize) *len + 1 || r->p[*len] != '\0')
    return FALSE;
  *s = (const char *) r->p;
  r->p += *len + 1;
  return memchr (*s, '\0', *len) == NULL;
}

/* Top-level numbers are canonical; one inside L or M (depth > 0) may keep
 * the text it was written with, and is sized by its canonical form. */
static gboolean
check_number (const char *s, guint32 len, int depth, gsize *size)
{
  int ndigits;

  if (!ddb_number_text_is_canonical (s, len, &ndigits))
    {
      DdbNumber n;
      g_autofree char *canonical = NULL;

      if (depth == 0 || !ddb_number_parse (s, &n, NULL))
        return FALSE;
      canonical = ddb_number_to_string (&n);
      if (!ddb_number_text_is_canonical (canonical, strlen (canonical), &ndigits))
        return FALSE;
    }
  /* "1 byte per two significant digits, plus 1 byte"; zero is one digit. */
  *size = (MAX (ndigits, 1) + 1) / 2 + 1;
  return TRUE;
}

typedef struct {
  const char *s;
  guint32 len;
} Str;

static gboolean
has_duplicate (const Str *seen, guint n, const char *s, guint32 len)
{
  /* The first byte rules most out without a call (names are never empty;
   * an empty member compares equal on its NUL). */
  for (guint i = 0; i < n; i++)
    if (seen[i].len == len && seen[i].s[0] == s[0] && memcmp (seen[i].s, s, len) == 0)
      return TRUE;
  return FALSE;
}

/* A nested NS may hold "1.0" and "1": equal values, different text. */
static gboolean
has_equal_number (const Str *seen, guint n, const char *s)
{
  DdbNumber a, b;

  if (!ddb_number_parse (s, &a, NULL))
    return TRUE;
  for (guint i = 0; i < n; i++)
    if (ddb_number_parse (seen[i].s, &b, NULL) && ddb_number_equal (&a, &b))
      return TRUE;
  return FALSE;
}

static gboolean check_map (Reader *r, int depth, gsize *size);

static gboolean
check_value (Reader *r, int depth, gsize *size)
{
  DdbType type;
  const char *s;
  guint32 len, n;

  if (r->p >= r->end)
    return FALSE;
  type = *r->p++;
  switch (type)
    {
    case DDB_TYPE_S:
      if (!read_str (r, &s, &len))
        return FALSE;
      *size = len;
      return TRUE;
    case DDB_TYPE_N:
      return read_str (r, &s, &len) && check_number (s, len, depth, size);
    case DDB_TYPE_B:
      return read_str (r, &s, &len) && ddb_base64_check (s, len, size);
    case DDB_TYPE_BOOL:
    case DDB_TYPE_NULL:
      if (r->p >= r->end || *r->p > 1 || (type == DDB_TYPE_NULL && *r->p != 1))
        return FALSE;
      r->p++;
      *size = 1;
      return TRUE;
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
      {
        Str seen[MAX_CHECKED_MEMBERS];

        /* Empty sets are refused by DynamoDB; NS members are canonical, so
         * equal text is equal value. (BS takes the JSON path: equal bytes
         * can hide behind different base64.) */
        if (!read_u32 (r, &n) || n == 0 || n > MAX_CHECKED_MEMBERS)
          return FALSE;
        *size = 0;
        for (guint32 i = 0; i < n; i++)
          {
            gsize member = 0;

            if (!read_str (r, &s, &len) || has_duplicate (seen, i, s, len))
              return FALSE;
            if (type == DDB_TYPE_NS &&
                (!check_number (s, len, depth, &member) || (depth > 0 && has_equal_number (seen, i, s))))
              return FALSE;
            *size += type == DDB_TYPE_NS ? member : len;
            seen[i].s = s;
            seen[i].len = len;
          }
        return TRUE;
      }
    case DDB_TYPE_L:
      if (depth >= MAX_CONTAINER_DEPTH || !read_u32 (r, &n))
        return FALSE;
      /* 3 bytes of overhead, plus 1 per element. */
      *size = 3;
      for (guint32 i = 0; i < n; i++)
        {
          gsize element;

          if (!check_value (r, depth + 1, &element))
            return FALSE;
          *size += 1 + element;
        }
      return TRUE;
    case DDB_TYPE_M:
      if (depth >= MAX_CONTAINER_DEPTH || !check_map (r, depth + 1, size))
        return FALSE;
      *size += 3;
      return TRUE;
    default:
      return FALSE;
    }
}

/* A map or the item itself: names unique and non-empty, each value's
 * length as written. size: names and values, plus 1 per member (which a
 * top-level item does not pay; the caller takes it off). */
static gboolean
check_map (Reader *r, int depth, gsize *size)
{
  Str seen[MAX_CHECKED_MEMBERS];
  guint32 n;

  if (!read_u32 (r, &n) || n > MAX_CHECKED_MEMBERS)
    return FALSE;
  *size = n;
  for (guint32 i = 0; i < n; i++)
    {
      const char *name;
      guint32 len, vlen;
      const guint8 *start;
      gsize value;

      if (!read_str (r, &name, &len) || len == 0 || has_duplicate (seen, i, name, len) ||
          !read_u32 (r, &vlen) || (gsize) (r->end - r->p) < vlen)
        return FALSE;
      start = r->p;
      if (!check_value (r, depth, &value) || r->p != start + vlen)
        return FALSE;
      *size += len + value;
      seen[i].s = name;
      seen[i].len = len;
    }
  return TRUE;
}

gboolean
ddb_blob_check (const guint8 *blob, gsize len, gsize *size_out)
{
  Reader r = { blob, blob + len };
  gsize size;
  guint32 n;

  if (len < 4)
    return FALSE;
  memcpy (&n, blob, 4);
  if (!check_map (&r, 0, &size) || r.p != r.end)
    return FALSE;
  *size_out = size - n;
  return TRUE;
}
