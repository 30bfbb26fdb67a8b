/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-aws-metadata.h"

#define CONTAINER_HOST "http://169.254.170.2"
#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_TOKEN_TTL "21600"

static GBytes *
fetch (SoupSession   *session,
       const char    *method,
       const char    *url,
       const char    *header_name,
       const char    *header_value,
       guint         *status_out,
       GCancellable  *cancellable,
       GError       **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) local_error = NULL;
  GBytes *body;

  msg = soup_message_new (method, url);
  if (msg == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("“%s” is not a valid URL"), url);
      return NULL;
    }
  if (header_name != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), header_name, header_value);
  /* The metadata services want no body but a length on PUT. */
  if (g_str_equal (method, "PUT"))
    soup_message_headers_set_content_length (soup_message_get_request_headers (msg), 0);

  body = soup_session_send_and_read (session, msg, cancellable, &local_error);
  if (body == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                     _("%s %s failed: %s"), method, url, local_error->message);
      return NULL;
    }

  *status_out = soup_message_get_status (msg);
  return body;
}

static const char *
member_string (JsonObject *obj,
               const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* {"AccessKeyId": ..., "SecretAccessKey": ..., "Token": ..., "Expiration": "...Z"},
 * the shape both the container endpoint and IMDS answer with. */
static DynamormCredentials *
parse_credentials (GBytes      *body,
                   const char  *source,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  JsonObject *obj;
  const char *key_id, *secret, *token, *expiration, *code;
  g_autoptr(GDateTime) expires = NULL;

  if (!ddb_json_load (parser, data ? data : "", len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("%s answered with something that is not a JSON credentials document"), source);
      return NULL;
    }

  obj = json_node_get_object (json_parser_get_root (parser));
  code = member_string (obj, "Code");
  if (code != NULL && !g_str_equal (code, "Success"))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("%s answered with code “%s” instead of credentials"), source, code);
      return NULL;
    }

  key_id = member_string (obj, "AccessKeyId");
  secret = member_string (obj, "SecretAccessKey");
  token = member_string (obj, "Token");
  expiration = member_string (obj, "Expiration");
  if (key_id == NULL || secret == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("%s answered without AccessKeyId and SecretAccessKey"), source);
      return NULL;
    }
  if (expiration != NULL)
    {
      expires = g_date_time_new_from_iso8601 (expiration, NULL);
      if (expires == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                       _("%s answered with an Expiration that is not an ISO 8601 time: “%s”"),
                       source, expiration);
          return NULL;
        }
    }

  return dynamorm_credentials_new (key_id, secret, token, expires);
}

/* ECS and EKS only ever serve credentials on these hosts over plain HTTP;
 * anything else must be HTTPS, so credentials never cross a network in the
 * clear (the SDKs' rule). */
static gboolean
is_allowed_full_uri (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GInetAddress) address = NULL;
  const char *host;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0)
    return FALSE;

  host = g_uri_get_host (uri);
  if (g_ascii_strcasecmp (host, "localhost") == 0 ||
      g_str_equal (host, "169.254.170.2") || g_str_equal (host, "169.254.170.23") ||
      g_ascii_strcasecmp (host, "fd00:ec2::23") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static char *
container_authorization (GError **error)
{
  const char *file = g_getenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  const char *token = g_getenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  char *value = NULL;

  /* The file wins: EKS rotates the token in it. */
  if (file != NULL && *file != '\0')
    {
      g_autoptr(GError) local_error = NULL;

      if (!g_file_get_contents (file, &value, NULL, &local_error))
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                       _("Could not read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s"),
                       file, local_error->message);
          return NULL;
        }
      g_strstrip (value);
    }
  else if (token != NULL && *token != '\0')
    value = g_strdup (token);

  if (value != NULL && strpbrk (value, "\r\n") != NULL)
    {
      g_free (value);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("The container authorization token contains a line break; check AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)"));
      return NULL;
    }
  return value;
}

