/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "mailsetup.h"

static MsAccount *
make_account (const char *name,
              const char *address)
{
  g_autoptr (MsServerConfig) incoming =
    ms_server_config_new_from_spec ("imap:tls:imap.example.com:993", NULL);
  g_autoptr (MsServerConfig) outgoing =
    ms_server_config_new_from_spec ("smtp:starttls:smtp.example.com:587", NULL);

  ms_server_config_set_username (incoming, address);
  ms_server_config_set_username (outgoing, address);
  return ms_account_new (name, address, incoming, outgoing);
}

static GStrv
list_directory (const char *directory)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GDir) dir = g_dir_open (directory, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_strv_builder_add (builder, name);

  return g_strv_builder_end (builder);
}

static void
test_store_default_directory (void)
{
  g_autoptr (MsAccountStore) store = ms_account_store_new (NULL);
  g_autofree char *expected =
    g_build_filename (g_get_user_config_dir (), "mail-setup", "accounts", NULL);

  g_assert_cmpstr (ms_account_store_get_directory (store), ==, expected);
}

static void
test_store_add_writes_private_file (void)
{
  g_autoptr (MsAccountStore) store = ms_account_store_new (NULL);
  g_autoptr (MsAccount) account = make_account ("Alice", "Alice.Smith@Example.com");
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) files = NULL;
  struct stat st;

  g_assert_true (ms_account_store_add (store, account, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ms_account_get_id (account), ==, "alice-smith-example-com");

  path = ms_account_store_get_path (store, "alice-smith-example-com");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (ms_account_store_get_directory (store), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  /* the atomic write leaves no temporary file behind */
  files = list_directory (ms_account_store_get_directory (store));
  g_assert_cmpuint (g_strv_length (files), ==, 1);
  g_assert_cmpstr (files[0], ==, "alice-smith-example-com.account");

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "assword"));
  g_assert_null (strstr (contents, "ecret"));
}

static void
test_store_refuses_duplicate_address (void)
{
  g_autoptr (MsAccountStore) store = ms_account_store_new (NULL);
  g_autoptr (MsAccount) first = make_account ("Alice", "alice@example.com");
  g_autoptr (MsAccount) second = make_account ("Alice again", "ALICE@Example.COM");
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *path = NULL;
  g_auto (GStrv) files = NULL;

  g_assert_true (ms_account_store_add (store, first, NULL));
  path = ms_account_store_get_path (store, ms_account_get_id (first));
  g_assert_true (g_file_get_contents (path, &before, NULL, NULL));

  g_assert_false (ms_account_store_add (store, second, &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_ACCOUNT_EXISTS);
  g_assert_nonnull (strstr (error->message, "alice-example-com"));

  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
  files = list_directory (ms_account_store_get_directory (store));
  g_assert_cmpuint (g_strv_length (files), ==, 1);
}

static void
test_store_id_collision (void)
{
  g_autoptr (MsAccountStore) store = ms_account_store_new (NULL);
  g_autoptr (MsAccount) first = make_account ("A", "a.b@example.com");
  g_autoptr (MsAccount) second = make_account ("B", "a-b@example.com");

  g_assert_true (ms_account_store_add (store, first, NULL));
  g_assert_true (ms_account_store_add (store, second, NULL));
  g_assert_cmpstr (ms_account_get_id (first), ==, "a-b-example-com");
  g_assert_cmpstr (ms_account_get_id (second), ==, "a-b-example-com-2");
}

static void
test_store_list_reports_broken_files (void)
{
  g_autoptr (MsAccountStore) store = ms_account_store_new (NULL);
  g_autoptr (MsAccount) zoe = make_account ("Zoe", "zoe@example.com");
  g_autoptr (MsAccount) adam = make_account ("Adam", "adam@example.com");
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *broken = NULL;
  g_autofree char *ignored = NULL;
  GError *problem;

  g_assert_true (ms_account_store_add (store, zoe, NULL));
  g_assert_true (ms_account_store_add (store, adam, NULL));

  broken = g_build_filename (ms_account_store_get_directory (store), "broken.account", NULL);
  g_assert_true (g_file_set_contents (broken, "[Account]\nName=X\n", -1, NULL));
  ignored = g_build_filename (ms_account_store_get_directory (store), "notes.txt", NULL);
  g_assert_true (g_file_set_contents (ignored, "not an account", -1, NULL));

  accounts = ms_account_store_list (store, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 2);
  g_assert_cmpstr (ms_account_get_display_name (g_ptr_array_index (accounts, 0)), ==, "Adam");
  g_assert_cmpstr (ms_account_get_display_name (g_ptr_array_index (accounts, 1)), ==, "Zoe");

  g_assert_cmpuint (problems->len, ==, 1);
  problem = g_ptr_array_index (problems, 0);
  g_assert_error (problem, MS_ERROR, MS_ERROR_INVALID_ACCOUNT);
  g_assert_nonnull (strstr (problem->message, "broken.account"));
  g_assert_nonnull (strstr (problem->message, "Address"));
}

static void
test_store_list_without_directory (void)
{
  g_autoptr (MsAccountStore) store = ms_account_store_new ("/nonexistent/mail-setup-test");
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GError) error = NULL;

  accounts = ms_account_store_list (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 0);
}

