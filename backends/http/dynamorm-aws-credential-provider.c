/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-aws-credential-provider.h"
#include "dynamorm-aws-metadata.h"
#include "dynamorm-aws-profile.h"
#include "dynamorm-aws-service.h"

/* The metadata services answer in milliseconds or not at all (off EC2,
 * 169.254.169.254 is a black hole); the SDKs wait 1 to 2 seconds. */
#define METADATA_TIMEOUT_SECONDS 2

struct _DynamormAwsCredentialProvider
{
  gatomicrefcount ref_count;

  DynamormCredentials *fixed;   /* static provider */
  char *profile;                /* explicit profile, or NULL */
  SoupSession *metadata_session;

  /* assume-role provider */
  DynamormAwsCredentialProvider *source;
  DynamormAwsService *sts;
  char *role_arn;
  char *external_id;
  char *session_name;
  guint duration_seconds;
  guint depth;                  /* of source_profile chains, against cycles */

  GMutex lock;                  /* protects cached, margin, n_resolved */
  DynamormCredentials *cached;
  GTimeSpan margin;             /* refresh this long before expiry */
  guint n_resolved;
  GMutex refresh_lock;          /* one resolution at a time */
};

#define MAX_PROFILE_DEPTH 5

static DynamormAwsCredentialProvider *
provider_new (void)
{
  DynamormAwsCredentialProvider *self = g_new0 (DynamormAwsCredentialProvider, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  g_mutex_init (&self->refresh_lock);
  self->margin = DYNAMORM_AWS_CREDENTIALS_REFRESH_MARGIN;
  return self;
}

DynamormAwsCredentialProvider *
dynamorm_aws_credential_provider_new_static (DynamormCredentials *credentials)
{
  DynamormAwsCredentialProvider *self = provider_new ();

  self->fixed = dynamorm_credentials_ref (credentials);
  return self;
}

static DynamormAwsCredentialProvider *
chain_new_depth (const char *profile, guint depth)
{
  DynamormAwsCredentialProvider *self = dynamorm_aws_credential_provider_new_chain (profile);

  self->depth = depth;
  return self;
}

DynamormAwsCredentialProvider *
dynamorm_aws_credential_provider_new_chain (const char *profile)
{
  DynamormAwsCredentialProvider *self = provider_new ();

  self->profile = g_strdup (profile);
  /* Configured here, in the creating thread, before any request: libsoup
   * allows sending from other threads only on a session set up that way. */
  self->metadata_session = soup_session_new_with_options ("timeout", METADATA_TIMEOUT_SECONDS,
                                                          "max-conns-per-host", 4,
                                                          NULL);
  /* Metadata endpoints are link-local: never through a proxy. */
  soup_session_set_proxy_resolver (self->metadata_session, NULL);
  return self;
}

DynamormAwsCredentialProvider *
dynamorm_aws_credential_provider_ref (DynamormAwsCredentialProvider *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
dynamorm_aws_credential_provider_unref (DynamormAwsCredentialProvider *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_pointer (&self->fixed, dynamorm_credentials_unref);
  g_clear_pointer (&self->cached, dynamorm_credentials_unref);
  g_clear_object (&self->metadata_session);
  g_clear_pointer (&self->source, dynamorm_aws_credential_provider_unref);
  g_clear_pointer (&self->sts, dynamorm_aws_service_free);
  g_free (self->role_arn);
  g_free (self->external_id);
  g_free (self->session_name);
  g_free (self->profile);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->refresh_lock);
  g_free (self);
}

static void
note (GString    *looked,
      const char *where,
      const char *what)
{
  g_string_append_printf (looked, "\n • %s: %s", where, what);
}

/* ------------------------------------------------------------------ */
/* STS AssumeRole */

typedef struct {
  GString *text;
  char *values[4];   /* AccessKeyId, SecretAccessKey, SessionToken, Expiration */
} CredentialsXml;

static const char * const credential_elements[] = { "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration" };

static void
xml_start (GMarkupParseContext *context, const char *element, const char **names,
           const char **values, gpointer user_data, GError **error)
{
  g_string_truncate (((CredentialsXml *) user_data)->text, 0);
}

static void
xml_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  CredentialsXml *x = user_data;

  for (guint i = 0; i < G_N_ELEMENTS (credential_elements); i++)
    if (g_str_equal (element, credential_elements[i]) && x->values[i] == NULL)
      x->values[i] = g_strdup (x->text->str);
}

