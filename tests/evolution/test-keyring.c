/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "evolution-test-util.h"
#include "evolution-testbed-util.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif

#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* libsecret 0.20.5 leaks one GPtrArray whenever an unlock needs a prompt (on_xlock_paths() in
 * secret-paths.c allocates the array that on_xlock_prompted() allocates again). Only the calls
 * that meet a locked collection are exempt from leak checking, nothing else. */
static void
libsecret_leaks_begin (void)
{
#ifdef HAVE_LSAN
  __lsan_disable ();
#endif
}

static void
libsecret_leaks_end (void)
{
#ifdef HAVE_LSAN
  __lsan_enable ();
#endif
}

/* Mail Setup's keyring items against a real gnome-keyring on the test-bed's private session
 * bus, and what happens without one: a clear error, and not a byte written anywhere. */

typedef struct
{
  MsTestbed *testbed;
  MsAccount *account;
} Fixture;

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;

  fixture->testbed = ms_testbed_start (MS_TESTBED_KEYRING, &error);
  g_assert_no_error (error);
  fixture->account =
    test_make_account ("imap:tls:imap.example.com:993", "smtp:starttls:smtp.example.com:587");
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer user_data)
{
  g_clear_object (&fixture->account);
  test_testbed_stop (g_steal_pointer (&fixture->testbed));
}

/* Returns: (transfer full): the items of our schema for @account, straight from the service */
static GList *
search_items (MsAccount *account)
{
  g_autoptr (GHashTable) attributes = NULL;
  g_autoptr (GError) error = NULL;
  GList *items;

  attributes = secret_attributes_build (ms_keyring_get_schema (), "account",
                                        ms_account_get_id (account), NULL);
  items = secret_service_search_sync (NULL, ms_keyring_get_schema (), attributes,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK, NULL, &error);
  g_assert_no_error (error);
  return items;
}

static void
test_store_lookup_clear (Fixture      *fixture,
                         gconstpointer user_data)
{
  MsServerConfig *imap = ms_account_get_incoming (fixture->account);
  g_autoptr (GError) error = NULL;
  g_autofree char *password = NULL;
  g_autoptr (GHashTable) attributes = NULL;
  g_autofree char *label = NULL;
  g_autofree char *schema = NULL;
  GList *items;
  gboolean removed = FALSE;

  g_assert_true (test_keyring_store (fixture->account, imap, TEST_PASSWORD, &error));
  g_assert_no_error (error);

  password = test_keyring_lookup (fixture->account, imap, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, TEST_PASSWORD);

  /* The item as Seahorse shows it. */
  items = search_items (fixture->account);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  label = secret_item_get_label (items->data);
  g_assert_cmpstr (label, ==, "Mail Setup: alice@example.com on imap.example.com (IMAP)");
  schema = secret_item_get_schema_name (items->data);
  g_assert_cmpstr (schema, ==, "org.example.MailSetup.Password");
  attributes = secret_item_get_attributes (items->data);
  g_assert_cmpstr (g_hash_table_lookup (attributes, "account"), ==, "alice-example-com");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "protocol"), ==, "imap");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "host"), ==, "imap.example.com");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "user"), ==, "alice@example.com");
  g_list_free_full (items, g_object_unref);

  g_assert_true (test_keyring_clear (fixture->account, imap, &removed, &error));
  g_assert_no_error (error);
  g_assert_true (removed);

  g_clear_pointer (&password, g_free);
  password = test_keyring_lookup (fixture->account, imap, &error);
  g_assert_no_error (error);
  g_assert_null (password);

  g_assert_true (test_keyring_clear (fixture->account, imap, &removed, &error));
  g_assert_no_error (error);
  g_assert_false (removed);
}

static void
test_store_replaces (Fixture      *fixture,
                     gconstpointer user_data)
{
  MsServerConfig *imap = ms_account_get_incoming (fixture->account);
  g_autoptr (GError) error = NULL;
  g_autofree char *password = NULL;
  GList *items;

  g_assert_true (test_keyring_store (fixture->account, imap, "first", &error));
  g_assert_true (test_keyring_store (fixture->account, imap, "second", &error));
  g_assert_no_error (error);

  password = test_keyring_lookup (fixture->account, imap, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, "second");

  items = search_items (fixture->account);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_list_free_full (items, g_object_unref);
}

static void
test_servers (Fixture      *fixture,
              gconstpointer user_data)
{
  MsServerConfig *imap = ms_account_get_incoming (fixture->account);
  MsServerConfig *smtp = ms_account_get_outgoing (fixture->account);
  g_autoptr (GError) error = NULL;
  g_autofree char *imap_password = NULL;
  g_autofree char *smtp_password = NULL;
  g_autofree char *gone = NULL;
  GList *items;
  gboolean removed = FALSE;

  /* The SMTP login may differ from the IMAP one. */
  ms_server_config_set_username (smtp, "alice");
  g_assert_true (test_keyring_store (fixture->account, imap, "imap-password", &error));
  g_assert_true (test_keyring_store (fixture->account, smtp, "smtp-password", &error));
  g_assert_no_error (error);

  imap_password = test_keyring_lookup (fixture->account, imap, &error);
  smtp_password = test_keyring_lookup (fixture->account, smtp, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imap_password, ==, "imap-password");
  g_assert_cmpstr (smtp_password, ==, "smtp-password");

  items = search_items (fixture->account);
  g_assert_cmpuint (g_list_length (items), ==, 2);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autofree char *label = secret_item_get_label (l->data);

      g_assert_true (g_str_equal (label, "Mail Setup: alice@example.com on imap.example.com "
                                         "(IMAP)") ||
                     g_str_equal (label, "Mail Setup: alice on smtp.example.com (SMTP)"));
    }
  g_list_free_full (items, g_object_unref);

  /* The whole account at once. */
  g_assert_true (test_keyring_clear (fixture->account, NULL, &removed, &error));
  g_assert_no_error (error);
  g_assert_true (removed);
  gone = test_keyring_lookup (fixture->account, smtp, &error);
  g_assert_no_error (error);
  g_assert_null (gone);
  items = search_items (fixture->account);
  g_assert_null (items);
}

