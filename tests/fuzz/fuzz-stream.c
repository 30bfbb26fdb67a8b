/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the stream-event parser, on text (with the ddb_json
 * pre-scan) without a model and with one, and every getter of the records.
 * Must never crash, hang or leak. */
#include <dynamorm.h>
#include "fuzz-model.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
parse (const guint8 *data, size_t size, GType type)
{
  GError *error = NULL;
  GPtrArray *records = dynamorm_stream_parse_event ((const char *) data, size, type, &error);

  g_assert ((records == NULL) == (error != NULL));
  if (records == NULL)
    {
      g_error_free (error);
      return;
    }
  for (guint i = 0; i < records->len; i++)
    {
      DynamormStreamRecord *record = records->pdata[i];

      dynamorm_stream_record_get_event_name (record);
      dynamorm_stream_record_get_keys (record);
      dynamorm_stream_record_get_new_image (record);
      dynamorm_stream_record_get_old_image (record);
    }
  g_ptr_array_unref (records);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  parse (data, size, G_TYPE_NONE);
  parse (data, size, fuzz_model_type ());
  return 0;
}
