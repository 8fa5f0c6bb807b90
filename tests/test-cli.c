/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

typedef struct
{
  int   status;
  char *out;
  char *err;
} CliResult;

static void
cli_result_free (CliResult *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliResult, cli_result_free)

/* Runs the built mail-setup-cli. GLib isolates this test's XDG directories in-process only,
 * so the child is handed them explicitly. */
static CliResult *
spawn_cli (GPtrArray *args)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  CliResult *result = g_new0 (CliResult, 1);

  g_ptr_array_insert (args, 0, (gpointer) g_getenv ("MAIL_SETUP_CLI"));
  g_ptr_array_add (args, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);

  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);

  return result;
}

static CliResult *
run_cli (const char *first_arg,
         ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);

  return spawn_cli (args);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
accounts_directory (void)
{
  return g_build_filename (g_get_user_config_dir (), "mail-setup", "accounts", NULL);
}

static guint
count_account_files (void)
{
  g_autofree char *directory = accounts_directory ();
  g_autoptr (GDir) dir = g_dir_open (directory, 0, NULL);
  guint count = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    count++;
  return count;
}

static void
assert_one_line_error (CliResult *result)
{
  g_assert_cmpint (result->status, ==, 2);
  g_assert_cmpstr (result->out, ==, "");
  g_assert_true (g_str_has_prefix (result->err, "mail-setup-cli"));
  g_assert_true (g_str_has_suffix (result->err, "\n"));
  /* exactly one line */
  g_assert_true (strchr (result->err, '\n') == result->err + strlen (result->err) - 1);
}

static void
test_cli_version (void)
{
  g_autoptr (CliResult) result = run_cli ("--version", NULL);

  g_assert_cmpint (result->status, ==, 0);
  g_assert_cmpstr (result->out, ==, "mail-setup-cli " PACKAGE_VERSION "\n");
}

static void
test_cli_no_command (void)
{
  g_autoptr (CliResult) result = run_cli (NULL, NULL);

  g_assert_cmpint (result->status, ==, 2);
  g_assert_nonnull (strstr (result->err, "Usage:"));
  g_assert_nonnull (strstr (result->err, "accounts"));
}

static void
test_cli_unknown_command (void)
{
  g_autoptr (CliResult) result = run_cli ("frobnicate", NULL);

  assert_one_line_error (result);
  g_assert_nonnull (strstr (result->err, "“frobnicate” is not a command"));
}

static void
test_cli_help (gconstpointer data)
{
  g_auto (GStrv) words = g_strsplit (data, " ", -1);
  g_autoptr (CliResult) result = NULL;

  if (g_strv_length (words) == 1)
    result = run_cli (words[0], "--help", NULL);
  else
    result = run_cli (words[0], words[1], "--help", NULL);

  g_assert_cmpint (result->status, ==, 0);
  g_assert_nonnull (strstr (result->out, "Usage:"));
  g_assert_cmpstr (result->err, ==, "");
}

