/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "mailsetup.h"
#include "ms-testbed.h"

/* mail-setup-cli accounts add --password-stdin and export, end to end: the real keyring of
 * the test-bed, the files the clients read, and the secret nowhere else. */

#define PASSWORD "Exp0rt-S3cret"

static MsTestbed *testbed;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_free (Run *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static Run *
run_cli (const char *input,
         const char *first,
         ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  Run *run = g_new0 (Run, 1);
  va_list ap;

  g_ptr_array_add (args, (gpointer) g_getenv ("MAIL_SETUP_CLI"));
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);

  /* invariant 5: the password is in no output */
  g_assert_null (strstr (run->out, PASSWORD));
  g_assert_null (strstr (run->err, PASSWORD));
  return run;
}

static char *
add_account (void)
{
  g_autoptr (Run) run = run_cli (PASSWORD "\n", "accounts", "add", "--name", "Alice Export",
                                 "--address", "alice@example.net", "--incoming",
                                 "imap:tls:imap.example.net:993", "--outgoing",
                                 "smtp:starttls:smtp.example.net:587", "--password-stdin", NULL);

  if (run->status != 0)
    g_error ("accounts add failed: %s", run->err);
  return g_strchomp (g_strdup (run->out));
}

static char *
lookup_secret (GHashTable *attributes,
               const SecretSchema *schema)
{
  g_autoptr (GError) error = NULL;
  char *secret = secret_password_lookupv_sync (schema, attributes, NULL, &error);

  g_assert_no_error (error);
  return secret;
}

static void
test_add_stores_password_in_keyring (void)
{
  g_autofree char *id = add_account ();
  g_autoptr (GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *secret = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;

  g_hash_table_insert (attributes, (gpointer) "account", (gpointer) id);
  g_hash_table_insert (attributes, (gpointer) "protocol", (gpointer) "imap");
  secret = lookup_secret (attributes, ms_keyring_get_schema ());
  g_assert_cmpstr (secret, ==, PASSWORD);

  g_hash_table_insert (attributes, (gpointer) "protocol", (gpointer) "smtp");
  g_free (secret);
  secret = lookup_secret (attributes, ms_keyring_get_schema ());
  g_assert_cmpstr (secret, ==, PASSWORD);

  /* the account file holds no secret */
  path = g_strdup_printf ("%s/mail-setup/accounts/%s.account", g_get_user_config_dir (), id);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, PASSWORD));
}

static void
test_export_autoconfig (void)
{
  g_autofree char *id = add_account ();
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "config-v1.1.xml", NULL);
  g_autoptr (Run) dry = NULL;
  g_autoptr (Run) real = NULL;
  g_autoptr (Run) again = NULL;
  g_autofree char *target = g_strconcat ("autoconfig:", path, NULL);
  g_autofree char *contents = NULL;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);

  dry = run_cli (NULL, "export", "--account", id, "--to", target, "--dry-run", NULL);
  g_assert_cmpint (dry->status, ==, 0);
  g_assert_nonnull (strstr (dry->out, "<socketType>SSL</socketType>"));
  g_assert_nonnull (strstr (dry->out, "<socketType>STARTTLS</socketType>"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  real = run_cli (NULL, "export", "--account", id, "--to", target, NULL);
  g_assert_cmpint (real->status, ==, 0);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "<hostname>imap.example.net</hostname>"));
  g_assert_nonnull (strstr (contents, "<username>%EMAILADDRESS%</username>"));

  again = run_cli (NULL, "export", "--account", id, "--to", target, "--json", NULL);
  g_assert_cmpint (again->status, ==, 0);
  g_assert_nonnull (strstr (again->out, "\"unchanged\""));
}

