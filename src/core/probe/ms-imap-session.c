/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-imap-session"

#include "config.h"

#include "ms-session-private.h"

#include <string.h>

/* RFC 9051 / RFC 3501 client side: just enough IMAP to prove a login works. */

enum {
  IMAP_GREETING,
  IMAP_CAPABILITY,
  IMAP_STARTTLS,
  IMAP_AUTHENTICATE,
  IMAP_LOGIN,
  IMAP_LOGOUT,
};

static MsSessionAction decide (MsSession *self);

static const char *
next_tag (MsSession *self)
{
  g_snprintf (self->tag, sizeof self->tag, "A%u", ++self->tag_counter);
  return self->tag;
}

static MsSessionAction
send_command (MsSession  *self,
              int         state,
              const char *command)
{
  g_autofree char *line = g_strdup_printf ("%s %s", next_tag (self), command);

  self->state = state;
  return _ms_session_send (self, line, NULL);
}

/* Splits "WORD rest" at the first space. */
static const char *
split_word (const char *text,
            char      **out_word)
{
  const char *space = strchr (text, ' ');

  if (space == NULL)
    {
      *out_word = g_strdup (text);
      return text + strlen (text);
    }
  *out_word = g_strndup (text, (gsize) (space - text));
  return space + 1;
}

static void
parse_capabilities (MsSession  *self,
                    const char *list,
                    gsize       length)
{
  const char *p = list;
  const char *end = list + length;

  _ms_session_forget_capabilities (self);
  self->capabilities_known = TRUE;

  while (p < end)
    {
      const char *start;

      while (p < end && *p == ' ')
        p++;
      start = p;
      while (p < end && *p != ' ')
        p++;
      if (p == start)
        continue;

      _ms_session_add_capability (self, start, (gsize) (p - start));
      if ((gsize) (p - start) > 5 && g_ascii_strncasecmp (start, "AUTH=", 5) == 0)
        _ms_session_add_mechanism (self, start + 5, (gsize) (p - start - 5));
    }
}

/* A response code "[CAPABILITY …]" in resp-text carries capabilities too. */
static void
parse_response_code (MsSession  *self,
                     const char *text)
{
  const char *close;

  if (text[0] != '[')
    return;
  close = strchr (text, ']');
  if (close == NULL)
    return;
  if (g_ascii_strncasecmp (text + 1, "CAPABILITY ", 11) == 0)
    parse_capabilities (self, text + 12, (gsize) (close - text - 12));
}

/* An IMAP literal announcement "{123}" or "{123+}" at the end of a line. */
static gboolean
parse_literal (const char *line,
               gsize       length,
               guint64    *out_size)
{
  const char *open;
  g_autofree char *digits = NULL;

  if (length < 3 || line[length - 1] != '}')
    return FALSE;
  open = g_strrstr_len (line, (gssize) length, "{");
  if (open == NULL)
    return FALSE;

  digits = g_strndup (open + 1, (gsize) (line + length - 1 - open - 1));
  if (g_str_has_suffix (digits, "+") || g_str_has_suffix (digits, "-"))
    digits[strlen (digits) - 1] = '\0';
  if (*digits == '\0' || strspn (digits, "0123456789") != strlen (digits))
    return FALSE;
  /* More digits than fit in 64 bits is as absurd as any size above the limit. */
  *out_size = strlen (digits) > 19 ? G_MAXUINT64 : g_ascii_strtoull (digits, NULL, 10);
  return TRUE;
}

static MsSessionAction
imap_start (MsSession *self)
{
  self->state = IMAP_GREETING;
  return MS_SESSION_ACTION_READ;
}

static MsSessionAction
send_logout (MsSession *self)
{
  self->phase = MS_CHECK_PHASE_LOGOUT;
  return send_command (self, IMAP_LOGOUT, "LOGOUT");
}