static void
test_cli_accounts_round_trip (void)
{
  g_autoptr (CliResult) added = NULL;
  g_autoptr (CliResult) added_bob = NULL;
  g_autoptr (CliResult) listed = NULL;
  g_autoptr (CliResult) shown = NULL;
  g_autoptr (CliResult) shown_json = NULL;
  g_autoptr (CliResult) by_path = NULL;
  g_autoptr (CliResult) removed = NULL;
  g_autoptr (CliResult) listed_after = NULL;
  g_autoptr (JsonObject) id_object = NULL;
  g_autoptr (JsonObject) list = NULL;
  g_autoptr (JsonObject) account = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  JsonArray *accounts;
  JsonObject *incoming;
  JsonObject *outgoing;

  added = run_cli ("accounts", "add", "--name", "Alice Example", "--address",
                   "alice@bücher.example", "--incoming", "imap:tls:imap.example.com:993",
                   "--outgoing", "smtp:starttls:smtp.example.com:587", "--json", NULL);
  g_assert_cmpstr (added->err, ==, "");
  g_assert_cmpint (added->status, ==, 0);
  id_object = parse_object (added->out);
  g_assert_cmpstr (json_object_get_string_member (id_object, "id"), ==,
                   "alice-xn-bcher-kva-example");

  added_bob = run_cli ("accounts", "add", "--name", "Bob", "--address", "bob@example.net",
                       "--incoming", "pop3:starttls:[2001:db8::1]", "--incoming-user", "bob",
                       "--outgoing", "smtp:tls:smtp.example.net", NULL);
  g_assert_cmpint (added_bob->status, ==, 0);
  g_assert_cmpstr (added_bob->out, ==, "bob-example-net\n");

  listed = run_cli ("accounts", "list", "--json", NULL);
  g_assert_cmpint (listed->status, ==, 0);
  list = parse_object (listed->out);
  accounts = json_object_get_array_member (list, "accounts");
  g_assert_cmpuint (json_array_get_length (accounts), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "problems")), ==,
                    0);
  incoming = json_object_get_object_member (json_array_get_object_element (accounts, 0),
                                            "incoming");
  g_assert_cmpstr (json_object_get_string_member (incoming, "user"), ==,
                   "alice@xn--bcher-kva.example");
  incoming = json_object_get_object_member (json_array_get_object_element (accounts, 1),
                                            "incoming");
  g_assert_cmpstr (json_object_get_string_member (incoming, "protocol"), ==, "pop3");
  g_assert_cmpstr (json_object_get_string_member (incoming, "host"), ==, "2001:db8::1");
  g_assert_cmpint (json_object_get_int_member (incoming, "port"), ==, 110);
  g_assert_cmpstr (json_object_get_string_member (incoming, "security"), ==, "starttls");
  g_assert_cmpstr (json_object_get_string_member (incoming, "user"), ==, "bob");

  shown = run_cli ("accounts", "show", "alice-xn-bcher-kva-example", NULL);
  g_assert_cmpint (shown->status, ==, 0);
  g_assert_nonnull (strstr (shown->out, "Alice Example <alice@xn--bcher-kva.example>"));
  g_assert_nonnull (strstr (shown->out, "IMAP over TLS, imap.example.com port 993"));
  g_assert_nonnull (strstr (shown->out, "SMTP with STARTTLS, smtp.example.com port 587"));

  shown_json = run_cli ("accounts", "show", "bob-example-net", "--json", NULL);
  g_assert_cmpint (shown_json->status, ==, 0);
  account = parse_object (shown_json->out);
  outgoing = json_object_get_object_member (account, "outgoing");
  g_assert_cmpint (json_object_get_int_member (outgoing, "port"), ==, 465);
  g_assert_cmpstr (json_object_get_string_member (outgoing, "user"), ==, "bob@example.net");
  path = g_strdup (json_object_get_string_member (account, "path"));

  /* every command that takes an account takes its file too */
  by_path = run_cli ("accounts", "show", path, NULL);
  g_assert_cmpint (by_path->status, ==, 0);
  g_assert_nonnull (strstr (by_path->out, "Bob <bob@example.net>"));

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "assword"));

  removed = run_cli ("accounts", "remove", path, NULL);
  g_assert_cmpint (removed->status, ==, 0);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  listed_after = run_cli ("accounts", "list", NULL);
  g_assert_cmpint (listed_after->status, ==, 0);
  g_assert_true (g_str_has_prefix (listed_after->out, "alice-xn-bcher-kva-example\t"));
  g_assert_null (strstr (listed_after->out, "bob"));
}

typedef struct
{
  const char *name;
  const char *args[16];
  const char *message_part;
} BadInputCase;

