/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "mailsetup.h"
#include "ms-discovery-private.h"
#include "ms-error.h"
#include "ms-testbed.h"

/* The HTTP side of discovery (ms-http-fetch.c, the autoconfig and ISPDB sources) against
 * real libsoup servers in this process: one over TLS with the test-bed's valid certificate,
 * one over plain http, one with a certificate for another host, and a listener that accepts
 * connections and never says a word. Each path of the servers is one behaviour: see
 * on_request(). */

#define HUGE_SIZE        (100 * 1024 * 1024)
#define HUGE_CHUNK_SIZE  (64 * 1024)
#define SHORT_TIMEOUT_MS 300
/* Far above SHORT_TIMEOUT_MS and far below the session's I/O timeout: a fetch that took
 * longer was not ended by its own deadline. */
#define PROMPT_LIMIT_US (5 * G_USEC_PER_SEC)

#define ADDRESS "alice@example.net"

static const char autoconfig_document[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<clientConfig version=\"1.1\">\n"
  "  <emailProvider id=\"example.net\">\n"
  "    <domain>example.net</domain>\n"
  "    <displayName>Example Mail</displayName>\n"
  "    <incomingServer type=\"imap\">\n"
  "      <hostname>imap.example.net</hostname>\n"
  "      <port>993</port>\n"
  "      <socketType>SSL</socketType>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "    </incomingServer>\n"
  "    <outgoingServer type=\"smtp\">\n"
  "      <hostname>smtp.example.net</hostname>\n"
  "      <port>465</port>\n"
  "      <socketType>SSL</socketType>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "    </outgoingServer>\n"
  "  </emailProvider>\n"
  "</clientConfig>\n";

/* Parses, but every server is plaintext or port 25: nothing we propose. */
static const char plaintext_document[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<clientConfig version=\"1.1\">\n"
  "  <emailProvider id=\"example.net\">\n"
  "    <domain>example.net</domain>\n"
  "    <incomingServer type=\"imap\">\n"
  "      <hostname>imap.example.net</hostname>\n"
  "      <port>143</port>\n"
  "      <socketType>plain</socketType>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "    </incomingServer>\n"
  "    <outgoingServer type=\"smtp\">\n"
  "      <hostname>smtp.example.net</hostname>\n"
  "      <port>25</port>\n"
  "      <socketType>STARTTLS</socketType>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "    </outgoingServer>\n"
  "  </emailProvider>\n"
  "</clientConfig>\n";

static MsTestbed    *testbed;
static GTlsDatabase *ca_database;

typedef struct
{
  SoupServer         *https;
  SoupServer         *http;
  SoupServer         *wrong_host;
  GSocketService     *silent;
  char               *https_base; /* "https://127.0.0.1:PORT", no trailing slash */
  char               *http_base;
  char               *wrong_host_base;
  char               *silent_base;
  GPtrArray          *silent_connections;

  guint               n_requests;
  char               *user_agent;
  gsize               huge_written;
  GPtrArray          *stalled; /* paused server messages, unpaused at teardown */
  GCancellable       *cancel_on_request;

  MsDiscoveryContext *context;
} Fixture;

/* One fetch of a path of the https server, and what it must give. */
typedef struct
{
  const char *name;
  const char *path;
  GQuark (*error_domain) (void); /* NULL: must succeed */
  int         error_code;
  const char *message;           /* must be part of the error message */
} FetchCase;

static const FetchCase fetch_cases[] = {
  { "ok", "/ok", NULL, 0, NULL },
  { "content-type/application-xml", "/typed?type=application/xml", NULL, 0, NULL },
  { "content-type/with-charset", "/typed?type=text/xml;%20charset=UTF-8", NULL, 0, NULL },
  { "content-type/upper-case", "/typed?type=Text/XML", NULL, 0, NULL },
  { "content-type/plus-xml", "/typed?type=application/vnd.example%2Bxml", NULL, 0, NULL },
  /* no content type at all: the parser decides */
  { "content-type/missing", "/typed", NULL, 0, NULL },
  { "content-type/missing-not-xml", "/garbage", ms_error_quark, MS_ERROR_INVALID_AUTOCONFIG,
    "The settings from 127.0.0.1 are unusable: " },
  { "content-type/html", "/typed?type=text/html", g_io_error_quark, G_IO_ERROR_INVALID_DATA,
    "127.0.0.1 sent text/html, not XML" },
  { "content-type/plain", "/typed?type=text/plain", g_io_error_quark, G_IO_ERROR_INVALID_DATA,
    "127.0.0.1 sent text/plain, not XML" },
  { "content-type/json", "/typed?type=application/json", g_io_error_quark,
    G_IO_ERROR_INVALID_DATA, "127.0.0.1 sent application/json, not XML" },
  { "status/404", "/status?code=404", g_io_error_quark, G_IO_ERROR_NOT_FOUND,
    "127.0.0.1 answered 404 Not Found" },
  { "status/500", "/status?code=500", g_io_error_quark, G_IO_ERROR_FAILED,
    "127.0.0.1 answered 500 Internal Server Error" },
  { "status/204", "/status?code=204", g_io_error_quark, G_IO_ERROR_FAILED,
    "127.0.0.1 answered 204 No Content" },
  { "redirect/no-location", "/redirect-nowhere", g_io_error_quark, G_IO_ERROR_INVALID_DATA,
    "127.0.0.1 redirected without saying where to" },
};

static void
write_huge_chunk (SoupServerMessage *message,
                  gpointer           user_data)
{
  Fixture *fixture = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (message);
  static char chunk[HUGE_CHUNK_SIZE];

  if (fixture->huge_written >= HUGE_SIZE)
    {
      soup_message_body_complete (body);
      return;
    }

  memset (chunk, ' ', sizeof chunk);
  soup_message_body_append (body, SOUP_MEMORY_STATIC, chunk, sizeof chunk);
  fixture->huge_written += sizeof chunk;
}

/* 100 MiB, made up as it is sent: either chunked or with its Content-Length announced. */
static void
serve_huge (Fixture           *fixture,
            SoupServerMessage *message,
            SoupEncoding       encoding)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (headers, "text/xml", NULL);
  soup_message_headers_set_encoding (headers, encoding);
  if (encoding == SOUP_ENCODING_CONTENT_LENGTH)
    soup_message_headers_set_content_length (headers, HUGE_SIZE);
  g_signal_connect (message, "wrote-headers", G_CALLBACK (write_huge_chunk), fixture);
  g_signal_connect (message, "wrote-chunk", G_CALLBACK (write_huge_chunk), fixture);
}

/* Exactly MS_HTTP_MAX_SIZE bytes: the document, padded with a comment after it. */
static char *
document_of_max_size (void)
{
  static const char start[] = "<!--";
  static const char end[] = "-->";
  gsize document_length = strlen (autoconfig_document);
  char *text = g_malloc (MS_HTTP_MAX_SIZE);

  memcpy (text, autoconfig_document, document_length);
  memcpy (text + document_length, start, strlen (start));
  memset (text + document_length + strlen (start), ' ',
          MS_HTTP_MAX_SIZE - document_length - strlen (start) - strlen (end));
  memcpy (text + MS_HTTP_MAX_SIZE - strlen (end), end, strlen (end));
  return text;
}

/* Like soup_server_message_set_response(), which insists on a content type. */
static void
respond (SoupServerMessage *message,
         const char        *content_type,
         const char        *body)
{
  if (content_type != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                  "Content-Type", content_type);
  soup_message_body_append (soup_server_message_get_response_body (message), SOUP_MEMORY_STATIC,
                            body, strlen (body));
}

static void
redirect (SoupServerMessage *message,
          guint              status,
          const char        *location)
{
  soup_server_message_set_status (message, status, NULL);
  if (location != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                  "Location", location);
}

static gboolean
cancel_in_idle (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/*
 * /ok, /v1.1/example.net      the document, text/xml
 * /typed?type=T               the document as T (no type at all without ?type)
 * /garbage                    not XML, no content type
 * /plaintext                  a document with no server we may propose
 * /status?code=N              an empty answer with status N
 * /huge, /huge-length         100 MiB, chunked or with a Content-Length
 * /max-size                   a document of exactly MS_HTTP_MAX_SIZE bytes
 * /stall                      the request is read and never answered
 * /redirect?to=URL[&code=N]   a redirect (302 unless N) to URL
 * /redirect-nowhere           a 302 without Location
 * /loop                       a redirect to itself
 */
static void
on_request (SoupServer        *server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Fixture *fixture = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (message);
  const char *argument = query != NULL ? g_hash_table_lookup (query, "to") : NULL;

  fixture->n_requests++;
  g_free (fixture->user_agent);
  fixture->user_agent = g_strdup (soup_message_headers_get_one (request_headers, "User-Agent"));
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);

  if (g_str_equal (path, "/ok") || g_str_equal (path, "/v1.1/example.net"))
    respond (message, "text/xml", autoconfig_document);
  else if (g_str_equal (path, "/typed"))
    respond (message, query != NULL ? g_hash_table_lookup (query, "type") : NULL,
             autoconfig_document);
  else if (g_str_equal (path, "/garbage"))
    respond (message, NULL, "Hello");
  else if (g_str_equal (path, "/plaintext"))
    respond (message, "application/xml", plaintext_document);
  else if (g_str_equal (path, "/status"))
    soup_server_message_set_status (message, atoi (g_hash_table_lookup (query, "code")), NULL);
  else if (g_str_equal (path, "/huge"))
    serve_huge (fixture, message, SOUP_ENCODING_CHUNKED);
  else if (g_str_equal (path, "/huge-length"))
    serve_huge (fixture, message, SOUP_ENCODING_CONTENT_LENGTH);
  else if (g_str_equal (path, "/max-size"))
    soup_server_message_set_response (message, "text/xml", SOUP_MEMORY_TAKE,
                                      document_of_max_size (), MS_HTTP_MAX_SIZE);
  else if (g_str_equal (path, "/stall"))
    {
      soup_server_message_pause (message);
      g_ptr_array_add (fixture->stalled, g_object_ref (message));
      if (fixture->cancel_on_request != NULL)
        g_idle_add_full (G_PRIORITY_DEFAULT, cancel_in_idle,
                         g_object_ref (fixture->cancel_on_request), g_object_unref);
    }
  else if (g_str_equal (path, "/redirect"))
    redirect (message,
              g_hash_table_contains (query, "code") ? atoi (g_hash_table_lookup (query, "code"))
                                                    : SOUP_STATUS_FOUND,
              argument);
  else if (g_str_equal (path, "/redirect-nowhere"))
    redirect (message, SOUP_STATUS_FOUND, NULL);
  else if (g_str_equal (path, "/loop"))
    redirect (message, SOUP_STATUS_FOUND, "/loop");
  else
    soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
}

static SoupServer *
start_server (Fixture      *fixture,
              MsTestbedCert cert,
              gboolean      tls,
              char        **out_base)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (SoupServer) server = NULL;
  GSList *uris;
  GUri *uri;

  if (tls)
    {
      certificate = g_tls_certificate_new_from_files (ms_testbed_get_cert_file (testbed, cert),
                                                      ms_testbed_get_key_file (testbed, cert),
                                                      &error);
      g_assert_no_error (error);
    }

  server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (server, NULL, on_request, fixture, NULL);
  soup_server_listen_local (server, 0,
                            SOUP_SERVER_LISTEN_IPV4_ONLY | (tls ? SOUP_SERVER_LISTEN_HTTPS : 0),
                            &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  uri = uris->data;
  *out_base = g_strdup_printf ("%s://127.0.0.1:%d", tls ? "https" : "http", g_uri_get_port (uri));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return g_steal_pointer (&server);
}

static gboolean
on_silent_connection (GSocketService     *service,
                      GSocketConnection  *connection,
                      GObject            *source_object,
                      gpointer            user_data)
{
  Fixture *fixture = user_data;

  /* Kept open and never read from or written to. */
  g_ptr_array_add (fixture->silent_connections, g_object_ref (connection));
  return TRUE;
}

static MsDiscoveryContext *
context_new (GTlsDatabase *database,
             guint         timeout_ms)
{
  MsDiscoveryContext *context = g_new0 (MsDiscoveryContext, 1);

  g_ref_count_init (&context->ref_count);
  context->address = g_strdup (ADDRESS);
  context->domain = g_strdup ("example.net");
  /* An I/O timeout that never fires in these tests: only the deadline ends a request. */
  context->session = _ms_http_session_new (database, 60000);
  context->http_timeout_ms = timeout_ms;
  return context;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  fixture->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->silent_connections = g_ptr_array_new_with_free_func (g_object_unref);

  fixture->https = start_server (fixture, MS_TESTBED_CERT_VALID, TRUE, &fixture->https_base);
  fixture->http = start_server (fixture, MS_TESTBED_CERT_VALID, FALSE, &fixture->http_base);
  fixture->wrong_host = start_server (fixture, MS_TESTBED_CERT_WRONG_HOST, TRUE,
                                      &fixture->wrong_host_base);

  fixture->silent = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (fixture->silent), any_port,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                 &error);
  g_assert_no_error (error);
  g_signal_connect (fixture->silent, "incoming", G_CALLBACK (on_silent_connection), fixture);
  fixture->silent_base =
    g_strdup_printf ("https://127.0.0.1:%u",
                     g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  fixture->context = context_new (ca_database, MS_DISCOVERER_DEFAULT_HTTP_TIMEOUT_MS);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  for (guint i = 0; i < fixture->stalled->len; i++)
    {
      SoupServerMessage *message = g_ptr_array_index (fixture->stalled, i);

      soup_server_message_set_status (message, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (message);
    }
  g_clear_pointer (&fixture->stalled, g_ptr_array_unref);

  g_clear_pointer (&fixture->context, _ms_discovery_context_unref);
  soup_server_disconnect (fixture->https);
  soup_server_disconnect (fixture->http);
  soup_server_disconnect (fixture->wrong_host);
  g_socket_service_stop (fixture->silent);
  g_socket_listener_close (G_SOCKET_LISTENER (fixture->silent));

  /* Let the servers and the session see their connections close. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_clear_object (&fixture->https);
  g_clear_object (&fixture->http);
  g_clear_object (&fixture->wrong_host);
  g_clear_object (&fixture->silent);
  g_clear_pointer (&fixture->silent_connections, g_ptr_array_unref);
  g_clear_object (&fixture->cancel_on_request);
  g_free (fixture->https_base);
  g_free (fixture->http_base);
  g_free (fixture->wrong_host_base);
  g_free (fixture->silent_base);
  g_free (fixture->user_agent);
}

typedef struct
{
  GAsyncResult *result;
} Wait;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

static GAsyncResult *
wait_for (Wait *wait)
{
  while (wait->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return wait->result;
}

static MsAutoconfig *
fetch (Fixture      *fixture,
       const char   *url,
       GCancellable *cancellable,
       char        **out_final_url,
       GError      **error)
{
  Wait wait = { 0 };
  g_autoptr (GAsyncResult) result = NULL;

  _ms_http_fetch_autoconfig_async (fixture->context, url, cancellable, on_done, &wait);
  result = wait_for (&wait);
  return _ms_http_fetch_autoconfig_finish (result, out_final_url, error);
}

static void
assert_error_message (const GError *error,
                      const char   *expected)
{
  if (strstr (error->message, expected) == NULL)
    g_error ("“%s” does not say “%s”", error->message, expected);
}

static void
test_fetch_case (Fixture       *fixture,
                 gconstpointer  user_data)
{
  const FetchCase *test = user_data;
  g_autofree char *url = g_strconcat (fixture->https_base, test->path, NULL);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *final_url = NULL;

  autoconfig = fetch (fixture, url, NULL, &final_url, &error);

  if (test->error_domain == NULL)
    {
      g_assert_no_error (error);
      g_assert_nonnull (autoconfig);
      g_assert_cmpstr (ms_autoconfig_get_display_name (autoconfig), ==, "Example Mail");
      g_assert_cmpstr (final_url, ==, url);
    }
  else
    {
      g_assert_error (error, test->error_domain (), test->error_code);
      g_assert_null (autoconfig);
      g_assert_null (final_url);
      assert_error_message (error, test->message);
    }
}

static void
test_user_agent (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->https_base, "/ok", NULL);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;

  autoconfig = fetch (fixture, url, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fixture->user_agent, ==, "Mail-Setup/" PACKAGE_VERSION);
}

static void
test_invalid_url (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;

  autoconfig = fetch (fixture, "ftp://127.0.0.1/config-v1.1.xml", NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (autoconfig);
}

/* The body is dropped as soon as it passes the limit, not read to its end. */
static void
test_too_large (Fixture       *fixture,
                gconstpointer  user_data)
{
  const char *path = user_data;
  g_autofree char *url = g_strconcat (fixture->https_base, path, NULL);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;

  autoconfig = fetch (fixture, url, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  assert_error_message (error, "The answer of 127.0.0.1 is larger than 1024 KiB");

  /* What the server got out before the client hung up: the limit and whatever fit into the
   * socket buffers, nowhere near the 100 MiB on offer. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_message ("the server wrote %" G_GSIZE_FORMAT " bytes", fixture->huge_written);
  g_assert_cmpuint (fixture->huge_written, <, 16 * 1024 * 1024);
}

static void
test_max_size (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->https_base, "/max-size", NULL);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;

  autoconfig = fetch (fixture, url, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_autoconfig_get_display_name (autoconfig), ==, "Example Mail");
}

/* The server never answers: the deadline ends the request, at once. */
static void
test_timeout (Fixture       *fixture,
              gconstpointer  user_data)
{
  gboolean silent = GPOINTER_TO_INT (user_data);
  g_autofree char *url = silent ? g_strconcat (fixture->silent_base, "/ok", NULL)
                                : g_strconcat (fixture->https_base, "/stall", NULL);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start;

  if (!silent)
    {
      /* A connection to reuse, so that the request reaches the server well within the
       * deadline even in slow (sanitizer) builds. */
      g_autofree char *warm_up_url = g_strconcat (fixture->https_base, "/ok", NULL);
      g_autoptr (MsAutoconfig) warm_up = fetch (fixture, warm_up_url, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (warm_up);
    }

  fixture->context->http_timeout_ms = SHORT_TIMEOUT_MS;
  start = g_get_monotonic_time ();
  autoconfig = fetch (fixture, url, NULL, NULL, &error);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (autoconfig);
  assert_error_message (error, "The request to 127.0.0.1 timed out after 0.3 s");
  g_assert_cmpint (g_get_monotonic_time () - start, <, PROMPT_LIMIT_US);
  if (!silent)
    g_assert_cmpuint (fixture->stalled->len, ==, 1);
  else
    g_assert_cmpuint (fixture->silent_connections->len, ==, 1);
}

static void
test_cancel_while_waiting (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->https_base, "/stall", NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start;

  fixture->cancel_on_request = g_object_ref (cancellable);
  start = g_get_monotonic_time ();
  autoconfig = fetch (fixture, url, cancellable, NULL, &error);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (autoconfig);
  g_assert_cmpuint (fixture->stalled->len, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, PROMPT_LIMIT_US);
}

/* Cancelled during the TLS handshake, which runs in a thread of its own. */
static void
test_cancel_during_handshake (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->silent_base, "/ok", NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;
  Wait wait = { 0 };
  g_autoptr (GAsyncResult) result = NULL;
  gint64 start = g_get_monotonic_time ();

  _ms_http_fetch_autoconfig_async (fixture->context, url, cancellable, on_done, &wait);
  while (fixture->silent_connections->len == 0)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  result = wait_for (&wait);
  autoconfig = _ms_http_fetch_autoconfig_finish (result, NULL, &error);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, PROMPT_LIMIT_US);
}

static void
test_cancelled_before (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->https_base, "/ok", NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;

  g_cancellable_cancel (cancellable);
  autoconfig = fetch (fixture, url, cancellable, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (autoconfig);
}

static void
test_redirect_followed (Fixture       *fixture,
                        gconstpointer  user_data)
{
  gboolean relative = GPOINTER_TO_INT (user_data);
  g_autofree char *target = g_strconcat (fixture->https_base, "/ok", NULL);
  g_autofree char *escaped = g_uri_escape_string (relative ? "/ok" : target, NULL, FALSE);
  g_autofree char *url = g_strconcat (fixture->https_base, "/redirect?code=301&to=", escaped,
                                      NULL);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *final_url = NULL;

  autoconfig = fetch (fixture, url, NULL, &final_url, &error);
  g_assert_no_error (error);
  g_assert_nonnull (autoconfig);
  g_assert_cmpstr (final_url, ==, target);
  g_assert_cmpuint (fixture->n_requests, ==, 2);
}

/* An https request must not end on http, where anyone could change the answer. */
static void
test_redirect_to_http_refused (Fixture       *fixture,
                               gconstpointer  user_data)
{
  g_autofree char *target = g_strconcat (fixture->http_base, "/ok", NULL);
  g_autofree char *escaped = g_uri_escape_string (target, NULL, FALSE);
  g_autofree char *url = g_strconcat (fixture->https_base, "/redirect?to=", escaped, NULL);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;

  autoconfig = fetch (fixture, url, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_null (autoconfig);
  message = g_strdup_printf ("127.0.0.1 redirected to %s, which is not secure (https)", target);
  assert_error_message (error, message);
  /* Only the redirect itself: the http server was never asked. */
  g_assert_cmpuint (fixture->n_requests, ==, 1);
}

/* Plain http is untrusted anyway: where it leads does not matter. */
static void
test_redirect_from_http (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autofree char *target = g_strconcat (fixture->https_base, "/ok", NULL);
  g_autofree char *escaped = g_uri_escape_string (target, NULL, FALSE);
  g_autofree char *url = g_strconcat (fixture->http_base, "/redirect?to=", escaped, NULL);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *final_url = NULL;

  autoconfig = fetch (fixture, url, NULL, &final_url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (final_url, ==, target);
}

static void
test_redirect_loop (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->https_base, "/loop", NULL);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;

  autoconfig = fetch (fixture, url, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS);
  message = g_strdup_printf ("127.0.0.1 redirected more than %d times", MS_HTTP_MAX_REDIRECTS);
  assert_error_message (error, message);
  g_assert_cmpuint (fixture->n_requests, ==, MS_HTTP_MAX_REDIRECTS + 1);
}

/* The system's CA certificates do not include the test CA. */
static void
test_certificate_unknown_ca (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->https_base, "/ok", NULL);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&fixture->context, _ms_discovery_context_unref);
  fixture->context = context_new (NULL, MS_DISCOVERER_DEFAULT_HTTP_TIMEOUT_MS);

  autoconfig = fetch (fixture, url, NULL, NULL, &error);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_null (autoconfig);
  assert_error_message (error, "The certificate of 127.0.0.1 is not valid: it is not signed by "
                               "a trusted certificate authority");
  g_assert_cmpuint (fixture->n_requests, ==, 0);
}

static void
test_certificate_wrong_host (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->wrong_host_base, "/ok", NULL);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GError) error = NULL;

  autoconfig = fetch (fixture, url, NULL, NULL, &error);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  assert_error_message (error, "The certificate of 127.0.0.1 is not valid: it was issued for "
                               "another host name");
  g_assert_cmpuint (fixture->n_requests, ==, 0);
}

/* The sources */

static GPtrArray *
run_source (MsSourceFunc source,
            Fixture     *fixture,
            MsLookup    *lookup,
            GError     **error)
{
  Wait wait = { 0 };
  g_autoptr (GAsyncResult) result = NULL;

  source (fixture->context, lookup, NULL, on_done, &wait);
  result = wait_for (&wait);
  return _ms_source_finish (result, error);
}

static void
assert_candidates (GPtrArray        *candidates,
                   MsDiscoverySource source,
                   gboolean          trusted)
{
  gboolean seen_imap = FALSE;
  gboolean seen_smtp = FALSE;

  g_assert_nonnull (candidates);
  g_assert_cmpuint (candidates->len, ==, 2);
  for (guint i = 0; i < candidates->len; i++)
    {
      MsCandidate *candidate = g_ptr_array_index (candidates, i);
      MsServerConfig *server = ms_candidate_get_server (candidate);

      g_assert_cmpint (ms_candidate_get_source (candidate), ==, source);
      g_assert_cmpint (ms_candidate_get_trusted (candidate), ==, trusted);
      if (trusted)
        g_assert_null (ms_candidate_get_untrusted_reason (candidate));
      else
        g_assert_cmpstr (ms_candidate_get_untrusted_reason (candidate), ==,
                         "The settings came over plain HTTP, which anyone on the network "
                         "could have changed.");
      g_assert_cmpstr (ms_server_config_get_username (server), ==, ADDRESS);
      g_assert_cmpint (ms_server_config_get_security (server), ==, MS_SECURITY_TLS);
      if (ms_server_config_get_protocol (server) == MS_PROTOCOL_IMAP)
        {
          seen_imap = TRUE;
          g_assert_cmpstr (ms_server_config_get_host (server), ==, "imap.example.net");
          g_assert_cmpuint (ms_server_config_get_port (server), ==, 993);
        }
      else
        {
          seen_smtp = TRUE;
          g_assert_cmpint (ms_server_config_get_protocol (server), ==, MS_PROTOCOL_SMTP);
          g_assert_cmpstr (ms_server_config_get_host (server), ==, "smtp.example.net");
          g_assert_cmpuint (ms_server_config_get_port (server), ==, 465);
        }
    }
  g_assert_true (seen_imap);
  g_assert_true (seen_smtp);
}

static void
test_source_autoconfig_https (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->https_base, "/ok", NULL);
  g_autoptr (MsLookup) lookup = _ms_lookup_new ("autoconfig", MS_DISCOVERY_SOURCE_AUTOCONFIG, url,
                                                TRUE);
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (GError) error = NULL;

  candidates = run_source (_ms_source_autoconfig, fixture, lookup, &error);
  g_assert_no_error (error);
  assert_candidates (candidates, MS_DISCOVERY_SOURCE_AUTOCONFIG, TRUE);
  g_assert_true (ms_lookup_get_trusted (lookup));
  g_assert_cmpstr (ms_lookup_get_url_or_query (lookup), ==, url);
  g_assert_nonnull (ms_lookup_get_autoconfig (lookup));
  g_assert_cmpstr (ms_autoconfig_get_display_name (ms_lookup_get_autoconfig (lookup)), ==,
                   "Example Mail");
}

static void
test_source_autoconfig_http (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->http_base, "/ok", NULL);
  g_autoptr (MsLookup) lookup = _ms_lookup_new ("autoconfig-http", MS_DISCOVERY_SOURCE_AUTOCONFIG,
                                                url, FALSE);
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (GError) error = NULL;

  candidates = run_source (_ms_source_autoconfig, fixture, lookup, &error);
  g_assert_no_error (error);
  assert_candidates (candidates, MS_DISCOVERY_SOURCE_AUTOCONFIG, FALSE);
  g_assert_false (ms_lookup_get_trusted (lookup));
  g_assert_nonnull (ms_lookup_get_autoconfig (lookup));
}

static void
test_source_autoconfig_redirected (Fixture       *fixture,
                                   gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->https_base, "/redirect?to=%2Fok", NULL);
  g_autofree char *target = g_strconcat (fixture->https_base, "/ok", NULL);
  g_autoptr (MsLookup) lookup = _ms_lookup_new ("autoconfig", MS_DISCOVERY_SOURCE_AUTOCONFIG, url,
                                                TRUE);
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (GError) error = NULL;

  candidates = run_source (_ms_source_autoconfig, fixture, lookup, &error);
  g_assert_no_error (error);
  assert_candidates (candidates, MS_DISCOVERY_SOURCE_AUTOCONFIG, TRUE);
  g_assert_cmpstr (ms_lookup_get_url_or_query (lookup), ==, target);
}

