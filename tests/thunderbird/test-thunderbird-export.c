/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "thunderbird-test-util.h"

/* Exporting into prefs.js: every original byte stays, the new prefs are exactly the expected
 * ones, a second export changes nothing, and a profile Thunderbird has open, an unwritable or full
 * disk, or a file appending would not work with is left alone. */

typedef struct
{
  const char       *corpus;   /* data/<corpus>, or NULL for the generated 5 MiB file */
  const char       *expected; /* data/expected/<expected>.js */
  TbTestAccountKind account;
} MergeCase;

#define BIG_SIZE (5 * 1024 * 1024)

static GBytes *
make_big_prefs (void)
{
  g_autofree char *path = tb_test_data_path ("imap.js");
  g_autoptr (GBytes) imap = tb_test_read_bytes (path);
  g_autoptr (GString) text = g_string_new_len (g_bytes_get_data (imap, NULL),
                                               g_bytes_get_size (imap));

  for (guint i = 0; text->len < BIG_SIZE; i++)
    g_string_append_printf (text,
                            "user_pref(\"extensions.mail-setup-filler.item%07u\", "
                            "\"%07u: filler text so that the file reaches five megabytes\");\n",
                            i, i);
  return g_string_free_to_bytes (g_steal_pointer (&text));
}

static GBytes *
load_case (const MergeCase *test_case)
{
  g_autofree char *path = NULL;

  if (test_case->corpus == NULL)
    return make_big_prefs ();
  path = tb_test_data_path (test_case->corpus);
  return tb_test_read_bytes (path);
}

static MsPrefsJs *
load_expected (const char *name)
{
  g_autofree char *file = g_strconcat ("expected/", name, ".js", NULL);
  g_autofree char *path = tb_test_data_path (file);
  g_autoptr (GBytes) bytes = tb_test_read_bytes (path);

  return tb_test_parse (bytes);
}

static gboolean
bytes_start_with (GBytes *bytes,
                  GBytes *prefix)
{
  return g_bytes_get_size (bytes) >= g_bytes_get_size (prefix) &&
         memcmp (g_bytes_get_data (bytes, NULL), g_bytes_get_data (prefix, NULL),
                 g_bytes_get_size (prefix)) == 0;
}

static void
assert_bytes_equal (GBytes *a,
                    GBytes *b)
{
  g_assert_cmpuint (g_bytes_get_size (a), ==, g_bytes_get_size (b));
  g_assert_true (g_bytes_equal (a, b));
}

