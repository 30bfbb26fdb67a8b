/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dynamorm-http-proxy.h"

/* Like the AWS SDKs (and curl), and unlike GIO's default resolver: the
 * environment decides. GIO's default can be glib-networking's GNOME
 * resolver, which aborts the process when the GSettings schemas are
 * missing (containers, isolated test directories). */

static const char *
env_either (const char *lower,
            const char *upper)
{
  const char *value = g_getenv (lower);

  if (value == NULL || *value == '\0')
    value = g_getenv (upper);
  return value != NULL && *value != '\0' ? value : NULL;
}

GProxyResolver *
dynamorm_http_proxy_resolver_new_from_env (void)
{
  const char *https_proxy = env_either ("https_proxy", "HTTPS_PROXY");
  const char *http_proxy = env_either ("http_proxy", "HTTP_PROXY");
  const char *no_proxy = env_either ("no_proxy", "NO_PROXY");
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) ignore = NULL;
  GProxyResolver *resolver;

  if (https_proxy == NULL && http_proxy == NULL)
    return NULL;

  builder = g_strv_builder_new ();
  g_strv_builder_add_many (builder, "localhost", "127.0.0.0/8", "::1", NULL);
  if (no_proxy != NULL)
    {
      g_auto(GStrv) hosts = g_strsplit (no_proxy, ",", -1);

      for (guint i = 0; hosts[i] != NULL; i++)
        {
          g_strstrip (hosts[i]);
          if (*hosts[i] != '\0')
            g_strv_builder_add (builder, hosts[i]);
        }
    }
  ignore = g_strv_builder_end (builder);

  resolver = g_simple_proxy_resolver_new (NULL, ignore);
  if (https_proxy != NULL)
    g_simple_proxy_resolver_set_uri_proxy (G_SIMPLE_PROXY_RESOLVER (resolver), "https", https_proxy);
  if (http_proxy != NULL)
    g_simple_proxy_resolver_set_uri_proxy (G_SIMPLE_PROXY_RESOLVER (resolver), "http", http_proxy);
  return resolver;
}
