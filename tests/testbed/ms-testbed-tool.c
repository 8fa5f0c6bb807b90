/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ms-testbed: runs a test-bed in the foreground for demo and benchmark scripts and manual
 * testing. It prints where everything is, including the throwaway test passwords, then waits
 * for SIGINT, SIGTERM or the end of its standard input and stops everything. */
#define G_LOG_DOMAIN "ms-testbed-tool"

#include "config.h"

#include "ms-testbed.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

static const char *const cert_names[MS_TESTBED_N_CERTS] = {
  [MS_TESTBED_CERT_VALID] = "valid",
  [MS_TESTBED_CERT_SELF_SIGNED] = "self-signed",
  [MS_TESTBED_CERT_WRONG_HOST] = "wrong-host",
  [MS_TESTBED_CERT_EXPIRED] = "expired",
  [MS_TESTBED_CERT_NOT_YET_VALID] = "not-yet-valid",
};

static const char *const user_kinds[MS_TESTBED_N_USERS] = {
  [MS_TESTBED_USER_FULL_ADDRESS] = "full-address",
  [MS_TESTBED_USER_LOCAL_PART] = "local-part",
  [MS_TESTBED_USER_SPECIAL_PASSWORD] = "special-password",
};

static const char *
listener_security (MsTestbedListener listener)
{
  return ms_testbed_listener_is_starttls (listener) ? "starttls" : "tls";
}

static void
add_string_array (JsonBuilder       *builder,
                  const char *const *strings)
{
  json_builder_begin_array (builder);
  for (guint i = 0; strings[i] != NULL; i++)
    json_builder_add_string_value (builder, strings[i]);
  json_builder_end_array (builder);
}

static void
add_user (JsonBuilder         *builder,
          MsTestbedUserKind    kind,
          const MsTestbedUser *user)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, user_kinds[kind]);
  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, user->address);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, user->login);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, user->password);
  json_builder_end_object (builder);
}