static void
test_source_autoconfig_no_usable_server (Fixture       *fixture,
                                         gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->https_base, "/plaintext", NULL);
  g_autoptr (MsLookup) lookup = _ms_lookup_new ("autoconfig", MS_DISCOVERY_SOURCE_AUTOCONFIG, url,
                                                TRUE);
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (GError) error = NULL;

  candidates = run_source (_ms_source_autoconfig, fixture, lookup, &error);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
  g_assert_null (candidates);
  assert_error_message (error, "The settings from 127.0.0.1 list no IMAP, POP3 or SMTP server "
                               "we can use");
}

static void
test_source_autoconfig_failed (Fixture       *fixture,
                               gconstpointer  user_data)
{
  g_autofree char *url = g_strconcat (fixture->https_base, "/status?code=404", NULL);
  g_autoptr (MsLookup) lookup = _ms_lookup_new ("autoconfig", MS_DISCOVERY_SOURCE_AUTOCONFIG, url,
                                                TRUE);
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (GError) error = NULL;

  candidates = run_source (_ms_source_autoconfig, fixture, lookup, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (candidates);
  assert_error_message (error, "127.0.0.1 answered 404 Not Found");
  g_assert_null (ms_lookup_get_autoconfig (lookup));
}

static void
test_source_ispdb (Fixture       *fixture,
                   gconstpointer  user_data)
{
  gboolean https = GPOINTER_TO_INT (user_data);
  g_autofree char *url = g_strconcat (https ? fixture->https_base : fixture->http_base,
                                      "/v1.1/example.net", NULL);
  g_autoptr (MsLookup) lookup = _ms_lookup_new ("ispdb", MS_DISCOVERY_SOURCE_ISPDB, url, https);
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (GError) error = NULL;

  candidates = run_source (_ms_source_ispdb, fixture, lookup, &error);
  g_assert_no_error (error);
  assert_candidates (candidates, MS_DISCOVERY_SOURCE_ISPDB, https);
  g_assert_nonnull (ms_lookup_get_autoconfig (lookup));
}

static void
add_test (const char   *path,
          gconstpointer data,
          void (*test) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, data, fixture_set_up, test, fixture_tear_down);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  testbed = ms_testbed_start (0, &error);
  g_assert_no_error (error);
  ca_database = g_tls_file_database_new (ms_testbed_get_ca_file (testbed), &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (fetch_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/discovery/http/", fetch_cases[i].name, NULL);

      add_test (path, &fetch_cases[i], test_fetch_case);
    }

  add_test ("/discovery/http/user-agent", NULL, test_user_agent);
  add_test ("/discovery/http/invalid-url", NULL, test_invalid_url);
  add_test ("/discovery/http/size/chunked-100mib", "/huge", test_too_large);
  add_test ("/discovery/http/size/content-length-100mib", "/huge-length", test_too_large);
  add_test ("/discovery/http/size/exactly-the-limit", NULL, test_max_size);
  add_test ("/discovery/http/timeout/no-answer", GINT_TO_POINTER (FALSE), test_timeout);
  add_test ("/discovery/http/timeout/no-handshake", GINT_TO_POINTER (TRUE), test_timeout);
  add_test ("/discovery/http/cancel/waiting-for-answer", NULL, test_cancel_while_waiting);
  add_test ("/discovery/http/cancel/during-handshake", NULL, test_cancel_during_handshake);
  add_test ("/discovery/http/cancel/before-start", NULL, test_cancelled_before);
  add_test ("/discovery/http/redirect/https-absolute", GINT_TO_POINTER (FALSE),
            test_redirect_followed);
  add_test ("/discovery/http/redirect/https-relative", GINT_TO_POINTER (TRUE),
            test_redirect_followed);
  add_test ("/discovery/http/redirect/https-to-http-refused", NULL,
            test_redirect_to_http_refused);
  add_test ("/discovery/http/redirect/http-to-https", NULL, test_redirect_from_http);
  add_test ("/discovery/http/redirect/loop", NULL, test_redirect_loop);
  add_test ("/discovery/http/certificate/unknown-ca", NULL, test_certificate_unknown_ca);
  add_test ("/discovery/http/certificate/wrong-host", NULL, test_certificate_wrong_host);

  add_test ("/discovery/source/autoconfig/https", NULL, test_source_autoconfig_https);
  add_test ("/discovery/source/autoconfig/http-untrusted", NULL, test_source_autoconfig_http);
  add_test ("/discovery/source/autoconfig/redirected", NULL, test_source_autoconfig_redirected);
  add_test ("/discovery/source/autoconfig/no-usable-server", NULL,
            test_source_autoconfig_no_usable_server);
  add_test ("/discovery/source/autoconfig/not-found", NULL, test_source_autoconfig_failed);
  add_test ("/discovery/source/ispdb/https", GINT_TO_POINTER (TRUE), test_source_ispdb);
  add_test ("/discovery/source/ispdb/http-untrusted", GINT_TO_POINTER (FALSE), test_source_ispdb);

  status = g_test_run ();

  g_clear_object (&ca_database);
  ms_testbed_stop (testbed);
  return status;
}