static void
xml_text (GMarkupParseContext *context, const char *text, gsize len, gpointer user_data, GError **error)
{
  g_string_append_len (((CredentialsXml *) user_data)->text, text, len);
}

static void
wipe_free (char *text)
{
  if (text != NULL)
    {
      memset (text, 0, strlen (text));
      g_free (text);
    }
}

/* The Credentials of an AssumeRole answer. */
static DynamormCredentials *
parse_assume_role (const char *xml, const char *role_arn, GError **error)
{
  static const GMarkupParser parser = { xml_start, xml_end, xml_text, NULL, NULL };
  CredentialsXml x = { g_string_new (NULL), { NULL } };
  g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new (&parser, 0, &x, NULL);
  g_autoptr(GDateTime) expiration = NULL;
  DynamormCredentials *credentials = NULL;

  if (g_markup_parse_context_parse (context, xml, -1, NULL) &&
      g_markup_parse_context_end_parse (context, NULL) &&
      x.values[0] && x.values[1] && x.values[2] && x.values[3] &&
      (expiration = g_date_time_new_from_iso8601 (x.values[3], NULL)) != NULL)
    credentials = dynamorm_credentials_new (x.values[0], x.values[1], x.values[2], expiration);
  else
    g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                 _("STS answered AssumeRole for “%s” without usable credentials (AccessKeyId, "
                   "SecretAccessKey, SessionToken and Expiration): check that the STS endpoint is AWS STS"),
                 role_arn);
  g_string_free (x.text, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (x.values); i++)
    wipe_free (x.values[i]);
  return credentials;
}

static void
append_param (GString *form, const char *name, const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_printf (form, "&%s=%s", name, escaped);
}

static DynamormCredentials *
assume_role (DynamormAwsCredentialProvider  *self,
             GCancellable                   *cancellable,
             GError                        **error)
{
  g_autoptr(GString) form = g_string_new ("Action=AssumeRole&Version=2011-06-15");
  g_autofree char *duration = g_strdup_printf ("%u", self->duration_seconds);
  g_autofree char *answer = NULL;

  append_param (form, "RoleArn", self->role_arn);
  append_param (form, "RoleSessionName", self->session_name);
  append_param (form, "DurationSeconds", duration);
  if (self->external_id != NULL)
    append_param (form, "ExternalId", self->external_id);
  g_debug ("Assuming the role %s (session %s, %u s)", self->role_arn, self->session_name,
           self->duration_seconds);
  answer = dynamorm_aws_service_call_query (self->sts, form->str, cancellable, error);
  if (answer == NULL)
    {
      g_prefix_error (error, _("Assuming the role “%s” failed (check the role’s trust policy, the "
                               "external id and the source credentials): "),
                      self->role_arn);
      return NULL;
    }
  return parse_assume_role (answer, self->role_arn, error);
}

static gboolean
is_role_arn (const char *arn)
{
  return arn != NULL && g_str_has_prefix (arn, "arn:") && strstr (arn, ":role/") != NULL;
}