static void
test_merge (gconstpointer data)
{
  const MergeCase *test_case = data;
  g_autoptr (GBytes) original = load_case (test_case);
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", original);
  g_autofree char *prefs_path = g_build_filename (profile, "prefs.js", NULL);
  g_autoptr (MsAccount) account = tb_test_account_new (test_case->account);
  g_autoptr (MsExportReport) dry = NULL;
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (MsExportReport) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dry_key = NULL;
  g_autofree char *key = NULL;
  g_autofree char *again_key = NULL;
  g_autofree char *server_pref = NULL;
  g_autoptr (GBytes) after_dry = NULL;
  g_autoptr (GBytes) result = NULL;
  g_autoptr (GBytes) after_again = NULL;
  g_autoptr (GBytes) backup = NULL;
  g_autoptr (MsPrefsJs) expected = load_expected (test_case->expected);
  g_autoptr (MsPrefsJs) before_prefs = tb_test_parse (original);
  g_autoptr (MsPrefsJs) appended_prefs = NULL;
  g_autoptr (MsPrefsJs) result_prefs = NULL;
  g_autoptr (MsPrefsJs) changed = NULL;
  g_auto (GStrv) backups = NULL;
  g_auto (GStrv) listing = NULL;
  const MsExportChange *change;
  GBytes *appendix;
  g_autofree char *backup_path = NULL;
  GStatBuf st;

  g_assert_cmpint (g_chmod (prefs_path, 0640), ==, 0);

  /* A dry run reports the change and touches nothing. */
  dry = ms_thunderbird_export (account, profile, TRUE, &dry_key, &error);
  g_assert_no_error (error);
  g_assert_true (ms_export_report_get_dry_run (dry));
  g_assert_cmpstr (ms_export_report_get_client (dry), ==, "thunderbird");
  g_assert_cmpuint (ms_export_report_get_n_changes (dry), ==, 2);
  after_dry = tb_test_read_bytes (prefs_path);
  assert_bytes_equal (after_dry, original);
  listing = tb_test_list_dir (profile);
  g_assert_cmpuint (g_strv_length (listing), ==, 1);

  report = ms_thunderbird_export (account, profile, FALSE, &key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, dry_key);
  g_assert_cmpuint (ms_export_report_get_n_changes (report), ==, 2);
  change = ms_export_report_get_change (report, 0);
  g_assert_cmpint (change->action, ==, MS_EXPORT_ACTION_APPEND);
  g_assert_cmpstr (change->target, ==, prefs_path);
  g_assert_nonnull (change->note);
  appendix = change->content;
  assert_bytes_equal (appendix, ms_export_report_get_change (dry, 0)->content);

  /* Every original byte, in place, then exactly the reported bytes. */
  result = tb_test_read_bytes (prefs_path);
  g_assert_true (bytes_start_with (result, original));
  g_assert_cmpuint (g_bytes_get_size (result), ==,
                    g_bytes_get_size (original) + g_bytes_get_size (appendix));
  g_assert_cmpint (memcmp ((const char *) g_bytes_get_data (result, NULL) +
                             g_bytes_get_size (original),
                           g_bytes_get_data (appendix, NULL), g_bytes_get_size (appendix)),
                   ==, 0);
  g_assert_cmpint (g_stat (prefs_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);

  /* The new prefs are exactly the expected ones, read back both alone and in the whole file. */
  appended_prefs = tb_test_parse (appendix);
  tb_test_assert_same_prefs (expected, appended_prefs);
  result_prefs = tb_test_parse (result);
  changed = tb_test_changed_prefs (before_prefs, result_prefs);
  tb_test_assert_same_prefs (expected, changed);
  g_assert_cmpuint (ms_prefs_js_get_n_errors (result_prefs), ==,
                    ms_prefs_js_get_n_errors (before_prefs));
  server_pref = g_strdup_printf ("mail.account.%s.server", key);
  g_assert_true (ms_prefs_js_has_pref (expected, server_pref));

  /* A CRLF file gets CRLF lines. */
  if (g_strstr_len (g_bytes_get_data (original, NULL), g_bytes_get_size (original), "\r\n") !=
      NULL)
    {
      const char *text = g_bytes_get_data (appendix, NULL);

      for (gsize i = 0; i < g_bytes_get_size (appendix); i++)
        if (text[i] == '\n')
          g_assert_cmpint (text[i - 1], ==, '\r');
    }

  /* The old file is kept next to it. */
  backups = tb_test_list_backups (profile);
  g_assert_cmpuint (g_strv_length (backups), ==, 1);
  backup_path = g_build_filename (profile, backups[0], NULL);
  g_assert_cmpstr (ms_export_report_get_change (report, 1)->target, ==, backup_path);
  g_assert_cmpint (ms_export_report_get_change (report, 1)->action, ==, MS_EXPORT_ACTION_CREATE);
  backup = tb_test_read_bytes (backup_path);
  assert_bytes_equal (backup, original);
  g_strfreev (listing);
  listing = tb_test_list_dir (profile);
  g_assert_cmpuint (g_strv_length (listing), ==, 2);

  /* The same account again: reported, not added. */
  again = ms_thunderbird_export (account, profile, FALSE, &again_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again_key, ==, key);
  g_assert_cmpuint (ms_export_report_get_n_changes (again), ==, 1);
  g_assert_cmpint (ms_export_report_get_change (again, 0)->action, ==, MS_EXPORT_ACTION_UNCHANGED);
  g_assert_nonnull (strstr (ms_export_report_get_change (again, 0)->note, key));
  after_again = tb_test_read_bytes (prefs_path);
  assert_bytes_equal (after_again, result);
  g_strfreev (listing);
  listing = tb_test_list_dir (profile);
  g_assert_cmpuint (g_strv_length (listing), ==, 2);
}

static const MergeCase merge_cases[] = {
  { "fresh.js", "fresh", TB_TEST_ACCOUNT_IMAP },
  { "empty.js", "empty", TB_TEST_ACCOUNT_IMAP },
  { "imap.js", "imap", TB_TEST_ACCOUNT_IMAP },
  { "pop3.js", "pop3", TB_TEST_ACCOUNT_POP3 },
  { "deleted.js", "deleted", TB_TEST_ACCOUNT_IMAP },
  { "latin1.js", "latin1", TB_TEST_ACCOUNT_OAUTH2 },
  { "smtp-leftovers.js", "smtp-leftovers", TB_TEST_ACCOUNT_CRAM_MD5 },
  { "comments.js", "comments", TB_TEST_ACCOUNT_IMAP },
  { "escapes.js", "escapes", TB_TEST_ACCOUNT_UNICODE },
  { "crlf.js", "crlf", TB_TEST_ACCOUNT_IMAP },
  { "default-prefs.js", "default-prefs", TB_TEST_ACCOUNT_IMAP },
  { "lastkey-missing.js", "lastkey-missing", TB_TEST_ACCOUNT_IMAP },
  { "malformed.js", "malformed", TB_TEST_ACCOUNT_POP3 },
  { NULL, "big", TB_TEST_ACCOUNT_IMAP },
};

static const char *const merge_names[] = {
  "fresh-profile", "empty-file", "imap-account", "pop3-account", "deleted-account",
  "latin1-oauth2", "smtp-leftovers", "comments", "escapes", "crlf", "default-prefs",
  "lastkey-missing", "malformed", "5-mib",
};

G_STATIC_ASSERT (G_N_ELEMENTS (merge_cases) == G_N_ELEMENTS (merge_names));

/* An account Thunderbird has already, written with another case and a trailing dot. */
static void
test_existing_account_unchanged (void)
{
  g_autofree char *path = tb_test_data_path ("duplicate.js");
  g_autoptr (GBytes) original = tb_test_read_bytes (path);
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", original);
  g_autofree char *prefs_path = g_build_filename (profile, "prefs.js", NULL);
  g_autoptr (MsServerConfig) incoming =
    ms_server_config_new_from_spec ("imap:tls:imap.example.org:993", NULL);
  g_autoptr (MsServerConfig) outgoing =
    ms_server_config_new_from_spec ("smtp:starttls:smtp.example.org:587", NULL);
  g_autoptr (MsAccount) account = NULL;
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *key = NULL;
  g_autoptr (GBytes) after = NULL;
  g_auto (GStrv) listing = NULL;

  ms_server_config_set_username (incoming, "alice@example.org");
  account = ms_account_new ("Alice", "alice@example.org", incoming, outgoing);

  report = ms_thunderbird_export (account, profile, FALSE, &key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "account1");
  g_assert_cmpuint (ms_export_report_get_n_changes (report), ==, 1);
  g_assert_cmpint (ms_export_report_get_change (report, 0)->action, ==, MS_EXPORT_ACTION_UNCHANGED);
  g_assert_null (ms_export_report_get_change (report, 0)->content);
  after = tb_test_read_bytes (prefs_path);
  g_assert_true (g_bytes_equal (after, original));
  listing = tb_test_list_dir (profile);
  g_assert_cmpuint (g_strv_length (listing), ==, 1);

  /* Another user on the same server is another account. */
  ms_server_config_set_username (incoming, "bob@example.org");
  g_clear_pointer (&key, g_free);
  g_clear_pointer (&report, ms_export_report_unref);
  report = ms_thunderbird_export (account, profile, TRUE, &key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "account2");
}

/* ---- a profile Thunderbird has open --------------------------------------------------------- */

static void
assert_refused_untouched (const char *profile,
                          GBytes     *original,
                          guint       n_files)
{
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autofree char *prefs_path = g_build_filename (profile, "prefs.js", NULL);
  g_autoptr (GBytes) after = NULL;
  g_auto (GStrv) listing = NULL;

  for (guint dry_run = 0; dry_run <= 1; dry_run++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MsExportReport) report = NULL;

      report = ms_thunderbird_export (account, profile, dry_run, NULL, &error);
      g_assert_null (report);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
      g_assert_nonnull (strstr (error->message, "Close Thunderbird"));
    }

  after = tb_test_read_bytes (prefs_path);
  g_assert_true (g_bytes_equal (after, original));
  listing = tb_test_list_dir (profile);
  g_assert_cmpuint (g_strv_length (listing), ==, n_files);
}

