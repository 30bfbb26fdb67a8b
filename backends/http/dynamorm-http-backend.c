/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-http-backend.h"
#include "dynamorm-http-transport.h"

#define DEFAULT_TIMEOUT_MS (30 * 1000)
#define DEFAULT_CONNECT_TIMEOUT_MS (10 * 1000)

typedef struct {
  DynamormRetryPolicy *retry_policy;    /* construct property, or NULL */
  DynamormHttpTransport *transport;     /* set by GInitable.init */
  DynamormAwsCredentialProvider *credentials;   /* the transport's, for KMS */
  char *region;
} DynamormHttpBackendPrivate;

static void dynamorm_http_backend_initable_iface_init (GInitableIface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (DynamormHttpBackend, dynamorm_http_backend, DYNAMORM_TYPE_BACKEND,
                                G_TYPE_FLAG_ABSTRACT,
                                G_ADD_PRIVATE_DYNAMIC (DynamormHttpBackend)
                                G_IMPLEMENT_INTERFACE_DYNAMIC (G_TYPE_INITABLE,
                                                               dynamorm_http_backend_initable_iface_init))

enum {
  PROP_0,
  PROP_RETRY_POLICY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const shared_options[] = { "timeout", "connect_timeout", "max_attempts", NULL };

static gboolean
parse_seconds (const char  *uri,
               const char  *name,
               const char  *text,
               guint       *ms_out,
               GError     **error)
{
  char *end = NULL;
  double seconds;

  errno = 0;
  seconds = g_ascii_strtod (text, &end);
  if (errno != 0 || end == text || *end != '\0' || !isfinite (seconds) || seconds < 0 || seconds > 86400)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The “%s” option in “%s” must be a number of seconds, such as %s=10 or %s=0.5 "
                     "(0 turns the timeout off), not “%s”"),
                   name, uri, name, name, text);
      return FALSE;
    }
  *ms_out = (guint) lround (seconds * 1000);
  return TRUE;
}

static gboolean
is_known_option (DynamormHttpBackendClass *klass,
                 const char               *name)
{
  if (g_strv_contains (shared_options, name))
    return TRUE;
  return klass->options != NULL && g_strv_contains (klass->options, name);
}

