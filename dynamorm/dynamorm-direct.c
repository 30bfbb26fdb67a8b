/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-direct.c: whole models as packed items, for the direct path
 * (dynamorm-backend-private.h explains it).
 *
 * Packing encodes with the same scalar encoder as the JSON path
 * (_dynamorm_field_encode_scalar), and falls back to the JSON encoder for
 * tree-shaped values, so both paths store the same item. Both directions
 * answer "not here" (FALSE or NULL) rather than an error: the caller then
 * takes the JSON path, which reports the problem with its usual message. */
#include "config.h"

#include <string.h>

#include "ddb-packed.h"
#include "dynamorm-backend-private.h"
#include "dynamorm-direct-private.h"
#include "dynamorm-crypto-private.h"
#include "dynamorm-single-table-private.h"

/* DYNAMORM_DEBUG=no-direct sends every request as JSON: for comparing the
 * two paths, and for logs that show each request. */
gboolean
_dynamorm_direct_enabled (void)
{
  static gsize enabled;

  if (g_once_init_enter (&enabled))
    {
      const char *debug = g_getenv ("DYNAMORM_DEBUG");
      gboolean off = debug != NULL && strstr (debug, "no-direct") != NULL;

      g_once_init_leave (&enabled, off ? 1 : 2);
    }
  return enabled == 2;
}

static gboolean
pack_strv (const DynamormField *field, char **strv, GByteArray *out)
{
  gboolean set = (field->flags & FIELD_FLAG_SET) != 0;
  guint mark, n = 0;

  if (set && !_dynamorm_field_check_strv (field, (const char *const *) strv, NULL))
    return FALSE;
  mark = ddb_packed_begin_list (out, set ? DDB_TYPE_SS : DDB_TYPE_L);
  for (; strv[n] != NULL; n++)
    {
      if (set)
        ddb_packed_put_str (out, strv[n], strlen (strv[n]));
      else
        ddb_packed_put_scalar (out, DDB_TYPE_S, strv[n], strlen (strv[n]));
    }
  ddb_packed_end_list (out, mark, n);
  return TRUE;
}

/* The key provider and cache of call, borrowed. */
static DynamormCrypto
call_crypto (const DynamormDirectCall *call)
{
  DynamormCrypto crypto = { call ? call->key_provider : NULL, call ? call->key_cache : NULL };

  return crypto;
}

/* Writes field's attribute unless the value is left out; *written says
 * which. FALSE when the value cannot be stored. */
static gboolean
pack_field (DynamormModel *model, const DynamormField *field, gboolean is_key,
            const DynamormDirectCall *call, const char *table, GByteArray *out, gboolean *written)
{
  GValue value = G_VALUE_INIT;
  gboolean ok = TRUE, whole = FALSE;   /* whole: written in one piece, no end_attr */
  guint mark = 0;

  *written = FALSE;
  _dynamorm_model_get_field (model, field, &value);
  if (field->flags & FIELD_FLAG_ENCRYPTED)
    {
      DynamormCrypto crypto = call_crypto (call);
      g_autoptr(GString) sealed = g_string_sized_new (512);

      ok = _dynamorm_crypto_seal_field (&crypto, field, table, &value, sealed, NULL);
      if (ok && sealed->len > 0)
        {
          mark = ddb_packed_begin_attr (out, field->attribute, strlen (field->attribute));
          ddb_packed_put_scalar (out, DDB_TYPE_B, sealed->str, sealed->len);
          *written = TRUE;
        }
    }
  else if (_dynamorm_field_is_scalar (field))
    {
      DynamormScalar scalar;

      ok = _dynamorm_field_encode_scalar (field, &value, &scalar, NULL);
      if (ok && is_key && (scalar.type == DDB_TYPE_INVALID || scalar.type == DDB_TYPE_BOOL ||
                           (scalar.type != DDB_TYPE_N && scalar.len == 0)))
        ok = FALSE;   /* an empty key: the JSON path says so */
      if (ok && scalar.type == DDB_TYPE_BOOL)
        {
          mark = ddb_packed_begin_attr (out, field->attribute, strlen (field->attribute));
          ddb_packed_put_flag (out, DDB_TYPE_BOOL, scalar.boolean);
          *written = TRUE;
        }
      else if (ok && scalar.type != DDB_TYPE_INVALID)
        {
          ddb_packed_put_scalar_attr (out, field->attribute, strlen (field->attribute), scalar.type,
                                      scalar.text, scalar.len);
          *written = whole = TRUE;
        }
      _dynamorm_scalar_clear (&scalar);
    }
  else if (is_key)
    ok = FALSE;
  else if (field->kind == FIELD_STRV && !(field->flags & FIELD_FLAG_JSON))
    {
      char **strv = g_value_get_boxed (&value);

      /* As the JSON encoder: NULL and omitted-empty are left out, and so is
       * an empty set (DynamoDB cannot store one). */
      if (strv != NULL &&
          !((field->flags & FIELD_FLAG_OMITEMPTY) && strv[0] == NULL) &&
          !((field->flags & FIELD_FLAG_SET) && strv[0] == NULL))
        {
          mark = ddb_packed_begin_attr (out, field->attribute, strlen (field->attribute));
          ok = pack_strv (field, strv, out);
          *written = ok;
        }
    }
  else
    {
      g_autoptr(JsonNode) av = NULL;

      ok = _dynamorm_field_encode (field, &value, &av, NULL);
      if (ok && av != NULL)
        {
          mark = ddb_packed_begin_attr (out, field->attribute, strlen (field->attribute));
          ddb_packed_put_json_value (out, av);
          *written = TRUE;
        }
    }
  if (*written && !whole)
    ddb_packed_end_attr (out, mark);
  g_value_unset (&value);
  return ok;
}

