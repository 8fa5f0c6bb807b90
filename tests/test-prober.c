/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "mailsetup.h"
#include "ms-testbed.h"

/* The verification engine against the real Dovecot and Postfix of the test-bed, plus a few
 * local listeners for what no real server does on demand (silence, a closed port). */

static MsTestbed    *testbed;
static GTlsDatabase *ca_database;

typedef struct
{
  MsCheckResult *result;
  gboolean       done;
} Wait;

static void
on_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;
  g_autoptr (GError) error = NULL;

  wait->result = ms_prober_check_finish (MS_PROBER (source), result, &error);
  g_assert_no_error (error);
  wait->done = TRUE;
  g_main_context_wakeup (NULL);
}

static MsCheckResult *
check (MsProber *prober, MsServerConfig *server, MsCredentials *credentials)
{
  Wait wait = { 0 };

  ms_prober_check_async (prober, server, credentials, MS_CHECK_FLAGS_NONE, NULL, on_checked, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  return wait.result;
}

static MsProber *
trusting_prober (void)
{
  MsProber *prober = ms_prober_new ();

  ms_prober_set_tls_database (prober, ca_database);
  ms_prober_set_total_timeout (prober, 10000);
  return prober;
}

static MsServerConfig *
listener_server (MsTestbedListener listener)
{
  MsProtocol protocol;

  g_assert_true (ms_protocol_from_string (ms_testbed_listener_protocol (listener), &protocol));
  return ms_server_config_new (
      protocol, ms_testbed_get_host (testbed), ms_testbed_get_port (testbed, listener),
      ms_testbed_listener_is_starttls (listener) ? MS_SECURITY_STARTTLS : MS_SECURITY_TLS);
}

static MsCredentials *
user_credentials (MsTestbedUserKind kind, const char *username, const char *password)
{
  const MsTestbedUser *user = ms_testbed_get_user (testbed, kind);

  return ms_credentials_new_for_address (user->address, username ? username : user->address,
                                         password ? password : user->password);
}

static void
assert_diagnosis (MsCheckResult *result, MsDiagnosis expected)
{
  if (ms_check_result_get_diagnosis (result) != expected)
    {
      const char *const *lines = ms_check_result_get_transcript (result);
      g_autofree char   *joined = g_strjoinv ("\n  ", (char **) lines);

      g_error ("expected %s, got %s; transcript:\n  %s", ms_diagnosis_to_nick (expected),
               ms_diagnosis_to_nick (ms_check_result_get_diagnosis (result)), joined);
    }
}

static void
test_login (gconstpointer data)
{
  MsTestbedListener listener = GPOINTER_TO_UINT (data);
  g_autoptr (MsProber) prober = trusting_prober ();
  g_autoptr (MsServerConfig) server = listener_server (listener);
  g_autoptr (MsCredentials) credentials =
      user_credentials (MS_TESTBED_USER_FULL_ADDRESS, NULL, NULL);
  g_autoptr (MsCheckResult) result = check (prober, server, credentials);
  const MsCertificateInfo *certificate;

  assert_diagnosis (result, MS_DIAGNOSIS_OK);
  g_assert_cmpstr (ms_check_result_get_auth_used (result), ==, "PLAIN");
  g_assert_cmpstr (ms_check_result_get_username_used (result), ==,
                   ms_testbed_get_user (testbed, MS_TESTBED_USER_FULL_ADDRESS)->address);
  g_assert_true (g_str_has_prefix (ms_check_result_get_tls_version (result), "TLS 1."));
  g_assert_nonnull (ms_check_result_get_tls_cipher (result));
  certificate = ms_check_result_get_certificate (result);
  g_assert_nonnull (certificate);
  g_assert_cmpint (certificate->errors, ==, 0);
  g_assert_true (g_str_has_prefix (certificate->sha256, "sha256:"));
  g_assert_true (g_strv_contains ((const char *const *) certificate->names, "localhost"));
  g_assert_true (g_strv_contains (ms_check_result_get_auth_mechanisms (result), "PLAIN"));
}

static void
test_wrong_password (gconstpointer data)
{
  MsTestbedListener listener = GPOINTER_TO_UINT (data);
  g_autoptr (MsProber) prober = trusting_prober ();
  g_autoptr (MsServerConfig) server = listener_server (listener);
  g_autoptr (MsCredentials) credentials =
      user_credentials (MS_TESTBED_USER_FULL_ADDRESS, NULL, "not the password");
  g_autoptr (MsCheckResult) result = check (prober, server, credentials);
  const char *const *transcript = ms_check_result_get_transcript (result);

  assert_diagnosis (result, MS_DIAGNOSIS_AUTH_FAILED);
  g_assert_nonnull (ms_check_result_get_server_text (result));
  for (guint i = 0; transcript[i] != NULL; i++)
    g_assert_null (strstr (transcript[i], "not the password"));
}

static void
test_local_part_user (gconstpointer data)
{
  MsTestbedListener    listener = GPOINTER_TO_UINT (data);
  const MsTestbedUser *bob = ms_testbed_get_user (testbed, MS_TESTBED_USER_LOCAL_PART);
  g_autoptr (MsProber) prober = trusting_prober ();
  g_autoptr (MsServerConfig) server = listener_server (listener);
  /* configured with the full address, the server only knows the local part */
  g_autoptr (MsCredentials) credentials =
      user_credentials (MS_TESTBED_USER_LOCAL_PART, bob->address, NULL);
  g_autoptr (MsCheckResult) result = check (prober, server, credentials);

  assert_diagnosis (result, MS_DIAGNOSIS_OK);
  g_assert_cmpstr (ms_check_result_get_username_used (result), ==, bob->login);
}

static void
test_special_password (gconstpointer data)
{
  MsTestbedListener listener = GPOINTER_TO_UINT (data);
  g_autoptr (MsProber) prober = trusting_prober ();
  g_autoptr (MsServerConfig) server = listener_server (listener);
  g_autoptr (MsCredentials) credentials =
      user_credentials (MS_TESTBED_USER_SPECIAL_PASSWORD, NULL, NULL);
  g_autoptr (MsCheckResult) plain = check (prober, server, credentials);
  g_autoptr (MsCheckResult) login = NULL;

  assert_diagnosis (plain, MS_DIAGNOSIS_OK);

  ms_server_config_set_auth_mechanism (server, MS_AUTH_MECHANISM_LOGIN);
  login = check (prober, server, credentials);
  assert_diagnosis (login, MS_DIAGNOSIS_OK);
  g_assert_cmpstr (ms_check_result_get_auth_used (login), ==, "LOGIN");
}

static char *
testbed_fingerprint (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = g_tls_certificate_new_from_file (
      ms_testbed_get_cert_file (testbed, MS_TESTBED_CERT_VALID), &error);

  g_assert_no_error (error);
  return ms_certificate_fingerprint (certificate);
}

static void
test_untrusted_then_pinned (gconstpointer data)
{
  MsTestbedListener listener = GPOINTER_TO_UINT (data);
  g_autoptr (MsProber) prober = ms_prober_new (); /* the system's authorities only */
  g_autoptr (MsServerConfig) server = listener_server (listener);
  g_autoptr (MsCredentials) credentials =
      user_credentials (MS_TESTBED_USER_FULL_ADDRESS, NULL, NULL);
  g_autoptr (MsCheckResult) untrusted = NULL;
  g_autoptr (MsCheckResult) pinned = NULL;
  g_autoptr (MsCheckResult) other_pin = NULL;
  g_autofree char         *fingerprint = testbed_fingerprint ();
  const MsCertificateInfo *certificate;

  untrusted = check (prober, server, credentials);
  assert_diagnosis (untrusted, MS_DIAGNOSIS_CERTIFICATE_UNTRUSTED);
  certificate = ms_check_result_get_certificate (untrusted);
  g_assert_nonnull (certificate);
  g_assert_cmpstr (certificate->sha256, ==, fingerprint);
  g_assert_true (certificate->errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_null (ms_check_result_get_auth_used (untrusted));

  g_assert_true (ms_server_config_set_pin (server, fingerprint, NULL));
  pinned = check (prober, server, credentials);
  assert_diagnosis (pinned, MS_DIAGNOSIS_OK);
  g_assert_cmpstr (ms_check_result_get_auth_used (pinned), ==, "PLAIN");

  g_assert_true (ms_server_config_set_pin (
      server, "sha256:0000000000000000000000000000000000000000000000000000000000000000", NULL));
  other_pin = check (prober, server, credentials);
  assert_diagnosis (other_pin, MS_DIAGNOSIS_CERTIFICATE_UNTRUSTED);
  g_assert_null (ms_check_result_get_auth_used (other_pin));
}

static void
test_without_credentials (gconstpointer data)
{
  MsTestbedListener listener = GPOINTER_TO_UINT (data);
  g_autoptr (MsProber) prober = trusting_prober ();
  g_autoptr (MsServerConfig) server = listener_server (listener);
  g_autoptr (MsCheckResult) result = check (prober, server, NULL);

  assert_diagnosis (result, MS_DIAGNOSIS_OK);
  g_assert_null (ms_check_result_get_auth_used (result));
  g_assert_nonnull (ms_check_result_get_tls_version (result));
  g_assert_cmpuint (g_strv_length ((char **) ms_check_result_get_capabilities (result)), >, 0);
}

typedef struct
{
  MsTestbedCert     cert;
  MsTestbedListener listener;
  MsDiagnosis       diagnosis;
  GTlsCertificateFlags flag;
} CertificateCase;

static const CertificateCase certificate_cases[] = {
  { MS_TESTBED_CERT_WRONG_HOST, MS_TESTBED_IMAP_TLS, MS_DIAGNOSIS_CERTIFICATE_HOSTNAME_MISMATCH,
    G_TLS_CERTIFICATE_BAD_IDENTITY },
  { MS_TESTBED_CERT_WRONG_HOST, MS_TESTBED_POP3_STARTTLS,
    MS_DIAGNOSIS_CERTIFICATE_HOSTNAME_MISMATCH, G_TLS_CERTIFICATE_BAD_IDENTITY },
  { MS_TESTBED_CERT_EXPIRED, MS_TESTBED_IMAP_STARTTLS, MS_DIAGNOSIS_CERTIFICATE_EXPIRED,
    G_TLS_CERTIFICATE_EXPIRED },
  { MS_TESTBED_CERT_EXPIRED, MS_TESTBED_POP3_TLS, MS_DIAGNOSIS_CERTIFICATE_EXPIRED,
    G_TLS_CERTIFICATE_EXPIRED },
  { MS_TESTBED_CERT_NOT_YET_VALID, MS_TESTBED_IMAP_TLS, MS_DIAGNOSIS_CERTIFICATE_NOT_YET_VALID,
    G_TLS_CERTIFICATE_NOT_ACTIVATED },
};

/* Real Dovecot presenting a bad certificate: the right diagnosis, the certificate's details,
 * and no login attempted. */
static void
test_bad_certificate (gconstpointer data)
{
  const CertificateCase *c = data;
  g_autoptr (MsProber) prober = trusting_prober ();
  g_autoptr (MsServerConfig) server = listener_server (c->listener);
  g_autoptr (MsCredentials) credentials = user_credentials (MS_TESTBED_USER_FULL_ADDRESS, NULL,
                                                            NULL);
  g_autoptr (MsCheckResult) result = NULL;
  const MsCertificateInfo *certificate;

  ms_server_config_set_host (server, ms_testbed_get_cert_host (testbed, c->cert));
  result = check (prober, server, credentials);

  assert_diagnosis (result, c->diagnosis);
  certificate = ms_check_result_get_certificate (result);
  g_assert_nonnull (certificate);
  g_assert_cmpint (certificate->errors & c->flag, ==, c->flag);
  g_assert_nonnull (certificate->not_after);
  g_assert_null (ms_check_result_get_auth_used (result));
}

/* Seen from another address, Dovecot keeps logins disabled until STARTTLS: the check upgrades
 * and logs in afterwards. */
static void
test_login_disabled_until_starttls (gconstpointer data)
{
  MsTestbedListener listener = GPOINTER_TO_UINT (data);
  g_autoptr (MsProber) prober = trusting_prober ();
  g_autoptr (MsServerConfig) server = listener_server (listener);
  g_autoptr (MsCredentials) credentials = user_credentials (MS_TESTBED_USER_FULL_ADDRESS, NULL,
                                                            NULL);
  g_autoptr (MsCheckResult) result = NULL;
  const char *const *transcript;
  gboolean disabled_before_tls = FALSE;
  gboolean tls = FALSE;

  ms_server_config_set_host (server, ms_testbed_get_remote_host (testbed));
  result = check (prober, server, credentials);
  assert_diagnosis (result, MS_DIAGNOSIS_OK);

  transcript = ms_check_result_get_transcript (result);
  for (guint i = 0; transcript[i] != NULL; i++)
    {
      if (g_str_has_prefix (transcript[i], "-- TLS established"))
        tls = TRUE;
      if (!tls && g_str_has_prefix (transcript[i], "S: ") &&
          (strstr (transcript[i], "LOGINDISABLED") || strstr (transcript[i], "STLS")))
        disabled_before_tls = TRUE;
      /* nothing that logs in goes out before TLS */
      if (!tls && g_str_has_prefix (transcript[i], "C: "))
        g_assert_null (strstr (transcript[i], "AUTH"));
    }
  g_assert_true (tls);
  if (listener == MS_TESTBED_IMAP_STARTTLS)
    g_assert_true (disabled_before_tls);
}

static void
test_connection_refused (void)
{
  g_autoptr (GSocket) socket =
      g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (MsProber) prober = trusting_prober ();
  g_autoptr (MsServerConfig) server = NULL;
  g_autoptr (MsCheckResult) result = NULL;
  guint16 port;

  /* a port that was free a moment ago and has nobody listening */
  g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  server = ms_server_config_new (MS_PROTOCOL_IMAP, "127.0.0.1", port, MS_SECURITY_TLS);
  result = check (prober, server, NULL);
  assert_diagnosis (result, MS_DIAGNOSIS_CONNECTION_REFUSED);
}

typedef struct
{
  GSocketListener   *listener;
  guint16            port;
  GSocketConnection *accepted;
} SilentServer;

static void
on_accepted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SilentServer *server = user_data;

  server->accepted =
      g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, NULL);
}

