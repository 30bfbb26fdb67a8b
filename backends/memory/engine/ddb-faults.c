/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-faults.c: fault injection in front of the engine (see ddb-faults.h).
 *
 * Faults are decided before the engine sees a call, in a fixed order:
 * latency, a forced failure, throttling, a transaction conflict, then
 * unprocessed batch items (the rest of the batch is carried out). Every
 * random draw comes from one GRand seeded from the list, under a lock, so
 * a given sequence of calls always meets the same faults. */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"
#include "ddb-faults.h"

typedef enum {
  FAULT_THROTTLE,
  FAULT_THROTTLE_NEXT,
  FAULT_UNPROCESSED,
  FAULT_CONFLICT,
  FAULT_LATENCY,
  FAULT_FAIL,
} FaultKind;

typedef enum { VALUE_RATE, VALUE_COUNT } ValueKind;

static const struct {
  const char *name;
  FaultKind kind;
  ValueKind value;
} fault_names[] = {
  { "throttle", FAULT_THROTTLE, VALUE_RATE },
  { "throttle-next", FAULT_THROTTLE_NEXT, VALUE_COUNT },
  { "unprocessed", FAULT_UNPROCESSED, VALUE_RATE },
  { "conflict", FAULT_CONFLICT, VALUE_RATE },
  { "latency", FAULT_LATENCY, VALUE_COUNT },
  { "fail", FAULT_FAIL, VALUE_COUNT },
};

typedef struct {
  FaultKind kind;
  double rate;          /* VALUE_RATE faults */
  guint64 count;        /* VALUE_COUNT faults: N, calls left, milliseconds */
  char *operation;      /* NULL: every operation */
  guint64 calls;        /* calls of operation seen so far (fail) */
} Fault;

struct _DdbFaults {
  gatomicrefcount ref;
  char *spec;
  GMutex lock;
  GRand *rand;
  GArray *faults;       /* Fault */
};

#define THROUGHPUT_MESSAGE "The level of configured provisioned throughput for the table was exceeded. " \
  "Consider increasing your provisioning level with the UpdateTable API."
#define RATE_MESSAGE "Rate of requests exceeds the allowed throughput."
#define INTERNAL_MESSAGE "The server encountered an internal error trying to fulfill the request."
#define CONFLICT_MESSAGE "Transaction is ongoing for the item."
/* The Streams API's throttling answer (LimitExceededException). */
#define STREAMS_RATE_MESSAGE "Your request rate is too high. Reduce the frequency of requests and use exponential backoff."

/* ---- Parsing ---- */

static gboolean
refuse (GError **error, const char *entry, const char *problem)
{
  g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
               "Fault “%s”: %s. Valid faults: " DDB_FAULTS_HELP, entry, problem);
  return FALSE;
}

static gboolean
parse_value (const char *text, ValueKind kind, Fault *fault)
{
  if (kind == VALUE_COUNT)
    return g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &fault->count, NULL);
  else
    {
      char *end = NULL;
      double rate = g_ascii_strtod (text, &end);

      if (*text == '\0' || end == NULL || *end != '\0' || !(rate >= 0.0 && rate <= 1.0))
        return FALSE;
      fault->rate = rate;
      return TRUE;
    }
}

static gboolean
is_transaction (const char *operation)
{
  return g_str_equal (operation, "TransactWriteItems") || g_str_equal (operation, "TransactGetItems");
}

static gboolean
is_batch (const char *operation)
{
  return g_str_equal (operation, "BatchWriteItem") || g_str_equal (operation, "BatchGetItem");
}

