/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mailsetup.h"

/* The shipped provider database (data/providers/): every file is a valid autoconfig file that
 * Mail Setup can use safely, no domain is claimed twice, and a few well-known facts hold. */

#ifndef PROVIDERS_DIR
#error "PROVIDERS_DIR must name the data/providers folder of the source tree"
#endif

#define MIN_PROVIDERS 40

static GPtrArray *provider_files;  /* file names, sorted */

static char *
provider_path (const char *file)
{
  return g_build_filename (PROVIDERS_DIR, file, NULL);
}

static MsAutoconfig *
load_provider (const char *file)
{
  g_autofree char *path = provider_path (file);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  GBytes *bytes;
  MsAutoconfig *config;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);

  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  config = ms_autoconfig_new_from_bytes (bytes, &error);
  g_bytes_unref (bytes);
  g_assert_no_error (error);
  g_assert_nonnull (config);

  return config;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static GPtrArray *
list_provider_files (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (PROVIDERS_DIR, 0, &error);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".xml"))
      g_ptr_array_add (files, g_strdup (name));
  g_ptr_array_sort (files, compare_names);

  return files;
}

static void
check_servers (GPtrArray  *servers,
               const char *file)
{
  for (guint i = 0; i < servers->len; i++)
    {
      MsServerConfig *server = ms_autoconfig_server_get_template (g_ptr_array_index (servers, i));

      if (ms_server_config_get_security (server) == MS_SECURITY_NONE)
        g_error ("%s: %s:%u is plaintext", file, ms_server_config_get_host (server),
                 ms_server_config_get_port (server));
      if (ms_server_config_get_port (server) == 25)
        g_error ("%s: %s uses port 25", file, ms_server_config_get_host (server));
    }
}

/* Every file parses, has an incoming and an outgoing server, never proposes plaintext or port
 * 25, and is named after one of its domains. */
static void
test_provider_file (gconstpointer data)
{
  const char *file = data;
  g_autoptr (MsAutoconfig) config = load_provider (file);
  g_autofree char *domain = g_strndup (file, strlen (file) - strlen (".xml"));
  GPtrArray *incoming = ms_autoconfig_get_incoming (config);
  GPtrArray *outgoing = ms_autoconfig_get_outgoing (config);

  g_assert_cmpuint (incoming->len, >=, 1);
  g_assert_cmpuint (outgoing->len, >=, 1);
  check_servers (incoming, file);
  check_servers (outgoing, file);

  if (!ms_autoconfig_has_domain (config, domain))
    g_error ("%s is not named after one of its domains", file);
  g_assert_cmpstr (ms_autoconfig_get_id (config), ==, domain);
}

static void
test_unique_domains (void)
{
  g_autoptr (GHashTable) owners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < provider_files->len; i++)
    {
      const char *file = g_ptr_array_index (provider_files, i);
      g_autoptr (MsAutoconfig) config = load_provider (file);
      const char *const *domains = ms_autoconfig_get_domains (config);

      for (gsize j = 0; domains[j] != NULL; j++)
        {
          const char *owner = g_hash_table_lookup (owners, domains[j]);

          if (owner != NULL)
            g_error ("the domain %s is in both %s and %s", domains[j], owner, file);
          g_hash_table_insert (owners, g_strdup (domains[j]), g_strdup (file));
        }
    }
}

static void
test_count (void)
{
  g_assert_cmpuint (provider_files->len, >=, MIN_PROVIDERS);
}

static gboolean
has_server (GPtrArray  *servers,
            const char *host,
            guint       port,
            MsSecurity  security)
{
  for (guint i = 0; i < servers->len; i++)
    {
      MsServerConfig *server = ms_autoconfig_server_get_template (g_ptr_array_index (servers, i));

      if (g_strcmp0 (ms_server_config_get_host (server), host) == 0 &&
          ms_server_config_get_port (server) == port &&
          ms_server_config_get_security (server) == security)
        return TRUE;
    }
  return FALSE;
}

static MsServerConfig *
first_server (GPtrArray *servers)
{
  g_assert_cmpuint (servers->len, >=, 1);
  return ms_autoconfig_server_get_template (g_ptr_array_index (servers, 0));
}

