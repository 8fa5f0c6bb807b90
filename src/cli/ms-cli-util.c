/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "ms-cli.h"

#include <stdio.h>
#include <string.h>

/* The longest password accepted on standard input. */
#define MAX_PASSWORD_LENGTH 4096

/**
 * ms_cli_describe_commands:
 * @commands: a command table
 * @n_commands: its length
 *
 * Returns: (transfer full): the table as aligned "  name   summary" lines, for --help
 */
char *
ms_cli_describe_commands (const MsCliCommand *commands,
                          gsize               n_commands)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (gsize i = 0; i < n_commands; i++)
    g_string_append_printf (text, "  %-10s %s\n", commands[i].name, _(commands[i].summary));

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
is_help (const char *arg)
{
  return g_str_equal (arg, "--help") || g_str_equal (arg, "-h") || g_str_equal (arg, "help");
}

/**
 * ms_cli_run_subcommand:
 * @prefix: the command so far, like "mail-setup-cli accounts"
 * @commands: the subcommands
 * @n_commands: how many there are
 * @argc: the remaining argument count
 * @argv: the remaining arguments; @argv[0] names the subcommand
 *
 * Dispatches to a subcommand; `--help` lists them.
 *
 * Returns: the exit code
 */
int
ms_cli_run_subcommand (const char         *prefix,
                       const MsCliCommand *commands,
                       gsize               n_commands,
                       int                 argc,
                       char              **argv)
{
  g_autofree char *listing = ms_cli_describe_commands (commands, n_commands);

  if (argc < 1 || is_help (argv[0]))
    {
      FILE *out = argc < 1 ? stderr : stdout;

      fprintf (out, _("Usage:\n  %s COMMAND [OPTION…]\n\nCommands:\n%s\n"), prefix, listing);
      fprintf (out, _("Run “%s COMMAND --help” for the options of a command.\n"), prefix);
      return argc < 1 ? MS_CLI_EXIT_USAGE : MS_CLI_EXIT_OK;
    }

  for (gsize i = 0; i < n_commands; i++)
    {
      if (g_str_equal (argv[0], commands[i].name))
        {
          g_autofree char *full = g_strdup_printf ("%s %s", prefix, commands[i].name);

          g_set_prgname (full);
          return commands[i].run (argc, argv);
        }
    }

  return ms_cli_usage_error (prefix, _("“%s” is not a command (see “%s --help”)"), argv[0],
                             prefix);
}

/**
 * ms_cli_usage_error:
 * @command: the command line so far, like "mail-setup-cli accounts add"
 * @format: a printf() format for the message
 *
 * Prints "COMMAND: MESSAGE" on standard error.
 *
 * Returns: %MS_CLI_EXIT_USAGE
 */
int
ms_cli_usage_error (const char *command,
                    const char *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "%s: %s\n", command, message);
  return MS_CLI_EXIT_USAGE;
}

/**
 * ms_cli_exit_code_for_error:
 * @error: an error
 *
 * Returns: %MS_CLI_EXIT_USAGE for errors in what the user gave us (a malformed address or
 *   server, an unknown or duplicate account), %MS_CLI_EXIT_FAILED for everything else
 */
int
ms_cli_exit_code_for_error (const GError *error)
{
  if (error->domain == MS_ERROR)
    return MS_CLI_EXIT_USAGE;
  if (error->domain == G_OPTION_ERROR)
    return MS_CLI_EXIT_USAGE;

  return MS_CLI_EXIT_FAILED;
}

/**
 * ms_cli_error:
 * @command: the command line so far
 * @exit_code: the exit code, or -1 to derive it from @error
 * @error: (transfer none): what went wrong
 *
 * Prints the error as one line on standard error.
 *
 * Returns: the exit code
 */
int
ms_cli_error (const char *command,
              int         exit_code,
              GError     *error)
{
  fprintf (stderr, "%s: %s\n", command, error->message);
  return exit_code >= 0 ? exit_code : ms_cli_exit_code_for_error (error);
}

/**
 * ms_cli_option_context_new:
 * @parameter_string: what follows the options in the usage line, or %NULL
 * @summary: a translated paragraph shown above the options
 *
 * Returns: (transfer full): an option context with the app's translation domain
 */
