/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-private.h"

/**
 * DynamormAccounts:
 *
 * One session per partner AWS account, each reached by assuming a role in
 * that account (STS AssumeRole, with an external id).
 *
 * A service that reads its partners' tables declares each partner once,
 * by name, with the role to assume, its region and the external id the
 * partner gave; [method@Dynamorm.Accounts.get_session] then hands out that
 * partner's session. Sessions are created on first use (no request is made
 * before), shared by every caller, and keep their temporary credentials
 * fresh: they are refreshed 5 to 6 minutes (jittered) before they expire,
 * one refresh at a time.
 *
 * ```c
 * g_autoptr(DynamormAccounts) accounts = dynamorm_accounts_new ("aws://eu-west-1", NULL, &error);
 *
 * dynamorm_accounts_add (accounts, "acme", "arn:aws:iam::111122223333:role/OrdersReader",
 *                        NULL, "acme-7f3a", &error);
 * DynamormSession *acme = dynamorm_accounts_get_session (accounts, "acme", &error);
 * ```
 *
 * The base URI gives the default region and the options every partner's
 * session shares (`endpoint`, `sts_endpoint`, `profile`, `timeout`, the
 * encryption parameters, ...); its own credentials, or @credentials,
 * assume the roles. Thread-safe.
 *
 * Since: 0.2
 */
struct _DynamormAccounts
{
  GObject parent_instance;

  char *base_region;
  char *base_query;          /* without role options; may be NULL */
  DynamormCredentials *credentials;

  GMutex lock;
  GHashTable *partners;      /* name -> Partner* */
};

typedef struct {
  char *role_arn;
  char *region;
  char *external_id;
  DynamormSession *session;  /* created on first use */
} Partner;

G_DEFINE_FINAL_TYPE (DynamormAccounts, dynamorm_accounts, G_TYPE_OBJECT)

static void
partner_free (Partner *partner)
{
  g_free (partner->role_arn);
  g_free (partner->region);
  g_free (partner->external_id);
  g_clear_object (&partner->session);
  g_free (partner);
}

static void
dynamorm_accounts_finalize (GObject *object)
{
  DynamormAccounts *self = DYNAMORM_ACCOUNTS (object);

  g_hash_table_unref (self->partners);
  g_clear_pointer (&self->credentials, dynamorm_credentials_unref);
  g_free (self->base_region);
  g_free (self->base_query);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (dynamorm_accounts_parent_class)->finalize (object);
}

static void
dynamorm_accounts_class_init (DynamormAccountsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dynamorm_accounts_finalize;
}

static void
dynamorm_accounts_init (DynamormAccounts *self)
{
  g_mutex_init (&self->lock);
  self->partners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) partner_free);
}

static const char * const role_options[] = { "role_arn", "external_id", "role_session_name", NULL };

/* The base URI's query without the per-partner role options. */
static gboolean
split_query (const char *query, char **out, GError **error)
{
  g_auto(GStrv) params = g_strsplit (query, "&", -1);
  g_autoptr(GString) kept = g_string_new (NULL);

  for (guint i = 0; params[i] != NULL; i++)
    {
      const char *eq = strchr (params[i], '=');
      g_autofree char *name = g_strndup (params[i], eq ? (gsize) (eq - params[i]) : strlen (params[i]));

      if (*params[i] == '\0')
        continue;
      if (g_strv_contains (role_options, name))
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("The base URI of a DynamormAccounts names “%s”: each partner has its own role; "
                         "pass it to dynamorm_accounts_add() instead"),
                       name);
          return FALSE;
        }
      g_string_append_printf (kept, "%s%s", kept->len ? "&" : "", params[i]);
    }
  *out = kept->len ? g_strdup (kept->str) : NULL;
  return TRUE;
}

/**
 * dynamorm_accounts_new:
 * @base_uri: (nullable): an `aws://REGION?...` URI with the default region
 *   and the options every partner session shares; %NULL for `aws://` (the
 *   region from `AWS_REGION`)
 * @credentials: (nullable): the credentials that assume the partners'
 *   roles; %NULL for the base URI's (its `profile`, or the AWS chain)
 * @error: return location for a #GError
 *
 * Creates an empty set of partner accounts.
 *
 * Returns: (transfer full): the accounts, or %NULL when @base_uri is not
 *   an aws:// URI
 *
 * Since: 0.2
 */
DynamormAccounts *
dynamorm_accounts_new (const char           *base_uri,
                       DynamormCredentials  *credentials,
                       GError              **error)
{
  g_autoptr(DynamormAccounts) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  uri = g_uri_parse (base_uri ? base_uri : "aws://", G_URI_FLAGS_ENCODED, &local_error);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "aws") != 0)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("Partner accounts are reached through AWS: the base URI must be aws://REGION, "
                     "not “%s”"),
                   base_uri);
      return NULL;
    }
  self = g_object_new (DYNAMORM_TYPE_ACCOUNTS, NULL);
  self->base_region = g_strdup (g_uri_get_host (uri) && *g_uri_get_host (uri) ? g_uri_get_host (uri) : NULL);
  if (g_uri_get_query (uri) != NULL && !split_query (g_uri_get_query (uri), &self->base_query, error))
    return NULL;
  self->credentials = credentials ? dynamorm_credentials_ref (credentials) : NULL;
  return g_steal_pointer (&self);
}

static gboolean
is_role_arn (const char *arn)
{
  return arn != NULL && g_str_has_prefix (arn, "arn:") && strstr (arn, ":role/") != NULL;
}