DynamormAwsCredentialProvider *
dynamorm_aws_credential_provider_new_assume_role (DynamormAwsCredentialProvider  *source,
                                                  const DynamormAssumeRoleConfig *config,
                                                  GError                        **error)
{
  g_autoptr(DynamormAwsCredentialProvider) self = NULL;
  g_autoptr(GUri) endpoint = NULL;
  guint duration = config->duration_seconds ? config->duration_seconds : 3600;
  const char *region = config->region ? config->region : "us-east-1";

  if (!is_role_arn (config->role_arn))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a role ARN: it looks like arn:aws:iam::123456789012:role/NAME"),
                   config->role_arn ? config->role_arn : "");
      return NULL;
    }
  if (duration < 900 || duration > 43200)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The role session duration must be 900 to 43200 seconds, not %u"), duration);
      return NULL;
    }
  if (config->external_id != NULL && (strlen (config->external_id) < 2 || strlen (config->external_id) > 1224))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("An external id must be 2 to 1224 characters long"));
      return NULL;
    }
  endpoint = dynamorm_aws_service_endpoint ("sts", "STS", region, config->sts_endpoint, error);
  if (endpoint == NULL)
    return NULL;

  self = provider_new ();
  self->source = dynamorm_aws_credential_provider_ref (source);
  self->role_arn = g_strdup (config->role_arn);
  self->external_id = g_strdup (config->external_id);
  self->session_name = config->session_name ? g_strdup (config->session_name)
                                            : g_strdup_printf ("dynamorm-%d", (int) getpid ());
  self->duration_seconds = duration;
  self->sts = dynamorm_aws_service_new ("sts", "STS", endpoint,
                                        "sts_endpoint= in the URI, or AWS_ENDPOINT_URL_STS",
                                        region, source);
  return g_steal_pointer (&self);
}

guint
dynamorm_aws_credential_provider_get_n_resolved (DynamormAwsCredentialProvider *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->n_resolved;
  g_mutex_unlock (&self->lock);
  return n;
}

/* ------------------------------------------------------------------ */
/* Profiles that get credentials another way */

/* credential_process: a program that prints the credentials as JSON
 * ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken",
 * "Expiration"}). Its output is never logged. */
static DynamormCredentials *
run_credential_process (const char *profile, const char *command, GError **error)
{
  g_auto(GStrv) argv = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDateTime) expiration = NULL;
  JsonObject *obj;
  const char *key, *secret, *expires;
  int status = 0;
  DynamormCredentials *credentials;

  if (!g_shell_parse_argv (command, NULL, &argv, &local_error) ||
      !g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &out, NULL, &status, &local_error))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("The credential_process of the AWS profile “%s” cannot be run: %s"),
                   profile, local_error->message);
      return NULL;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      wipe_free (g_steal_pointer (&out));
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("The credential_process of the AWS profile “%s” failed (exit status %d): run "
                     "it yourself to see why"),
                   profile, WIFEXITED (status) ? WEXITSTATUS (status) : status);
      return NULL;
    }
  credentials = NULL;
  if (ddb_json_load (parser, out, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      obj = json_node_get_object (json_parser_get_root (parser));
      key = json_object_get_string_member_with_default (obj, "AccessKeyId", NULL);
      secret = json_object_get_string_member_with_default (obj, "SecretAccessKey", NULL);
      expires = json_object_get_string_member_with_default (obj, "Expiration", NULL);
      if (expires != NULL)
        expiration = g_date_time_new_from_iso8601 (expires, NULL);
      if (json_object_get_int_member_with_default (obj, "Version", 0) == 1 && key && secret &&
          (expires == NULL || expiration != NULL))
        credentials = dynamorm_credentials_new (key, secret,
                                                json_object_get_string_member_with_default (obj, "SessionToken", NULL),
                                                expiration);
    }
  wipe_free (g_steal_pointer (&out));
  if (credentials == NULL)
    g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                 _("The credential_process of the AWS profile “%s” did not print credentials as AWS "
                   "defines them: a JSON object with \"Version\": 1, AccessKeyId, SecretAccessKey and "
                   "optionally SessionToken and Expiration (ISO 8601)"),
                 profile);
  return credentials;
}

static DynamormAwsCredentialProvider *chain_new_depth (const char *profile, guint depth);

/* role_arn with source_profile or credential_source: AssumeRole with the
 * source's credentials. */