static SecretCollection *
default_collection (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SecretService) service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  SecretCollection *collection;

  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);
  return collection;
}

static void
test_locked (Fixture      *fixture,
             gconstpointer user_data)
{
  MsServerConfig *imap = ms_account_get_incoming (fixture->account);
  g_autoptr (GError) error = NULL;
  g_autoptr (SecretCollection) collection = NULL;
  g_autofree char *password = NULL;
  GList *objects;

  g_assert_true (test_keyring_store (fixture->account, imap, TEST_PASSWORD, &error));
  g_assert_no_error (error);

  /* Locked, with nobody to answer the unlock prompt (the test-bed has no display): as if the
   * user dismissed it. */
  collection = default_collection ();
  objects = g_list_append (NULL, collection);
  g_assert_cmpint (secret_service_lock_sync (NULL, objects, NULL, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_list_free (objects);
  g_assert_true (secret_collection_get_locked (collection));

  /* A locked keyring is not an empty one. */
  libsecret_leaks_begin ();
  password = test_keyring_lookup (fixture->account, imap, &error);
  libsecret_leaks_end ();
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_null (password);
  g_clear_error (&error);

  libsecret_leaks_begin ();
  g_assert_false (test_keyring_store (fixture->account, imap, "new", &error));
  libsecret_leaks_end ();
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_null (strstr (error->message, "new"));
}

/* Every file below @path; there should be none. */
static void
collect_files (const char *path,
               GPtrArray  *files)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        g_ptr_array_add (files, g_strdup (path));
      return;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      collect_files (child, files);
    }
}

static void
assert_nothing_written (void)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char *dirs[] = {
    g_get_home_dir (),       g_get_user_data_dir (),    g_get_user_config_dir (),
    g_get_user_cache_dir (), g_get_user_runtime_dir (), g_get_user_state_dir (),
  };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    collect_files (dirs[i], files);

  for (guint i = 0; i < files->len; i++)
    g_test_message ("unexpected file: %s", (char *) g_ptr_array_index (files, i));
  g_assert_cmpuint (files->len, ==, 0);
}

static void
assert_keyring_unavailable (MsAccount *account)
{
  MsServerConfig *imap = ms_account_get_incoming (account);
  g_autoptr (GError) error = NULL;
  g_autofree char *password = NULL;

  g_assert_false (test_keyring_store (account, imap, TEST_PASSWORD, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_null (strstr (error->message, TEST_PASSWORD));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  password = test_keyring_lookup (account, imap, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_null (password);
  g_clear_error (&error);

  g_assert_false (test_keyring_clear (account, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

/* libsecret's file backend is one environment variable away; we must never end up in it. */
static void
invite_file_backend (void)
{
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test", TRUE);
}

static void
test_no_service (void)
{
  g_autoptr (GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr (MsAccount) account =
    test_make_account ("imap:tls:imap.example.com:993", "smtp:starttls:smtp.example.com:587");

  /* A session bus with nothing on it, and nothing it could start. */
  g_test_dbus_up (bus);
  invite_file_backend ();

  assert_keyring_unavailable (account);
  assert_nothing_written ();

  secret_service_disconnect ();
  g_test_dbus_down (bus);
}

static void
test_no_bus (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("imap:tls:imap.example.com:993", "smtp:starttls:smtp.example.com:587");
  g_autofree char *saved = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/mail-setup-test-bus", TRUE);
  invite_file_backend ();

  assert_keyring_unavailable (account);
  assert_nothing_written ();

  secret_service_disconnect ();
  if (saved != NULL)
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", saved, TRUE);
  else
    g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("DISPLAY");
  g_unsetenv ("WAYLAND_DISPLAY");

  /* These two first: after a test-bed's bus, GTestDBus' leaves LeakSanitizer threads it cannot
   * suspend, and with them false leaks. */
  g_test_add_func ("/keyring/no-service", test_no_service);
  g_test_add_func ("/keyring/no-bus", test_no_bus);
  g_test_add ("/keyring/store-lookup-clear", Fixture, NULL, fixture_set_up,
              test_store_lookup_clear, fixture_tear_down);
  g_test_add ("/keyring/store-replaces", Fixture, NULL, fixture_set_up, test_store_replaces,
              fixture_tear_down);
  g_test_add ("/keyring/servers", Fixture, NULL, fixture_set_up, test_servers,
              fixture_tear_down);
  g_test_add ("/keyring/locked", Fixture, NULL, fixture_set_up, test_locked, fixture_tear_down);

  return g_test_run ();
}
