/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mailsetup.h"

typedef struct
{
  const char *spec;
  MsProtocol  protocol;
  MsSecurity  security;
  const char *host;          /* NULL: must be rejected */
  guint16     port;
  const char *canonical;     /* what ms_server_config_to_spec() gives back */
  const char *message_part;
} SpecCase;

static const SpecCase spec_cases[] = {
  { "imap:tls:imap.example.com:993", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, "imap.example.com", 993,
    "imap:tls:imap.example.com:993", NULL },
  { "IMAP:STARTTLS:Mail.Example.COM:143", MS_PROTOCOL_IMAP, MS_SECURITY_STARTTLS,
    "mail.example.com", 143, "imap:starttls:mail.example.com:143", NULL },
  { "pop:ssl:pop.example.com", MS_PROTOCOL_POP3, MS_SECURITY_TLS, "pop.example.com", 995,
    "pop3:tls:pop.example.com:995", NULL },
  { "pop3:starttls:pop.example.com", MS_PROTOCOL_POP3, MS_SECURITY_STARTTLS, "pop.example.com",
    110, "pop3:starttls:pop.example.com:110", NULL },
  { "smtp:tls:smtp.example.com", MS_PROTOCOL_SMTP, MS_SECURITY_TLS, "smtp.example.com", 465,
    "smtp:tls:smtp.example.com:465", NULL },
  { "smtp:starttls:smtp.example.com", MS_PROTOCOL_SMTP, MS_SECURITY_STARTTLS,
    "smtp.example.com", 587, "smtp:starttls:smtp.example.com:587", NULL },
  { "smtp:starttls:[2001:DB8::1]:587", MS_PROTOCOL_SMTP, MS_SECURITY_STARTTLS, "2001:db8::1",
    587, "smtp:starttls:[2001:db8::1]:587", NULL },
  { "imap:tls:[::1]", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, "::1", 993, "imap:tls:[::1]:993",
    NULL },
  { "imap:tls:127.0.0.1:10993", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, "127.0.0.1", 10993,
    "imap:tls:127.0.0.1:10993", NULL },
  { "imap:none:localhost:143", MS_PROTOCOL_IMAP, MS_SECURITY_NONE, "localhost", 143,
    "imap:none:localhost:143", NULL },
  { "imap:tls:imap.bücher.de:993", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, "imap.xn--bcher-kva.de",
    993, "imap:tls:imap.xn--bcher-kva.de:993", NULL },
  { "imap:tls", 0, 0, NULL, 0, NULL, "a part is missing" },
  { "imap:tls:", 0, 0, NULL, 0, NULL, "a part is missing" },
  { "", 0, 0, NULL, 0, NULL, "a part is missing" },
  { "imapx:tls:imap.example.com:993", 0, 0, NULL, 0, NULL, "“imapx” is not a protocol" },
  { "imap:ssl3:imap.example.com:993", 0, 0, NULL, 0, NULL, "“ssl3” is not a security" },
  { "imap:tls:imap.example.com:0", 0, 0, NULL, 0, NULL, "“0” is not a port number" },
  { "imap:tls:imap.example.com:65536", 0, 0, NULL, 0, NULL, "“65536” is not a port number" },
  { "imap:tls:imap.example.com:99x", 0, 0, NULL, 0, NULL, "“99x” is not a port number" },
  { "imap:tls:imap.example.com:", 0, 0, NULL, 0, NULL, "“” is not a port number" },
  { "imap:tls:2001:db8::1:993", 0, 0, NULL, 0, NULL, "must be written in brackets" },
  { "imap:tls:[2001:db8::1:993", 0, 0, NULL, 0, NULL, "“]”" },
  { "imap:tls:[imap.example.com]:993", 0, 0, NULL, 0, NULL, "only an IPv6 address" },
  { "imap:tls:[::1]993", 0, 0, NULL, 0, NULL, "must follow the “]”" },
  { "imap:tls:imap example.com:993", 0, 0, NULL, 0, NULL, "not a valid server name" },
  { "imap:tls:imap..example.com:993", 0, 0, NULL, 0, NULL, "empty part between dots" },
};

static void
test_spec_case (gconstpointer data)
{
  const SpecCase *c = data;
  g_autoptr (MsServerConfig) server = NULL;
  g_autoptr (GError) error = NULL;

  server = ms_server_config_new_from_spec (c->spec, &error);
  if (c->host != NULL)
    {
      g_autofree char *canonical = NULL;
      g_autoptr (MsServerConfig) again = NULL;

      g_assert_no_error (error);
      g_assert_cmpint (ms_server_config_get_protocol (server), ==, c->protocol);
      g_assert_cmpint (ms_server_config_get_security (server), ==, c->security);
      g_assert_cmpstr (ms_server_config_get_host (server), ==, c->host);
      g_assert_cmpuint (ms_server_config_get_port (server), ==, c->port);
      g_assert_true (ms_server_config_validate (server, NULL));

      canonical = ms_server_config_to_spec (server);
      g_assert_cmpstr (canonical, ==, c->canonical);
      again = ms_server_config_new_from_spec (canonical, &error);
      g_assert_no_error (error);
      g_assert_true (ms_server_config_equal (server, again));
    }
  else
    {
      g_assert_null (server);
      g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_SERVER);
      if (strstr (error->message, c->message_part) == NULL)
        g_error ("“%s”: message “%s” lacks “%s”", c->spec, error->message, c->message_part);
    }
}