static const BadInputCase bad_input_cases[] = {
  { "missing-name",
    { "--address", "a@example.com", "--incoming", "imap:tls:imap.example.com", "--outgoing",
      "smtp:tls:smtp.example.com" },
    "--name is required" },
  { "missing-outgoing",
    { "--name", "A", "--address", "a@example.com", "--incoming", "imap:tls:imap.example.com" },
    "--outgoing is required" },
  { "bad-address",
    { "--name", "A", "--address", "a.example.com", "--incoming", "imap:tls:imap.example.com",
      "--outgoing", "smtp:tls:smtp.example.com" },
    "needs an “@”" },
  { "bad-incoming",
    { "--name", "A", "--address", "a@example.com", "--incoming", "imap:tls:imap.example.com:x",
      "--outgoing", "smtp:tls:smtp.example.com" },
    "not a port number" },
  { "smtp-incoming",
    { "--name", "A", "--address", "a@example.com", "--incoming", "smtp:tls:smtp.example.com",
      "--outgoing", "smtp:tls:smtp.example.com" },
    "must be an IMAP or POP3 server" },
  { "imap-outgoing",
    { "--name", "A", "--address", "a@example.com", "--incoming", "imap:tls:imap.example.com",
      "--outgoing", "imap:tls:imap.example.com" },
    "must be an SMTP server" },
  { "ipv6-without-brackets",
    { "--name", "A", "--address", "a@example.com", "--incoming", "imap:tls:2001:db8::1:993",
      "--outgoing", "smtp:tls:smtp.example.com" },
    "brackets" },
  { "password-on-command-line",
    { "--name", "A", "--address", "a@example.com", "--incoming", "imap:tls:imap.example.com",
      "--outgoing", "smtp:tls:smtp.example.com", "--password", "hunter2" },
    "--password" },
  { "bad-pin",
    { "--name", "A", "--address", "a@example.com", "--incoming", "imap:tls:imap.example.com",
      "--outgoing", "smtp:tls:smtp.example.com", "--incoming-pin", "sha256:12:34" },
    "--incoming-pin" },
  { "extra-argument",
    { "--name", "A", "--address", "a@example.com", "--incoming", "imap:tls:imap.example.com",
      "--outgoing", "smtp:tls:smtp.example.com", "surplus" },
    "unexpected argument “surplus”" },
};

static void
test_cli_add_bad_input (gconstpointer data)
{
  const BadInputCase *c = data;
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (CliResult) result = NULL;

  g_ptr_array_add (args, (gpointer) "accounts");
  g_ptr_array_add (args, (gpointer) "add");
  for (guint i = 0; c->args[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) c->args[i]);
  result = spawn_cli (args);

  assert_one_line_error (result);
  if (strstr (result->err, c->message_part) == NULL)
    g_error ("%s: “%s” lacks “%s”", c->name, result->err, c->message_part);
  g_assert_cmpuint (count_account_files (), ==, 0);
}

static void
test_cli_add_duplicate (void)
{
  g_autoptr (CliResult) first = NULL;
  g_autoptr (CliResult) second = NULL;

  first = run_cli ("accounts", "add", "--name", "A", "--address", "a@example.com", "--incoming",
                   "imap:tls:imap.example.com", "--outgoing", "smtp:tls:smtp.example.com", NULL);
  g_assert_cmpint (first->status, ==, 0);
  second = run_cli ("accounts", "add", "--name", "A", "--address", "A@EXAMPLE.com",
                    "--incoming", "pop3:tls:pop.example.com", "--outgoing",
                    "smtp:tls:smtp.example.com", NULL);
  assert_one_line_error (second);
  g_assert_nonnull (strstr (second->err, "exists already"));
  g_assert_cmpuint (count_account_files (), ==, 1);
}

static void
test_cli_show_missing (void)
{
  g_autoptr (CliResult) result = run_cli ("accounts", "show", "nobody-example-com", NULL);
  g_autoptr (CliResult) no_argument = run_cli ("accounts", "show", NULL);
  g_autoptr (CliResult) remove_missing = run_cli ("accounts", "remove", "nobody-example-com",
                                                  NULL);

  assert_one_line_error (result);
  g_assert_nonnull (strstr (result->err, "no account with the id “nobody-example-com”"));
  assert_one_line_error (no_argument);
  assert_one_line_error (remove_missing);
}

static void
test_cli_remove_outside_store (void)
{
  g_autoptr (CliResult) added = NULL;
  g_autoptr (CliResult) removed = NULL;
  g_autofree char *directory = accounts_directory ();
  g_autofree char *source = g_build_filename (directory, "a-example-com.account", NULL);
  g_autofree char *outside = g_build_filename (g_get_user_data_dir (), "mine.account", NULL);
  g_autofree char *contents = NULL;

  added = run_cli ("accounts", "add", "--name", "A", "--address", "a@example.com", "--incoming",
                   "imap:tls:imap.example.com", "--outgoing", "smtp:tls:smtp.example.com", NULL);
  g_assert_cmpint (added->status, ==, 0);
  g_assert_true (g_file_get_contents (source, &contents, NULL, NULL));
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (outside, contents, -1, NULL));

  removed = run_cli ("accounts", "remove", outside, NULL);
  assert_one_line_error (removed);
  g_assert_true (g_file_test (outside, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (source, G_FILE_TEST_EXISTS));
}

typedef struct
{
  const char *name;
  const char *args[12];
  const char *message_part;
} DiscoverUsageCase;

