/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-aws-backend.h"

/**
 * DynamormAwsBackend:
 *
 * The backend for Amazon DynamoDB: `aws://REGION`, with the options
 * `profile` (a profile of the shared config files), `endpoint` (another
 * endpoint URL, such as a VPC endpoint), `timeout` and `connect_timeout`
 * (seconds) and `max_attempts`.
 *
 * The Streams API (change feeds) has an endpoint of its own on AWS,
 * `https://streams.dynamodb.REGION.amazonaws.com/`, signed for the service
 * `dynamodb` like the rest. The `streams_endpoint` option (else
 * `AWS_ENDPOINT_URL_DYNAMODB_STREAMS`) names another; with a custom
 * `endpoint` (or `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL`) and no
 * streams endpoint, Streams calls go to that endpoint too, as DynamoDB Local
 * and dynamorm-server serve both APIs on one port.
 *
 * With `role_arn`, the credentials assume that IAM role through STS
 * AssumeRole, with `external_id`, `role_session_name`, `duration_seconds`
 * (900 to 43200, default 3600) and `sts_endpoint` (else
 * `AWS_ENDPOINT_URL_STS`, else `https://sts.REGION.amazonaws.com/`). The
 * role's temporary credentials are cached and refreshed 5 to 6 minutes
 * (jittered) before they expire, one refresh at a time.
 *
 * The region is the URI's host, else `AWS_REGION`, else
 * `AWS_DEFAULT_REGION`. Credentials are the `credentials` property if set,
 * else the AWS SDKs' default chain: environment variables, the shared
 * credentials and config files, container credentials, then EC2 instance
 * metadata (IMDSv2). They are looked up on the first request, not when the
 * backend is created, and refreshed before they expire.
 */
struct _DynamormAwsBackend
{
  DynamormHttpBackend parent_instance;

  DynamormCredentials *credentials;
};

G_DEFINE_DYNAMIC_TYPE_EXTENDED (DynamormAwsBackend, dynamorm_aws_backend, DYNAMORM_TYPE_HTTP_BACKEND,
                                G_TYPE_FLAG_FINAL, {})

enum {
  PROP_0,
  PROP_CREDENTIALS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const aws_options[] = {
  "profile", "endpoint", "streams_endpoint",
  /* STS AssumeRole on top of the credentials */
  "role_arn", "external_id", "role_session_name", "duration_seconds", "sts_endpoint",
  NULL
};

static gboolean
is_valid_region (const char *region)
{
  if (*region == '\0')
    return FALSE;
  for (const char *p = region; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

static const char *
nonempty_env (const char *name)
{
  const char *value = g_getenv (name);

  return value != NULL && *value != '\0' ? value : NULL;
}

/* A host that never leaves this machine: a loopback address, or localhost
 * (RFC 6761 keeps "localhost." names on the loopback interface). */
static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *bare = NULL;
  gsize len = strlen (host);

  if (len > 2 && host[0] == '[' && host[len - 1] == ']')
    host = bare = g_strndup (host + 1, len - 2);
  if (g_ascii_strcasecmp (host, "localhost") == 0 || g_str_has_suffix (host, ".localhost"))
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* Plain http sends the signed requests, the session token and every item in
 * clear: say so once per endpoint and process, unless it stays on this
 * machine (DynamoDB Local, a test server). */
static void
warn_if_cleartext (GUri       *endpoint,
                   const char *uri_string)
{
  static GMutex lock;
  static GHashTable *warned;
  g_autofree char *endpoint_string = NULL;
  gboolean first;

  if (g_ascii_strcasecmp (g_uri_get_scheme (endpoint), "http") != 0 ||
      is_loopback_host (g_uri_get_host (endpoint)))
    return;

  endpoint_string = g_uri_to_string (endpoint);
  g_mutex_lock (&lock);
  if (warned == NULL)
    warned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  first = g_hash_table_add (warned, g_strdup (endpoint_string));
  g_mutex_unlock (&lock);

  if (first)
    g_warning (_("%s sends its requests to %s over plain http: the AWS access key id, the session "
                 "token, the signatures and every item travel in clear and can be read or replayed "
                 "on the way. Use an https:// endpoint."),
               uri_string, endpoint_string);
}

/* role_arn and its companions: the credentials found so far assume the
 * role, through STS, and the backend signs with the role's. */
static gboolean
configure_role (const char                 *uri_string,
                const char                 *region,
                GHashTable                 *options,
                DynamormHttpBackendConfig  *config,
                GError                    **error)
{
  static const char * const companions[] = { "external_id", "role_session_name", "duration_seconds", "sts_endpoint", NULL };
  const char *role_arn = g_hash_table_lookup (options, "role_arn");
  const char *duration = g_hash_table_lookup (options, "duration_seconds");
  DynamormAssumeRoleConfig role = { 0 };
  DynamormAwsCredentialProvider *assumed;
  guint64 seconds = 0;

  if (role_arn == NULL)
    {
      for (guint i = 0; companions[i] != NULL; i++)
        if (g_hash_table_contains (options, companions[i]))
          {
            g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                         _("The “%s” option in “%s” goes with role_arn: add the role to assume, such as "
                           "role_arn=arn:aws:iam::123456789012:role/Reader"),
                         companions[i], uri_string);
            return FALSE;
          }
      return TRUE;
    }
  if (duration != NULL && !g_ascii_string_to_unsigned (duration, 10, 900, 43200, &seconds, NULL))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The “duration_seconds” option in “%s” must be a whole number of seconds from 900 "
                     "to 43200, not “%s”"),
                   uri_string, duration);
      return FALSE;
    }
  role.role_arn = role_arn;
  role.external_id = g_hash_table_lookup (options, "external_id");
  role.session_name = g_hash_table_lookup (options, "role_session_name");
  role.duration_seconds = (guint) seconds;
  role.region = region;
  role.sts_endpoint = g_hash_table_lookup (options, "sts_endpoint");
  assumed = dynamorm_aws_credential_provider_new_assume_role (config->credentials, &role, error);
  if (assumed == NULL)
    {
      g_prefix_error (error, _("The role options of “%s”: "), uri_string);
      return FALSE;
    }
  dynamorm_aws_credential_provider_unref (config->credentials);
  config->credentials = assumed;
  return TRUE;
}

