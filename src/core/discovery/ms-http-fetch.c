/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-http-fetch"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-discovery-private.h"
#include "ms-error.h"

/* One autoconfig document over HTTP(S), as defensively as a client of an unknown server must
 * be: one deadline for the whole request (connect, TLS, every redirect, the body), redirects
 * followed by hand so that an https request never ends on http, the body read as a stream
 * and dropped as soon as it passes the size limit, and every failure told in words that name
 * the host. */

#define READ_CHUNK_SIZE 16384

typedef struct
{
  GTask               *task; /* unowned: the task owns this */
  SoupSession         *session;
  char                *url;        /* as asked for */
  gboolean             https_only; /* the first URL was https: so must every redirect be */
  GUri                *uri;        /* of the request under way */
  guint                n_redirects;
  SoupMessage         *message;
  GTlsCertificateFlags certificate_errors;
  GInputStream        *body;
  GByteArray          *buffer;
  guint8               chunk[READ_CHUNK_SIZE];

  /* Cancelled by the deadline and by the caller's cancellable: it ends whatever is under
   * way. The task is returned at once all the same, before the operation notices (a TLS
   * handshake runs in a thread that only sees the cancellable between its steps); the
   * operation's callback comes later and finds the fetch over. */
  GCancellable        *cancellable;
  GCancellable        *caller_cancellable;
  gulong               caller_cancelled_id;
  GSource             *deadline;
  guint                timeout_ms;
  gboolean             over;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  if (data->deadline != NULL)
    {
      g_source_destroy (data->deadline);
      g_source_unref (data->deadline);
    }
  if (data->caller_cancelled_id != 0)
    g_cancellable_disconnect (data->caller_cancellable, data->caller_cancelled_id);
  g_clear_object (&data->caller_cancellable);
  g_clear_object (&data->cancellable);
  if (data->message != NULL)
    g_signal_handlers_disconnect_by_data (data->message, data);
  g_clear_object (&data->message);
  g_clear_object (&data->body);
  g_clear_pointer (&data->buffer, g_byte_array_unref);
  g_clear_pointer (&data->uri, g_uri_unref);
  g_clear_pointer (&data->url, g_free);
  g_clear_object (&data->session);
  g_free (data);
}

static const char *
current_host (FetchData *data)
{
  return g_uri_get_host (data->uri);
}

/* Ends the fetch with @error (taken) unless it is over already, and stops what is under way. */
static void
fail (FetchData *data,
      GError    *error)
{
  if (data->over)
    {
      g_error_free (error);
      return;
    }

  data->over = TRUE;
  g_cancellable_cancel (data->cancellable);
  g_task_return_error (data->task, error);
}

static gboolean
on_deadline (gpointer user_data)
{
  FetchData *data = user_data;
  g_autofree char *seconds = g_strdup_printf ("%g", data->timeout_ms / 1000.0);

  g_clear_pointer (&data->deadline, g_source_unref);
  fail (data, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           /* Translators: the first %s is a host name, the second a number of
                            * seconds such as 0.5 or 10 */
                           _("The request to %s timed out after %s s"), current_host (data),
                           seconds));
  return G_SOURCE_REMOVE;
}

static gboolean
fail_cancelled (gpointer user_data)
{
  FetchData *data = g_task_get_task_data (user_data);

  fail (data, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled")));
  return G_SOURCE_REMOVE;
}

/* May run in any thread: the fetch itself ends in its own main context. */
static void
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  FetchData *data = user_data;
  g_autoptr (GSource) idle = g_idle_source_new ();

  g_source_set_priority (idle, G_PRIORITY_HIGH);
  g_source_set_callback (idle, fail_cancelled, g_object_ref (data->task), g_object_unref);
  g_source_attach (idle, g_task_get_context (data->task));
}