DynamormCredentials *
dynamorm_aws_metadata_container (SoupSession   *session,
                                 char         **skipped_out,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  const char *relative = g_getenv ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const char *full = g_getenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  g_autofree char *url = NULL;
  g_autofree char *authorization = NULL;
  g_autofree char *source = NULL;
  g_autoptr(GBytes) body = NULL;
  GError *local_error = NULL;
  guint status = 0;

  if (relative != NULL && *relative != '\0')
    url = g_strconcat (CONTAINER_HOST, relative, NULL);
  else if (full != NULL && *full != '\0')
    {
      if (!is_allowed_full_uri (full))
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                       _("AWS_CONTAINER_CREDENTIALS_FULL_URI is %s, but plain-HTTP container "
                         "credentials are only fetched from a loopback address, 169.254.170.2 or "
                         "169.254.170.23; use an https:// URL"), full);
          return NULL;
        }
      url = g_strdup (full);
    }
  else
    {
      *skipped_out = g_strdup (_("neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set"));
      return NULL;
    }

  authorization = container_authorization (&local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  source = g_strdup_printf (_("The container credentials endpoint %s"), url);
  body = fetch (session, "GET", url, authorization ? "Authorization" : NULL, authorization,
                &status, cancellable, error);
  if (body == NULL)
    return NULL;
  if (status != SOUP_STATUS_OK)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("%s answered HTTP %u"), source, status);
      return NULL;
    }
  return parse_credentials (body, source, error);
}

char *
dynamorm_aws_metadata_imds_endpoint (void)
{
  const char *endpoint = g_getenv ("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  g_autofree char *value = g_strdup (endpoint && *endpoint ? endpoint : IMDS_DEFAULT_ENDPOINT);
  gsize len = strlen (value);

  while (len > 0 && value[len - 1] == '/')
    value[--len] = '\0';
  return g_steal_pointer (&value);
}

DynamormCredentials *
dynamorm_aws_metadata_imds (SoupSession   *session,
                            char         **skipped_out,
                            GCancellable  *cancellable,
                            GError       **error)
{
  const char *disabled = g_getenv ("AWS_EC2_METADATA_DISABLED");
  g_autofree char *endpoint = NULL;
  g_autofree char *token_url = NULL;
  g_autofree char *roles_url = NULL;
  g_autofree char *creds_url = NULL;
  g_autofree char *token = NULL;
  g_autofree char *role = NULL;
  g_autofree char *source = NULL;
  g_autoptr(GBytes) body = NULL;
  guint status = 0;
  gsize len;
  const char *data;

  if (disabled != NULL && g_ascii_strcasecmp (disabled, "true") == 0)
    {
      *skipped_out = g_strdup (_("disabled by AWS_EC2_METADATA_DISABLED"));
      return NULL;
    }

  endpoint = dynamorm_aws_metadata_imds_endpoint ();
  token_url = g_strconcat (endpoint, "/latest/api/token", NULL);
  roles_url = g_strconcat (endpoint, "/latest/meta-data/iam/security-credentials/", NULL);

  /* IMDSv2: a session token first. */
  body = fetch (session, "PUT", token_url, "X-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL,
                &status, cancellable, error);
  if (body == NULL)
    return NULL;
  if (status == SOUP_STATUS_OK)
    {
      data = g_bytes_get_data (body, &len);
      token = g_strstrip (g_strndup (data ? data : "", len));
    }
  else if (status != SOUP_STATUS_FORBIDDEN && status != SOUP_STATUS_NOT_FOUND &&
           status != SOUP_STATUS_METHOD_NOT_ALLOWED)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("The instance metadata service at %s answered HTTP %u to the IMDSv2 token request"),
                   endpoint, status);
      return NULL;
    }
  /* else: a service without IMDSv2; the SDKs go on without a token. */
  g_clear_pointer (&body, g_bytes_unref);

  body = fetch (session, "GET", roles_url, token ? "X-aws-ec2-metadata-token" : NULL, token,
                &status, cancellable, error);
  if (body == NULL)
    return NULL;
  if (status != SOUP_STATUS_OK)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("The instance metadata service at %s has no IAM role (HTTP %u): attach an instance profile to the instance"),
                   endpoint, status);
      return NULL;
    }
  data = g_bytes_get_data (body, &len);
  role = g_strndup (data ? data : "", len);
  /* One role per line; an instance has one. */
  role[strcspn (role, "\r\n")] = '\0';
  g_strstrip (role);
  if (*role == '\0' || strchr (role, '/') != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("The instance metadata service at %s named no usable IAM role"), endpoint);
      return NULL;
    }
  g_clear_pointer (&body, g_bytes_unref);

  creds_url = g_strconcat (roles_url, role, NULL);
  body = fetch (session, "GET", creds_url, token ? "X-aws-ec2-metadata-token" : NULL, token,
                &status, cancellable, error);
  if (body == NULL)
    return NULL;
  source = g_strdup_printf (_("The instance metadata service at %s"), endpoint);
  if (status != SOUP_STATUS_OK)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS,
                   _("%s answered HTTP %u for the credentials of role “%s”"), source, status, role);
      return NULL;
    }
  return parse_credentials (body, source, error);
}
