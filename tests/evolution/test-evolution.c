/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "evolution-test-util.h"

/* The Evolution export without evolution-data-server: the exact `.source` files, how they link,
 * the mechanisms they name, what a dry run reports, and how existing accounts — as the
 * registry writes them — are recognised. No test here can reach a keyring: the session bus
 * points nowhere, so any attempt would fail the export. */

/* ---- the reader ---- */

static MsEvolutionSource *
parse (const char *text)
{
  return ms_evolution_source_parse ("uid", text, strlen (text));
}

static void
test_source_registry_rewrite (void)
{
  /* What evolution-source-registry 3.46 made of a file of ours: keys appended after a blank
   * line inside [Authentication]. */
  g_autoptr (MsEvolutionSource) source = parse ("[Data Source]\n"
                                                "DisplayName=alice@example.com\n"
                                                "Enabled=true\n"
                                                "Parent=\n"
                                                "\n"
                                                "[Authentication]\n"
                                                "Host=imap.example.com\n"
                                                "Method=none\n"
                                                "\n"
                                                "ProxyUid=system-proxy\n"
                                                "CredentialName=\n"
                                                "\n"
                                                "[Security]\n"
                                                "Method=ssl-on-alternate-port\n");

  g_assert_cmpstr (ms_evolution_source_get_uid (source), ==, "uid");
  g_assert_cmpstr (ms_evolution_source_get (source, "Data Source", "Parent"), ==, "");
  g_assert_cmpstr (ms_evolution_source_get (source, "Authentication", "Host"), ==,
                   "imap.example.com");
  g_assert_cmpstr (ms_evolution_source_get (source, "Authentication", "ProxyUid"), ==,
                   "system-proxy");
  g_assert_cmpstr (ms_evolution_source_get (source, "Security", "Method"), ==,
                   "ssl-on-alternate-port");
  g_assert_null (ms_evolution_source_get (source, "Security", "Host"));
  g_assert_null (ms_evolution_source_get (source, "Nothing", "Host"));
  g_assert_true (ms_evolution_source_has_group (source, "Security"));
  g_assert_false (ms_evolution_source_has_group (source, "Mail Account"));
}

static void
test_source_tolerant (void)
{
  /* GKeyFile rejects every one of these files; we read what makes sense line by line. */
  g_autoptr (MsEvolutionSource) source =
    parse ("\xef\xbb\xbf# a comment\r\n"
           "stray line before any group\r\n"
           "Key=outside any group\r\n"
           "[Mail Identity]\r\n"
           "  Address = alice@example.com  \r\n"
           "Name=Al\xff\xfeice\r\n"
           "not a key value pair\r\n"
           "Escapes=\\sleading\\ttab\\nnewline\\\\backslash\\q\r\n"
           "DisplayName[de]=Konto\r\n"
           "Duplicate=first\r\n"
           "Duplicate=second\r\n"
           "[Bad[Group]\r\n"
           "Ignored=yes\r\n"
           "[Mail Identity]\r\n"
           "Merged=yes\r\n"
           "Trailing=backslash\\");

  g_assert_cmpstr (ms_evolution_source_get (source, "Mail Identity", "Address"), ==,
                   "alice@example.com");
  g_assert_true (g_utf8_validate (ms_evolution_source_get (source, "Mail Identity", "Name"), -1,
                                  NULL));
  g_assert_cmpstr (ms_evolution_source_get (source, "Mail Identity", "Escapes"), ==,
                   " leading\ttab\nnewline\\backslash\\q");
  g_assert_null (ms_evolution_source_get (source, "Mail Identity", "DisplayName"));
  g_assert_cmpstr (ms_evolution_source_get (source, "Mail Identity", "DisplayName[de]"), ==,
                   "Konto");
  g_assert_cmpstr (ms_evolution_source_get (source, "Mail Identity", "Duplicate"), ==, "second");
  g_assert_cmpstr (ms_evolution_source_get (source, "Mail Identity", "Merged"), ==, "yes");
  g_assert_cmpstr (ms_evolution_source_get (source, "Mail Identity", "Trailing"), ==,
                   "backslash\\");
  g_assert_null (ms_evolution_source_get (source, "Bad[Group", "Ignored"));
  g_assert_null (ms_evolution_source_get (source, "Mail Identity", "Ignored"));
  g_assert_false (ms_evolution_source_has_group (source, "Bad[Group"));
}

