/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-http-outcome.h: what a write did when an attempt's answer was
 * lost.
 *
 * An attempt whose request reached DynamoDB but whose answer did not come
 * back whole (a timeout or reset after the body was sent, an HTTP 5xx, a
 * corrupted or cut answer) may have been applied. The retry then meets the
 * state that attempt left: a conditional put (an insert) fails its condition
 * against its own item, a conditional delete against the item's absence.
 * The transport asks for the stored item on a failed condition in the
 * retries (ReturnValuesOnConditionCheckFailure ALL_OLD) and these helpers
 * decide from it: "the stored item is exactly what this call wrote" is
 * success; what cannot be decided becomes DYNAMORM_ERROR_OUTCOME_UNKNOWN,
 * never a false refusal. Plain C over json-glib; no state. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems. */
gboolean  dynamorm_http_outcome_is_write            (const char  *operation);

/* Whether sending the request again after it was applied would change the
 * item again: an UpdateItem whose result depends on the item before it (an
 * ADD or DELETE clause, a SET value that reads an attribute), or a
 * TransactWriteItems without a ClientRequestToken. Such a request is not
 * retried after a lost answer. */
gboolean  dynamorm_http_outcome_repeat_changes_item (const char  *operation,
                                                     JsonObject  *request);

/* For the retries after a lost answer: a conditional PutItem, UpdateItem or
 * DeleteItem that does not ask for the stored item on a failed condition
 * is changed to (ReturnValuesOnConditionCheckFailure ALL_OLD). Returns
 * whether request changed. */
gboolean  dynamorm_http_outcome_ask_for_stored_item (const char  *operation,
                                                     JsonObject  *request);

/* After a write with a lost answer ended with *error: the response the
 * write had when the stored state shows it was applied (*error is then
 * cleared), else NULL with *error kept when it is a real refusal or turned
 * into DYNAMORM_ERROR_OUTCOME_UNKNOWN. request is the request last sent;
 * lost_answer says what happened to the lost answer, for the message. */
JsonNode *dynamorm_http_outcome_resolve             (const char  *operation,
                                                     JsonObject  *request,
                                                     const char  *lost_answer,
                                                     GError     **error);

G_END_DECLS
