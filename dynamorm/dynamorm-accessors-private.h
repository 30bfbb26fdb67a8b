/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-accessors-private.h: public getters that return a field.
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