static void
test_source_limits (void)
{
  g_autofree char *huge = g_malloc (MS_EVOLUTION_SOURCE_MAX_SIZE + 2);
  g_autoptr (MsEvolutionSource) big = NULL;
  g_autoptr (MsEvolutionSource) nul = NULL;
  g_autoptr (MsEvolutionSource) empty = NULL;
  static const char with_nul[] = "[G]\nA=1\nB=x\0y\nC=3\n";

  memset (huge, 'x', MS_EVOLUTION_SOURCE_MAX_SIZE + 2);
  memcpy (huge, "[G]\nA=1\n", 8);
  big = ms_evolution_source_parse ("big", huge, MS_EVOLUTION_SOURCE_MAX_SIZE + 1);
  g_assert_null (ms_evolution_source_get (big, "G", "A"));

  nul = ms_evolution_source_parse ("nul", with_nul, sizeof with_nul - 1);
  g_assert_cmpstr (ms_evolution_source_get (nul, "G", "A"), ==, "1");
  g_assert_null (ms_evolution_source_get (nul, "G", "B"));
  g_assert_cmpstr (ms_evolution_source_get (nul, "G", "C"), ==, "3");

  empty = ms_evolution_source_parse ("empty", NULL, 0);
  g_assert_false (ms_evolution_source_has_group (empty, "G"));
}

typedef struct
{
  const char *name;
  const char *files[4]; /* "uid:contents" */
  const char *address;
  const char *host;
  const char *found; /* uid, or NULL */
} FindCase;

#define ACCOUNT(uid, host, identity)                                                   \
  uid ":[Data Source]\nParent=\n[Mail Account]\nBackendName=imapx\nIdentityUid=" identity \
      "\n[Authentication]\nHost=" host "\n"
#define IDENTITY(uid, parent, address) \
  uid ":[Data Source]\nParent=" parent "\n[Mail Identity]\nAddress=" address "\n"

static const FindCase find_cases[] = {
  { "identity-uid",
    { ACCOUNT ("a", "imap.example.com", "i"), IDENTITY ("i", "a", "alice@example.com") },
    "alice@example.com", "imap.example.com", "a" },
  { "case-and-trailing-dot",
    { ACCOUNT ("a", "IMAP.Example.COM.", "i"), IDENTITY ("i", "a", "Alice@Example.com") },
    "alice@example.com", "imap.example.com", "a" },
  { "identity-by-parent",
    { ACCOUNT ("a", "imap.example.com", "gone"), IDENTITY ("i", "a", "alice@example.com") },
    "alice@example.com", "imap.example.com", "a" },
  { "other-address",
    { ACCOUNT ("a", "imap.example.com", "i"), IDENTITY ("i", "a", "bob@example.com") },
    "alice@example.com", "imap.example.com", NULL },
  { "other-host",
    { ACCOUNT ("a", "mail.example.com", "i"), IDENTITY ("i", "a", "alice@example.com") },
    "alice@example.com", "imap.example.com", NULL },
  { "identity-of-another-account",
    { ACCOUNT ("a", "imap.example.com", "j"), ACCOUNT ("b", "mail.example.com", "i"),
      IDENTITY ("i", "b", "alice@example.com"), IDENTITY ("j", "a", "bob@example.com") },
    "alice@example.com", "imap.example.com", NULL },
  { "transport-is-no-account",
    { "t:[Data Source]\nParent=a\n[Mail Transport]\nBackendName=smtp\n"
      "[Authentication]\nHost=imap.example.com\n",
      IDENTITY ("i", "t", "alice@example.com") },
    "alice@example.com", "imap.example.com", NULL },
};