static GBytes *
read_imap_sample (void)
{
  g_autofree char *path = tb_test_data_path ("imap.js");

  return tb_test_read_bytes (path);
}

static void
make_lock_symlink (const char *profile,
                   GPid        pid)
{
  g_autofree char *link = g_build_filename (profile, "lock", NULL);
  g_autofree char *target = g_strdup_printf ("127.0.1.1:+%d", (int) pid);

  g_assert_cmpint (symlink (target, link), ==, 0);
}

static void
test_in_use_parentlock_and_symlink (void)
{
  g_autoptr (GBytes) original = read_imap_sample ();
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", original);
  g_autoptr (GSubprocess) holder = tb_test_hold_parentlock (profile);
  GPid pid = 0;

  make_lock_symlink (profile, atoi (g_subprocess_get_identifier (holder)));
  g_assert_true (ms_thunderbird_profile_path_is_in_use (profile, &pid));
  g_assert_cmpint (pid, ==, atoi (g_subprocess_get_identifier (holder)));
  assert_refused_untouched (profile, original, 3);
  tb_test_release_parentlock (holder);
}

static void
test_in_use_parentlock (void)
{
  g_autoptr (GBytes) original = read_imap_sample ();
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", original);
  g_autoptr (GSubprocess) holder = tb_test_hold_parentlock (profile);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;

  assert_refused_untouched (profile, original, 2);
  tb_test_release_parentlock (holder);

  /* Once Thunderbird is gone the same export goes through; .parentlock stays, as it always
   * does. */
  report = ms_thunderbird_export (account, profile, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
}

static void
test_in_use_live_symlink (void)
{
  g_autoptr (GBytes) original = read_imap_sample ();
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", original);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) sleeper =
    g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "600", NULL);

  g_assert_no_error (error);
  make_lock_symlink (profile, atoi (g_subprocess_get_identifier (sleeper)));
  assert_refused_untouched (profile, original, 2);
  g_subprocess_force_exit (sleeper);
  g_subprocess_wait (sleeper, NULL, NULL);
}

