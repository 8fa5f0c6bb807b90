/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "evolution-test-util.h"
#include "evolution-testbed-util.h"

/* The export against evolution-data-server itself: the real evolution-source-registry, started
 * by the test-bed's bus, loads the three sources we write into its (already watched) directory
 * with the keys and parents we wrote; the passwords are where `secret-tool` and the registry's
 * own credentials lookup find them, so that Evolution connects without asking; a second export
 * adds nothing.
 *
 * Services the bus starts inherit the bus daemon's environment, not ours. Instead of a wrapper
 * script around the test binary, each test tells its bus, before the registry starts, to give
 * activated services this test's isolated HOME and XDG directories
 * (org.freedesktop.DBus.UpdateActivationEnvironment): the registry then reads exactly the
 * directory ms_evolution_get_sources_dir() names here, and the test-bed stays the one place
 * that starts and stops the bus and the keyring. */

#define SOURCES_BUS_NAME   "org.gnome.evolution.dataserver.Sources5"
#define SOURCE_MANAGER     "/org/gnome/evolution/dataserver/SourceManager"
#define SOURCE_INTERFACE   "org.gnome.evolution.dataserver.Source"
#define LIST_SOURCES       "/usr/libexec/evolution-data-server/list-sources"
#define REGISTRY_TIMEOUT_S 30

typedef struct
{
  const char *name;
  const char *incoming;
  const char *outgoing;
  const char *backend;
} EdsCase;

static const EdsCase eds_cases[] = {
  { "imap", "imap:tls:imap.example.com:993", "smtp:starttls:smtp.example.com:587", "imapx" },
  { "pop3", "pop3:tls:pop.example.com:995", "smtp:tls:smtp.example.com:465", "pop" },
};

typedef struct
{
  MsTestbed       *testbed;
  GDBusConnection *bus;
} Fixture;

static void
set_activation_environment (GDBusConnection *bus)
{
  g_autoptr (GVariantBuilder) environment = g_variant_builder_new (G_VARIANT_TYPE ("a{ss}"));
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  g_variant_builder_add (environment, "{ss}", "HOME", g_get_home_dir ());
  g_variant_builder_add (environment, "{ss}", "XDG_CONFIG_HOME", g_get_user_config_dir ());
  g_variant_builder_add (environment, "{ss}", "XDG_DATA_HOME", g_get_user_data_dir ());
  g_variant_builder_add (environment, "{ss}", "XDG_CACHE_HOME", g_get_user_cache_dir ());
  /* The bus daemon inherited G_TEST_OPTION_ISOLATE_DIRS' empty system directories, where the
   * registry would find no GSettings schemas and abort. */
  g_variant_builder_add (environment, "{ss}", "XDG_DATA_DIRS", "/usr/local/share:/usr/share");
  g_variant_builder_add (environment, "{ss}", "XDG_CONFIG_DIRS", "/etc/xdg");
  /* No dconf database of the registry's own, and nothing of a developer's session. */
  g_variant_builder_add (environment, "{ss}", "GSETTINGS_BACKEND", "memory");

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "UpdateActivationEnvironment",
                                       g_variant_new ("(a{ss})", environment), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;

  fixture->testbed = ms_testbed_start (MS_TESTBED_KEYRING, &error);
  g_assert_no_error (error);
  fixture->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  set_activation_environment (fixture->bus);
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer user_data)
{
  g_clear_object (&fixture->bus);
  /* Stops the bus, and with it the registry it started. */
  test_testbed_stop (g_steal_pointer (&fixture->testbed));
}

typedef struct
{
  char *path;
  char *data;
} RegistrySource;

static void
registry_source_free (RegistrySource *source)
{
  g_free (source->path);
  g_free (source->data);
  g_free (source);
}

/* Returns: (transfer full): uid → RegistrySource, what the registry exports right now; the
 * first call starts the registry */
static GHashTable *
registry_sources (GDBusConnection *bus)
{
  g_autoptr (GHashTable) sources =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) registry_source_free);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariantIter) objects = NULL;
  g_autoptr (GError) error = NULL;
  const char *path;
  GVariant *interfaces;

  reply = g_dbus_connection_call_sync (bus, SOURCES_BUS_NAME, SOURCE_MANAGER,
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                       NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                       G_DBUS_CALL_FLAGS_NONE, REGISTRY_TIMEOUT_S * 1000, NULL,
                                       &error);
  if (error != NULL)
    g_test_message ("Is evolution-data-server installed (tools/install-deps --test)?");
  g_assert_no_error (error);

  g_variant_get (reply, "(a{oa{sa{sv}}})", &objects);
  while (g_variant_iter_next (objects, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr (GVariant) properties = NULL;
      const char *uid = NULL;
      const char *data = NULL;

      properties = g_variant_lookup_value (interfaces, SOURCE_INTERFACE, G_VARIANT_TYPE ("a{sv}"));
      if (properties != NULL && g_variant_lookup (properties, "UID", "&s", &uid) &&
          g_variant_lookup (properties, "Data", "&s", &data))
        {
          RegistrySource *source = g_new0 (RegistrySource, 1);

          source->path = g_strdup (path);
          source->data = g_strdup (data);
          g_hash_table_insert (sources, g_strdup (uid), source);
        }
      g_variant_unref (interfaces);
    }

  return g_steal_pointer (&sources);
}