static void
test_source_find_account (gconstpointer user_data)
{
  const FindCase *test = user_data;
  g_autoptr (GPtrArray) sources =
    g_ptr_array_new_with_free_func ((GDestroyNotify) ms_evolution_source_free);
  MsEvolutionSource *found;

  for (guint i = 0; i < G_N_ELEMENTS (test->files) && test->files[i] != NULL; i++)
    {
      const char *colon = strchr (test->files[i], ':');
      g_autofree char *uid = g_strndup (test->files[i], (gsize) (colon - test->files[i]));

      g_ptr_array_add (sources, ms_evolution_source_parse (uid, colon + 1, strlen (colon + 1)));
    }

  found = ms_evolution_source_find_account (sources, test->address, test->host);
  if (test->found == NULL)
    g_assert_null (found);
  else
    g_assert_cmpstr (ms_evolution_source_get_uid (found), ==, test->found);
}

/* ---- the export ---- */

typedef struct
{
  const MsExportChange *account;
  const MsExportChange *identity;
  const MsExportChange *transport;
  char                 *account_uid;
  char                 *identity_uid;
  char                 *transport_uid;
} Sources;

static char *
uid_of (const MsExportChange *change)
{
  g_autofree char *basename = g_path_get_basename (change->target);

  g_assert_true (g_str_has_suffix (basename, ".source"));
  return g_strndup (basename, strlen (basename) - strlen (".source"));
}

static void
sources_clear (Sources *sources)
{
  g_free (sources->account_uid);
  g_free (sources->identity_uid);
  g_free (sources->transport_uid);
}

/* The report of a new account: the account, identity and transport files, in that order. */
static void
get_sources (MsExportReport *report,
             Sources        *sources)
{
  g_autofree char *dir = ms_evolution_get_sources_dir ();

  g_assert_cmpuint (ms_export_report_get_n_changes (report), >=, 3);
  sources->account = ms_export_report_get_change (report, 0);
  sources->identity = ms_export_report_get_change (report, 1);
  sources->transport = ms_export_report_get_change (report, 2);

  for (guint i = 0; i < 3; i++)
    {
      const MsExportChange *change = ms_export_report_get_change (report, i);
      g_autofree char *parent = g_path_get_dirname (change->target);

      g_assert_cmpint (change->action, ==, MS_EXPORT_ACTION_CREATE);
      g_assert_nonnull (change->content);
      g_assert_cmpstr (parent, ==, dir);
    }

  sources->account_uid = uid_of (sources->account);
  sources->identity_uid = uid_of (sources->identity);
  sources->transport_uid = uid_of (sources->transport);

  /* Evolution's own uid format: a SHA-1 in hex. */
  g_assert_cmpuint (strlen (sources->account_uid), ==, 40);
  g_assert_cmpstr (sources->account_uid, !=, sources->identity_uid);
  g_assert_cmpstr (sources->identity_uid, !=, sources->transport_uid);
}

static void
assert_content (const MsExportChange *change,
                const char           *expected)
{
  gsize length;
  const char *data = g_bytes_get_data (change->content, &length);
  g_autofree char *text = g_strndup (data, length);

  g_assert_cmpstr (text, ==, expected);
}

static void
assert_key (GKeyFile   *key_file,
            const char *group,
            const char *key,
            const char *expected)
{
  g_autofree char *value = g_key_file_get_value (key_file, group, key, NULL);

  g_assert_cmpstr (value, ==, expected);
}

