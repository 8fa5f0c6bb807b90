/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "ms-cli.h"

#include <stdio.h>
#include <string.h>

static gboolean
check_no_arguments (const char *command,
                    int         argc,
                    char      **argv,
                    int        *out_exit_code)
{
  if (argc > 1)
    {
      *out_exit_code = ms_cli_usage_error (command, _("unexpected argument “%s”"), argv[1]);
      return FALSE;
    }
  return TRUE;
}

static MsServerConfig *
parse_server (const char *command,
              const char *option,
              const char *spec,
              const char *user,
              const char *pin,
              const char *default_user,
              gboolean    incoming,
              int        *out_exit_code)
{
  g_autoptr (MsServerConfig) server = NULL;
  g_autoptr (GError) error = NULL;
  MsProtocol protocol;

  if (spec == NULL)
    {
      *out_exit_code = ms_cli_usage_error (command, _("%s is required"), option);
      return NULL;
    }

  server = ms_server_config_new_from_spec (spec, &error);
  if (server == NULL)
    {
      *out_exit_code = ms_cli_usage_error (command, "%s: %s", option, error->message);
      return NULL;
    }

  protocol = ms_server_config_get_protocol (server);
  if (incoming && !ms_protocol_is_incoming (protocol))
    {
      *out_exit_code = ms_cli_usage_error (command, _("%s must be an IMAP or POP3 server, like "
                                                      "imap:tls:imap.example.com:993"),
                                           option);
      return NULL;
    }
  if (!incoming && protocol != MS_PROTOCOL_SMTP)
    {
      *out_exit_code = ms_cli_usage_error (command, _("%s must be an SMTP server, like "
                                                      "smtp:starttls:smtp.example.com:587"),
                                           option);
      return NULL;
    }

  if (user != NULL && *user == '\0')
    {
      *out_exit_code = ms_cli_usage_error (command, _("the user name after %s-user is empty"),
                                           option);
      return NULL;
    }
  ms_server_config_set_username (server, user != NULL ? user : default_user);

  if (pin != NULL && !ms_server_config_set_pin (server, pin, &error))
    {
      *out_exit_code = ms_cli_usage_error (command, "%s-pin: %s", option, error->message);
      return NULL;
    }

  if (ms_server_config_get_security (server) == MS_SECURITY_NONE)
    fprintf (stderr,
             _("%s: warning: %s has no encryption; Mail Setup will never send a password to "
               "it\n"),
             command, option);
  if (protocol == MS_PROTOCOL_SMTP && ms_server_config_get_port (server) == 25)
    fprintf (stderr,
             _("%s: warning: port 25 is for mail between servers; mail programs submit on 465 "
               "or 587\n"),
             command);

  return g_steal_pointer (&server);
}

typedef struct
{
  GMainLoop *loop;
  guint      pending;
  GError    *error;
} StoreWait;

static void
on_password_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  StoreWait *wait = user_data;
  g_autoptr (GError) error = NULL;

  if (!ms_keyring_store_finish (result, &error) && wait->error == NULL)
    wait->error = g_steal_pointer (&error);
  if (--wait->pending == 0)
    g_main_loop_quit (wait->loop);
}

/* Both servers get the password: one item each, as the keyring shows them to a person. */
static gboolean
store_passwords (MsAccount  *account,
                 const char *password,
                 GError    **error)
{
  StoreWait wait = { 0 };

  wait.loop = g_main_loop_new (NULL, FALSE);
  wait.pending = 2;
  ms_keyring_store_async (account, ms_account_get_incoming (account), password, NULL,
                          on_password_stored, &wait);
  ms_keyring_store_async (account, ms_account_get_outgoing (account), password, NULL,
                          on_password_stored, &wait);
  g_main_loop_run (wait.loop);
  g_main_loop_unref (wait.loop);

  if (wait.error != NULL)
    {
      g_propagate_error (error, wait.error);
      return FALSE;
    }
  return TRUE;
}

