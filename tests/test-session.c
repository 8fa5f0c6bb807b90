/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mailsetup.h"

/* Protocol sessions driven by scripted server bytes, with no sockets: what the client sends,
 * when it switches to TLS, and the diagnosis it reaches. */

typedef struct
{
  const char     *name;
  MsProtocol      protocol;
  MsSecurity      security;
  const char     *username;
  const char     *password;
  MsAuthMechanism mechanism;
  const char     *server[12]; /* one chunk per read; NULL: the server closes */
  const char     *client;     /* every line the client sent, joined; NULL: don't check */
  MsDiagnosis     diagnosis;
  const char     *auth_used;
} SessionCase;

#define USER "tester@example.test"
#define PASS "S3cret!pass"
/* base64 of "\0tester@example.test\0S3cret!pass" */
#define PLAIN_B64 "AHRlc3RlckBleGFtcGxlLnRlc3QAUzNjcmV0IXBhc3M="
#define USER_B64  "dGVzdGVyQGV4YW1wbGUudGVzdA=="
#define PASS_B64  "UzNjcmV0IXBhc3M="

static const SessionCase cases[] = {
  /* IMAP */
  { "imap/tls/sasl-ir", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0,
    { "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN] ready\r\n",
      "A1 OK [CAPABILITY IMAP4rev1] Logged in\r\n", "* BYE bye\r\nA2 OK done\r\n" },
    "A1 AUTHENTICATE PLAIN " PLAIN_B64 "|A2 LOGOUT|", MS_DIAGNOSIS_OK, "PLAIN" },
  { "imap/tls/capability-command", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0,
    { "* OK ready\r\n", "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA1 OK done\r\n", "+ \r\n",
      "A2 OK Logged in\r\n", "A3 OK bye\r\n" },
    "A1 CAPABILITY|A2 AUTHENTICATE PLAIN|" PLAIN_B64 "|A3 LOGOUT|", MS_DIAGNOSIS_OK, "PLAIN" },
  { "imap/starttls/ok", MS_PROTOCOL_IMAP, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n", "A1 OK go\r\n",
      "* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN\r\nA2 OK\r\n", "A3 OK in\r\n", "A4 OK\r\n" },
    "A1 STARTTLS|<TLS>|A2 CAPABILITY|A3 AUTHENTICATE PLAIN " PLAIN_B64 "|A4 LOGOUT|",
    MS_DIAGNOSIS_OK, "PLAIN" },
  { "imap/starttls/injection-same-segment", MS_PROTOCOL_IMAP, MS_SECURITY_STARTTLS, USER, PASS,
    0,
    { "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n",
      "A1 OK go\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" },
    "A1 STARTTLS|", MS_DIAGNOSIS_STARTTLS_INJECTION, NULL },
  { "imap/starttls/preauth", MS_PROTOCOL_IMAP, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome\r\n" }, "",
    MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, NULL },
  { "imap/starttls/not-advertised", MS_PROTOCOL_IMAP, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n" }, "",
    MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, NULL },
  { "imap/starttls/refused", MS_PROTOCOL_IMAP, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n", "A1 NO not now\r\n" },
    "A1 STARTTLS|", MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, NULL },
  { "imap/starttls/capabilities-forgotten", MS_PROTOCOL_IMAP, MS_SECURITY_STARTTLS, USER, PASS,
    0,
    { "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN SASL-IR] ready\r\n", "A1 OK go\r\n",
      "* CAPABILITY IMAP4rev1 AUTH=LOGIN\r\nA2 OK\r\n", "+ VXNlcm5hbWU6\r\n", "+ UGFzc3dvcmQ6\r\n",
      "A3 OK in\r\n", "A4 OK\r\n" },
    "A1 STARTTLS|<TLS>|A2 CAPABILITY|A3 AUTHENTICATE LOGIN|" USER_B64 "|" PASS_B64 "|A4 LOGOUT|",
    MS_DIAGNOSIS_OK, "LOGIN" },
  { "imap/login-disabled", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0,
    { "* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] ready\r\n" }, "", MS_DIAGNOSIS_LOGIN_DISABLED,
    NULL },
  { "imap/login-command/quoted", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, "a\"b", "p\\s w", 0,
    { "* OK [CAPABILITY IMAP4rev1] ready\r\n", "A1 OK in\r\n", "A2 OK\r\n" },
    "A1 LOGIN \"a\\\"b\" \"p\\\\s w\"|A2 LOGOUT|", MS_DIAGNOSIS_OK, "LOGIN-COMMAND" },
  { "imap/login-command/literal", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, "carol", "wörd", 0,
    { "* OK [CAPABILITY IMAP4rev1] ready\r\n", "+ go on\r\n", "A1 OK in\r\n", "A2 OK\r\n" },
    "A1 LOGIN \"carol\" {5}|wörd|A2 LOGOUT|", MS_DIAGNOSIS_OK, "LOGIN-COMMAND" },
  { "imap/login-command/literal-plus", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, "carol", "wörd", 0,
    { "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n", "A1 OK in\r\n", "A2 OK\r\n" },
    "A1 LOGIN \"carol\" {5+}|wörd|A2 LOGOUT|", MS_DIAGNOSIS_OK, "LOGIN-COMMAND" },
  { "imap/auth-failed", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0,
    { "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n",
      "A1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n" },
    NULL, MS_DIAGNOSIS_AUTH_FAILED, "PLAIN" },
  { "imap/app-password", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0,
    { "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n",
      "A1 NO [ALERT] Application-specific password required: https://support.example/\r\n" },
    NULL, MS_DIAGNOSIS_APP_PASSWORD_REQUIRED, "PLAIN" },
  { "imap/alert-tolerated", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0,
    { "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n* OK [ALERT] maintenance at 5\r\n",
      "* 3 EXISTS\r\nA1 OK in\r\n", "A2 OK\r\n" },
    NULL, MS_DIAGNOSIS_OK, "PLAIN" },
  { "imap/mechanism-unsupported", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0,
    { "* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2 AUTH=GSSAPI] ready\r\n" }, "",
    MS_DIAGNOSIS_AUTH_MECHANISM_UNSUPPORTED, NULL },
  { "imap/bye-greeting", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0,
    { "* BYE too many connections\r\n" }, "", MS_DIAGNOSIS_SERVER_UNAVAILABLE, NULL },
  { "imap/garbage-greeting", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0,
    { "HTTP/1.1 400 Bad Request\r\n" }, "", MS_DIAGNOSIS_PROTOCOL_ERROR, NULL },
  { "imap/absurd-literal", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0,
    { "* OK ready\r\n", "* CAPABILITY {999999999}\r\n" }, "A1 CAPABILITY|",
    MS_DIAGNOSIS_PROTOCOL_ERROR, NULL },
  { "imap/small-literal-skipped", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, NULL, NULL, 0,
    { "* OK ready\r\n", "* ID (\"name\" {3}\r\nabc)\r\n* CAPABILITY IMAP4rev1\r\nA1 OK\r\n",
      "A2 OK\r\n" },
    "A1 CAPABILITY|A2 LOGOUT|", MS_DIAGNOSIS_OK, NULL },
  { "imap/nul-byte", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0,
    { "* OK re\0ady\r\n" }, "", MS_DIAGNOSIS_PROTOCOL_ERROR, NULL },
  { "imap/eof-in-greeting", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS, 0, { NULL }, "",
    MS_DIAGNOSIS_SERVER_UNAVAILABLE, NULL },
  { "imap/no-credentials", MS_PROTOCOL_IMAP, MS_SECURITY_STARTTLS, NULL, NULL, 0,
    { "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n", "A1 OK go\r\n",
      "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA2 OK\r\n", "* BYE\r\nA3 OK\r\n" },
    "A1 STARTTLS|<TLS>|A2 CAPABILITY|A3 LOGOUT|", MS_DIAGNOSIS_OK, NULL },
  { "imap/plaintext-never-gets-password", MS_PROTOCOL_IMAP, MS_SECURITY_NONE, USER, PASS, 0,
    { "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\r\n" }, "",
    MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, NULL },
  { "imap/forced-mechanism-missing", MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS,
    MS_AUTH_MECHANISM_CRAM_MD5, { "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n" }, "",
    MS_DIAGNOSIS_AUTH_MECHANISM_UNSUPPORTED, NULL },

  /* POP3 */
  { "pop3/tls/user-pass", MS_PROTOCOL_POP3, MS_SECURITY_TLS, USER, PASS, 0,
    { "+OK ready\r\n", "+OK\r\nUSER\r\nUIDL\r\n.\r\n", "+OK\r\n", "+OK logged in\r\n",
      "+OK bye\r\n" },
    "CAPA|USER " USER "|PASS " PASS "|QUIT|", MS_DIAGNOSIS_OK, "USER-PASS" },
  { "pop3/starttls/sasl-plain", MS_PROTOCOL_POP3, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "+OK ready\r\n", "+OK\r\nSTLS\r\nUSER\r\n.\r\n", "+OK go\r\n",
      "+OK\r\nSASL PLAIN LOGIN\r\nUSER\r\n.\r\n", "+OK in\r\n", "+OK\r\n" },
    "CAPA|STLS|<TLS>|CAPA|AUTH PLAIN " PLAIN_B64 "|QUIT|", MS_DIAGNOSIS_OK, "PLAIN" },
  { "pop3/starttls/injection", MS_PROTOCOL_POP3, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "+OK ready\r\n", "+OK\r\nSTLS\r\n.\r\n", "+OK go\r\n+OK\r\n" }, "CAPA|STLS|",
    MS_DIAGNOSIS_STARTTLS_INJECTION, NULL },
  { "pop3/err-greeting", MS_PROTOCOL_POP3, MS_SECURITY_TLS, USER, PASS, 0,
    { "-ERR [SYS/TEMP] maintenance\r\n" }, "", MS_DIAGNOSIS_SERVER_UNAVAILABLE, NULL },
  { "pop3/stls-refused", MS_PROTOCOL_POP3, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "+OK ready\r\n", "-ERR no CAPA\r\n", "-ERR no TLS here\r\n" }, "CAPA|STLS|",
    MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, NULL },
  { "pop3/stls-not-advertised", MS_PROTOCOL_POP3, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "+OK ready\r\n", "+OK\r\nUSER\r\n.\r\n" }, "CAPA|", MS_DIAGNOSIS_STARTTLS_UNAVAILABLE,
    NULL },
  { "pop3/wrong-password", MS_PROTOCOL_POP3, MS_SECURITY_TLS, USER, PASS, 0,
    { "+OK ready\r\n", "+OK\r\nSASL PLAIN\r\n.\r\n", "-ERR [AUTH] Authentication failed.\r\n" },
    NULL, MS_DIAGNOSIS_AUTH_FAILED, "PLAIN" },
  { "pop3/sasl-login", MS_PROTOCOL_POP3, MS_SECURITY_TLS, USER, PASS, 0,
    { "+OK ready\r\n", "+OK\r\nSASL LOGIN\r\n.\r\n", "+ VXNlcm5hbWU6\r\n", "+ UGFzc3dvcmQ6\r\n",
      "+OK\r\n", "+OK\r\n" },
    "CAPA|AUTH LOGIN|" USER_B64 "|" PASS_B64 "|QUIT|", MS_DIAGNOSIS_OK, "LOGIN" },

  /* SMTP */
  { "smtp/starttls/ok", MS_PROTOCOL_SMTP, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "220-mail.example.test ESMTP\r\n220 hello\r\n",
      "250-mail.example.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n", "220 go ahead\r\n",
      "250-mail.example.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
      "235 2.7.0 Authentication successful\r\n", "221 bye\r\n" },
    "EHLO [192.0.2.1]|STARTTLS|<TLS>|EHLO [192.0.2.1]|AUTH PLAIN " PLAIN_B64 "|QUIT|",
    MS_DIAGNOSIS_OK, "PLAIN" },
  { "smtp/starttls/injection", MS_PROTOCOL_SMTP, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "220 hi\r\n", "250-x\r\n250 STARTTLS\r\n", "220 go ahead\r\n250 injected\r\n" },
    "EHLO [192.0.2.1]|STARTTLS|", MS_DIAGNOSIS_STARTTLS_INJECTION, NULL },
  { "smtp/app-password", MS_PROTOCOL_SMTP, MS_SECURITY_TLS, USER, PASS, 0,
    { "220 hi\r\n", "250-x\r\n250 AUTH LOGIN PLAIN\r\n",
      "534-5.7.9 Application-specific password required.\r\n534 5.7.9 https://support\r\n" },
    NULL, MS_DIAGNOSIS_APP_PASSWORD_REQUIRED, "PLAIN" },
  { "smtp/421-greeting", MS_PROTOCOL_SMTP, MS_SECURITY_TLS, USER, PASS, 0,
    { "421 4.3.2 busy\r\n" }, "", MS_DIAGNOSIS_SERVER_UNAVAILABLE, NULL },
  { "smtp/starttls-missing", MS_PROTOCOL_SMTP, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "220 hi\r\n", "250-x\r\n250 AUTH PLAIN\r\n" }, "EHLO [192.0.2.1]|",
    MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, NULL },
  { "smtp/starttls-454", MS_PROTOCOL_SMTP, MS_SECURITY_STARTTLS, USER, PASS, 0,
    { "220 hi\r\n", "250-x\r\n250 STARTTLS\r\n", "454 4.7.0 TLS not available\r\n" },
    "EHLO [192.0.2.1]|STARTTLS|", MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, NULL },
  { "smtp/cram-md5-only", MS_PROTOCOL_SMTP, MS_SECURITY_TLS, "tim", "tanstaaftanstaaf", 0,
    { "220 hi\r\n", "250-x\r\n250 AUTH CRAM-MD5\r\n",
      "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n", "235 ok\r\n",
      "221 bye\r\n" },
    /* RFC 2195's own example */
    "EHLO [192.0.2.1]|AUTH CRAM-MD5|dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw|QUIT|",
    MS_DIAGNOSIS_OK, "CRAM-MD5" },
  { "smtp/code-changes", MS_PROTOCOL_SMTP, MS_SECURITY_TLS, USER, PASS, 0,
    { "220-hi\r\n250 what\r\n" }, "", MS_DIAGNOSIS_PROTOCOL_ERROR, NULL },
  { "smtp/wrong-password", MS_PROTOCOL_SMTP, MS_SECURITY_TLS, USER, PASS, 0,
    { "220 hi\r\n", "250-x\r\n250 AUTH PLAIN\r\n", "535 5.7.8 Error: authentication failed\r\n" },
    NULL, MS_DIAGNOSIS_AUTH_FAILED, "PLAIN" },
  { "smtp/never-sends-mail", MS_PROTOCOL_SMTP, MS_SECURITY_TLS, NULL, NULL, 0,
    { "220 hi\r\n", "250-x\r\n250 AUTH PLAIN\r\n", "221 bye\r\n" }, "EHLO [192.0.2.1]|QUIT|",
    MS_DIAGNOSIS_OK, NULL },
};