static void
test_export_thunderbird (void)
{
  g_autofree char *id = add_account ();
  g_autofree char *profile = g_build_filename (g_get_user_data_dir (), "tb-profile", NULL);
  g_autofree char *prefs = g_build_filename (profile, "prefs.js", NULL);
  g_autofree char *target = g_strconcat ("thunderbird:", profile, NULL);
  const char *original = "// Mozilla User Preferences\n\nuser_pref(\"mail.shell.checkDefaultClient\", false);\n";
  g_autoptr (Run) dry = NULL;
  g_autoptr (Run) real = NULL;
  g_autoptr (Run) again = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *after_dry = NULL;

  g_assert_cmpint (g_mkdir_with_parents (profile, 0700), ==, 0);
  g_assert_true (g_file_set_contents (prefs, original, -1, NULL));

  dry = run_cli (NULL, "export", "--account", id, "--to", target, "--dry-run", NULL);
  g_assert_cmpint (dry->status, ==, 0);
  g_assert_nonnull (strstr (dry->out, "user_pref(\"mail.server.server1.hostname\", \"imap.example.net\");"));
  g_assert_true (g_file_get_contents (prefs, &after_dry, NULL, NULL));
  g_assert_cmpstr (after_dry, ==, original);

  real = run_cli (NULL, "export", "--account", id, "--to", target, NULL);
  g_assert_cmpint (real->status, ==, 0);
  g_assert_true (g_file_get_contents (prefs, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, original));
  g_assert_nonnull (strstr (contents, "user_pref(\"mail.server.server1.socketType\", 3);"));
  g_assert_nonnull (strstr (contents, "user_pref(\"mail.smtpserver.smtp1.try_ssl\", 2);"));
  g_assert_null (strstr (contents, PASSWORD));
  /* Thunderbird keeps passwords itself: the user is told it asks once */
  g_assert_nonnull (strstr (real->out, "Thunderbird"));

  again = run_cli (NULL, "export", "--account", id, "--to", target, "--json", NULL);
  g_assert_cmpint (again->status, ==, 0);
  g_assert_nonnull (strstr (again->out, "\"unchanged\""));
}

static void
test_export_evolution_from_keyring (void)
{
  g_autofree char *id = add_account ();
  g_autoptr (Run) run = NULL;
  g_autoptr (Run) again = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonArray *changes;
  guint creates = 0;
  guint secrets = 0;

  run = run_cli (NULL, "export", "--account", id, "--to", "evolution", "--from-keyring", "--json",
                 NULL);
  if (run->status != 0)
    g_error ("export failed: %s", run->err);
  json_parser_load_from_data (parser, run->out, -1, &error);
  g_assert_no_error (error);
  changes = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                          "changes");
  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      const char *action = json_object_get_string_member (json_array_get_object_element (changes,
                                                                                         i),
                                                          "action");

      creates += g_str_equal (action, "create");
      secrets += g_str_equal (action, "secret");
    }
  g_assert_cmpuint (creates, ==, 3);
  g_assert_cmpuint (secrets, ==, 2);

  again = run_cli (NULL, "export", "--account", id, "--to", "evolution", "--from-keyring", NULL);
  g_assert_cmpint (again->status, ==, 0);
  g_assert_nonnull (strstr (again->out, "Already there"));
}

static void
test_export_bad_input (void)
{
  g_autofree char *id = add_account ();
  g_autoptr (Run) no_to = run_cli (NULL, "export", "--account", id, NULL);
  g_autoptr (Run) bad_to = run_cli (NULL, "export", "--account", id, "--to", "kmail", NULL);
  g_autoptr (Run) no_account = run_cli (NULL, "export", "--account", "nobody-example-net",
                                        "--to", "evolution", NULL);
  g_autoptr (Run) both = run_cli (NULL, "export", "--account", id, "--to", "evolution",
                                  "--password-stdin", "--from-keyring", NULL);

  g_assert_cmpint (no_to->status, ==, 2);
  g_assert_cmpint (bad_to->status, ==, 2);
  g_assert_nonnull (strstr (bad_to->err, "kmail"));
  g_assert_cmpint (no_account->status, ==, 2);
  g_assert_cmpint (both->status, ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  testbed = ms_testbed_start (MS_TESTBED_KEYRING, &error);
  g_assert_no_error (error);

  g_test_add_func ("/export-cli/add/password-in-keyring", test_add_stores_password_in_keyring);
  g_test_add_func ("/export-cli/autoconfig", test_export_autoconfig);
  g_test_add_func ("/export-cli/thunderbird", test_export_thunderbird);
  g_test_add_func ("/export-cli/evolution/from-keyring", test_export_evolution_from_keyring);
  g_test_add_func ("/export-cli/bad-input", test_export_bad_input);

  status = g_test_run ();
  ms_testbed_stop (testbed);
  return status;
}