static int
accounts_add (int    argc,
              char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (MsAccountStore) store = NULL;
  g_autoptr (MsAccount) account = NULL;
  g_autoptr (MsAddress) address = NULL;
  g_autoptr (MsServerConfig) incoming = NULL;
  g_autoptr (MsServerConfig) outgoing = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *address_text = NULL;
  g_autofree char *incoming_spec = NULL;
  g_autofree char *incoming_user = NULL;
  g_autofree char *outgoing_spec = NULL;
  g_autofree char *outgoing_user = NULL;
  g_autofree char *incoming_pin = NULL;
  g_autofree char *outgoing_pin = NULL;
  g_autofree char *path = NULL;
  char *password = NULL;
  gboolean password_stdin = FALSE;
  gboolean json = FALSE;
  const char *command = g_get_prgname ();
  int exit_code = MS_CLI_EXIT_OK;
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Your name, as others see it"), N_("NAME") },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address_text, N_("The e-mail address"),
      N_("ADDRESS") },
    { "incoming", 0, 0, G_OPTION_ARG_STRING, &incoming_spec,
      N_("The IMAP or POP3 server, like imap:tls:imap.example.com:993"),
      N_("PROTOCOL:SECURITY:HOST:PORT") },
    { "incoming-user", 0, 0, G_OPTION_ARG_STRING, &incoming_user,
      N_("The user name on the incoming server (default: the address)"), N_("USER") },
    { "outgoing", 0, 0, G_OPTION_ARG_STRING, &outgoing_spec,
      N_("The SMTP server, like smtp:starttls:smtp.example.com:587"),
      N_("smtp:SECURITY:HOST:PORT") },
    { "outgoing-user", 0, 0, G_OPTION_ARG_STRING, &outgoing_user,
      N_("The user name on the outgoing server (default: the address)"), N_("USER") },
    { "incoming-pin", 0, 0, G_OPTION_ARG_STRING, &incoming_pin,
      N_("Trust exactly the incoming server’s certificate with this SHA-256 fingerprint"),
      N_("sha256:HEX") },
    { "outgoing-pin", 0, 0, G_OPTION_ARG_STRING, &outgoing_pin,
      N_("Trust exactly the outgoing server’s certificate with this SHA-256 fingerprint"),
      N_("sha256:HEX") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Read the password from the first line of standard input and keep it in the keyring"),
      NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print {\"id\": …} as JSON"), NULL },
    { NULL }
  };

  context = ms_cli_option_context_new (
    NULL, _("Adds an account with the servers given. SECURITY is tls (SSL/TLS), starttls or "
            "none; an IPv6 address goes in brackets, like [2001:db8::1]; without a port, the "
            "protocol’s usual one is used. Prints the new account’s id.\n\nPasswords are "
            "never taken on the command line."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!ms_cli_parse_options (context, command, &argc, &argv, &exit_code) ||
      !check_no_arguments (command, argc, argv, &exit_code))
    return exit_code;

  if (name == NULL || *g_strstrip (name) == '\0')
    return ms_cli_usage_error (command, _("--name is required"));
  if (address_text == NULL)
    return ms_cli_usage_error (command, _("--address is required"));

  address = ms_address_parse (address_text, &error);
  if (address == NULL)
    return ms_cli_usage_error (command, "--address: %s", error->message);

  incoming = parse_server (command, "--incoming", incoming_spec, incoming_user, incoming_pin,
                           address->address, TRUE, &exit_code);
  if (incoming == NULL)
    return exit_code;
  outgoing = parse_server (command, "--outgoing", outgoing_spec, outgoing_user, outgoing_pin,
                           address->address, FALSE, &exit_code);
  if (outgoing == NULL)
    return exit_code;

  if (password_stdin)
    {
      password = ms_cli_read_password (command, &exit_code);
      if (password == NULL)
        return exit_code;
    }

  account = ms_account_new (name, address->address, incoming, outgoing);
  store = ms_account_store_new (NULL);
  if (!ms_account_store_add (store, account, &error))
    {
      ms_cli_wipe_password (password);
      return ms_cli_error (command, -1, error);
    }

  if (password != NULL)
    {
      gboolean stored = store_passwords (account, password, &error);

      ms_cli_wipe_password (password);
      if (!stored)
        {
          /* All or nothing: no account without the password the user asked us to keep. */
          ms_account_store_remove (store, ms_account_get_id (account), NULL);
          return ms_cli_error (command, MS_CLI_EXIT_FAILED, error);
        }
    }

  path = ms_account_store_get_path (store, ms_account_get_id (account));
  if (json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, ms_account_get_id (account));
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, path);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      ms_cli_print_json (root);
    }
  else
    printf ("%s\n", ms_account_get_id (account));

  return MS_CLI_EXIT_OK;
}

