/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "thunderbird-test-util.h"

/* The real Thunderbird (Debian's ESR, headless) loads what we wrote: Mozilla's AutoConfig runs a
 * privileged script at start (thunderbird-hook.cfg) that asks Thunderbird's own account manager
 * what it loaded (report-accounts.js) and quits; Thunderbird then rewrites prefs.js, which must
 * still hold the account.
 *
 * The hook goes into Thunderbird's installation directory only for the duration of this test and
 * is removed again whatever happens: assertions come after the removal, and a signal handler and
 * atexit() cover crashes and the test runner's timeout. The hook is inert unless the
 * MAIL_SETUP_TB_SCRIPT variable is set, so other Thunderbirds started meanwhile are unaffected,
 * and a lock file serialises concurrent runs (two test runs must not remove each other's hook).
 * Thunderbird runs offline, in a throwaway home, under a hard timeout, in its own process group
 * so that a hung one is killed with all its children. */

#define THUNDERBIRD_TIMEOUT_SECONDS 120
#define HOOK_LOCK_NAME "mail-setup-thunderbird-hook.lock"

static char hook_prefs_path[4096];
static char hook_cfg_path[4096];
/* Only while set does this process own the hook (and hold the lock): another test run may have
 * installed it otherwise. */
static volatile sig_atomic_t hook_installed;
/* The process group of a running Thunderbird, for the signal handler. */
static volatile sig_atomic_t running_thunderbird;

static void
remove_hook (void)
{
  /* Async-signal-safe: also called from signal handlers. */
  if (!hook_installed)
    return;
  unlink (hook_prefs_path);
  unlink (hook_cfg_path);
  hook_installed = 0;
}

static void
on_fatal_signal (int signal_number)
{
  if (running_thunderbird > 0)
    kill (-(pid_t) running_thunderbird, SIGKILL);
  remove_hook ();
  signal (signal_number, SIG_DFL);
  raise (signal_number);
}

static const char *
get_thunderbird_dir (void)
{
  const char *dir = g_getenv ("MAIL_SETUP_THUNDERBIRD_DIR");

  return dir != NULL ? dir : "/usr/lib/thunderbird";
}

/* Why Thunderbird cannot be driven here, or NULL. */
static char *
get_skip_reason (void)
{
  g_autofree char *program = g_find_program_in_path ("thunderbird");
  g_autofree char *pref_dir = g_build_filename (get_thunderbird_dir (), "defaults", "pref", NULL);

  if (program == NULL)
    return g_strdup ("Thunderbird is not installed (apt-get install thunderbird)");
  if (!g_file_test (pref_dir, G_FILE_TEST_IS_DIR))
    return g_strdup_printf ("no Thunderbird installation at %s (set MAIL_SETUP_THUNDERBIRD_DIR)",
                            get_thunderbird_dir ());
  if (access (pref_dir, W_OK) != 0)
    return g_strdup_printf ("the AutoConfig hook cannot be installed into %s: %s", pref_dir,
                            g_strerror (errno));
  return NULL;
}

