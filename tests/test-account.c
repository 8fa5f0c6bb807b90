/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "mailsetup.h"

static MsAccount *
make_account (const char *address)
{
  g_autoptr (MsServerConfig) incoming =
    ms_server_config_new_from_spec ("imap:tls:imap.example.com:993", NULL);
  g_autoptr (MsServerConfig) outgoing =
    ms_server_config_new_from_spec ("smtp:starttls:smtp.example.com:587", NULL);

  ms_server_config_set_username (incoming, address);
  ms_server_config_set_username (outgoing, "alice");
  ms_server_config_set_auth_mechanism (outgoing, MS_AUTH_MECHANISM_LOGIN);
  g_assert_true (ms_server_config_set_pin (
    outgoing, "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", NULL));

  return ms_account_new ("Alice Example", address, incoming, outgoing);
}

static void
test_account_key_file_round_trip (void)
{
  g_autoptr (MsAccount) account = make_account ("alice@example.com");
  g_autoptr (MsAccount) loaded = NULL;
  g_autoptr (GKeyFile) key_file = NULL;
  g_autoptr (GKeyFile) reparsed = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;

  ms_account_set_id (account, "alice-example-com");
  key_file = ms_account_to_key_file (account);
  data = g_key_file_to_data (key_file, NULL, NULL);

  /* The format is for people too: check it reads as documented. */
  g_assert_nonnull (strstr (data, "[Account]\nVersion=1\nId=alice-example-com\n"
                                  "Name=Alice Example\nAddress=alice@example.com\n"));
  g_assert_nonnull (strstr (data, "[Incoming]\nProtocol=imap\nHost=imap.example.com\nPort=993\n"
                                  "Security=tls\nUser=alice@example.com\nAuthentication=auto\n"));
  g_assert_nonnull (strstr (data, "[Outgoing]\nProtocol=smtp\nHost=smtp.example.com\nPort=587\n"
                                  "Security=starttls\nUser=alice\nAuthentication=login\n"
                                  "Pin=sha256:00112233"));
  g_assert_null (strstr (data, "assword"));

  g_assert_true (g_key_file_load_from_data (reparsed, data, -1, G_KEY_FILE_NONE, NULL));
  loaded = ms_account_new_from_key_file (reparsed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_account_get_id (loaded), ==, "alice-example-com");
  g_assert_cmpstr (ms_account_get_display_name (loaded), ==, "Alice Example");
  g_assert_cmpstr (ms_account_get_address (loaded), ==, "alice@example.com");
  g_assert_true (ms_server_config_equal (ms_account_get_incoming (loaded),
                                         ms_account_get_incoming (account)));
  g_assert_true (ms_server_config_equal (ms_account_get_outgoing (loaded),
                                         ms_account_get_outgoing (account)));
}

typedef struct
{
  const char *name;
  const char *key_file;
  const char *message_part;
} BrokenCase;

#define GOOD_SERVERS                                                                              \
  "[Incoming]\nProtocol=imap\nHost=imap.example.com\nPort=993\nSecurity=tls\n"                    \
  "[Outgoing]\nProtocol=smtp\nHost=smtp.example.com\nPort=587\nSecurity=starttls\n"