/* https://SERVICE.REGION.amazonaws.com/ (.com.cn in the China regions). */
static char *
default_endpoint_for (const char *service,
                      const char *region)
{
  return g_strdup_printf ("https://%s.%s.amazonaws.com%s/", service, region,
                          g_str_has_prefix (region, "cn-") ? ".cn" : "");
}

/* @endpoint as a URI with a path, or NULL and an error naming @source. */
static GUri *
parse_endpoint (const char  *endpoint,
                const char  *source,
                GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (endpoint, G_URI_FLAGS_ENCODED, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The %s “%s” is not an http:// or https:// URL"), source, endpoint);
      return NULL;
    }
  if (*g_uri_get_path (uri) == '\0')
    return g_uri_build (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                        g_uri_get_port (uri), "/", g_uri_get_query (uri), NULL);
  return g_steal_pointer (&uri);
}

static gboolean
dynamorm_aws_backend_configure (DynamormHttpBackend        *backend,
                                GUri                       *uri,
                                GHashTable                 *options,
                                DynamormHttpBackendConfig  *config,
                                GError                    **error)
{
  DynamormAwsBackend *self = DYNAMORM_AWS_BACKEND (backend);
  const char *uri_string = dynamorm_backend_get_uri (DYNAMORM_BACKEND (self));
  const char *region = g_uri_get_host (uri);
  const char *endpoint = g_hash_table_lookup (options, "endpoint");
  const char *profile = g_hash_table_lookup (options, "profile");
  const char *endpoint_source = "endpoint";
  const char *streams_endpoint = g_hash_table_lookup (options, "streams_endpoint");
  const char *streams_source = "streams_endpoint";
  g_autofree char *default_endpoint = NULL;
  g_autofree char *default_streams_endpoint = NULL;
  g_autoptr(GUri) endpoint_uri = NULL;
  g_autoptr(GUri) streams_uri = NULL;

  if (region == NULL || *region == '\0')
    region = nonempty_env ("AWS_REGION");
  if (region == NULL)
    region = nonempty_env ("AWS_DEFAULT_REGION");
  if (region == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("No AWS region for “%s”: put it in the URI (aws://eu-west-1) or set "
                     "AWS_REGION or AWS_DEFAULT_REGION"),
                   uri_string);
      return FALSE;
    }
  if (!is_valid_region (region))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an AWS region name (such as eu-west-1)"), region);
      return FALSE;
    }

  if (profile != NULL && *profile == '\0')
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The “profile” option in “%s” is empty"), uri_string);
      return FALSE;
    }

  /* The SDKs' endpoint settings, after the URI's own. */
  if (endpoint == NULL && (endpoint = nonempty_env ("AWS_ENDPOINT_URL_DYNAMODB")) != NULL)
    endpoint_source = "AWS_ENDPOINT_URL_DYNAMODB";
  if (endpoint == NULL && (endpoint = nonempty_env ("AWS_ENDPOINT_URL")) != NULL)
    endpoint_source = "AWS_ENDPOINT_URL";
  if (endpoint == NULL)
    endpoint = default_endpoint = default_endpoint_for ("dynamodb", region);
  endpoint_uri = parse_endpoint (endpoint, endpoint_source, error);
  if (endpoint_uri == NULL)
    return FALSE;

  if (streams_endpoint == NULL &&
      (streams_endpoint = nonempty_env ("AWS_ENDPOINT_URL_DYNAMODB_STREAMS")) != NULL)
    streams_source = "AWS_ENDPOINT_URL_DYNAMODB_STREAMS";
  /* A custom endpoint serves the Streams API as well (DynamoDB Local,
   * dynamorm-server) unless a streams endpoint of its own was named. */
  if (streams_endpoint == NULL && default_endpoint != NULL)
    streams_endpoint = default_streams_endpoint = default_endpoint_for ("streams.dynamodb", region);
  if (streams_endpoint != NULL)
    {
      streams_uri = parse_endpoint (streams_endpoint, streams_source, error);
      if (streams_uri == NULL)
        return FALSE;
      warn_if_cleartext (streams_uri, uri_string);
    }

  warn_if_cleartext (endpoint_uri, uri_string);
  config->endpoint = g_steal_pointer (&endpoint_uri);
  config->streams_endpoint = g_steal_pointer (&streams_uri);
  config->region = g_strdup (region);
  if (self->credentials != NULL)
    config->credentials = dynamorm_aws_credential_provider_new_static (self->credentials);
  else
    config->credentials = dynamorm_aws_credential_provider_new_chain (profile);
  return configure_role (uri_string, region, options, config, error);
}

