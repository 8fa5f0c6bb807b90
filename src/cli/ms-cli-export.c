/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "ms-cli.h"

#include <stdio.h>
#include <string.h>

typedef struct
{
  GMainLoop      *loop;
  MsExportReport *report;
  char           *password;
  GError         *error;
} Wait;

static void
on_evolution_exported (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Wait *wait = user_data;

  wait->report = ms_evolution_export_finish (result, &wait->error);
  g_main_loop_quit (wait->loop);
}

static void
on_password_found (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Wait *wait = user_data;

  wait->password = ms_keyring_lookup_finish (result, &wait->error);
  g_main_loop_quit (wait->loop);
}

static void
add_content (JsonBuilder  *builder,
             GBytes       *content)
{
  gsize size;
  const char *data = content ? g_bytes_get_data (content, &size) : NULL;

  json_builder_set_member_name (builder, "content");
  if (data == NULL)
    json_builder_add_null_value (builder);
  else if (g_utf8_validate (data, (gssize) size, NULL))
    {
      g_autofree char *text = g_strndup (data, size);

      json_builder_add_string_value (builder, text);
    }
  else
    {
      /* prefs.js may hold Latin-1 bytes: JSON carries them as base64 */
      g_autofree char *encoded = g_base64_encode ((const guchar *) data, size);

      json_builder_add_string_value (builder, encoded);
      json_builder_set_member_name (builder, "content_encoding");
      json_builder_add_string_value (builder, "base64");
    }
}