static const BrokenCase broken_cases[] = {
  { "no-account-group", GOOD_SERVERS, "no [Account] section" },
  { "no-name", "[Account]\nAddress=a@example.com\n" GOOD_SERVERS, "no “Name”" },
  { "bad-address", "[Account]\nName=A\nAddress=a.example.com\n" GOOD_SERVERS, "needs an “@”" },
  { "bad-id", "[Account]\nId=../../etc\nName=A\nAddress=a@example.com\n" GOOD_SERVERS,
    "“../../etc” is not a valid Id" },
  { "newer-version", "[Account]\nVersion=7\nName=A\nAddress=a@example.com\n" GOOD_SERVERS,
    "newer version" },
  { "no-outgoing",
    "[Account]\nName=A\nAddress=a@example.com\n"
    "[Incoming]\nProtocol=imap\nHost=imap.example.com\nPort=993\nSecurity=tls\n",
    "no [Outgoing] section" },
  { "no-host",
    "[Account]\nName=A\nAddress=a@example.com\n"
    "[Incoming]\nProtocol=imap\nPort=993\nSecurity=tls\n"
    "[Outgoing]\nProtocol=smtp\nHost=smtp.example.com\nPort=587\nSecurity=starttls\n",
    "no “Host” in its [Incoming] section" },
  { "bad-protocol",
    "[Account]\nName=A\nAddress=a@example.com\n"
    "[Incoming]\nProtocol=imapx\nHost=imap.example.com\nPort=993\nSecurity=tls\n"
    "[Outgoing]\nProtocol=smtp\nHost=smtp.example.com\nPort=587\nSecurity=starttls\n",
    "“imapx” is not a valid Protocol in the [Incoming] section" },
  { "bad-port",
    "[Account]\nName=A\nAddress=a@example.com\n"
    "[Incoming]\nProtocol=imap\nHost=imap.example.com\nPort=99999\nSecurity=tls\n"
    "[Outgoing]\nProtocol=smtp\nHost=smtp.example.com\nPort=587\nSecurity=starttls\n",
    "“99999” is not a valid Port" },
  { "bad-security",
    "[Account]\nName=A\nAddress=a@example.com\n"
    "[Incoming]\nProtocol=imap\nHost=imap.example.com\nPort=993\nSecurity=maybe\n"
    "[Outgoing]\nProtocol=smtp\nHost=smtp.example.com\nPort=587\nSecurity=starttls\n",
    "“maybe” is not a valid Security" },
  { "bad-pin",
    "[Account]\nName=A\nAddress=a@example.com\n"
    "[Incoming]\nProtocol=imap\nHost=imap.example.com\nPort=993\nSecurity=tls\nPin=md5:1\n"
    "[Outgoing]\nProtocol=smtp\nHost=smtp.example.com\nPort=587\nSecurity=starttls\n",
    "“md5:1” is not a valid Pin" },
  { "smtp-incoming",
    "[Account]\nName=A\nAddress=a@example.com\n"
    "[Incoming]\nProtocol=smtp\nHost=smtp.example.com\nPort=465\nSecurity=tls\n"
    "[Outgoing]\nProtocol=smtp\nHost=smtp.example.com\nPort=587\nSecurity=starttls\n",
    "must use IMAP or POP3" },
  { "imap-outgoing",
    "[Account]\nName=A\nAddress=a@example.com\n"
    "[Incoming]\nProtocol=imap\nHost=imap.example.com\nPort=993\nSecurity=tls\n"
    "[Outgoing]\nProtocol=imap\nHost=imap.example.com\nPort=993\nSecurity=tls\n",
    "must use SMTP" },
  { "bad-host",
    "[Account]\nName=A\nAddress=a@example.com\n"
    "[Incoming]\nProtocol=imap\nHost=imap example.com\nPort=993\nSecurity=tls\n"
    "[Outgoing]\nProtocol=smtp\nHost=smtp.example.com\nPort=587\nSecurity=starttls\n",
    "not a valid server name" },
};

static void
test_account_broken_key_file (gconstpointer data)
{
  const BrokenCase *c = data;
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (MsAccount) account = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_key_file_load_from_data (key_file, c->key_file, -1, G_KEY_FILE_NONE, NULL));
  account = ms_account_new_from_key_file (key_file, &error);
  g_assert_null (account);
  g_assert_nonnull (error);
  g_assert_true (error->domain == MS_ERROR);
  if (strstr (error->message, c->message_part) == NULL)
    g_error ("%s: message “%s” lacks “%s”", c->name, error->message, c->message_part);
}

static void
test_account_user_defaults_to_address (void)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (MsAccount) account = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_key_file_load_from_data (
    key_file, "[Account]\nName=A\nAddress=a@example.com\n" GOOD_SERVERS, -1, G_KEY_FILE_NONE,
    NULL));
  account = ms_account_new_from_key_file (key_file, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_server_config_get_username (ms_account_get_incoming (account)), ==,
                   "a@example.com");
  g_assert_cmpstr (ms_server_config_get_username (ms_account_get_outgoing (account)), ==,
                   "a@example.com");
}

static void
test_account_validate (void)
{
  g_autoptr (MsAccount) account = make_account ("alice@example.com");
  g_autoptr (GError) error = NULL;

  g_assert_true (ms_account_validate (account, &error));
  g_assert_no_error (error);

  ms_account_set_display_name (account, "   ");
  g_assert_false (ms_account_validate (account, &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT);
  g_clear_error (&error);

  ms_account_set_display_name (account, "Alice");
  ms_account_set_incoming (account, NULL);
  g_assert_false (ms_account_validate (account, &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT);
}

static void
test_account_make_id (void)
{
  g_autofree char *a = ms_account_make_id ("Alice.Smith@Example.com");
  g_autofree char *b = ms_account_make_id ("\"x y\"@example.org");
  g_autofree char *c = ms_account_make_id ("@@@");

  g_assert_cmpstr (a, ==, "alice-smith-example-com");
  g_assert_cmpstr (b, ==, "x-y-example-org");
  g_assert_cmpstr (c, ==, "account");
  g_assert_true (ms_account_id_is_valid (a));
  g_assert_false (ms_account_id_is_valid (""));
  g_assert_false (ms_account_id_is_valid ("../x"));
  g_assert_false (ms_account_id_is_valid ("-x"));
  g_assert_false (ms_account_id_is_valid ("A"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/account/key-file/round-trip", test_account_key_file_round_trip);
  for (gsize i = 0; i < G_N_ELEMENTS (broken_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/account/key-file/broken/%s",
                                               broken_cases[i].name);

      g_test_add_data_func (path, &broken_cases[i], test_account_broken_key_file);
    }
  g_test_add_func ("/account/key-file/user-defaults-to-address",
                   test_account_user_defaults_to_address);
  g_test_add_func ("/account/validate", test_account_validate);
  g_test_add_func ("/account/make-id", test_account_make_id);

  return g_test_run ();
}