/* The registry batches file events for three seconds: poll until it exports all of @uids. */
static GHashTable *
wait_for_sources (GDBusConnection    *bus,
                  const char *const *uids)
{
  gint64 deadline = g_get_monotonic_time () + REGISTRY_TIMEOUT_S * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr (GHashTable) sources = registry_sources (bus);
      gboolean all = TRUE;

      for (guint i = 0; uids[i] != NULL; i++)
        all = all && g_hash_table_contains (sources, uids[i]);
      if (all)
        return g_steal_pointer (&sources);

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (200 * 1000);
    }
}

static char *
uid_of (const MsExportChange *change)
{
  g_autofree char *basename = g_path_get_basename (change->target);

  return g_strndup (basename, strlen (basename) - strlen (".source"));
}

/* Every key we wrote has the same value in what the registry loaded (which adds keys of its
 * own): compared key by key, never byte by byte. */
static void
assert_registry_has_keys (GHashTable           *sources,
                          const MsExportChange *change)
{
  g_autofree char *uid = uid_of (change);
  RegistrySource *source = g_hash_table_lookup (sources, uid);
  g_autoptr (GKeyFile) ours = test_key_file_from_bytes (change->content);
  g_autoptr (GKeyFile) loaded = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) groups = NULL;

  g_assert_nonnull (source);
  g_key_file_load_from_data (loaded, source->data, -1, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);

  groups = g_key_file_get_groups (ours, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (ours, groups[i], NULL, NULL);

      for (guint j = 0; keys != NULL && keys[j] != NULL; j++)
        {
          g_autofree char *expected = g_key_file_get_value (ours, groups[i], keys[j], NULL);
          g_autofree char *actual = g_key_file_get_value (loaded, groups[i], keys[j], &error);

          g_test_message ("%s [%s] %s=%s", uid, groups[i], keys[j], expected);
          g_assert_no_error (error);
          g_assert_cmpstr (actual, ==, expected);
        }
    }
}

static char *
run (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *errors = NULL;
  g_auto (GStrv) environment = g_get_environ ();
  int status;

  /* EDS tools want GSettings schemas: the system's, not the test's empty directories. */
  environment = g_environ_setenv (environment, "XDG_DATA_DIRS", "/usr/local/share:/usr/share",
                                  TRUE);
  environment = g_environ_setenv (environment, "GSETTINGS_BACKEND", "memory", TRUE);
  g_spawn_sync (NULL, (char **) argv, environment, G_SPAWN_DEFAULT, NULL, NULL, &output, &errors,
                &status, &error);
  g_assert_no_error (error);
  if (errors != NULL && *errors != '\0')
    g_test_message ("%s: %s", argv[0], errors);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&output);
}

/* list-sources' machine-readable line for @uid, split at its tabs. */
static GStrv
list_sources_line (const char *listing,
                   const char *uid)
{
  g_auto (GStrv) lines = g_strsplit (listing, "\n", -1);
  g_autofree char *wanted = g_strconcat ("UID:", uid, NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (g_strstrip (lines[i]), "\t", -1);

      if (g_strv_contains ((const char *const *) fields, wanted))
        return g_steal_pointer (&fields);
    }
  return NULL;
}

typedef struct
{
  GStrv credentials;
  char *required_reason;
} AuthOutcome;

static void
on_source_signal (GDBusConnection *connection,
                  const char      *sender,
                  const char      *path,
                  const char      *interface,
                  const char      *signal,
                  GVariant        *parameters,
                  gpointer         user_data)
{
  AuthOutcome *outcome = user_data;

  if (g_str_equal (signal, "Authenticate"))
    g_variant_get (parameters, "(^as)", &outcome->credentials);
  else
    g_variant_get (parameters, "(sssss)", &outcome->required_reason, NULL, NULL, NULL, NULL);
}

/* What a backend does when it needs to log in: asks the registry for credentials. With the
 * password in the keyring, the registry answers with it at once (Authenticate); without, it
 * would have to ask the user (CredentialsRequired). */