static const char *
describe_certificate_errors (GTlsCertificateFlags errors)
{
  /* One reason, the one that tells a person most. */
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return _("it was issued for another host name");
  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return _("it is not signed by a trusted certificate authority");
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    return _("it has expired");
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return _("it is not valid yet");
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    return _("it has been revoked");
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    return _("it uses an insecure algorithm");
  return _("it could not be verified");
}

/* A failed request: the network, TLS or a cancel. */
static GError *
request_error (FetchData *data,
               GError    *error)
{
  if (data->certificate_errors != 0 ||
      g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    {
      GError *certificate_error =
        g_error_new (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                     /* Translators: %s is a host name, then a reason such as "it has expired" */
                     _("The certificate of %s is not valid: %s"), current_host (data),
                     describe_certificate_errors (data->certificate_errors));
      g_error_free (error);
      return certificate_error;
    }

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* Translators: %s is a host name; the reason follows */
    g_prefix_error (&error, _("Cannot fetch the settings from %s: "), current_host (data));
  return error;
}

static gboolean
on_accept_certificate (SoupMessage         *message,
                       GTlsCertificate     *certificate,
                       GTlsCertificateFlags errors,
                       gpointer             user_data)
{
  FetchData *data = user_data;

  /* Never accepted: only remembered to say why the handshake failed. */
  data->certificate_errors = errors;
  return FALSE;
}

static gboolean
is_blank (const char *text)
{
  if (text == NULL)
    return TRUE;
  while (g_ascii_isspace (*text))
    text++;
  return *text == '\0';
}

static gboolean
is_xml_content_type (const char *content_type)
{
  g_autofree char *lower = g_ascii_strdown (content_type, -1);

  return g_str_equal (lower, "text/xml") || g_str_equal (lower, "application/xml") ||
         (g_str_has_prefix (lower, "application/") && g_str_has_suffix (lower, "+xml"));
}

static void send_request (GTask *task);
static void read_body (GTask *task);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  gssize n_read;

  n_read = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (data->over)
    return;
  if (n_read < 0)
    {
      fail (data, request_error (data, g_steal_pointer (&error)));
      return;
    }

  if (n_read > 0)
    {
      g_byte_array_append (data->buffer, data->chunk, n_read);
      if (data->buffer->len > MS_HTTP_MAX_SIZE)
        {
          fail (data, g_error_new (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                   /* Translators: %s is a host name, %d a number of KiB */
                                   _("The answer of %s is larger than %d KiB"),
                                   current_host (data), MS_HTTP_MAX_SIZE / 1024));
          return;
        }
      read_body (task);
      return;
    }

  g_clear_object (&data->body);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&data->buffer));
  autoconfig = ms_autoconfig_new_from_bytes (bytes, &error);
  if (autoconfig == NULL)
    {
      /* Translators: %s is a host name; the parser's explanation follows */
      g_prefix_error (&error, _("The settings from %s are unusable: "), current_host (data));
      fail (data, g_steal_pointer (&error));
      return;
    }

  data->over = TRUE;
  g_task_return_pointer (task, g_steal_pointer (&autoconfig), g_object_unref);
}

static void
read_body (GTask *task)
{
  FetchData *data = g_task_get_task_data (task);
  /* One byte past the limit is enough to know it is too large. */
  gsize wanted = MIN (sizeof data->chunk, MS_HTTP_MAX_SIZE + 1 - data->buffer->len);

  g_input_stream_read_async (data->body, data->chunk, wanted, G_PRIORITY_DEFAULT,
                             data->cancellable, on_read, g_object_ref (task));
}