GOptionContext *
ms_cli_option_context_new (const char *parameter_string,
                           const char *summary)
{
  GOptionContext *context = g_option_context_new (parameter_string);

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  g_option_context_set_strict_posix (context, FALSE);

  return context;
}

/**
 * ms_cli_parse_options:
 * @context: the command's options
 * @command: the command line so far, for messages
 * @argc: (inout): the argument count
 * @argv: (inout): the arguments
 * @out_exit_code: (out): the exit code when this returns %FALSE
 *
 * Returns: whether the command should go on
 */
gboolean
ms_cli_parse_options (GOptionContext *context,
                      const char     *command,
                      int            *argc,
                      char         ***argv,
                      int            *out_exit_code)
{
  g_autoptr (GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *out_exit_code =
        ms_cli_usage_error (command, _("%s (see “%s --help”)"), error->message, command);
      return FALSE;
    }

  return TRUE;
}

/**
 * ms_cli_print_json:
 * @node: (transfer none): a JSON document
 *
 * Prints @node, indented, followed by a newline, on standard output.
 */
void
ms_cli_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

static void
add_server (JsonBuilder    *builder,
            const char     *member,
            MsServerConfig *server)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "protocol");
  json_builder_add_string_value (builder,
                                 ms_protocol_to_string (ms_server_config_get_protocol (server)));
  json_builder_set_member_name (builder, "host");
  json_builder_add_string_value (builder, ms_server_config_get_host (server));
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, ms_server_config_get_port (server));
  json_builder_set_member_name (builder, "security");
  json_builder_add_string_value (builder,
                                 ms_security_to_string (ms_server_config_get_security (server)));
  json_builder_set_member_name (builder, "user");
  json_builder_add_string_value (builder, ms_server_config_get_username (server));
  json_builder_set_member_name (builder, "authentication");
  json_builder_add_string_value (
    builder, ms_auth_mechanism_to_string (ms_server_config_get_auth_mechanism (server)));
  json_builder_set_member_name (builder, "pin");
  if (ms_server_config_get_pin (server) != NULL)
    json_builder_add_string_value (builder, ms_server_config_get_pin (server));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
}

/**
 * ms_cli_account_to_json:
 * @account: an account
 * @path: (nullable): the file it was read from
 *
 * Returns: (transfer full): the account as the JSON object `accounts show --json` prints
 */
JsonNode *
ms_cli_account_to_json (MsAccount  *account,
                        const char *path)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, ms_account_get_id (account));
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, ms_account_get_display_name (account));
  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, ms_account_get_address (account));
  if (path != NULL)
    {
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, path);
    }
  add_server (builder, "incoming", ms_account_get_incoming (account));
  add_server (builder, "outgoing", ms_account_get_outgoing (account));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * ms_cli_describe_server:
 * @server: a server
 *
 * Returns: (transfer full): one human line, like "IMAP over TLS, imap.example.com port 993,
 *   user alice@example.com"
 */
char *
ms_cli_describe_server (MsServerConfig *server)
{
  g_autofree char *protocol = NULL;
  const char *security;

  protocol = g_ascii_strup (ms_protocol_to_string (ms_server_config_get_protocol (server)), -1);

  switch (ms_server_config_get_security (server))
    {
    case MS_SECURITY_TLS:
      security = _("over TLS");
      break;
    case MS_SECURITY_STARTTLS:
      security = _("with STARTTLS");
      break;
    case MS_SECURITY_NONE:
      security = _("without encryption");
      break;
    default:
      g_assert_not_reached ();
    }

  /* Translators: "IMAP over TLS, imap.example.com port 993, user alice@example.com" */
  return g_strdup_printf (_("%s %s, %s port %u, user %s"), protocol, security,
                          ms_server_config_get_host (server), ms_server_config_get_port (server),
                          ms_server_config_get_username (server));
}

static void
add_strv (JsonBuilder       *builder,
          const char        *member,
          const char *const *values)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

void
ms_cli_json_add_string_or_null (JsonBuilder *builder,
                                const char  *member,
                                const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/* The members naming a server in every JSON object: protocol, host, port, security. */
void
ms_cli_json_add_server (JsonBuilder    *builder,
                        MsServerConfig *server)
{
  ms_cli_json_add_string_or_null (builder, "protocol",
                                  ms_protocol_to_string (ms_server_config_get_protocol (server)));
  ms_cli_json_add_string_or_null (builder, "host", ms_server_config_get_host (server));
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, ms_server_config_get_port (server));
  ms_cli_json_add_string_or_null (builder, "security",
                                  ms_security_to_string (ms_server_config_get_security (server)));
}