static gboolean
dynamorm_http_backend_initable_init (GInitable     *initable,
                                     GCancellable  *cancellable,
                                     GError       **error)
{
  DynamormHttpBackend *self = DYNAMORM_HTTP_BACKEND (initable);
  DynamormHttpBackendPrivate *priv = dynamorm_http_backend_get_instance_private (self);
  DynamormHttpBackendClass *klass = DYNAMORM_HTTP_BACKEND_GET_CLASS (self);
  const char *uri_string = dynamorm_backend_get_uri (DYNAMORM_BACKEND (self));
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) options = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(DynamormRetryPolicy) policy = NULL;
  DynamormHttpBackendConfig config = { 0 };
  DynamormHttpTransportOptions transport_options = { 0 };
  GHashTableIter iter;
  gpointer key, value;
  const char *option;
  guint timeout_ms = DEFAULT_TIMEOUT_MS;
  guint connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  gboolean ok = FALSE;

  if (priv->transport != NULL)
    return TRUE;

  if (uri_string == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The %s backend needs a URI: create it with Backend.new_for_uri"),
                   G_OBJECT_TYPE_NAME (self));
      return FALSE;
    }

  uri = g_uri_parse (uri_string, G_URI_FLAGS_ENCODED_QUERY, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid backend URI: %s"), uri_string, local_error->message);
      return FALSE;
    }

  if (g_uri_get_query (uri) != NULL)
    {
      options = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, &local_error);
      if (options == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("The options of “%s” cannot be parsed: %s"), uri_string, local_error->message);
          return FALSE;
        }
    }
  else
    options = g_hash_table_new (g_str_hash, g_str_equal);

  /* A misspelt option would otherwise be silently ignored. */
  g_hash_table_iter_init (&iter, options);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!is_known_option (klass, key))
      {
        g_autofree char *known = NULL;
        g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
        g_auto(GStrv) names = NULL;

        g_strv_builder_addv (builder, (const char **) shared_options);
        if (klass->options != NULL)
          g_strv_builder_addv (builder, (const char **) klass->options);
        names = g_strv_builder_end (builder);
        known = g_strjoinv (", ", names);
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                     _("Unknown option “%s” in “%s”; the options are: %s"),
                     (const char *) key, uri_string, known);
        return FALSE;
      }

  if ((option = g_hash_table_lookup (options, "timeout")) != NULL &&
      !parse_seconds (uri_string, "timeout", option, &timeout_ms, error))
    return FALSE;
  if ((option = g_hash_table_lookup (options, "connect_timeout")) != NULL &&
      !parse_seconds (uri_string, "connect_timeout", option, &connect_timeout_ms, error))
    return FALSE;

  if ((option = g_hash_table_lookup (options, "max_attempts")) != NULL)
    {
      guint64 attempts = 0;

      if (!g_ascii_string_to_unsigned (option, 10, 1, 100, &attempts, NULL))
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("The “max_attempts” option in “%s” must be a whole number from 1 to 100, not “%s”"),
                       uri_string, option);
          return FALSE;
        }
      /* The rest of the policy stays as configured. */
      if (priv->retry_policy != NULL)
        policy = dynamorm_retry_policy_new_full ((guint) attempts,
                                                 dynamorm_retry_policy_get_initial_delay (priv->retry_policy),
                                                 dynamorm_retry_policy_get_max_delay (priv->retry_policy),
                                                 dynamorm_retry_policy_get_backoff_factor (priv->retry_policy),
                                                 dynamorm_retry_policy_get_jitter (priv->retry_policy));
      else
        policy = g_object_new (DYNAMORM_TYPE_RETRY_POLICY, "max-attempts", (guint) attempts, NULL);
    }
  else if (priv->retry_policy != NULL)
    policy = g_object_ref (priv->retry_policy);

  if (!klass->configure (self, uri, options, &config, error))
    goto out;

  transport_options.endpoint = config.endpoint;
  transport_options.streams_endpoint = config.streams_endpoint;
  transport_options.region = config.region;
  transport_options.credentials = config.credentials;
  transport_options.retry_policy = policy;
  transport_options.timeout_ms = timeout_ms;
  transport_options.connect_timeout_ms = connect_timeout_ms;
  priv->transport = dynamorm_http_transport_new (&transport_options);
  priv->credentials = dynamorm_aws_credential_provider_ref (config.credentials);
  priv->region = g_strdup (config.region);

  {
    g_autofree char *endpoint = g_uri_to_string (config.endpoint);
    g_autofree char *streams = g_uri_to_string (config.streams_endpoint ? config.streams_endpoint
                                                                        : config.endpoint);
    g_debug ("%s backend for %s: endpoint %s, streams endpoint %s, region %s, timeout %u ms, "
             "connect timeout %u ms", G_OBJECT_TYPE_NAME (self), uri_string, endpoint, streams,
             config.region, timeout_ms, connect_timeout_ms);
  }
  ok = TRUE;

out:
  g_clear_pointer (&config.endpoint, g_uri_unref);
  g_clear_pointer (&config.streams_endpoint, g_uri_unref);
  g_clear_pointer (&config.region, g_free);
  g_clear_pointer (&config.credentials, dynamorm_aws_credential_provider_unref);
  return ok;
}

static void
dynamorm_http_backend_initable_iface_init (GInitableIface *iface)
{
  iface->init = dynamorm_http_backend_initable_init;
}

DynamormAwsCredentialProvider *
_dynamorm_http_backend_get_credentials (DynamormHttpBackend *self)
{
  DynamormHttpBackendPrivate *priv = dynamorm_http_backend_get_instance_private (self);

  return priv->credentials;
}

const char *
_dynamorm_http_backend_get_region (DynamormHttpBackend *self)
{
  DynamormHttpBackendPrivate *priv = dynamorm_http_backend_get_instance_private (self);

  return priv->region;
}

static gboolean
check_initialized (DynamormHttpBackend  *self,
                   GError              **error)
{
  DynamormHttpBackendPrivate *priv = dynamorm_http_backend_get_instance_private (self);

  if (priv->transport != NULL)
    return TRUE;
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_FAILED,
               _("The %s backend was not initialized; create it with Backend.new_for_uri "
                 "(or initialize it as a GInitable)"), G_OBJECT_TYPE_NAME (self));
  return FALSE;
}

