/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "mailsetup.h"
#include "ms-autoconfig-private.h"
#include "ms-autoconfig-writer.h"
#include "ms-autoconfig.h"

typedef struct
{
  const char     *spec;
  const char     *username;
  MsAuthMechanism mechanism;
  const char     *written_username;  /* the start of what the file says, escaped */
  const char     *written_auth;
} ServerCase;

typedef struct
{
  const char *address;
  ServerCase  incoming;
  ServerCase  outgoing;
} RoundTripCase;

static const RoundTripCase imap_tls_address = {
  "alice@example.com",
  { "imap:tls:imap.example.com:993", "alice@example.com", MS_AUTH_MECHANISM_AUTOMATIC,
    "%EMAILADDRESS%", "password-cleartext" },
  { "smtp:starttls:smtp.example.com:587", "alice@example.com", MS_AUTH_MECHANISM_PLAIN,
    "%EMAILADDRESS%", "password-cleartext" },
};

static const RoundTripCase imap_starttls_local_part = {
  "bob@example.org",
  { "imap:starttls:mail.example.org:143", "bob", MS_AUTH_MECHANISM_AUTOMATIC,
    "%EMAILLOCALPART%", "password-cleartext" },
  { "smtp:tls:mail.example.org:465", "bob", MS_AUTH_MECHANISM_LOGIN, "%EMAILLOCALPART%",
    "password-cleartext" },
};

/* No user name configured means the address; the domain's case does not matter. */
static const RoundTripCase pop3_tls_address = {
  "carol@example.net",
  { "pop3:tls:pop.example.net:995", NULL, MS_AUTH_MECHANISM_AUTOMATIC, "%EMAILADDRESS%",
    "password-cleartext" },
  { "smtp:starttls:smtp.example.net:587", "carol@EXAMPLE.NET", MS_AUTH_MECHANISM_AUTOMATIC,
    "%EMAILADDRESS%", "password-cleartext" },
};

static const RoundTripCase pop3_starttls_local_part = {
  "dave@example.net",
  { "pop3:starttls:pop.example.net:110", "dave", MS_AUTH_MECHANISM_CRAM_MD5,
    "%EMAILLOCALPART%", "password-encrypted" },
  { "smtp:starttls:smtp.example.net:2525", "dave", MS_AUTH_MECHANISM_CRAM_MD5,
    "%EMAILLOCALPART%", "password-encrypted" },
};

static const RoundTripCase idn = {
  "jörg@bücher.de",
  { "imap:tls:imap.bücher.de:993", "jörg@bücher.de", MS_AUTH_MECHANISM_AUTOMATIC,
    "%EMAILADDRESS%", "password-cleartext" },
  { "smtp:tls:smtp.xn--bcher-kva.de:465", "jörg", MS_AUTH_MECHANISM_AUTOMATIC,
    "%EMAILLOCALPART%", "password-cleartext" },
};

static const RoundTripCase oauth2 = {
  "erin@example.com",
  { "imap:tls:imap.example.com:993", "erin@example.com", MS_AUTH_MECHANISM_OAUTH2,
    "%EMAILADDRESS%", "OAuth2" },
  { "smtp:starttls:smtp.example.com:587", "erin@example.com", MS_AUTH_MECHANISM_OAUTH2,
    "%EMAILADDRESS%", "OAuth2" },
};

static const RoundTripCase literal_username = {
  "frank@example.com",
  { "imap:tls:imap.example.com:993", "f.smith", MS_AUTH_MECHANISM_AUTOMATIC, "f.smith",
    "password-cleartext" },
  { "smtp:tls:smtp.example.com:465", "frank@example.com", MS_AUTH_MECHANISM_AUTOMATIC,
    "%EMAILADDRESS%", "password-cleartext" },
};

static const RoundTripCase escaping = {
  "gina@example.com",
  { "imap:tls:imap.example.com:993", "a&b<c>\"d'e", MS_AUTH_MECHANISM_AUTOMATIC,
    "a&amp;b&lt;c&gt;&quot;d&", "password-cleartext" },
  { "smtp:tls:smtp.example.com:465", "gina@other.example", MS_AUTH_MECHANISM_AUTOMATIC,
    "gina@other.example", "password-cleartext" },
};

static MsServerConfig *
make_server (const ServerCase *c)
{
  g_autoptr (GError) error = NULL;
  MsServerConfig *server = ms_server_config_new_from_spec (c->spec, &error);

  g_assert_no_error (error);
  ms_server_config_set_username (server, c->username);
  ms_server_config_set_auth_mechanism (server, c->mechanism);
  return server;
}

