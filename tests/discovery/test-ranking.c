/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ranking"

#include "config.h"

#include <glib/gstdio.h>

#include "mailsetup.h"
#include "ms-check-result-private.h"
#include "ms-discovery-private.h"

/* The discovery ranking (DESIGN.md, Discovery), candidate against candidate. */

static MsCandidate *
candidate (const char       *spec,
           MsDiscoverySource source,
           gboolean          trusted,
           guint             index)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsServerConfig) server = ms_server_config_new_from_spec (spec, &error);
  MsCandidate *result;

  g_assert_no_error (error);
  result = _ms_candidate_new (server, source, trusted, trusted ? NULL : "because");
  _ms_candidate_set_index (result, index);
  return result;
}

typedef struct
{
  const char       *name;
  const char       *better;
  MsDiscoverySource better_source;
  gboolean          better_trusted;
  const char       *worse;
  MsDiscoverySource worse_source;
  gboolean          worse_trusted;
} RankCase;

static const RankCase rank_cases[] = {
  { "imap-before-pop3", "imap:starttls:mail.example.net:143", MS_DISCOVERY_SOURCE_GUESS, TRUE,
    "pop3:tls:mail.example.net:995", MS_DISCOVERY_SOURCE_PROVIDER_DB, TRUE },
  { "tls-before-starttls", "imap:tls:imap.example.net:993", MS_DISCOVERY_SOURCE_GUESS, TRUE,
    "imap:starttls:imap.example.net:143", MS_DISCOVERY_SOURCE_PROVIDER_DB, TRUE },
  { "trusted-before-untrusted", "imap:starttls:b.example.net:143", MS_DISCOVERY_SOURCE_GUESS,
    TRUE, "imap:tls:a.example.net:993", MS_DISCOVERY_SOURCE_AUTOCONFIG, FALSE },
  { "provider-db-before-autoconfig", "smtp:tls:a.example.net:465",
    MS_DISCOVERY_SOURCE_PROVIDER_DB, TRUE, "smtp:tls:b.example.net:465",
    MS_DISCOVERY_SOURCE_AUTOCONFIG, TRUE },
  { "autoconfig-before-ispdb", "smtp:tls:a.example.net:465", MS_DISCOVERY_SOURCE_AUTOCONFIG,
    TRUE, "smtp:tls:b.example.net:465", MS_DISCOVERY_SOURCE_ISPDB, TRUE },
  { "ispdb-before-srv", "smtp:tls:a.example.net:465", MS_DISCOVERY_SOURCE_ISPDB, TRUE,
    "smtp:tls:b.example.net:465", MS_DISCOVERY_SOURCE_SRV, TRUE },
  { "srv-before-mx", "smtp:tls:a.example.net:465", MS_DISCOVERY_SOURCE_SRV, TRUE,
    "smtp:tls:b.example.net:465", MS_DISCOVERY_SOURCE_MX, TRUE },
  { "mx-before-guess", "smtp:tls:a.example.net:465", MS_DISCOVERY_SOURCE_MX, TRUE,
    "smtp:tls:b.example.net:465", MS_DISCOVERY_SOURCE_GUESS, TRUE },
};

static void
test_rank (gconstpointer data)
{
  const RankCase *rank = data;
  g_autoptr (MsCandidate) better = candidate (rank->better, rank->better_source,
                                              rank->better_trusted, 5);
  g_autoptr (MsCandidate) worse = candidate (rank->worse, rank->worse_source,
                                             rank->worse_trusted, 0);

  g_assert_cmpint (ms_candidate_compare (better, worse), <, 0);
  g_assert_cmpint (ms_candidate_compare (worse, better), >, 0);
  g_assert_cmpint (ms_candidate_compare (better, better), ==, 0);
}

/* Within one source, the order the source gave (for SRV: RFC 2782 order). */
static void
test_rank_source_order (void)
{
  g_autoptr (MsCandidate) first = candidate ("imap:tls:a.example.net:993",
                                             MS_DISCOVERY_SOURCE_SRV, TRUE, 0);
  g_autoptr (MsCandidate) second = candidate ("imap:tls:b.example.net:993",
                                              MS_DISCOVERY_SOURCE_SRV, TRUE, 1);

  g_assert_cmpint (ms_candidate_compare (first, second), <, 0);
}

/* The same server from two sources: the trusted claim wins and keeps its source. */
static void
test_merge (void)
{
  g_autoptr (MsCandidate) http = candidate ("imap:tls:mail.example.net:993",
                                            MS_DISCOVERY_SOURCE_AUTOCONFIG, FALSE, 0);
  g_autoptr (MsCandidate) guess = candidate ("imap:tls:MAIL.example.net:993",
                                             MS_DISCOVERY_SOURCE_GUESS, TRUE, 3);
  g_autoptr (MsCandidate) other_port = candidate ("imap:tls:mail.example.net:1993",
                                                  MS_DISCOVERY_SOURCE_GUESS, TRUE, 3);

  g_assert_true (_ms_candidate_same_server (http, guess));
  g_assert_false (_ms_candidate_same_server (http, other_port));

  _ms_candidate_merge (http, guess);
  g_assert_true (ms_candidate_get_trusted (http));
  g_assert_null (ms_candidate_get_untrusted_reason (http));
  g_assert_cmpint (ms_candidate_get_source (http), ==, MS_DISCOVERY_SOURCE_GUESS);
}