static void
add_date (JsonBuilder *builder,
          const char  *member,
          GDateTime   *date)
{
  g_autofree char *text = date ? g_date_time_format_iso8601 (date) : NULL;

  ms_cli_json_add_string_or_null (builder, member, text);
}

/**
 * ms_cli_check_result_to_json:
 * @result: a check's result
 * @with_transcript: whether to add the (redacted) dialogue with the server
 *
 * Returns: (transfer full): the result as the JSON object `test --json` prints
 */
JsonNode *
ms_cli_check_result_to_json (MsCheckResult *result,
                             gboolean       with_transcript)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  MsServerConfig *server = ms_check_result_get_server (result);
  const MsCertificateInfo *certificate = ms_check_result_get_certificate (result);
  static const char *const phase_names[] = { "connect_ms", "tls_ms", "greeting_ms", "auth_ms",
                                             "logout_ms" };

  json_builder_begin_object (builder);
  ms_cli_json_add_server (builder, server);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, ms_check_result_get_ok (result));
  ms_cli_json_add_string_or_null (builder, "diagnosis",
                                  ms_diagnosis_to_nick (ms_check_result_get_diagnosis (result)));
  ms_cli_json_add_string_or_null (builder, "message", ms_check_result_get_message (result));
  ms_cli_json_add_string_or_null (builder, "fix", ms_check_result_get_fix (result));
  ms_cli_json_add_string_or_null (builder, "server_text", ms_check_result_get_server_text (result));
  add_strv (builder, "capabilities", ms_check_result_get_capabilities (result));
  add_strv (builder, "auth_mechanisms", ms_check_result_get_auth_mechanisms (result));
  ms_cli_json_add_string_or_null (builder, "auth_used", ms_check_result_get_auth_used (result));
  ms_cli_json_add_string_or_null (builder, "username_used",
                                  ms_check_result_get_username_used (result));

  json_builder_set_member_name (builder, "tls");
  if (ms_check_result_get_tls_version (result) == NULL && certificate == NULL)
    json_builder_add_null_value (builder);
  else
    {
      json_builder_begin_object (builder);
      ms_cli_json_add_string_or_null (builder, "version", ms_check_result_get_tls_version (result));
      ms_cli_json_add_string_or_null (builder, "cipher", ms_check_result_get_tls_cipher (result));
      json_builder_set_member_name (builder, "certificate");
      if (certificate == NULL)
        json_builder_add_null_value (builder);
      else
        {
          g_auto (GStrv) errors = ms_certificate_flags_to_strv (certificate->errors);

          json_builder_begin_object (builder);
          ms_cli_json_add_string_or_null (builder, "subject", certificate->subject);
          ms_cli_json_add_string_or_null (builder, "issuer", certificate->issuer);
          add_strv (builder, "sans", (const char *const *) certificate->names);
          add_date (builder, "not_before", certificate->not_before);
          add_date (builder, "not_after", certificate->not_after);
          ms_cli_json_add_string_or_null (builder, "sha256", certificate->sha256);
          add_strv (builder, "errors", (const char *const *) errors);
          json_builder_end_object (builder);
        }
      json_builder_end_object (builder);
    }

  json_builder_set_member_name (builder, "phases");
  json_builder_begin_object (builder);
  for (guint i = 0; i < MS_CHECK_N_PHASES; i++)
    {
      json_builder_set_member_name (builder, phase_names[i]);
      json_builder_add_int_value (builder, ms_check_result_get_phase_ms (result, i));
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "elapsed_ms");
  json_builder_add_int_value (builder, ms_check_result_get_elapsed_ms (result));

  if (with_transcript)
    add_strv (builder, "transcript", ms_check_result_get_transcript (result));

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * ms_cli_print_check_result:
 * @out: where to print, like stdout
 * @result: a check's result
 * @logged_in_expected: whether the check had a password (and so should have logged in)
 * @with_transcript: whether to add the (redacted) dialogue with the server
 *
 * Prints the result as `test` does: one ✓ or ✗ line, then the server's words and the
 * certificate when they explain a failure.
 */