static const DiscoverUsageCase discover_usage_cases[] = {
  { "no-address", { NULL }, "give the e-mail address to look up" },
  { "invalid-address", { "alice.example.com" }, "cannot look up “alice.example.com”: " },
  { "extra-argument", { "alice@example.com", "bob@example.com" },
    "unexpected argument “bob@example.com”" },
  { "verify-without-password-stdin", { "alice@example.com", "--verify" },
    "--verify needs the password: add --password-stdin" },
  { "password-stdin-without-verify", { "alice@example.com", "--password-stdin" },
    "--password-stdin only goes with --verify" },
  { "accept-untrusted-without-verify", { "alice@example.com", "--accept-untrusted" },
    "--accept-untrusted only goes with --verify" },
  { "timeout-zero", { "alice@example.com", "--timeout", "0" },
    "--timeout: “0” is not a number of seconds above 0" },
  { "timeout-not-a-number", { "alice@example.com", "--timeout", "abc" },
    "--timeout: “abc” is not a number of seconds above 0" },
  { "timeout-negative", { "alice@example.com", "--timeout=-3" },
    "--timeout: “-3” is not a number of seconds above 0" },
  { "providers-dir-missing", { "alice@example.com", "--providers-dir", "/nonexistent" },
    "--providers-dir: " },
  { "ca-file-missing", { "alice@example.com", "--ca-file", "/nonexistent/ca.pem" },
    "--ca-file: " },
  { "ispdb-url-not-web", { "alice@example.com", "--ispdb-url", "ftp://example.com/" },
    "--ispdb-url: “ftp://example.com/” is not an http:// or https:// URL" },
};

static void
test_cli_discover_usage (gconstpointer data)
{
  const DiscoverUsageCase *c = data;
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (CliResult) result = NULL;

  g_ptr_array_add (args, (gpointer) "discover");
  for (guint i = 0; c->args[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) c->args[i]);
  result = spawn_cli (args);

  assert_one_line_error (result);
  g_assert_true (g_str_has_prefix (result->err, "mail-setup-cli discover: "));
  if (strstr (result->err, c->message_part) == NULL)
    g_error ("%s: “%s” lacks “%s”", c->name, result->err, c->message_part);
}

/* Nothing can be found for a name under .invalid (RFC 6761: it never resolves), with HTTP
 * fallbacks and guessing off and the ISPDB on a closed local port: hermetic, no internet. */
static CliResult *
discover_nothing (gboolean json)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  static const char *const fixed[] = {
    "discover",  "nobody@nothing.invalid", "--no-http", "--no-guess",
    "--ispdb-url", "http://127.0.0.1:1/",  "--timeout", "5",
  };

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (args, (gpointer) fixed[i]);
  if (json)
    g_ptr_array_add (args, (gpointer) "--json");
  return spawn_cli (args);
}