static int
install_hook (void)
{
  g_autofree char *lock_path = g_build_filename ("/tmp", HOOK_LOCK_NAME, NULL);
  g_autofree char *prefs_source = g_test_build_filename (G_TEST_DIST, "thunderbird",
                                                         "thunderbird-hook-prefs.js", NULL);
  g_autofree char *cfg_source = g_test_build_filename (G_TEST_DIST, "thunderbird",
                                                       "thunderbird-hook.cfg", NULL);
  g_autofree char *prefs_target = g_build_filename (get_thunderbird_dir (), "defaults", "pref",
                                                    "mail-setup-test-hook.js", NULL);
  g_autofree char *cfg_target = g_build_filename (get_thunderbird_dir (),
                                                  "mail-setup-test-hook.cfg", NULL);
  g_autoptr (GBytes) prefs = tb_test_read_bytes (prefs_source);
  g_autoptr (GBytes) cfg = tb_test_read_bytes (cfg_source);
  g_autoptr (GError) error = NULL;
  int lock_fd;

  lock_fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (lock_fd, >=, 0);
  g_assert_cmpint (flock (lock_fd, LOCK_EX), ==, 0);

  g_strlcpy (hook_prefs_path, prefs_target, sizeof hook_prefs_path);
  g_strlcpy (hook_cfg_path, cfg_target, sizeof hook_cfg_path);
  hook_installed = 1;
  signal (SIGTERM, on_fatal_signal);
  signal (SIGINT, on_fatal_signal);
  signal (SIGHUP, on_fatal_signal);
  signal (SIGABRT, on_fatal_signal);
  signal (SIGSEGV, on_fatal_signal);

  g_file_set_contents_full (cfg_target, g_bytes_get_data (cfg, NULL), g_bytes_get_size (cfg),
                            G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error);
  if (error == NULL)
    g_file_set_contents_full (prefs_target, g_bytes_get_data (prefs, NULL),
                              g_bytes_get_size (prefs), G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                              &error);
  if (error != NULL)
    remove_hook ();
  g_assert_no_error (error);
  return lock_fd;
}

static void
uninstall_hook (int lock_fd)
{
  remove_hook ();
  signal (SIGTERM, SIG_DFL);
  signal (SIGINT, SIG_DFL);
  signal (SIGHUP, SIG_DFL);
  signal (SIGABRT, SIG_DFL);
  signal (SIGSEGV, SIG_DFL);
  close (lock_fd);
}

typedef struct
{
  GMainLoop *loop;
  gboolean   timed_out;
  gboolean   done;
} WaitData;

static void
on_thunderbird_exited (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  WaitData *data = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  data->done = TRUE;
  g_main_loop_quit (data->loop);
}

static gboolean
on_thunderbird_timeout (gpointer user_data)
{
  WaitData *data = user_data;

  data->timed_out = TRUE;
  g_main_loop_quit (data->loop);
  return G_SOURCE_REMOVE;
}

static void
child_setup (gpointer user_data)
{
  setpgid (0, 0);
}

typedef struct
{
  gboolean exited;
  gboolean timed_out;
  int      status;
  char    *log;
} ThunderbirdRun;

static void
thunderbird_run_clear (ThunderbirdRun *run)
{
  g_clear_pointer (&run->log, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ThunderbirdRun, thunderbird_run_clear)

/* Starts Thunderbird with the hook's script; no assertion in here, so that the caller removes the
 * hook before anything can fail. */
static void
run_thunderbird (const char     *home,
                 const char     *profile,
                 const char     *script,
                 const char     *report_path,
                 ThunderbirdRun *run)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) thunderbird = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *log_path = g_strconcat (report_path, ".log", NULL);
  g_autofree char *config = g_build_filename (home, ".config", NULL);
  g_autofree char *cache = g_build_filename (home, ".cache", NULL);
  g_autofree char *data_dir = g_build_filename (home, ".local", "share", NULL);
  static const char *const unset[] = {
    "G_DEBUG", "MALLOC_CHECK_", "MALLOC_PERTURB_", "ASAN_OPTIONS", "UBSAN_OPTIONS",
    "LSAN_OPTIONS", "G_SLICE", "DISPLAY", "WAYLAND_DISPLAY", "GIO_USE_VFS", "GSETTINGS_BACKEND",
    "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS",
  };
  WaitData wait_data = { loop, FALSE, FALSE };
  guint timeout_id;
  pid_t pid;

  memset (run, 0, sizeof *run);
  for (guint i = 0; i < G_N_ELEMENTS (unset); i++)
    g_subprocess_launcher_unsetenv (launcher, unset[i]);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "MOZ_CRASHREPORTER_DISABLE", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "MAIL_SETUP_TB_SCRIPT", script, TRUE);
  g_subprocess_launcher_setenv (launcher, "MAIL_SETUP_TB_REPORT", report_path, TRUE);
  g_subprocess_launcher_set_cwd (launcher, home);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);

  g_ptr_array_add (argv, (char *) "thunderbird");
  g_ptr_array_add (argv, (char *) "--headless");
  g_ptr_array_add (argv, (char *) "--no-remote");
  if (profile != NULL)
    {
      g_ptr_array_add (argv, (char *) "--profile");
      g_ptr_array_add (argv, (char *) profile);
    }
  g_ptr_array_add (argv, NULL);

  thunderbird = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  if (thunderbird == NULL)
    {
      run->log = g_strdup (error->message);
      return;
    }
  pid = atoi (g_subprocess_get_identifier (thunderbird));
  running_thunderbird = pid;

  g_subprocess_wait_async (thunderbird, NULL, on_thunderbird_exited, &wait_data);
  timeout_id = g_timeout_add_seconds (THUNDERBIRD_TIMEOUT_SECONDS, on_thunderbird_timeout,
                                      &wait_data);
  g_main_loop_run (loop);

  if (wait_data.timed_out)
    {
      kill (-pid, SIGKILL);
      while (!wait_data.done)
        g_main_context_iteration (NULL, TRUE);
    }
  else
    {
      g_source_remove (timeout_id);
    }
  /* Whatever Thunderbird left running in its group. */
  kill (-pid, SIGKILL);
  running_thunderbird = 0;

  run->timed_out = wait_data.timed_out;
  run->exited = g_subprocess_get_if_exited (thunderbird);
  run->status = run->exited ? g_subprocess_get_exit_status (thunderbird) : -1;
  g_file_get_contents (log_path, &run->log, NULL, NULL);
}