static void
assert_registry_finds_password (GDBusConnection *bus,
                                const char      *path,
                                const char      *password)
{
  AuthOutcome outcome = { 0 };
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *expected = g_strconcat ("password:", password, NULL);
  gint64 deadline = g_get_monotonic_time () + REGISTRY_TIMEOUT_S * G_USEC_PER_SEC;
  guint subscriptions[2];

  subscriptions[0] = g_dbus_connection_signal_subscribe (bus, SOURCES_BUS_NAME, SOURCE_INTERFACE,
                                                         "Authenticate", path, NULL,
                                                         G_DBUS_SIGNAL_FLAGS_NONE,
                                                         on_source_signal, &outcome, NULL);
  subscriptions[1] = g_dbus_connection_signal_subscribe (bus, SOURCES_BUS_NAME, SOURCE_INTERFACE,
                                                         "CredentialsRequired", path, NULL,
                                                         G_DBUS_SIGNAL_FLAGS_NONE,
                                                         on_source_signal, &outcome, NULL);

  reply = g_dbus_connection_call_sync (bus, SOURCES_BUS_NAME, path, SOURCE_INTERFACE,
                                       "InvokeCredentialsRequired",
                                       g_variant_new ("(sssss)", "required", "", "", "", ""), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);

  while (outcome.credentials == NULL && outcome.required_reason == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }

  g_dbus_connection_signal_unsubscribe (bus, subscriptions[0]);
  g_dbus_connection_signal_unsubscribe (bus, subscriptions[1]);

  g_assert_null (outcome.required_reason);
  g_assert_nonnull (outcome.credentials);
  /* Compared, never printed. */
  g_assert_true (g_strv_contains ((const char *const *) outcome.credentials, expected));
  g_strfreev (outcome.credentials);
}

static char *
secret_tool_lookup (const char *uid)
{
  g_autofree char *secret_tool = g_find_program_in_path ("secret-tool");
  const char *argv[] = { NULL, "lookup", "e-source-uid", uid, NULL };
  char *output;

  g_assert_nonnull (secret_tool);
  argv[0] = secret_tool;
  output = run (argv);
  /* secret-tool adds a newline only for a terminal; be lenient either way. */
  if (g_str_has_suffix (output, "\n") && !g_str_has_suffix (TEST_PASSWORD, "\n"))
    output[strlen (output) - 1] = '\0';
  return output;
}