static DynamormCredentials *
assume_profile_role (DynamormAwsCredentialProvider  *self,
                     const char                     *profile,
                     GHashTable                     *settings,
                     GCancellable                   *cancellable,
                     GError                        **error)
{
  const char *source_profile = g_hash_table_lookup (settings, "source_profile");
  const char *credential_source = g_hash_table_lookup (settings, "credential_source");
  g_autoptr(DynamormAwsCredentialProvider) source = NULL;
  g_autoptr(DynamormAwsCredentialProvider) role = NULL;
  DynamormAssumeRoleConfig config = { 0 };
  guint64 duration = 0;
  const char *text;

  if (self->depth >= MAX_PROFILE_DEPTH)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("The AWS profile “%s” is reached through more than %d source_profile links: "
                     "check the profiles for a cycle"),
                   profile, MAX_PROFILE_DEPTH);
      return NULL;
    }
  if (source_profile != NULL && g_str_equal (source_profile, profile))
    {
      const char *key = g_hash_table_lookup (settings, "aws_access_key_id");
      const char *secret = g_hash_table_lookup (settings, "aws_secret_access_key");
      g_autoptr(DynamormCredentials) fixed = NULL;

      if (key == NULL || secret == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                       _("The AWS profile “%s” is its own source_profile but has no aws_access_key_id "
                         "and aws_secret_access_key"),
                       profile);
          return NULL;
        }
      fixed = dynamorm_credentials_new (key, secret, g_hash_table_lookup (settings, "aws_session_token"), NULL);
      source = dynamorm_aws_credential_provider_new_static (fixed);
    }
  else if (source_profile != NULL)
    source = chain_new_depth (source_profile, self->depth + 1);
  else if (credential_source != NULL && g_str_equal (credential_source, "Environment"))
    source = chain_new_depth (NULL, self->depth + 1);
  else
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("The AWS profile “%s” has role_arn but neither source_profile nor "
                     "credential_source = Environment: add the profile whose credentials assume the role"),
                   profile);
      return NULL;
    }
  if ((text = g_hash_table_lookup (settings, "duration_seconds")) != NULL &&
      !g_ascii_string_to_unsigned (text, 10, 900, 43200, &duration, NULL))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("The duration_seconds of the AWS profile “%s” must be 900 to 43200, not “%s”"),
                   profile, text);
      return NULL;
    }
  config.role_arn = g_hash_table_lookup (settings, "role_arn");
  config.external_id = g_hash_table_lookup (settings, "external_id");
  config.session_name = g_hash_table_lookup (settings, "role_session_name");
  config.duration_seconds = (guint) duration;
  config.region = g_hash_table_lookup (settings, "region");
  if (config.region == NULL)
    config.region = g_getenv ("AWS_REGION");
  role = dynamorm_aws_credential_provider_new_assume_role (source, &config, error);
  if (role == NULL)
    {
      g_prefix_error (error, _("The AWS profile “%s”: "), profile);
      return NULL;
    }
  g_debug ("AWS profile “%s” assumes the role %s", profile, config.role_arn);
  return dynamorm_aws_credential_provider_get (role, cancellable, error);
}

/* The SDKs' default chain, in their order. Returns credentials, or NULL
 * and an error that names every place it looked. */