static void
assert_run_ok (const ThunderbirdRun *run,
               const char           *report_path)
{
  g_test_message ("Thunderbird's output:\n%s", run->log != NULL ? run->log : "(none)");
  g_assert_false (run->timed_out);
  g_assert_true (run->exited);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_true (g_file_test (report_path, G_FILE_TEST_IS_REGULAR));
}

static JsonObject *
load_report (const char *path)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *report;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  report = json_node_get_object (json_parser_get_root (parser));
  {
    g_autofree char *text = json_to_string (json_parser_get_root (parser), TRUE);

    g_test_message ("What Thunderbird's account manager loaded:\n%s", text);
  }
  g_assert_false (json_object_has_member (report, "error"));
  return json_object_ref (report);
}

static JsonObject *
find_account (JsonObject *report,
              const char *key)
{
  JsonArray *accounts = json_object_get_array_member (report, "accounts");

  for (guint i = 0; i < json_array_get_length (accounts); i++)
    {
      JsonObject *account = json_array_get_object_element (accounts, i);

      if (g_strcmp0 (json_object_get_string_member (account, "key"), key) == 0)
        return account;
    }
  g_error ("Thunderbird did not load %s", key);
}

typedef struct
{
  const char *type;
  const char *hostname;
  gint64      port;
  gint64      socket_type;
  const char *username;
  gint64      auth_method;
} ExpectedServer;

static void
assert_server (JsonObject           *server,
               const ExpectedServer *expected)
{
  if (expected->type != NULL)
    g_assert_cmpstr (json_object_get_string_member (server, "type"), ==, expected->type);
  g_assert_cmpstr (json_object_get_string_member (server, "hostname"), ==, expected->hostname);
  g_assert_cmpint (json_object_get_int_member (server, "port"), ==, expected->port);
  g_assert_cmpint (json_object_get_int_member (server, "socketType"), ==, expected->socket_type);
  g_assert_cmpstr (json_object_get_string_member (server, "username"), ==, expected->username);
  g_assert_cmpint (json_object_get_int_member (server, "authMethod"), ==, expected->auth_method);
}

/* The account as Thunderbird's account manager sees it: incoming server, identity and the SMTP
 * server the identity sends through. */