static MsAccount *
make_account (const RoundTripCase *c)
{
  g_autoptr (MsServerConfig) incoming = make_server (&c->incoming);
  g_autoptr (MsServerConfig) outgoing = make_server (&c->outgoing);

  return ms_account_new ("Test Person", c->address, incoming, outgoing);
}

/* The same login: equal, or the same address written differently (domain case, IDN). */
static void
assert_same_login (const char *expected,
                   const char *actual)
{
  g_autoptr (MsAddress) a = NULL;
  g_autoptr (MsAddress) b = NULL;

  if (g_strcmp0 (expected, actual) == 0)
    return;

  a = ms_address_parse (expected, NULL);
  b = ms_address_parse (actual, NULL);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstr (a->address, ==, b->address);
}

static MsAuthMechanism
password_class (MsAuthMechanism mechanism)
{
  /* password-cleartext covers all three; Mail Setup reads it back as "automatic". */
  if (mechanism == MS_AUTH_MECHANISM_PLAIN || mechanism == MS_AUTH_MECHANISM_LOGIN)
    return MS_AUTH_MECHANISM_AUTOMATIC;
  return mechanism;
}

static void
assert_read_back (MsAutoconfigServer *read,
                  MsServerConfig     *original,
                  const char         *address)
{
  g_autoptr (MsServerConfig) expanded = NULL;
  g_autoptr (GError) error = NULL;
  const char *original_username = ms_server_config_get_username (original);

  expanded = ms_autoconfig_server_expand (read, address, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ms_server_config_get_protocol (expanded), ==,
                   ms_server_config_get_protocol (original));
  g_assert_cmpstr (ms_server_config_get_host (expanded), ==,
                   ms_server_config_get_host (original));
  g_assert_cmpuint (ms_server_config_get_port (expanded), ==,
                    ms_server_config_get_port (original));
  g_assert_cmpint (ms_server_config_get_security (expanded), ==,
                   ms_server_config_get_security (original));
  assert_same_login (original_username != NULL ? original_username : address,
                     ms_server_config_get_username (expanded));
  g_assert_cmpint (ms_server_config_get_auth_mechanism (expanded), ==,
                   password_class (ms_server_config_get_auth_mechanism (original)));
}

static void
assert_written_server (const char       *text,
                       const ServerCase *c)
{
  /* GLib versions escape an apostrophe as &apos; or &#39;: both are XML. */
  g_autofree char *username = g_strdup_printf ("<username>%s", c->written_username);
  g_autofree char *auth = g_strdup_printf ("<authentication>%s</authentication>",
                                           c->written_auth);

  if (strstr (text, username) == NULL || strstr (text, auth) == NULL)
    g_error ("%s has no %s or %s", text, username, auth);
}

static void
test_round_trip (gconstpointer data)
{
  const RoundTripCase *c = data;
  g_autoptr (MsAccount) account = make_account (c);
  g_autoptr (MsAddress) address = ms_address_parse (c->address, NULL);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;

  bytes = ms_autoconfig_write (account, &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  /* Thunderbird's readFromXML is case-sensitive. */
  g_assert_null (strstr (text, ">ssl<"));
  g_assert_null (strstr (text, ">starttls<"));
  g_assert_null (strstr (text, ">tls<"));
  assert_written_server (text, &c->incoming);
  assert_written_server (text, &c->outgoing);
  id = g_strdup_printf ("<emailProvider id=\"%s\">", address->domain);
  g_assert_nonnull (strstr (text, id));

  config = ms_autoconfig_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_autoconfig_get_id (config), ==, address->domain);
  g_assert_true (ms_autoconfig_has_domain (config, address->domain_display));
  g_assert_cmpstr (ms_autoconfig_get_display_name (config), ==, address->domain_display);
  g_assert_cmpuint (ms_autoconfig_get_incoming (config)->len, ==, 1);
  g_assert_cmpuint (ms_autoconfig_get_outgoing (config)->len, ==, 1);

  assert_read_back (g_ptr_array_index (ms_autoconfig_get_incoming (config), 0),
                    ms_account_get_incoming (account), c->address);
  assert_read_back (g_ptr_array_index (ms_autoconfig_get_outgoing (config), 0),
                    ms_account_get_outgoing (account), c->address);
}

