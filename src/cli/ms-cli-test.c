/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "ms-cli.h"

#include <stdio.h>
#include <string.h>

typedef struct
{
  GMainLoop     *loop;
  guint          pending;
  MsCheckResult *results[2];
} TestRun;

typedef struct
{
  TestRun *run;
  guint    index;
} TestSlot;

static void
on_checked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  TestSlot *slot = user_data;

  slot->run->results[slot->index] = ms_prober_check_finish (MS_PROBER (source), result, NULL);
  if (--slot->run->pending == 0)
    g_main_loop_quit (slot->run->loop);
  g_free (slot);
}

/* Runs up to two checks at once and waits for both. */
static void
run_checks (MsProber        *prober,
            MsServerConfig **servers,
            MsCredentials  **credentials,
            guint            n_servers,
            MsCheckResult  **results)
{
  TestRun run = { 0 };

  run.loop = g_main_loop_new (NULL, FALSE);
  run.pending = n_servers;
  for (guint i = 0; i < n_servers; i++)
    {
      TestSlot *slot = g_new0 (TestSlot, 1);

      slot->run = &run;
      slot->index = i;
      ms_prober_check_async (prober, servers[i], credentials[i], MS_CHECK_FLAGS_NONE, NULL,
                             on_checked, slot);
    }
  g_main_loop_run (run.loop);
  g_main_loop_unref (run.loop);

  for (guint i = 0; i < n_servers; i++)
    results[i] = run.results[i];
}

