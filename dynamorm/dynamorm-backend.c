/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <sys/auxv.h>

#include "dynamorm-backend.h"
#include "dynamorm-error.h"
#include "dynamorm-private.h"
#include "dynamorm-sync-private.h"

/**
 * DynamormBackend:
 *
 * A transport for DynamoDB API calls.
 *
 * Backends are loadable modules that implement the GIO extension point
 * %DYNAMORM_BACKEND_EXTENSION_POINT_NAME, one extension per URI scheme.
 * They are loaded from the installed backend directory and from the
 * directories listed in `DYNAMORM_BACKEND_PATH`. The backends shipped with
 * Dynamorm are `memory://` (an in-process DynamoDB), `local://HOST:PORT`
 * (DynamoDB Local) and `aws://REGION` (Amazon DynamoDB).
 *
 * An application or a test can also subclass #DynamormBackend, in C, Python
 * or JavaScript, and hand an instance to [ctor@Dynamorm.Session.new_for_backend]:
 * a test double only needs to override the `invoke` virtual method.
 */

typedef struct {
  char *uri;
} DynamormBackendPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (DynamormBackend, dynamorm_backend, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URI,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Default sync path: drive the async implementation on a private context. */
static JsonNode *
dynamorm_backend_real_invoke (DynamormBackend  *self,
                              const char       *operation,
                              JsonNode         *request,
                              GCancellable     *cancellable,
                              GError          **error)
{
  DynamormBackendClass *klass = DYNAMORM_BACKEND_GET_CLASS (self);
  g_auto(DynamormSyncWait) w = { 0 };

  if (klass->invoke_async == NULL || klass->invoke_finish == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_SUPPORTED,
                   _("The backend %s implements neither invoke nor invoke_async"),
                   G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  _dynamorm_sync_wait_init (&w);
  klass->invoke_async (self, operation, request, cancellable, _dynamorm_sync_wait_cb, &w);
  return klass->invoke_finish (self, _dynamorm_sync_wait_run (&w), error);
}

/* Default async path: run the sync implementation in the calling thread,
 * completing from the thread-default main context. Subclasses written in
 * JavaScript must never be called from another thread, so no thread here. */
static void
dynamorm_backend_real_invoke_async (DynamormBackend     *self,
                                    const char          *operation,
                                    JsonNode            *request,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  DynamormBackendClass *klass = DYNAMORM_BACKEND_GET_CLASS (self);
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  JsonNode *response;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dynamorm_backend_real_invoke_async);

  if (klass->invoke == dynamorm_backend_real_invoke)
    {
      g_task_return_new_error (task, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_SUPPORTED,
                               _("The backend %s implements neither invoke nor invoke_async"),
                               G_OBJECT_TYPE_NAME (self));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  response = klass->invoke (self, operation, request, cancellable, &error);
  if (response == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, response, (GDestroyNotify) json_node_unref);
}

static JsonNode *
dynamorm_backend_real_invoke_finish (DynamormBackend  *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
dynamorm_backend_finalize (GObject *object)
{
  DynamormBackend *self = DYNAMORM_BACKEND (object);
  DynamormBackendPrivate *priv = dynamorm_backend_get_instance_private (self);

  g_clear_pointer (&priv->uri, g_free);

  G_OBJECT_CLASS (dynamorm_backend_parent_class)->finalize (object);
}

static void
dynamorm_backend_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DynamormBackend *self = DYNAMORM_BACKEND (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, dynamorm_backend_get_uri (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_backend_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DynamormBackend *self = DYNAMORM_BACKEND (object);
  DynamormBackendPrivate *priv = dynamorm_backend_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_URI:
      priv->uri = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_backend_class_init (DynamormBackendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _dynamorm_init ();

  object_class->finalize = dynamorm_backend_finalize;
  object_class->get_property = dynamorm_backend_get_property;
  object_class->set_property = dynamorm_backend_set_property;

  klass->invoke = dynamorm_backend_real_invoke;
  klass->invoke_async = dynamorm_backend_real_invoke_async;
  klass->invoke_finish = dynamorm_backend_real_invoke_finish;

  /**
   * DynamormBackend:uri:
   *
   * The URI the backend was created for, such as `memory://` or
   * `local://127.0.0.1:8000`. %NULL for a backend created directly.
   */
  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dynamorm_backend_init (DynamormBackend *self)
{
}

/**
 * dynamorm_backend_get_uri:
 * @self: a #DynamormBackend
 *
 * Gets the URI the backend was created for.
 *
 * Returns: (nullable): the URI, or %NULL
 */
const char *
dynamorm_backend_get_uri (DynamormBackend *self)
{
  DynamormBackendPrivate *priv = dynamorm_backend_get_instance_private (self);

  g_return_val_if_fail (DYNAMORM_IS_BACKEND (self), NULL);

  return priv->uri;
}

/**
 * dynamorm_backend_invoke:
 * @self: a #DynamormBackend
 * @operation: a DynamoDB operation name, such as `"GetItem"`
 * @request: the request body in DynamoDB's JSON, a JSON object
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Carries one DynamoDB API call and blocks until it completes.
 *
 * Returns: (transfer full): the response body, or %NULL on error
 */
JsonNode *
dynamorm_backend_invoke (DynamormBackend  *self,
                         const char       *operation,
                         JsonNode         *request,
                         GCancellable     *cancellable,
                         GError          **error)
{
  JsonNode *response;

  g_return_val_if_fail (DYNAMORM_IS_BACKEND (self), NULL);
  g_return_val_if_fail (operation != NULL, NULL);
  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  response = DYNAMORM_BACKEND_GET_CLASS (self)->invoke (self, operation, request, cancellable, error);
  g_return_val_if_fail (response != NULL || error == NULL || *error != NULL, NULL);
  return response;
}

/**
 * dynamorm_backend_invoke_async:
 * @self: a #DynamormBackend
 * @operation: a DynamoDB operation name, such as `"GetItem"`
 * @request: the request body in DynamoDB's JSON, a JSON object
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the call completes
 * @user_data: data for @callback
 *
 * Starts one DynamoDB API call. Call
 * [method@Dynamorm.Backend.invoke_finish] from @callback.
 */
void
dynamorm_backend_invoke_async (DynamormBackend     *self,
                               const char          *operation,
                               JsonNode            *request,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (DYNAMORM_IS_BACKEND (self));
  g_return_if_fail (operation != NULL);
  g_return_if_fail (request != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  DYNAMORM_BACKEND_GET_CLASS (self)->invoke_async (self, operation, request, cancellable,
                                                   callback, user_data);
}

/**
 * dynamorm_backend_invoke_finish:
 * @self: a #DynamormBackend
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Backend.invoke_async].
 *
 * Returns: (transfer full): the response body, or %NULL on error
 */
JsonNode *
dynamorm_backend_invoke_finish (DynamormBackend  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (DYNAMORM_IS_BACKEND (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  return DYNAMORM_BACKEND_GET_CLASS (self)->invoke_finish (self, result, error);
}

/* Module loading, as glib-networking's TLS backends are loaded. */
static gboolean
is_setuid (void)
{
#ifdef AT_SECURE
  return getauxval (AT_SECURE) != 0;
#else
  return FALSE;
#endif
}

static GIOExtensionPoint *
ensure_backends_loaded (void)
{
  static gsize once;
  static GIOExtensionPoint *ep;

  if (g_once_init_enter (&once))
    {
      GIOModuleScope *scope;
      const char *extra;

      _dynamorm_init ();
      ep = g_io_extension_point_register (DYNAMORM_BACKEND_EXTENSION_POINT_NAME);
      g_io_extension_point_set_required_type (ep, DYNAMORM_TYPE_BACKEND);
      /* Modules also offer key providers (the HTTP module: kms). */
      g_io_extension_point_set_required_type (
        g_io_extension_point_register (DYNAMORM_KEY_PROVIDER_EXTENSION_POINT_NAME),
        DYNAMORM_TYPE_KEY_PROVIDER);

      scope = g_io_module_scope_new (G_IO_MODULE_SCOPE_BLOCK_DUPLICATES);
      extra = is_setuid () ? NULL : g_getenv ("DYNAMORM_BACKEND_PATH");
      if (extra != NULL && *extra != '\0')
        {
          g_auto(GStrv) dirs = g_strsplit (extra, G_SEARCHPATH_SEPARATOR_S, 0);

          for (guint i = 0; dirs[i] != NULL; i++)
            if (*dirs[i] != '\0')
              g_io_modules_scan_all_in_directory_with_scope (dirs[i], scope);
        }
      g_io_modules_scan_all_in_directory_with_scope (DYNAMORM_BACKEND_DIR, scope);
      g_io_module_scope_free (scope);

      g_once_init_leave (&once, 1);
    }

  return ep;
}

GIOExtensionPoint *
_dynamorm_key_provider_extension_point (void)
{
  ensure_backends_loaded ();
  return g_io_extension_point_lookup (DYNAMORM_KEY_PROVIDER_EXTENSION_POINT_NAME);
}

/**
 * dynamorm_backend_list_schemes:
 *
 * Lists the URI schemes of the backends that could be loaded, such as
 * `memory`, `local` and `aws`, highest priority first.
 *
 * Returns: (transfer full) (array zero-terminated=1): the schemes
 */
char **
dynamorm_backend_list_schemes (void)
{
  GIOExtensionPoint *ep = ensure_backends_loaded ();
  GStrvBuilder *builder = g_strv_builder_new ();
  char **result;

  for (GList *l = g_io_extension_point_get_extensions (ep); l != NULL; l = l->next)
    g_strv_builder_add (builder, g_io_extension_get_name (l->data));

  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}

/**
 * dynamorm_backend_new_for_uri:
 * @uri: a backend URI such as `memory://`, `local://127.0.0.1:8000` or
 *   `aws://eu-west-1`
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Creates the backend that serves @uri's scheme. A URI whose scheme no
 * backend serves is %DYNAMORM_ERROR_BACKEND_NOT_FOUND, with the schemes that
 * are available in the message. Creating a backend does no network I/O.
 *
 * Returns: (transfer full): a new backend, or %NULL on error
 */
DynamormBackend *
dynamorm_backend_new_for_uri (const char    *uri,
                              GCancellable  *cancellable,
                              GError       **error)
{
  return dynamorm_backend_new_for_uri_full (uri, NULL, NULL, cancellable, error);
}

/**
 * dynamorm_backend_new_for_uri_full:
 * @uri: a backend URI such as `memory://`, `local://127.0.0.1:8000` or
 *   `aws://eu-west-1`
 * @credentials: (nullable): credentials to sign requests with, instead of
 *   the backend's own lookup (the AWS credential chain for `aws://`)
 * @retry_policy: (nullable): how the backend retries throttled and failed
 *   requests, instead of its default policy
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Creates the backend that serves @uri's scheme, as
 * [func@Dynamorm.Backend.new_for_uri] does, with explicit credentials or a
 * retry policy. A backend that has no use for them (the in-memory backend
 * signs nothing and never retries) ignores them, so that the same code runs
 * on every backend a URI can name.
 *
 * Returns: (transfer full): a new backend, or %NULL on error
 */
DynamormBackend *
dynamorm_backend_new_for_uri_full (const char          *uri,
                                   DynamormCredentials *credentials,
                                   DynamormRetryPolicy *retry_policy,
                                   GCancellable        *cancellable,
                                   GError             **error)
{
  GIOExtensionPoint *ep;
  GIOExtension *extension;
  g_autofree char *scheme = NULL;
  g_autoptr(GTypeClass) klass = NULL;
  const char *names[3];
  GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  guint n = 0;
  GObject *backend;
  GType type;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (retry_policy == NULL || DYNAMORM_IS_RETRY_POLICY (retry_policy), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ep = ensure_backends_loaded ();
  scheme = g_uri_parse_scheme (uri);
  if (scheme == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_BACKEND_NOT_FOUND,
                   _("“%s” is not a backend URI: it needs a scheme, such as memory:// or local://127.0.0.1:8000"),
                   uri);
      return NULL;
    }

  extension = g_io_extension_point_get_extension_by_name (ep, scheme);
  if (extension == NULL)
    {
      g_auto(GStrv) schemes = dynamorm_backend_list_schemes ();
      g_autofree char *list = g_strjoinv (", ", schemes);

      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_BACKEND_NOT_FOUND,
                   _("No backend serves “%s” URIs (as in “%s”). Available backends: %s. "
                     "Backends are loaded from %s and from the directories in DYNAMORM_BACKEND_PATH."),
                   scheme, uri, *list ? list : _("none"), DYNAMORM_BACKEND_DIR);
      return NULL;
    }

  type = g_io_extension_get_type (extension);
  klass = g_type_class_ref (type);

  names[n] = "uri";
  g_value_init (&values[n], G_TYPE_STRING);
  g_value_set_string (&values[n++], uri);
  if (credentials != NULL && g_object_class_find_property (G_OBJECT_CLASS (klass), "credentials"))
    {
      names[n] = "credentials";
      g_value_init (&values[n], DYNAMORM_TYPE_CREDENTIALS);
      g_value_set_boxed (&values[n++], credentials);
    }
  else if (credentials != NULL)
    g_debug ("The %s backend signs no requests: the credentials given are not used", scheme);
  if (retry_policy != NULL && g_object_class_find_property (G_OBJECT_CLASS (klass), "retry-policy"))
    {
      names[n] = "retry-policy";
      g_value_init (&values[n], DYNAMORM_TYPE_RETRY_POLICY);
      g_value_set_object (&values[n++], retry_policy);
    }
  else if (retry_policy != NULL)
    g_debug ("The %s backend does not retry: the retry policy given is not used", scheme);

  backend = g_object_new_with_properties (type, n, names, values);
  if (G_IS_INITABLE (backend) && !g_initable_init (G_INITABLE (backend), cancellable, error))
    g_clear_object (&backend);

  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);
  return backend ? DYNAMORM_BACKEND (backend) : NULL;
}

