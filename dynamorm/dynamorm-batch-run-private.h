/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-batch-run-private.h: the batch engine (dynamorm-batch-run.c)
 * that DynamormBatchGet and DynamormBatchWrite run on, and the fields of
 * DynamormBatchOptions it reads; never installed. */
#pragma once

#include "dynamorm-private.h"

G_BEGIN_DECLS

struct _DynamormBatchOptions
{
  GObject parent_instance;

  guint chunk_size;
  guint max_concurrency;
  gboolean consistent_read;
  char **projection;
  DynamormRetryPolicy *retry_policy;

  DynamormBatchProgressFunc progress_func;
  gpointer progress_data;
  GDestroyNotify progress_destroy;
  DynamormBatchChunkErrorFunc error_func;
  gpointer error_data;
  GDestroyNotify error_destroy;
};

typedef enum {
  UNIT_PENDING,
  UNIT_DONE,
  UNIT_MISSING,
  UNIT_FAILED,
} UnitState;

typedef struct {
  guint position;               /* in the caller's list */
  const char *table;            /* owned by the run's tables */
  const DynamormSchema *schema;
  GType type;
  JsonNode *request;            /* get: a Key; write: {"PutRequest": ...};
                                 * NULL until needed when packed is set */
  guint8 *packed;               /* direct path: the packed item (put) or key */
  gsize packed_len;
  guint8 *packed_item;          /* get on the direct path: the item read */
  char *fingerprint;
  gpointer payload;             /* get: DynamormKey; write: DynamormModel */
  gboolean is_delete;
  JsonNode *item;               /* get: the item read */
  GPtrArray *after;             /* put: timestamps, set on the model once written */
  UnitState state;
} Unit;

typedef struct {
  DynamormSession *session;
  DynamormBatchOptions *options;
  gboolean is_write;
  const char *operation;
  guint chunk_size;
  GPtrArray *units;             /* of Unit*, owned, in the caller's order */
  GHashTable *by_fingerprint;   /* fingerprint -> Unit* */
  GHashTable *tables;           /* full table name -> schema */
  GType last_type;              /* the type _dynamorm_batch_run_table() last named */
  const char *last_table;
  JsonObject *get_extra;        /* batch get: ConsistentRead, projection */
  GQueue queue;                 /* of Chunk*, ready to send */
  guint in_flight;              /* requests and retry timers */
  guint done;
  guint total;
  GError *error;                /* what stopped the run */
  GTask *task;                  /* not owned */
  DynamormDirectCall direct;    /* units with packed go this way first */
  GType direct_type;            /* the type _dynamorm_batch_run_scratch() last looked at */
  gboolean direct_takes;
  GByteArray *scratch;          /* where units are packed before they are copied */
} BatchRun;

BatchRun   *_dynamorm_batch_run_new   (DynamormSession      *session,
                                       DynamormBatchOptions *options,
                                       gboolean              is_write);
void        _dynamorm_batch_run_free  (BatchRun             *run);
/* A unit at position in the caller's order, of a model or a key (payload,
 * not owned) of type; its table is recorded in the run. */
Unit       *_dynamorm_batch_unit_new  (BatchRun             *run,
                                       guint                 position,
                                       GType                 type,
                                       const DynamormSchema *schema,
                                       gpointer              payload);
/* Starts a run built up front (or reports build_error). Takes run. */
void        _dynamorm_batch_run_start (gpointer              source_object,
                                       BatchRun             *run,
                                       GError               *build_error,
                                       gpointer              source_tag,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
void        _dynamorm_batch_unit_free (Unit                 *unit);
/* Sets unit's request from body (an item, or a key for a delete or get):
 * a write request in a write run. Takes body. */
void        _dynamorm_batch_run_set_request (BatchRun       *run,
                                             Unit           *unit,
                                             JsonNode       *body);
/* Where to pack unit for the direct path (emptied), or NULL when its type
 * may not take it. */
GByteArray *_dynamorm_batch_run_scratch   (BatchRun         *run,
                                           Unit             *unit);
/* Makes unit go the direct path with the packed item or key in the
 * scratch array: sets packed and the fingerprint. FALSE: build its JSON
 * request. */
gboolean    _dynamorm_batch_run_pack_unit (BatchRun         *run,
                                           Unit             *unit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BatchRun, _dynamorm_batch_run_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Unit, _dynamorm_batch_unit_free)

/* The builders' setters for their options (BatchGet and BatchWrite each
 * hold a DynamormBatchOptions in self->options) hand their value on to the
 * options' setter; defined under their gi-docgen comments:
 *
 *   DYNAMORM_DEFINE_OPTIONS_SETTER (dynamorm_batch_get_set_chunk_size, DynamormBatchGet,
 *                                   DYNAMORM_IS_BATCH_GET, guint, chunk_size,
 *                                   dynamorm_batch_options_set_chunk_size)
 *
 * and DYNAMORM_DEFINE_OPTIONS_FUNC_SETTER for a callback, its data and the
 * data's destroy notify. */
#define DYNAMORM_DEFINE_OPTIONS_SETTER(function, Type, TYPE_CHECK, ArgType, arg, options_setter) \
  void                                                                                      \
  function (Type *self, ArgType arg)                                                        \
  {                                                                                         \
    g_return_if_fail (TYPE_CHECK (self));                                                   \
    options_setter (self->options, arg);                                                    \
  }

#define DYNAMORM_DEFINE_OPTIONS_FUNC_SETTER(function, Type, TYPE_CHECK, FuncType, options_setter) \
  void                                                                                        \
  function (Type *self, FuncType func, gpointer user_data, GDestroyNotify destroy)            \
  {                                                                                           \
    g_return_if_fail (TYPE_CHECK (self));                                                     \
    options_setter (self->options, func, user_data, destroy);                                 \
  }

G_END_DECLS