static void
assert_loaded (JsonObject           *report,
               const char           *key,
               const char           *full_name,
               const char           *email,
               const ExpectedServer *incoming,
               const ExpectedServer *outgoing)
{
  JsonObject *account = find_account (report, key);
  JsonObject *server = json_object_get_object_member (account, "server");
  JsonArray *identities = json_object_get_array_member (account, "identities");
  JsonObject *identity;
  JsonObject *smtp;

  assert_server (server, incoming);
  g_assert_cmpstr (json_object_get_string_member (server, "prettyName"), ==, email);
  g_assert_cmpuint (json_array_get_length (identities), ==, 1);
  identity = json_array_get_object_element (identities, 0);
  g_assert_cmpstr (json_object_get_string_member (identity, "fullName"), ==, full_name);
  g_assert_cmpstr (json_object_get_string_member (identity, "email"), ==, email);
  g_assert_true (json_object_get_boolean_member (identity, "valid"));
  g_assert_true (json_object_has_member (identity, "outgoing"));
  smtp = json_object_get_object_member (identity, "outgoing");
  assert_server (smtp, outgoing);
  g_assert_cmpstr (json_object_get_string_member (smtp, "type"), ==, "smtp");
  g_assert_cmpstr (json_object_get_string_member (smtp, "description"), ==, email);
}

/* Thunderbird rewrote prefs.js from memory and kept what we wrote. It adds Local Folders, and
 * later exports add accounts, so the account and SMTP lists and lastKey may have grown. */
static void
assert_rewritten_prefs_keep (const char *prefs_path,
                             GBytes     *ours)
{
  g_autoptr (GBytes) bytes = tb_test_read_bytes (prefs_path);
  g_autoptr (MsPrefsJs) written = tb_test_parse (ours);
  g_autoptr (MsPrefsJs) rewritten = tb_test_parse (bytes);
  g_autoptr (GPtrArray) names = ms_prefs_js_list_names (written);
  gint32 ours_last_key = 0;
  gint32 last_key = 0;

  g_assert_true (g_str_has_prefix (g_bytes_get_data (bytes, NULL), "// Mozilla User Preferences"));
  g_assert_true (ms_prefs_js_has_pref (rewritten, "mail.accountmanager.localfoldersserver"));

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      if (g_str_equal (name, "mail.account.lastKey"))
        {
          g_assert_true (ms_prefs_js_get_int (written, name, &ours_last_key));
          g_assert_true (ms_prefs_js_get_int (rewritten, name, &last_key));
          g_assert_cmpint (last_key, >=, ours_last_key);
        }
      else if (g_str_equal (name, "mail.accountmanager.accounts") ||
               g_str_equal (name, "mail.smtpservers"))
        {
          g_assert_true (g_str_has_prefix (ms_prefs_js_get_string (rewritten, name),
                                           ms_prefs_js_get_string (written, name)));
        }
      else
        {
          g_assert_true (ms_prefs_js_has_user_value (rewritten, name));
          g_assert_cmpint (ms_prefs_js_get_pref_type (rewritten, name), ==,
                           ms_prefs_js_get_pref_type (written, name));
          if (ms_prefs_js_get_pref_type (written, name) == MS_PREFS_JS_TYPE_STRING)
            g_assert_cmpstr (ms_prefs_js_get_string (rewritten, name), ==,
                             ms_prefs_js_get_string (written, name));
          else
            {
              gint32 a = 0;
              gint32 b = 0;
              gboolean flag_a = FALSE;
              gboolean flag_b = FALSE;

              if (ms_prefs_js_get_int (written, name, &a))
                {
                  g_assert_true (ms_prefs_js_get_int (rewritten, name, &b));
                  g_assert_cmpint (a, ==, b);
                }
              else
                {
                  g_assert_true (ms_prefs_js_get_bool (written, name, &flag_a));
                  g_assert_true (ms_prefs_js_get_bool (rewritten, name, &flag_b));
                  g_assert_cmpint (flag_a, ==, flag_b);
                }
            }
        }
    }
}

static char *
get_script (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "thunderbird", name, NULL);
}

static GBytes *
get_written_prefs (MsExportReport *report)
{
  const MsExportChange *change = ms_export_report_get_change (report, 0);

  g_assert_true (g_str_has_suffix (change->target, "/prefs.js"));
  return g_bytes_ref (change->content);
}

/* No profile at all: ours is created, and Thunderbird's first start adopts it instead of making
 * its own. */