gboolean
_dynamorm_model_pack (DynamormModel *model, const DynamormSchema *schema,
                      const DynamormDirectCall *call, const char *table, GByteArray *out)
{
  guint item = ddb_packed_begin_item (out), count = 0;

  for (guint i = 0; i < schema->fields->len; i++)
    {
      const DynamormField *field = g_ptr_array_index (schema->fields, i);
      gboolean is_key = field == schema->partition_key || field == schema->sort_key;
      gboolean written;

      if (!pack_field (model, field, is_key, call, table, out, &written))
        return FALSE;
      count += written;
    }
  ddb_packed_end_item (out, item, count);
  return TRUE;
}

/* Decodes an encrypted field's packed envelope (a B value) into value. */
static gboolean
open_field (const DynamormDirectCall *call, const char *table, const DynamormField *field,
            const guint8 *packed, GValue *value)
{
  DynamormCrypto crypto = call_crypto (call);
  const guint8 *p = packed + 1;
  const char *b64;
  guint32 len;

  if (packed[0] != DDB_TYPE_B)
    return FALSE;   /* not an envelope: the JSON path says so */
  b64 = ddb_packed_get_str (&p, &len);
  return _dynamorm_crypto_open_field (&crypto, field, table, b64, len, value, NULL);
}

gboolean
_dynamorm_packed_decode_values (const DynamormSchema *schema, const DynamormDirectCall *call,
                                const char *table, const guint8 *item, GValue *values)
{
  guint n = schema->fields->len, next = 0;
  DdbPackedIter iter;
  const char *name;
  guint32 name_len;
  const guint8 *value;
  gboolean ok = TRUE;

  ddb_packed_iter_init (&iter, item);
  while (ok && ddb_packed_iter_next (&iter, &name, &name_len, &value))
    {
      const DynamormField *field = NULL;

      /* Attributes usually come back in the order they were packed. */
      if (next < n)
        {
          const DynamormField *expected = g_ptr_array_index (schema->fields, next);
          if (strcmp (expected->attribute, name) == 0)
            field = expected;
        }
      if (field == NULL)
        field = g_hash_table_lookup (schema->by_attribute, name);
      if (field == NULL)
        continue;   /* an attribute the model does not store */
      next = field->index + 1;
      /* values are zeroed: a set one has a type (G_IS_VALUE is a call). */
      if (G_VALUE_TYPE (&values[field->index]) != G_TYPE_INVALID)
        continue;
      if (field->flags & FIELD_FLAG_ENCRYPTED)
        ok = open_field (call, table, field, value, &values[field->index]);
      else if (field->kind == FIELD_STRING && value[0] == DDB_TYPE_S && field->pspec->value_type == G_TYPE_STRING)
        {
          /* Lent from item, which outlives the values: set_property copies
           * what it keeps, so the text is not copied twice. */
          const guint8 *p = value + 1;

          g_value_init (&values[field->index], G_TYPE_STRING);
          g_value_set_static_string (&values[field->index], ddb_packed_get_str (&p, NULL));
        }
      else
        ok = _dynamorm_field_decode_packed (field, value, &values[field->index], NULL);
    }

  for (guint i = 0; ok && i < n; i++)
    if (G_VALUE_TYPE (&values[i]) == G_TYPE_INVALID)
      {
        const DynamormField *field = g_ptr_array_index (schema->fields, i);

        g_value_init (&values[i], field->pspec->value_type);
        g_param_value_set_default (field->pspec, &values[i]);
      }
  return ok;
}