/* Thunderbird leaves the symlink behind when it quits: a dead pid does not block. */
static void
test_stale_symlink_does_not_block (void)
{
  g_autoptr (GBytes) original = read_imap_sample ();
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", original);
  g_autofree char *parentlock = g_build_filename (profile, ".parentlock", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  int status = 0;
  pid_t pid;

  /* A pid that was alive a moment ago and is gone now. */
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  make_lock_symlink (profile, pid);
  tb_test_write_bytes (parentlock, empty);

  g_assert_false (ms_thunderbird_profile_path_is_in_use (profile, NULL));
  report = ms_thunderbird_export (account, profile, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ms_export_report_get_change (report, 0)->action, ==, MS_EXPORT_ACTION_APPEND);
}

/* ---- files appending would not work with ---------------------------------------------------- */

static void
assert_invalid_untouched (const char *contents,
                          gsize       length,
                          const char *message_part)
{
  g_autoptr (GBytes) original = g_bytes_new (contents, length);
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", original);
  g_autofree char *prefs_path = g_build_filename (profile, "prefs.js", NULL);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) after = NULL;
  g_auto (GStrv) listing = NULL;

  report = ms_thunderbird_export (account, profile, FALSE, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, prefs_path));
  g_assert_nonnull (strstr (error->message, message_part));
  after = tb_test_read_bytes (prefs_path);
  g_assert_true (g_bytes_equal (after, original));
  listing = tb_test_list_dir (profile);
  g_assert_cmpuint (g_strv_length (listing), ==, 1);
  g_assert_cmpint (g_rmdir (profile), !=, 0);
}

static void
test_refuses_incomplete_tail (void)
{
  static const char truncated[] = "user_pref(\"a\", 1);\nuser_pref(\"mail.account.lastKey\", 1";
  static const char comment[] = "user_pref(\"a\", 1);\n/* never closed\n";
  static const char nul[] = "user_pref(\"a\", 1);\n\0user_pref(\"b\", 1);\n";
  g_autofree char *prefs_path = g_build_filename (g_get_home_dir (), "profile", "prefs.js", NULL);

  assert_invalid_untouched (truncated, sizeof truncated - 1, "line 2");
  g_assert_cmpint (g_unlink (prefs_path), ==, 0);
  assert_invalid_untouched (comment, sizeof comment - 1, "line 2");
  g_assert_cmpint (g_unlink (prefs_path), ==, 0);
  assert_invalid_untouched (nul, sizeof nul - 1, "NUL");
}

static void
test_prefs_is_a_directory (void)
{
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", NULL);
  g_autofree char *prefs_path = g_build_filename (profile, "prefs.js", NULL);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) listing = NULL;

  g_assert_cmpint (g_mkdir (prefs_path, 0700), ==, 0);
  report = ms_thunderbird_export (account, profile, FALSE, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  listing = tb_test_list_dir (profile);
  g_assert_cmpuint (g_strv_length (listing), ==, 1);
  g_assert_true (g_file_test (prefs_path, G_FILE_TEST_IS_DIR));
}

/* Writes fail with EFBIG past RLIMIT_FSIZE, a real kernel limit like a full disk: the backup
 * (as big as the original) fits, the new prefs.js does not. In a child process, so that the limit
 * binds nothing else. */