static void
test_default_ports (void)
{
  /* RFC 8314 submission ports; port 25 is never a default */
  g_assert_cmpuint (ms_protocol_get_default_port (MS_PROTOCOL_IMAP, MS_SECURITY_TLS), ==, 993);
  g_assert_cmpuint (ms_protocol_get_default_port (MS_PROTOCOL_IMAP, MS_SECURITY_STARTTLS), ==,
                    143);
  g_assert_cmpuint (ms_protocol_get_default_port (MS_PROTOCOL_POP3, MS_SECURITY_TLS), ==, 995);
  g_assert_cmpuint (ms_protocol_get_default_port (MS_PROTOCOL_POP3, MS_SECURITY_STARTTLS), ==,
                    110);
  g_assert_cmpuint (ms_protocol_get_default_port (MS_PROTOCOL_SMTP, MS_SECURITY_TLS), ==, 465);
  g_assert_cmpuint (ms_protocol_get_default_port (MS_PROTOCOL_SMTP, MS_SECURITY_STARTTLS), ==,
                    587);
  g_assert_cmpuint (ms_protocol_get_default_port (MS_PROTOCOL_SMTP, MS_SECURITY_NONE), ==, 587);
}

static void
test_pins (void)
{
  const char *hex = "3af1c2d4e5f60718293a4b5c6d7e8f901a2b3c4d5e6f708192a3b4c5d6e7f809";
  g_autofree char *expected = g_strconcat ("sha256:", hex, NULL);
  g_autofree char *colons = NULL;
  g_autofree char *upper = NULL;
  g_autoptr (GString) with_colons = g_string_new ("SHA256:");
  g_autoptr (MsServerConfig) server = ms_server_config_new (MS_PROTOCOL_IMAP, "h.example", 0,
                                                            MS_SECURITY_TLS);
  g_autoptr (GError) error = NULL;
  g_autofree char *plain = ms_pin_normalize (hex, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (plain, ==, expected);

  for (guint i = 0; i < 64; i += 2)
    g_string_append_printf (with_colons, "%s%c%c", i ? ":" : "", g_ascii_toupper (hex[i]),
                            g_ascii_toupper (hex[i + 1]));
  colons = ms_pin_normalize (with_colons->str, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (colons, ==, expected);

  upper = ms_pin_normalize ("AB", &error);
  g_assert_null (upper);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_SERVER);
  g_clear_error (&error);

  g_assert_null (ms_pin_normalize ("sha256:zz", NULL));
  g_assert_null (ms_pin_normalize ("", NULL));

  g_assert_true (ms_server_config_set_pin (server, with_colons->str, NULL));
  g_assert_cmpstr (ms_server_config_get_pin (server), ==, expected);
  g_assert_false (ms_server_config_set_pin (server, "sha1:abcd", &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_SERVER);
  /* a rejected pin leaves the old one in place */
  g_assert_cmpstr (ms_server_config_get_pin (server), ==, expected);
  g_assert_true (ms_server_config_set_pin (server, NULL, NULL));
  g_assert_null (ms_server_config_get_pin (server));
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_copy_and_notify (void)
{
  g_autoptr (MsServerConfig) server = ms_server_config_new (MS_PROTOCOL_SMTP, "smtp.example.com",
                                                            0, MS_SECURITY_STARTTLS);
  g_autoptr (MsServerConfig) copy = NULL;
  guint notifications = 0;

  g_signal_connect (server, "notify", G_CALLBACK (count_notify), &notifications);

  ms_server_config_set_username (server, "bob");
  g_assert_cmpuint (notifications, ==, 1);
  ms_server_config_set_username (server, "bob");
  g_assert_cmpuint (notifications, ==, 1);
  ms_server_config_set_auth_mechanism (server, MS_AUTH_MECHANISM_LOGIN);
  g_assert_cmpuint (notifications, ==, 2);
  ms_server_config_set_port (server, 587);
  g_assert_cmpuint (notifications, ==, 2);

  copy = ms_server_config_copy (server);
  g_assert_true (ms_server_config_equal (server, copy));
  ms_server_config_set_username (copy, "alice");
  g_assert_false (ms_server_config_equal (server, copy));
  g_assert_cmpstr (ms_server_config_get_username (server), ==, "bob");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (spec_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/server-config/spec/%s/%" G_GSIZE_FORMAT,
                                               spec_cases[i].host ? "valid" : "invalid", i);

      g_test_add_data_func (path, &spec_cases[i], test_spec_case);
    }
  g_test_add_func ("/server-config/default-ports", test_default_ports);
  g_test_add_func ("/server-config/pins", test_pins);
  g_test_add_func ("/server-config/copy", test_copy_and_notify);

  return g_test_run ();
}