/* Accepts one connection and never says a word. */
static void
silent_server_start (SilentServer *server)
{
  g_autoptr (GError) error = NULL;

  server->listener = g_socket_listener_new ();
  server->port = g_socket_listener_add_any_inet_port (server->listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_accept_async (server->listener, NULL, on_accepted, server);
}

static void
silent_server_stop (SilentServer *server)
{
  g_clear_object (&server->accepted);
  g_socket_listener_close (server->listener);
  g_clear_object (&server->listener);
}

static void
test_silent_server_times_out (void)
{
  SilentServer silent = { 0 };
  g_autoptr (MsProber) prober = trusting_prober ();
  g_autoptr (MsServerConfig) server = NULL;
  g_autoptr (MsCheckResult) result = NULL;
  gint64 start;
  gint64 elapsed_ms;

  silent_server_start (&silent);
  server = ms_server_config_new (MS_PROTOCOL_SMTP, "127.0.0.1", silent.port, MS_SECURITY_STARTTLS);
  ms_prober_set_total_timeout (prober, 1000);

  start = g_get_monotonic_time ();
  result = check (prober, server, NULL);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  assert_diagnosis (result, MS_DIAGNOSIS_TIMEOUT);
  g_assert_cmpint (elapsed_ms, >=, 900);
  g_assert_cmpint (elapsed_ms, <, 1900);
  silent_server_stop (&silent);
}

static gboolean
cancel_soon (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_closes_at_once (void)
{
  SilentServer silent = { 0 };
  g_autoptr (MsProber) prober = trusting_prober ();
  g_autoptr (MsServerConfig) server = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  Wait   wait = { 0 };
  gint64 cancelled_at;
  gint64 finished_at;
  guint8 byte;
  gssize n;

  silent_server_start (&silent);
  server = ms_server_config_new (MS_PROTOCOL_IMAP, "127.0.0.1", silent.port, MS_SECURITY_STARTTLS);

  g_timeout_add (200, cancel_soon, cancellable);
  ms_prober_check_async (prober, server, NULL, MS_CHECK_FLAGS_NONE, cancellable, on_checked, &wait);
  while (!g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (NULL, TRUE);
  cancelled_at = g_get_monotonic_time ();
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  finished_at = g_get_monotonic_time ();

  assert_diagnosis (wait.result, MS_DIAGNOSIS_CANCELLED);
  g_assert_cmpint ((finished_at - cancelled_at) / 1000, <, 100);

  /* the prober's socket is closed: the server reads end-of-file right away */
  while (silent.accepted == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_socket_set_timeout (g_socket_connection_get_socket (silent.accepted), 2);
  n = g_socket_receive (g_socket_connection_get_socket (silent.accepted), (char *) &byte, 1, NULL,
                        &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 0);

  g_object_unref (wait.result);
  silent_server_stop (&silent);
}

static void
test_cli_account_keeps_password_secret (void)
{
  const MsTestbedUser *alice = ms_testbed_get_user (testbed, MS_TESTBED_USER_FULL_ADDRESS);
  g_autofree char     *incoming = g_strdup_printf (
          "imap:starttls:127.0.0.1:%u", ms_testbed_get_port (testbed, MS_TESTBED_IMAP_STARTTLS));
  g_autofree char *outgoing =
      g_strdup_printf ("smtp:tls:127.0.0.1:%u", ms_testbed_get_port (testbed, MS_TESTBED_SMTP_TLS));
  g_autofree char *stdin_text = g_strconcat (alice->password, "\n", NULL);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) add = NULL;
  g_autoptr (GSubprocess) test = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  JsonObject      *root;

  launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);

  add = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("MAIL_SETUP_CLI"), "accounts",
                                     "add", "--name", "Alice", "--address", alice->address,
                                     "--incoming", incoming, "--outgoing", outgoing, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (add, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (add), ==, 0);
  g_strchomp (out);

  test = g_subprocess_launcher_spawn (
      launcher, &error, g_getenv ("MAIL_SETUP_CLI"), "test", "--account", out, "--password-stdin",
      "--ca-file", ms_testbed_get_ca_file (testbed), "--transcript", "--json", NULL);
  g_assert_no_error (error);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_subprocess_communicate_utf8 (test, stdin_text, NULL, &out, &err, &error);
  g_assert_no_error (error);

  /* Invariant 5: the password is in no output, no log line, no transcript. */
  g_assert_null (strstr (out, alice->password));
  g_assert_null (strstr (err, alice->password));
  g_assert_cmpint (g_subprocess_get_exit_status (test), ==, 0);

  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (
      json_object_get_boolean_member (json_object_get_object_member (root, "incoming"), "ok"));
  g_assert_true (
      json_object_get_boolean_member (json_object_get_object_member (root, "outgoing"), "ok"));
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (root, "outgoing"), "auth_used"),
      ==, "PLAIN");
}

