/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libdynamorm-http.so: the aws and local backends as one GIO module. GIO
 * derives the entry points' names, g_io_dynamorm_http_*, from the file name. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-aws-backend.h"
#include "dynamorm-http-backend.h"
#include "dynamorm-kms-key-provider.h"
#include "dynamorm-local-backend.h"

/* Scheme → type; the priority orders them for callers walking the extension
 * point: aws before local, as DESIGN.md says. */
static void
register_backends (GTypeModule *module)
{
  _dynamorm_http_backend_register (module);
  _dynamorm_aws_backend_register (module);
  _dynamorm_local_backend_register (module);

  g_io_extension_point_implement (DYNAMORM_BACKEND_EXTENSION_POINT_NAME,
                                  DYNAMORM_TYPE_AWS_BACKEND, "aws", 20);
  g_io_extension_point_implement (DYNAMORM_BACKEND_EXTENSION_POINT_NAME,
                                  DYNAMORM_TYPE_LOCAL_BACKEND, "local", 10);
  g_io_extension_point_implement (DYNAMORM_BACKEND_EXTENSION_POINT_NAME,
                                  DYNAMORM_TYPE_LOCAL_HTTP_BACKEND, "http", 5);

  /* The key provider on AWS KMS (dynamorm_key_provider_new_kms). */
  _dynamorm_kms_key_provider_register (module);
  g_io_extension_point_implement (DYNAMORM_KEY_PROVIDER_EXTENSION_POINT_NAME,
                                  DYNAMORM_TYPE_KMS_KEY_PROVIDER, "kms", 10);
}

G_MODULE_EXPORT void
g_io_dynamorm_http_load (GIOModule *module)
{
  /* Classes of this module may outlive every instance (GIO keeps the
   * extension's type); never let the code be unloaded under them. */
  g_type_module_use (G_TYPE_MODULE (module));
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  register_backends (G_TYPE_MODULE (module));
}

G_MODULE_EXPORT void
g_io_dynamorm_http_unload (GIOModule *module)
{
}

G_MODULE_EXPORT char **
g_io_dynamorm_http_query (void)
{
  char **names = g_new0 (char *, 3);

  names[0] = g_strdup (DYNAMORM_BACKEND_EXTENSION_POINT_NAME);
  names[1] = g_strdup (DYNAMORM_KEY_PROVIDER_EXTENSION_POINT_NAME);
  return names;
}