static JsonNode *
dynamorm_http_backend_invoke (DynamormBackend  *backend,
                              const char       *operation,
                              JsonNode         *request,
                              GCancellable     *cancellable,
                              GError          **error)
{
  DynamormHttpBackend *self = DYNAMORM_HTTP_BACKEND (backend);
  DynamormHttpBackendPrivate *priv = dynamorm_http_backend_get_instance_private (self);

  if (!check_initialized (self, error))
    return NULL;
  return dynamorm_http_transport_invoke (priv->transport, operation, request, cancellable, error);
}

static void
dynamorm_http_backend_invoke_async (DynamormBackend     *backend,
                                    const char          *operation,
                                    JsonNode            *request,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  DynamormHttpBackend *self = DYNAMORM_HTTP_BACKEND (backend);
  DynamormHttpBackendPrivate *priv = dynamorm_http_backend_get_instance_private (self);
  GError *error = NULL;

  if (!check_initialized (self, &error))
    {
      g_task_report_error (self, callback, user_data, dynamorm_http_transport_invoke_async, error);
      return;
    }
  dynamorm_http_transport_invoke_async (priv->transport, self, operation, request, cancellable,
                                        callback, user_data);
}

static JsonNode *
dynamorm_http_backend_invoke_finish (DynamormBackend  *backend,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, backend), NULL);
  return dynamorm_http_transport_invoke_finish (result, error);
}

const char *
dynamorm_http_backend_get_endpoint (DynamormHttpBackend *self)
{
  DynamormHttpBackendPrivate *priv = dynamorm_http_backend_get_instance_private (self);

  return priv->transport ? dynamorm_http_transport_get_endpoint (priv->transport) : NULL;
}

static void
dynamorm_http_backend_finalize (GObject *object)
{
  DynamormHttpBackend *self = DYNAMORM_HTTP_BACKEND (object);
  DynamormHttpBackendPrivate *priv = dynamorm_http_backend_get_instance_private (self);

  g_clear_pointer (&priv->transport, dynamorm_http_transport_unref);
  g_clear_pointer (&priv->credentials, dynamorm_aws_credential_provider_unref);
  g_clear_pointer (&priv->region, g_free);
  g_clear_object (&priv->retry_policy);

  G_OBJECT_CLASS (dynamorm_http_backend_parent_class)->finalize (object);
}

static void
dynamorm_http_backend_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  DynamormHttpBackendPrivate *priv = dynamorm_http_backend_get_instance_private (DYNAMORM_HTTP_BACKEND (object));

  switch (prop_id)
    {
    case PROP_RETRY_POLICY:
      g_value_set_object (value, priv->retry_policy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_http_backend_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  DynamormHttpBackendPrivate *priv = dynamorm_http_backend_get_instance_private (DYNAMORM_HTTP_BACKEND (object));

  switch (prop_id)
    {
    case PROP_RETRY_POLICY:
      priv->retry_policy = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_http_backend_class_init (DynamormHttpBackendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DynamormBackendClass *backend_class = DYNAMORM_BACKEND_CLASS (klass);

  object_class->finalize = dynamorm_http_backend_finalize;
  object_class->get_property = dynamorm_http_backend_get_property;
  object_class->set_property = dynamorm_http_backend_set_property;

  backend_class->invoke = dynamorm_http_backend_invoke;
  backend_class->invoke_async = dynamorm_http_backend_invoke_async;
  backend_class->invoke_finish = dynamorm_http_backend_invoke_finish;

  /* How failed requests are retried; the max_attempts URI option
   * overrides its attempt count. NULL: the default policy. */
  properties[PROP_RETRY_POLICY] =
    g_param_spec_object ("retry-policy", NULL, NULL, DYNAMORM_TYPE_RETRY_POLICY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dynamorm_http_backend_class_finalize (DynamormHttpBackendClass *klass)
{
}

static void
dynamorm_http_backend_init (DynamormHttpBackend *self)
{
}

void
_dynamorm_http_backend_register (GTypeModule *module)
{
  dynamorm_http_backend_register_type (module);
}
