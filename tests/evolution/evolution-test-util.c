/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "evolution-test-util.h"

#include <string.h>

/**
 * test_make_account:
 * @incoming_spec: e.g. `imap:tls:imap.example.com:993`
 * @outgoing_spec: e.g. `smtp:starttls:smtp.example.com:587`
 *
 * Returns: (transfer full): Alice's account, id `alice-example-com`, logging in with her address
 */
MsAccount *
test_make_account (const char *incoming_spec,
                   const char *outgoing_spec)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsServerConfig) incoming = ms_server_config_new_from_spec (incoming_spec, &error);
  g_autoptr (MsServerConfig) outgoing = NULL;
  MsAccount *account;

  g_assert_no_error (error);
  outgoing = ms_server_config_new_from_spec (outgoing_spec, &error);
  g_assert_no_error (error);

  ms_server_config_set_username (incoming, TEST_ADDRESS);
  ms_server_config_set_username (outgoing, TEST_ADDRESS);
  account = ms_account_new (TEST_NAME, TEST_ADDRESS, incoming, outgoing);
  ms_account_set_id (account, "alice-example-com");
  return account;
}

void
test_store_result (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Runs the thread-default main context until *result is set, for at most a minute. */
GAsyncResult *
test_wait (GAsyncResult **result)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (*result == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  return *result;
}

MsExportReport *
test_export (MsAccount  *account,
             const char *password,
             gboolean    dry_run,
             GError    **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ms_evolution_export_async (account, password, dry_run, NULL, test_store_result, &result);
  return ms_evolution_export_finish (test_wait (&result), error);
}

gboolean
test_keyring_store (MsAccount      *account,
                    MsServerConfig *server,
                    const char     *password,
                    GError        **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ms_keyring_store_async (account, server, password, NULL, test_store_result, &result);
  return ms_keyring_store_finish (test_wait (&result), error);
}

char *
test_keyring_lookup (MsAccount      *account,
                     MsServerConfig *server,
                     GError        **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ms_keyring_lookup_async (account, server, NULL, test_store_result, &result);
  return ms_keyring_lookup_finish (test_wait (&result), error);
}

gboolean
test_keyring_clear (MsAccount      *account,
                    MsServerConfig *server,
                    gboolean       *out_removed,
                    GError        **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ms_keyring_clear_async (account, server, NULL, test_store_result, &result);
  return ms_keyring_clear_finish (test_wait (&result), out_removed, error);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Returns: (transfer full): the names in @path, sorted; empty when it does not exist */
GStrv
test_list_dir (const char *path)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

GKeyFile *
test_key_file_from_bytes (GBytes *bytes)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  g_key_file_load_from_data (key_file, data, length, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&key_file);
}

/* Secrets are described, never shown: not in a target, a note or any content. */
void
test_assert_no_password_in_report (MsExportReport *report,
                                   const char     *password)
{
  for (guint i = 0; i < ms_export_report_get_n_changes (report); i++)
    {
      const MsExportChange *change = ms_export_report_get_change (report, i);

      g_assert_null (strstr (change->target, password));
      if (change->note != NULL)
        g_assert_null (strstr (change->note, password));
      if (change->content != NULL)
        {
          gsize length;
          const char *data = g_bytes_get_data (change->content, &length);
          g_autofree char *text = g_strndup (data, length);

          g_assert_null (strstr (text, password));
          g_assert_null (strstr (text, "S3cret"));
        }
    }
}