static int
accounts_list (int    argc,
               char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (MsAccountStore) store = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;
  gboolean json = FALSE;
  const char *command = g_get_prgname ();
  int exit_code = MS_CLI_EXIT_OK;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the accounts as JSON"), NULL },
    { NULL }
  };

  context = ms_cli_option_context_new (NULL, _("Lists the accounts Mail Setup has saved."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!ms_cli_parse_options (context, command, &argc, &argv, &exit_code) ||
      !check_no_arguments (command, argc, argv, &exit_code))
    return exit_code;

  store = ms_account_store_new (NULL);
  accounts = ms_account_store_list (store, &problems, &error);
  if (accounts == NULL)
    return ms_cli_error (command, MS_CLI_EXIT_FAILED, error);

  /* A broken file does not hide the others, but it must not go unnoticed either. */
  for (guint i = 0; i < problems->len; i++)
    fprintf (stderr, _("%s: warning: skipped %s\n"), command,
             ((GError *) g_ptr_array_index (problems, i))->message);

  if (json)
    {
      g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr (JsonObject) object = json_object_new ();
      g_autoptr (JsonArray) array = json_array_new ();
      g_autoptr (JsonArray) problem_array = json_array_new ();

      for (guint i = 0; i < accounts->len; i++)
        {
          MsAccount *account = g_ptr_array_index (accounts, i);
          g_autofree char *path = ms_account_store_get_path (store, ms_account_get_id (account));

          json_array_add_element (array, ms_cli_account_to_json (account, path));
        }
      for (guint i = 0; i < problems->len; i++)
        json_array_add_string_element (problem_array,
                                       ((GError *) g_ptr_array_index (problems, i))->message);

      json_object_set_array_member (object, "accounts", g_steal_pointer (&array));
      json_object_set_array_member (object, "problems", g_steal_pointer (&problem_array));
      json_node_take_object (root, g_steal_pointer (&object));
      ms_cli_print_json (root);
      return MS_CLI_EXIT_OK;
    }

  if (accounts->len == 0)
    {
      printf (_("No accounts yet. Add one with “mail-setup-cli accounts add”.\n"));
      return MS_CLI_EXIT_OK;
    }

  for (guint i = 0; i < accounts->len; i++)
    {
      MsAccount *account = g_ptr_array_index (accounts, i);
      g_autofree char *incoming = ms_server_config_to_spec (ms_account_get_incoming (account));
      g_autofree char *outgoing = ms_server_config_to_spec (ms_account_get_outgoing (account));

      printf ("%s\t%s <%s>\t%s\t%s\n", ms_account_get_id (account),
              ms_account_get_display_name (account), ms_account_get_address (account), incoming,
              outgoing);
    }

  return MS_CLI_EXIT_OK;
}

/* Resolves the single ID|FILE argument of show and remove. */
static MsAccount *
lookup_argument (MsAccountStore *store,
                 const char     *command,
                 int             argc,
                 char          **argv,
                 char          **out_path,
                 int            *out_exit_code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsAccount) account = NULL;

  if (argc < 2)
    {
      *out_exit_code = ms_cli_usage_error (command, _("which account? Give its id or file (see "
                                                      "“mail-setup-cli accounts list”)"));
      return NULL;
    }
  if (argc > 2)
    {
      *out_exit_code = ms_cli_usage_error (command, _("unexpected argument “%s”"), argv[2]);
      return NULL;
    }

  account = ms_account_store_lookup (store, argv[1], &error);
  if (account == NULL)
    {
      *out_exit_code = ms_cli_error (command, -1, error);
      return NULL;
    }

  if (strchr (argv[1], '/') != NULL || g_str_has_suffix (argv[1], ".account"))
    *out_path = g_strdup (argv[1]);
  else
    *out_path = ms_account_store_get_path (store, argv[1]);

  return g_steal_pointer (&account);
}