static void
dynamorm_aws_backend_finalize (GObject *object)
{
  DynamormAwsBackend *self = DYNAMORM_AWS_BACKEND (object);

  g_clear_pointer (&self->credentials, dynamorm_credentials_unref);

  G_OBJECT_CLASS (dynamorm_aws_backend_parent_class)->finalize (object);
}

static void
dynamorm_aws_backend_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  DynamormAwsBackend *self = DYNAMORM_AWS_BACKEND (object);

  switch (prop_id)
    {
    case PROP_CREDENTIALS:
      g_value_set_boxed (value, self->credentials);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_aws_backend_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  DynamormAwsBackend *self = DYNAMORM_AWS_BACKEND (object);

  switch (prop_id)
    {
    case PROP_CREDENTIALS:
      self->credentials = g_value_dup_boxed (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_aws_backend_class_init (DynamormAwsBackendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DynamormHttpBackendClass *http_class = DYNAMORM_HTTP_BACKEND_CLASS (klass);

  object_class->finalize = dynamorm_aws_backend_finalize;
  object_class->get_property = dynamorm_aws_backend_get_property;
  object_class->set_property = dynamorm_aws_backend_set_property;

  http_class->options = aws_options;
  http_class->configure = dynamorm_aws_backend_configure;

  /* Explicit credentials: the first link of the chain, and the only one
   * consulted when set. */
  properties[PROP_CREDENTIALS] =
    g_param_spec_boxed ("credentials", NULL, NULL, DYNAMORM_TYPE_CREDENTIALS,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dynamorm_aws_backend_class_finalize (DynamormAwsBackendClass *klass)
{
}

static void
dynamorm_aws_backend_init (DynamormAwsBackend *self)
{
}

void
_dynamorm_aws_backend_register (GTypeModule *module)
{
  dynamorm_aws_backend_register_type (module);
}