static void
print_report_json (MsExportReport *report,
                   MsAccount      *account)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "account");
  json_builder_add_string_value (builder, ms_account_get_id (account));
  json_builder_set_member_name (builder, "client");
  json_builder_add_string_value (builder, ms_export_report_get_client (report));
  json_builder_set_member_name (builder, "dry_run");
  json_builder_add_boolean_value (builder, ms_export_report_get_dry_run (report));
  json_builder_set_member_name (builder, "changes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < ms_export_report_get_n_changes (report); i++)
    {
      const MsExportChange *change = ms_export_report_get_change (report, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "action");
      json_builder_add_string_value (builder, ms_export_action_to_string (change->action));
      json_builder_set_member_name (builder, "target");
      json_builder_add_string_value (builder, change->target);
      add_content (builder, change->content);
      json_builder_set_member_name (builder, "note");
      if (change->note != NULL)
        json_builder_add_string_value (builder, change->note);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  ms_cli_print_json (root);
}

static const char *
describe_action (MsExportAction action,
                 gboolean       dry_run)
{
  switch (action)
    {
    case MS_EXPORT_ACTION_CREATE:
      return dry_run ? _("Would create") : _("Created");
    case MS_EXPORT_ACTION_APPEND:
      return dry_run ? _("Would append to") : _("Appended to");
    case MS_EXPORT_ACTION_REPLACE:
      return dry_run ? _("Would replace") : _("Replaced");
    case MS_EXPORT_ACTION_SECRET:
      return dry_run ? _("Would store in the keyring") : _("Stored in the keyring");
    case MS_EXPORT_ACTION_UNCHANGED:
      return _("Already there, nothing to do");
    default:
      g_assert_not_reached ();
    }
}

static void
print_report (MsExportReport *report)
{
  gboolean dry_run = ms_export_report_get_dry_run (report);

  for (guint i = 0; i < ms_export_report_get_n_changes (report); i++)
    {
      const MsExportChange *change = ms_export_report_get_change (report, i);

      printf ("%s: %s\n", describe_action (change->action, dry_run), change->target);
      /* A dry run shows exactly the bytes it would write. */
      if (dry_run && change->content != NULL)
        {
          gsize size;
          const char *data = g_bytes_get_data (change->content, &size);

          fwrite (data, 1, size, stdout);
          if (size > 0 && data[size - 1] != '\n')
            fputc ('\n', stdout);
        }
      if (change->note != NULL)
        printf ("  %s\n", change->note);
    }
}

int
ms_cli_export (int    argc,
               char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (MsAccountStore) store = NULL;
  g_autoptr (MsAccount) account = NULL;
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *account_id = NULL;
  g_autofree char *target = NULL;
  char *password = NULL;
  gboolean password_stdin = FALSE;
  gboolean from_keyring = FALSE;
  gboolean dry_run = FALSE;
  gboolean json = FALSE;
  const char *command = g_get_prgname ();
  int exit_code = MS_CLI_EXIT_OK;
  GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &account_id, N_("The account to export"),
      N_("ID|FILE") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &target,
      N_("thunderbird[:PROFILE-PATH], evolution, or autoconfig:PATH"), N_("CLIENT") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Read the password from the first line of standard input (for Evolution)"), NULL },
    { "from-keyring", 0, 0, G_OPTION_ARG_NONE, &from_keyring,
      N_("Take the password from the keyring, where “accounts add --password-stdin” put it"),
      NULL },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run,
      N_("Print exactly what would be written, and touch nothing"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print what was written where as JSON"), NULL },
    { NULL }
  };

  context = ms_cli_option_context_new (
    NULL, _("Writes a saved account where a mail client reads it: a Thunderbird profile "
            "(every existing byte of prefs.js kept, a backup made), Evolution (with the "
            "passwords in the keyring), or an autoconfig file a domain administrator can "
            "publish."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!ms_cli_parse_options (context, command, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ms_cli_usage_error (command, _("unexpected argument “%s”"), argv[1]);
  if (account_id == NULL)
    return ms_cli_usage_error (command, _("--account is required"));
  if (target == NULL)
    return ms_cli_usage_error (command, _("--to is required: thunderbird[:PROFILE-PATH], "
                                          "evolution or autoconfig:PATH"));
  if (password_stdin && from_keyring)
    return ms_cli_usage_error (command, _("--password-stdin and --from-keyring do not go "
                                          "together"));

  store = ms_account_store_new (NULL);
  account = ms_account_store_lookup (store, account_id, &error);
  if (account == NULL)
    return ms_cli_error (command, -1, error);

  if (g_str_equal (target, "thunderbird") || g_str_has_prefix (target, "thunderbird:"))
    {
      const char *profile = target[strlen ("thunderbird")] == ':' ? target + 12 : NULL;

      if (profile != NULL && *profile == '\0')
        return ms_cli_usage_error (command, _("--to thunderbird: the profile path is empty"));
      report = ms_thunderbird_export (account, profile, dry_run, NULL, &error);
    }
  else if (g_str_has_prefix (target, "autoconfig:"))
    {
      const char *path = target + strlen ("autoconfig:");

      if (*path == '\0')
        return ms_cli_usage_error (command, _("--to autoconfig:PATH needs a path"));
      report = ms_autoconfig_export (account, path, dry_run, &error);
    }
  else if (g_str_equal (target, "evolution"))
    {
      Wait wait = { 0 };

      wait.loop = g_main_loop_new (NULL, FALSE);
      if (password_stdin)
        {
          password = ms_cli_read_password (command, &exit_code);
          if (password == NULL)
            {
              g_main_loop_unref (wait.loop);
              return exit_code;
            }
        }
      else if (from_keyring)
        {
          ms_keyring_lookup_async (account, ms_account_get_incoming (account), NULL,
                                   on_password_found, &wait);
          g_main_loop_run (wait.loop);
          if (wait.error != NULL)
            {
              g_main_loop_unref (wait.loop);
              return ms_cli_error (command, MS_CLI_EXIT_FAILED, wait.error);
            }
          if (wait.password == NULL)
            {
              g_main_loop_unref (wait.loop);
              return ms_cli_usage_error (command, _("--from-keyring: the keyring has no password "
                                                    "for this account"));
            }
          password = g_steal_pointer (&wait.password);
        }

      ms_evolution_export_async (account, password, dry_run, NULL, on_evolution_exported, &wait);
      g_main_loop_run (wait.loop);
      g_main_loop_unref (wait.loop);
      ms_cli_wipe_password (password);
      report = wait.report;
      if (wait.error != NULL)
        g_propagate_error (&error, wait.error);
    }
  else
    return ms_cli_usage_error (command, _("--to: “%s” is not thunderbird[:PROFILE-PATH], "
                                          "evolution or autoconfig:PATH"),
                               target);

  if (report == NULL)
    return ms_cli_error (command, -1, error);

  if (json)
    print_report_json (report, account);
  else
    print_report (report);

  return MS_CLI_EXIT_OK;
}