static void
test_store_lookup (void)
{
  g_autoptr (MsAccountStore) store = ms_account_store_new (NULL);
  g_autoptr (MsAccount) account = make_account ("Alice", "alice@example.com");
  g_autoptr (MsAccount) by_id = NULL;
  g_autoptr (MsAccount) by_path = NULL;
  g_autoptr (MsAccount) copied = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *copy_path = NULL;

  g_assert_true (ms_account_store_add (store, account, NULL));
  path = ms_account_store_get_path (store, "alice-example-com");

  by_id = ms_account_store_lookup (store, "alice-example-com", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_account_get_address (by_id), ==, "alice@example.com");

  by_path = ms_account_store_lookup (store, path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_account_get_id (by_path), ==, "alice-example-com");

  /* A file copied elsewhere without its Id takes its name as the id. */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  copy_path = g_build_filename (g_get_user_data_dir (), "copied-one.account", NULL);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  {
    g_autoptr (GRegex) regex = g_regex_new ("^Id=.*\\n", G_REGEX_MULTILINE, 0, NULL);
    g_autofree char *without_id = g_regex_replace (regex, contents, -1, 0, "", 0, NULL);

    g_assert_true (g_file_set_contents (copy_path, without_id, -1, NULL));
  }
  copied = ms_account_store_lookup (store, copy_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_account_get_id (copied), ==, "copied-one");

  g_assert_null (ms_account_store_lookup (store, "bob-example-com", &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_ACCOUNT_NOT_FOUND);
  g_clear_error (&error);

  g_assert_null (ms_account_store_lookup (store, "../../etc/passwd.x", &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_ACCOUNT_NOT_FOUND);
  g_clear_error (&error);

  g_assert_null (ms_account_store_lookup (store, "Not An Id", &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_ACCOUNT_NOT_FOUND);
  g_clear_error (&error);

  g_assert_null (ms_account_store_lookup (store, "/nonexistent/x.account", &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_ACCOUNT_NOT_FOUND);
}

static void
test_store_remove (void)
{
  g_autoptr (MsAccountStore) store = ms_account_store_new (NULL);
  g_autoptr (MsAccount) account = make_account ("Alice", "alice@example.com");
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  g_assert_true (ms_account_store_add (store, account, NULL));
  path = ms_account_store_get_path (store, ms_account_get_id (account));
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  g_assert_true (ms_account_store_remove (store, ms_account_get_id (account), &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_assert_false (ms_account_store_remove (store, ms_account_get_id (account), &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_ACCOUNT_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (ms_account_store_remove (store, "../evil", &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_ACCOUNT_NOT_FOUND);
}

static void
test_store_unwritable_directory (void)
{
  g_autofree char *blocker = g_build_filename (g_get_user_data_dir (), "blocker", NULL);
  g_autofree char *directory = g_build_filename (blocker, "accounts", NULL);
  g_autoptr (MsAccountStore) store = NULL;
  g_autoptr (MsAccount) account = make_account ("Alice", "alice@example.com");
  g_autoptr (GError) error = NULL;

  /* A file where the folder should be: creating the folder fails even for root. */
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (blocker, "a file", -1, NULL));

  store = ms_account_store_new (directory);
  g_assert_false (ms_account_store_add (store, account, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_nonnull (strstr (error->message, directory));
}

static void
test_store_invalid_account_is_not_written (void)
{
  g_autoptr (MsAccountStore) store = ms_account_store_new (NULL);
  g_autoptr (MsAccount) account = make_account ("Alice", "not-an-address");
  g_autoptr (GError) error = NULL;

  g_assert_false (ms_account_store_add (store, account, &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ADDRESS);
  g_assert_false (g_file_test (ms_account_store_get_directory (store), G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/account-store/default-directory", test_store_default_directory);
  g_test_add_func ("/account-store/add/private-file", test_store_add_writes_private_file);
  g_test_add_func ("/account-store/add/duplicate-address", test_store_refuses_duplicate_address);
  g_test_add_func ("/account-store/add/id-collision", test_store_id_collision);
  g_test_add_func ("/account-store/add/invalid-account", test_store_invalid_account_is_not_written);
  g_test_add_func ("/account-store/add/unwritable-directory", test_store_unwritable_directory);
  g_test_add_func ("/account-store/list/broken-files", test_store_list_reports_broken_files);
  g_test_add_func ("/account-store/list/no-directory", test_store_list_without_directory);
  g_test_add_func ("/account-store/lookup", test_store_lookup);
  g_test_add_func ("/account-store/remove", test_store_remove);

  return g_test_run ();
}