/* A redirect: the next URL, or FALSE with @error set when it must not be followed. */
static gboolean
follow_redirect (FetchData *data,
                 GError   **error)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (data->message);
  const char *location = soup_message_headers_get_one (headers, "Location");
  g_autoptr (GUri) next = NULL;
  g_autofree char *next_text = NULL;
  const char *scheme;

  if (location == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s redirected without saying where to"), current_host (data));
      return FALSE;
    }

  if (data->n_redirects >= MS_HTTP_MAX_REDIRECTS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS,
                   _("%s redirected more than %d times"), current_host (data),
                   MS_HTTP_MAX_REDIRECTS);
      return FALSE;
    }

  next = g_uri_parse_relative (data->uri, location, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = next != NULL ? g_uri_get_scheme (next) : NULL;
  if (next == NULL || g_uri_get_host (next) == NULL || g_uri_get_host (next)[0] == '\0' ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s redirected to an invalid address"), current_host (data));
      return FALSE;
    }

  next_text = g_uri_to_string (next);
  if (data->https_only && !g_str_equal (scheme, "https"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("%s redirected to %s, which is not secure (https): not followed"),
                   current_host (data), next_text);
      return FALSE;
    }

  g_debug ("%s redirected to %s", current_host (data), next_text);
  data->n_redirects++;
  g_uri_unref (data->uri);
  data->uri = g_steal_pointer (&next);
  return TRUE;
}

/* Whether the answer is worth reading: 200 and XML, not too large. */
static gboolean
check_response (FetchData *data,
                GError   **error)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (data->message);
  guint status = soup_message_get_status (data->message);
  const char *raw_content_type;
  const char *content_type;

  if (status != SOUP_STATUS_OK)
    {
      const char *reason = soup_message_get_reason_phrase (data->message);

      if (reason == NULL || reason[0] == '\0')
        reason = soup_status_get_phrase (status);
      g_set_error (error, G_IO_ERROR,
                   status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE
                     ? G_IO_ERROR_NOT_FOUND
                     : G_IO_ERROR_FAILED,
                   /* Translators: "autoconfig.example.net answered 404 Not Found" */
                   _("%s answered %u %s"), current_host (data), status,
                   reason != NULL ? reason : "");
      return FALSE;
    }

  /* No content type at all is tolerated (the parser decides); a wrong one is not. */
  raw_content_type = soup_message_headers_get_one (headers, "Content-Type");
  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (!is_blank (raw_content_type) &&
      (content_type == NULL || !is_xml_content_type (content_type)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   /* Translators: "autoconfig.example.net sent text/html, not XML" */
                   _("%s sent %s, not XML"), current_host (data),
                   content_type != NULL ? content_type : raw_content_type);
      return FALSE;
    }

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > MS_HTTP_MAX_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   _("The answer of %s is larger than %d KiB"), current_host (data),
                   MS_HTTP_MAX_SIZE / 1024);
      return FALSE;
    }

  return TRUE;
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  g_autoptr (GInputStream) body = NULL;
  g_autoptr (GError) error = NULL;
  guint status;

  body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (data->over)
    return;
  if (body == NULL)
    {
      fail (data, request_error (data, g_steal_pointer (&error)));
      return;
    }

  status = soup_message_get_status (data->message);
  if (SOUP_STATUS_IS_REDIRECTION (status) && status != SOUP_STATUS_NOT_MODIFIED &&
      status != SOUP_STATUS_USE_PROXY && status != SOUP_STATUS_MULTIPLE_CHOICES)
    {
      /* The redirect's own body is never read; closing drops the connection if it had one. */
      if (!follow_redirect (data, &error))
        {
          fail (data, g_steal_pointer (&error));
          return;
        }
      send_request (task);
      return;
    }

  if (!check_response (data, &error))
    {
      fail (data, g_steal_pointer (&error));
      return;
    }

  data->body = g_steal_pointer (&body);
  data->buffer = g_byte_array_new ();
  read_body (task);
}

static void
send_request (GTask *task)
{
  FetchData *data = g_task_get_task_data (task);

  if (data->message != NULL)
    g_signal_handlers_disconnect_by_data (data->message, data);
  g_clear_object (&data->message);
  data->certificate_errors = 0;

  data->message = soup_message_new_from_uri (SOUP_METHOD_GET, data->uri);
  soup_message_add_flags (data->message, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (data->message), "Accept",
                                "application/xml, text/xml");
  g_signal_connect (data->message, "accept-certificate", G_CALLBACK (on_accept_certificate),
                    data);

  soup_session_send_async (data->session, data->message, G_PRIORITY_DEFAULT, data->cancellable,
                           on_sent, g_object_ref (task));
}

