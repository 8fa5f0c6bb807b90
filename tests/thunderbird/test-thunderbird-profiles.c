/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "thunderbird-test-util.h"

/* Which profile Thunderbird starts with, read from profiles.ini as Thunderbird reads it, in each
 * place a Thunderbird keeps its profiles; and whether a running one has it open. */

#define ROOT "/home/user/.thunderbird"

static GPtrArray *
parse (const char               *profiles_ini,
       const char               *installs_ini,
       MsThunderbirdInstallation installation)
{
  g_autoptr (GBytes) profiles = g_bytes_new (profiles_ini, strlen (profiles_ini));
  g_autoptr (GBytes) installs = installs_ini != NULL ? g_bytes_new (installs_ini,
                                                                    strlen (installs_ini))
                                                     : NULL;

  return ms_thunderbird_parse_profiles_ini (ROOT, installation, profiles, installs);
}

/* "name:path:*" for the default, "name:path" otherwise, joined with spaces. */
static char *
describe (GPtrArray *profiles)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; i < profiles->len; i++)
    {
      MsThunderbirdProfile *profile = g_ptr_array_index (profiles, i);

      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append_printf (out, "%s:%s%s", ms_thunderbird_profile_get_name (profile),
                              ms_thunderbird_profile_get_path (profile),
                              ms_thunderbird_profile_get_is_default (profile) ? ":*" : "");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct
{
  const char               *path;
  const char               *profiles_ini;
  const char               *installs_ini;
  MsThunderbirdInstallation installation;
  const char               *expected;
} ParseCase;

static const ParseCase parse_cases[] = {
  /* What Thunderbird 153 writes at its first start with an empty home. */
  { "install-section-over-decoy",
    "[Profile1]\nName=default\nIsRelative=1\nPath=xhxycq1c.default\nDefault=1\n\n"
    "[InstallFDC34C9F024745EB]\nDefault=qfxx4efu.default-default\nLocked=1\n\n"
    "[Profile0]\nName=default-default\nIsRelative=1\nPath=qfxx4efu.default-default\n\n"
    "[General]\nStartWithLastProfile=1\nVersion=2\n\n",
    NULL, MS_THUNDERBIRD_INSTALLATION_NATIVE,
    "default-default:" ROOT "/qfxx4efu.default-default:* default:" ROOT "/xhxycq1c.default" },
  { "out-of-order",
    "[Profile2]\nPath=c\nName=c\nIsRelative=1\n"
    "[Profile0]\nIsRelative=1\nName=a\nPath=a\n"
    "[General]\nVersion=2\n"
    "[Profile1]\nDefault=1\nName=b\nPath=b\nIsRelative=1\n",
    NULL, MS_THUNDERBIRD_INSTALLATION_NATIVE,
    "a:" ROOT "/a b:" ROOT "/b:* c:" ROOT "/c" },
  /* Thunderbird stops at the first number without IsRelative. */
  { "gap-ends-the-list",
    "[Profile0]\nName=a\nIsRelative=1\nPath=a\n\n[Profile2]\nName=c\nIsRelative=1\nPath=c\n",
    NULL, MS_THUNDERBIRD_INSTALLATION_NATIVE, "a:" ROOT "/a:*" },
  /* ... but skips one without Path or Name. */
  { "incomplete-section-skipped",
    "[Profile0]\nName=a\nIsRelative=1\n\n[Profile1]\nName=b\nIsRelative=1\nPath=b\n",
    NULL, MS_THUNDERBIRD_INSTALLATION_NATIVE, "b:" ROOT "/b:*" },
  { "several-without-default",
    "[Profile0]\nName=a\nIsRelative=1\nPath=a\n[Profile1]\nName=b\nIsRelative=1\nPath=b\n",
    NULL, MS_THUNDERBIRD_INSTALLATION_NATIVE, "a:" ROOT "/a b:" ROOT "/b" },
  { "absolute-path",
    "[Profile0]\nName=elsewhere\nIsRelative=0\nPath=/srv/profiles/x/../tb\nDefault=1\n"
    "[Profile1]\nName=relative-but-absolute-flag\nIsRelative=0\nPath=not/absolute\n",
    NULL, MS_THUNDERBIRD_INSTALLATION_NATIVE, "elsewhere:/srv/profiles/tb:*" },
  { "install-names-absolute-path",
    "[Profile0]\nName=a\nIsRelative=1\nPath=a\nDefault=1\n"
    "[Profile1]\nName=b\nIsRelative=0\nPath=/data/b\n"
    "[InstallAAAA]\nDefault=/data/b\n",
    NULL, MS_THUNDERBIRD_INSTALLATION_NATIVE, "a:" ROOT "/a b:/data/b:*" },
  /* An Install section naming a profile that is not listed is no help. */
  { "install-names-unknown-profile",
    "[Profile0]\nName=a\nIsRelative=1\nPath=a\nDefault=1\n"
    "[Profile1]\nName=b\nIsRelative=1\nPath=b\n"
    "[InstallAAAA]\nDefault=gone.default\n[InstallBBBB]\nDefault=\n",
    NULL, MS_THUNDERBIRD_INSTALLATION_NATIVE, "a:" ROOT "/a:* b:" ROOT "/b" },
  /* Old-style files (no Version) take their Install sections from installs.ini. */
  { "installs-ini-for-old-file",
    "[General]\nStartWithLastProfile=1\n\n"
    "[Profile0]\nName=a\nIsRelative=1\nPath=a\nDefault=1\n"
    "[Profile1]\nName=b\nIsRelative=1\nPath=b\n",
    "[FDC34C9F024745EB]\nDefault=b\nLocked=1\n", MS_THUNDERBIRD_INSTALLATION_NATIVE,
    "a:" ROOT "/a b:" ROOT "/b:*" },
  { "installs-ini-ignored-with-version",
    "[General]\nVersion=2\n\n"
    "[Profile0]\nName=a\nIsRelative=1\nPath=a\nDefault=1\n"
    "[Profile1]\nName=b\nIsRelative=1\nPath=b\n",
    "[FDC34C9F024745EB]\nDefault=b\n", MS_THUNDERBIRD_INSTALLATION_NATIVE,
    "a:" ROOT "/a:* b:" ROOT "/b" },
  /* The Snap has no dedicated profiles: Default=1 decides. */
  { "snap-uses-default-1",
    "[Profile0]\nName=a\nIsRelative=1\nPath=a\nDefault=1\n"
    "[Profile1]\nName=b\nIsRelative=1\nPath=b\n[InstallAAAA]\nDefault=b\n",
    NULL, MS_THUNDERBIRD_INSTALLATION_SNAP, "a:" ROOT "/a:* b:" ROOT "/b" },
  /* nsINIParser's quirks. */
  { "ini-quirks",
    "\xef\xbb\xbf; comment\n# comment\n"
    "[Profile0\nName=unclosed section still counts\nIsRelative=1\nPath=p0\n"
    "[Profile1] junk\nName=ignored\nIsRelative=1\nPath=ignored\n"
    "[Profile1]\r\n  Name=b\r\nIsRelative=1\r\n  # not a comment after blanks=1\r\n"
    "Path=p1\r\nPath =not this key\r\nDefault=1\r\nDefault=0\r\n"
    "[Profile1]\nDefault=1\n",
    NULL, MS_THUNDERBIRD_INSTALLATION_NATIVE,
    "unclosed section still counts:" ROOT "/p0 b:" ROOT "/p1:*" },
  { "empty", "", NULL, MS_THUNDERBIRD_INSTALLATION_NATIVE, "" },
};

static void
test_parse (gconstpointer data)
{
  const ParseCase *test_case = data;
  g_autoptr (GPtrArray) profiles = parse (test_case->profiles_ini, test_case->installs_ini,
                                          test_case->installation);
  g_autofree char *description = describe (profiles);

  g_assert_cmpstr (description, ==, test_case->expected);
  for (guint i = 0; i < profiles->len; i++)
    {
      MsThunderbirdProfile *profile = g_ptr_array_index (profiles, i);

      g_assert_cmpstr (ms_thunderbird_profile_get_root (profile), ==, ROOT);
      g_assert_cmpint (ms_thunderbird_profile_get_installation (profile), ==,
                       test_case->installation);
      g_assert_false (ms_thunderbird_profile_get_in_use (profile));
    }
}

static void
test_nul_ends_text (void)
{
  static const char text[] = "[Profile0]\nName=a\nIsRelative=1\nPath=a\n\0[Profile1]\nName=b\n"
                             "IsRelative=1\nPath=b\n";
  g_autoptr (GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr (GPtrArray) profiles =
    ms_thunderbird_parse_profiles_ini (ROOT, MS_THUNDERBIRD_INSTALLATION_NATIVE, bytes, NULL);

  g_assert_cmpuint (profiles->len, ==, 1);
}

/* ---- on disk -------------------------------------------------------------------------------- */

static char *
make_installation (const char *root_relative,
                   const char *profile_dir)
{
  g_autofree char *root = g_build_filename (g_get_home_dir (), root_relative, NULL);
  g_autofree char *ini = g_strdup_printf ("[General]\nStartWithLastProfile=1\nVersion=2\n\n"
                                          "[Profile0]\nName=default\nIsRelative=1\nPath=%s\n"
                                          "Default=1\n",
                                          profile_dir);
  g_autoptr (GBytes) ini_bytes = g_bytes_new (ini, strlen (ini));
  g_autoptr (GBytes) prefs = g_bytes_new_static ("", 0);
  g_autofree char *ini_path = g_build_filename (root, "profiles.ini", NULL);

  g_free (tb_test_make_profile (root, profile_dir, prefs));
  tb_test_write_bytes (ini_path, ini_bytes);
  return g_build_filename (root, profile_dir, NULL);
}

static void
set_prefs_mtime (const char *profile,
                 time_t      when)
{
  g_autofree char *prefs = g_build_filename (profile, "prefs.js", NULL);
  struct timeval times[2] = { { when, 0 }, { when, 0 } };

  g_assert_cmpint (utimes (prefs, times), ==, 0);
}

static void
test_locations (void)
{
  g_autofree char *native = make_installation (".thunderbird", "n.default");
  g_autofree char *flatpak = make_installation (".var/app/org.mozilla.Thunderbird/.thunderbird",
                                                "f.default");
  g_autofree char *snap = make_installation ("snap/thunderbird/common/.thunderbird", "s.default");
  g_autoptr (GPtrArray) profiles = NULL;
  g_autoptr (MsThunderbirdProfile) chosen = NULL;
  g_autoptr (GError) error = NULL;

  profiles = ms_thunderbird_find_profiles (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, ==, 3);
  g_assert_cmpstr (ms_thunderbird_profile_get_path (g_ptr_array_index (profiles, 0)), ==, native);
  g_assert_cmpstr (ms_thunderbird_profile_get_path (g_ptr_array_index (profiles, 1)), ==, flatpak);
  g_assert_cmpstr (ms_thunderbird_profile_get_path (g_ptr_array_index (profiles, 2)), ==, snap);
  g_assert_cmpint (ms_thunderbird_profile_get_installation (g_ptr_array_index (profiles, 1)), ==,
                   MS_THUNDERBIRD_INSTALLATION_FLATPAK);
  g_assert_cmpint (ms_thunderbird_profile_get_installation (g_ptr_array_index (profiles, 2)), ==,
                   MS_THUNDERBIRD_INSTALLATION_SNAP);

  /* The Thunderbird used last wins; on a tie, native before Flatpak before Snap. */
  set_prefs_mtime (native, 1000000000);
  set_prefs_mtime (flatpak, 1000000000);
  set_prefs_mtime (snap, 1000000000);
  chosen = ms_thunderbird_find_default_profile (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_thunderbird_profile_get_path (chosen), ==, native);
  g_clear_pointer (&chosen, ms_thunderbird_profile_unref);

  set_prefs_mtime (snap, 1000000100);
  chosen = ms_thunderbird_find_default_profile (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_thunderbird_profile_get_path (chosen), ==, snap);
}

static void
test_no_profiles (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) profiles = ms_thunderbird_find_profiles (&error);
  g_autoptr (MsThunderbirdProfile) chosen = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, ==, 0);
  chosen = ms_thunderbird_find_default_profile (&error);
  g_assert_no_error (error);
  g_assert_null (chosen);
}