static void
test_export_imap_dry_run (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("imap:tls:imap.example.com:993", "smtp:starttls:smtp.example.com:587");
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *expected_account = NULL;
  g_autofree char *expected_identity = NULL;
  g_autofree char *expected_transport = NULL;
  g_autofree char *config_evolution =
    g_build_filename (g_get_user_config_dir (), "evolution", NULL);
  g_autofree char *label = NULL;
  const MsExportChange *secret;
  Sources sources = { 0 };

  report = test_export (account, TEST_PASSWORD, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_export_report_get_client (report), ==, "evolution");
  g_assert_true (ms_export_report_get_dry_run (report));
  g_assert_cmpuint (ms_export_report_get_n_changes (report), ==, 5);
  get_sources (report, &sources);

  expected_account = g_strdup_printf ("[Data Source]\n"
                                      "DisplayName=alice@example.com\n"
                                      "Enabled=true\n"
                                      "Parent=\n"
                                      "\n"
                                      "[Mail Account]\n"
                                      "BackendName=imapx\n"
                                      "IdentityUid=%s\n"
                                      "NeedsInitialSetup=true\n"
                                      "\n"
                                      "[Authentication]\n"
                                      "Host=imap.example.com\n"
                                      "Port=993\n"
                                      "User=alice@example.com\n"
                                      "Method=none\n"
                                      "RememberPassword=true\n"
                                      "\n"
                                      "[Security]\n"
                                      "Method=ssl-on-alternate-port\n"
                                      "\n"
                                      "[Imapx Backend]\n"
                                      "CheckAll=true\n"
                                      "FilterInbox=true\n"
                                      "UseIdle=true\n"
                                      "UseSubscriptions=false\n"
                                      "\n"
                                      "[Offline]\n"
                                      "StaySynchronized=false\n"
                                      "\n"
                                      "[Refresh]\n"
                                      "Enabled=true\n"
                                      "IntervalMinutes=10\n",
                                      sources.identity_uid);
  assert_content (sources.account, expected_account);

  expected_identity = g_strdup_printf ("[Data Source]\n"
                                       "DisplayName=alice@example.com\n"
                                       "Enabled=true\n"
                                       "Parent=%s\n"
                                       "\n"
                                       "[Mail Identity]\n"
                                       "Address=alice@example.com\n"
                                       "Name=Alice Example\n"
                                       "\n"
                                       "[Mail Submission]\n"
                                       "TransportUid=%s\n"
                                       "SentFolder=folder://local/Sent\n"
                                       "UseSentFolder=true\n"
                                       "\n"
                                       "[Mail Composition]\n"
                                       "DraftsFolder=folder://local/Drafts\n"
                                       "TemplatesFolder=folder://local/Templates\n",
                                       sources.account_uid, sources.transport_uid);
  assert_content (sources.identity, expected_identity);

  expected_transport = g_strdup_printf ("[Data Source]\n"
                                        "DisplayName=alice@example.com\n"
                                        "Enabled=true\n"
                                        "Parent=%s\n"
                                        "\n"
                                        "[Mail Transport]\n"
                                        "BackendName=smtp\n"
                                        "\n"
                                        "[Authentication]\n"
                                        "Host=smtp.example.com\n"
                                        "Port=587\n"
                                        "User=alice@example.com\n"
                                        "Method=PLAIN\n"
                                        "RememberPassword=true\n"
                                        "\n"
                                        "[Security]\n"
                                        "Method=starttls-on-standard-port\n"
                                        "\n"
                                        "[Smtp Backend]\n",
                                        sources.account_uid);
  assert_content (sources.transport, expected_transport);

  /* Two keyring items, described and never shown. */
  secret = ms_export_report_get_change (report, 3);
  g_assert_cmpint (secret->action, ==, MS_EXPORT_ACTION_SECRET);
  g_assert_null (secret->content);
  label = g_strdup_printf ("Evolution Data Source \"alice@example.com\" (Mail Account - imapx) "
                           "[e-source-uid=%s]",
                           sources.account_uid);
  g_assert_cmpstr (secret->target, ==, label);
  g_assert_nonnull (secret->note);
  g_clear_pointer (&label, g_free);

  secret = ms_export_report_get_change (report, 4);
  g_assert_cmpint (secret->action, ==, MS_EXPORT_ACTION_SECRET);
  label = g_strdup_printf ("Evolution Data Source \"alice@example.com\" (Mail Transport - smtp)  "
                           "of %s [e-source-uid=%s]",
                           sources.account_uid, sources.transport_uid);
  g_assert_cmpstr (secret->target, ==, label);
  test_assert_no_password_in_report (report, TEST_PASSWORD);

  /* Touched nothing: not even the directory. */
  g_assert_false (g_file_test (config_evolution, G_FILE_TEST_EXISTS));
  sources_clear (&sources);
}