static gboolean
contains (GBytes     *bytes,
          const char *needle)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  return g_strstr_len (data, (gssize) size, needle) != NULL;
}

static void
test_session_case (gconstpointer test_data)
{
  const SessionCase *c = test_data;
  g_autoptr (MsSession) session = NULL;
  g_autoptr (GString) client = g_string_new (NULL);
  MsSessionAction action;
  guint next_chunk = 0;
  gboolean tls = c->security == MS_SECURITY_TLS;
  guint steps = 0;

  session = ms_session_new (c->protocol, c->security, c->username, c->password, c->mechanism);
  ms_session_set_helo_name (session, "[192.0.2.1]");
  ms_session_set_tls_active (session, tls);
  action = ms_session_start (session);

  while (action != MS_SESSION_ACTION_DONE)
    {
      g_assert_cmpuint (++steps, <, 100);
      switch (action)
        {
        case MS_SESSION_ACTION_READ:
          {
            const char *chunk = next_chunk < G_N_ELEMENTS (c->server) ? c->server[next_chunk++]
                                                                      : NULL;
            if (chunk == NULL)
              action = ms_session_eof (session);
            else if (strstr (c->name, "nul-byte") != NULL)
              action = ms_session_receive (session, (const guint8 *) chunk, 14);
            else
              action = ms_session_receive (session, (const guint8 *) chunk, strlen (chunk));
          }
          break;
        case MS_SESSION_ACTION_SEND:
          {
            gboolean sensitive;
            g_autoptr (GBytes) output = ms_session_take_output (session, &sensitive);
            g_autofree char *text = g_strndup (g_bytes_get_data (output, NULL),
                                               g_bytes_get_size (output));
            g_auto (GStrv) lines = NULL;

            /* Invariant 1: nothing that carries a credential leaves outside TLS. */
            if (!tls)
              {
                g_assert_false (sensitive);
                if (c->password != NULL)
                  {
                    g_assert_false (contains (output, c->password));
                    g_assert_false (contains (output, PLAIN_B64));
                    g_assert_false (contains (output, PASS_B64));
                  }
              }
            g_assert_true (g_str_has_suffix (text, "\r\n"));
            lines = g_strsplit (text, "\r\n", -1);
            for (guint i = 0; lines[i + 1] != NULL; i++)
              g_string_append_printf (client, "%s|", lines[i]);
            action = ms_session_receive (session, NULL, 0);
          }
          break;
        case MS_SESSION_ACTION_STARTTLS:
          g_assert_false (tls);
          g_string_append (client, "<TLS>|");
          tls = TRUE;
          ms_session_set_tls_active (session, TRUE);
          action = ms_session_tls_established (session);
          break;
        case MS_SESSION_ACTION_DONE:
        default:
          g_assert_not_reached ();
        }
    }

  if (c->client != NULL)
    g_assert_cmpstr (client->str, ==, c->client);
  g_assert_cmpstr (ms_diagnosis_to_nick (ms_session_get_diagnosis (session)), ==,
                   ms_diagnosis_to_nick (c->diagnosis));
  g_assert_cmpstr (ms_session_get_auth_used (session), ==, c->auth_used);

  /* The transcript never holds a password, in any encoding. */
  {
    g_auto (GStrv) transcript = ms_transcript_dup_lines (ms_session_get_transcript (session));

    for (guint i = 0; transcript[i] != NULL; i++)
      {
        if (c->password != NULL)
          g_assert_null (strstr (transcript[i], c->password));
        g_assert_null (strstr (transcript[i], PLAIN_B64));
        g_assert_null (strstr (transcript[i], PASS_B64));
      }
  }
}

