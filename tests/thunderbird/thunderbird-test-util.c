/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "thunderbird-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

MsAccount *
tb_test_account_new (TbTestAccountKind kind)
{
  const char *name = "Test User";
  const char *address = "test@example.com";
  const char *incoming_spec = "imap:tls:imap.example.com:993";
  const char *outgoing_spec = "smtp:starttls:smtp.example.com:587";
  const char *incoming_user = NULL;
  const char *outgoing_user = NULL;
  MsAuthMechanism mechanism = MS_AUTH_MECHANISM_AUTOMATIC;
  g_autoptr (MsServerConfig) incoming = NULL;
  g_autoptr (MsServerConfig) outgoing = NULL;
  g_autoptr (GError) error = NULL;

  switch (kind)
    {
    case TB_TEST_ACCOUNT_IMAP:
      break;
    case TB_TEST_ACCOUNT_POP3:
      incoming_spec = "pop3:tls:pop.example.com:995";
      outgoing_spec = "smtp:tls:smtp.example.com:465";
      incoming_user = outgoing_user = "test";
      break;
    case TB_TEST_ACCOUNT_OAUTH2:
      name = "Someone";
      address = "someone@gmail.com";
      incoming_spec = "imap:tls:imap.gmail.com:993";
      outgoing_spec = "smtp:tls:smtp.gmail.com:465";
      mechanism = MS_AUTH_MECHANISM_OAUTH2;
      break;
    case TB_TEST_ACCOUNT_CRAM_MD5:
      incoming_spec = "imap:starttls:mail.example.com:143";
      outgoing_spec = "smtp:starttls:mail.example.com:587";
      mechanism = MS_AUTH_MECHANISM_CRAM_MD5;
      break;
    case TB_TEST_ACCOUNT_UNICODE:
      name = "Zo\xc3\xab \"Z\" O'Brien\\";
      address = "zoe@example.com";
      break;
    default:
      g_assert_not_reached ();
    }

  incoming = ms_server_config_new_from_spec (incoming_spec, &error);
  g_assert_no_error (error);
  outgoing = ms_server_config_new_from_spec (outgoing_spec, &error);
  g_assert_no_error (error);
  ms_server_config_set_username (incoming, incoming_user != NULL ? incoming_user : address);
  ms_server_config_set_username (outgoing, outgoing_user != NULL ? outgoing_user : address);
  ms_server_config_set_auth_mechanism (incoming, mechanism);
  ms_server_config_set_auth_mechanism (outgoing, mechanism);
  return ms_account_new (name, address, incoming, outgoing);
}

char *
tb_test_data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "thunderbird", "data", name, NULL);
}

GBytes *
tb_test_read_bytes (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

void
tb_test_write_bytes (const char *path,
                     GBytes     *bytes)
{
  g_autoptr (GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  g_file_set_contents_full (path, data != NULL ? data : "", size, G_FILE_SET_CONTENTS_NONE, 0600,
                            &error);
  g_assert_no_error (error);
}

MsPrefsJs *
tb_test_parse (GBytes *bytes)
{
  g_autoptr (GError) error = NULL;
  MsPrefsJs *prefs = ms_prefs_js_new_from_bytes (bytes, MS_PREFS_JS_PARSE_DEFAULT, &error);

  g_assert_no_error (error);
  g_assert_nonnull (prefs);
  return prefs;
}

static gboolean
same_value (MsPrefsJs  *a,
            MsPrefsJs  *b,
            const char *name)
{
  MsPrefsJsType type = ms_prefs_js_get_pref_type (a, name);
  gint32 number_a = 0;
  gint32 number_b = 0;
  gboolean bool_a = FALSE;
  gboolean bool_b = FALSE;

  if (type != ms_prefs_js_get_pref_type (b, name))
    return FALSE;
  switch (type)
    {
    case MS_PREFS_JS_TYPE_STRING:
      return g_strcmp0 (ms_prefs_js_get_string (a, name), ms_prefs_js_get_string (b, name)) == 0;
    case MS_PREFS_JS_TYPE_INT:
      ms_prefs_js_get_int (a, name, &number_a);
      ms_prefs_js_get_int (b, name, &number_b);
      return number_a == number_b;
    case MS_PREFS_JS_TYPE_BOOL:
      ms_prefs_js_get_bool (a, name, &bool_a);
      ms_prefs_js_get_bool (b, name, &bool_b);
      return bool_a == bool_b;
    case MS_PREFS_JS_TYPE_NONE:
    default:
      return TRUE;
    }
}

static void
check_names (MsPrefsJs  *from,
             MsPrefsJs  *in,
             const char *what)
{
  g_autoptr (GPtrArray) names = ms_prefs_js_list_names (from);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      if (!ms_prefs_js_has_pref (in, name) || !same_value (from, in, name))
        g_error ("%s: pref “%s” differs or is missing", what, name);
    }
}

/* Same names, each with the same type and value. */
void
tb_test_assert_same_prefs (MsPrefsJs *expected,
                           MsPrefsJs *actual)
{
  check_names (expected, actual, "expected pref not written as expected");
  check_names (actual, expected, "unexpected pref");
  g_assert_cmpuint (ms_prefs_js_get_n_prefs (expected), ==, ms_prefs_js_get_n_prefs (actual));
}

/* The prefs whose value Thunderbird sees differently in @after, or that became user prefs. */
MsPrefsJs *
tb_test_changed_prefs (MsPrefsJs *before,
                       MsPrefsJs *after)
{
  g_autoptr (GPtrArray) names = ms_prefs_js_list_names (after);
  g_autoptr (GPtrArray) old_names = ms_prefs_js_list_names (before);
  g_autoptr (GString) lines = g_string_new (NULL);
  g_autoptr (GBytes) bytes = NULL;

  /* Appending never loses a pref. */
  for (guint i = 0; i < old_names->len; i++)
    g_assert_true (ms_prefs_js_has_pref (after, g_ptr_array_index (old_names, i)));

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      gint32 number = 0;
      gboolean flag = FALSE;

      if (ms_prefs_js_has_pref (before, name) && same_value (before, after, name) &&
          ms_prefs_js_has_user_value (before, name) == ms_prefs_js_has_user_value (after, name))
        continue;

      switch (ms_prefs_js_get_pref_type (after, name))
        {
        case MS_PREFS_JS_TYPE_STRING:
          ms_prefs_js_append_string (lines, name, ms_prefs_js_get_string (after, name));
          break;
        case MS_PREFS_JS_TYPE_INT:
          ms_prefs_js_get_int (after, name, &number);
          ms_prefs_js_append_int (lines, name, number);
          break;
        case MS_PREFS_JS_TYPE_BOOL:
          ms_prefs_js_get_bool (after, name, &flag);
          ms_prefs_js_append_bool (lines, name, flag);
          break;
        case MS_PREFS_JS_TYPE_NONE:
        default:
          g_assert_not_reached ();
        }
    }

  bytes = g_bytes_new (lines->str, lines->len);
  return tb_test_parse (bytes);
}