/**
 * _ms_http_session_new:
 * @database: (nullable): the CA certificates to trust, or %NULL for the system's
 * @timeout_ms: the longest wait for any one read or write
 *
 * A session as the HTTP sources need it: no proxy (a discovery asks the servers of the
 * address's domain themselves), our User-Agent, the given trust and I/O timeout.
 *
 * Returns: (transfer full): a new session
 */
SoupSession *
_ms_http_session_new (GTlsDatabase *database,
                      guint         timeout_ms)
{
  SoupSession *session;

  g_return_val_if_fail (database == NULL || G_IS_TLS_DATABASE (database), NULL);

  session = soup_session_new_with_options ("user-agent", "Mail-Setup/" PACKAGE_VERSION,
                                           "timeout", MAX (1, (timeout_ms + 999) / 1000),
                                           NULL);
  soup_session_set_proxy_resolver (session, NULL);
  if (database != NULL)
    soup_session_set_tls_database (session, database);

  return session;
}

/**
 * _ms_http_fetch_autoconfig_async:
 * @context: the discovery's shared state: its session and context->http_timeout_ms, the
 *   deadline for the whole request (0: none but the session's I/O timeout)
 * @url: an http or https URL
 * @cancellable: (nullable): a cancellable
 * @callback: called when the document is there or the fetch failed
 * @user_data: data for @callback
 *
 * GETs @url and parses the answer as an autoconfig document (see ms-discovery-private.h).
 * A cancel or the deadline ends the fetch at once.
 */
void
_ms_http_fetch_autoconfig_async (MsDiscoveryContext *context,
                                 const char         *url,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) error = NULL;
  const char *scheme;
  FetchData *data;

  g_return_if_fail (context != NULL);
  g_return_if_fail (SOUP_IS_SESSION (context->session));
  g_return_if_fail (url != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _ms_http_fetch_autoconfig_async);

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &error);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0' ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not an http or https URL"), url);
      return;
    }

  data = g_new0 (FetchData, 1);
  data->task = task;
  data->session = g_object_ref (context->session);
  data->url = g_strdup (url);
  data->https_only = g_str_equal (scheme, "https");
  data->uri = g_steal_pointer (&uri);
  data->cancellable = g_cancellable_new ();
  data->timeout_ms = context->http_timeout_ms;
  g_task_set_task_data (task, data, (GDestroyNotify) fetch_data_free);

  if (data->timeout_ms > 0)
    {
      data->deadline = g_timeout_source_new (data->timeout_ms);
      g_source_set_callback (data->deadline, on_deadline, data, NULL);
      g_source_attach (data->deadline, g_task_get_context (task));
    }

  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_cancelled_id =
        g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled), data, NULL);
    }

  send_request (task);
}

/**
 * _ms_http_fetch_autoconfig_finish:
 * @result: the result given to the callback
 * @out_final_url: (out) (optional): the URL the document came from, after redirects
 * @error: return location for an error that names the host
 *
 * Returns: (transfer full) (nullable): the document, or %NULL with @error set
 */
MsAutoconfig *
_ms_http_fetch_autoconfig_finish (GAsyncResult *result,
                                  char        **out_final_url,
                                  GError      **error)
{
  MsAutoconfig *autoconfig;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                          _ms_http_fetch_autoconfig_async,
                        NULL);

  autoconfig = g_task_propagate_pointer (G_TASK (result), error);
  if (autoconfig != NULL && out_final_url != NULL)
    {
      FetchData *data = g_task_get_task_data (G_TASK (result));

      *out_final_url = data->n_redirects > 0 ? g_uri_to_string (data->uri) : g_strdup (data->url);
    }

  return autoconfig;
}