static void
test_new_profile (void)
{
  g_autofree char *skip = get_skip_reason ();
  const char *home = g_get_home_dir ();
  g_autofree char *script = get_script ("report-accounts.js");
  g_autofree char *report_path = g_build_filename (home, "report.json", NULL);
  g_autofree char *profiles_ini = g_build_filename (home, ".thunderbird", "profiles.ini", NULL);
  g_autoptr (MsServerConfig) incoming =
    ms_server_config_new_from_spec ("imap:tls:imap.example.com:993", NULL);
  g_autoptr (MsServerConfig) outgoing =
    ms_server_config_new_from_spec ("smtp:starttls:smtp.example.com:587", NULL);
  g_autoptr (MsAccount) account = NULL;
  g_autoptr (MsExportReport) export_report = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) report = NULL;
  g_autoptr (GKeyFile) ini = g_key_file_new ();
  g_autoptr (GBytes) ours = NULL;
  g_autofree char *key = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *install_default = NULL;
  g_auto (ThunderbirdRun) run = { 0 };
  g_auto (GStrv) groups = NULL;
  const ExpectedServer expected_incoming = { "imap", "imap.example.com", 993, 3,
                                             "zoe@example.com", 3 };
  const ExpectedServer expected_outgoing = { NULL, "smtp.example.com", 587, 2,
                                             "zoe@example.com", 3 };
  int lock_fd;

  if (skip != NULL)
    {
      g_test_skip (skip);
      return;
    }

  ms_server_config_set_username (incoming, "zoe@example.com");
  ms_server_config_set_username (outgoing, "zoe@example.com");
  account = ms_account_new ("Zo\xc3\xab Test", "zoe@example.com", incoming, outgoing);
  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  export_report = ms_thunderbird_export (account, NULL, FALSE, &key, &error);
  g_assert_no_error (error);
  profile = g_path_get_dirname (ms_export_report_get_change (export_report, 0)->target);
  ours = get_written_prefs (export_report);

  lock_fd = install_hook ();
  run_thunderbird (home, NULL, script, report_path, &run);
  uninstall_hook (lock_fd);

  assert_run_ok (&run, report_path);
  report = load_report (report_path);
  g_test_message ("Thunderbird %s loaded %s", json_object_get_string_member (report, "version"),
                  json_object_get_string_member (report, "profile"));
  g_assert_cmpstr (json_object_get_string_member (report, "profile"), ==, profile);
  g_assert_cmpstr (json_object_get_string_member (report, "defaultAccount"), ==, key);
  assert_loaded (report, key, "Zo\xc3\xab Test", "zoe@example.com", &expected_incoming,
                 &expected_outgoing);
  g_assert_cmpstr (json_object_get_string_member (report, "defaultOutgoingServer"), ==, "smtp1");

  assert_rewritten_prefs_keep (ms_export_report_get_change (export_report, 0)->target, ours);

  /* Thunderbird made our profile its own: its Install section names it now. */
  g_key_file_load_from_file (ini, profiles_ini, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  groups = g_key_file_get_groups (ini, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (g_str_has_prefix (groups[i], "Install"))
      install_default = g_key_file_get_string (ini, groups[i], "Default", NULL);
  g_assert_nonnull (install_default);
  g_assert_true (g_str_has_suffix (profile, install_default));
  g_assert_false (g_key_file_has_group (ini, "Profile1"));
}

/* A profile made by Thunderbird's own first start (with its empty decoy): the export finds the
 * profile Thunderbird really uses, and Thunderbird loads a POP3 and an OAuth2 account from it. */
static void
test_existing_profile (void)
{
  g_autofree char *skip = get_skip_reason ();
  const char *home = g_get_home_dir ();
  g_autofree char *script = get_script ("report-accounts.js");
  g_autofree char *first_report_path = g_build_filename (home, "first.json", NULL);
  g_autofree char *report_path = g_build_filename (home, "report.json", NULL);
  g_autoptr (MsAccount) pop3 = tb_test_account_new (TB_TEST_ACCOUNT_POP3);
  g_autoptr (MsAccount) oauth2 = tb_test_account_new (TB_TEST_ACCOUNT_OAUTH2);
  g_autoptr (MsExportReport) pop3_report = NULL;
  g_autoptr (MsExportReport) oauth2_report = NULL;
  g_autoptr (MsThunderbirdProfile) profile = NULL;
  g_autoptr (GPtrArray) profiles = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) first_report = NULL;
  g_autoptr (JsonObject) report = NULL;
  g_autoptr (GBytes) pop3_prefs = NULL;
  g_autoptr (GBytes) oauth2_prefs = NULL;
  g_autofree char *pop3_key = NULL;
  g_autofree char *oauth2_key = NULL;
  g_auto (ThunderbirdRun) first_run = { 0 };
  g_auto (ThunderbirdRun) run = { 0 };
  const ExpectedServer pop3_incoming = { "pop3", "pop.example.com", 995, 3, "test", 3 };
  const ExpectedServer pop3_outgoing = { NULL, "smtp.example.com", 465, 3, "test", 3 };
  const ExpectedServer oauth2_incoming = { "imap", "imap.gmail.com", 993, 3, "someone@gmail.com",
                                           10 };
  const ExpectedServer oauth2_outgoing = { NULL, "smtp.gmail.com", 465, 3, "someone@gmail.com",
                                           10 };
  JsonArray *identities;
  int lock_fd;

  if (skip != NULL)
    {
      g_test_skip (skip);
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);

  lock_fd = install_hook ();
  run_thunderbird (home, NULL, script, first_report_path, &first_run);
  uninstall_hook (lock_fd);
  assert_run_ok (&first_run, first_report_path);
  first_report = load_report (first_report_path);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (first_report,
                                                                         "accounts")),
                    ==, 0);

  /* Thunderbird made two profiles; the one it uses is the one its Install section names. */
  profiles = ms_thunderbird_find_profiles (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, ==, 2);
  profile = ms_thunderbird_find_default_profile (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_thunderbird_profile_get_path (profile), ==,
                   json_object_get_string_member (first_report, "profile"));

  pop3_report = ms_thunderbird_export (pop3, NULL, FALSE, &pop3_key, &error);
  g_assert_no_error (error);
  oauth2_report = ms_thunderbird_export (oauth2, NULL, FALSE, &oauth2_key, &error);
  g_assert_no_error (error);
  pop3_prefs = get_written_prefs (pop3_report);
  oauth2_prefs = get_written_prefs (oauth2_report);

  lock_fd = install_hook ();
  run_thunderbird (home, NULL, script, report_path, &run);
  uninstall_hook (lock_fd);

  assert_run_ok (&run, report_path);
  report = load_report (report_path);
  g_assert_cmpstr (json_object_get_string_member (report, "profile"), ==,
                   ms_thunderbird_profile_get_path (profile));
  assert_loaded (report, pop3_key, "Test User", "test@example.com", &pop3_incoming,
                 &pop3_outgoing);
  g_assert_true (json_object_get_boolean_member (
    json_object_get_object_member (find_account (report, pop3_key), "server"), "leaveOnServer"));
  assert_loaded (report, oauth2_key, "Someone", "someone@gmail.com", &oauth2_incoming,
                 &oauth2_outgoing);
  g_assert_cmpstr (json_object_get_string_member (report, "defaultAccount"), ==, pop3_key);
  identities = json_object_get_array_member (find_account (report, oauth2_key), "identities");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (identities, 0),
                                                  "smtpServerKey"),
                   !=, "smtp1");

  assert_rewritten_prefs_keep (ms_export_report_get_change (oauth2_report, 0)->target,
                               pop3_prefs);
  assert_rewritten_prefs_keep (ms_export_report_get_change (oauth2_report, 0)->target,
                               oauth2_prefs);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  atexit (remove_hook);

  g_test_add_func ("/thunderbird/client/new-profile", test_new_profile);
  g_test_add_func ("/thunderbird/client/existing-profile", test_existing_profile);

  return g_test_run ();
}