/* The whole file, byte for byte: what a domain administrator publishes. */
static void
test_exact_bytes (void)
{
  g_autoptr (MsAccount) account = make_account (&imap_tls_address);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  bytes = ms_autoconfig_write (account, &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_assert_cmpstr (text, ==,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<clientConfig version=\"1.1\">\n"
                   "  <emailProvider id=\"example.com\">\n"
                   "    <domain>example.com</domain>\n"
                   "    <displayName>example.com</displayName>\n"
                   "    <displayShortName>example.com</displayShortName>\n"
                   "    <incomingServer type=\"imap\">\n"
                   "      <hostname>imap.example.com</hostname>\n"
                   "      <port>993</port>\n"
                   "      <socketType>SSL</socketType>\n"
                   "      <username>%EMAILADDRESS%</username>\n"
                   "      <authentication>password-cleartext</authentication>\n"
                   "    </incomingServer>\n"
                   "    <outgoingServer type=\"smtp\">\n"
                   "      <hostname>smtp.example.com</hostname>\n"
                   "      <port>587</port>\n"
                   "      <socketType>STARTTLS</socketType>\n"
                   "      <username>%EMAILADDRESS%</username>\n"
                   "      <authentication>password-cleartext</authentication>\n"
                   "    </outgoingServer>\n"
                   "  </emailProvider>\n"
                   "</clientConfig>\n");
}

static void
test_idn_file (void)
{
  g_autoptr (MsAccount) account = make_account (&idn);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  bytes = ms_autoconfig_write (account, &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_assert_nonnull (strstr (text, "<emailProvider id=\"xn--bcher-kva.de\">\n"
                                  "    <domain>xn--bcher-kva.de</domain>\n"
                                  "    <displayName>bücher.de</displayName>\n"));
  g_assert_nonnull (strstr (text, "<hostname>imap.xn--bcher-kva.de</hostname>"));
}

static void
assert_write_refused (MsAccount  *account,
                      const char *message_part)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;

  bytes = ms_autoconfig_write (account, &error);
  g_assert_null (bytes);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT);
  if (strstr (error->message, message_part) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, message_part);
}

static void
test_refused (void)
{
  g_autoptr (MsAccount) account = make_account (&imap_tls_address);
  g_autoptr (MsServerConfig) plain = NULL;

  plain = ms_server_config_new_from_spec ("imap:none:imap.example.com:143", NULL);
  ms_account_set_incoming (account, plain);
  assert_write_refused (account, "“imap.example.com” is not encrypted");
  g_clear_object (&account);

  account = make_account (&imap_tls_address);
  ms_account_set_outgoing (account, NULL);
  assert_write_refused (account, "outgoing mail server");
  g_clear_object (&account);

  account = make_account (&imap_tls_address);
  ms_server_config_set_username (ms_account_get_incoming (account), "x%EMAILLOCALPART%");
  assert_write_refused (account, "looks like an autoconfig placeholder");
  g_clear_object (&account);

  account = make_account (&imap_tls_address);
  ms_server_config_set_username (ms_account_get_incoming (account), "alice\r\nA1 LOGOUT");
  assert_write_refused (account, "control character");
}

static char *
make_tmp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *directory = g_dir_make_tmp ("autoconfig-export-XXXXXX", &error);

  g_assert_no_error (error);
  return directory;
}