static void
test_write_fails_original_intact (void)
{
  g_autoptr (GBytes) original = read_imap_sample ();
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", original);
  g_autofree char *prefs_path = g_build_filename (profile, "prefs.js", NULL);
  g_autoptr (GBytes) after = NULL;
  g_auto (GStrv) listing = NULL;
  int status = 0;
  pid_t child;

  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
      g_autoptr (GError) error = NULL;
      MsExportReport *report;
      struct rlimit limit = { g_bytes_get_size (original) + 16, RLIM_INFINITY };

      signal (SIGXFSZ, SIG_IGN);
      if (setrlimit (RLIMIT_FSIZE, &limit) != 0)
        _exit (2);
      report = ms_thunderbird_export (account, profile, FALSE, NULL, &error);
      if (report != NULL)
        _exit (3);
      /* GLib has no code of its own for EFBIG: "Failed to write file …: File too large". */
      _exit (error != NULL && error->domain == G_FILE_ERROR &&
                 strstr (error->message, g_strerror (EFBIG)) != NULL
               ? 0
               : 4);
    }
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  after = tb_test_read_bytes (prefs_path);
  g_assert_true (g_bytes_equal (after, original));
  /* Neither the temporary file nor the backup stays behind. */
  listing = tb_test_list_dir (profile);
  g_assert_cmpuint (g_strv_length (listing), ==, 1);
  g_assert_cmpstr (listing[0], ==, "prefs.js");
}

/* A real full disk: a 64 KiB tmpfs holding a 24 KiB prefs.js, so that the backup still fits but
 * the new file does not. Needs CAP_SYS_ADMIN; skipped without it. */
static void
test_full_disk_original_intact (void)
{
  g_autofree char *mount_point = g_build_filename (g_get_home_dir (), "small-disk", NULL);
  g_autofree char *profile = NULL;
  g_autofree char *prefs_path = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GBytes) original = NULL;
  g_autoptr (GBytes) after = NULL;
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) listing = NULL;

  g_assert_cmpint (g_mkdir_with_parents (mount_point, 0700), ==, 0);
  if (mount ("tmpfs", mount_point, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700") != 0)
    {
      g_autofree char *reason = g_strdup_printf ("cannot mount a tmpfs here: %s",
                                                 g_strerror (errno));

      g_test_skip (reason);
      return;
    }

  g_string_append (text, "user_pref(\"mail.account.lastKey\", 1);\n");
  while (text->len < 24 * 1024)
    g_string_append_printf (text, "user_pref(\"filler.%05" G_GSIZE_FORMAT "\", \"%s\");\n",
                            text->len, "some text to fill the small disk");
  original = g_string_free_to_bytes (g_steal_pointer (&text));
  profile = tb_test_make_profile (mount_point, "profile", original);
  prefs_path = g_build_filename (profile, "prefs.js", NULL);

  report = ms_thunderbird_export (account, profile, FALSE, NULL, &error);
  after = tb_test_read_bytes (prefs_path);
  listing = tb_test_list_dir (profile);
  /* Unmount before asserting, so that a failure leaves no mount behind. */
  g_assert_cmpint (umount (mount_point), ==, 0);

  g_assert_null (report);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
  g_assert_true (g_bytes_equal (after, original));
  g_assert_cmpuint (g_strv_length (listing), ==, 1);
  g_assert_cmpstr (listing[0], ==, "prefs.js");
}

/* A dotfile manager's symlink stays a symlink; the file it points to gets the prefs. */
static void
test_symlinked_prefs (void)
{
  g_autoptr (GBytes) original = read_imap_sample ();
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", NULL);
  g_autofree char *dotfiles = tb_test_make_profile (g_get_home_dir (), "dotfiles", original);
  g_autofree char *link = g_build_filename (profile, "prefs.js", NULL);
  g_autofree char *target = g_build_filename (dotfiles, "prefs.js", NULL);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) result = NULL;
  g_auto (GStrv) backups = NULL;

  g_assert_cmpint (symlink ("../dotfiles/prefs.js", link), ==, 0);
  report = ms_thunderbird_export (account, profile, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_assert_cmpstr (ms_export_report_get_change (report, 0)->target, ==, target);
  result = tb_test_read_bytes (target);
  g_assert_true (bytes_start_with (result, original));
  g_assert_cmpuint (g_bytes_get_size (result), >, g_bytes_get_size (original));
  backups = tb_test_list_backups (profile);
  g_assert_cmpuint (g_strv_length (backups), ==, 1);
}

static void
test_missing_profile (void)
{
  g_autofree char *profile = g_build_filename (g_get_home_dir (), "nowhere", NULL);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;

  report = ms_thunderbird_export (account, profile, FALSE, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false (g_file_test (profile, G_FILE_TEST_EXISTS));
}

static void
test_incomplete_account (void)
{
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", NULL);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) listing = NULL;

  ms_account_set_display_name (account, " ");
  report = ms_thunderbird_export (account, profile, FALSE, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT);
  listing = tb_test_list_dir (profile);
  g_assert_cmpuint (g_strv_length (listing), ==, 0);
}

static void
test_password_notes (void)
{
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "profile", NULL);
  g_autoptr (MsAccount) password = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsAccount) oauth2 = tb_test_account_new (TB_TEST_ACCOUNT_OAUTH2);
  g_autoptr (MsExportReport) password_report = NULL;
  g_autoptr (MsExportReport) oauth2_report = NULL;
  g_autoptr (GError) error = NULL;
  const MsExportChange *change;

  /* A profile without prefs.js (never started) gets a new one. */
  password_report = ms_thunderbird_export (password, profile, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_export_report_get_n_changes (password_report), ==, 1);
  change = ms_export_report_get_change (password_report, 0);
  g_assert_cmpint (change->action, ==, MS_EXPORT_ACTION_CREATE);
  g_assert_cmpstr (change->note, ==,
                   "Thunderbird asks for the password once, the first time it connects.");
  g_assert_null (g_strstr_len (g_bytes_get_data (change->content, NULL),
                               g_bytes_get_size (change->content), "assword\""));

  oauth2_report = ms_thunderbird_export (oauth2, profile, TRUE, NULL, &error);
  g_assert_no_error (error);
  change = ms_export_report_get_change (oauth2_report, 0);
  g_assert_nonnull (strstr (change->note, "sign-in"));
}