static void
test_export_pop3 (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("pop3:starttls:pop.example.com:110", "smtp:tls:smtp.example.com:465");
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GKeyFile) key_file = NULL;
  g_autoptr (GKeyFile) transport = NULL;
  g_autoptr (GError) error = NULL;
  Sources sources = { 0 };

  report = test_export (account, NULL, TRUE, &error);
  g_assert_no_error (error);
  /* No password: no keyring item, and a word that Evolution asks. */
  g_assert_cmpuint (ms_export_report_get_n_changes (report), ==, 3);
  get_sources (report, &sources);
  g_assert_nonnull (sources.account->note);

  key_file = test_key_file_from_bytes (sources.account->content);
  assert_key (key_file, "Mail Account", "BackendName", "pop");
  assert_key (key_file, "Authentication", "Port", "110");
  assert_key (key_file, "Authentication", "Method", "none");
  assert_key (key_file, "Security", "Method", "starttls-on-standard-port");
  assert_key (key_file, "Pop Backend", "KeepOnServer", "true");
  g_assert_false (g_key_file_has_group (key_file, "Imapx Backend"));
  g_assert_false (g_key_file_has_group (key_file, "Offline"));

  transport = test_key_file_from_bytes (sources.transport->content);
  assert_key (transport, "Security", "Method", "ssl-on-alternate-port");
  assert_key (transport, "Authentication", "Port", "465");
  sources_clear (&sources);
}

typedef struct
{
  const char     *name;
  MsAuthMechanism incoming;
  MsAuthMechanism outgoing;
  const char     *incoming_method;
  const char     *outgoing_method;
} MechanismCase;

/* The transport always names its mechanism: "none" there means no SMTP authentication. */
static const MechanismCase mechanism_cases[] = {
  { "automatic", MS_AUTH_MECHANISM_AUTOMATIC, MS_AUTH_MECHANISM_AUTOMATIC, "none", "PLAIN" },
  { "plain", MS_AUTH_MECHANISM_PLAIN, MS_AUTH_MECHANISM_PLAIN, "none", "PLAIN" },
  { "login", MS_AUTH_MECHANISM_LOGIN, MS_AUTH_MECHANISM_LOGIN, "LOGIN", "LOGIN" },
  { "cram-md5", MS_AUTH_MECHANISM_CRAM_MD5, MS_AUTH_MECHANISM_CRAM_MD5, "CRAM-MD5", "CRAM-MD5" },
};

static void
test_export_mechanism (gconstpointer user_data)
{
  const MechanismCase *test = user_data;
  g_autoptr (MsAccount) account =
    test_make_account ("imap:starttls:imap.example.com:143", "smtp:starttls:smtp.example.com:587");
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GKeyFile) incoming = NULL;
  g_autoptr (GKeyFile) outgoing = NULL;
  g_autoptr (GError) error = NULL;
  Sources sources = { 0 };

  ms_server_config_set_auth_mechanism (ms_account_get_incoming (account), test->incoming);
  ms_server_config_set_auth_mechanism (ms_account_get_outgoing (account), test->outgoing);
  report = test_export (account, NULL, TRUE, &error);
  g_assert_no_error (error);
  get_sources (report, &sources);

  incoming = test_key_file_from_bytes (sources.account->content);
  outgoing = test_key_file_from_bytes (sources.transport->content);
  assert_key (incoming, "Authentication", "Method", test->incoming_method);
  assert_key (outgoing, "Authentication", "Method", test->outgoing_method);
  assert_key (incoming, "Security", "Method", "starttls-on-standard-port");
  sources_clear (&sources);
}