typedef struct
{
  const char *file;
  const char *domain;      /* another domain that file must claim */
  const char *imap_host;   /* the first incoming server: IMAP */
  guint       imap_port;
  MsSecurity  imap_security;
  const char *smtp_host;   /* an outgoing server */
  guint       smtp_port;
  MsSecurity  smtp_security;
  gboolean    app_password;
  gboolean    enable_imap;
  gboolean    oauth2_only;
  gboolean    note;
} ProviderFact;

static const ProviderFact facts[] = {
  { "gmail.com.xml", "googlemail.com", "imap.gmail.com", 993, MS_SECURITY_TLS,
    "smtp.gmail.com", 465, MS_SECURITY_TLS, TRUE, FALSE, FALSE, TRUE },
  { "gmail.com.xml", "gmail.com", "imap.gmail.com", 993, MS_SECURITY_TLS,
    "smtp.gmail.com", 587, MS_SECURITY_STARTTLS, TRUE, FALSE, FALSE, TRUE },
  { "outlook.com.xml", "hotmail.co.uk", "outlook.office365.com", 993, MS_SECURITY_TLS,
    "smtp.office365.com", 587, MS_SECURITY_STARTTLS, FALSE, FALSE, TRUE, TRUE },
  { "outlook.com.xml", "msn.com", "outlook.office365.com", 993, MS_SECURITY_TLS,
    "smtp.office365.com", 587, MS_SECURITY_STARTTLS, FALSE, FALSE, TRUE, TRUE },
  { "office365.com.xml", "onmicrosoft.com", "outlook.office365.com", 993, MS_SECURITY_TLS,
    "smtp.office365.com", 587, MS_SECURITY_STARTTLS, FALSE, FALSE, TRUE, TRUE },
  { "yahoo.com.xml", "rocketmail.com", "imap.mail.yahoo.com", 993, MS_SECURITY_TLS,
    "smtp.mail.yahoo.com", 465, MS_SECURITY_TLS, TRUE, FALSE, FALSE, FALSE },
  { "icloud.com.xml", "me.com", "imap.mail.me.com", 993, MS_SECURITY_TLS,
    "smtp.mail.me.com", 587, MS_SECURITY_STARTTLS, TRUE, FALSE, FALSE, FALSE },
  { "aol.com.xml", "aim.com", "imap.aol.com", 993, MS_SECURITY_TLS,
    "smtp.aol.com", 465, MS_SECURITY_TLS, TRUE, FALSE, FALSE, FALSE },
  { "gmx.net.xml", "gmx.de", "imap.gmx.net", 993, MS_SECURITY_TLS,
    "mail.gmx.net", 465, MS_SECURITY_TLS, FALSE, TRUE, FALSE, FALSE },
  { "web.de.xml", "web.de", "imap.web.de", 993, MS_SECURITY_TLS,
    "smtp.web.de", 587, MS_SECURITY_STARTTLS, FALSE, TRUE, FALSE, FALSE },
  { "mail.ru.xml", "bk.ru", "imap.mail.ru", 993, MS_SECURITY_TLS,
    "smtp.mail.ru", 465, MS_SECURITY_TLS, FALSE, FALSE, FALSE, FALSE },
  { "yandex.ru.xml", "ya.ru", "imap.yandex.com", 993, MS_SECURITY_TLS,
    "smtp.yandex.com", 465, MS_SECURITY_TLS, FALSE, TRUE, FALSE, FALSE },
  { "fastmail.com.xml", "fastmail.fm", "imap.fastmail.com", 993, MS_SECURITY_TLS,
    "smtp.fastmail.com", 465, MS_SECURITY_TLS, TRUE, FALSE, FALSE, FALSE },
  { "protonmail.com.xml", "pm.me", "127.0.0.1", 1143, MS_SECURITY_STARTTLS,
    "127.0.0.1", 1025, MS_SECURITY_STARTTLS, FALSE, FALSE, FALSE, TRUE },
  { "t-online.de.xml", "magenta.de", "secureimap.t-online.de", 993, MS_SECURITY_TLS,
    "securesmtp.t-online.de", 465, MS_SECURITY_TLS, TRUE, FALSE, FALSE, FALSE },
  { "att.net.xml", "sbcglobal.net", "imap.mail.att.net", 993, MS_SECURITY_TLS,
    "smtp.mail.att.net", 465, MS_SECURITY_TLS, TRUE, FALSE, FALSE, FALSE },
  { "posteo.de.xml", "posteo.net", "posteo.de", 993, MS_SECURITY_TLS,
    "posteo.de", 465, MS_SECURITY_TLS, FALSE, FALSE, FALSE, FALSE },
};