static void
test_session_limits (void)
{
  static const struct
  {
    MsProtocol  protocol;
    const char *prefix;
    const char *repeat;
  } floods[] = {
    { MS_PROTOCOL_IMAP, "* OK ready\r\n", "* OK more\r\n" },
    { MS_PROTOCOL_POP3, "+OK ready\r\n+OK\r\n", "X-FILLER\r\n" },
    { MS_PROTOCOL_SMTP, "", "220-still greeting\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (floods); i++)
    {
      g_autoptr (MsSession) lines = ms_session_new (floods[i].protocol, MS_SECURITY_TLS, NULL,
                                                    NULL, 0);
      g_autoptr (MsSession) line = ms_session_new (floods[i].protocol, MS_SECURITY_TLS, NULL,
                                                   NULL, 0);
      g_autoptr (MsSession) total = ms_session_new (floods[i].protocol, MS_SECURITY_TLS, NULL,
                                                    NULL, 0);
      g_autofree char *long_line = g_strnfill (MS_SESSION_MAX_LINE + 10, 'x');
      MsSessionAction action;
      guint rounds = 0;

      /* endless lines within one response */
      ms_session_start (lines);
      action = ms_session_receive (lines, (const guint8 *) floods[i].prefix,
                                   strlen (floods[i].prefix));
      if (action == MS_SESSION_ACTION_SEND)
        g_bytes_unref (ms_session_take_output (lines, NULL));
      while (!ms_session_is_done (lines) && rounds++ < 2 * MS_SESSION_MAX_LINES)
        ms_session_receive (lines, (const guint8 *) floods[i].repeat, strlen (floods[i].repeat));
      g_assert_true (ms_session_is_done (lines));
      g_assert_cmpint (ms_session_get_diagnosis (lines), ==, MS_DIAGNOSIS_PROTOCOL_ERROR);

      /* one line without end */
      ms_session_start (line);
      ms_session_receive (line, (const guint8 *) long_line, strlen (long_line));
      g_assert_true (ms_session_is_done (line));
      g_assert_cmpint (ms_session_get_diagnosis (line), ==, MS_DIAGNOSIS_PROTOCOL_ERROR);

      /* many short complete lines past the total */
      ms_session_start (total);
      for (rounds = 0; !ms_session_is_done (total) && rounds < 1000; rounds++)
        ms_session_receive (total, (const guint8 *) long_line, 60000);
      g_assert_true (ms_session_is_done (total));
      g_assert_cmpint (ms_session_get_diagnosis (total), ==, MS_DIAGNOSIS_PROTOCOL_ERROR);
    }
}

static void
test_session_byte_by_byte (void)
{
  const char *greeting = "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n";
  g_autoptr (MsSession) session = ms_session_new (MS_PROTOCOL_IMAP, MS_SECURITY_TLS, USER, PASS,
                                                  0);
  MsSessionAction action = MS_SESSION_ACTION_READ;

  ms_session_set_tls_active (session, TRUE);
  ms_session_start (session);
  for (gsize i = 0; greeting[i] != '\0'; i++)
    {
      g_assert_cmpint (action, ==, MS_SESSION_ACTION_READ);
      action = ms_session_receive (session, (const guint8 *) greeting + i, 1);
    }
  g_assert_cmpint (action, ==, MS_SESSION_ACTION_SEND);
}

/* A held session stops before the password, for every protocol; resumed it logs in, or
 * logs out with the password forgotten. */
static void
test_session_hold (void)
{
  static const struct
  {
    MsProtocol  protocol;
    const char *greeting;
    const char *login_prefix;
    const char *logout;
  } hold_cases[] = {
    { MS_PROTOCOL_IMAP, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n",
      "A1 AUTHENTICATE PLAIN ", "A1 LOGOUT\r\n" },
    { MS_PROTOCOL_SMTP, "220 mail.example.net ESMTP\r\n", NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (hold_cases); i++)
    for (guint authenticate = 0; authenticate < 2; authenticate++)
      {
        g_autoptr (MsSession) session = ms_session_new (hold_cases[i].protocol, MS_SECURITY_TLS, USER,
                                                        PASS, 0);
        MsSessionAction action;
        g_autoptr (GBytes) output = NULL;
        gboolean sensitive = FALSE;
        gsize size;
        const char *text;

        ms_session_set_hold_before_auth (session, TRUE);
        ms_session_set_tls_active (session, TRUE);
        ms_session_start (session);
        action = ms_session_receive (session, (const guint8 *) hold_cases[i].greeting,
                                     strlen (hold_cases[i].greeting));
        if (hold_cases[i].protocol == MS_PROTOCOL_SMTP)
          {
            static const char ehlo[] = "250-mail.example.net\r\n250 AUTH PLAIN\r\n";

            g_assert_cmpint (action, ==, MS_SESSION_ACTION_SEND);
            g_clear_pointer (&output, g_bytes_unref);
            output = ms_session_take_output (session, &sensitive);
            action = ms_session_receive (session, (const guint8 *) ehlo, strlen (ehlo));
          }
        g_assert_cmpint (action, ==, MS_SESSION_ACTION_HOLD);
        g_assert_true (ms_session_is_holding (session));
        g_assert_false (ms_session_is_done (session));

        action = ms_session_resume (session, authenticate);
        g_assert_cmpint (action, ==, MS_SESSION_ACTION_SEND);
        g_assert_false (ms_session_is_holding (session));
        g_clear_pointer (&output, g_bytes_unref);
        output = ms_session_take_output (session, &sensitive);
        g_assert_cmpint (sensitive, ==, authenticate);
        text = g_bytes_get_data (output, &size);
        if (hold_cases[i].login_prefix != NULL && authenticate)
          g_assert_true (g_str_has_prefix (text, hold_cases[i].login_prefix));
        if (hold_cases[i].logout != NULL && !authenticate)
          g_assert_cmpmem (text, size, hold_cases[i].logout, strlen (hold_cases[i].logout));
      }
}

static void
test_credentials_alternate_username (void)
{
  g_autoptr (MsCredentials) full = ms_credentials_new_for_address ("bob@example.test",
                                                                   "bob@example.test", "x");
  g_autoptr (MsCredentials) local = ms_credentials_new_for_address ("bob@example.test", "bob",
                                                                    "x");
  g_autoptr (MsCredentials) other = ms_credentials_new_for_address ("bob@example.test",
                                                                    "robert", "x");
  g_autoptr (MsCredentials) no_address = ms_credentials_new ("carol@example.test", "x");
  g_autofree char *a = ms_credentials_dup_alternate_username (full);
  g_autofree char *b = ms_credentials_dup_alternate_username (local);
  g_autofree char *c = ms_credentials_dup_alternate_username (other);
  g_autofree char *d = ms_credentials_dup_alternate_username (no_address);

  g_assert_cmpstr (a, ==, "bob");
  g_assert_cmpstr (b, ==, "bob@example.test");
  g_assert_null (c);
  g_assert_cmpstr (d, ==, "carol");
}

static void
test_sasl (void)
{
  g_autofree char *plain = ms_sasl_plain_response (USER, PASS);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) decoded = NULL;

  g_assert_cmpstr (plain, ==, PLAIN_B64);
  g_assert_null (ms_sasl_decode_base64 ("abc", 100, &error));
  g_clear_error (&error);
  g_assert_null (ms_sasl_decode_base64 ("ab!c", 100, &error));
  g_clear_error (&error);
  g_assert_null (ms_sasl_decode_base64 ("QUFBQUFBQUFB", 4, &error));
  g_clear_error (&error);
  decoded = ms_sasl_decode_base64 ("VXNlcm5hbWU6", 100, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded), "Username:", 9);
  g_assert_null (ms_sasl_cram_md5_response ("", "u", "p", &error));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/session/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_session_case);
    }
  g_test_add_func ("/session/limits", test_session_limits);
  g_test_add_func ("/session/byte-by-byte", test_session_byte_by_byte);
  g_test_add_func ("/session/hold-before-auth", test_session_hold);
  g_test_add_func ("/session/credentials/alternate-username", test_credentials_alternate_username);
  g_test_add_func ("/session/sasl", test_sasl);

  return g_test_run ();
}