static void
test_export_oauth2_refused (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("imap:tls:imap.gmail.com:993", "smtp:tls:smtp.gmail.com:465");
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;

  ms_server_config_set_auth_mechanism (ms_account_get_incoming (account),
                                       MS_AUTH_MECHANISM_OAUTH2);
  report = test_export (account, NULL, FALSE, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_null (report);
}

static void
test_export_invalid_account (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("imap:tls:imap.example.com:993", "smtp:tls:smtp.example.com:465");
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = ms_evolution_get_sources_dir ();

  ms_account_set_display_name (account, "  ");
  report = test_export (account, NULL, FALSE, &error);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
test_export_unencrypted_keeps_password (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("imap:none:imap.example.com:143", "smtp:starttls:smtp.example.com:587");
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GKeyFile) incoming = NULL;
  g_autoptr (GError) error = NULL;
  Sources sources = { 0 };

  report = test_export (account, TEST_PASSWORD, TRUE, &error);
  g_assert_no_error (error);
  get_sources (report, &sources);

  /* Only the SMTP password, which travels inside TLS; the account says why. */
  g_assert_cmpuint (ms_export_report_get_n_changes (report), ==, 4);
  g_assert_cmpint (ms_export_report_get_change (report, 3)->action, ==, MS_EXPORT_ACTION_SECRET);
  g_assert_nonnull (strstr (ms_export_report_get_change (report, 3)->target, "Mail Transport"));
  g_assert_nonnull (sources.account->note);
  incoming = test_key_file_from_bytes (sources.account->content);
  assert_key (incoming, "Security", "Method", "none");
  sources_clear (&sources);
}

static void
test_export_escaping (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("imap:tls:imap.example.com:993", "smtp:tls:smtp.example.com:465");
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GKeyFile) identity = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  static const char *odd_name = " Ålice \\ \"the\"\tgreat\n[Admin] = ;#";
  Sources sources = { 0 };

  ms_account_set_display_name (account, odd_name);
  report = test_export (account, NULL, TRUE, &error);
  g_assert_no_error (error);
  get_sources (report, &sources);

  /* GKeyFile — what the registry reads with — gets the name back unchanged, and so do we. */
  identity = test_key_file_from_bytes (sources.identity->content);
  name = g_key_file_get_string (identity, "Mail Identity", "Name", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, odd_name);
  {
    gsize length;
    const char *data = g_bytes_get_data (sources.identity->content, &length);
    g_autoptr (MsEvolutionSource) source = ms_evolution_source_parse ("x", data, length);

    g_assert_cmpstr (ms_evolution_source_get (source, "Mail Identity", "Name"), ==, odd_name);
  }
  sources_clear (&sources);
}

