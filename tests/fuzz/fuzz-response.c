/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: what the http backend does with a response body: the
 * ddb_json pre-scan and parse (as parse_json_object), the error mapping of
 * dynamorm_error_new_from_response for 4xx and 5xx, and the decoding of
 * "Item", "Items", "Attributes" and "Responses" members into a model. The
 * first byte picks the HTTP status class. Must never crash, hang or leak. */
#include <string.h>
#include <dynamorm.h>
#include "ddb-json.h"
#include "fuzz-model.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
decode_item (JsonNode *item)
{
  GError *error = NULL;
  DynamormModel *model;

  if (item == NULL || !JSON_NODE_HOLDS_OBJECT (item))
    return;
  model = dynamorm_model_new_from_item (fuzz_model_type (), item, &error);
  g_assert ((model == NULL) == (error != NULL));
  g_clear_object (&model);
  g_clear_error (&error);
}

static void
decode_items (JsonNode *items)
{
  if (items == NULL || !JSON_NODE_HOLDS_ARRAY (items))
    return;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (items)) && i < 50; i++)
    decode_item (json_array_get_element (json_node_get_array (items), i));
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(JsonNode) body = NULL;
  JsonObject *obj;
  GError *error;
  guint status;

  if (size < 1)
    return 0;
  status = data[0] & 1 ? 500 : 400;
  body = ddb_json_parse ((const char *) data + 1, size - 1, NULL, NULL);
  error = dynamorm_error_new_from_response (status, body != NULL && JSON_NODE_HOLDS_OBJECT (body) ? body : NULL);
  g_assert (error != NULL && error->message != NULL);
  g_error_free (error);
  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return 0;
  obj = json_node_get_object (body);
  decode_item (json_object_get_member (obj, "Item"));
  decode_item (json_object_get_member (obj, "Attributes"));
  decode_items (json_object_get_member (obj, "Items"));
  if (json_object_has_member (obj, "Responses") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "Responses")))
    {
      JsonObjectIter iter;
      JsonNode *table;

      json_object_iter_init (&iter, json_object_get_object_member (obj, "Responses"));
      while (json_object_iter_next (&iter, NULL, &table))
        decode_items (table);
    }
  return 0;
}