int
ms_cli_test (int    argc,
             char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (MsProber) prober = ms_prober_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *protocol_text = NULL;
  g_autofree char *host = NULL;
  g_autofree char *security_text = NULL;
  g_autofree char *user = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *pin_text = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *account_id = NULL;
  g_autofree char *auth_text = NULL;
  char *password = NULL;
  gboolean password_stdin = FALSE;
  gboolean transcript = FALSE;
  gboolean json = FALSE;
  double timeout = 0;
  int port = 0;
  const char *command = g_get_prgname ();
  int exit_code = MS_CLI_EXIT_OK;
  MsServerConfig *servers[2] = { NULL, NULL };
  MsCredentials *credentials[2] = { NULL, NULL };
  MsCheckResult *results[2] = { NULL, NULL };
  g_autoptr (MsAccount) account = NULL;
  guint n_servers;
  gint64 start;
  GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &account_id,
      N_("Check both servers of a saved account, at the same time"), N_("ID|FILE") },
    { "protocol", 0, 0, G_OPTION_ARG_STRING, &protocol_text, N_("imap, pop3 or smtp"),
      N_("PROTOCOL") },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, N_("The server’s name or address"), N_("HOST") },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, N_("The port (default: the protocol’s usual one)"),
      N_("PORT") },
    { "security", 0, 0, G_OPTION_ARG_STRING, &security_text,
      N_("tls (SSL/TLS from the first byte) or starttls"), N_("SECURITY") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("Log in as this user"), N_("USER") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Read the password from the first line of standard input"), NULL },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &auth_text,
      N_("The login mechanism: auto (default), plain, login or cram-md5"), N_("MECHANISM") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("Trust the certificate authorities in this PEM file instead of the system’s"),
      N_("FILE") },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &pin_text,
      N_("Accept exactly the certificate with this SHA-256 fingerprint"), N_("sha256:HEX") },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout,
      N_("Give up after this many seconds (default: 30)"), N_("SECONDS") },
    { "transcript", 0, 0, G_OPTION_ARG_NONE, &transcript,
      N_("Show the dialogue with the server (passwords are never shown)"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { NULL }
  };

  context = ms_cli_option_context_new (
    NULL, _("Checks a server: connects, secures the connection (never falling back to "
            "plaintext), reads its capabilities and, with a password, logs in and out. With "
            "--account, checks the incoming and outgoing server of a saved account at the same "
            "time.\n\nExit status: 0 when every check passed, 1 when one failed, 2 for usage "
            "errors."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!ms_cli_parse_options (context, command, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ms_cli_usage_error (command, _("unexpected argument “%s”"), argv[1]);

  if (timeout < 0 || timeout > 24 * 3600)
    return ms_cli_usage_error (command, _("--timeout must be a number of seconds above 0"));
  if (timeout > 0)
    {
      guint ms = MAX (1, (guint) (timeout * 1000));

      ms_prober_set_total_timeout (prober, ms);
      ms_prober_set_connect_timeout (prober, MIN (ms, MS_PROBER_DEFAULT_CONNECT_TIMEOUT_MS));
      ms_prober_set_step_timeout (prober, MIN (ms, MS_PROBER_DEFAULT_STEP_TIMEOUT_MS));
    }

  if (ca_file != NULL)
    {
      g_autoptr (GTlsDatabase) database = g_tls_file_database_new (ca_file, &error);

      if (database == NULL)
        return ms_cli_usage_error (command, "--ca-file: %s", error->message);
      ms_prober_set_tls_database (prober, database);
    }

  if (pin_text != NULL)
    {
      pin = ms_pin_normalize (pin_text, &error);
      if (pin == NULL)
        return ms_cli_usage_error (command, "--pin: %s", error->message);
    }

  if (account_id != NULL)
    {
      g_autoptr (MsAccountStore) store = ms_account_store_new (NULL);

      if (protocol_text || host || port || security_text || user || auth_text)
        return ms_cli_usage_error (command, _("--account takes the servers from the account; "
                                              "--protocol, --host, --port, --security, --user "
                                              "and --auth do not go with it"));
      account = ms_account_store_lookup (store, account_id, &error);
      if (account == NULL)
        return ms_cli_error (command, -1, error);
      servers[0] = ms_server_config_copy (ms_account_get_incoming (account));
      servers[1] = ms_server_config_copy (ms_account_get_outgoing (account));
      n_servers = 2;
    }
  else
    {
      MsProtocol protocol;
      MsSecurity security;
      MsAuthMechanism mechanism = MS_AUTH_MECHANISM_AUTOMATIC;
      g_autofree char *normalized_host = NULL;

      if (protocol_text == NULL || host == NULL || security_text == NULL)
        return ms_cli_usage_error (command, _("give --account, or --protocol, --host and "
                                              "--security"));
      if (!ms_protocol_from_string (protocol_text, &protocol))
        return ms_cli_usage_error (command, _("--protocol: “%s” is not imap, pop3 or smtp"),
                                   protocol_text);
      if (!ms_security_from_string (security_text, &security) || security == MS_SECURITY_NONE)
        return ms_cli_usage_error (command, _("--security: “%s” is not tls or starttls (Mail "
                                              "Setup does not check servers without "
                                              "encryption)"),
                                   security_text);
      if (port < 0 || port > G_MAXUINT16)
        return ms_cli_usage_error (command, _("--port: %d is not a port number from 1 to 65535"),
                                   port);
      if (auth_text != NULL && !ms_auth_mechanism_from_string (auth_text, &mechanism))
        return ms_cli_usage_error (command, _("--auth: “%s” is not auto, plain, login or "
                                              "cram-md5"),
                                   auth_text);
      normalized_host = ms_hostname_normalize (host, MS_HOSTNAME_NONE, &error);
      if (normalized_host == NULL)
        return ms_cli_usage_error (command, "--host: %s", error->message);
      if (user != NULL && !password_stdin)
        return ms_cli_usage_error (command, _("--user needs the password: add --password-stdin "
                                              "(passwords are never taken on the command line)"));
      if (password_stdin && user == NULL)
        return ms_cli_usage_error (command, _("--password-stdin needs --user"));

      servers[0] = ms_server_config_new (protocol, normalized_host, (guint16) port, security);
      ms_server_config_set_auth_mechanism (servers[0], mechanism);
      if (user != NULL)
        ms_server_config_set_username (servers[0], user);
      n_servers = 1;
    }

  for (guint i = 0; i < n_servers; i++)
    if (pin != NULL)
      ms_server_config_set_pin (servers[i], pin, NULL);

  if (password_stdin)
    {
      password = ms_cli_read_password (command, &exit_code);
      if (password == NULL)
        {
          for (guint i = 0; i < n_servers; i++)
            g_object_unref (servers[i]);
          return exit_code;
        }
      for (guint i = 0; i < n_servers; i++)
        credentials[i] = ms_credentials_new_for_address (
          account ? ms_account_get_address (account) : NULL,
          ms_server_config_get_username (servers[i]), password);
      ms_cli_wipe_password (password);
    }

  start = g_get_monotonic_time ();
  run_checks (prober, servers, credentials, n_servers, results);

  exit_code = MS_CLI_EXIT_OK;
  for (guint i = 0; i < n_servers; i++)
    if (!ms_check_result_get_ok (results[i]))
      exit_code = MS_CLI_EXIT_FAILED;

  if (json && account != NULL)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "account");
      json_builder_add_string_value (builder, ms_account_get_id (account));
      json_builder_set_member_name (builder, "incoming");
      json_builder_add_value (builder, ms_cli_check_result_to_json (results[0], transcript));
      json_builder_set_member_name (builder, "outgoing");
      json_builder_add_value (builder, ms_cli_check_result_to_json (results[1], transcript));
      json_builder_set_member_name (builder, "elapsed_ms");
      json_builder_add_int_value (builder, (g_get_monotonic_time () - start) / 1000);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      ms_cli_print_json (root);
    }
  else if (json)
    {
      g_autoptr (JsonNode) root = ms_cli_check_result_to_json (results[0], transcript);

      ms_cli_print_json (root);
    }
  else
    for (guint i = 0; i < n_servers; i++)
      ms_cli_print_check_result (stdout, results[i], password_stdin, transcript);

  for (guint i = 0; i < n_servers; i++)
    {
      g_object_unref (results[i]);
      g_object_unref (servers[i]);
      g_clear_pointer (&credentials[i], ms_credentials_unref);
    }

  return exit_code;
}