/* IMAP quoted strings carry 7-bit text without CR/LF; everything else goes as a literal. */
static gboolean
can_quote (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p; p++)
    if (*p < 0x20 || *p >= 0x7f)
      return FALSE;
  return strlen (text) < 1000;
}

static char *
quote (const char *text)
{
  GString *quoted = g_string_new ("\"");

  for (const char *p = text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}

/* The LOGIN command, only when the server advertises no AUTH= at all. Each argument that
 * cannot be quoted goes as a literal; with LITERAL+ / LITERAL- a non-synchronising one,
 * otherwise the rest waits for the server's "+". */
static MsSessionAction
send_login (MsSession *self)
{
  const char *args[] = { self->username, self->password };
  gboolean non_sync = _ms_session_has_capability (self, "LITERAL+") ||
                      _ms_session_has_capability (self, "LITERAL-");
  g_autoptr (GString) chunk = g_string_new (NULL);

  self->state = IMAP_LOGIN;
  self->phase = MS_CHECK_PHASE_AUTH;
  g_ptr_array_set_size (self->pending_chunks, 0);
  g_string_printf (chunk, "%s LOGIN", next_tag (self));

  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    {
      g_string_append_c (chunk, ' ');
      if (can_quote (args[i]))
        {
          g_autofree char *quoted = quote (args[i]);

          g_string_append (chunk, quoted);
        }
      else
        {
          g_string_append_printf (chunk, "{%" G_GSIZE_FORMAT "%s}", strlen (args[i]),
                                  non_sync ? "+" : "");
          if (non_sync)
            {
              g_string_append (chunk, "\r\n");
              g_string_append (chunk, args[i]);
            }
          else
            {
              g_ptr_array_add (self->pending_chunks, g_string_free (g_steal_pointer (&chunk), FALSE));
              chunk = g_string_new (args[i]);
            }
        }
    }
  g_ptr_array_add (self->pending_chunks, g_string_free (g_steal_pointer (&chunk), FALSE));

  {
    g_autofree char *first = g_ptr_array_steal_index (self->pending_chunks, 0);
    g_autofree char *shown = g_strdup_printf ("%s LOGIN <redacted>", self->tag);
    MsSessionAction action = _ms_session_send_secret (self, first, shown);

    explicit_bzero (first, strlen (first));
    return action;
  }
}

static MsSessionAction
start_authentication (MsSession *self)
{
  gboolean login_disabled = _ms_session_has_capability (self, "LOGINDISABLED");
  gboolean has_auth = self->mechanisms->len > 0;
  const char *mechanism;

  mechanism = _ms_session_choose_mechanism (self, !has_auth && !login_disabled);
  if (mechanism == NULL)
    {
      if (!has_auth && login_disabled)
        return _ms_session_finish (self, MS_DIAGNOSIS_LOGIN_DISABLED, NULL, 0);
      return _ms_session_finish (self, MS_DIAGNOSIS_AUTH_MECHANISM_UNSUPPORTED, NULL, 0);
    }

  if (*mechanism == '\0')
    {
      g_free (self->auth_used);
      self->auth_used = g_strdup ("LOGIN-COMMAND");
      return send_login (self);
    }

  g_free (self->auth_used);
  self->auth_used = g_strdup (mechanism);
  self->sasl_mechanism = mechanism;
  self->sasl_step = 0;
  self->state = IMAP_AUTHENTICATE;
  self->phase = MS_CHECK_PHASE_AUTH;

  if (_ms_session_has_capability (self, "SASL-IR"))
    {
      g_autofree char *initial = _ms_session_sasl_initial_response (self);

      if (initial != NULL)
        {
          g_autofree char *line = NULL;
          g_autofree char *shown = NULL;
          MsSessionAction action;

          self->sasl_step = 1;
          line = g_strdup_printf ("%s AUTHENTICATE %s %s", next_tag (self), mechanism, initial);
          shown = g_strdup_printf ("%s AUTHENTICATE %s <redacted>", self->tag, mechanism);
          action = _ms_session_send_secret (self, line, shown);
          explicit_bzero (line, strlen (line));
          explicit_bzero (initial, strlen (initial));
          return action;
        }
    }

  {
    g_autofree char *command = g_strdup_printf ("AUTHENTICATE %s", mechanism);

    return send_command (self, IMAP_AUTHENTICATE, command);
  }
}

static MsSessionAction
decide (MsSession *self)
{
  if (!self->capabilities_known)
    return send_command (self, IMAP_CAPABILITY, "CAPABILITY");

  if (self->security == MS_SECURITY_STARTTLS && !self->tls_active)
    {
      if (!_ms_session_has_capability (self, "STARTTLS"))
        return _ms_session_finish (self, MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, NULL, 0);
      return send_command (self, IMAP_STARTTLS, "STARTTLS");
    }

  return _ms_session_ready_for_auth (self);
}

static MsSessionAction
handle_greeting (MsSession  *self,
                 const char *status,
                 const char *text,
                 const char *line,
                 gsize       length)
{
  _ms_session_set_server_text (self, text, strlen (text));

  if (g_ascii_strcasecmp (status, "OK") == 0)
    {
      parse_response_code (self, text);
      return decide (self);
    }

  if (g_ascii_strcasecmp (status, "PREAUTH") == 0)
    {
      /* Already logged in, in plaintext: the STARTTLS command is not allowed in this state,
       * so a connection that must be upgraded cannot be (invariant 3). */
      if (self->security == MS_SECURITY_STARTTLS && !self->tls_active)
        return _ms_session_finish (self, MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, text, strlen (text));

      self->authenticated = TRUE;
      g_free (self->auth_used);
      self->auth_used = g_strdup ("PREAUTH");
      return send_logout (self);
    }

  if (g_ascii_strcasecmp (status, "BYE") == 0)
    return _ms_session_finish (self, MS_DIAGNOSIS_SERVER_UNAVAILABLE, text, strlen (text));

  return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, line, length);
}