static void
test_cli_discover_nothing_found_json (void)
{
  g_autoptr (CliResult) result = discover_nothing (TRUE);
  g_autoptr (JsonObject) object = NULL;
  static const char *const srv_queries[] = {
    "_submissions._tcp.nothing.invalid", "_submission._tcp.nothing.invalid",
    "_imaps._tcp.nothing.invalid",       "_imap._tcp.nothing.invalid",
    "_pop3s._tcp.nothing.invalid",       "_pop3._tcp.nothing.invalid",
  };
  JsonArray *sources;
  JsonObject *chosen;
  gboolean ispdb_asked = FALSE;

  g_assert_cmpint (result->status, ==, 1);
  /* standard output is exactly one JSON document; the live lines went to standard error */
  object = parse_object (result->out);
  g_assert_cmpstr (json_object_get_string_member (object, "address"), ==,
                   "nobody@nothing.invalid");
  g_assert_cmpstr (json_object_get_string_member (object, "domain"), ==, "nothing.invalid");

  sources = json_object_get_array_member (object, "sources");
  g_assert_cmpuint (json_array_get_length (sources), >=, G_N_ELEMENTS (srv_queries));
  for (guint i = 0; i < json_array_get_length (sources); i++)
    {
      JsonObject *source = json_array_get_object_element (sources, i);
      const char *name = json_object_get_string_member (source, "name");
      const char *query = json_object_get_string_member (source, "url_or_query");
      const char *state = json_object_get_string_member (source, "state");
      JsonNode *error = json_object_get_member (source, "error");

      g_assert_nonnull (name);
      g_assert_nonnull (query);
      g_assert_cmpstr (name, !=, "guess");
      g_assert_false (json_object_get_boolean_member (source, "ok"));
      g_assert_cmpint (json_object_get_int_member (source, "elapsed_ms"), >=, 0);
      g_assert_true (json_object_has_member (source, "trusted"));
      g_assert_true (json_object_has_member (source, "service_absent"));
      /* every source says why it failed, unless the timeout made it moot */
      if (g_strcmp0 (state, "abandoned") != 0)
        {
          g_assert_cmpstr (state, ==, "finished");
          g_assert_true (JSON_NODE_HOLDS_VALUE (error));
          g_assert_cmpstr (json_node_get_string (error), !=, "");
        }
      if (g_str_has_prefix (query, "http://127.0.0.1:1/"))
        ispdb_asked = TRUE;
      g_assert_false (g_str_has_prefix (query, "http://autoconfig."));
    }
  g_assert_true (ispdb_asked);
  for (guint i = 0; i < G_N_ELEMENTS (srv_queries); i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < json_array_get_length (sources); j++)
        if (g_str_equal (json_object_get_string_member (json_array_get_object_element (sources, j),
                                                        "url_or_query"),
                         srv_queries[i]))
          found = TRUE;
      if (!found)
        g_error ("no SRV lookup of %s in %s", srv_queries[i], result->out);
    }

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "incoming")), ==,
                    0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "outgoing")), ==,
                    0);
  chosen = json_object_get_object_member (object, "chosen");
  g_assert_true (json_object_get_null_member (chosen, "incoming"));
  g_assert_true (json_object_get_null_member (chosen, "outgoing"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "hints")), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object, "elapsed_ms"), >=, 0);
  g_assert_false (json_object_has_member (object, "verify"));
}

static void
test_cli_discover_nothing_found_text (void)
{
  g_autoptr (CliResult) result = discover_nothing (FALSE);

  g_assert_cmpint (result->status, ==, 1);
  /* one line per lookup as it finishes, then the (empty) tables */
  g_assert_nonnull (strstr (result->out, "✗ srv _imaps._tcp.nothing.invalid: "));
  g_assert_nonnull (strstr (result->out, "✗ mx "));
  g_assert_nonnull (strstr (result->out, "Incoming servers, best first:\n  none found\n"));
  g_assert_nonnull (strstr (result->out, "Outgoing servers, best first:\n  none found\n"));
  g_assert_null (strstr (result->out, "Chosen"));
}

int
main (int    argc,
      char **argv)
{
  static const char *help_commands[] = {
    "--help", "accounts", "accounts add", "accounts list", "accounts show", "accounts remove",
    "discover",
  };

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_nonnull (g_getenv ("MAIL_SETUP_CLI"));

  g_test_add_func ("/cli/version", test_cli_version);
  g_test_add_func ("/cli/no-command", test_cli_no_command);
  g_test_add_func ("/cli/unknown-command", test_cli_unknown_command);
  for (guint i = 0; i < G_N_ELEMENTS (help_commands); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/help/%u", i);

      g_test_add_data_func (path, help_commands[i], test_cli_help);
    }
  g_test_add_func ("/cli/accounts/round-trip", test_cli_accounts_round_trip);
  for (guint i = 0; i < G_N_ELEMENTS (bad_input_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/accounts/add/bad-input/%s",
                                               bad_input_cases[i].name);

      g_test_add_data_func (path, &bad_input_cases[i], test_cli_add_bad_input);
    }
  g_test_add_func ("/cli/accounts/add/duplicate", test_cli_add_duplicate);
  g_test_add_func ("/cli/accounts/show/missing", test_cli_show_missing);
  g_test_add_func ("/cli/accounts/remove/outside-store", test_cli_remove_outside_store);
  for (guint i = 0; i < G_N_ELEMENTS (discover_usage_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/discover/usage/%s",
                                               discover_usage_cases[i].name);

      g_test_add_data_func (path, &discover_usage_cases[i], test_cli_discover_usage);
    }
  g_test_add_func ("/cli/discover/nothing-found/json", test_cli_discover_nothing_found_json);
  g_test_add_func ("/cli/discover/nothing-found/text", test_cli_discover_nothing_found_text);

  return g_test_run ();
}
