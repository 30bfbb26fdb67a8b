/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "dynamorm-credentials.h"
#include "dynamorm-accessors-private.h"

/**
 * DynamormCredentials:
 *
 * An AWS access key: the access key id, the secret access key and, for
 * temporary credentials, a session token and an expiration time.
 *
 * Credentials are immutable and reference counted, so they can be shared
 * between threads. The secret and the session token are never printed:
 * [method@Dynamorm.Credentials.to_string] shows only the last characters of
 * the access key id, and the secret is wiped from memory when the last
 * reference goes away.
 *
 * Most applications never create credentials: the `aws` backend finds them
 * the way the AWS SDKs do (environment, shared config files, container and
 * instance metadata). Pass them explicitly with the backend's `credentials`
 * property when they come from somewhere else.
 */
struct _DynamormCredentials
{
  gatomicrefcount ref_count;
  char *access_key_id;
  char *secret_access_key;
  char *session_token;
  GDateTime *expiration;
};

G_DEFINE_BOXED_TYPE (DynamormCredentials, dynamorm_credentials,
                     dynamorm_credentials_ref, dynamorm_credentials_unref)

/* A memset the compiler cannot drop as a dead store. */
static void *(*volatile wipe_memset) (void *, int, size_t) = memset;

static void
free_secret (char *secret)
{
  if (secret == NULL)
    return;
  wipe_memset (secret, 0, strlen (secret));
  g_free (secret);
}

/**
 * dynamorm_credentials_new:
 * @access_key_id: the access key id, such as `AKIA...` or `ASIA...`
 * @secret_access_key: the secret access key
 * @session_token: (nullable): the session token of temporary credentials
 * @expiration: (nullable): when temporary credentials expire
 *
 * Creates credentials. Empty strings for @session_token count as %NULL.
 *
 * Returns: (transfer full): new credentials
 */
DynamormCredentials *
dynamorm_credentials_new (const char *access_key_id,
                          const char *secret_access_key,
                          const char *session_token,
                          GDateTime  *expiration)
{
  DynamormCredentials *self;

  g_return_val_if_fail (access_key_id != NULL, NULL);
  g_return_val_if_fail (secret_access_key != NULL, NULL);

  self = g_new0 (DynamormCredentials, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->access_key_id = g_strdup (access_key_id);
  self->secret_access_key = g_strdup (secret_access_key);
  if (session_token != NULL && *session_token != '\0')
    self->session_token = g_strdup (session_token);
  if (expiration != NULL)
    self->expiration = g_date_time_ref (expiration);

  return self;
}

/**
 * dynamorm_credentials_ref:
 * @self: credentials
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @self
 */
DynamormCredentials *
dynamorm_credentials_ref (DynamormCredentials *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * dynamorm_credentials_unref:
 * @self: (transfer full): credentials
 *
 * Drops a reference. The last one wipes the secret from memory.
 */
void
dynamorm_credentials_unref (DynamormCredentials *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->access_key_id);
  free_secret (self->secret_access_key);
  free_secret (self->session_token);
  g_clear_pointer (&self->expiration, g_date_time_unref);
  g_free (self);
}

/**
 * dynamorm_credentials_get_access_key_id:
 * @self: credentials
 *
 * Gets the access key id.
 *
 * Returns: the access key id
 */
DYNAMORM_DEFINE_BOXED_GETTER (const char *, dynamorm_credentials_get_access_key_id,
                              DynamormCredentials, access_key_id, NULL)

/**
 * dynamorm_credentials_get_secret_access_key:
 * @self: credentials
 *
 * Gets the secret access key. Never log it.
 *
 * Returns: the secret access key
 */
DYNAMORM_DEFINE_BOXED_GETTER (const char *, dynamorm_credentials_get_secret_access_key,
                              DynamormCredentials, secret_access_key, NULL)

/**
 * dynamorm_credentials_get_session_token:
 * @self: credentials
 *
 * Gets the session token of temporary credentials. Never log it.
 *
 * Returns: (nullable): the session token, or %NULL
 */
DYNAMORM_DEFINE_BOXED_GETTER (const char *, dynamorm_credentials_get_session_token,
                              DynamormCredentials, session_token, NULL)

/**
 * dynamorm_credentials_get_expiration:
 * @self: credentials
 *
 * Gets when temporary credentials expire.
 *
 * Returns: (nullable) (transfer none): the expiration time, or %NULL for
 *   credentials that do not expire
 */
DYNAMORM_DEFINE_BOXED_GETTER (GDateTime *, dynamorm_credentials_get_expiration,
                              DynamormCredentials, expiration, NULL)

/**
 * dynamorm_credentials_expires_within:
 * @self: credentials
 * @now: (nullable): the current time, or %NULL for the real clock
 * @margin: how long before the expiration time credentials count as
 *   expiring, in microseconds
 *
 * Whether the credentials expire before @now plus @margin. Credentials
 * without an expiration time never do. Credential providers use this to
 * refresh credentials a few minutes before they stop working.
 *
 * Returns: %TRUE if the credentials expire within @margin
 */
gboolean
dynamorm_credentials_expires_within (DynamormCredentials *self,
                                     GDateTime           *now,
                                     GTimeSpan            margin)
{
  g_autoptr(GDateTime) real_now = NULL;

  g_return_val_if_fail (self != NULL, TRUE);

  if (self->expiration == NULL)
    return FALSE;

  if (now == NULL)
    now = real_now = g_date_time_new_now_utc ();

  return g_date_time_difference (self->expiration, now) <= margin;
}

/**
 * dynamorm_credentials_to_string:
 * @self: credentials
 *
 * Describes the credentials for a log line or an error message: the last
 * four characters of the access key id, whether there is a session token
 * and when they expire. The secret and the token never appear.
 *
 * Returns: (transfer full): a description
 */
char *
dynamorm_credentials_to_string (DynamormCredentials *self)
{
  GString *str;
  gsize len;

  g_return_val_if_fail (self != NULL, NULL);

  str = g_string_new ("access key ");
  len = strlen (self->access_key_id);
  if (len > 4)
    g_string_append_printf (str, "…%s", self->access_key_id + len - 4);
  else
    g_string_append (str, "…");

  if (self->session_token != NULL)
    g_string_append (str, " with a session token");

  if (self->expiration != NULL)
    {
      g_autofree char *when = g_date_time_format_iso8601 (self->expiration);
      g_string_append_printf (str, ", expiring %s", when);
    }

  return g_string_free (str, FALSE);
}