/* One NAME:VALUE[@Operation] entry. */
static gboolean
parse_entry (DdbFaults *faults, const char *entry, guint32 *seed, GError **error)
{
  g_auto(GStrv) at = g_strsplit (entry, "@", 2);
  const char *colon = strchr (at[0], ':');
  g_autofree char *name = colon ? g_strndup (at[0], colon - at[0]) : g_strdup (at[0]);
  Fault fault = { 0 };
  guint i;

  if (colon == NULL)
    return refuse (error, entry, "it has no value (write NAME:VALUE)");
  if (g_str_equal (name, "seed"))
    {
      guint64 n;

      if (at[1] != NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXUINT32, &n, NULL))
        return refuse (error, entry, "the seed is a whole number from 0 to 4294967295");
      *seed = (guint32) n;
      return TRUE;
    }
  for (i = 0; i < G_N_ELEMENTS (fault_names); i++)
    if (g_str_equal (name, fault_names[i].name))
      break;
  if (i == G_N_ELEMENTS (fault_names))
    return refuse (error, entry, "there is no such fault");
  fault.kind = fault_names[i].kind;
  if (!parse_value (colon + 1, fault_names[i].value, &fault))
    return refuse (error, entry, fault_names[i].value == VALUE_RATE
                   ? "the rate must be a number from 0 to 1"
                   : "the value must be a whole number");
  if (fault.kind == FAULT_FAIL && fault.count == 0)
    return refuse (error, entry, "calls are counted from 1");
  if (at[1] != NULL)
    {
      if (!ddb_engine_knows_operation (at[1]) && !ddb_engine_knows_stream_operation (at[1]))
        return refuse (error, entry, "the operation after @ is not a DynamoDB or DynamoDB Streams "
                       "operation the engine answers");
      if ((fault.kind == FAULT_CONFLICT && !is_transaction (at[1])) ||
          (fault.kind == FAULT_UNPROCESSED && !is_batch (at[1])))
        return refuse (error, entry, fault.kind == FAULT_CONFLICT
                       ? "conflicts cancel TransactWriteItems or TransactGetItems only"
                       : "only BatchWriteItem and BatchGetItem leave items unprocessed");
      fault.operation = g_strdup (at[1]);
    }
  g_array_append_val (faults->faults, fault);
  return TRUE;
}

static void
fault_clear (gpointer data)
{
  g_free (((Fault *) data)->operation);
}

DdbFaults *
ddb_faults_new (const char *spec, GError **error)
{
  g_autoptr(DdbFaults) faults = g_new0 (DdbFaults, 1);
  g_auto(GStrv) entries = NULL;
  guint32 seed = 0;

  g_atomic_ref_count_init (&faults->ref);
  g_mutex_init (&faults->lock);
  faults->spec = g_strdup (spec != NULL ? spec : "");
  faults->faults = g_array_new (FALSE, TRUE, sizeof (Fault));
  g_array_set_clear_func (faults->faults, fault_clear);
  entries = g_strsplit (faults->spec, ",", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      g_strstrip (entries[i]);
      if (entries[i][0] == '\0')
        continue;
      if (!parse_entry (faults, entries[i], &seed, error))
        return NULL;
    }
  faults->rand = g_rand_new_with_seed (seed);
  return g_steal_pointer (&faults);
}

DdbFaults *
ddb_faults_ref (DdbFaults *faults)
{
  g_atomic_ref_count_inc (&faults->ref);
  return faults;
}

void
ddb_faults_unref (DdbFaults *faults)
{
  if (faults == NULL || !g_atomic_ref_count_dec (&faults->ref))
    return;
  g_free (faults->spec);
  g_clear_pointer (&faults->rand, g_rand_free);
  g_array_unref (faults->faults);
  g_mutex_clear (&faults->lock);
  g_free (faults);
}

const char *
ddb_faults_get_spec (DdbFaults *faults)
{
  return faults->spec;
}

/* ---- Answers ---- */