/* A guess is trusted only through its certificate: once its probe failed it is not. */
static void
test_failed_guess_untrusted (void)
{
  g_autoptr (MsCandidate) guess = candidate ("imap:tls:imap.example.net:993",
                                             MS_DISCOVERY_SOURCE_GUESS, TRUE, 0);
  g_autoptr (MsCandidate) srv = candidate ("imap:tls:in.example.net:993", MS_DISCOVERY_SOURCE_SRV,
                                           TRUE, 0);
  g_autoptr (MsCheckResult) failed = _ms_check_result_new (ms_candidate_get_server (guess));

  _ms_check_result_set_diagnosis (failed, MS_DIAGNOSIS_CERTIFICATE_HOSTNAME_MISMATCH);
  g_assert_true (ms_candidate_get_trusted (guess));
  _ms_candidate_set_probe (guess, failed);
  g_assert_false (ms_candidate_get_trusted (guess));

  /* Other sources keep the trust of where they came from. */
  _ms_candidate_set_probe (srv, failed);
  g_assert_true (ms_candidate_get_trusted (srv));
}

/* Placeholders are expanded, plaintext and port 25 never become candidates. */
static void
test_from_autoconfig (void)
{
  static const char xml[] =
    "<clientConfig version=\"1.1\"><emailProvider id=\"example.net\">"
    "<domain>example.net</domain>"
    "<incomingServer type=\"imap\"><hostname>imap.%EMAILDOMAIN%</hostname><port>993</port>"
    "<socketType>SSL</socketType><username>%EMAILLOCALPART%</username>"
    "<authentication>password-cleartext</authentication></incomingServer>"
    "<incomingServer type=\"imap\"><hostname>imap.example.net</hostname><port>143</port>"
    "<socketType>plain</socketType><username>%EMAILADDRESS%</username>"
    "<authentication>password-cleartext</authentication></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.net</hostname><port>25</port>"
    "<socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username>"
    "<authentication>password-cleartext</authentication></outgoingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.net</hostname><port>587</port>"
    "<socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username>"
    "<authentication>password-cleartext</authentication></outgoingServer>"
    "</emailProvider></clientConfig>";
  g_autoptr (GBytes) bytes = g_bytes_new_static (xml, sizeof xml - 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (MsAutoconfig) autoconfig = ms_autoconfig_new_from_bytes (bytes, &error);
  g_autoptr (GPtrArray) candidates = g_ptr_array_new_with_free_func (g_object_unref);
  MsServerConfig *server;

  g_assert_no_error (error);
  _ms_candidates_add_from_autoconfig (candidates, autoconfig, "jo@example.net",
                                      MS_DISCOVERY_SOURCE_ISPDB, TRUE, NULL);

  g_assert_cmpuint (candidates->len, ==, 2);
  server = ms_candidate_get_server (candidates->pdata[0]);
  g_assert_cmpstr (ms_server_config_get_host (server), ==, "imap.example.net");
  g_assert_cmpstr (ms_server_config_get_username (server), ==, "jo");
  g_assert_cmpuint (ms_server_config_get_port (server), ==, 993);
  server = ms_candidate_get_server (candidates->pdata[1]);
  g_assert_cmpuint (ms_server_config_get_port (server), ==, 587);
  g_assert_cmpuint (ms_candidate_get_source (candidates->pdata[1]), ==,
                    MS_DISCOVERY_SOURCE_ISPDB);
}

/* The shipped database answers for every domain of a provider; a site-local directory
 * takes precedence, and a broken site-local file is an error naming it. */
static void
test_provider_database (void)
{
  g_autoptr (MsProviderDatabase) providers = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *file = NULL;
  g_autoptr (GFile) dir = NULL;
  MsAutoconfig *gmail;

  providers = ms_provider_database_new_default (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_provider_database_get_n_providers (providers), >=, 40);
  gmail = ms_provider_database_lookup (providers, "googlemail.com");
  g_assert_nonnull (gmail);
  g_assert_true (gmail == ms_provider_database_lookup (providers, "GMAIL.com"));
  g_assert_null (ms_provider_database_lookup (providers, "example.net"));

  tmp = g_dir_make_tmp ("site-XXXXXX", &error);
  g_assert_no_error (error);
  dir = g_file_new_for_path (tmp);
  file = g_build_filename (tmp, "gmail.xml", NULL);
  g_assert_true (g_file_set_contents (file,
    "<clientConfig version=\"1.1\"><emailProvider id=\"corp\"><domain>gmail.com</domain>"
    "<incomingServer type=\"imap\"><hostname>imap.corp.example.net</hostname><port>993</port>"
    "<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
    "<authentication>password-cleartext</authentication></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.corp.example.net</hostname><port>465</port>"
    "<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
    "<authentication>password-cleartext</authentication></outgoingServer>"
    "</emailProvider></clientConfig>", -1, &error));
  g_assert_true (ms_provider_database_add_directory (providers, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ms_autoconfig_get_id (ms_provider_database_lookup (providers, "gmail.com")),
                   ==, "corp");
  /* Only the domains the site file names are replaced. */
  g_assert_true (ms_provider_database_lookup (providers, "googlemail.com") == gmail);

  g_assert_true (g_file_set_contents (file, "<clientConfig", -1, &error));
  g_assert_false (ms_provider_database_add_directory (providers, dir, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "gmail.xml"));
  g_clear_error (&error);

  g_unlink (file);
  g_rmdir (tmp);
  g_assert_false (ms_provider_database_add_directory (providers, dir, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rank_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/discovery/rank/%s", rank_cases[i].name);

      g_test_add_data_func (path, &rank_cases[i], test_rank);
    }
  g_test_add_func ("/discovery/rank/source-order", test_rank_source_order);
  g_test_add_func ("/discovery/candidate/merge", test_merge);
  g_test_add_func ("/discovery/candidate/failed-guess-untrusted", test_failed_guess_untrusted);
  g_test_add_func ("/discovery/candidate/from-autoconfig", test_from_autoconfig);
  g_test_add_func ("/discovery/provider-database", test_provider_database);

  return g_test_run ();
}
