/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailsetup.h"
#include "ms-autoconfig-private.h"
#include "ms-autoconfig.h"

typedef struct
{
  MsProtocol      protocol;
  const char     *host;
  guint16         port;
  MsSecurity      security;
  const char     *username;  /* the template, NULL when the file has none */
  MsAuthMechanism mechanism;
} ServerExpectation;

/* One real Thunderbird ISPDB file (data/ispdb/, see the README there) and what Thunderbird
 * makes of it: the first incoming and outgoing server in the file's order of preference. */
typedef struct
{
  const char       *file;
  const char       *id;
  const char       *domain;     /* one of its <domain>s */
  guint             n_incoming; /* exchange/ews servers are not counted: they are skipped */
  guint             n_outgoing;
  ServerExpectation incoming;
  ServerExpectation outgoing;
  const char       *refused;    /* non-NULL: the file is not well-formed; part of the error */
} IspdbCase;

#define IMAP(host, port, sec, user, mech) \
  { MS_PROTOCOL_IMAP, host, port, MS_SECURITY_##sec, user, MS_AUTH_MECHANISM_##mech }
#define POP3(host, port, sec, user, mech) \
  { MS_PROTOCOL_POP3, host, port, MS_SECURITY_##sec, user, MS_AUTH_MECHANISM_##mech }
#define SMTP(host, port, sec, user, mech) \
  { MS_PROTOCOL_SMTP, host, port, MS_SECURITY_##sec, user, MS_AUTH_MECHANISM_##mech }
#define ADDR "%EMAILADDRESS%"
#define LOCAL "%EMAILLOCALPART%"

static const IspdbCase ispdb_cases[] = {
  { "1und1.de", "1und1.de", "online.de", 4, 1,
    IMAP ("imap.1und1.de", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.1und1.de", 587, STARTTLS, ADDR, AUTOMATIC), NULL },
  { "aol.com", "aol.com", "aim.com", 2, 1,
    IMAP ("imap.aol.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.aol.com", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "att.net", "att.net", "sbcglobal.net", 2, 2,
    IMAP ("imap.mail.att.net", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("outbound.att.net", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "bigpond.com", "bigpond.com", "telstra.com", 2, 1,
    IMAP ("imap.telstra.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.telstra.com", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "comcast.net", "comcast.net", "comcast.net", 4, 2,
    IMAP ("imap.comcast.net", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.comcast.net", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "daum.net", "daum.net", "daum.net", 1, 1,
    IMAP ("imap.daum.net", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.daum.net", 465, TLS, ADDR, CRAM_MD5), NULL },
  { "earthlink.net", "earthlink.net", "mindspring.com", 2, 1,
    IMAP ("imap.earthlink.net", 993, TLS, ADDR, CRAM_MD5),
    SMTP ("smtpauth.earthlink.net", 587, STARTTLS, ADDR, AUTOMATIC), NULL },
  { "free.fr", "free.fr", "free.fr", 2, 1,
    IMAP ("imap.free.fr", 993, TLS, LOCAL, AUTOMATIC),
    SMTP ("smtp.free.fr", 465, TLS, LOCAL, AUTOMATIC), NULL },
  { "freenet.de", "freenet.de", "freenet.de", 2, 1,
    IMAP ("mx.freenet.de", 993, TLS, ADDR, CRAM_MD5),
    SMTP ("mx.freenet.de", 587, STARTTLS, ADDR, CRAM_MD5), NULL },
  { "gmx.com", "gmx.com", "gmx.co.uk", 4, 2,
    IMAP ("imap.gmx.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("mail.gmx.com", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "gmx.net", "gmx.net", "gmx.de", 4, 2,
    IMAP ("imap.gmx.net", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("mail.gmx.net", 465, TLS, ADDR, AUTOMATIC), NULL },
  /* OAuth2 is listed first; Mail Setup checks the password the file also allows. */
  { "googlemail.com", "googlemail.com", "gmail.com", 2, 2,
    IMAP ("imap.gmail.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.gmail.com", 587, STARTTLS, ADDR, AUTOMATIC), NULL },
  /* OAuth2 only. */
  { "hotmail.com", "hotmail.com", "outlook.de", 2, 2,
    IMAP ("outlook.office365.com", 993, TLS, ADDR, OAUTH2),
    SMTP ("smtp.office365.com", 587, STARTTLS, ADDR, OAUTH2), NULL },
  { "ionos.de", "ionos.de", "kundenserver.de", 4, 2,
    IMAP ("imap.ionos.de", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.ionos.de", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "libero.it", "libero.it", "inwind.it", 2, 1,
    IMAP ("imapmail.libero.it", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.libero.it", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "mail.ru", "mail.ru", "bk.ru", 4, 2,
    IMAP ("imap.mail.ru", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.mail.ru", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "mailbox.org", "mailbox.org", "mailbox.org", 4, 2,
    IMAP ("imap.mailbox.org", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.mailbox.org", 465, TLS, ADDR, AUTOMATIC), NULL },
  /* clientConfig 1.0, CRLF, the deprecated "plain", a server commented out. */
  { "me.com", "me.com", "icloud.com", 1, 1,
    IMAP ("imap.mail.me.com", 993, TLS, LOCAL, AUTOMATIC),
    SMTP ("smtp.mail.me.com", 587, STARTTLS, LOCAL, AUTOMATIC), NULL },
  /* FastMail; the id is not a domain. */
  { "messagingengine.com", "MessagingEngine", "messagingengine.com", 2, 1,
    IMAP ("imap.fastmail.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.fastmail.com", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "naver.com", "naver.com", "naver.com", 2, 1,
    IMAP ("imap.naver.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.naver.com", 465, TLS, ADDR, CRAM_MD5), NULL },
  { "ntlworld.com", "ntlworld.com", "ntlworld.com", 2, 1,
    IMAP ("imap.ntlworld.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.ntlworld.com", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "o2.pl", "o2.pl", "tlen.pl", 2, 2,
    IMAP ("poczta.o2.pl", 993, TLS, LOCAL, AUTOMATIC),
    SMTP ("poczta.o2.pl", 465, TLS, LOCAL, AUTOMATIC), NULL },
  /* An exchange server between them is skipped. */
  { "office365.com", "office365.com", "onmicrosoft.com", 2, 1,
    IMAP ("outlook.office365.com", 993, TLS, ADDR, OAUTH2),
    SMTP ("smtp.office365.com", 587, STARTTLS, ADDR, OAUTH2), NULL },
  { "onet.pl", "onet.pl", "op.pl", 2, 2,
    IMAP ("imap.poczta.onet.pl", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.poczta.onet.pl", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "orange.fr", "orange.fr", "wanadoo.fr", 2, 1,
    IMAP ("imap.orange.fr", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.orange.fr", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "outlook.com", "outlook.com", "outlook.com", 2, 1,
    IMAP ("outlook.office365.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.office365.com", 587, STARTTLS, ADDR, AUTOMATIC), NULL },
  /* CRLF line ends, 50 domains, the host is the domain itself. */
  { "posteo.de", "posteo.de", "posteo.co.uk", 4, 2,
    IMAP ("posteo.de", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("posteo.de", 465, TLS, ADDR, AUTOMATIC), NULL },
  /* Proton Mail Bridge on this computer; no <authentication> at all. */
  { "protonmail.com", "protonmail.com", "pm.me", 1, 1,
    IMAP ("127.0.0.1", 1143, STARTTLS, ADDR, AUTOMATIC),
    SMTP ("127.0.0.1", 1025, STARTTLS, ADDR, AUTOMATIC), NULL },
  /* No XML declaration, CRLF, no final line break. */
  { "qq.com", "qq.com", "qq.com", 1, 1,
    IMAP ("imap.qq.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.qq.com", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "rambler.ru", "rambler.ru", "rambler.ru", 2, 1,
    IMAP ("imap.rambler.ru", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.rambler.ru", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "strato.de", "strato.de", "rzone.de", 2, 2,
    IMAP ("imap.strato.de", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.strato.de", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "t-online.de", "t-online.de", "magenta.de", 2, 2,
    IMAP ("secureimap.t-online.de", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("securesmtp.t-online.de", 465, TLS, ADDR, AUTOMATIC), NULL },
  /* Both stored revisions write "&amP;": an entity XML does not have. Thunderbird's parser
   * refuses the file too. */
  { "web.de", NULL, NULL, 0, 0, { 0 }, { 0 }, "Entity name “amP” is not known" },
  { "wp.pl", "wp.pl", "wp.pl", 2, 1,
    IMAP ("imap.wp.pl", 993, TLS, LOCAL, AUTOMATIC),
    SMTP ("smtp.wp.pl", 465, TLS, LOCAL, AUTOMATIC), NULL },
  { "yahoo.com", "yahoo.com", "ymail.com", 3, 2,
    IMAP ("imap.mail.yahoo.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.mail.yahoo.com", 587, STARTTLS, ADDR, AUTOMATIC), NULL },
  { "yandex.ru", "yandex.ru", "ya.ru", 2, 1,
    IMAP ("imap.yandex.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.yandex.com", 465, TLS, ADDR, AUTOMATIC), NULL },
  { "zoho.com", "zoho.com", "zohomail.com", 2, 2,
    IMAP ("imap.zoho.com", 993, TLS, ADDR, AUTOMATIC),
    SMTP ("smtp.zoho.com", 465, TLS, ADDR, AUTOMATIC), NULL },
};

static char *
fixture_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".xml", NULL);

  return g_test_build_filename (G_TEST_DIST, "autoconfig", "data", "ispdb", file, NULL);
}

static GBytes *
load_fixture (const char *name)
{
  g_autofree char *path = fixture_path (name);
  g_autoptr (GError) error = NULL;
  char *contents;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static MsAutoconfig *
parse_text (const char *text,
            GError    **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));

  return ms_autoconfig_new_from_bytes (bytes, error);
}

static void
assert_message (const GError *error,
                const char   *message_part)
{
  g_assert_nonnull (error);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (strstr (error->message, message_part) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, message_part);
}

static void
assert_refused (const char *text,
                const char *message_part)
{
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;

  config = parse_text (text, &error);
  g_assert_null (config);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
  assert_message (error, message_part);
}

static void
assert_server (MsAutoconfigServer      *server,
               const ServerExpectation *expected)
{
  MsServerConfig *server_template = ms_autoconfig_server_get_template (server);

  g_assert_cmpint (ms_server_config_get_protocol (server_template), ==, expected->protocol);
  g_assert_cmpstr (ms_server_config_get_host (server_template), ==, expected->host);
  g_assert_cmpuint (ms_server_config_get_port (server_template), ==, expected->port);
  g_assert_cmpint (ms_server_config_get_security (server_template), ==, expected->security);
  g_assert_cmpstr (ms_server_config_get_username (server_template), ==, expected->username);
  g_assert_cmpint (ms_server_config_get_auth_mechanism (server_template), ==,
                   expected->mechanism);
}

static void
test_ispdb_case (gconstpointer data)
{
  const IspdbCase *c = data;
  g_autoptr (GBytes) bytes = load_fixture (c->file);
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MsServerConfig) expanded = NULL;
  g_autofree char *address = NULL;
  g_autofree char *upper_domain = NULL;
  GPtrArray *incoming;
  GPtrArray *outgoing;

  config = ms_autoconfig_new_from_bytes (bytes, &error);
  if (c->refused != NULL)
    {
      g_assert_null (config);
      g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
      assert_message (error, "not well-formed XML");
      assert_message (error, c->refused);
      return;
    }

  g_assert_no_error (error);
  g_assert_cmpstr (ms_autoconfig_get_id (config), ==, c->id);
  g_assert_true (g_strv_contains (ms_autoconfig_get_domains (config), c->domain));
  upper_domain = g_ascii_strup (c->domain, -1);
  g_assert_true (ms_autoconfig_has_domain (config, upper_domain));
  g_assert_false (ms_autoconfig_has_domain (config, "example.invalid"));
  g_assert_nonnull (ms_autoconfig_get_display_name (config));

  incoming = ms_autoconfig_get_incoming (config);
  outgoing = ms_autoconfig_get_outgoing (config);
  g_assert_cmpuint (incoming->len, ==, c->n_incoming);
  g_assert_cmpuint (outgoing->len, ==, c->n_outgoing);
  assert_server (g_ptr_array_index (incoming, 0), &c->incoming);
  assert_server (g_ptr_array_index (outgoing, 0), &c->outgoing);

  for (guint i = 0; i < incoming->len; i++)
    {
      MsServerConfig *server_template =
        ms_autoconfig_server_get_template (g_ptr_array_index (incoming, i));

      g_assert_true (ms_protocol_is_incoming (ms_server_config_get_protocol (server_template)));
    }
  for (guint i = 0; i < outgoing->len; i++)
    {
      MsServerConfig *server_template =
        ms_autoconfig_server_get_template (g_ptr_array_index (outgoing, i));

      g_assert_cmpint (ms_server_config_get_protocol (server_template), ==, MS_PROTOCOL_SMTP);
    }

  /* What a user at that domain gets. */
  address = g_strconcat ("jane.doe@", c->domain, NULL);
  expanded = ms_autoconfig_server_expand (g_ptr_array_index (incoming, 0), address, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_server_config_get_host (expanded), ==, c->incoming.host);
  if (g_strcmp0 (c->incoming.username, ADDR) == 0)
    g_assert_cmpstr (ms_server_config_get_username (expanded), ==, address);
  else
    g_assert_cmpstr (ms_server_config_get_username (expanded), ==, "jane.doe");
  g_assert_true (ms_server_config_validate (expanded, NULL));
}

/* A fixture without its test would be a fixture nobody checks. */
static void
test_ispdb_all_covered (void)
{
  g_autofree char *directory =
    g_test_build_filename (G_TEST_DIST, "autoconfig", "data", "ispdb", NULL);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) error = NULL;
  const char *name;
  guint n_files = 0;

  dir = g_dir_open (directory, 0, &error);
  g_assert_no_error (error);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      gboolean covered = FALSE;

      if (!g_str_has_suffix (name, ".xml"))
        continue;
      n_files++;
      for (gsize i = 0; i < G_N_ELEMENTS (ispdb_cases) && !covered; i++)
        {
          g_autofree char *file = g_strconcat (ispdb_cases[i].file, ".xml", NULL);

          covered = strcmp (file, name) == 0;
        }
      if (!covered)
        g_error ("data/ispdb/%s has no entry in ispdb_cases", name);
    }

  g_assert_cmpuint (n_files, ==, G_N_ELEMENTS (ispdb_cases));
  g_assert_cmpuint (n_files, >=, 30);
}

static void
test_ispdb_details (void)
{
  g_autoptr (GBytes) gmail = load_fixture ("googlemail.com");
  g_autoptr (GBytes) freenet = load_fixture ("freenet.de");
  g_autoptr (GBytes) yandex = load_fixture ("yandex.ru");
  g_autoptr (GBytes) att = load_fixture ("att.net");
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;
  MsAutoconfigServer *server;
  const MsAutoconfigAuth *auth;
  guint n_auth;

  config = ms_autoconfig_new_from_bytes (gmail, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_autoconfig_get_display_name (config), ==, "Google Mail");
  g_assert_cmpstr (ms_autoconfig_get_display_short_name (config), ==, "GMail");
  g_assert_cmpstrv (ms_autoconfig_get_domains (config),
                    ((const char *const[]) { "gmail.com", "googlemail.com", "google.com",
                                             "jazztel.es", "nyu.edu", NULL }));
  server = g_ptr_array_index (ms_autoconfig_get_incoming (config), 0);
  auth = ms_autoconfig_server_get_auth (server, &n_auth);
  g_assert_cmpuint (n_auth, ==, 2);
  g_assert_cmpint (auth[0], ==, MS_AUTOCONFIG_AUTH_OAUTH2);
  g_assert_cmpint (auth[1], ==, MS_AUTOCONFIG_AUTH_PASSWORD_CLEARTEXT);
  g_assert_true (ms_autoconfig_server_offers (server, MS_AUTOCONFIG_AUTH_OAUTH2));
  g_assert_false (ms_autoconfig_server_offers (server, MS_AUTOCONFIG_AUTH_NTLM));
  g_assert_cmpstr (ms_autoconfig_get_enable_url (config), ==,
                   "https://mail.google.com/mail/?ui=2&shva=1#settings/fwdandpop");
  g_assert_cmpstr (ms_autoconfig_get_enable_instruction (config), ==,
                   "You need to enable IMAP access");
  g_assert_cmpuint (ms_autoconfig_get_n_documentation (config), ==, 4);
  g_assert_cmpstr (ms_autoconfig_get_documentation_url (config, 0), ==,
                   "http://mail.google.com/support/bin/answer.py?answer=13273");
  g_assert_cmpstr (ms_autoconfig_get_documentation_description (config, 0), ==,
                   "How to enable IMAP/POP3 in GMail");
  g_assert_false (ms_autoconfig_get_app_password_required (config));
  g_assert_false (ms_autoconfig_get_oauth2_only (config));
  g_assert_null (ms_autoconfig_get_note (config));
  g_clear_object (&config);

  /* <descr lang="de"> and <descr lang="en">: the user's language, else English. */
  config = ms_autoconfig_new_from_bytes (freenet, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_autoconfig_get_documentation_description (config, 0), ==,
                   "Generic settings page");
  g_setenv ("LANGUAGE", "de", TRUE);
  g_assert_cmpstr (ms_autoconfig_get_documentation_description (config, 0), ==,
                   "Allgemeine Beschreibung der Einstellungen");
  g_unsetenv ("LANGUAGE");
  g_clear_object (&config);

  /* <enable> next to <emailProvider> rather than in it. */
  config = ms_autoconfig_new_from_bytes (yandex, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_autoconfig_get_enable_url (config), ==,
                   "http://mail.yandex.ru/neo/setup_client");
  g_clear_object (&config);

  /* Escaped text. */
  config = ms_autoconfig_new_from_bytes (att, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_autoconfig_get_display_name (config), ==, "AT&T");
}

/* The classic: ten levels of entities that expand to a billion "lol"s. */
static void
test_hostile_billion_laughs (void)
{
  g_autoptr (GString) xml = g_string_new ("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
                                          "  <!ENTITY lol \"lol\">\n");

  for (int i = 1; i <= 9; i++)
    {
      g_string_append_printf (xml, "  <!ENTITY lol%d \"", i);
      for (int j = 0; j < 10; j++)
        {
          if (i == 1)
            g_string_append (xml, "&lol;");
          else
            g_string_append_printf (xml, "&lol%d;", i - 1);
        }
      g_string_append (xml, "\">\n");
    }
  g_string_append (xml, "]>\n<clientConfig version=\"1.1\"><emailProvider id=\"x\">"
                        "<displayName>&lol9;</displayName></emailProvider></clientConfig>\n");

  assert_refused (xml->str, "DOCTYPE");
}

static void
test_hostile_doctype (void)
{
  /* External entities: would read a local file in a parser that resolves them. */
  assert_refused ("<?xml version=\"1.0\"?>\n"
                  "<!DOCTYPE clientConfig [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n"
                  "<clientConfig><emailProvider id=\"&xxe;\"/></clientConfig>",
                  "DOCTYPE");
  assert_refused ("<!DOCTYPE clientConfig SYSTEM \"http://example.com/evil.dtd\">\n"
                  "<clientConfig/>",
                  "DOCTYPE");
  /* Without a DOCTYPE an entity is simply unknown. */
  assert_refused ("<clientConfig><emailProvider id=\"x\">&lol9;</emailProvider></clientConfig>",
                  "not well-formed XML");
}

static void
test_hostile_deep_nesting (void)
{
  g_autoptr (GString) xml = g_string_new ("<clientConfig>");
  g_autoptr (GString) ok = g_string_new (NULL);
  g_autoptr (GBytes) gmail = load_fixture ("googlemail.com");
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;
  const char *text = g_bytes_get_data (gmail, NULL);
  const char *provider_end = strstr (text, "</emailProvider>");

  for (int i = 0; i < 100000; i++)
    g_string_append (xml, "<a>");
  assert_refused (xml->str, "more than 32 deep");

  /* Unknown elements nested up to the limit are skipped like any others. */
  g_string_append_len (ok, text, provider_end - text);
  for (int i = 0; i < MS_AUTOCONFIG_MAX_DEPTH - 2; i++)
    g_string_append (ok, "<unknown>");
  for (int i = 0; i < MS_AUTOCONFIG_MAX_DEPTH - 2; i++)
    g_string_append (ok, "</unknown>");
  g_string_append (ok, provider_end);
  config = parse_text (ok->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_autoconfig_get_incoming (config)->len, ==, 2);
}

static void
test_hostile_many_elements (void)
{
  g_autoptr (GString) xml = g_string_new ("<clientConfig><emailProvider id=\"x\">");

  for (int i = 0; i < MS_AUTOCONFIG_MAX_ELEMENTS; i++)
    g_string_append (xml, "<domain>example.com</domain>");
  g_string_append (xml, "</emailProvider></clientConfig>");

  assert_refused (xml->str, "more than 10000 elements");
}

static void
test_hostile_long_value (void)
{
  g_autoptr (GString) xml = g_string_new ("<clientConfig><emailProvider id=\"x\"><displayName>");
  g_autofree char *filler = g_strnfill (MS_AUTOCONFIG_MAX_VALUE_LENGTH + 1, 'x');

  g_string_append (xml, filler);
  g_string_append (xml, "</displayName></emailProvider></clientConfig>");

  assert_refused (xml->str, "The value of <displayName> is longer than 4096 bytes");
}

static void
test_hostile_size (void)
{
  gsize huge = 100 * 1024 * 1024;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;
  void *region;

  /* 100 MiB the parser may not even look at: any read of it would crash the test. */
  region = mmap (NULL, huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (region != MAP_FAILED);
  bytes = g_bytes_new_static (region, huge);

  config = ms_autoconfig_new_from_bytes (bytes, &error);
  g_assert_null (config);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
  /* g_format_size() puts a no-break space before the unit. */
  assert_message (error, "too large: 104.9\u00a0MB (at most 1.0\u00a0MB)");

  g_clear_pointer (&bytes, g_bytes_unref);
  munmap (region, huge);
}

/* Writes zeros into a pipe until the reader closes it; returns how many it wrote. */
static gpointer
write_endlessly (gpointer data)
{
  static const char zeros[64 * 1024] = { 0 };
  gsize written = 0;
  int fd = g_open (data, O_WRONLY, 0);

  g_assert_cmpint (fd, >=, 0);
  while (written < 100 * 1024 * 1024)
    {
      gssize n = write (fd, zeros, sizeof zeros);

      if (n < 0)
        break;
      written += (gsize) n;
    }
  close (fd);
  return GSIZE_TO_POINTER (written);
}

static void
test_hostile_size_file (void)
{
  g_autofree char *directory = g_dir_make_tmp ("autoconfig-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (directory, "huge.xml", NULL);
  g_autofree char *fifo_path = g_build_filename (directory, "fifo.xml", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;
  GThread *writer;
  int fd;

  /* A sparse 100 MiB file: refused from its size. */
  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 100 * 1024 * 1024), ==, 0);
  close (fd);

  config = ms_autoconfig_new_from_file (file, NULL, &error);
  g_assert_null (config);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
  assert_message (error, "too large");
  g_clear_error (&error);

  /* One byte over the limit. */
  fd = g_open (path, O_WRONLY | O_TRUNC, 0600);
  g_assert_cmpint (ftruncate (fd, MS_AUTOCONFIG_MAX_SIZE + 1), ==, 0);
  close (fd);
  config = ms_autoconfig_new_from_file (file, NULL, &error);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
  g_clear_error (&error);

  /* A pipe has no size: refused after one byte more than the limit, not at its end. */
  g_assert_cmpint (mkfifo (fifo_path, 0600), ==, 0);
  writer = g_thread_new ("fifo-writer", write_endlessly, fifo_path);
  g_clear_object (&file);
  file = g_file_new_for_path (fifo_path);
  config = ms_autoconfig_new_from_file (file, NULL, &error);
  g_assert_null (config);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
  assert_message (error, "too large (at most 1.0");
  g_assert_cmpuint (GPOINTER_TO_SIZE (g_thread_join (writer)), <, 100 * 1024 * 1024);

  g_unlink (fifo_path);
  g_unlink (path);
  g_rmdir (directory);
}

/* Exactly at the limit is fine: a real file with a long comment. */
static void
test_size_at_limit (void)
{
  g_autoptr (GBytes) gmail = load_fixture ("googlemail.com");
  g_autoptr (GString) xml = g_string_new_len (g_bytes_get_data (gmail, NULL),
                                              (gssize) g_bytes_get_size (gmail));
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;

  g_string_append (xml, "<!--");
  while (xml->len < MS_AUTOCONFIG_MAX_SIZE - 3)
    g_string_append_c (xml, 'x');
  g_string_append (xml, "-->");
  g_assert_cmpuint (xml->len, ==, MS_AUTOCONFIG_MAX_SIZE);

  bytes = g_bytes_new (xml->str, xml->len);
  config = ms_autoconfig_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_clear_object (&config);
  g_clear_pointer (&bytes, g_bytes_unref);

  g_string_append_c (xml, '\n');
  bytes = g_bytes_new (xml->str, xml->len);
  config = ms_autoconfig_new_from_bytes (bytes, &error);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
}

static void
test_hostile_encoding (void)
{
  static const char utf16[] = "\xff\xfe<\0c\0l\0i\0e\0n\0t\0C\0o\0n\0f\0i\0g\0/\0>\0";
  static const char utf16_no_bom[] = "<\0c\0l\0i\0e\0n\0t\0C\0o\0n\0f\0i\0g\0/\0>\0";
  static const char nul[] = "<clientConfig>\0</clientConfig>";
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;

  assert_refused ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<clientConfig/>",
                  "encoding “ISO-8859-1”; only UTF-8");
  assert_refused ("<?xml version='1.0' encoding = 'windows-1252' ?><clientConfig/>",
                  "encoding “windows-1252”");
  assert_refused ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
                  "<clientConfig><emailProvider id=\"m\xfcller.de\"/></clientConfig>",
                  "not valid UTF-8");
  assert_refused ("<clientConfig>\xc3\x28</clientConfig>", "not valid UTF-8");
  assert_refused ("<clientConfig \xff=\"1\"/>", "not valid UTF-8");
  /* Valid UTF-8 that GLib's own message would cut in half (found by the fuzzer): the message
   * stays valid UTF-8 (assert_refused checks). */
  assert_refused ("<clientConfig><hos\xef\xbb\xbftname/></clientConfig>", "is not a valid name");

  bytes = g_bytes_new_static (utf16, sizeof utf16 - 1);
  config = ms_autoconfig_new_from_bytes (bytes, &error);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
  assert_message (error, "UTF-16");
  g_clear_error (&error);
  g_clear_pointer (&bytes, g_bytes_unref);

  bytes = g_bytes_new_static (utf16_no_bom, sizeof utf16_no_bom - 1);
  config = ms_autoconfig_new_from_bytes (bytes, &error);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
  g_clear_error (&error);
  g_clear_pointer (&bytes, g_bytes_unref);

  bytes = g_bytes_new_static (nul, sizeof nul - 1);
  config = ms_autoconfig_new_from_bytes (bytes, &error);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
  assert_message (error, "not valid UTF-8");
}

/* A UTF-8 byte order mark, and encodings that are UTF-8 by another name, are fine. */
static void
test_encoding_accepted (void)
{
  static const char *const heads[] = {
    "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
    "<?xml version=\"1.0\" encoding=\"us-ascii\"?>\n",
    "<?xml version=\"1.0\"?>\n",
    "",
  };
  g_autoptr (GBytes) gmail = load_fixture ("googlemail.com");
  const char *text = g_bytes_get_data (gmail, NULL);
  const char *body = strstr (text, "<clientConfig");

  for (gsize i = 0; i < G_N_ELEMENTS (heads); i++)
    {
      g_autofree char *xml = g_strconcat (heads[i], body, NULL);
      g_autoptr (MsAutoconfig) config = NULL;
      g_autoptr (GError) error = NULL;

      config = parse_text (xml, &error);
      g_assert_no_error (error);
    }
}

static void
test_hostile_truncated (void)
{
  g_autoptr (GBytes) gmail = load_fixture ("googlemail.com");
  gsize size = g_bytes_get_size (gmail);
  const char *text = g_bytes_get_data (gmail, NULL);

  for (gsize cut = 1; cut < size; cut += size / 7)
    {
      g_autofree char *part = g_strndup (text, cut);
      g_autoptr (MsAutoconfig) config = NULL;
      g_autoptr (GError) error = NULL;

      config = parse_text (part, &error);
      g_assert_null (config);
      g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG);
    }

  assert_refused ("", "empty");
  assert_refused ("  \n\t ", "empty");
  assert_refused ("<clientConfig><emailProvider id=\"x\">", "not well-formed XML");
}

static void
test_hostile_not_autoconfig (void)
{
  assert_refused ("<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"
                  "</body></html>",
                  "it starts with <html> instead of <clientConfig>");
  assert_refused ("<!DOCTYPE html>\n<html><body>Login</body></html>", "DOCTYPE");
  assert_refused ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>",
                  "starts with <rss>");
  assert_refused ("{\"incoming\": \"imap.example.com\"}", "not well-formed XML");
  assert_refused ("<p:clientConfig xmlns:p=\"urn:other\"/>", "starts with <p:clientConfig>");
  assert_refused ("<clientConfig version=\"1.1\"/>", "no <emailProvider>");
  assert_refused ("<clientConfig/><clientConfig/>", "second top-level element");
}

static void
test_hostile_attributes (void)
{
  g_autoptr (GString) many = g_string_new ("<clientConfig");

  assert_refused ("<clientConfig><emailProvider id=\"a\" id=\"b\"/></clientConfig>",
                  "The element <emailProvider> has the attribute “id” twice");
  assert_refused ("<clientConfig><emailProvider id=\"x\"><incomingServer type=\"imap\" "
                  "type=\"pop3\"/></emailProvider></clientConfig>",
                  "attribute “type” twice");
  for (int i = 0; i <= MS_AUTOCONFIG_MAX_ATTRIBUTES; i++)
    g_string_append_printf (many, " a%d=\"\"", i);
  g_string_append (many, "/>");
  assert_refused (many->str, "more than 32 attributes");
  assert_refused ("<clientConfig><emailProvider id=\"x\"><undeclared:hint/></emailProvider>"
                  "</clientConfig>",
                  "namespace prefix that is not declared");
  assert_refused ("<clientConfig><emailProvider id/></clientConfig>", "not well-formed XML");
  assert_refused ("<clientConfig><emailProvider id=x/></clientConfig>", "not well-formed XML");
  assert_refused ("<clientConfig><emailProvider id=\"x\"id=\"y\"/></clientConfig>", "twice");
}

#define PROVIDER_HEAD "<clientConfig version=\"1.1\"><emailProvider id=\"example.com\">" \
                      "<domain>example.com</domain>"
#define GOOD_IMAP     "<incomingServer type=\"imap\"><hostname>imap.example.com</hostname>" \
                      "<port>993</port><socketType>SSL</socketType>"                       \
                      "<username>%EMAILADDRESS%</username></incomingServer>"
#define GOOD_SMTP     "<outgoingServer type=\"smtp\"><hostname>smtp.example.com</hostname>" \
                      "<port>465</port><socketType>SSL</socketType></outgoingServer>"
#define PROVIDER_TAIL "</emailProvider></clientConfig>"

/* A wrongly described server is skipped as Thunderbird skips it; with none left the error
 * says why and where. */
static void
test_bad_servers (void)
{
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;

  assert_refused (PROVIDER_HEAD "<incomingServer type=\"imap\"><hostname>imap.example.com"
                  "</hostname><port>99999</port><socketType>SSL</socketType></incomingServer>"
                  GOOD_SMTP PROVIDER_TAIL,
                  "no usable incoming (IMAP or POP3) server: the server “imap.example.com” "
                  "is unusable: “99999” is not a port number");
  assert_refused (PROVIDER_HEAD "<incomingServer type=\"imap\"><hostname>imap.example.com"
                  "</hostname><port>993</port><socketType>ssl</socketType></incomingServer>"
                  GOOD_SMTP PROVIDER_TAIL,
                  "“ssl” is not a socket type");
  assert_refused (PROVIDER_HEAD "<incomingServer type=\"imap\"><hostname>imap.example.com"
                  "</hostname><port>143</port><socketType>starttls</socketType>"
                  "</incomingServer>" GOOD_SMTP PROVIDER_TAIL,
                  "“starttls” is not a socket type");
  assert_refused (PROVIDER_HEAD "<incomingServer type=\"imap\"><port>993</port>"
                  "<socketType>SSL</socketType></incomingServer>" GOOD_SMTP PROVIDER_TAIL,
                  "a server is unusable: its <hostname> is missing");
  assert_refused (PROVIDER_HEAD "<incomingServer type=\"imap\"><hostname>imap example.com"
                  "</hostname><port>993</port><socketType>SSL</socketType></incomingServer>"
                  GOOD_SMTP PROVIDER_TAIL,
                  "not a valid server name");
  assert_refused (PROVIDER_HEAD "<incomingServer type=\"imap\"><hostname>imap.example.com"
                  "</hostname><hostname>evil.example.net</hostname><port>993</port>"
                  "<socketType>SSL</socketType></incomingServer>" GOOD_SMTP PROVIDER_TAIL,
                  "it has more than one <hostname>");
  assert_refused (PROVIDER_HEAD "<incomingServer type=\"imap\"><hostname>imap.example.com"
                  "</hostname><port>993</port><socketType>SSL</socketType>"
                  "<username>a&#10;LOGOUT</username></incomingServer>" GOOD_SMTP
                  PROVIDER_TAIL,
                  "its <username> contains a control character");
  assert_refused (PROVIDER_HEAD "<incomingServer type=\"IMAP\"><hostname>imap.example.com"
                  "</hostname><port>993</port><socketType>SSL</socketType></incomingServer>"
                  GOOD_SMTP PROVIDER_TAIL,
                  "no incoming (IMAP or POP3) server");
  assert_refused (PROVIDER_HEAD GOOD_IMAP PROVIDER_TAIL, "no outgoing (SMTP) server");
  assert_refused ("<clientConfig><emailProvider>" GOOD_IMAP GOOD_SMTP PROVIDER_TAIL,
                  "has no id");
  assert_refused ("<clientConfig><emailProvider id=\"x\">" GOOD_IMAP GOOD_SMTP PROVIDER_TAIL,
                  "names no <domain>");
  assert_refused ("<clientConfig><emailProvider id=\"x\"><domain>localhost</domain>"
                  GOOD_IMAP GOOD_SMTP PROVIDER_TAIL,
                  "names no valid <domain>");

  /* One bad server among good ones costs only itself. */
  config = parse_text (PROVIDER_HEAD "<incomingServer type=\"imap\"><hostname>x</hostname>"
                       "<port>0</port><socketType>SSL</socketType></incomingServer>"
                       "<incomingServer type=\"exchange\"><hostname>ews.example.com</hostname>"
                       "</incomingServer>" GOOD_IMAP GOOD_SMTP PROVIDER_TAIL,
                       &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_autoconfig_get_incoming (config)->len, ==, 1);
}

/* Thunderbird's reader takes these; so do we. */
static void
test_lenient_forms (void)
{
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;
  MsServerConfig *server_template;

  config = parse_text ("<clientConfig version=\"1.1\"><emailProvider id=\"example.com\">"
                       "<domain> Example.COM </domain><domain>example.com</domain>"
                       "<domain>b\xc3\xbc" "cher.de</domain>"
                       "<displayName>  Example\n  \xe2\x80\xae" "Mail\t</displayName>"
                       "<incomingServer type=\"pop3\"><hostname><![CDATA[POP.example.com]]>"
                       "</hostname><port> 995 </port><socketType>SSL</socketType>"
                       "<username>%EMAILLOCALPART%</username><password>secret</password>"
                       "<authentication>smtp-after-pop</authentication>"
                       "<authentication>something-new</authentication>"
                       "<authentication>secure</authentication>"
                       "<pop3><leaveMessagesOnServer>true</leaveMessagesOnServer></pop3>"
                       "</incomingServer>"
                       "<outgoingServer type=\"smtp\"><hostname>mail.%EMAILDOMAIN%</hostname>"
                       "<port>587</port><socketType>STARTTLS</socketType>"
                       "<username></username></outgoingServer>"
                       "<documentation url=\"javascript:alert(1)\"><descr>x</descr>"
                       "</documentation>"
                       "<documentation url=\" https://example.com/help \"/>"
                       "</emailProvider>"
                       "<enable visiturl=\"file:///etc/passwd\"><instruction>Do it"
                       "</instruction></enable>"
                       "<addressBook type=\"carddav\"><serverURL>x</serverURL></addressBook>"
                       "<?some-instruction?><!-- a comment -->"
                       "</clientConfig>\n<!-- trailing comment -->\n",
                       &error);
  g_assert_no_error (error);

  g_assert_cmpstrv (ms_autoconfig_get_domains (config),
                    ((const char *const[]) { "example.com", "xn--bcher-kva.de", NULL }));
  g_assert_true (ms_autoconfig_has_domain (config, "b\xc3\xbc" "cher.de"));
  g_assert_cmpstr (ms_autoconfig_get_display_name (config), ==, "Example Mail");
  g_assert_cmpstr (ms_autoconfig_get_display_short_name (config), ==, "Example Mail");

  server_template =
    ms_autoconfig_server_get_template (g_ptr_array_index (ms_autoconfig_get_incoming (config),
                                                          0));
  g_assert_cmpint (ms_server_config_get_protocol (server_template), ==, MS_PROTOCOL_POP3);
  g_assert_cmpstr (ms_server_config_get_host (server_template), ==, "pop.example.com");
  g_assert_cmpuint (ms_server_config_get_port (server_template), ==, 995);
  g_assert_cmpint (ms_server_config_get_auth_mechanism (server_template), ==,
                   MS_AUTH_MECHANISM_CRAM_MD5);

  server_template =
    ms_autoconfig_server_get_template (g_ptr_array_index (ms_autoconfig_get_outgoing (config),
                                                          0));
  g_assert_cmpstr (ms_server_config_get_host (server_template), ==, "mail.%EMAILDOMAIN%");
  g_assert_null (ms_server_config_get_username (server_template));

  /* Only web pages are links. */
  g_assert_cmpuint (ms_autoconfig_get_n_documentation (config), ==, 1);
  g_assert_cmpstr (ms_autoconfig_get_documentation_url (config, 0), ==,
                   "https://example.com/help");
  g_assert_null (ms_autoconfig_get_documentation_description (config, 0));
  g_assert_null (ms_autoconfig_get_enable_url (config));
  g_assert_cmpstr (ms_autoconfig_get_enable_instruction (config), ==, "Do it");
}

static void
test_extensions (void)
{
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (GError) error = NULL;
  MsServerConfig *server_template;

  config = parse_text ("<clientConfig version=\"1.1\" "
                       "xmlns:ms=\"" MS_AUTOCONFIG_NAMESPACE "\">"
                       "<emailProvider id=\"example.com\"><domain>example.com</domain>"
                       "<ms:appPassword url=\"https://example.com/app-passwords\"/>"
                       "<ms:enableImap url=\"https://example.com/settings#imap\"/>"
                       "<ms:note>Use an app password.</ms:note>"
                       "<ms:note lang=\"de\">Verwenden Sie ein App-Passwort.</ms:note>"
                       "<ms:future-hint/>"
                       GOOD_IMAP GOOD_SMTP PROVIDER_TAIL,
                       &error);
  g_assert_no_error (error);
  g_assert_true (ms_autoconfig_get_app_password_required (config));
  g_assert_cmpstr (ms_autoconfig_get_app_password_url (config), ==,
                   "https://example.com/app-passwords");
  g_assert_true (ms_autoconfig_get_enable_imap_required (config));
  g_assert_cmpstr (ms_autoconfig_get_enable_imap_url (config), ==,
                   "https://example.com/settings#imap");
  g_assert_false (ms_autoconfig_get_oauth2_only (config));
  g_assert_cmpstr (ms_autoconfig_get_note (config), ==, "Use an app password.");
  g_setenv ("LANGUAGE", "de_AT:de", TRUE);
  g_assert_cmpstr (ms_autoconfig_get_note (config), ==, "Verwenden Sie ein App-Passwort.");
  g_unsetenv ("LANGUAGE");
  g_clear_object (&config);

  /* Any prefix bound to our namespace, declared where it is used; OAuth2 only. */
  config = parse_text (PROVIDER_HEAD
                       "<x:oauth2Only xmlns:x=\"" MS_AUTOCONFIG_NAMESPACE "\"/>"
                       "<x:appPassword xmlns:x=\"" MS_AUTOCONFIG_NAMESPACE "\" "
                       "url=\"ftp://example.com/\"/>"
                       "<incomingServer type=\"imap\"><hostname>imap.example.com</hostname>"
                       "<port>993</port><socketType>SSL</socketType>"
                       "<authentication>password-cleartext</authentication>"
                       "<authentication>OAuth2</authentication></incomingServer>"
                       GOOD_SMTP PROVIDER_TAIL,
                       &error);
  g_assert_no_error (error);
  g_assert_true (ms_autoconfig_get_oauth2_only (config));
  g_assert_true (ms_autoconfig_get_app_password_required (config));
  g_assert_null (ms_autoconfig_get_app_password_url (config));
  server_template =
    ms_autoconfig_server_get_template (g_ptr_array_index (ms_autoconfig_get_incoming (config),
                                                          0));
  g_assert_cmpint (ms_server_config_get_auth_mechanism (server_template), ==,
                   MS_AUTH_MECHANISM_OAUTH2);
  g_clear_object (&config);

  /* The same names in another namespace, or in none, are not ours. */
  config = parse_text ("<clientConfig xmlns:o=\"https://example.net/other\">"
                       "<emailProvider id=\"example.com\"><domain>example.com</domain>"
                       "<o:oauth2Only/><appPassword/><oauth2Only/>"
                       GOOD_IMAP GOOD_SMTP PROVIDER_TAIL,
                       &error);
  g_assert_no_error (error);
  g_assert_false (ms_autoconfig_get_oauth2_only (config));
  g_assert_false (ms_autoconfig_get_app_password_required (config));
}

static void
test_expand (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (MsServerConfig) server = NULL;
  char *text;

  text = ms_autoconfig_expand ("%EMAILADDRESS%", "Jane.Doe@Example.COM", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "Jane.Doe@example.com");
  g_free (text);

  text = ms_autoconfig_expand ("%EMAILLOCALPART%", "jane@example.com", &error);
  g_assert_cmpstr (text, ==, "jane");
  g_free (text);

  text = ms_autoconfig_expand ("imap.%EMAILDOMAIN%", "jane@b\xc3\xbc" "cher.de", &error);
  g_assert_cmpstr (text, ==, "imap.xn--bcher-kva.de");
  g_free (text);

  text = ms_autoconfig_expand ("%EMAILLOCALPART%+%EMAILDOMAIN%/%UNKNOWN%%", "j@example.com",
                               &error);
  g_assert_cmpstr (text, ==, "j+example.com/%UNKNOWN%%");
  g_free (text);

  /* Expanded once: a local part that looks like a placeholder stays as it is. */
  text = ms_autoconfig_expand ("%EMAILLOCALPART%", "%EMAILDOMAIN%@example.com", &error);
  g_assert_cmpstr (text, ==, "%EMAILDOMAIN%");
  g_free (text);

  text = ms_autoconfig_expand ("%EMAILADDRESS%", "not an address", &error);
  g_assert_null (text);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);

  /* A hosting provider's template. */
  config = parse_text (PROVIDER_HEAD
                       "<incomingServer type=\"imap\"><hostname>%EMAILDOMAIN%</hostname>"
                       "<port>993</port><socketType>SSL</socketType>"
                       "<username>%EMAILLOCALPART%@%EMAILDOMAIN%</username></incomingServer>"
                       GOOD_SMTP PROVIDER_TAIL,
                       &error);
  g_assert_no_error (error);
  server = ms_autoconfig_server_expand (
    g_ptr_array_index (ms_autoconfig_get_incoming (config), 0), "ann@B\xc3\xbc" "cher.de",
    &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms_server_config_get_host (server), ==, "xn--bcher-kva.de");
  g_assert_cmpstr (ms_server_config_get_username (server), ==, "ann@xn--bcher-kva.de");
  g_assert_cmpuint (ms_server_config_get_port (server), ==, 993);
  g_clear_object (&server);

  server = ms_autoconfig_server_expand (
    g_ptr_array_index (ms_autoconfig_get_incoming (config), 0), "@", &error);
  g_assert_null (server);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ADDRESS);
}

static void
test_auth_names (void)
{
  MsAutoconfigAuth auth;
  MsAuthMechanism mechanism;

  g_assert_true (ms_autoconfig_auth_from_string ("OAuth2", &auth));
  g_assert_cmpint (auth, ==, MS_AUTOCONFIG_AUTH_OAUTH2);
  g_assert_false (ms_autoconfig_auth_from_string ("oauth2", &auth));
  g_assert_true (ms_autoconfig_auth_from_string ("client-IP-address", &auth));
  g_assert_false (ms_autoconfig_auth_to_mechanism (auth, &mechanism));
  g_assert_true (ms_autoconfig_auth_from_string ("plain", &auth));
  g_assert_cmpstr (ms_autoconfig_auth_to_string (auth), ==, "password-cleartext");
  g_assert_true (ms_autoconfig_auth_to_mechanism (auth, &mechanism));
  g_assert_cmpint (mechanism, ==, MS_AUTH_MECHANISM_AUTOMATIC);
  g_assert_cmpstr (ms_autoconfig_auth_to_string (MS_AUTOCONFIG_AUTH_PASSWORD_ENCRYPTED), ==,
                   "password-encrypted");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* A pipe's reader that stops early must not kill its writer. */
  signal (SIGPIPE, SIG_IGN);

  for (gsize i = 0; i < G_N_ELEMENTS (ispdb_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/autoconfig/parse/ispdb/", ispdb_cases[i].file, NULL);

      g_test_add_data_func (path, &ispdb_cases[i], test_ispdb_case);
    }
  g_test_add_func ("/autoconfig/parse/ispdb/all-covered", test_ispdb_all_covered);
  g_test_add_func ("/autoconfig/parse/ispdb/details", test_ispdb_details);
  g_test_add_func ("/autoconfig/parse/hostile/billion-laughs", test_hostile_billion_laughs);
  g_test_add_func ("/autoconfig/parse/hostile/doctype", test_hostile_doctype);
  g_test_add_func ("/autoconfig/parse/hostile/deep-nesting", test_hostile_deep_nesting);
  g_test_add_func ("/autoconfig/parse/hostile/many-elements", test_hostile_many_elements);
  g_test_add_func ("/autoconfig/parse/hostile/long-value", test_hostile_long_value);
  g_test_add_func ("/autoconfig/parse/hostile/100-mib", test_hostile_size);
  g_test_add_func ("/autoconfig/parse/hostile/100-mib-file", test_hostile_size_file);
  g_test_add_func ("/autoconfig/parse/hostile/wrong-encoding", test_hostile_encoding);
  g_test_add_func ("/autoconfig/parse/hostile/truncated", test_hostile_truncated);
  g_test_add_func ("/autoconfig/parse/hostile/not-autoconfig", test_hostile_not_autoconfig);
  g_test_add_func ("/autoconfig/parse/hostile/attributes", test_hostile_attributes);
  g_test_add_func ("/autoconfig/parse/size-at-limit", test_size_at_limit);
  g_test_add_func ("/autoconfig/parse/encoding-accepted", test_encoding_accepted);
  g_test_add_func ("/autoconfig/parse/bad-servers", test_bad_servers);
  g_test_add_func ("/autoconfig/parse/lenient-forms", test_lenient_forms);
  g_test_add_func ("/autoconfig/parse/extensions", test_extensions);
  g_test_add_func ("/autoconfig/expand", test_expand);
  g_test_add_func ("/autoconfig/auth-names", test_auth_names);

  return g_test_run ();
}