static JsonNode *
error_answer (DdbErrorCode code, const char *message, JsonArray *reasons, guint *status_out)
{
  JsonObject *body = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (body, "__type", ddb_error_code_to_type (code));
  /* DynamoDB spells it "message", except with reasons; the Streams API "Message" */
  json_object_set_string_member (body, reasons != NULL || code == DDB_ERROR_LIMIT_EXCEEDED
                                       ? "Message" : "message", message);
  if (reasons != NULL)
    json_object_set_array_member (body, "CancellationReasons", reasons);
  json_node_take_object (node, body);
  *status_out = ddb_error_code_to_status (code);
  return node;
}

static guint
transaction_length (JsonNode *request)
{
  JsonObject *req = JSON_NODE_HOLDS_OBJECT (request) ? json_node_get_object (request) : NULL;
  JsonNode *items = req ? json_object_get_member (req, "TransactItems") : NULL;

  return items != NULL && JSON_NODE_HOLDS_ARRAY (items) ? json_array_get_length (json_node_get_array (items)) : 0;
}

/* TransactionCanceledException with code (and message) for item victim and
 * None for the others, in request order as DynamoDB lists them. */
static JsonNode *
cancellation (guint n_items, guint victim, const char *code, const char *message, guint *status_out)
{
  JsonArray *reasons = json_array_new ();
  g_autoptr(GString) text = g_string_new ("Transaction cancelled, please refer cancellation reasons for specific reasons [");

  for (guint i = 0; i < n_items; i++)
    {
      JsonObject *reason = json_object_new ();

      json_object_set_string_member (reason, "Code", i == victim ? code : "None");
      if (i == victim)
        json_object_set_string_member (reason, "Message", message);
      json_array_add_object_element (reasons, reason);
      g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", i == victim ? code : "None");
    }
  g_string_append_c (text, ']');
  return error_answer (DDB_ERROR_TRANSACTION_CANCELED, text->str, reasons, status_out);
}

/* DynamoDB's throttling answer for operation: control-plane calls are rate
 * limited (ThrottlingException), data-plane calls exceed throughput. */
static JsonNode *
throttled (DdbFaults *faults, const char *operation, JsonNode *request, guint *status_out)
{
  if (is_transaction (operation) && transaction_length (request) > 0)
    {
      guint n = transaction_length (request);

      return cancellation (n, g_rand_int_range (faults->rand, 0, n), "ProvisionedThroughputExceeded",
                           THROUGHPUT_MESSAGE, status_out);
    }
  if (g_str_has_suffix (operation, "Item") || g_str_has_suffix (operation, "Items") ||
      g_str_equal (operation, "Query") || g_str_equal (operation, "Scan"))
    return error_answer (DDB_ERROR_PROVISIONED_THROUGHPUT, THROUGHPUT_MESSAGE, NULL, status_out);
  if (ddb_engine_knows_stream_operation (operation))
    return error_answer (DDB_ERROR_LIMIT_EXCEEDED, STREAMS_RATE_MESSAGE, NULL, status_out);
  return error_answer (DDB_ERROR_THROTTLING, RATE_MESSAGE, NULL, status_out);
}

static gboolean
applies (const Fault *fault, const char *operation)
{
  return fault->operation == NULL || g_str_equal (fault->operation, operation);
}

static gboolean
draw (DdbFaults *faults, double rate)
{
  return rate > 0.0 && g_rand_double (faults->rand) < rate;
}

/* The error answer the faults choose for this call, or NULL; adds the
 * latency to *delay_ms and the unprocessed rate to *unprocessed. Called
 * under faults->lock. */
