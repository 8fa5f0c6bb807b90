/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Proves the test-bed with plain GIO: every listener greets, upgrades to TLS and answers
 * inside it, validated against the test CA; every user logs in; Postfix authenticates through
 * Dovecot; the certificate variants fail validation the way they should, and each is presented
 * on its address; the options (more certificate names, more user domains) hold; the keyring stores
 * and finds a secret on the private bus; and stopping leaves nothing behind. */
#define G_LOG_DOMAIN "test-testbed"

#include "config.h"

#include "ms-testbed.h"

#include <gio/gio.h>
#include <libsecret/secret.h>
#include <string.h>

#define SOCKET_TIMEOUT_SECONDS 10

static MsTestbed *testbed;

/* One conversation with a server, line by line. */
typedef struct
{
  GSocketConnection *connection;
  GIOStream *stream; /* the connection, or the TLS connection on top of it */
  GDataInputStream *input;
  GTlsDatabase *database;
  MsTestbedListener listener;
} Conversation;

static void
conversation_set_stream (Conversation *self,
                         GIOStream    *stream)
{
  g_clear_object (&self->input);
  g_set_object (&self->stream, stream);

  self->input = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  g_data_input_stream_set_newline_type (self->input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  /* Dropping the line reader at STARTTLS must not close the connection under it. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (self->input), FALSE);
}

static void
conversation_start_tls (Conversation *self)
{
  g_autoptr (GSocketConnectable) identity = NULL;
  g_autoptr (GIOStream) tls = NULL;
  g_autoptr (GError) error = NULL;

  /* Nothing may be left unread from before the handshake. */
  g_assert_cmpuint (g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (self->input)),
                    ==, 0);

  /* The identity is the address we connect to: the certificate's IP SAN must match it. */
  identity = g_network_address_new (ms_testbed_get_host (testbed),
                                    ms_testbed_get_port (testbed, self->listener));
  tls = g_tls_client_connection_new (G_IO_STREAM (self->connection), identity, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), self->database);

  /* No accept-certificate handler: the handshake succeeds only if validation passes. */
  g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (tls)), ==, 0);

  conversation_set_stream (self, tls);
}

static Conversation *
conversation_new (MsTestbedListener listener)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  Conversation *self = g_new0 (Conversation, 1);
  g_autoptr (GError) error = NULL;

  self->listener = listener;
  self->database = g_tls_file_database_new (ms_testbed_get_ca_file (testbed), &error);
  g_assert_no_error (error);

  g_socket_client_set_timeout (client, SOCKET_TIMEOUT_SECONDS);
  /* Loopback needs no proxy, and the isolated XDG dirs hold no GSettings schemas for the
   * proxy resolver to read. */
  g_socket_client_set_enable_proxy (client, FALSE);
  self->connection = g_socket_client_connect_to_host (client, ms_testbed_get_host (testbed),
                                                      ms_testbed_get_port (testbed, listener),
                                                      NULL, &error);
  g_assert_no_error (error);

  conversation_set_stream (self, G_IO_STREAM (self->connection));
  if (!ms_testbed_listener_is_starttls (listener))
    conversation_start_tls (self);

  return self;
}

static void
conversation_free (Conversation *self)
{
  g_clear_object (&self->input);
  if (self->stream != NULL)
    g_io_stream_close (self->stream, NULL, NULL);
  g_clear_object (&self->stream);
  g_clear_object (&self->connection);
  g_clear_object (&self->database);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Conversation, conversation_free)