static char *
read_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static void
test_export (void)
{
  g_autoptr (MsAccount) account = make_account (&imap_tls_address);
  g_autofree char *directory = make_tmp_dir ();
  g_autofree char *path = g_build_filename (directory, "config-v1.1.xml", NULL);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GBytes) expected = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  const MsExportChange *change;
  GStatBuf st;

  expected = ms_autoconfig_write (account, &error);
  g_assert_no_error (error);

  /* A dry run says what it would write and touches nothing. */
  report = ms_autoconfig_export (account, path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_export_report_get_client (report), ==, "autoconfig");
  g_assert_true (ms_export_report_get_dry_run (report));
  g_assert_cmpuint (ms_export_report_get_n_changes (report), ==, 1);
  change = ms_export_report_get_change (report, 0);
  g_assert_cmpint (change->action, ==, MS_EXPORT_ACTION_CREATE);
  g_assert_cmpstr (change->target, ==, path);
  g_assert_true (g_bytes_equal (change->content, expected));
  g_assert_nonnull (strstr (change->note, "https://autoconfig.example.com/mail/config-v1.1.xml"));
  g_assert_nonnull (strstr (change->note, "https://example.com/.well-known/autoconfig/mail/"));
  g_assert_null (strstr (change->note, "written as it is"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_pointer (&report, ms_export_report_unref);

  /* The real thing: a file for publishing, readable by everyone. */
  report = ms_autoconfig_export (account, path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_false (ms_export_report_get_dry_run (report));
  change = ms_export_report_get_change (report, 0);
  g_assert_cmpint (change->action, ==, MS_EXPORT_ACTION_CREATE);
  contents = read_file (path);
  g_assert_cmpmem (contents, strlen (contents), g_bytes_get_data (expected, NULL),
                   g_bytes_get_size (expected));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0444, ==, 0444);
  g_clear_pointer (&report, ms_export_report_unref);

  /* Again: nothing to do. */
  report = ms_autoconfig_export (account, path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ms_export_report_get_change (report, 0)->action, ==,
                   MS_EXPORT_ACTION_UNCHANGED);
  g_clear_pointer (&report, ms_export_report_unref);

  /* Changed settings replace the file; a dry run of that leaves the old one. */
  ms_server_config_set_port (ms_account_get_outgoing (account), 2587);
  report = ms_autoconfig_export (account, path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ms_export_report_get_change (report, 0)->action, ==,
                   MS_EXPORT_ACTION_REPLACE);
  g_clear_pointer (&contents, g_free);
  contents = read_file (path);
  g_assert_cmpmem (contents, strlen (contents), g_bytes_get_data (expected, NULL),
                   g_bytes_get_size (expected));
  g_clear_pointer (&report, ms_export_report_unref);

  report = ms_autoconfig_export (account, path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ms_export_report_get_change (report, 0)->action, ==,
                   MS_EXPORT_ACTION_REPLACE);
  g_clear_pointer (&contents, g_free);
  contents = read_file (path);
  g_assert_nonnull (strstr (contents, "<port>2587</port>"));

  g_unlink (path);
  g_rmdir (directory);
}

static void
test_export_to_folder (void)
{
  g_autoptr (MsAccount) account = make_account (&literal_username);
  g_autofree char *directory = make_tmp_dir ();
  g_autofree char *path = g_build_filename (directory, "config-v1.1.xml", NULL);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  const MsExportChange *change;

  report = ms_autoconfig_export (account, directory, FALSE, &error);
  g_assert_no_error (error);
  change = ms_export_report_get_change (report, 0);
  g_assert_cmpstr (change->target, ==, path);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  /* A literal user name fits one account only: say so. */
  g_assert_nonnull (strstr (change->note, "The user name “f.smith” is written as it is"));

  g_unlink (path);
  g_rmdir (directory);
}

static void
test_export_refused (void)
{
  g_autoptr (MsAccount) account = make_account (&imap_tls_address);
  g_autofree char *directory = make_tmp_dir ();
  g_autofree char *fifo = g_build_filename (directory, "fifo", NULL);
  g_autofree char *missing = g_build_filename (directory, "missing", "config-v1.1.xml", NULL);
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  /* Renaming over a pipe or device would replace it: refused, left as it is. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  report = ms_autoconfig_export (account, fifo, FALSE, &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  g_assert_cmpint (g_stat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
  g_clear_error (&error);

  report = ms_autoconfig_export (account, missing, FALSE, &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* An account that cannot be written leaves no file either. */
  ms_account_set_incoming (account, NULL);
  report = ms_autoconfig_export (account, directory, FALSE, &error);
  g_assert_null (report);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  g_unlink (fifo);
  g_rmdir (directory);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_data_func ("/autoconfig/write/imap-tls-address", &imap_tls_address,
                        test_round_trip);
  g_test_add_data_func ("/autoconfig/write/imap-starttls-local-part", &imap_starttls_local_part,
                        test_round_trip);
  g_test_add_data_func ("/autoconfig/write/pop3-tls-address", &pop3_tls_address,
                        test_round_trip);
  g_test_add_data_func ("/autoconfig/write/pop3-starttls-local-part", &pop3_starttls_local_part,
                        test_round_trip);
  g_test_add_data_func ("/autoconfig/write/idn", &idn, test_round_trip);
  g_test_add_data_func ("/autoconfig/write/oauth2", &oauth2, test_round_trip);
  g_test_add_data_func ("/autoconfig/write/literal-username", &literal_username,
                        test_round_trip);
  g_test_add_data_func ("/autoconfig/write/escaping", &escaping, test_round_trip);
  g_test_add_func ("/autoconfig/write/exact-bytes", test_exact_bytes);
  g_test_add_func ("/autoconfig/write/idn-file", test_idn_file);
  g_test_add_func ("/autoconfig/write/refused", test_refused);
  g_test_add_func ("/autoconfig/export/file", test_export);
  g_test_add_func ("/autoconfig/export/folder", test_export_to_folder);
  g_test_add_func ("/autoconfig/export/refused", test_export_refused);

  return g_test_run ();
}