static void
test_fact (gconstpointer data)
{
  const ProviderFact *fact = data;
  g_autoptr (MsAutoconfig) config = load_provider (fact->file);
  MsServerConfig *incoming = first_server (ms_autoconfig_get_incoming (config));

  g_assert_true (ms_autoconfig_has_domain (config, fact->domain));

  g_assert_cmpint (ms_server_config_get_protocol (incoming), ==, MS_PROTOCOL_IMAP);
  g_assert_cmpstr (ms_server_config_get_host (incoming), ==, fact->imap_host);
  g_assert_cmpuint (ms_server_config_get_port (incoming), ==, fact->imap_port);
  g_assert_cmpint (ms_server_config_get_security (incoming), ==, fact->imap_security);
  g_assert_true (has_server (ms_autoconfig_get_outgoing (config), fact->smtp_host,
                             fact->smtp_port, fact->smtp_security));

  g_assert_cmpint (ms_autoconfig_get_app_password_required (config), ==, fact->app_password);
  if (fact->app_password)
    g_assert_true (g_str_has_prefix (ms_autoconfig_get_app_password_url (config), "https://"));
  g_assert_cmpint (ms_autoconfig_get_enable_imap_required (config), ==, fact->enable_imap);
  if (fact->enable_imap)
    g_assert_true (g_str_has_prefix (ms_autoconfig_get_enable_imap_url (config), "https://"));
  g_assert_cmpint (ms_autoconfig_get_oauth2_only (config), ==, fact->oauth2_only);
  g_assert_cmpint (ms_autoconfig_get_note (config) != NULL, ==, fact->note);

  if (fact->oauth2_only)
    g_assert_cmpint (ms_server_config_get_auth_mechanism (incoming), ==, MS_AUTH_MECHANISM_OAUTH2);
}

/* Every hint URL the parser kept is https and every hint element survived sanitising. */
static void
test_hint_urls (void)
{
  for (guint i = 0; i < provider_files->len; i++)
    {
      const char *file = g_ptr_array_index (provider_files, i);
      g_autoptr (MsAutoconfig) config = load_provider (file);

      if (ms_autoconfig_get_app_password_required (config) &&
          ms_autoconfig_get_app_password_url (config) != NULL)
        g_assert_true (g_str_has_prefix (ms_autoconfig_get_app_password_url (config), "https://"));
      if (ms_autoconfig_get_enable_imap_required (config))
        {
          if (ms_autoconfig_get_enable_imap_url (config) == NULL)
            g_error ("%s: enableImap without a usable url", file);
          g_assert_true (g_str_has_prefix (ms_autoconfig_get_enable_imap_url (config), "https://"));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  provider_files = list_provider_files ();

  for (guint i = 0; i < provider_files->len; i++)
    {
      const char *file = g_ptr_array_index (provider_files, i);
      g_autofree char *path = g_strconcat ("/providers/file/", file, NULL);

      g_test_add_data_func (path, file, test_provider_file);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (facts); i++)
    {
      g_autofree char *path = g_strdup_printf ("/providers/fact/%s/%s", facts[i].file,
                                               facts[i].domain);

      g_test_add_data_func (path, &facts[i], test_fact);
    }
  g_test_add_func ("/providers/unique-domains", test_unique_domains);
  g_test_add_func ("/providers/hint-urls", test_hint_urls);
  g_test_add_func ("/providers/count", test_count);

  result = g_test_run ();
  g_ptr_array_unref (provider_files);
  return result;
}