static void
test_export_writes_files (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("imap:tls:imap.example.com:993", "smtp:starttls:smtp.example.com:587");
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (MsExportReport) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = ms_evolution_get_sources_dir ();
  g_auto (GStrv) names = NULL;
  g_auto (GStrv) names_again = NULL;
  Sources sources = { 0 };
  GStatBuf st;

  report = test_export (account, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_false (ms_export_report_get_dry_run (report));
  get_sources (report, &sources);

  /* Exactly the three files, no hidden leftovers, each holding what the report says. */
  names = test_list_dir (dir);
  g_assert_cmpuint (g_strv_length (names), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      const MsExportChange *change = ms_export_report_get_change (report, i);
      g_autofree char *contents = NULL;
      gsize length;
      g_autofree char *basename = g_path_get_basename (change->target);

      g_assert_true (g_strv_contains ((const char *const *) names, basename));
      g_assert_true (g_file_get_contents (change->target, &contents, &length, NULL));
      g_assert_cmpmem (contents, length, g_bytes_get_data (change->content, NULL),
                       g_bytes_get_size (change->content));
      g_assert_cmpint (g_stat (change->target, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    }
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  /* The second time: nothing added. */
  again = test_export (account, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_export_report_get_n_changes (again), ==, 1);
  g_assert_cmpint (ms_export_report_get_change (again, 0)->action, ==, MS_EXPORT_ACTION_UNCHANGED);
  g_assert_cmpstr (ms_export_report_get_change (again, 0)->target, ==, sources.account->target);
  names_again = test_list_dir (dir);
  g_assert_cmpstrv (names_again, names);
  sources_clear (&sources);
}

/* An account as Evolution 3.46 writes it itself (with the registry's additions), for the same
 * address in another case and the host with a trailing dot. */
static const char evolution_account[] =
  "[Data Source]\n"
  "DisplayName=Work\n"
  "Enabled=true\n"
  "Parent=\n"
  "\n"
  "[Offline]\n"
  "StaySynchronized=true\n"
  "\n"
  "[Mail Account]\n"
  "BackendName=imapx\n"
  "IdentityUid=3d8e2a0c1b5f4e6a7b8c9d0e1f2a3b4c5d6e7f80\n"
  "ArchiveFolder=\n"
  "NeedsInitialSetup=false\n"
  "MarkSeen=inconsistent\n"
  "MarkSeenTimeout=1500\n"
  "BuiltInJunkFilter=true\n"
  "\n"
  "[Authentication]\n"
  "Host=IMAP.example.com.\n"
  "Method=none\n"
  "Port=993\n"
  "ProxyUid=system-proxy\n"
  "RememberPassword=true\n"
  "User=alice\n"
  "CredentialName=\n"
  "IsExternal=false\n"
  "\n"
  "[Security]\n"
  "Method=ssl-on-alternate-port\n"
  "\n"
  "[Imapx Backend]\n"
  "FilterInbox=true\n"
  "StoreChangesInterval=3\n"
  "LimitByAge=false\n"
  "LimitUnit=years\n";

static const char evolution_identity[] = "[Data Source]\n"
                                         "DisplayName=Work\n"
                                         "Enabled=true\n"
                                         "Parent=1f0e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6\n"
                                         "\n"
                                         "[Mail Identity]\n"
                                         "Address=ALICE@example.com\n"
                                         "Aliases=\n"
                                         "Name=Alice\n"
                                         "Organization=\n"
                                         "ReplyTo=\n"
                                         "SignatureUid=none\n";

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
test_export_existing_evolution_account (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("imap:tls:imap.example.com:993", "smtp:starttls:smtp.example.com:587");
  g_autoptr (MsAccount) other_host =
    test_make_account ("imap:tls:mail.example.com:993", "smtp:starttls:smtp.example.com:587");
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = ms_evolution_get_sources_dir ();
  g_autofree char *account_path = NULL;
  g_auto (GStrv) before = NULL;
  g_auto (GStrv) after = NULL;

  write_file (dir, "1f0e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6.source", evolution_account);
  write_file (dir, "3d8e2a0c1b5f4e6a7b8c9d0e1f2a3b4c5d6e7f80.source", evolution_identity);
  /* Junk the directory may hold too. */
  write_file (dir, ".hidden.source", "[Mail Account]\n");
  write_file (dir, "broken.source", "\xff\xfe garbage\n[[[\n");
  write_file (dir, "notes.txt", "hello");
  account_path = g_build_filename (dir, "1f0e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6.source", NULL);
  before = test_list_dir (dir);

  report = test_export (account, TEST_PASSWORD, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_export_report_get_n_changes (report), ==, 1);
  g_assert_cmpint (ms_export_report_get_change (report, 0)->action, ==, MS_EXPORT_ACTION_UNCHANGED);
  g_assert_cmpstr (ms_export_report_get_change (report, 0)->target, ==, account_path);
  after = test_list_dir (dir);
  g_assert_cmpstrv (after, before);

  /* Another incoming host is another account. */
  g_clear_pointer (&report, ms_export_report_unref);
  report = test_export (other_host, NULL, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_export_report_get_n_changes (report), ==, 3);
  g_assert_cmpint (ms_export_report_get_change (report, 0)->action, ==, MS_EXPORT_ACTION_CREATE);
}

static void
test_export_unreadable_directory (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("imap:tls:imap.example.com:993", "smtp:starttls:smtp.example.com:587");
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *evolution = g_build_filename (g_get_user_config_dir (), "evolution", NULL);
  g_autofree char *contents = NULL;

  /* Where the directory should be, a file: we cannot tell what Evolution has, so we stop. */
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
  g_file_set_contents (evolution, "not a directory", -1, &error);
  g_assert_no_error (error);

  report = test_export (account, NULL, FALSE, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_null (report);
  g_assert_true (g_file_get_contents (evolution, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "not a directory");
}

static void
test_export_no_keyring_writes_nothing (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("imap:tls:imap.example.com:993", "smtp:starttls:smtp.example.com:587");
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = ms_evolution_get_sources_dir ();
  g_auto (GStrv) names = NULL;

  /* The session bus of this test points nowhere (see main()). */
  report = test_export (account, TEST_PASSWORD, FALSE, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_null (strstr (error->message, TEST_PASSWORD));
  g_assert_null (report);

  names = test_list_dir (dir);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
}

static void
test_export_cancelled (void)
{
  g_autoptr (MsAccount) account =
    test_make_account ("imap:tls:imap.example.com:993", "smtp:starttls:smtp.example.com:587");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (MsExportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = ms_evolution_get_sources_dir ();

  g_cancellable_cancel (cancellable);
  ms_evolution_export_async (account, NULL, FALSE, cancellable, test_store_result, &result);
  report = ms_evolution_export_finish (test_wait (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (report);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* Whatever would reach for a keyring finds no bus: a dry run must not try. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/mail-setup-test-bus", TRUE);
  g_unsetenv ("DISPLAY");

  g_test_add_func ("/evolution/source/registry-rewrite", test_source_registry_rewrite);
  g_test_add_func ("/evolution/source/tolerant", test_source_tolerant);
  g_test_add_func ("/evolution/source/limits", test_source_limits);
  for (guint i = 0; i < G_N_ELEMENTS (find_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/evolution/source/find-account/", find_cases[i].name,
                                           NULL);

      g_test_add_data_func (path, &find_cases[i], test_source_find_account);
    }

  g_test_add_func ("/evolution/export/imap", test_export_imap_dry_run);
  g_test_add_func ("/evolution/export/pop3", test_export_pop3);
  for (guint i = 0; i < G_N_ELEMENTS (mechanism_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/evolution/export/mechanism/",
                                           mechanism_cases[i].name, NULL);

      g_test_add_data_func (path, &mechanism_cases[i], test_export_mechanism);
    }
  g_test_add_func ("/evolution/export/oauth2-refused", test_export_oauth2_refused);
  g_test_add_func ("/evolution/export/invalid-account", test_export_invalid_account);
  g_test_add_func ("/evolution/export/unencrypted-server", test_export_unencrypted_keeps_password);
  g_test_add_func ("/evolution/export/escaping", test_export_escaping);
  g_test_add_func ("/evolution/export/write", test_export_writes_files);
  g_test_add_func ("/evolution/export/existing-account", test_export_existing_evolution_account);
  g_test_add_func ("/evolution/export/unreadable-directory", test_export_unreadable_directory);
  g_test_add_func ("/evolution/export/no-keyring", test_export_no_keyring_writes_nothing);
  g_test_add_func ("/evolution/export/cancelled", test_export_cancelled);

  return g_test_run ();
}
