/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GIO module entry points of libdynamorm-memory.so. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-memory-backend.h"

G_MODULE_EXPORT void
g_io_dynamorm_memory_load (GIOModule *module)
{
  /* Types of a loaded module must never be unloaded while instances live. */
  g_type_module_use (G_TYPE_MODULE (module));
  dynamorm_memory_backend_register (module);
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}

G_MODULE_EXPORT void
g_io_dynamorm_memory_unload (GIOModule *module)
{
}

G_MODULE_EXPORT char **
g_io_dynamorm_memory_query (void)
{
  return g_strsplit (DYNAMORM_BACKEND_EXTENSION_POINT_NAME, "!", -1);
}