/* The account's saved pins are used: no CA file, both servers trusted by fingerprint. */
static void
test_cli_account_uses_saved_pins (void)
{
  const MsTestbedUser *alice = ms_testbed_get_user (testbed, MS_TESTBED_USER_FULL_ADDRESS);
  g_autofree char *incoming = g_strdup_printf (
    "imap:tls:127.0.0.1:%u", ms_testbed_get_port (testbed, MS_TESTBED_IMAP_TLS));
  g_autofree char *outgoing = g_strdup_printf (
    "smtp:starttls:127.0.0.1:%u", ms_testbed_get_port (testbed, MS_TESTBED_SMTP_STARTTLS));
  g_autofree char *fingerprint = testbed_fingerprint ();
  g_autofree char *stdin_text = g_strconcat (alice->password, "\n", NULL);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) add = NULL;
  g_autoptr (GSubprocess) test = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);

  add = g_subprocess_launcher_spawn (
    launcher, &error, g_getenv ("MAIL_SETUP_CLI"), "accounts", "add", "--name", "Alice",
    "--address", alice->address, "--incoming", incoming, "--outgoing", outgoing,
    "--incoming-pin", fingerprint, "--outgoing-pin", fingerprint, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (add, NULL, NULL, &id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (add), ==, 0);
  g_strchomp (id);

  test = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("MAIL_SETUP_CLI"), "test",
                                      "--account", id, "--password-stdin", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (test, stdin_text, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (test), ==, 0);
  g_assert_true (g_str_has_prefix (out, "✓ IMAP"));
  g_assert_nonnull (strstr (out, "\n✓ SMTP"));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  testbed = ms_testbed_start (MS_TESTBED_MAIL, &error);
  g_assert_no_error (error);
  ca_database = g_tls_file_database_new (ms_testbed_get_ca_file (testbed), &error);
  g_assert_no_error (error);

  for (guint i = 0; i < MS_TESTBED_N_LISTENERS; i++)
    {
      g_autofree char *name =
          g_strdup_printf ("%s-%s", ms_testbed_listener_protocol (i),
                           ms_testbed_listener_is_starttls (i) ? "starttls" : "tls");
      g_autofree char *login = g_strdup_printf ("/prober/%s/login", name);
      g_autofree char *wrong = g_strdup_printf ("/prober/%s/wrong-password", name);
      g_autofree char *local = g_strdup_printf ("/prober/%s/local-part-user", name);
      g_autofree char *special = g_strdup_printf ("/prober/%s/special-password", name);
      g_autofree char *pinned = g_strdup_printf ("/prober/%s/untrusted-then-pinned", name);
      g_autofree char *anonymous = g_strdup_printf ("/prober/%s/without-credentials", name);

      g_test_add_data_func (login, GUINT_TO_POINTER (i), test_login);
      g_test_add_data_func (wrong, GUINT_TO_POINTER (i), test_wrong_password);
      g_test_add_data_func (local, GUINT_TO_POINTER (i), test_local_part_user);
      g_test_add_data_func (special, GUINT_TO_POINTER (i), test_special_password);
      g_test_add_data_func (pinned, GUINT_TO_POINTER (i), test_untrusted_then_pinned);
      g_test_add_data_func (anonymous, GUINT_TO_POINTER (i), test_without_credentials);
    }
  for (guint i = 0; i < G_N_ELEMENTS (certificate_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/prober/certificate/%u", i);

      g_test_add_data_func (path, &certificate_cases[i], test_bad_certificate);
    }
  g_test_add_data_func ("/prober/imap-starttls/login-disabled-until-starttls",
                        GUINT_TO_POINTER (MS_TESTBED_IMAP_STARTTLS),
                        test_login_disabled_until_starttls);
  g_test_add_data_func ("/prober/pop3-starttls/login-disabled-until-starttls",
                        GUINT_TO_POINTER (MS_TESTBED_POP3_STARTTLS),
                        test_login_disabled_until_starttls);
  g_test_add_func ("/prober/connection-refused", test_connection_refused);
  g_test_add_func ("/prober/silent-server-times-out", test_silent_server_times_out);
  g_test_add_func ("/prober/cancel-closes-at-once", test_cancel_closes_at_once);
  g_test_add_func ("/prober/cli/account-keeps-password-secret",
                   test_cli_account_keeps_password_secret);
  g_test_add_func ("/prober/cli/account-uses-saved-pins", test_cli_account_uses_saved_pins);

  status = g_test_run ();

  g_clear_object (&ca_database);
  ms_testbed_stop (testbed);
  return status;
}
