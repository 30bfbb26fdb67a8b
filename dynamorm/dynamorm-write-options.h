/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-condition.h"
#include "dynamorm-model.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_WRITE_OPTIONS (dynamorm_write_options_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormWriteOptions, dynamorm_write_options, DYNAMORM, WRITE_OPTIONS, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormWriteOptions *dynamorm_write_options_new                      (void);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_write_options_set_if_not_exists        (DynamormWriteOptions *self,
                                                                       gboolean              if_not_exists);
DYNAMORM_AVAILABLE_IN_ALL
gboolean              dynamorm_write_options_get_if_not_exists        (DynamormWriteOptions *self);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_write_options_set_if_exists            (DynamormWriteOptions *self,
                                                                       gboolean              if_exists);
DYNAMORM_AVAILABLE_IN_ALL
gboolean              dynamorm_write_options_get_if_exists            (DynamormWriteOptions *self);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_write_options_add_condition            (DynamormWriteOptions *self,
                                                                       DynamormCondition    *condition);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_write_options_add_condition_expression (DynamormWriteOptions *self,
                                                                       const char           *expression,
                                                                       JsonNode             *names,
                                                                       JsonNode             *values);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_write_options_set_check_version        (DynamormWriteOptions *self,
                                                                       gboolean              check_version);
DYNAMORM_AVAILABLE_IN_ALL
gboolean              dynamorm_write_options_get_check_version        (DynamormWriteOptions *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormModel *dynamorm_write_options_get_current (DynamormWriteOptions *self);

G_END_DECLS
