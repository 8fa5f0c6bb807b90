/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-smtp-session"

#include "config.h"

#include "ms-session-private.h"

#include <string.h>

/* RFC 5321 / RFC 6409 submission, RFC 3207 STARTTLS, RFC 4954 AUTH. It never sends a
 * message: EHLO, STARTTLS, AUTH and QUIT only. */

enum {
  SMTP_GREETING,
  SMTP_EHLO,
  SMTP_STARTTLS,
  SMTP_AUTH,
  SMTP_QUIT,
};

static MsSessionAction
send_command (MsSession  *self,
              int         state,
              const char *command)
{
  self->state = state;
  return _ms_session_send (self, command, NULL);
}

static MsSessionAction
send_ehlo (MsSession *self)
{
  g_autofree char *ehlo = g_strdup_printf ("EHLO %s", self->helo_name);

  return send_command (self, SMTP_EHLO, ehlo);
}

static MsSessionAction
send_quit (MsSession *self)
{
  self->phase = MS_CHECK_PHASE_LOGOUT;
  return send_command (self, SMTP_QUIT, "QUIT");
}

static MsSessionAction
smtp_start (MsSession *self)
{
  self->state = SMTP_GREETING;
  return MS_SESSION_ACTION_READ;
}

/* The text of a whole reply, lines joined by spaces. */
static char *
reply_text (MsSession *self)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; i < self->reply_lines->len; i++)
    {
      if (i > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, g_ptr_array_index (self->reply_lines, i));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static MsSessionAction
finish_with_reply (MsSession  *self,
                   MsDiagnosis diagnosis)
{
  g_autofree char *text = reply_text (self);

  return _ms_session_finish (self, diagnosis, text, strlen (text));
}

static MsSessionAction
start_authentication (MsSession *self)
{
  const char *mechanism = _ms_session_choose_mechanism (self, FALSE);

  self->phase = MS_CHECK_PHASE_AUTH;
  if (mechanism == NULL)
    return _ms_session_finish (self, MS_DIAGNOSIS_AUTH_MECHANISM_UNSUPPORTED, NULL, 0);

  g_free (self->auth_used);
  self->auth_used = g_strdup (mechanism);
  self->sasl_mechanism = mechanism;
  self->sasl_step = 0;
  self->state = SMTP_AUTH;

  {
    g_autofree char *initial = _ms_session_sasl_initial_response (self);
    g_autofree char *line = NULL;
    g_autofree char *shown = NULL;
    MsSessionAction action;

    if (initial == NULL)
      {
        line = g_strdup_printf ("AUTH %s", mechanism);
        return _ms_session_send (self, line, NULL);
      }

    self->sasl_step = 1;
    line = g_strdup_printf ("AUTH %s %s", mechanism, initial);
    shown = g_strdup_printf ("AUTH %s <redacted>", mechanism);
    action = _ms_session_send_secret (self, line, shown);
    explicit_bzero (line, strlen (line));
    explicit_bzero (initial, strlen (initial));
    return action;
  }
}

static void
parse_ehlo (MsSession *self)
{
  _ms_session_forget_capabilities (self);
  self->capabilities_known = TRUE;

  /* The first line is the server's name; each further one is a keyword with parameters. */
  for (guint i = 1; i < self->reply_lines->len; i++)
    {
      const char *line = g_ptr_array_index (self->reply_lines, i);
      g_auto (GStrv) words = g_strsplit_set (line, " =", -1);

      if (words[0] == NULL || *words[0] == '\0')
        continue;
      _ms_session_add_capability (self, words[0], strlen (words[0]));
      if (g_ascii_strcasecmp (words[0], "AUTH") == 0)
        for (guint j = 1; words[j] != NULL; j++)
          _ms_session_add_mechanism (self, words[j], strlen (words[j]));
    }
}

static MsSessionAction
decide (MsSession *self)
{
  if (self->security == MS_SECURITY_STARTTLS && !self->tls_active)
    {
      if (!_ms_session_has_capability (self, "STARTTLS"))
        return _ms_session_finish (self, MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, NULL, 0);
      return send_command (self, SMTP_STARTTLS, "STARTTLS");
    }

  return _ms_session_ready_for_auth (self);
}

static MsSessionAction
handle_auth_reply (MsSession *self,
                   guint      code)
{
  g_autofree char *text = reply_text (self);

  if (code == 235)
    {
      self->authenticated = TRUE;
      _ms_session_set_server_text (self, text, strlen (text));
      return send_quit (self);
    }

  if (code == 334)
    {
      const char *challenge = self->reply_lines->len > 0
                                ? (const char *) g_ptr_array_index (self->reply_lines, 0)
                                : "";
      return _ms_session_sasl_continue (self, challenge);
    }

  /* 534 5.7.9 (Google, Yahoo): the account needs an app password; 534 5.7.14: sign in on the
   * web first — the fix is the same. */
  if (code == 534)
    return finish_with_reply (self, MS_DIAGNOSIS_APP_PASSWORD_REQUIRED);
  if (code == 421 || code == 454 || code == 452)
    return finish_with_reply (self, MS_DIAGNOSIS_SERVER_UNAVAILABLE);
  if (code == 504 || code == 502)
    return finish_with_reply (self, MS_DIAGNOSIS_AUTH_MECHANISM_UNSUPPORTED);
  if (code == 530 && strstr (text, "STARTTLS") != NULL)
    return finish_with_reply (self, MS_DIAGNOSIS_STARTTLS_UNAVAILABLE);
  if (code >= 400)
    return finish_with_reply (self, _ms_session_classify_auth_failure (text, strlen (text)));

  return finish_with_reply (self, MS_DIAGNOSIS_PROTOCOL_ERROR);
}

static MsSessionAction
handle_reply (MsSession *self,
              guint      code)
{
  switch (self->state)
    {
    case SMTP_GREETING:
      if (code == 220)
        {
          g_autofree char *text = reply_text (self);

          _ms_session_set_server_text (self, text, strlen (text));
          return send_ehlo (self);
        }
      if (code == 421 || code == 554)
        return finish_with_reply (self, MS_DIAGNOSIS_SERVER_UNAVAILABLE);
      return finish_with_reply (self, MS_DIAGNOSIS_PROTOCOL_ERROR);

    case SMTP_EHLO:
      if (code == 250)
        {
          parse_ehlo (self);
          return decide (self);
        }
      if (code == 421)
        return finish_with_reply (self, MS_DIAGNOSIS_SERVER_UNAVAILABLE);
      /* No ESMTP means no STARTTLS and no AUTH. */
      if (self->security == MS_SECURITY_STARTTLS && !self->tls_active)
        return finish_with_reply (self, MS_DIAGNOSIS_STARTTLS_UNAVAILABLE);
      return finish_with_reply (self, MS_DIAGNOSIS_AUTH_MECHANISM_UNSUPPORTED);

    case SMTP_STARTTLS:
      if (code == 220)
        return MS_SESSION_ACTION_STARTTLS;
      return finish_with_reply (self, MS_DIAGNOSIS_STARTTLS_UNAVAILABLE);

    case SMTP_AUTH:
      return handle_auth_reply (self, code);

    case SMTP_QUIT:
      return _ms_session_finish (self, MS_DIAGNOSIS_OK, NULL, 0);

    default:
      g_assert_not_reached ();
    }
}

static MsSessionAction
smtp_handle_line (MsSession  *self,
                  const char *line,
                  gsize       length)
{
  guint code;
  gboolean last;

  /* "250-text" continues a reply, "250 text" or "250" ends it; codes are 2xx–5xx. */
  if (length < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) ||
      !g_ascii_isdigit (line[2]) || line[0] < '2' || line[0] > '5' ||
      (length > 3 && line[3] != ' ' && line[3] != '-'))
    {
      ms_transcript_add_note (self->transcript, "not an SMTP reply");
      return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, line, length);
    }

  code = (guint) ((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
  last = length == 3 || line[3] == ' ';

  if (self->reply_lines->len > 0 && code != self->reply_code)
    {
      ms_transcript_add_note (self->transcript, "reply code changed within a reply");
      return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, line, length);
    }

  self->reply_code = code;
  g_ptr_array_add (self->reply_lines, g_strdup (length > 4 ? line + 4 : ""));

  if (!last)
    return MS_SESSION_ACTION_READ;

  {
    MsSessionAction action = handle_reply (self, code);

    g_ptr_array_set_size (self->reply_lines, 0);
    return action;
  }
}

static MsSessionAction
smtp_tls_established (MsSession *self)
{
  g_ptr_array_set_size (self->reply_lines, 0);
  return send_ehlo (self);
}

static MsSessionAction
smtp_eof (MsSession *self)
{
  if (self->state == SMTP_QUIT)
    return _ms_session_finish (self, MS_DIAGNOSIS_OK, NULL, 0);
  return _ms_session_finish (self, MS_DIAGNOSIS_SERVER_UNAVAILABLE, NULL, 0);
}

const MsSessionProtocol _ms_smtp_protocol = {
  .start = smtp_start,
  .handle_line = smtp_handle_line,
  .tls_established = smtp_tls_established,
  .eof = smtp_eof,
  .authenticate = start_authentication,
  .logout = send_quit,
};
