/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-json.h: the project's guards around json-glib.
 *
 * json-glib 1.6's parser recurses once per nesting level, so a body of
 * 100,000 '[' overflows the stack; ddb_json_check() is a cheap pre-scan that
 * refuses such text before json_parser_load_from_data() sees it, and also
 * refuses the two string escapes a GLib string cannot carry (\u0000 would cut
 * the string, a lone surrogate would become invalid UTF-8) and numbers
 * that would be read as infinity, which no JSON text can carry back.
 *
 * json-glib 1.6's generator writes U+001F raw and a double such as 1e20 as
 * "1e+20.0", both invalid JSON; ddb_json_to_string() writes the same compact
 * text without those slips, and every JSON text the project writes goes
 * through it or ddb_json_print(). */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* JSON nesting DynamoDB JSON needs: 32 levels of documents take two JSON
 * levels each ({"M": {...}}), plus the request envelope
 * (TransactItems[].Put.Item...). Deeper text is refused unparsed. */
#define DDB_JSON_MAX_DEPTH 100

/* DynamoDB's request size limit: 16 MB. */
#define DDB_JSON_MAX_REQUEST_BYTES (16 * 1024 * 1024)

typedef enum {
  DDB_JSON_CHECK_OK,
  DDB_JSON_CHECK_TOO_DEEP,        /* more than max_depth nested [ and { */
  DDB_JSON_CHECK_NUL,             /* a \u0000 escape inside a string */
  DDB_JSON_CHECK_LONE_SURROGATE,  /* \uD800-\uDFFF not forming a pair */
  DDB_JSON_CHECK_TRAILING,        /* a second value after the top-level one */
  DDB_JSON_CHECK_BAD_ESCAPE,      /* a backslash not starting a JSON escape */
  DDB_JSON_CHECK_NUMBER_RANGE,    /* a number with a fraction or exponent read as infinity */
} DdbJsonCheck;

DdbJsonCheck ddb_json_check (const char *data, gsize len, guint max_depth);
/* An English sentence for a failed check, for error messages. */
const char  *ddb_json_check_describe (DdbJsonCheck check);

/* TRUE when node has more than max_depth levels of arrays and objects; stops
 * descending at max_depth, so it is safe on any tree. */
gboolean     ddb_json_node_too_deep (JsonNode *node, guint max_depth);

/* Checks text with ddb_json_check (DDB_JSON_MAX_DEPTH) and parses it. On
 * failure returns NULL and sets *check_out (DDB_JSON_CHECK_OK when json-glib
 * refused the text) and *error to json-glib's error, if any. */
JsonNode    *ddb_json_parse (const char *data, gsize len, DdbJsonCheck *check_out, GError **error);
/* The same; *plain_out says whether data is plain RFC 8259 JSON (one value,
 * valid UTF-8, no comments or other json-glib extensions), which any JSON
 * reader reads back as the same tree, so it can be kept as it is. */
JsonNode    *ddb_json_parse_text (const char *data, gsize len, DdbJsonCheck *check_out, gboolean *plain_out,
                                  GError **error);

/* json_parser_load_from_data() behind the pre-scan: refused text fails with
 * JSON_PARSER_ERROR_INVALID_DATA and the reason. len may be -1. */
gboolean     ddb_json_load (JsonParser *parser, const char *data, gssize len, GError **error);

/* json_to_string (node, FALSE) whose output is valid JSON for every tree:
 * ddb_json_print() into a new string. */
char        *ddb_json_to_string (JsonNode *node);

/* ---- Writing without a generator ----
 * Text written here is what json_to_string (node, FALSE) writes for the same
 * tree (compact, members in order), minus json-glib's slips: every control
 * character is escaped, and a double in exponent form gets no ".0". */

/* Appends s (len bytes, or up to its NUL when len is -1) as a JSON string
 * with its quotes: '"' and '\\' escaped, \b \f \n \r \t, and every other
 * byte below 0x20 (NUL included) and 0x7F as \u00XX; other bytes as they
 * are (GLib strings are UTF-8, so no lone surrogate can arise). */
void         ddb_json_print_string (GString *out, const char *s, gssize len);

/* Called for each JSON null node met while printing: appends what stands
 * for it and returns TRUE, or returns FALSE to have "null" written. */
typedef gboolean (*DdbJsonNullFunc) (GString *out, JsonNode *node, gpointer user_data);

/* Appends node as compact JSON text. null_func may be NULL. */
void         ddb_json_print (GString *out, JsonNode *node, DdbJsonNullFunc null_func, gpointer user_data);

G_END_DECLS
