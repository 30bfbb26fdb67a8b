/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define DYNAMORM_INSIDE

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "dynamorm-version.h"
#include "dynamorm-version-macros.h"
#include "dynamorm-enums.h"
#include "dynamorm-error.h"
#include "dynamorm-backend.h"
#include "dynamorm-codec.h"
#include "dynamorm-model.h"
#include "dynamorm-session.h"
/* ORM API */
#include "dynamorm-condition.h"
#include "dynamorm-key.h"
#include "dynamorm-batch-options.h"
#include "dynamorm-batch-get.h"
#include "dynamorm-batch-write.h"
#include "dynamorm-transaction.h"
#include "dynamorm-transaction-failure.h"
#include "dynamorm-query.h"
#include "dynamorm-update.h"
#include "dynamorm-write-options.h"
#include "dynamorm-table-options.h"
#include "dynamorm-table.h"
#include "dynamorm-data-migration.h"
#include "dynamorm-stream.h"
#include "dynamorm-change-feed.h"
#include "dynamorm-live-query.h"
#include "dynamorm-model-watch.h"
#include "dynamorm-key-provider.h"
#include "dynamorm-local-key-provider.h"
#include "dynamorm-data-key-cache.h"
#include "dynamorm-accounts.h"
/* (end ORM API) */
/* transport: credentials, SigV4 and retry policy */
#include "dynamorm-credentials.h"
#include "dynamorm-sigv4.h"
#include "dynamorm-retry-policy.h"
/* (end transport) */
/* testing: snapshots, the request spy, fixtures */
#include "dynamorm-snapshot.h"
#include "dynamorm-spy-call.h"
#include "dynamorm-request-spy.h"
#include "dynamorm-fixture.h"
/* (end testing) */

#undef DYNAMORM_INSIDE