void
ms_cli_print_check_result (FILE          *out,
                           MsCheckResult *result,
                           gboolean       logged_in_expected,
                           gboolean       with_transcript)
{
  MsServerConfig *server = ms_check_result_get_server (result);
  g_autofree char *protocol =
    g_ascii_strup (ms_protocol_to_string (ms_server_config_get_protocol (server)), -1);
  const char *host = ms_server_config_get_host (server);
  guint port = ms_server_config_get_port (server);
  const char *server_text = ms_check_result_get_server_text (result);

  if (ms_check_result_get_ok (result))
    {
      const char *tls = ms_check_result_get_tls_version (result);

      if (logged_in_expected)
        /* Translators: ✓ IMAP imap.example.com:993 (TLS 1.3): logged in as alice@example.com
           with PLAIN */
        fprintf (out, _("✓ %s %s:%u (%s): logged in as %s with %s\n"), protocol, host, port,
                 tls ? tls : _("no TLS"), ms_check_result_get_username_used (result),
                 ms_check_result_get_auth_used (result));
      else
        fprintf (out, _("✓ %s %s:%u (%s): reachable; not logged in (no password given)\n"),
                 protocol, host, port, tls ? tls : _("no TLS"));
    }
  else
    {
      const MsCertificateInfo *certificate = ms_check_result_get_certificate (result);

      fprintf (out, "✗ %s %s:%u: %s %s\n", protocol, host, port,
               ms_check_result_get_message (result), ms_check_result_get_fix (result));
      if (server_text != NULL)
        /* Translators: the server's own words, quoted */
        fprintf (out, _("  The server said: “%s”\n"), server_text);
      if (certificate != NULL && certificate->errors != 0)
        fprintf (out, _("  Certificate: %s, issued by %s, fingerprint %s\n"),
                 certificate->subject, certificate->issuer, certificate->sha256);
    }

  if (with_transcript)
    {
      const char *const *lines = ms_check_result_get_transcript (result);

      for (guint i = 0; lines[i] != NULL; i++)
        fprintf (out, "    %s\n", lines[i]);
    }
}

/**
 * ms_cli_read_password:
 * @command: the command line so far, for messages
 * @out_exit_code: (out): the exit code when this returns %NULL
 *
 * Reads the password for --password-stdin: one line of standard input; a trailing newline is
 * not part of it. Passwords are never taken from the command line or the environment.
 *
 * Returns: (transfer full) (nullable): the password (wipe it after use), or %NULL
 */
char *
ms_cli_read_password (const char *command,
                      int        *out_exit_code)
{
  g_autofree char *buffer = g_malloc0 (MAX_PASSWORD_LENGTH + 2);
  gsize length;

  if (fgets (buffer, MAX_PASSWORD_LENGTH + 2, stdin) == NULL)
    {
      *out_exit_code = ms_cli_usage_error (command, _("--password-stdin: nothing on standard "
                                                      "input"));
      return NULL;
    }

  length = strlen (buffer);
  if (length > 0 && buffer[length - 1] == '\n')
    buffer[--length] = '\0';
  else if (length > MAX_PASSWORD_LENGTH)
    {
      explicit_bzero (buffer, MAX_PASSWORD_LENGTH + 2);
      *out_exit_code = ms_cli_usage_error (command, _("--password-stdin: the password is longer "
                                                      "than 4096 bytes"));
      return NULL;
    }

  if (length == 0)
    {
      *out_exit_code = ms_cli_usage_error (command, _("--password-stdin: the password is "
                                                      "empty"));
      return NULL;
    }
  if (!g_utf8_validate (buffer, (gssize) length, NULL))
    {
      explicit_bzero (buffer, length);
      *out_exit_code = ms_cli_usage_error (command, _("--password-stdin: the password is not "
                                                      "valid UTF-8"));
      return NULL;
    }

  return g_steal_pointer (&buffer);
}


/**
 * ms_cli_wipe_password:
 * @password: (nullable) (transfer full): a password from ms_cli_read_password()
 *
 * Overwrites the password in memory and frees it.
 */
void
ms_cli_wipe_password (char *password)
{
  if (password != NULL)
    explicit_bzero (password, strlen (password));
  g_free (password);
}
