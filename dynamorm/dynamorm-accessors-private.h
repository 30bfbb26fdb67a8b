/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-accessors-private.h: public getters that return a field, and
 * setters that store one.
 *
 *   DYNAMORM_DEFINE_GETTER (DynamormSession *, dynamorm_query_get_session,
 *                           DynamormQuery, DYNAMORM_IS_QUERY, session, NULL)
 *
 * defines, under the function's gi-docgen comment,
 *
 *   DynamormSession *
 *   dynamorm_query_get_session (DynamormQuery *self)
 *   {
 *     g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);
 *     return self->session;
 *   }
 *
 * The function stays declared in the public header, as every other; a
 * getter that computes its answer is written out.
 *
 *   DYNAMORM_DEFINE_SETTER (dynamorm_table_options_set_timeout, DynamormTableOptions,
 *                           DYNAMORM_IS_TABLE_OPTIONS, guint, seconds, timeout_s)
 *
 * defines a setter that stores its argument (named as in the header and
 * the gi-docgen comment) in the field, and DYNAMORM_DEFINE_BOOLEAN_SETTER
 * one that stores a gboolean as TRUE or FALSE (!!value). A setter that
 * checks its value, clamps it or notifies is written out.
 */
#pragma once

#include <glib.h>

#define DYNAMORM_DEFINE_GETTER(RetType, function, Type, TYPE_CHECK, field, fallback) \
  RetType                                                                          \
  function (Type *self)                                                            \
  {                                                                                \
    g_return_val_if_fail (TYPE_CHECK (self), fallback);                            \
    return self->field;                                                            \
  }

#define DYNAMORM_DEFINE_SETTER(function, Type, TYPE_CHECK, ArgType, arg, field) \
  void                                                                        \
  function (Type *self, ArgType arg)                                          \
  {                                                                           \
    g_return_if_fail (TYPE_CHECK (self));                                     \
    self->field = arg;                                                        \
  }

#define DYNAMORM_DEFINE_BOOLEAN_SETTER(function, Type, TYPE_CHECK, arg, field) \
  void                                                                        \
  function (Type *self, gboolean arg)                                         \
  {                                                                           \
    g_return_if_fail (TYPE_CHECK (self));                                     \
    self->field = !!arg;                                                      \
  }

/* A setter that keeps a reference to an object it checks first:
 *
 *   DYNAMORM_DEFINE_OBJECT_SETTER (dynamorm_batch_get_set_options, DynamormBatchGet,
 *                                  DYNAMORM_IS_BATCH_GET, DynamormBatchOptions,
 *                                  DYNAMORM_IS_BATCH_OPTIONS, options, options)
 *
 * defines
 *
 *   void
 *   dynamorm_batch_get_set_options (DynamormBatchGet *self, DynamormBatchOptions *options)
 *   {
 *     g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
 *     g_return_if_fail (DYNAMORM_IS_BATCH_OPTIONS (options));
 *
 *     g_set_object (&self->options, options);
 *   }
 *
 * A setter that notifies, or does more, is written out. */
#define DYNAMORM_DEFINE_OBJECT_SETTER(function, Type, TYPE_CHECK, ArgType, ARG_CHECK, arg, field) \
  void                                                                                        \
  function (Type *self, ArgType *arg)                                                         \
  {                                                                                           \
    g_return_if_fail (TYPE_CHECK (self));                                                     \
    g_return_if_fail (ARG_CHECK (arg));                                                       \
                                                                                              \
    g_set_object (&self->field, arg);                                                         \
  }

/* A getter that returns a field of a boxed type, whose check is that self
 * is not NULL:
 *
 *   DYNAMORM_DEFINE_BOXED_GETTER (const char *, dynamorm_credentials_get_session_token,
 *                                 DynamormCredentials, session_token, NULL)
 *
 * defines
 *
 *   const char *
 *   dynamorm_credentials_get_session_token (DynamormCredentials *self)
 *   {
 *     g_return_val_if_fail (self != NULL, NULL);
 *     return self->session_token;
 *   }
 */
#define DYNAMORM_DEFINE_BOXED_GETTER(RetType, function, Type, field, fallback) \
  RetType                                                                    \
  function (Type *self)                                                      \
  {                                                                          \
    g_return_val_if_fail (self != NULL, fallback);                           \
    return self->field;                                                      \
  }