/**
 * dynamorm_accounts_add:
 * @self: a #DynamormAccounts
 * @name: the partner's name, for [method@Dynamorm.Accounts.get_session]
 * @role_arn: the role to assume in the partner's account, such as
 *   `arn:aws:iam::111122223333:role/OrdersReader`
 * @region: (nullable): the partner's region; %NULL for the base URI's
 * @external_id: (nullable): the external id the partner's trust policy
 *   requires
 * @error: return location for a #GError
 *
 * Declares a partner account. No request is made.
 *
 * Returns: %TRUE on success; %FALSE when the name is taken or the role ARN
 *   is not one
 *
 * Since: 0.2
 */
gboolean
dynamorm_accounts_add (DynamormAccounts  *self,
                       const char        *name,
                       const char        *role_arn,
                       const char        *region,
                       const char        *external_id,
                       GError           **error)
{
  Partner *partner;

  g_return_val_if_fail (DYNAMORM_IS_ACCOUNTS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (*name == '\0' || !is_role_arn (role_arn))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   *name == '\0' ? _("A partner account needs a name")
                                 : _("The role of partner “%s” is not a role ARN (“%s”): it looks like "
                                     "arn:aws:iam::111122223333:role/NAME"),
                   name, role_arn ? role_arn : "");
      return FALSE;
    }
  if (region == NULL && self->base_region == NULL && g_getenv ("AWS_REGION") == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("Partner “%s” has no region: pass one, put one in the base URI (aws://eu-west-1) "
                     "or set AWS_REGION"),
                   name);
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  if (g_hash_table_contains (self->partners, name))
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("Partner “%s” is already declared"), name);
      return FALSE;
    }
  partner = g_new0 (Partner, 1);
  partner->role_arn = g_strdup (role_arn);
  partner->region = g_strdup (region);
  partner->external_id = g_strdup (external_id);
  g_hash_table_insert (self->partners, g_strdup (name), partner);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
append_option (GString *uri, const char *name, const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_printf (uri, "%c%s=%s", strchr (uri->str, '?') ? '&' : '?', name, escaped);
}

static char *
partner_uri (DynamormAccounts *self, const char *name, Partner *partner)
{
  g_autoptr(GString) uri = g_string_new ("aws://");
  g_autofree char *session_name = g_strdup_printf ("dynamorm-%s", name);

  g_string_append (uri, partner->region ? partner->region : self->base_region ? self->base_region : "");
  if (self->base_query != NULL)
    g_string_append_printf (uri, "?%s", self->base_query);
  append_option (uri, "role_arn", partner->role_arn);
  if (partner->external_id != NULL)
    append_option (uri, "external_id", partner->external_id);
  /* Role session names are [\w+=,.@-]{2,64}. */
  g_strcanon (session_name, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "+=,.@-_", '-');
  session_name[MIN (strlen (session_name), 64)] = '\0';
  append_option (uri, "role_session_name", session_name);
  return g_string_free (g_steal_pointer (&uri), FALSE);
}

/**
 * dynamorm_accounts_get_session:
 * @self: a #DynamormAccounts
 * @name: a partner declared with [method@Dynamorm.Accounts.add]
 * @error: return location for a #GError
 *
 * Gets the partner's session, creating it on first use. Every caller gets
 * the same session. Creating it makes no request: the role is assumed by
 * the first operation, and again before its credentials expire.
 *
 * Returns: (transfer none): the session, or %NULL on error
 *
 * Since: 0.2
 */
DynamormSession *
dynamorm_accounts_get_session (DynamormAccounts  *self,
                               const char        *name,
                               GError           **error)
{
  DynamormSession *session = NULL;
  Partner *partner;

  g_return_val_if_fail (DYNAMORM_IS_ACCOUNTS (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->lock);
  partner = g_hash_table_lookup (self->partners, name);
  if (partner == NULL)
    {
      g_autofree char **names = (char **) g_hash_table_get_keys_as_array (self->partners, NULL);
      g_autofree char *known = g_strjoinv (", ", names);

      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("No partner account is named “%s”; declare it with dynamorm_accounts_add() "
                     "(declared: %s)"),
                   name, *known ? known : _("none"));
    }
  else if (partner->session == NULL)
    {
      g_autofree char *uri = partner_uri (self, name, partner);

      partner->session = dynamorm_session_new_full (uri, self->credentials, NULL, error);
      if (partner->session == NULL)
        g_prefix_error (error, _("The session of partner “%s” cannot be created: "), name);
    }
  session = partner ? partner->session : NULL;
  g_mutex_unlock (&self->lock);
  return session;
}

/**
 * dynamorm_accounts_has_session:
 * @self: a #DynamormAccounts
 * @name: a partner's name
 *
 * Tells whether the session of the partner named @name was created
 * already (sessions are created on first use).
 *
 * Returns: whether the partner's session was created already
 *
 * Since: 0.2
 */
gboolean
dynamorm_accounts_has_session (DynamormAccounts *self,
                               const char       *name)
{
  Partner *partner;
  gboolean has;

  g_return_val_if_fail (DYNAMORM_IS_ACCOUNTS (self), FALSE);
  g_mutex_lock (&self->lock);
  partner = g_hash_table_lookup (self->partners, name);
  has = partner != NULL && partner->session != NULL;
  g_mutex_unlock (&self->lock);
  return has;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/**
 * dynamorm_accounts_list_names:
 * @self: a #DynamormAccounts
 *
 * Lists the names of the partner accounts added to @self.
 *
 * Returns: (transfer full) (array zero-terminated=1): the partners' names,
 *   sorted
 *
 * Since: 0.2
 */
char **
dynamorm_accounts_list_names (DynamormAccounts *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (DYNAMORM_IS_ACCOUNTS (self), NULL);
  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->partners);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, g_strdup (key));
  g_mutex_unlock (&self->lock);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}