static char *
describe_as_json (MsTestbed     *testbed,
                  MsTestbedFlags flags)
{
  const char *const *domains = ms_testbed_get_user_domains (testbed);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "dir");
  json_builder_add_string_value (builder, ms_testbed_get_dir (testbed));
  json_builder_set_member_name (builder, "host");
  json_builder_add_string_value (builder, ms_testbed_get_host (testbed));
  json_builder_set_member_name (builder, "ca-file");
  json_builder_add_string_value (builder, ms_testbed_get_ca_file (testbed));

  json_builder_set_member_name (builder, "certificates");
  json_builder_begin_object (builder);
  for (guint i = 0; i < MS_TESTBED_N_CERTS; i++)
    {
      json_builder_set_member_name (builder, cert_names[i]);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "cert-file");
      json_builder_add_string_value (builder, ms_testbed_get_cert_file (testbed, i));
      json_builder_set_member_name (builder, "key-file");
      json_builder_add_string_value (builder, ms_testbed_get_key_file (testbed, i));
      /* where Dovecot and Postfix present it */
      json_builder_set_member_name (builder, "host");
      if (ms_testbed_get_cert_host (testbed, i) != NULL)
        json_builder_add_string_value (builder, ms_testbed_get_cert_host (testbed, i));
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "remote-host");
  json_builder_add_string_value (builder, ms_testbed_get_remote_host (testbed));
  json_builder_set_member_name (builder, "extra-names");
  add_string_array (builder, ms_testbed_get_extra_names (testbed));
  json_builder_set_member_name (builder, "user-domains");
  add_string_array (builder, ms_testbed_get_user_domains (testbed));

  json_builder_set_member_name (builder, "listeners");
  json_builder_begin_array (builder);
  for (guint i = 0; (flags & MS_TESTBED_MAIL) != 0 && i < MS_TESTBED_N_LISTENERS; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "protocol");
      json_builder_add_string_value (builder, ms_testbed_listener_protocol (i));
      json_builder_set_member_name (builder, "security");
      json_builder_add_string_value (builder, listener_security (i));
      json_builder_set_member_name (builder, "port");
      json_builder_add_int_value (builder, ms_testbed_get_port (testbed, i));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  /* The fixed users first (readers pick the first of a kind), then those of the user domains. */
  json_builder_set_member_name (builder, "users");
  json_builder_begin_array (builder);
  for (guint i = 0; i < MS_TESTBED_N_USERS; i++)
    add_user (builder, i, ms_testbed_get_user (testbed, i));
  for (guint d = 0; domains[d] != NULL; d++)
    {
      for (guint i = 0; i < MS_TESTBED_N_USERS; i++)
        add_user (builder, i, ms_testbed_get_domain_user (testbed, i, domains[d]));
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "dbus-session-bus-address");
  if ((flags & MS_TESTBED_KEYRING) != 0)
    json_builder_add_string_value (builder, g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  else
    json_builder_add_null_value (builder);

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

static char *
describe_as_text (MsTestbed     *testbed,
                  MsTestbedFlags flags)
{
  const char *const *domains = ms_testbed_get_user_domains (testbed);
  const char *const *extra_names = ms_testbed_get_extra_names (testbed);
  g_autoptr (GString) text = g_string_new (NULL);

  g_string_append_printf (text, "dir:      %s\n", ms_testbed_get_dir (testbed));
  g_string_append_printf (text, "host:     %s\n", ms_testbed_get_host (testbed));
  g_string_append_printf (text, "CA:       %s\n", ms_testbed_get_ca_file (testbed));

  for (guint i = 0; i < MS_TESTBED_N_CERTS; i++)
    g_string_append_printf (text, "cert:     %-14s %s (key %s)\n", cert_names[i],
                            ms_testbed_get_cert_file (testbed, i),
                            ms_testbed_get_key_file (testbed, i));

  for (guint i = 0; (flags & MS_TESTBED_MAIL) != 0 && i < MS_TESTBED_N_LISTENERS; i++)
    g_string_append_printf (text, "listener: %s %-8s %u\n", ms_testbed_listener_protocol (i),
                            listener_security (i), ms_testbed_get_port (testbed, i));

  for (guint i = 0; i < MS_TESTBED_N_USERS; i++)
    {
      const MsTestbedUser *user = ms_testbed_get_user (testbed, i);

      g_string_append_printf (text, "user:     %s login %s password %s\n", user->address,
                              user->login, user->password);
    }

  for (guint d = 0; domains[d] != NULL; d++)
    {
      for (guint i = 0; i < MS_TESTBED_N_USERS; i++)
        {
          const MsTestbedUser *user = ms_testbed_get_domain_user (testbed, i, domains[d]);

          g_string_append_printf (text, "user:     %s login %s password %s\n", user->address,
                                  user->login, user->password);
        }
    }

  for (guint i = 0; extra_names[i] != NULL; i++)
    g_string_append_printf (text, "name:     %s (valid certificate)\n", extra_names[i]);

  if ((flags & MS_TESTBED_KEYRING) != 0)
    g_string_append_printf (text, "DBUS_SESSION_BUS_ADDRESS=%s\n",
                            g_getenv ("DBUS_SESSION_BUS_ADDRESS"));

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* --certs-only DIR: copies the test CA and the certificate variants into DIR (which outlives
 * the test-bed), prints {"ca_file": …, "certs": {VARIANT: {"cert": …, "key": …}}} and exits.
 * The scripted servers of tests/servers use these. */
static gboolean
copy_file (const char *source,
           const char *directory,
           const char *name,
           char      **out_path,
           GError    **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  *out_path = g_build_filename (directory, name, NULL);
  if (!g_file_get_contents (source, &contents, &length, error))
    return FALSE;
  return g_file_set_contents_full (*out_path, contents, (gssize) length,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static int
certs_only (const char *directory)
{
  g_autoptr (MsTestbed) testbed = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *ca_path = NULL;
  g_autofree char *text = NULL;

  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      g_printerr ("ms-testbed: cannot create %s\n", directory);
      return 1;
    }

  testbed = ms_testbed_start (0, &error);
  if (testbed == NULL ||
      !copy_file (ms_testbed_get_ca_file (testbed), directory, "ca.pem", &ca_path, &error))
    {
      g_printerr ("ms-testbed: %s\n", error->message);
      return 1;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ca_file");
  json_builder_add_string_value (builder, ca_path);
  json_builder_set_member_name (builder, "certs");
  json_builder_begin_object (builder);
  for (guint i = 0; i < MS_TESTBED_N_CERTS; i++)
    {
      g_autofree char *cert_name = g_strconcat (cert_names[i], ".pem", NULL);
      g_autofree char *key_name = g_strconcat (cert_names[i], ".key", NULL);
      g_autofree char *cert_path = NULL;
      g_autofree char *key_path = NULL;

      if (!copy_file (ms_testbed_get_cert_file (testbed, i), directory, cert_name, &cert_path,
                      &error) ||
          !copy_file (ms_testbed_get_key_file (testbed, i), directory, key_name, &key_path,
                      &error))
        {
          g_printerr ("ms-testbed: %s\n", error->message);
          return 1;
        }
      json_builder_set_member_name (builder, cert_names[i]);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "cert");
      json_builder_add_string_value (builder, cert_path);
      json_builder_set_member_name (builder, "key");
      json_builder_add_string_value (builder, key_path);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
  return 0;
}

/* "a,b" "c" → "a" "b" "c"; empty items dropped. */
static GStrv
split_lists (char **args)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    {
      g_auto (GStrv) items = g_strsplit (args[i], ",", -1);

      for (guint j = 0; items[j] != NULL; j++)
        {
          g_strstrip (items[j]);
          if (items[j][0] != '\0')
            g_strv_builder_add (builder, items[j]);
        }
    }

  return g_strv_builder_end (builder);
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_stdin (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  char buffer[256];

  /* Whatever arrives is ignored; the end of input means stop. */
  if (read (fd, buffer, sizeof buffer) > 0)
    return G_SOURCE_CONTINUE;

  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (MsTestbed) testbed = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *description = NULL;
  g_autofree char *certs_dir = NULL;
  g_auto (GStrv) extra_names_args = NULL;
  g_auto (GStrv) user_domains_args = NULL;
  g_auto (GStrv) extra_names = NULL;
  g_auto (GStrv) user_domains = NULL;
  gboolean keyring = FALSE;
  gboolean json = FALSE;
  MsTestbedFlags flags = MS_TESTBED_MAIL;
  MsTestbedOptions options = { 0 };
  const GOptionEntry entries[] = {
    { "keyring", 0, 0, G_OPTION_ARG_NONE, &keyring,
      "Also run gnome-keyring on a private session bus", NULL },
    { "standard-ports", 0, 0, G_OPTION_ARG_NONE, &options.standard_ports,
      "Listen on 143, 993, 110, 995, 587 and 465 (in a network namespace of your own)", NULL },
    { "extra-names", 0, 0, G_OPTION_ARG_STRING_ARRAY, &extra_names_args,
      "More DNS names for the valid certificate (comma-separated, repeatable)", "NAME,…" },
    { "user-domains", 0, 0, G_OPTION_ARG_STRING_ARRAY, &user_domains_args,
      "More domains for the users: alice@DOMAIN, bob@DOMAIN, carol@DOMAIN (comma-separated, "
      "repeatable)",
      "DOMAIN,…" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the facts as one line of JSON", NULL },
    { "certs-only", 0, 0, G_OPTION_ARG_FILENAME, &certs_dir,
      "Only write the test CA and certificate variants into DIR, print them as JSON and exit",
      "DIR" },
    { NULL },
  };

  setlocale (LC_ALL, "");

  context = g_option_context_new ("- run a mail test-bed until interrupted");
  g_option_context_set_summary (context,
                                "Starts Dovecot and Postfix on free loopback ports with a "
                                "throwaway CA and users, prints where\n"
                                "everything is, and stops it all on SIGINT, SIGTERM or the end "
                                "of standard input.\nNeeds root. --standard-ports, "
                                "--extra-names and --user-domains serve a world of\n"
                                "several domains inside a network namespace (see "
                                "tests/discovery-world).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("ms-testbed: %s\n", error->message);
      return 2;
    }

  if (certs_dir != NULL)
    return certs_only (certs_dir);

  if (keyring)
    flags |= MS_TESTBED_KEYRING;

  extra_names = split_lists (extra_names_args);
  user_domains = split_lists (user_domains_args);
  options.extra_names = (const char *const *) extra_names;
  options.user_domains = (const char *const *) user_domains;

  testbed = ms_testbed_start_full (flags, &options, &error);
  if (testbed == NULL)
    {
      g_printerr ("ms-testbed: %s\n", error->message);
      return 1;
    }

  description = json ? describe_as_json (testbed, flags) : describe_as_text (testbed, flags);
  g_print ("%s%s", description, json ? "\n" : "");
  fflush (stdout);
  if (!json)
    g_printerr ("Running; stop with Ctrl-C, SIGTERM or the end of standard input.\n");

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, loop);
  g_main_loop_run (loop);

  return 0;
}