static int
accounts_show (int    argc,
               char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (MsAccountStore) store = NULL;
  g_autoptr (MsAccount) account = NULL;
  g_autofree char *path = NULL;
  g_autofree char *incoming = NULL;
  g_autofree char *outgoing = NULL;
  gboolean json = FALSE;
  const char *command = g_get_prgname ();
  int exit_code = MS_CLI_EXIT_OK;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the account as JSON"), NULL },
    { NULL }
  };

  context = ms_cli_option_context_new (N_("ID|FILE"), _("Shows one account."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!ms_cli_parse_options (context, command, &argc, &argv, &exit_code))
    return exit_code;

  store = ms_account_store_new (NULL);
  account = lookup_argument (store, command, argc, argv, &path, &exit_code);
  if (account == NULL)
    return exit_code;

  if (json)
    {
      g_autoptr (JsonNode) root = ms_cli_account_to_json (account, path);

      ms_cli_print_json (root);
      return MS_CLI_EXIT_OK;
    }

  incoming = ms_cli_describe_server (ms_account_get_incoming (account));
  outgoing = ms_cli_describe_server (ms_account_get_outgoing (account));
  printf ("%s <%s>\n", ms_account_get_display_name (account), ms_account_get_address (account));
  printf ("  %-10s %s\n", _("Id"), ms_account_get_id (account));
  printf ("  %-10s %s\n", _("File"), path);
  printf ("  %-10s %s\n", _("Incoming"), incoming);
  if (ms_server_config_get_pin (ms_account_get_incoming (account)) != NULL)
    printf ("  %-10s %s\n", "", ms_server_config_get_pin (ms_account_get_incoming (account)));
  printf ("  %-10s %s\n", _("Outgoing"), outgoing);
  if (ms_server_config_get_pin (ms_account_get_outgoing (account)) != NULL)
    printf ("  %-10s %s\n", "", ms_server_config_get_pin (ms_account_get_outgoing (account)));

  return MS_CLI_EXIT_OK;
}

static gboolean
same_file (const char *a,
           const char *b)
{
  g_autoptr (GFile) file_a = g_file_new_for_path (a);
  g_autoptr (GFile) file_b = g_file_new_for_path (b);

  return g_file_equal (file_a, file_b);
}

static int
accounts_remove (int    argc,
                 char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (MsAccountStore) store = NULL;
  g_autoptr (MsAccount) account = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *stored_path = NULL;
  gboolean json = FALSE;
  const char *command = g_get_prgname ();
  int exit_code = MS_CLI_EXIT_OK;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print {\"removed\": ID} as JSON"), NULL },
    { NULL }
  };

  context = ms_cli_option_context_new (
    N_("ID|FILE"), _("Removes an account from Mail Setup’s list. Mail clients and the keyring "
                     "are left as they are."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!ms_cli_parse_options (context, command, &argc, &argv, &exit_code))
    return exit_code;

  store = ms_account_store_new (NULL);
  account = lookup_argument (store, command, argc, argv, &path, &exit_code);
  if (account == NULL)
    return exit_code;

  /* A file outside our folder is the user's own; we only read such files. */
  stored_path = ms_account_get_id (account) != NULL
                  ? ms_account_store_get_path (store, ms_account_get_id (account))
                  : NULL;
  if (stored_path == NULL || !g_file_test (stored_path, G_FILE_TEST_EXISTS) ||
      !same_file (stored_path, path))
    return ms_cli_usage_error (command,
                               _("%s is not in Mail Setup’s account folder (%s); only accounts "
                                 "there can be removed"),
                               path, ms_account_store_get_directory (store));

  if (!ms_account_store_remove (store, ms_account_get_id (account), &error))
    return ms_cli_error (command, -1, error);

  if (json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "removed");
      json_builder_add_string_value (builder, ms_account_get_id (account));
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      ms_cli_print_json (root);
    }
  else
    printf (_("Removed %s (%s)\n"), ms_account_get_id (account), ms_account_get_address (account));

  return MS_CLI_EXIT_OK;
}

static const MsCliCommand account_commands[] = {
  { "add", N_("Add an account with the servers given"), accounts_add },
  { "list", N_("List the accounts"), accounts_list },
  { "show", N_("Show one account"), accounts_show },
  { "remove", N_("Remove an account from Mail Setup’s list"), accounts_remove },
};

int
ms_cli_accounts (int    argc,
                 char **argv)
{
  return ms_cli_run_subcommand (g_get_prgname (), account_commands,
                                G_N_ELEMENTS (account_commands), argc - 1, argv + 1);
}