/* ---- no profile yet ------------------------------------------------------------------------- */

static char *
read_text (const char *path)
{
  g_autoptr (GBytes) bytes = tb_test_read_bytes (path);

  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
test_new_profile (void)
{
  g_autofree char *root = g_build_filename (g_get_home_dir (), ".thunderbird", NULL);
  g_autofree char *profiles_ini = g_build_filename (root, "profiles.ini", NULL);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) dry = NULL;
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (MsExportReport) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GKeyFile) ini = g_key_file_new ();
  g_autofree char *key = NULL;
  g_autofree char *again_key = NULL;
  g_autofree char *dir_name = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *prefs_path = NULL;
  g_autofree char *compatibility = NULL;
  g_autofree char *compatibility_path = NULL;
  g_autofree char *prefs_text = NULL;
  g_autofree char *expected_ini = NULL;
  g_autofree char *ini_text = NULL;
  g_autoptr (MsThunderbirdProfile) found = NULL;
  g_autoptr (MsPrefsJs) prefs = NULL;
  g_autoptr (MsPrefsJs) expected = load_expected ("fresh");
  g_autoptr (GBytes) prefs_bytes = NULL;
  const MsExportChange *change;
  GStatBuf st;

  /* A dry run plans it and creates nothing. */
  dry = ms_thunderbird_export (account, NULL, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_export_report_get_n_changes (dry), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (ms_export_report_get_change (dry, i)->action, ==, MS_EXPORT_ACTION_CREATE);
  g_assert_cmpstr (ms_export_report_get_change (dry, 2)->target, ==, profiles_ini);
  g_assert_false (g_file_test (root, G_FILE_TEST_EXISTS));

  report = ms_thunderbird_export (account, NULL, FALSE, &key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "account1");

  /* profiles.ini as Thunderbird writes it, naming the new profile as the default. */
  g_key_file_load_from_file (ini, profiles_ini, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  dir_name = g_key_file_get_string (ini, "Profile0", "Path", &error);
  g_assert_no_error (error);
  g_assert_true (g_regex_match_simple ("^[a-z0-9]{8}\\.default-release$", dir_name, 0, 0));
  expected_ini = g_strdup_printf ("[General]\nStartWithLastProfile=1\nVersion=2\n\n"
                                  "[Profile0]\nName=default-release\nIsRelative=1\nPath=%s\n"
                                  "Default=1\n\n",
                                  dir_name);
  ini_text = read_text (profiles_ini);
  g_assert_cmpstr (ini_text, ==, expected_ini);

  profile = g_build_filename (root, dir_name, NULL);
  g_assert_cmpint (g_stat (profile, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  compatibility_path = g_build_filename (profile, "compatibility.ini", NULL);
  compatibility = read_text (compatibility_path);
  g_assert_cmpstr (compatibility, ==, "[Compatibility]\n");
  prefs_path = g_build_filename (profile, "prefs.js", NULL);
  g_assert_cmpint (g_stat (prefs_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  prefs_bytes = tb_test_read_bytes (prefs_path);
  change = ms_export_report_get_change (report, 0);
  g_assert_cmpstr (change->target, ==, prefs_path);
  g_assert_true (g_bytes_equal (change->content, prefs_bytes));
  prefs = tb_test_parse (prefs_bytes);
  tb_test_assert_same_prefs (expected, prefs);
  prefs_text = read_text (prefs_path);
  g_assert_nonnull (strstr (prefs_text, "user_pref(\"mail.accountmanager.defaultaccount\", "
                                        "\"account1\");\n"));

  /* From now on it is the profile an export finds. */
  found = ms_thunderbird_find_default_profile (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_thunderbird_profile_get_path (found), ==, profile);
  again = ms_thunderbird_export (account, NULL, FALSE, &again_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again_key, ==, "account1");
  g_assert_cmpint (ms_export_report_get_change (again, 0)->action, ==, MS_EXPORT_ACTION_UNCHANGED);
}

/* A Flatpak Thunderbird that has never run still has its app data directory. */
static void
test_new_profile_flatpak (void)
{
  g_autofree char *app = g_build_filename (g_get_home_dir (), ".var", "app",
                                           "org.mozilla.Thunderbird", NULL);
  g_autofree char *root = g_build_filename (app, ".thunderbird", NULL);
  g_autofree char *profiles_ini = g_build_filename (root, "profiles.ini", NULL);
  g_autofree char *native = g_build_filename (g_get_home_dir (), ".thunderbird", NULL);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) profiles = NULL;

  g_assert_cmpint (g_mkdir_with_parents (app, 0700), ==, 0);
  report = ms_thunderbird_export (account, NULL, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (profiles_ini, G_FILE_TEST_IS_REGULAR));
  profiles = ms_thunderbird_find_profiles (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, ==, 1);
  g_assert_cmpint (ms_thunderbird_profile_get_installation (g_ptr_array_index (profiles, 0)), ==,
                   MS_THUNDERBIRD_INSTALLATION_FLATPAK);
  g_assert_false (g_file_test (native, G_FILE_TEST_EXISTS));
}

/* A profiles.ini whose profiles were all deleted gets one appended; its bytes stay. */
static void
test_new_profile_appends_to_empty_list (void)
{
  static const char original_text[] = "[General]\r\nStartWithLastProfile=1\r\nVersion=2";
  g_autofree char *root = g_build_filename (g_get_home_dir (), ".thunderbird", NULL);
  g_autofree char *profiles_ini = g_build_filename (root, "profiles.ini", NULL);
  g_autoptr (GBytes) original = g_bytes_new_static (original_text, sizeof original_text - 1);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) after = NULL;
  g_autoptr (MsThunderbirdProfile) found = NULL;
  const MsExportChange *change;

  g_assert_cmpint (g_mkdir_with_parents (root, 0700), ==, 0);
  tb_test_write_bytes (profiles_ini, original);
  report = ms_thunderbird_export (account, NULL, FALSE, NULL, &error);
  g_assert_no_error (error);
  change = ms_export_report_get_change (report, 2);
  g_assert_cmpint (change->action, ==, MS_EXPORT_ACTION_APPEND);
  after = tb_test_read_bytes (profiles_ini);
  g_assert_true (bytes_start_with (after, original));
  g_assert_cmpuint (g_bytes_get_size (after), ==,
                    g_bytes_get_size (original) + g_bytes_get_size (change->content));
  found = ms_thunderbird_find_default_profile (&error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
}

/* Profiles that no longer exist, or an install default: Thunderbird would not take ours. */
static void
test_new_profile_refuses_damaged_list (void)
{
  static const char original_text[] = "[General]\nVersion=2\n\n[Profile1]\nName=x\nPath=x\n";
  g_autofree char *root = g_build_filename (g_get_home_dir (), ".thunderbird", NULL);
  g_autofree char *profiles_ini = g_build_filename (root, "profiles.ini", NULL);
  g_autoptr (GBytes) original = g_bytes_new_static (original_text, sizeof original_text - 1);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) after = NULL;
  g_auto (GStrv) listing = NULL;

  g_assert_cmpint (g_mkdir_with_parents (root, 0700), ==, 0);
  tb_test_write_bytes (profiles_ini, original);
  report = ms_thunderbird_export (account, NULL, FALSE, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  after = tb_test_read_bytes (profiles_ini);
  g_assert_true (g_bytes_equal (after, original));
  listing = tb_test_list_dir (root);
  g_assert_cmpuint (g_strv_length (listing), ==, 1);
}

/* What Thunderbird 153 writes at its first start with an empty home: an empty "default" decoy
 * with Default=1 and the profile it really uses, named by the Install section. */
static const char first_start_profiles_ini[] =
  "[Profile1]\nName=default\nIsRelative=1\nPath=xhxycq1c.default\nDefault=1\n\n"
  "[InstallFDC34C9F024745EB]\nDefault=qfxx4efu.default-default\nLocked=1\n\n"
  "[Profile0]\nName=default-default\nIsRelative=1\nPath=qfxx4efu.default-default\n\n"
  "[General]\nStartWithLastProfile=1\nVersion=2\n\n";

static void
test_auto_uses_install_default (void)
{
  g_autofree char *root = g_build_filename (g_get_home_dir (), ".thunderbird", NULL);
  g_autofree char *profiles_ini = g_build_filename (root, "profiles.ini", NULL);
  g_autoptr (GBytes) ini = g_bytes_new_static (first_start_profiles_ini,
                                               sizeof first_start_profiles_ini - 1);
  g_autoptr (GBytes) original = read_imap_sample ();
  g_autofree char *decoy = tb_test_make_profile (root, "xhxycq1c.default", NULL);
  g_autofree char *used = tb_test_make_profile (root, "qfxx4efu.default-default", original);
  g_autofree char *used_prefs = g_build_filename (used, "prefs.js", NULL);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) decoy_listing = NULL;

  tb_test_write_bytes (profiles_ini, ini);
  report = ms_thunderbird_export (account, NULL, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_export_report_get_change (report, 0)->target, ==, used_prefs);
  decoy_listing = tb_test_list_dir (decoy);
  g_assert_cmpuint (g_strv_length (decoy_listing), ==, 0);
}

static void
test_auto_without_default (void)
{
  static const char text[] = "[General]\nVersion=2\n\n"
                             "[Profile0]\nName=a\nIsRelative=1\nPath=a\n\n"
                             "[Profile1]\nName=b\nIsRelative=1\nPath=b\n";
  g_autofree char *root = g_build_filename (g_get_home_dir (), ".thunderbird", NULL);
  g_autofree char *profiles_ini = g_build_filename (root, "profiles.ini", NULL);
  g_autoptr (GBytes) ini = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr (MsAccount) account = tb_test_account_new (TB_TEST_ACCOUNT_IMAP);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;

  g_free (tb_test_make_profile (root, "a", NULL));
  g_free (tb_test_make_profile (root, "b", NULL));
  tb_test_write_bytes (profiles_ini, ini);
  report = ms_thunderbird_export (account, NULL, FALSE, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int    argc,
      char **argv)
{
  if (tb_test_helper_main (argc, argv))
    return 0;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (merge_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/thunderbird/prefs/merge/", merge_names[i], NULL);

      g_test_add_data_func (path, &merge_cases[i], test_merge);
    }
  g_test_add_func ("/thunderbird/prefs/merge/existing-account-unchanged",
                   test_existing_account_unchanged);
  g_test_add_func ("/thunderbird/export/in-use/parentlock-and-symlink",
                   test_in_use_parentlock_and_symlink);
  g_test_add_func ("/thunderbird/export/in-use/parentlock", test_in_use_parentlock);
  g_test_add_func ("/thunderbird/export/in-use/live-symlink", test_in_use_live_symlink);
  g_test_add_func ("/thunderbird/export/stale-symlink-does-not-block",
                   test_stale_symlink_does_not_block);
  g_test_add_func ("/thunderbird/export/refuses-incomplete-tail", test_refuses_incomplete_tail);
  g_test_add_func ("/thunderbird/export/prefs-is-a-directory", test_prefs_is_a_directory);
  g_test_add_func ("/thunderbird/export/write-fails-original-intact",
                   test_write_fails_original_intact);
  g_test_add_func ("/thunderbird/export/full-disk-original-intact",
                   test_full_disk_original_intact);
  g_test_add_func ("/thunderbird/export/symlinked-prefs", test_symlinked_prefs);
  g_test_add_func ("/thunderbird/export/missing-profile", test_missing_profile);
  g_test_add_func ("/thunderbird/export/incomplete-account", test_incomplete_account);
  g_test_add_func ("/thunderbird/export/password-notes", test_password_notes);
  g_test_add_func ("/thunderbird/export/new-profile/native", test_new_profile);
  g_test_add_func ("/thunderbird/export/new-profile/flatpak", test_new_profile_flatpak);
  g_test_add_func ("/thunderbird/export/new-profile/appends-to-empty-list",
                   test_new_profile_appends_to_empty_list);
  g_test_add_func ("/thunderbird/export/new-profile/refuses-damaged-list",
                   test_new_profile_refuses_damaged_list);
  g_test_add_func ("/thunderbird/export/auto/uses-install-default",
                   test_auto_uses_install_default);
  g_test_add_func ("/thunderbird/export/auto/without-default", test_auto_without_default);

  return g_test_run ();
}