/* A default whose directory is gone is skipped. */
static void
test_missing_directory_skipped (void)
{
  g_autofree char *native = make_installation (".thunderbird", "n.default");
  g_autofree char *flatpak = make_installation (".var/app/org.mozilla.Thunderbird/.thunderbird",
                                                "f.default");
  g_autofree char *prefs = g_build_filename (native, "prefs.js", NULL);
  g_autoptr (MsThunderbirdProfile) chosen = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_unlink (prefs), ==, 0);
  g_assert_cmpint (g_rmdir (native), ==, 0);
  chosen = ms_thunderbird_find_default_profile (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_thunderbird_profile_get_path (chosen), ==, flatpak);
}

static void
test_unreadable_list_is_an_error (void)
{
  g_autofree char *root = g_build_filename (g_get_home_dir (), ".thunderbird", NULL);
  g_autofree char *ini = g_build_filename (root, "profiles.ini", NULL);
  g_autoptr (GPtrArray) profiles = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (ini, 0700), ==, 0);
  profiles = ms_thunderbird_find_profiles (&error);
  g_assert_null (profiles);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
}

static void
test_in_use_flag (void)
{
  g_autofree char *native = make_installation (".thunderbird", "n.default");
  g_autoptr (GSubprocess) holder = tb_test_hold_parentlock (native);
  g_autoptr (GPtrArray) profiles = NULL;
  g_autoptr (MsThunderbirdProfile) custom = NULL;
  g_autoptr (GError) error = NULL;

  profiles = ms_thunderbird_find_profiles (&error);
  g_assert_no_error (error);
  g_assert_true (ms_thunderbird_profile_get_in_use (g_ptr_array_index (profiles, 0)));
  custom = ms_thunderbird_profile_new_for_path (native);
  g_assert_true (ms_thunderbird_profile_get_in_use (custom));
  g_assert_cmpint (ms_thunderbird_profile_get_installation (custom), ==,
                   MS_THUNDERBIRD_INSTALLATION_CUSTOM);
  g_assert_cmpstr (ms_thunderbird_profile_get_name (custom), ==, "n.default");
  tb_test_release_parentlock (holder);

  g_clear_pointer (&custom, ms_thunderbird_profile_unref);
  custom = ms_thunderbird_profile_new_for_path (native);
  g_assert_false (ms_thunderbird_profile_get_in_use (custom));
}