static MsSessionAction
handle_untagged (MsSession  *self,
                 const char *rest,
                 const char *line,
                 gsize       length)
{
  g_autofree char *word = NULL;
  const char *text = split_word (rest, &word);

  if (self->state == IMAP_GREETING)
    return handle_greeting (self, word, text, line, length);

  if (g_ascii_strcasecmp (word, "CAPABILITY") == 0)
    {
      parse_capabilities (self, text, strlen (text));
      return MS_SESSION_ACTION_READ;
    }

  if (g_ascii_strcasecmp (word, "BYE") == 0)
    {
      if (self->state == IMAP_LOGOUT)
        return MS_SESSION_ACTION_READ;
      return _ms_session_finish (self, MS_DIAGNOSIS_SERVER_UNAVAILABLE, text, strlen (text));
    }

  if (g_ascii_strcasecmp (word, "OK") == 0 || g_ascii_strcasecmp (word, "NO") == 0 ||
      g_ascii_strcasecmp (word, "BAD") == 0)
    {
      if (g_ascii_strncasecmp (text, "[ALERT]", 7) == 0)
        _ms_session_set_server_text (self, text, strlen (text));
      parse_response_code (self, text);
    }

  /* Anything else untagged (EXISTS, FLAGS, ENABLED …) is allowed at any time and does not
   * matter here. */
  return MS_SESSION_ACTION_READ;
}

static MsSessionAction
handle_continuation (MsSession  *self,
                     const char *text)
{
  if (self->state == IMAP_AUTHENTICATE)
    return _ms_session_sasl_continue (self, text);

  if (self->state == IMAP_LOGIN && self->pending_chunks->len > 0)
    {
      g_autofree char *chunk = g_ptr_array_steal_index (self->pending_chunks, 0);
      MsSessionAction action = _ms_session_send_secret (self, chunk, "<redacted>");

      explicit_bzero (chunk, strlen (chunk));
      return action;
    }

  return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, text, strlen (text));
}