void
_dynamorm_packed_values_clear (const DynamormSchema *schema, GValue *values)
{
  for (guint i = 0; i < schema->fields->len; i++)
    if (G_VALUE_TYPE (&values[i]) != G_TYPE_INVALID)
      g_value_unset (&values[i]);
}

DynamormModel *
_dynamorm_model_new_from_packed (GType type, const DynamormSchema *schema,
                                 const DynamormDirectCall *call, const char *table,
                                 const guint8 *item)
{
  g_autoptr(DynamormModel) model = NULL;
  guint n = schema->fields->len;
  GValue *values;
  gboolean ok;

  if (G_TYPE_IS_ABSTRACT (type))
    return NULL;
  model = g_object_new (type, NULL);
  values = g_newa (GValue, n);
  memset (values, 0, n * sizeof (GValue));
  ok = _dynamorm_packed_decode_values (schema, call, table, item, values);
  if (ok)
    _dynamorm_model_set_fields (model, schema, values);
  _dynamorm_packed_values_clear (schema, values);
  return ok ? g_steal_pointer (&model) : NULL;
}

/* The packed Key {partition[, sort]} of a model's key values; FALSE when
 * they do not make one (the JSON path says why). */
gboolean
_dynamorm_direct_pack_key (const DynamormSchema *schema, GType model_type, const GValue *partition_key,
                           const GValue *sort_key, GByteArray *out)
{
  guint mark = ddb_packed_begin_item (out);

  if (!_dynamorm_key_attribute_packed (schema->partition_key, partition_key, "partition key",
                                       model_type, out, NULL))
    return FALSE;
  if (schema->sort_key != NULL)
    {
      if (!_dynamorm_key_attribute_packed (schema->sort_key, sort_key, "sort key", model_type, out, NULL))
        return FALSE;
    }
  else if (!_dynamorm_value_is_unset (sort_key))
    return FALSE;
  ddb_packed_end_item (out, mark, schema->sort_key != NULL ? 2 : 1);
  return TRUE;
}

gboolean
_dynamorm_model_pack_key (DynamormModel *model, const DynamormSchema *schema, GByteArray *out)
{
  const DynamormField *keys[] = { schema->partition_key, schema->sort_key };
  guint item = ddb_packed_begin_item (out), count = 0;

  for (guint i = 0; i < G_N_ELEMENTS (keys) && keys[i] != NULL; i++)
    {
      gboolean written;

      if (!pack_field (model, keys[i], TRUE, NULL, NULL, out, &written) || !written)
        return FALSE;
      count++;
    }
  ddb_packed_end_item (out, item, count);
  return TRUE;
}

/* ---- Calls from the session ---- */

/* The backend's direct path, when this call may take it: nothing is asked
 * of the call beyond the plain PutItem/GetItem (no consumed capacity), the
 * model class encodes with the default vfuncs, and debug logs, which show
 * each JSON request, are off. */