static void
test_lock_symlink_forms (void)
{
  g_autofree char *profile = tb_test_make_profile (g_get_home_dir (), "p", NULL);
  g_autofree char *link = g_build_filename (profile, "lock", NULL);
  g_autofree char *own = g_strdup_printf ("127.0.1.1:+%d", (int) getpid ());
  g_autofree char *legacy = g_strdup_printf ("10.0.0.1:%d", (int) getpid ());
  const char *not_alive[] = { "127.0.1.1:+0", "127.0.1.1:+", "garbage", "127.0.1.1:+12x",
                              "127.0.1.1:+99999999999" };
  GPid pid = 0;

  g_assert_false (ms_thunderbird_profile_path_is_in_use (profile, NULL));

  g_assert_cmpint (symlink (own, link), ==, 0);
  g_assert_true (ms_thunderbird_profile_path_is_in_use (profile, &pid));
  g_assert_cmpint (pid, ==, getpid ());
  g_assert_cmpint (g_unlink (link), ==, 0);

  g_assert_cmpint (symlink (legacy, link), ==, 0);
  g_assert_true (ms_thunderbird_profile_path_is_in_use (profile, NULL));
  g_assert_cmpint (g_unlink (link), ==, 0);

  /* pid 1 always runs (and may belong to someone else: EPERM still means alive). */
  g_assert_cmpint (symlink ("127.0.1.1:+1", link), ==, 0);
  g_assert_true (ms_thunderbird_profile_path_is_in_use (profile, NULL));
  g_assert_cmpint (g_unlink (link), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (not_alive); i++)
    {
      g_assert_cmpint (symlink (not_alive[i], link), ==, 0);
      g_assert_false (ms_thunderbird_profile_path_is_in_use (profile, NULL));
      g_assert_cmpint (g_unlink (link), ==, 0);
    }

  g_assert_true (ms_thunderbird_check_not_in_use (profile, NULL));
}

int
main (int    argc,
      char **argv)
{
  if (tb_test_helper_main (argc, argv))
    return 0;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/thunderbird/profiles/parse/", parse_cases[i].path,
                                           NULL);

      g_test_add_data_func (path, &parse_cases[i], test_parse);
    }
  g_test_add_func ("/thunderbird/profiles/parse/nul-stops-reading", test_nul_ends_text);
  g_test_add_func ("/thunderbird/profiles/find/native-flatpak-snap", test_locations);
  g_test_add_func ("/thunderbird/profiles/find/none", test_no_profiles);
  g_test_add_func ("/thunderbird/profiles/find/missing-directory-skipped",
                   test_missing_directory_skipped);
  g_test_add_func ("/thunderbird/profiles/find/unreadable-list-is-an-error",
                   test_unreadable_list_is_an_error);
  g_test_add_func ("/thunderbird/profiles/in-use/flag", test_in_use_flag);
  g_test_add_func ("/thunderbird/profiles/in-use/lock-symlink-forms", test_lock_symlink_forms);

  return g_test_run ();
}