static JsonNode *
decide (DdbFaults *faults, const char *operation, JsonNode *request,
        guint64 *delay_ms, double *unprocessed, guint *status_out)
{
  JsonNode *answer = NULL;

  for (guint i = 0; i < faults->faults->len; i++)
    {
      Fault *fault = &g_array_index (faults->faults, Fault, i);

      if (!applies (fault, operation))
        continue;
      fault->calls++;
      switch (fault->kind)
        {
        case FAULT_LATENCY:
          *delay_ms += fault->count;
          break;
        case FAULT_FAIL:
          if (answer == NULL && fault->calls == fault->count)
            answer = error_answer (DDB_ERROR_INTERNAL, INTERNAL_MESSAGE, NULL, status_out);
          break;
        case FAULT_THROTTLE_NEXT:
          if (answer == NULL && fault->count > 0)
            {
              fault->count--;
              answer = throttled (faults, operation, request, status_out);
            }
          break;
        case FAULT_THROTTLE:
          if (draw (faults, fault->rate) && answer == NULL)
            answer = throttled (faults, operation, request, status_out);
          break;
        case FAULT_CONFLICT:
          if (is_transaction (operation) && draw (faults, fault->rate) && answer == NULL &&
              transaction_length (request) > 0)
            {
              guint n = transaction_length (request);

              answer = cancellation (n, g_rand_int_range (faults->rand, 0, n), "TransactionConflict",
                                     CONFLICT_MESSAGE, status_out);
            }
          break;
        case FAULT_UNPROCESSED:
          if (is_batch (operation))
            *unprocessed = MAX (*unprocessed, fault->rate);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return answer;
}

/* ---- Unprocessed batch items ---- */

/* A table's requests of a batch: BatchWriteItem's array of requests, or
 * BatchGetItem's {Keys: [...], ProjectionExpression, ...}. */
static JsonArray *
batch_entries (JsonNode *spec)
{
  if (JSON_NODE_HOLDS_ARRAY (spec))
    return json_node_get_array (spec);
  if (JSON_NODE_HOLDS_OBJECT (spec))
    {
      JsonNode *keys = json_object_get_member (json_node_get_object (spec), "Keys");

      if (keys != NULL && JSON_NODE_HOLDS_ARRAY (keys))
        return json_node_get_array (keys);
    }
  return NULL;
}

/* The same shape as spec with entries instead of its own. */
static JsonNode *
batch_spec_with (JsonNode *spec, JsonArray *entries)
{
  JsonNode *node;

  if (JSON_NODE_HOLDS_ARRAY (spec))
    {
      node = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (node, entries);
    }
  else
    {
      JsonObject *src = json_node_get_object (spec), *dst = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, src);
      while (json_object_iter_next (&iter, &name, &value))
        if (!g_str_equal (name, "Keys"))
          json_object_set_member (dst, name, ddb_value_copy (value));
      json_object_set_array_member (dst, "Keys", entries);
      node = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (node, dst);
    }
  return node;
}

typedef struct {
  JsonNode *request;    /* the request with the held entries left out */
  JsonObject *held;     /* table -> spec of the held entries */
  guint kept;
} BatchSplit;

/* Draws, for every entry of every table, whether it is held back. FALSE
 * when the request is not a well-formed batch (the engine then answers it
 * whole, with its validation errors). Called under faults->lock. */
static gboolean
split_batch (DdbFaults *faults, JsonNode *request, double rate, BatchSplit *split)
{
  JsonObject *req = JSON_NODE_HOLDS_OBJECT (request) ? json_node_get_object (request) : NULL;
  JsonNode *items = req ? json_object_get_member (req, "RequestItems") : NULL;
  JsonObject *kept_items, *copy;
  JsonObjectIter iter;
  const char *table;
  JsonNode *spec;

  if (items == NULL || !JSON_NODE_HOLDS_OBJECT (items))
    return FALSE;
  split->held = json_object_new ();
  kept_items = json_object_new ();
  json_object_iter_init (&iter, json_node_get_object (items));
  while (json_object_iter_next (&iter, &table, &spec))
    {
      JsonArray *entries = batch_entries (spec), *kept, *held;

      if (entries == NULL)
        {
          json_object_set_member (kept_items, table, json_node_copy (spec));
          continue;
        }
      kept = json_array_new ();
      held = json_array_new ();
      for (guint i = 0; i < json_array_get_length (entries); i++)
        {
          JsonNode *entry = json_array_get_element (entries, i);

          /* The first entry of the whole batch is always carried out: a
           * batch where nothing is processed fails as throttled on
           * DynamoDB, which is the throttle fault's job. */
          if (split->kept + json_array_get_length (kept) > 0 && draw (faults, rate))
            json_array_add_element (held, ddb_value_copy (entry));
          else
            json_array_add_element (kept, json_node_copy (entry));
        }
      split->kept += json_array_get_length (kept);
      if (json_array_get_length (kept) > 0)
        json_object_set_member (kept_items, table, batch_spec_with (spec, kept));
      else
        json_array_unref (kept);
      if (json_array_get_length (held) > 0)
        json_object_set_member (split->held, table, batch_spec_with (spec, held));
      else
        json_array_unref (held);
    }
  copy = json_object_new ();
  json_object_iter_init (&iter, req);
  while (json_object_iter_next (&iter, &table, &spec))
    if (!g_str_equal (table, "RequestItems"))
      json_object_set_member (copy, table, json_node_copy (spec));
  json_object_set_object_member (copy, "RequestItems", kept_items);
  split->request = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (split->request, copy);
  return TRUE;
}

/* Carries out the kept part of a batch and lists the held part as
 * UnprocessedItems or UnprocessedKeys. */
static JsonNode *
answer_split_batch (DdbEngine *engine, const char *operation, BatchSplit *split, guint *status_out)
{
  const char *member = g_str_equal (operation, "BatchWriteItem") ? "UnprocessedItems" : "UnprocessedKeys";
  JsonNode *answer;

  answer = ddb_engine_handle (engine, operation, split->request, status_out);
  if (*status_out == 200 && JSON_NODE_HOLDS_OBJECT (answer))
    json_object_set_object_member (json_node_get_object (answer), member, json_object_ref (split->held));
  return answer;
}

JsonNode *
ddb_faults_handle_streams (DdbFaults *faults, DdbEngine *engine, const char *operation,
                           JsonNode *request, guint *status_out)
{
  guint64 delay_ms = 0;
  double unprocessed = 0.0;
  JsonNode *answer;
  guint status = 200;

  g_return_val_if_fail (faults != NULL && engine != NULL, NULL);

  g_mutex_lock (&faults->lock);
  answer = decide (faults, operation != NULL ? operation : "", request, &delay_ms, &unprocessed, &status);
  g_mutex_unlock (&faults->lock);
  if (delay_ms > 0)
    g_usleep (delay_ms * 1000);
  if (answer == NULL)
    answer = ddb_engine_handle_streams (engine, operation, request, &status);
  if (status_out != NULL)
    *status_out = status;
  return answer;
}

JsonNode *
ddb_faults_handle (DdbFaults *faults, DdbEngine *engine, const char *operation,
                   JsonNode *request, guint *status_out)
{
  BatchSplit split = { 0 };
  guint64 delay_ms = 0;
  double unprocessed = 0.0;
  gboolean split_done = FALSE;
  JsonNode *answer;
  guint status = 200;

  g_return_val_if_fail (faults != NULL && engine != NULL, NULL);

  g_mutex_lock (&faults->lock);
  answer = decide (faults, operation != NULL ? operation : "", request, &delay_ms, &unprocessed, &status);
  if (answer == NULL && unprocessed > 0.0)
    split_done = split_batch (faults, request, unprocessed, &split);
  g_mutex_unlock (&faults->lock);

  if (delay_ms > 0)
    g_usleep (delay_ms * 1000);
  if (answer == NULL && split_done && json_object_get_size (split.held) > 0)
    answer = answer_split_batch (engine, operation, &split, &status);
  else if (answer == NULL)
    answer = ddb_engine_handle (engine, operation, request, &status);
  g_clear_pointer (&split.request, json_node_unref);
  g_clear_pointer (&split.held, json_object_unref);
  if (status_out != NULL)
    *status_out = status;
  return answer;
}
