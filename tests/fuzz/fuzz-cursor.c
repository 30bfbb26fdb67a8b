/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the query page cursor decoder, the one place where a
 * string from a web client enters Dynamorm. The query source is included to
 * reach its static signing functions. The first byte picks the mode:
 *
 *  - even: the rest is a cursor as a client would send it, handed to
 *    dynamorm_query_page(); it must be refused with INVALID_CURSOR (a
 *    fuzzer cannot forge the HMAC), never crash or leak;
 *  - odd: the rest is the key JSON inside a cursor, signed with the
 *    session's real key (as if the secret had leaked, or our own encoder
 *    had written it), so the decoder's parsing and the request that carries
 *    the key as ExclusiveStartKey are reached too.
 *
 * The backend answers every Query with an empty last page after checking
 * that the request it got prints as JSON again. Must never crash, hang or
 * leak. */
#include "../../dynamorm/dynamorm-query.c"
#include "fuzz-model.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

typedef struct { DynamormBackend parent; } FuzzBackend;
typedef struct { DynamormBackendClass parent_class; } FuzzBackendClass;
static GType fuzz_backend_get_type (void);
G_DEFINE_TYPE (FuzzBackend, fuzz_backend, DYNAMORM_TYPE_BACKEND)

static JsonNode *
fuzz_backend_invoke (DynamormBackend *self, const char *operation, JsonNode *request,
                     GCancellable *cancellable, GError **error)
{
  static const char answer[] = "{\"Items\":[],\"Count\":0,\"ScannedCount\":0}";
  g_autofree char *text = ddb_json_to_string (request);
  g_autoptr(JsonNode) again = ddb_json_parse (text, strlen (text), NULL, NULL);

  g_assert_nonnull (again);
  return ddb_json_parse (answer, strlen (answer), NULL, NULL);
}

static void
fuzz_backend_class_init (FuzzBackendClass *klass)
{
  klass->parent_class.invoke = fuzz_backend_invoke;
}

static void
fuzz_backend_init (FuzzBackend *self)
{
}

static DynamormSession *
fuzz_session (void)
{
  static DynamormSession *session;

  if (session == NULL)
    {
      g_autoptr(DynamormBackend) backend = g_object_new (fuzz_backend_get_type (), NULL);
      session = dynamorm_session_new_for_backend (backend);
    }
  return session;
}

/* A cursor for @query holding @key_json, signed as cursor_encode() signs. */
static char *
sign_cursor (DynamormQuery *query, const guint8 *key_json, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Plan) plan = build_plan (query, PLAN_QUERY, &error);
  g_autofree char *text = g_strndup ((const char *) key_json, len);
  g_autofree char *key_text = NULL;
  g_autofree char *mac_text = NULL;
  guint8 digest[32];

  g_assert_no_error (error);
  cursor_mac (query->session, plan, text, digest);
  key_text = base64url_encode ((const guchar *) key_json, len);
  mac_text = base64url_encode (digest, sizeof digest);
  return g_strconcat (key_text, ".", mac_text, NULL);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(DynamormQuery) query = NULL;
  g_autoptr(GListModel) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *next = NULL;
  gboolean signed_mode;

  if (size == 0)
    return 0;
  signed_mode = data[0] & 1;
  query = dynamorm_query_new (fuzz_session (), fuzz_model_type ());
  dynamorm_query_where (query, "id", DYNAMORM_OPERATOR_EQ, "u1");
  if (signed_mode)
    cursor = sign_cursor (query, data + 1, size - 1);
  else
    cursor = g_strndup ((const char *) data + 1, size - 1);

  page = dynamorm_query_page (query, 3, cursor, &next, NULL, &error);
  g_assert ((page == NULL) == (error != NULL));
  if (page == NULL)
    g_assert_true (g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_CURSOR) || signed_mode);
  else
    g_assert_true (signed_mode);
  return 0;
}