static MsSessionAction
handle_tagged (MsSession  *self,
               const char *rest)
{
  g_autofree char *status = NULL;
  const char *text = split_word (rest, &status);
  gboolean ok = g_ascii_strcasecmp (status, "OK") == 0;
  gboolean no = g_ascii_strcasecmp (status, "NO") == 0;

  if (!ok && !no && g_ascii_strcasecmp (status, "BAD") != 0)
    return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, rest, strlen (rest));

  switch (self->state)
    {
    case IMAP_CAPABILITY:
      if (!ok)
        return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, text, strlen (text));
      parse_response_code (self, text);
      if (!self->capabilities_known)
        return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, text, strlen (text));
      return decide (self);

    case IMAP_STARTTLS:
      if (!ok)
        return _ms_session_finish (self, MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, text, strlen (text));
      return MS_SESSION_ACTION_STARTTLS;

    case IMAP_AUTHENTICATE:
    case IMAP_LOGIN:
      _ms_session_set_server_text (self, text, strlen (text));
      if (ok)
        {
          self->authenticated = TRUE;
          return send_logout (self);
        }
      if (no)
        return _ms_session_finish (self, _ms_session_classify_auth_failure (text, strlen (text)),
                                   NULL, 0);
      return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, NULL, 0);

    case IMAP_LOGOUT:
      return _ms_session_finish (self, MS_DIAGNOSIS_OK, NULL, 0);

    default:
      return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, rest, strlen (rest));
    }
}

static MsSessionAction
imap_handle_line (MsSession  *self,
                  const char *line,
                  gsize       length)
{
  guint64 literal_size;
  gsize tag_length = strlen (self->tag);

  if (parse_literal (line, length, &literal_size))
    {
      if (literal_size > self->limits.max_literal)
        {
          ms_transcript_add_note (self->transcript, "the server announced a literal larger than "
                                                    "%" G_GSIZE_FORMAT " bytes",
                                  self->limits.max_literal);
          return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, NULL, 0);
        }
      self->literal_remaining = (gsize) literal_size;
      self->skip_literal_rest = TRUE;
      return MS_SESSION_ACTION_READ;
    }

  /* The line after a literal continues the same response: nothing to act on there. */
  if (self->skip_literal_rest)
    {
      self->skip_literal_rest = FALSE;
      return MS_SESSION_ACTION_READ;
    }

  if (length >= 2 && line[0] == '*' && line[1] == ' ')
    return handle_untagged (self, line + 2, line, length);

  if (length >= 1 && line[0] == '+' && (length == 1 || line[1] == ' '))
    return handle_continuation (self, length > 2 ? line + 2 : "");

  if (self->state != IMAP_GREETING && tag_length > 0 && length > tag_length &&
      strncmp (line, self->tag, tag_length) == 0 && line[tag_length] == ' ')
    return handle_tagged (self, line + tag_length + 1);

  ms_transcript_add_note (self->transcript, "not an IMAP response");
  return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, line, length);
}

static MsSessionAction
imap_tls_established (MsSession *self)
{
  /* Capabilities learnt in plaintext may have been forged; ask again. */
  return send_command (self, IMAP_CAPABILITY, "CAPABILITY");
}

static MsSessionAction
imap_eof (MsSession *self)
{
  if (self->state == IMAP_LOGOUT)
    return _ms_session_finish (self, MS_DIAGNOSIS_OK, NULL, 0);
  return _ms_session_finish (self, MS_DIAGNOSIS_SERVER_UNAVAILABLE, NULL, 0);
}

const MsSessionProtocol _ms_imap_protocol = {
  .start = imap_start,
  .handle_line = imap_handle_line,
  .tls_established = imap_tls_established,
  .eof = imap_eof,
  .authenticate = start_authentication,
  .logout = send_logout,
};
