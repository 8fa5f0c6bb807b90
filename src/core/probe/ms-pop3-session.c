/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-pop3-session"

#include "config.h"

#include "ms-session-private.h"

#include <string.h>

/* RFC 1939, RFC 2449 (CAPA), RFC 2595 (STLS), RFC 5034 (SASL). */

enum {
  POP3_GREETING,
  POP3_CAPA,
  POP3_STLS,
  POP3_AUTH,
  POP3_USER,
  POP3_PASS,
  POP3_QUIT,
};

static MsSessionAction
send_command (MsSession  *self,
              int         state,
              const char *command)
{
  self->state = state;
  return _ms_session_send (self, command, NULL);
}

static gboolean
is_ok (const char *line)
{
  return g_ascii_strncasecmp (line, "+OK", 3) == 0 && (line[3] == '\0' || line[3] == ' ');
}

static gboolean
is_err (const char *line)
{
  return g_ascii_strncasecmp (line, "-ERR", 4) == 0 && (line[4] == '\0' || line[4] == ' ');
}

static const char *
text_after_status (const char *line)
{
  const char *space = strchr (line, ' ');

  return space ? space + 1 : "";
}

static MsSessionAction
pop3_start (MsSession *self)
{
  self->state = POP3_GREETING;
  return MS_SESSION_ACTION_READ;
}

static MsSessionAction
send_quit (MsSession *self)
{
  self->phase = MS_CHECK_PHASE_LOGOUT;
  return send_command (self, POP3_QUIT, "QUIT");
}

static MsSessionAction
start_authentication (MsSession *self)
{
  /* Without CAPA we cannot know; USER/PASS is the protocol's baseline then. */
  gboolean user_available = !self->capabilities_known || _ms_session_has_capability (self, "USER");
  const char *mechanism = _ms_session_choose_mechanism (self, user_available);

  self->phase = MS_CHECK_PHASE_AUTH;

  if (mechanism == NULL)
    return _ms_session_finish (self, MS_DIAGNOSIS_AUTH_MECHANISM_UNSUPPORTED, NULL, 0);

  g_free (self->auth_used);

  if (*mechanism == '\0')
    {
      g_autofree char *line = g_strdup_printf ("USER %s", self->username);

      self->auth_used = g_strdup ("USER-PASS");
      self->state = POP3_USER;
      return _ms_session_send_secret (self, line, "USER <redacted>");
    }

  self->auth_used = g_strdup (mechanism);
  self->sasl_mechanism = mechanism;
  self->sasl_step = 0;
  self->state = POP3_AUTH;

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

static MsSessionAction
decide (MsSession *self)
{
  if (self->security == MS_SECURITY_STARTTLS && !self->tls_active)
    {
      /* A server without CAPA may still know STLS; one whose CAPA omits it does not. */
      if (self->capabilities_known && !_ms_session_has_capability (self, "STLS"))
        return _ms_session_finish (self, MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, NULL, 0);
      return send_command (self, POP3_STLS, "STLS");
    }

  return _ms_session_ready_for_auth (self);
}

static void
parse_capability_line (MsSession  *self,
                       const char *line)
{
  g_auto (GStrv) words = g_strsplit (line, " ", -1);

  if (words[0] == NULL || *words[0] == '\0')
    return;

  _ms_session_add_capability (self, words[0], strlen (words[0]));
  if (g_ascii_strcasecmp (words[0], "SASL") == 0)
    for (guint i = 1; words[i] != NULL; i++)
      _ms_session_add_mechanism (self, words[i], strlen (words[i]));
}

static MsSessionAction
handle_capa (MsSession  *self,
             const char *line,
             gsize       length)
{
  if (!self->in_multiline)
    {
      if (is_ok (line))
        {
          self->in_multiline = TRUE;
          _ms_session_forget_capabilities (self);
          return MS_SESSION_ACTION_READ;
        }
      if (is_err (line))
        {
          /* An old server without CAPA: nothing known, nothing assumed. */
          _ms_session_forget_capabilities (self);
          return decide (self);
        }
      return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, line, length);
    }

  if (strcmp (line, ".") == 0)
    {
      self->in_multiline = FALSE;
      self->capabilities_known = TRUE;
      return decide (self);
    }

  /* Dot-stuffing: a leading ".." stands for "." */
  parse_capability_line (self, line[0] == '.' ? line + 1 : line);
  return MS_SESSION_ACTION_READ;
}

static MsSessionAction
handle_auth_reply (MsSession  *self,
                   const char *line,
                   gsize       length)
{
  if (is_ok (line))
    {
      self->authenticated = TRUE;
      _ms_session_set_server_text (self, text_after_status (line), strlen (text_after_status (line)));
      return send_quit (self);
    }
  if (is_err (line))
    {
      const char *text = text_after_status (line);

      return _ms_session_finish (self, _ms_session_classify_auth_failure (text, strlen (text)),
                                 text, strlen (text));
    }
  return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, line, length);
}

static MsSessionAction
pop3_handle_line (MsSession  *self,
                  const char *line,
                  gsize       length)
{
  switch (self->state)
    {
    case POP3_GREETING:
      if (is_ok (line))
        {
          _ms_session_set_server_text (self, text_after_status (line),
                                       strlen (text_after_status (line)));
          return send_command (self, POP3_CAPA, "CAPA");
        }
      if (is_err (line))
        return _ms_session_finish (self, MS_DIAGNOSIS_SERVER_UNAVAILABLE, text_after_status (line),
                                   strlen (text_after_status (line)));
      return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, line, length);

    case POP3_CAPA:
      return handle_capa (self, line, length);

    case POP3_STLS:
      if (is_ok (line))
        return MS_SESSION_ACTION_STARTTLS;
      if (is_err (line))
        return _ms_session_finish (self, MS_DIAGNOSIS_STARTTLS_UNAVAILABLE,
                                   text_after_status (line), strlen (text_after_status (line)));
      return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, line, length);

    case POP3_AUTH:
      if (line[0] == '+' && (line[1] == ' ' || line[1] == '\0'))
        return _ms_session_sasl_continue (self, line[1] ? line + 2 : "");
      return handle_auth_reply (self, line, length);

    case POP3_USER:
      if (is_ok (line))
        {
          g_autofree char *pass = g_strdup_printf ("PASS %s", self->password);
          MsSessionAction action;

          self->state = POP3_PASS;
          action = _ms_session_send_secret (self, pass, "PASS <redacted>");
          explicit_bzero (pass, strlen (pass));
          return action;
        }
      return handle_auth_reply (self, line, length);

    case POP3_PASS:
      return handle_auth_reply (self, line, length);

    case POP3_QUIT:
      return _ms_session_finish (self, MS_DIAGNOSIS_OK, NULL, 0);

    default:
      g_assert_not_reached ();
    }
}

static MsSessionAction
pop3_tls_established (MsSession *self)
{
  self->in_multiline = FALSE;
  return send_command (self, POP3_CAPA, "CAPA");
}

static MsSessionAction
pop3_eof (MsSession *self)
{
  if (self->state == POP3_QUIT)
    return _ms_session_finish (self, MS_DIAGNOSIS_OK, NULL, 0);
  return _ms_session_finish (self, MS_DIAGNOSIS_SERVER_UNAVAILABLE, NULL, 0);
}

const MsSessionProtocol _ms_pop3_protocol = {
  .start = pop3_start,
  .handle_line = pop3_handle_line,
  .tls_established = pop3_tls_established,
  .eof = pop3_eof,
  .authenticate = start_authentication,
  .logout = send_quit,
};
