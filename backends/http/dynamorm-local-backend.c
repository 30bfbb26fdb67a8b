/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-local-backend.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT 8000
/* DynamoDB Local ignores the region with -sharedDb and keys its database
 * files by it otherwise; any fixed value does. */
#define LOCAL_REGION "us-east-1"

/**
 * DynamormLocalBackend:
 *
 * The backend for DynamoDB Local: `local://HOST:PORT` (default
 * `local://127.0.0.1:8000`) or `http://HOST:PORT`. Requests are signed with
 * placeholder credentials, which DynamoDB Local accepts without checking;
 * the credential chain is never consulted. Options: `timeout`,
 * `connect_timeout` (seconds) and `max_attempts`.
 */
struct _DynamormLocalHttpBackend
{
  DynamormLocalBackend parent_instance;
};

G_DEFINE_DYNAMIC_TYPE (DynamormLocalBackend, dynamorm_local_backend, DYNAMORM_TYPE_HTTP_BACKEND)
G_DEFINE_DYNAMIC_TYPE_EXTENDED (DynamormLocalHttpBackend, dynamorm_local_http_backend,
                                DYNAMORM_TYPE_LOCAL_BACKEND, G_TYPE_FLAG_FINAL, {})

static gboolean
dynamorm_local_backend_configure (DynamormHttpBackend        *self,
                                  GUri                       *uri,
                                  GHashTable                 *options,
                                  DynamormHttpBackendConfig  *config,
                                  GError                    **error)
{
  const char *uri_string = dynamorm_backend_get_uri (DYNAMORM_BACKEND (self));
  const char *host = g_uri_get_host (uri);
  const char *path = g_uri_get_path (uri);
  int port = g_uri_get_port (uri);
  g_autoptr(DynamormCredentials) credentials = NULL;
  gboolean plain_http = g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0;

  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("“%s” has user information, which DynamoDB Local does not use: remove it"),
                   uri_string);
      return FALSE;
    }
  if (!plain_http && *path != '\0' && !g_str_equal (path, "/"))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("“%s” has a path; DynamoDB Local URIs look like local://127.0.0.1:8000"),
                   uri_string);
      return FALSE;
    }

  if (host == NULL || *host == '\0')
    host = DEFAULT_HOST;
  if (port == -1 && !plain_http)
    port = DEFAULT_PORT;

  config->endpoint = g_uri_build (G_URI_FLAGS_NONE, "http", NULL, host, port,
                                  *path != '\0' ? path : "/", NULL, NULL);
  config->region = g_strdup (LOCAL_REGION);
  /* Any secret does; the access key id must be alphanumeric (DynamoDB
   * Local ≥ 2.0 refuses others with UnrecognizedClientException). */
  credentials = dynamorm_credentials_new (DYNAMORM_LOCAL_ACCESS_KEY_ID, "dynamormlocal", NULL, NULL);
  config->credentials = dynamorm_aws_credential_provider_new_static (credentials);
  return TRUE;
}

static void
dynamorm_local_backend_class_init (DynamormLocalBackendClass *klass)
{
  DynamormHttpBackendClass *http_class = DYNAMORM_HTTP_BACKEND_CLASS (klass);

  http_class->configure = dynamorm_local_backend_configure;
}

static void
dynamorm_local_backend_class_finalize (DynamormLocalBackendClass *klass)
{
}

static void
dynamorm_local_backend_init (DynamormLocalBackend *self)
{
}

static void
dynamorm_local_http_backend_class_init (DynamormLocalHttpBackendClass *klass)
{
}

static void
dynamorm_local_http_backend_class_finalize (DynamormLocalHttpBackendClass *klass)
{
}

static void
dynamorm_local_http_backend_init (DynamormLocalHttpBackend *self)
{
}

void
_dynamorm_local_backend_register (GTypeModule *module)
{
  dynamorm_local_backend_register_type (module);
  dynamorm_local_http_backend_register_type (module);
}
