/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-http-proxy.h: the proxy settings the AWS SDKs honour. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A resolver for HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case), or NULL
 * for a direct connection when none is set. Loopback is never proxied. */
GProxyResolver *dynamorm_http_proxy_resolver_new_from_env (void);

G_END_DECLS
