/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-aws-credential-provider.h"
#include "dynamorm-aws-metadata.h"
#include "dynamorm-aws-profile.h"

/* The metadata services answer in milliseconds or not at all (off EC2,
 * 169.254.169.254 is a black hole); the SDKs wait 1 to 2 seconds. */
#define METADATA_TIMEOUT_SECONDS 2

struct _DynamormAwsCredentialProvider
{
  gatomicrefcount ref_count;

  DynamormCredentials *fixed;   /* static provider */
  char *profile;                /* explicit profile, or NULL */
  SoupSession *metadata_session;

  GMutex lock;                  /* protects cached */
  DynamormCredentials *cached;
  GMutex refresh_lock;          /* one resolution at a time */
};

static DynamormAwsCredentialProvider *
provider_new (void)
{
  DynamormAwsCredentialProvider *self = g_new0 (DynamormAwsCredentialProvider, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  g_mutex_init (&self->refresh_lock);
  return self;
}

DynamormAwsCredentialProvider *
dynamorm_aws_credential_provider_new_static (DynamormCredentials *credentials)
{
  DynamormAwsCredentialProvider *self = provider_new ();

  self->fixed = dynamorm_credentials_ref (credentials);
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

      /* A named profile that gets its keys some other way: say so, rather
       * than silently falling through to instance metadata. */
      if (!g_str_equal (profile, "default") || self->profile != NULL)
        {
          const char *how = NULL;

          if (g_hash_table_contains (settings, "role_arn"))
            how = "role_arn";
          else if (g_hash_table_contains (settings, "sso_session") ||
                   g_hash_table_contains (settings, "sso_start_url"))
            how = "sso";
          else if (g_hash_table_contains (settings, "credential_process"))
            how = "credential_process";
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
      !dynamorm_credentials_expires_within (self->cached, NULL, DYNAMORM_AWS_CREDENTIALS_REFRESH_MARGIN))
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

  credentials = resolve_chain (self, cancellable, &local_error);
  g_mutex_lock (&self->lock);
  if (credentials != NULL)
    {
      g_autofree char *description = dynamorm_credentials_to_string (credentials);

      g_debug ("Resolved AWS credentials: %s", description);
      g_clear_pointer (&self->cached, dynamorm_credentials_unref);
      self->cached = dynamorm_credentials_ref (credentials);
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