static char *
conversation_read_line (Conversation *self)
{
  g_autoptr (GError) error = NULL;
  char *line;

  line = g_data_input_stream_read_line (self->input, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_test_message ("S: %s", line);

  return line;
}

static void
conversation_send (Conversation *self,
                   const char   *line)
{
  GOutputStream *output = g_io_stream_get_output_stream (self->stream);
  g_autofree char *data = g_strconcat (line, "\r\n", NULL);
  g_autoptr (GError) error = NULL;

  g_test_message ("C: %s", line);
  g_output_stream_write_all (output, data, strlen (data), NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads an SMTP reply ("250-…" lines up to "250 …") and returns all its lines. */
static char *
conversation_read_smtp_reply (Conversation *self,
                              const char   *code)
{
  g_autoptr (GString) reply = g_string_new (NULL);

  for (;;)
    {
      g_autofree char *line = conversation_read_line (self);

      g_assert_true (g_str_has_prefix (line, code));
      g_string_append_printf (reply, "%s\n", line);
      if (line[3] == ' ' || line[3] == '\0')
        break;
      g_assert_cmpint (line[3], ==, '-');
    }

  return g_string_free (g_steal_pointer (&reply), FALSE);
}

/* Reads IMAP lines up to the tagged reply to @tag; returns the untagged ones, then that. */
static char *
conversation_read_imap_reply (Conversation *self,
                              const char   *tag)
{
  g_autoptr (GString) reply = g_string_new (NULL);
  g_autofree char *prefix = g_strconcat (tag, " ", NULL);

  for (;;)
    {
      g_autofree char *line = conversation_read_line (self);

      g_string_append_printf (reply, "%s\n", line);
      if (g_str_has_prefix (line, prefix))
        break;
      g_assert_true (g_str_has_prefix (line, "* "));
    }

  return g_string_free (g_steal_pointer (&reply), FALSE);
}

/* Reads a POP3 multi-line reply up to its "." line. */
static char *
conversation_read_pop3_list (Conversation *self)
{
  g_autoptr (GString) reply = g_string_new (NULL);

  for (;;)
    {
      g_autofree char *line = conversation_read_line (self);

      if (g_str_equal (line, "."))
        break;
      g_string_append_printf (reply, "%s\n", line);
    }

  return g_string_free (g_steal_pointer (&reply), FALSE);
}

static char *
make_sasl_plain (const MsTestbedUser *user,
                 const char          *password)
{
  gsize login_length = strlen (user->login);
  gsize password_length = strlen (password);
  gsize length = 1 + login_length + 1 + password_length;
  g_autofree guchar *message = g_malloc0 (length);

  /* authzid (empty) NUL authcid NUL password */
  memcpy (message + 1, user->login, login_length);
  memcpy (message + 1 + login_length + 1, password, password_length);

  return g_base64_encode (message, length);
}

static void
check_imap (Conversation *conversation)
{
  g_autofree char *greeting = conversation_read_line (conversation);
  g_autofree char *capabilities = NULL;

  g_assert_true (g_str_has_prefix (greeting, "* OK"));

  if (ms_testbed_listener_is_starttls (conversation->listener))
    {
      g_autofree char *reply = NULL;

      g_assert_nonnull (strstr (greeting, " STARTTLS"));
      conversation_send (conversation, "a STARTTLS");
      reply = conversation_read_imap_reply (conversation, "a");
      g_assert_true (g_str_has_prefix (reply, "a OK"));
      conversation_start_tls (conversation);
    }
  else
    {
      g_assert_null (strstr (greeting, "STARTTLS"));
    }

  conversation_send (conversation, "b CAPABILITY");
  capabilities = conversation_read_imap_reply (conversation, "b");
  g_assert_true (g_str_has_prefix (capabilities, "* CAPABILITY IMAP4rev1"));
  g_assert_nonnull (strstr (capabilities, " AUTH=PLAIN"));
  g_assert_null (strstr (capabilities, "STARTTLS"));
  g_assert_nonnull (strstr (capabilities, "\nb OK"));
}

static void
check_pop3 (Conversation *conversation)
{
  g_autofree char *greeting = conversation_read_line (conversation);
  g_autofree char *capa_status = NULL;
  g_autofree char *capabilities = NULL;

  g_assert_true (g_str_has_prefix (greeting, "+OK"));

  if (ms_testbed_listener_is_starttls (conversation->listener))
    {
      g_autofree char *reply = NULL;

      conversation_send (conversation, "STLS");
      reply = conversation_read_line (conversation);
      g_assert_true (g_str_has_prefix (reply, "+OK"));
      conversation_start_tls (conversation);
    }

  conversation_send (conversation, "CAPA");
  capa_status = conversation_read_line (conversation);
  g_assert_true (g_str_has_prefix (capa_status, "+OK"));
  capabilities = conversation_read_pop3_list (conversation);
  g_assert_nonnull (strstr (capabilities, "SASL PLAIN"));
  g_assert_null (strstr (capabilities, "STLS"));
}

static void
check_smtp (Conversation *conversation)
{
  g_autofree char *greeting = conversation_read_smtp_reply (conversation, "220");
  g_autofree char *extensions = NULL;

  g_assert_true (g_str_has_prefix (greeting, "220 mail.example.test ESMTP"));

  if (ms_testbed_listener_is_starttls (conversation->listener))
    {
      g_autofree char *plain_extensions = NULL;
      g_autofree char *reply = NULL;

      conversation_send (conversation, "EHLO client.example.test");
      plain_extensions = conversation_read_smtp_reply (conversation, "250");
      g_assert_nonnull (strstr (plain_extensions, "250-STARTTLS"));
      /* smtpd_tls_auth_only: no AUTH before TLS. */
      g_assert_null (strstr (plain_extensions, "AUTH"));

      conversation_send (conversation, "STARTTLS");
      reply = conversation_read_smtp_reply (conversation, "220");
      conversation_start_tls (conversation);
    }

  conversation_send (conversation, "EHLO client.example.test");
  extensions = conversation_read_smtp_reply (conversation, "250");
  g_assert_nonnull (strstr (extensions, "AUTH PLAIN"));
  g_assert_null (strstr (extensions, "STARTTLS"));
}

static void
test_listener (gconstpointer data)
{
  MsTestbedListener listener = GPOINTER_TO_INT (data);
  g_autoptr (Conversation) conversation = conversation_new (listener);
  const char *protocol = ms_testbed_listener_protocol (listener);

  if (g_str_equal (protocol, "imap"))
    check_imap (conversation);
  else if (g_str_equal (protocol, "pop3"))
    check_pop3 (conversation);
  else
    check_smtp (conversation);
}

static char *
imap_authenticate (const MsTestbedUser *user,
                   const char          *password,
                   gint64              *elapsed_usec)
{
  g_autoptr (Conversation) conversation = conversation_new (MS_TESTBED_IMAP_TLS);
  g_autofree char *greeting = conversation_read_line (conversation);
  g_autofree char *response = make_sasl_plain (user, password);
  g_autofree char *command = g_strconcat ("a AUTHENTICATE PLAIN ", response, NULL);
  g_autofree char *reply = NULL;
  gint64 start;

  g_assert_true (g_str_has_prefix (greeting, "* OK"));
  /* SASL-IR: the initial response goes with the command. */
  g_assert_nonnull (strstr (greeting, " SASL-IR"));

  start = g_get_monotonic_time ();
  conversation_send (conversation, command);
  reply = conversation_read_imap_reply (conversation, "a");
  *elapsed_usec = g_get_monotonic_time () - start;

  return g_steal_pointer (&reply);
}

static void
test_imap_login (gconstpointer data)
{
  const MsTestbedUser *user = ms_testbed_get_user (testbed, GPOINTER_TO_INT (data));
  g_autofree char *reply = NULL;
  gint64 elapsed;

  reply = imap_authenticate (user, user->password, &elapsed);
  g_assert_true (g_str_has_prefix (reply, "a OK"));
}

static void
test_imap_wrong_password (void)
{
  const MsTestbedUser *user = ms_testbed_get_user (testbed, MS_TESTBED_USER_FULL_ADDRESS);
  g_autofree char *reply = NULL;
  gint64 elapsed;

  /* Twice: with the auth penalty on, the second failure from the same address would wait
   * 2 s or more. Dovecot 2.3 answers each failure at a 500 ms tick, whatever the settings. */
  for (guint i = 0; i < 2; i++)
    {
      g_clear_pointer (&reply, g_free);
      reply = imap_authenticate (user, "not-the-password", &elapsed);
      g_assert_true (g_str_has_prefix (reply, "a NO [AUTHENTICATIONFAILED]"));
      g_assert_cmpint (elapsed, <, 3 * G_USEC_PER_SEC / 2);
    }
}

static void
test_smtp_auth (gconstpointer data)
{
  MsTestbedListener listener = GPOINTER_TO_INT (data);
  const MsTestbedUser *user = ms_testbed_get_user (testbed, MS_TESTBED_USER_FULL_ADDRESS);
  g_autoptr (Conversation) conversation = conversation_new (listener);
  g_autofree char *response = make_sasl_plain (user, user->password);
  g_autofree char *command = g_strconcat ("AUTH PLAIN ", response, NULL);
  g_autofree char *reply = NULL;

  /* Greeting, STARTTLS if needed, EHLO inside TLS. */
  check_smtp (conversation);

  /* Postfix asks Dovecot's auth service. */
  conversation_send (conversation, command);
  reply = conversation_read_smtp_reply (conversation, "235");

  conversation_send (conversation, "QUIT");
  g_clear_pointer (&reply, g_free);
  reply = conversation_read_smtp_reply (conversation, "221");
}

typedef struct
{
  MsTestbedCert cert;
  GTlsCertificateFlags expected;
} CertCase;

static const CertCase cert_cases[] = {
  { MS_TESTBED_CERT_VALID, 0 },
  { MS_TESTBED_CERT_SELF_SIGNED, G_TLS_CERTIFICATE_UNKNOWN_CA },
  { MS_TESTBED_CERT_WRONG_HOST, G_TLS_CERTIFICATE_BAD_IDENTITY },
  { MS_TESTBED_CERT_EXPIRED, G_TLS_CERTIFICATE_EXPIRED },
  { MS_TESTBED_CERT_NOT_YET_VALID, G_TLS_CERTIFICATE_NOT_ACTIVATED },
};

static void
test_certificate (gconstpointer data)
{
  const CertCase *cert_case = data;
  g_autoptr (GTlsDatabase) database = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GSocketConnectable) identity = NULL;
  g_autoptr (GError) error = NULL;
  GTlsCertificateFlags flags;

  database = g_tls_file_database_new (ms_testbed_get_ca_file (testbed), &error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (
    ms_testbed_get_cert_file (testbed, cert_case->cert), &error);
  g_assert_no_error (error);
  identity = g_network_address_new ("localhost", 0);

  flags = g_tls_database_verify_chain (database, certificate,
                                       G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity, NULL,
                                       G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmphex (flags, ==, cert_case->expected);
}

/* Names and a domain the shared test-bed is started with (MsTestbedOptions). */
#define EXTRA_NAME  "imap.extra.example.net"
#define USER_DOMAIN "extra.example.net"

static void
test_certificate_extra_name (void)
{
  g_autoptr (GTlsDatabase) database = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GSocketConnectable) identity = NULL;
  g_autoptr (GSocketConnectable) other_identity = NULL;
  g_autoptr (GError) error = NULL;
  GTlsCertificateFlags flags;

  g_assert_cmpstrv (ms_testbed_get_extra_names (testbed),
                    ((const char *const[]){ EXTRA_NAME, NULL }));

  database = g_tls_file_database_new (ms_testbed_get_ca_file (testbed), &error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (
    ms_testbed_get_cert_file (testbed, MS_TESTBED_CERT_VALID), &error);
  g_assert_no_error (error);

  identity = g_network_address_new (EXTRA_NAME, 993);
  flags = g_tls_database_verify_chain (database, certificate,
                                       G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity, NULL,
                                       G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmphex (flags, ==, 0);

  /* only the names asked for */
  other_identity = g_network_address_new ("pop.extra.example.net", 995);
  flags = g_tls_database_verify_chain (database, certificate,
                                       G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, other_identity,
                                       NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmphex (flags, ==, G_TLS_CERTIFICATE_BAD_IDENTITY);
}

static void
test_imap_login_domain_user (gconstpointer data)
{
  MsTestbedUserKind kind = GPOINTER_TO_INT (data);
  const MsTestbedUser *user = ms_testbed_get_domain_user (testbed, kind, USER_DOMAIN);
  g_autofree char *reply = NULL;
  gint64 elapsed;

  g_assert_nonnull (user);
  g_assert_true (g_str_has_suffix (user->address, "@" USER_DOMAIN));
  g_assert_cmpstr (user->password, ==, ms_testbed_get_user (testbed, kind)->password);
  g_assert_null (ms_testbed_get_domain_user (testbed, kind, "other.example.net"));

  reply = imap_authenticate (user, user->password, &elapsed);
  g_assert_true (g_str_has_prefix (reply, "a OK"));
}

static gboolean
accept_any_certificate (GTlsConnection      *connection,
                        GTlsCertificate     *certificate,
                        GTlsCertificateFlags errors,
                        gpointer             user_data)
{
  return TRUE;
}

/* Dovecot and Postfix present each certificate variant on its own loopback address. */
static void
test_certificate_hosts (void)
{
  static const MsTestbedListener listeners[] = {
    MS_TESTBED_IMAP_TLS,
    MS_TESTBED_POP3_TLS,
    MS_TESTBED_SMTP_TLS,
  };

  for (guint cert = 0; cert < MS_TESTBED_N_CERTS; cert++)
    {
      const char *host = ms_testbed_get_cert_host (testbed, cert);
      g_autoptr (GTlsCertificate) expected = NULL;
      g_autoptr (GError) error = NULL;

      if (host == NULL)
        continue;

      expected = g_tls_certificate_new_from_file (ms_testbed_get_cert_file (testbed, cert), &error);
      g_assert_no_error (error);

      for (guint i = 0; i < G_N_ELEMENTS (listeners); i++)
        {
          g_autoptr (GSocketClient) client = g_socket_client_new ();
          g_autoptr (GSocketConnection) connection = NULL;
          g_autoptr (GSocketConnectable) identity = NULL;
          g_autoptr (GIOStream) tls = NULL;
          guint16 port = ms_testbed_get_port (testbed, listeners[i]);

          g_test_message ("%s:%u", host, port);
          g_socket_client_set_timeout (client, SOCKET_TIMEOUT_SECONDS);
          g_socket_client_set_enable_proxy (client, FALSE);
          connection = g_socket_client_connect_to_host (client, host, port, NULL, &error);
          g_assert_no_error (error);

          identity = g_network_address_new (host, port);
          tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);
          g_assert_no_error (error);
          g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
          g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
          g_assert_no_error (error);
          g_assert_true (g_tls_certificate_is_same (
            g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls)), expected));
          g_io_stream_close (tls, NULL, NULL);
        }
    }
}

static const SecretSchema test_schema = {
  "org.example.MailSetup.TestbedTest",
  SECRET_SCHEMA_NONE,
  {
    { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

static void
test_keyring (void)
{
  const char *password = ms_testbed_get_user (testbed, MS_TESTBED_USER_SPECIAL_PASSWORD)->password;
  g_autofree char *bus_prefix = g_strconcat ("unix:path=", ms_testbed_get_dir (testbed), "/",
                                             NULL);
  const char *bus_address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *found = NULL;
  gboolean stored;

  /* The private bus, never the developer's keyring: the shared connection libsecret uses goes
   * to the bus whose address and GUID the test-bed set. */
  g_assert_true (g_str_has_prefix (bus_address, bus_prefix));
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (bus_address, g_dbus_connection_get_guid (bus)));

  stored = secret_password_store_sync (&test_schema, SECRET_COLLECTION_DEFAULT, "test-bed check",
                                       password, NULL, &error, "account", "carol", NULL);
  g_assert_no_error (error);
  g_assert_true (stored);

  found = secret_password_lookup_sync (&test_schema, NULL, &error, "account", "carol", NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, password);

  /* libsecret caches the service and its connection; the bus goes away with the test-bed. */
  secret_service_disconnect ();
}

static GPid
read_pid_file (const char *dir,
               const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  gint64 pid;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  pid = g_ascii_strtoll (g_strstrip (contents), NULL, 10);
  g_assert_cmpint (pid, >, 1);

  return (GPid) pid;
}

/* A zombie counts as gone: it holds no port and no file, and a container's init may take a
 * while to reap it. */
static gboolean
process_is_running (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;

  after_name = strrchr (stat, ')');
  g_assert_nonnull (after_name);

  return after_name[1] == ' ' && after_name[2] != 'Z' && after_name[2] != 'X';
}

static void
test_stop (void)
{
  const char *pid_files[] = {
    "dovecot/run/master.pid",
    "postfix/spool/pid/master.pid",
    "keyring/dbus.pid",
    "keyring/keyring.pid",
  };
  GPid pids[G_N_ELEMENTS (pid_files)];
  g_autofree char *bus_address = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  MsTestbed *second;

  second = ms_testbed_start (MS_TESTBED_MAIL | MS_TESTBED_KEYRING, &error);
  g_assert_no_error (error);
  dir = g_strdup (ms_testbed_get_dir (second));
  g_assert_cmpstr (dir, !=, ms_testbed_get_dir (testbed));

  for (guint i = 0; i < G_N_ELEMENTS (pid_files); i++)
    {
      pids[i] = read_pid_file (dir, pid_files[i]);
      g_assert_true (process_is_running (pids[i]));
    }

  ms_testbed_stop (second);

  for (guint i = 0; i < G_N_ELEMENTS (pid_files); i++)
    g_assert_false (process_is_running (pids[i]));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));

  /* The first test-bed's bus is the session bus again. */
  g_assert_cmpstr (g_getenv ("DBUS_SESSION_BUS_ADDRESS"), ==, bus_address);
}

static void
add_listener_tests (void)
{
  for (guint i = 0; i < MS_TESTBED_N_LISTENERS; i++)
    {
      g_autofree char *path = NULL;

      path = g_strdup_printf ("/testbed/%s/%s/greeting", ms_testbed_listener_protocol (i),
                              ms_testbed_listener_is_starttls (i) ? "starttls" : "tls");
      g_test_add_data_func (path, GINT_TO_POINTER (i), test_listener);
    }
}

int
main (int   argc,
      char *argv[])
{
  static const char *const user_paths[MS_TESTBED_N_USERS] = {
    [MS_TESTBED_USER_FULL_ADDRESS] = "/testbed/imap/login/full-address",
    [MS_TESTBED_USER_LOCAL_PART] = "/testbed/imap/login/local-part",
    [MS_TESTBED_USER_SPECIAL_PASSWORD] = "/testbed/imap/login/special-password",
  };
  static const char *const cert_paths[MS_TESTBED_N_CERTS] = {
    [MS_TESTBED_CERT_VALID] = "/testbed/certificate/valid",
    [MS_TESTBED_CERT_SELF_SIGNED] = "/testbed/certificate/self-signed",
    [MS_TESTBED_CERT_WRONG_HOST] = "/testbed/certificate/wrong-host",
    [MS_TESTBED_CERT_EXPIRED] = "/testbed/certificate/expired",
    [MS_TESTBED_CERT_NOT_YET_VALID] = "/testbed/certificate/not-yet-valid",
  };
  static const char *const extra_names[] = { EXTRA_NAME, NULL };
  static const char *const user_domains[] = { USER_DOMAIN, NULL };
  MsTestbedOptions options = { .extra_names = extra_names, .user_domains = user_domains };
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  testbed = ms_testbed_start_full (MS_TESTBED_MAIL | MS_TESTBED_KEYRING, &options, &error);
  if (testbed == NULL)
    {
      /* Loudly: a missing test-bed is a failure, never a skip. */
      g_printerr ("Cannot start the test-bed: %s\n", error->message);
      return 1;
    }

  add_listener_tests ();
  for (guint i = 0; i < MS_TESTBED_N_USERS; i++)
    g_test_add_data_func (user_paths[i], GINT_TO_POINTER (i), test_imap_login);
  g_test_add_data_func ("/testbed/imap/login/domain-user/full-address",
                        GINT_TO_POINTER (MS_TESTBED_USER_FULL_ADDRESS),
                        test_imap_login_domain_user);
  g_test_add_data_func ("/testbed/imap/login/domain-user/local-part",
                        GINT_TO_POINTER (MS_TESTBED_USER_LOCAL_PART), test_imap_login_domain_user);
  g_test_add_data_func ("/testbed/imap/login/domain-user/special-password",
                        GINT_TO_POINTER (MS_TESTBED_USER_SPECIAL_PASSWORD),
                        test_imap_login_domain_user);
  g_test_add_func ("/testbed/imap/login/wrong-password", test_imap_wrong_password);
  g_test_add_data_func ("/testbed/smtp/starttls/auth", GINT_TO_POINTER (MS_TESTBED_SMTP_STARTTLS),
                        test_smtp_auth);
  g_test_add_data_func ("/testbed/smtp/tls/auth", GINT_TO_POINTER (MS_TESTBED_SMTP_TLS),
                        test_smtp_auth);
  for (guint i = 0; i < G_N_ELEMENTS (cert_cases); i++)
    g_test_add_data_func (cert_paths[cert_cases[i].cert], &cert_cases[i], test_certificate);
  g_test_add_func ("/testbed/certificate/extra-name", test_certificate_extra_name);
  g_test_add_func ("/testbed/certificate/hosts", test_certificate_hosts);
  g_test_add_func ("/testbed/keyring/store-lookup", test_keyring);
  g_test_add_func ("/testbed/stop", test_stop);

  status = g_test_run ();

  g_clear_pointer (&testbed, ms_testbed_stop);

  return status;
}