/* <parent>/<name>/ with the given prefs.js (none if NULL). */
char *
tb_test_make_profile (const char *parent,
                      const char *name,
                      GBytes     *prefs_js)
{
  g_autofree char *path = g_build_filename (parent, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  if (prefs_js != NULL)
    {
      g_autofree char *prefs_path = g_build_filename (path, "prefs.js", NULL);

      tb_test_write_bytes (prefs_path, prefs_js);
    }
  return g_steal_pointer (&path);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Sorted. */
GStrv
tb_test_list_dir (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

GStrv
tb_test_list_backups (const char *profile_path)
{
  g_auto (GStrv) all = tb_test_list_dir (profile_path);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; all[i] != NULL; i++)
    {
      if (g_regex_match_simple ("^prefs\\.js\\.mail-setup-[0-9]{8}-[0-9]{6}(-[0-9]+)?\\.bak$",
                                all[i], 0, 0))
        g_strv_builder_add (builder, all[i]);
    }
  return g_strv_builder_end (builder);
}

/* Runs instead of the tests when the binary is started as the lock holder. */
gboolean
tb_test_helper_main (int    argc,
                     char **argv)
{
  g_autofree char *path = NULL;
  struct flock lock = { 0 };
  char buffer[64];
  int fd;

  if (argc != 3 || g_strcmp0 (argv[1], "--hold-parentlock") != 0)
    return FALSE;

  path = g_build_filename (argv[2], ".parentlock", NULL);
  fd = g_open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    g_error ("open %s: %s", path, g_strerror (errno));
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  if (fcntl (fd, F_SETLK, &lock) != 0)
    g_error ("lock %s: %s", path, g_strerror (errno));

  fputs ("locked\n", stdout);
  fflush (stdout);
  /* Hold the lock until the test closes our stdin. */
  while (read (STDIN_FILENO, buffer, sizeof buffer) > 0)
    ;
  close (fd);
  return TRUE;
}

GSubprocess *
tb_test_hold_parentlock (const char *profile_path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *self = g_file_read_link ("/proc/self/exe", &error);
  g_autoptr (GSubprocess) holder = NULL;
  g_autoptr (GDataInputStream) output = NULL;
  g_autofree char *line = NULL;

  g_assert_no_error (error);
  holder = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                             &error, self, "--hold-parentlock", profile_path, NULL);
  g_assert_no_error (error);

  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (holder));
  line = g_data_input_stream_read_line (output, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "locked");
  return g_steal_pointer (&holder);
}

void
tb_test_release_parentlock (GSubprocess *holder)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_close (g_subprocess_get_stdin_pipe (holder), NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (holder, NULL, &error);
  g_assert_no_error (error);
}