static DynamormCredentials *
resolve_chain (DynamormAwsCredentialProvider  *self,
               GCancellable                   *cancellable,
               GError                        **error)
{
  g_autoptr(GString) looked = g_string_new (NULL);
  g_autoptr(GHashTable) settings = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *files = NULL;
  g_autofree char *skipped = NULL;
  g_autofree char *where = NULL;
  DynamormCredentials *credentials;
  const char *env_key = g_getenv ("AWS_ACCESS_KEY_ID");
  const char *env_secret = g_getenv ("AWS_SECRET_ACCESS_KEY");
  const char *env_profile = g_getenv ("AWS_PROFILE");
  const char *profile;

  note (looked, _("the backend’s “credentials” property"), _("not set"));

  /* 1. Environment, unless a profile was named in the URI. */
  if (self->profile != NULL)
    note (looked, _("environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
          _("skipped because the URI names a profile"));
  else if (env_key != NULL && *env_key != '\0' && env_secret != NULL && *env_secret != '\0')
    {
      g_debug ("Using AWS credentials from the environment");
      return dynamorm_credentials_new (env_key, env_secret, g_getenv ("AWS_SESSION_TOKEN"), NULL);
    }
  else if ((env_key != NULL && *env_key != '\0') || (env_secret != NULL && *env_secret != '\0'))
    note (looked, _("environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
          _("only one of the two is set"));
  else
    note (looked, _("environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"), _("not set"));

  /* 2. Shared credentials and config files. */
  profile = self->profile ? self->profile : (env_profile && *env_profile ? env_profile : "default");
  settings = dynamorm_aws_profile_load (profile, &files, &local_error);
  where = g_strdup_printf (_("profile “%s” in %s"), profile, files);
  if (local_error != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS, "%s", local_error->message);
      return NULL;
    }
  if (settings != NULL)
    {
      const char *key = g_hash_table_lookup (settings, "aws_access_key_id");
      const char *secret = g_hash_table_lookup (settings, "aws_secret_access_key");

      if (key != NULL && secret != NULL)
        {
          g_debug ("Using AWS credentials from profile “%s”", profile);
          return dynamorm_credentials_new (key, secret,
                                           g_hash_table_lookup (settings, "aws_session_token"), NULL);
        }

      /* Roles and credential processes, as the SDKs read them. */
      if (g_hash_table_contains (settings, "role_arn"))
        return assume_profile_role (self, profile, settings, cancellable, error);
      if (g_hash_table_contains (settings, "credential_process"))
        return run_credential_process (profile, g_hash_table_lookup (settings, "credential_process"), error);

      /* A named profile that gets its keys some other way: say so, rather
       * than silently falling through to instance metadata. */
      if (!g_str_equal (profile, "default") || self->profile != NULL)
        {
          const char *how = NULL;

          if (g_hash_table_contains (settings, "sso_session") ||
              g_hash_table_contains (settings, "sso_start_url"))
            how = "sso";
          else if (g_hash_table_contains (settings, "web_identity_token_file"))
            how = "web_identity_token_file";

          if (how != NULL)
            {
              g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                           _("The AWS profile “%s” gets its credentials through “%s”, which Dynamorm "
                             "does not support yet. Export temporary credentials (for example with "
                             "“aws configure export-credentials --profile %s --format env”) or use "
                             "a profile with aws_access_key_id and aws_secret_access_key."),
                           profile, how, profile);
              return NULL;
            }
        }
      note (looked, where, _("no aws_access_key_id and aws_secret_access_key"));
    }
  else if (self->profile != NULL || (env_profile != NULL && *env_profile != '\0'))
    {
      /* A profile the user asked for by name must exist. */
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("The AWS profile “%s” (from %s) is in neither %s. Check the name, or "
                     "AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE."),
                   profile, self->profile ? _("the URI") : "AWS_PROFILE", files);
      return NULL;
    }
  else
    note (looked, where, _("no such profile"));

  /* 3. Container credentials (ECS, EKS Pod Identity). Configured but
   * failing is an error of its own: the SDKs stop there too. */
  credentials = dynamorm_aws_metadata_container (self->metadata_session, &skipped, cancellable, error);
  if (credentials != NULL)
    {
      g_debug ("Using AWS credentials from the container credentials endpoint");
      return credentials;
    }
  if (skipped == NULL)
    return NULL;
  note (looked, _("container credentials"), skipped);
  g_clear_pointer (&skipped, g_free);

  /* 4. EC2 instance metadata. */
  credentials = dynamorm_aws_metadata_imds (self->metadata_session, &skipped, cancellable, &local_error);
  if (credentials != NULL)
    {
      g_debug ("Using AWS credentials from the instance metadata service");
      return credentials;
    }
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  {
    g_autofree char *endpoint = dynamorm_aws_metadata_imds_endpoint ();
    g_autofree char *imds = g_strdup_printf (_("EC2 instance metadata (IMDSv2) at %s"), endpoint);
    note (looked, imds, skipped ? skipped : local_error->message);
  }

  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
               _("No AWS credentials found. Dynamorm looked, in order, at:%s\n"
                 "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run “aws configure”, "
                 "or pass credentials to the backend."),
               looked->str);
  return NULL;
}

static DynamormCredentials *
lookup_fresh (DynamormAwsCredentialProvider *self)
{
  DynamormCredentials *credentials = NULL;

  g_mutex_lock (&self->lock);
  if (self->cached != NULL &&
      !dynamorm_credentials_expires_within (self->cached, NULL, self->margin))
    credentials = dynamorm_credentials_ref (self->cached);
  g_mutex_unlock (&self->lock);

  return credentials;
}

