/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-aws-profile.h"

/* A "~/" at the start of the path names the home directory, as the CLI allows. */
static char *
expand_home (const char *path)
{
  if (g_str_has_prefix (path, "~/"))
    return g_build_filename (g_get_home_dir (), path + 2, NULL);
  return g_strdup (path);
}

char *
dynamorm_aws_profile_config_path (void)
{
  const char *env = g_getenv ("AWS_CONFIG_FILE");

  if (env != NULL && *env != '\0')
    return expand_home (env);
  return g_build_filename (g_get_home_dir (), ".aws", "config", NULL);
}

char *
dynamorm_aws_profile_credentials_path (void)
{
  const char *env = g_getenv ("AWS_SHARED_CREDENTIALS_FILE");

  if (env != NULL && *env != '\0')
    return expand_home (env);
  return g_build_filename (g_get_home_dir (), ".aws", "credentials", NULL);
}

/* The files are INI-like but not GKeyFile: ';' and '#' start comments,
 * '=' may have spaces around it, and indented lines after "key =" are a
 * nested sub-section (s3 settings, for example), which we skip. */
GHashTable *
dynamorm_aws_profile_parse (const char *text)
{
  GHashTable *sections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) g_hash_table_unref);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GHashTable *current = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gboolean indented = (*line == ' ' || *line == '\t');
      char *eq;

      g_strstrip (line);
      if (*line == '\0' || *line == '#' || *line == ';')
        continue;

      if (*line == '[')
        {
          char *end = strchr (line, ']');
          g_autofree char *name = NULL;

          current = NULL;
          if (end == NULL)
            continue;
          name = g_strstrip (g_strndup (line + 1, end - line - 1));
          current = g_hash_table_lookup (sections, name);
          if (current == NULL)
            {
              current = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
              g_hash_table_insert (sections, g_steal_pointer (&name), current);
            }
          continue;
        }

      if (current == NULL || indented)
        continue;

      eq = strchr (line, '=');
      if (eq == NULL)
        continue;
      *eq = '\0';
      g_strstrip (line);
      g_strstrip (eq + 1);
      /* A key with an empty value opens a nested sub-section. */
      if (eq[1] == '\0')
        continue;
      g_hash_table_insert (current, g_ascii_strdown (line, -1), g_strdup (eq + 1));
    }

  return sections;
}

static GHashTable *
load_section (const char  *path,
              const char  *section,
              const char  *alt_section,
              GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GHashTable) sections = NULL;
  g_autoptr(GError) local_error = NULL;
  GHashTable *found;

  if (!g_file_get_contents (path, &text, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      g_set_error (error, G_FILE_ERROR, local_error->code,
                   _("Could not read the AWS configuration file %s: %s"), path, local_error->message);
      return NULL;
    }

  sections = dynamorm_aws_profile_parse (text);
  found = g_hash_table_lookup (sections, section);
  if (found == NULL && alt_section != NULL)
    found = g_hash_table_lookup (sections, alt_section);
  return found ? g_hash_table_ref (found) : NULL;
}

GHashTable *
dynamorm_aws_profile_load (const char  *profile,
                           char       **files_out,
                           GError     **error)
{
  g_autofree char *config_path = dynamorm_aws_profile_config_path ();
  g_autofree char *credentials_path = dynamorm_aws_profile_credentials_path ();
  g_autofree char *config_section = g_strdup_printf ("profile %s", profile);
  g_autoptr(GHashTable) from_config = NULL;
  g_autoptr(GHashTable) from_credentials = NULL;
  GHashTable *merged;
  GHashTableIter iter;
  gpointer key, value;

  if (files_out != NULL)
    *files_out = g_strdup_printf ("%s, %s", credentials_path, config_path);

  from_credentials = load_section (credentials_path, profile, NULL, error);
  if (error != NULL && *error != NULL)
    return NULL;
  /* In the config file the default profile may be [default] or [profile default]. */
  from_config = load_section (config_path, config_section,
                              g_str_equal (profile, "default") ? "default" : NULL, error);
  if (error != NULL && *error != NULL)
    return NULL;

  if (from_config == NULL && from_credentials == NULL)
    return NULL;

  merged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (from_config != NULL)
    {
      g_hash_table_iter_init (&iter, from_config);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (merged, g_strdup (key), g_strdup (value));
    }
  if (from_credentials != NULL)
    {
      g_hash_table_iter_init (&iter, from_credentials);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (merged, g_strdup (key), g_strdup (value));
    }
  return merged;
}