static const DynamormDirectOps *
call_ops (const DynamormDirectCall *call, GCancellable *cancellable)
{
  const DynamormDirectOps *ops = _dynamorm_backend_get_direct_ops (call->backend);

  if (ops == NULL || !_dynamorm_direct_enabled () || call->wants_capacity ||
      (cancellable != NULL && g_cancellable_is_cancelled (cancellable)) ||
      !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    return NULL;
  return ops;
}

static const DynamormDirectOps *
direct_ops_for (const DynamormDirectCall *call, GType model_type, GCancellable *cancellable)
{
  DynamormModelClass *klass = g_type_class_peek (model_type);

  if (klass == NULL || !_dynamorm_model_class_is_plain (klass))
    return NULL;
  return call_ops (call, cancellable);
}

static char *
direct_table_name (const DynamormDirectCall *call, const DynamormSchema *schema)
{
  return g_strconcat (call->table_prefix ? call->table_prefix : "", schema->table_name, NULL);
}

/* The same in buf when it fits (a single put or get allocates nothing for
 * it), else in *owned. */
static const char *
direct_table_name_buf (const DynamormDirectCall *call, const DynamormSchema *schema, char *buf, gsize size,
                       char **owned)
{
  const char *prefix = call->table_prefix ? call->table_prefix : "";
  gsize prefix_len = strlen (prefix), name_len = strlen (schema->table_name);

  if (prefix_len + name_len >= size)
    return *owned = direct_table_name (call, schema);
  memcpy (buf, prefix, prefix_len);
  memcpy (buf + prefix_len, schema->table_name, name_len + 1);
  return buf;
}

/* The thread's spare buffer to pack a single put or get into, so that
 * the call allocates only what it hands over. Taken out while in use: a
 * nested call on the same thread (a getter that writes) packs into a
 * buffer of its own. */
static GPrivate scratch_key = G_PRIVATE_INIT ((GDestroyNotify) g_byte_array_unref);

static GByteArray *
scratch_take (void)
{
  GByteArray *out = g_private_get (&scratch_key);

  if (out == NULL)
    return g_byte_array_sized_new (1024);
  g_private_set (&scratch_key, NULL);
  g_byte_array_set_size (out, 0);
  return out;
}

static void
scratch_give_back (GByteArray *out)
{
  /* A big item's buffer is not kept. */
  if (out->len > 64 * 1024 || g_private_get (&scratch_key) != NULL)
    g_byte_array_unref (out);
  else
    g_private_set (&scratch_key, out);
}

gboolean
_dynamorm_direct_try_put (const DynamormDirectCall *call, DynamormModel *model,
                          GCancellable *cancellable)
{
  GType type = G_OBJECT_TYPE (model);
  const DynamormSchema *schema = _dynamorm_schema_get (type, TRUE, NULL);
  const DynamormDirectOps *ops;
  g_autofree char *owned = NULL;
  char buf[128];
  const char *table;
  GByteArray *out;
  gboolean packed;
  guint8 *item;
  gsize len;

  /* Lifecycle properties make the write conditional or an UpdateItem;
   * single-table models write composed keys and check entities on the JSON
   * path too. */
  if (schema == NULL || schema->version != NULL || schema->created_at != NULL ||
      schema->updated_at != NULL || _dynamorm_schema_is_single_table (schema) ||
      (ops = direct_ops_for (call, type, cancellable)) == NULL)
    return FALSE;

  table = direct_table_name_buf (call, schema, buf, sizeof buf, &owned);
  out = scratch_take ();
  packed = _dynamorm_model_pack (model, schema, call, table, out);
  /* The stored item is this copy, of its exact size. */
  len = out->len;
  item = packed ? g_memdup2 (out->data, len) : NULL;
  scratch_give_back (out);
  if (!packed)
    return FALSE;
  if (ops->put_item (call->backend, table, item, len) == DYNAMORM_DIRECT_DONE)
    return TRUE;
  g_free (item);
  return FALSE;
}

DynamormModel *
_dynamorm_direct_try_get (const DynamormDirectCall *call, GType model_type,
                          const GValue *partition_key, const GValue *sort_key,
                          GCancellable *cancellable)
{
  const DynamormSchema *schema = _dynamorm_schema_get (model_type, TRUE, NULL);
  const DynamormDirectOps *ops;
  GByteArray *key;
  g_autofree char *owned = NULL;
  g_autofree guint8 *item = NULL;
  char buf[128];
  const char *table;
  gboolean found;
  gsize len;

  if (schema == NULL || _dynamorm_schema_is_single_table (schema) ||
      (ops = direct_ops_for (call, model_type, cancellable)) == NULL)
    return NULL;

  key = scratch_take ();
  found = _dynamorm_direct_pack_key (schema, model_type, partition_key, sort_key, key);
  if (found)
    {
      table = direct_table_name_buf (call, schema, buf, sizeof buf, &owned);
      /* A missing item takes the JSON path too, for its NOT_FOUND message. */
      found = ops->get_item (call->backend, table, key->data, key->len, &item, &len) == DYNAMORM_DIRECT_DONE;
    }
  scratch_give_back (key);
  if (!found)
    return NULL;
  return _dynamorm_model_new_from_packed (model_type, schema, call, table, item);
}

/* ---- Batches ---- */

gboolean
_dynamorm_direct_batch_takes (const DynamormDirectCall *call, GType model_type,
                              const DynamormSchema *schema, gboolean is_write)
{
  const DynamormDirectOps *ops;

  /* Encrypted properties take the session's crypto (and, async, a worker
   * thread); single-table models compose keys; a batch put stamps
   * created_at and updated_at into the item. All of these go as JSON. */
  if (schema == NULL || schema->n_encrypted > 0 || _dynamorm_schema_is_single_table (schema) ||
      (is_write && (schema->created_at != NULL || schema->updated_at != NULL)) ||
      (ops = direct_ops_for (call, model_type, NULL)) == NULL)
    return FALSE;
  return ops->batch != NULL;
}

/* Checked again for each chunk (logs, cancellation), as for each single
 * call. */
DynamormDirectResult
_dynamorm_direct_batch (const DynamormDirectCall *call, DynamormDirectWrite *writes,
                        DynamormDirectRead *reads, guint n, GCancellable *cancellable)
{
  const DynamormDirectOps *ops = call_ops (call, cancellable);

  if (ops == NULL || ops->batch == NULL)
    return DYNAMORM_DIRECT_DECLINED;
  return ops->batch (call->backend, writes, reads, n);
}

/* ---- Query pages ---- */

DynamormDirectResult
_dynamorm_direct_query (const DynamormDirectCall *call, GType model_type, const char *operation,
                        JsonNode *request, JsonNode **answer_out, GPtrArray **items_out,
                        GCancellable *cancellable)
{
  const DynamormSchema *schema = _dynamorm_schema_get (model_type, TRUE, NULL);
  const DynamormDirectOps *ops;

  /* Encrypted properties open with the session's crypto, single-table
   * models decompose their keys: as JSON. */
  if (schema == NULL || schema->n_encrypted > 0 || _dynamorm_schema_is_single_table (schema) ||
      (ops = direct_ops_for (call, model_type, cancellable)) == NULL || ops->query == NULL)
    return DYNAMORM_DIRECT_DECLINED;
  return ops->query (call->backend, operation, request, answer_out, items_out);
}

/* ---- Transactions ---- */

gboolean
_dynamorm_direct_transact_packs (const DynamormDirectCall *call, GType model_type,
                                 const DynamormSchema *schema)
{
  const DynamormDirectOps *ops;

  /* Encrypted properties seal with the session's crypto, single-table
   * models compose their keys, lifecycle properties are stamped into the
   * item: those items go as JSON. */
  if (schema == NULL || schema->n_encrypted > 0 || _dynamorm_schema_is_single_table (schema) ||
      schema->version != NULL || schema->created_at != NULL || schema->updated_at != NULL ||
      (ops = direct_ops_for (call, model_type, NULL)) == NULL)
    return FALSE;
  return ops->transact_write != NULL;
}

DynamormDirectResult
_dynamorm_direct_transact_write (const DynamormDirectCall *call, JsonNode *request, guint8 **items,
                                 const gsize *lens, GCancellable *cancellable)
{
  const DynamormDirectOps *ops = call_ops (call, cancellable);

  if (ops == NULL || ops->transact_write == NULL)
    return DYNAMORM_DIRECT_DECLINED;
  return ops->transact_write (call->backend, request, items, lens);
}