DynamormCredentials *
dynamorm_aws_credential_provider_get (DynamormAwsCredentialProvider  *self,
                                      GCancellable                   *cancellable,
                                      GError                        **error)
{
  DynamormCredentials *credentials;
  GError *local_error = NULL;

  if (self->fixed != NULL)
    return dynamorm_credentials_ref (self->fixed);

  if ((credentials = lookup_fresh (self)) != NULL)
    return credentials;

  /* Single flight: threads that need credentials at the same time wait for
   * one resolution instead of all asking the metadata service. */
  g_mutex_lock (&self->refresh_lock);
  if ((credentials = lookup_fresh (self)) != NULL)
    {
      g_mutex_unlock (&self->refresh_lock);
      return credentials;
    }

  credentials = self->source ? assume_role (self, cancellable, &local_error)
                             : resolve_chain (self, cancellable, &local_error);
  g_mutex_lock (&self->lock);
  if (credentials != NULL)
    {
      g_autofree char *description = dynamorm_credentials_to_string (credentials);

      g_debug ("Resolved AWS credentials: %s", description);
      g_clear_pointer (&self->cached, dynamorm_credentials_unref);
      self->cached = dynamorm_credentials_ref (credentials);
      self->n_resolved++;
      /* Temporary credentials are refreshed 5 to 6 minutes early, at a
       * random point so that many processes do not all ask at once. */
      if (self->source != NULL)
        self->margin = DYNAMORM_AWS_CREDENTIALS_REFRESH_MARGIN +
                       g_random_int_range (0, 60) * G_TIME_SPAN_SECOND;
    }
  else if (self->cached != NULL && !dynamorm_credentials_expires_within (self->cached, NULL, 0) &&
           !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Refreshing early failed, but the old credentials still work. */
      g_debug ("Refreshing AWS credentials failed (%s); using the cached ones until they expire",
               local_error->message);
      g_clear_error (&local_error);
      credentials = dynamorm_credentials_ref (self->cached);
    }
  g_mutex_unlock (&self->lock);
  g_mutex_unlock (&self->refresh_lock);

  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return credentials;
}

static void
get_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DynamormAwsCredentialProvider *self = task_data;
  GError *error = NULL;
  DynamormCredentials *credentials;

  credentials = dynamorm_aws_credential_provider_get (self, cancellable, &error);
  if (credentials == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credentials, (GDestroyNotify) dynamorm_credentials_unref);
}

/* Cached credentials come back at once; resolving them (files, metadata
 * requests) blocks, so that part runs in a worker thread. */
void
dynamorm_aws_credential_provider_get_async (DynamormAwsCredentialProvider *self,
                                            GCancellable                  *cancellable,
                                            GAsyncReadyCallback            callback,
                                            gpointer                       user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  DynamormCredentials *credentials;

  g_task_set_source_tag (task, dynamorm_aws_credential_provider_get_async);
  g_task_set_task_data (task, dynamorm_aws_credential_provider_ref (self),
                        (GDestroyNotify) dynamorm_aws_credential_provider_unref);

  credentials = self->fixed ? dynamorm_credentials_ref (self->fixed) : lookup_fresh (self);
  if (credentials != NULL)
    {
      g_task_return_pointer (task, credentials, (GDestroyNotify) dynamorm_credentials_unref);
      return;
    }

  g_task_run_in_thread (task, get_in_thread);
}

DynamormCredentials *
dynamorm_aws_credential_provider_get_finish (DynamormAwsCredentialProvider  *self,
                                             GAsyncResult                   *result,
                                             GError                        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
dynamorm_aws_credential_provider_invalidate (DynamormAwsCredentialProvider *self,
                                             DynamormCredentials           *refused)
{
  g_mutex_lock (&self->lock);
  if (self->cached == refused)
    g_clear_pointer (&self->cached, dynamorm_credentials_unref);
  g_mutex_unlock (&self->lock);
}