static void
assert_evolution_item (const char *uid,
                       const char *label)
{
  g_autoptr (GHashTable) attributes = NULL;
  g_autoptr (GHashTable) item_attributes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *item_label = NULL;
  GList *items;

  attributes = secret_attributes_build (ms_evolution_get_secret_schema (), "e-source-uid", uid,
                                        NULL);
  items = secret_service_search_sync (NULL, ms_evolution_get_secret_schema (), attributes,
                                      SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  item_label = secret_item_get_label (items->data);
  g_assert_cmpstr (item_label, ==, label);
  item_attributes = secret_item_get_attributes (items->data);
  g_assert_cmpstr (g_hash_table_lookup (item_attributes, "eds-origin"), ==,
                   "evolution-data-server");
  g_assert_cmpstr (g_hash_table_lookup (item_attributes, "xdg:schema"), ==,
                   "org.gnome.Evolution.Data.Source");
  g_list_free_full (items, g_object_unref);
}

static guint
count_evolution_items (void)
{
  g_autoptr (GHashTable) attributes = NULL;
  g_autoptr (GError) error = NULL;
  GList *items;
  guint n;

  attributes = secret_attributes_build (ms_evolution_get_secret_schema (), "eds-origin",
                                        "evolution-data-server", NULL);
  items = secret_service_search_sync (NULL, ms_evolution_get_secret_schema (), attributes,
                                      SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  n = g_list_length (items);
  g_list_free_full (items, g_object_unref);
  return n;
}

static void
test_export_to_registry (Fixture      *fixture,
                         gconstpointer user_data)
{
  const EdsCase *test = user_data;
  g_autoptr (MsAccount) account = test_make_account (test->incoming, test->outgoing);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (MsExportReport) again = NULL;
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GHashTable) loaded = NULL;
  g_autoptr (GHashTable) after = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *account_uid = NULL;
  g_autofree char *identity_uid = NULL;
  g_autofree char *transport_uid = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *incoming_password = NULL;
  g_autofree char *outgoing_password = NULL;
  g_autofree char *account_label = NULL;
  g_autofree char *transport_label = NULL;
  g_autofree char *dir = ms_evolution_get_sources_dir ();
  g_autofree char *account_file = NULL;
  g_auto (GStrv) files = NULL;
  g_auto (GStrv) files_again = NULL;
  g_auto (GStrv) fields = NULL;
  const char *uids[4];
  const char *list_sources_argv[] = { LIST_SOURCES, "-u", "-m", NULL };
  gint64 deadline;

  /* The registry runs first, as it does in a desktop session, and must notice new files. */
  before = registry_sources (fixture->bus);
  g_assert_true (g_hash_table_contains (before, "local"));

  report = test_export (account, TEST_PASSWORD, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_export_report_get_n_changes (report), ==, 5);
  account_uid = uid_of (ms_export_report_get_change (report, 0));
  identity_uid = uid_of (ms_export_report_get_change (report, 1));
  transport_uid = uid_of (ms_export_report_get_change (report, 2));
  uids[0] = account_uid;
  uids[1] = identity_uid;
  uids[2] = transport_uid;
  uids[3] = NULL;

  loaded = wait_for_sources (fixture->bus, uids);
  for (guint i = 0; i < 3; i++)
    assert_registry_has_keys (loaded, ms_export_report_get_change (report, i));

  /* As EDS itself shows the hierarchy. */
  listing = run (list_sources_argv);
  fields = list_sources_line (listing, account_uid);
  g_assert_nonnull (fields);
  g_assert_cmpstr (fields[0], ==, "MailAccount");
  g_assert_cmpstr (fields[1], ==, TEST_ADDRESS);
  g_assert_true (g_strv_contains ((const char *const *) fields, "Enabled:1"));
  {
    g_autofree char *backend = g_strconcat ("Backend:", test->backend, NULL);

    g_assert_true (g_strv_contains ((const char *const *) fields, backend));
  }
  g_clear_pointer (&fields, g_strfreev);
  for (guint i = 1; i < 3; i++)
    {
      g_autofree char *parent = g_strconcat ("ParentUID:", account_uid, NULL);

      fields = list_sources_line (listing, uids[i]);
      g_assert_nonnull (fields);
      g_assert_cmpstr (fields[0], ==, i == 1 ? "MailIdentity" : "MailTransport");
      g_assert_true (g_strv_contains ((const char *const *) fields, parent));
      g_clear_pointer (&fields, g_strfreev);
    }

  /* The passwords: where secret-tool finds them, labelled as EDS labels its own, and what the
   * registry hands a backend that needs to log in. */
  incoming_password = secret_tool_lookup (account_uid);
  outgoing_password = secret_tool_lookup (transport_uid);
  g_assert_true (g_str_equal (incoming_password, TEST_PASSWORD));
  g_assert_true (g_str_equal (outgoing_password, TEST_PASSWORD));

  account_label = g_strdup_printf ("Evolution Data Source \"%s\" (Mail Account - %s) ",
                                   TEST_ADDRESS, test->backend);
  transport_label = g_strdup_printf ("Evolution Data Source \"%s\" (Mail Transport - smtp)  of %s",
                                     TEST_ADDRESS, account_uid);
  assert_evolution_item (account_uid, account_label);
  assert_evolution_item (transport_uid, transport_label);

  for (guint i = 0; i < 3; i += 2)
    {
      RegistrySource *source = g_hash_table_lookup (loaded, uids[i]);

      assert_registry_finds_password (fixture->bus, source->path, TEST_PASSWORD);
    }

  /* The registry rewrites what it loads (ProxyUid, …); we must still recognise the account. */
  account_file = g_strdup (ms_export_report_get_change (report, 0)->target);
  deadline = g_get_monotonic_time () + REGISTRY_TIMEOUT_S * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *contents = NULL;

      g_assert_true (g_file_get_contents (account_file, &contents, NULL, NULL));
      if (strstr (contents, "ProxyUid=") != NULL)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (200 * 1000);
    }

  files = test_list_dir (dir);
  again = test_export (account, TEST_PASSWORD, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_export_report_get_n_changes (again), ==, 1);
  g_assert_cmpint (ms_export_report_get_change (again, 0)->action, ==, MS_EXPORT_ACTION_UNCHANGED);
  g_assert_cmpstr (ms_export_report_get_change (again, 0)->target, ==, account_file);

  files_again = test_list_dir (dir);
  g_assert_cmpstrv (files_again, files);
  g_assert_cmpuint (count_evolution_items (), ==, 2);
  after = registry_sources (fixture->bus);
  g_assert_cmpuint (g_hash_table_size (after), ==, g_hash_table_size (before) + 3);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("DISPLAY");
  g_unsetenv ("WAYLAND_DISPLAY");

  for (guint i = 0; i < G_N_ELEMENTS (eds_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/evolution/eds/", eds_cases[i].name, NULL);

      g_test_add (path, Fixture, &eds_cases[i], fixture_set_up, test_export_to_registry,
                  fixture_tear_down);
    }

  return g_test_run ();
}
