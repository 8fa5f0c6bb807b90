/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-session"

#include "config.h"

#include "ms-session-private.h"

#include <string.h>

#include "ms-sasl.h"

/* Server text kept for the user: a line or two is plenty. */
#define MAX_SERVER_TEXT_CHARS 500
/* Capabilities beyond this many are ignored, not stored. */
#define MAX_CAPABILITIES 200

static const MsSessionLimits default_limits = {
  .max_line = MS_SESSION_MAX_LINE,
  .max_lines = MS_SESSION_MAX_LINES,
  .max_total = MS_SESSION_MAX_TOTAL,
  .max_literal = MS_SESSION_MAX_LITERAL,
};

static void
wipe_string (char *text)
{
  if (text != NULL)
    explicit_bzero (text, strlen (text));
  g_free (text);
}

static void
wipe_byte_array (GByteArray *array)
{
  if (array->len > 0)
    explicit_bzero (array->data, array->len);
  g_byte_array_set_size (array, 0);
}

/**
 * ms_session_new:
 * @protocol: IMAP, POP3 or SMTP
 * @security: how the connection is secured; with %MS_SECURITY_STARTTLS the session upgrades
 *   before anything else, and fails rather than go on in plaintext
 * @username: (nullable): the user name to log in with
 * @password: (nullable): the password; without one the session only reads the greeting and
 *   capabilities (and upgrades to TLS) and logs out
 * @mechanism: the login mechanism to use, or %MS_AUTH_MECHANISM_AUTOMATIC
 *
 * Returns: (transfer full): a new session
 */
MsSession *
ms_session_new (MsProtocol      protocol,
                MsSecurity      security,
                const char     *username,
                const char     *password,
                MsAuthMechanism mechanism)
{
  MsSession *self = g_new0 (MsSession, 1);

  switch (protocol)
    {
    case MS_PROTOCOL_IMAP:
      self->protocol = &_ms_imap_protocol;
      break;
    case MS_PROTOCOL_POP3:
      self->protocol = &_ms_pop3_protocol;
      break;
    case MS_PROTOCOL_SMTP:
      self->protocol = &_ms_smtp_protocol;
      break;
    default:
      g_assert_not_reached ();
    }

  self->protocol_id = protocol;
  self->security = security;
  self->mechanism = mechanism;
  self->username = g_strdup (username ? username : "");
  self->password = password != NULL && username != NULL ? g_strdup (password) : NULL;
  self->helo_name = g_strdup ("localhost");
  self->limits = default_limits;
  self->input = g_byte_array_new ();
  self->output = g_byte_array_new ();
  self->transcript = ms_transcript_new ();
  self->capabilities = g_ptr_array_new_with_free_func (g_free);
  self->mechanisms = g_ptr_array_new_with_free_func (g_free);
  self->pending_chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) wipe_string);
  self->reply_lines = g_ptr_array_new_with_free_func (g_free);
  self->phase = MS_CHECK_PHASE_GREETING;

  return self;
}

void
ms_session_free (MsSession *self)
{
  if (self == NULL)
    return;

  wipe_string (self->password);
  g_free (self->username);
  g_free (self->helo_name);
  g_byte_array_unref (self->input);
  wipe_byte_array (self->output);
  g_byte_array_unref (self->output);
  ms_transcript_free (self->transcript);
  g_free (self->server_text);
  g_free (self->auth_used);
  g_ptr_array_unref (self->capabilities);
  g_ptr_array_unref (self->mechanisms);
  g_ptr_array_unref (self->pending_chunks);
  g_ptr_array_unref (self->reply_lines);
  g_free (self);
}

void
ms_session_set_limits (MsSession             *self,
                       const MsSessionLimits *limits)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (limits != NULL);

  self->limits = *limits;
}

/**
 * ms_session_set_helo_name:
 * @self: a session
 * @helo_name: what SMTP's EHLO names this client as, e.g. an address literal "[192.0.2.1]"
 */
void
ms_session_set_helo_name (MsSession  *self,
                          const char *helo_name)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (helo_name != NULL);

  g_free (self->helo_name);
  self->helo_name = g_strdup (helo_name);
}

/**
 * ms_session_set_tls_active:
 * @self: a session
 * @tls_active: whether the connection is inside TLS whose certificate validated for the host
 *   or was pinned
 *
 * Credentials are only ever sent while this is %TRUE.
 */
void
ms_session_set_tls_active (MsSession *self,
                           gboolean   tls_active)
{
  g_return_if_fail (self != NULL);
  self->tls_active = tls_active;
}

MsTranscript *
ms_session_get_transcript (MsSession *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->transcript;
}

MsSessionAction
ms_session_start (MsSession *self)
{
  g_return_val_if_fail (self != NULL, MS_SESSION_ACTION_DONE);

  if (self->done)
    return MS_SESSION_ACTION_DONE;
  return self->protocol->start (self);
}

static gboolean
take_line (MsSession *self,
           gsize     *out_length,
           gsize     *out_consumed)
{
  guint8 *newline;
  gsize length;

  if (self->input->len == 0)
    return FALSE;
  newline = memchr (self->input->data, '\n', self->input->len);
  if (newline == NULL)
    return FALSE;

  length = (gsize) (newline - self->input->data);
  *out_consumed = length + 1;
  if (length > 0 && self->input->data[length - 1] == '\r')
    length--;
  *out_length = length;
  return TRUE;
}

/**
 * ms_session_receive:
 * @self: a session
 * @data: (nullable): bytes from the server
 * @length: how many
 *
 * Feeds server bytes to the session; with no data it goes on with what is already buffered.
 *
 * Returns: what to do next
 */
MsSessionAction
ms_session_receive (MsSession    *self,
                    const guint8 *data,
                    gsize         length)
{
  g_return_val_if_fail (self != NULL, MS_SESSION_ACTION_DONE);

  if (self->done)
    return MS_SESSION_ACTION_DONE;

  if (length > 0)
    {
      self->total_received += length;
      if (self->total_received > self->limits.max_total)
        return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, NULL, 0);
      g_byte_array_append (self->input, data, (guint) length);
    }

  while (!self->done)
    {
      gsize line_length;
      gsize consumed;
      MsSessionAction action;
      g_autofree char *line = NULL;

      if (self->literal_remaining > 0)
        {
          gsize skip = MIN (self->literal_remaining, self->input->len);

          if (skip == 0)
            return MS_SESSION_ACTION_READ;
          g_byte_array_remove_range (self->input, 0, (guint) skip);
          self->literal_remaining -= skip;
          continue;
        }

      if (!take_line (self, &line_length, &consumed))
        {
          if (self->input->len > self->limits.max_line)
            {
              ms_transcript_add_note (self->transcript,
                                      "the server sent a line longer than %" G_GSIZE_FORMAT
                                      " bytes",
                                      self->limits.max_line);
              return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, NULL, 0);
            }
          return MS_SESSION_ACTION_READ;
        }

      line = g_malloc (line_length + 1);
      memcpy (line, self->input->data, line_length);
      line[line_length] = '\0';
      g_byte_array_remove_range (self->input, 0, (guint) consumed);
      ms_transcript_add_server (self->transcript, (const char *) line, line_length);

      if (line_length > self->limits.max_line)
        {
          ms_transcript_add_note (self->transcript, "the server sent an overlong line");
          return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, NULL, 0);
        }
      if (strlen (line) != line_length)
        {
          ms_transcript_add_note (self->transcript, "the server sent a NUL byte");
          return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, line, line_length);
        }
      if (++self->lines_in_response > self->limits.max_lines)
        {
          ms_transcript_add_note (self->transcript,
                                  "the server sent more than %u lines in one response",
                                  self->limits.max_lines);
          return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, NULL, 0);
        }

      action = self->protocol->handle_line (self, line, line_length);

      if (action == MS_SESSION_ACTION_STARTTLS && self->input->len > 0)
        {
          /* Invariant 2: whatever arrived with the server's "go ahead" was sent before TLS,
           * by the server or by someone in between, and must never be read as if it came
           * through TLS. */
          ms_transcript_add_note (self->transcript,
                                  "%u bytes arrived after the STARTTLS reply, before TLS",
                                  self->input->len);
          return _ms_session_finish (self, MS_DIAGNOSIS_STARTTLS_INJECTION, NULL, 0);
        }
      if (action != MS_SESSION_ACTION_READ)
        return action;
    }

  return MS_SESSION_ACTION_DONE;
}

/**
 * ms_session_eof:
 * @self: a session
 *
 * The server closed the connection.
 *
 * Returns: %MS_SESSION_ACTION_DONE
 */
MsSessionAction
ms_session_eof (MsSession *self)
{
  g_return_val_if_fail (self != NULL, MS_SESSION_ACTION_DONE);

  if (self->done)
    return MS_SESSION_ACTION_DONE;

  ms_transcript_add_note (self->transcript, "the server closed the connection");
  return self->protocol->eof (self);
}

/**
 * ms_session_tls_established:
 * @self: a session
 *
 * The driver finished the TLS handshake asked for with %MS_SESSION_ACTION_STARTTLS (and called
 * ms_session_set_tls_active() if the certificate is trusted). Everything learnt before TLS is
 * forgotten.
 *
 * Returns: what to do next
 */
MsSessionAction
ms_session_tls_established (MsSession *self)
{
  g_return_val_if_fail (self != NULL, MS_SESSION_ACTION_DONE);

  if (self->done)
    return MS_SESSION_ACTION_DONE;

  g_byte_array_set_size (self->input, 0);
  self->literal_remaining = 0;
  self->lines_in_response = 0;
  _ms_session_forget_capabilities (self);
  return self->protocol->tls_established (self);
}

/**
 * ms_session_fail:
 * @self: a session
 * @diagnosis: what went wrong on the driver's side (connection, TLS, timeout)
 * @note: (nullable): a line for the transcript
 *
 * Returns: %MS_SESSION_ACTION_DONE
 */
MsSessionAction
ms_session_fail (MsSession  *self,
                 MsDiagnosis diagnosis,
                 const char *note)
{
  g_return_val_if_fail (self != NULL, MS_SESSION_ACTION_DONE);

  if (note != NULL)
    ms_transcript_add_note (self->transcript, "%s", note);
  if (self->done)
    return MS_SESSION_ACTION_DONE;
  return _ms_session_finish (self, diagnosis, NULL, 0);
}

/**
 * ms_session_take_output:
 * @self: a session
 * @out_sensitive: (out) (optional): whether the bytes carry a credential
 *
 * Returns: (transfer full): the bytes to send
 */
GBytes *
ms_session_take_output (MsSession *self,
                        gboolean  *out_sensitive)
{
  GBytes *bytes;

  g_return_val_if_fail (self != NULL, NULL);

  bytes = g_bytes_new (self->output->data, self->output->len);
  wipe_byte_array (self->output);
  if (out_sensitive != NULL)
    *out_sensitive = self->output_sensitive;
  self->output_sensitive = FALSE;
  return bytes;
}

MsCheckPhase
ms_session_get_phase (MsSession *self)
{
  g_return_val_if_fail (self != NULL, MS_CHECK_PHASE_GREETING);
  return self->phase;
}

gboolean
ms_session_is_done (MsSession *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->done;
}

MsDiagnosis
ms_session_get_diagnosis (MsSession *self)
{
  g_return_val_if_fail (self != NULL, MS_DIAGNOSIS_PROTOCOL_ERROR);
  return self->diagnosis;
}

/**
 * ms_session_get_server_text:
 * @self: a session
 *
 * Returns: (nullable): the server's own words that decided the outcome (sanitised)
 */
const char *
ms_session_get_server_text (MsSession *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->server_text;
}

static GStrv
dup_array (GPtrArray *array)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < array->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (array, i));
  return g_strv_builder_end (builder);
}

GStrv
ms_session_dup_capabilities (MsSession *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return dup_array (self->capabilities);
}

GStrv
ms_session_dup_mechanisms (MsSession *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return dup_array (self->mechanisms);
}

/**
 * ms_session_get_auth_used:
 * @self: a session
 *
 * Returns: (nullable): the login method used: a SASL mechanism ("PLAIN", "LOGIN", "CRAM-MD5"),
 *   "LOGIN-COMMAND" (IMAP's LOGIN), "USER-PASS" (POP3) or "PREAUTH"
 */
const char *
ms_session_get_auth_used (MsSession *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->auth_used;
}

gboolean
ms_session_get_authenticated (MsSession *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->authenticated;
}

/* Internal API for the protocols */

static MsSessionAction
queue_output (MsSession  *self,
              const char *line,
              const char *transcript_text,
              gboolean    sensitive)
{
  g_byte_array_append (self->output, (const guint8 *) line, (guint) strlen (line));
  g_byte_array_append (self->output, (const guint8 *) "\r\n", 2);
  self->output_sensitive = self->output_sensitive || sensitive;
  self->lines_in_response = 0;
  ms_transcript_add_client (self->transcript, transcript_text ? transcript_text : line);
  return MS_SESSION_ACTION_SEND;
}

MsSessionAction
_ms_session_send (MsSession  *self,
                  const char *line,
                  const char *transcript_text)
{
  return queue_output (self, line, transcript_text, FALSE);
}

/* Invariant 1, enforced where credentials are put on the wire: only inside trusted TLS. */
MsSessionAction
_ms_session_send_secret (MsSession  *self,
                         const char *line,
                         const char *transcript_text)
{
  g_assert (transcript_text != NULL);

  if (!self->tls_active)
    {
      ms_transcript_add_note (self->transcript,
                              "refusing to send credentials outside trusted TLS");
      g_clear_pointer (&self->auth_used, g_free);
      return _ms_session_finish (self, MS_DIAGNOSIS_STARTTLS_UNAVAILABLE, NULL, 0);
    }
  return queue_output (self, line, transcript_text, TRUE);
}

void
_ms_session_set_server_text (MsSession  *self,
                             const char *text,
                             gsize       length)
{
  g_free (self->server_text);
  self->server_text = text != NULL && length > 0
                        ? ms_server_text_sanitize (text, length, MAX_SERVER_TEXT_CHARS)
                        : NULL;
}

MsSessionAction
_ms_session_finish (MsSession  *self,
                    MsDiagnosis diagnosis,
                    const char *server_text,
                    gsize       server_text_length)
{
  if (server_text != NULL)
    _ms_session_set_server_text (self, server_text, server_text_length);
  self->diagnosis = diagnosis;
  self->done = TRUE;
  wipe_byte_array (self->output);
  g_ptr_array_set_size (self->pending_chunks, 0);
  return MS_SESSION_ACTION_DONE;
}

void
_ms_session_forget_capabilities (MsSession *self)
{
  g_ptr_array_set_size (self->capabilities, 0);
  g_ptr_array_set_size (self->mechanisms, 0);
  self->capabilities_known = FALSE;
}

static gboolean
array_has (GPtrArray  *array,
           const char *item)
{
  for (guint i = 0; i < array->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (array, i), item) == 0)
      return TRUE;
  return FALSE;
}

static void
add_unique (GPtrArray  *array,
            const char *item,
            gsize       length)
{
  g_autofree char *text = NULL;

  if (length == 0 || array->len >= MAX_CAPABILITIES)
    return;
  text = ms_server_text_sanitize (item, length, 100);
  if (!array_has (array, text))
    g_ptr_array_add (array, g_steal_pointer (&text));
}

void
_ms_session_add_capability (MsSession  *self,
                            const char *capability,
                            gsize       length)
{
  add_unique (self->capabilities, capability, length);
}

void
_ms_session_add_mechanism (MsSession  *self,
                           const char *mechanism,
                           gsize       length)
{
  g_autofree char *upper = g_ascii_strup (mechanism, (gssize) length);

  add_unique (self->mechanisms, upper, strlen (upper));
}

gboolean
_ms_session_has_capability (MsSession  *self,
                            const char *capability)
{
  return array_has (self->capabilities, capability);
}

gboolean
_ms_session_has_mechanism (MsSession  *self,
                           const char *mechanism)
{
  return array_has (self->mechanisms, mechanism);
}

/* Returns the SASL mechanism to use, "" for the protocol's own plain login command (IMAP
 * LOGIN, POP3 USER/PASS) or NULL when nothing usable is offered. CRAM-MD5 comes last: it keeps
 * the password off the wire but needs it stored in the clear on the server, and inside TLS
 * PLAIN is as safe and universally supported. */
const char *
_ms_session_choose_mechanism (MsSession *self,
                              gboolean   plain_command_available)
{
  switch (self->mechanism)
    {
    case MS_AUTH_MECHANISM_AUTOMATIC:
      if (_ms_session_has_mechanism (self, "PLAIN"))
        return "PLAIN";
      if (_ms_session_has_mechanism (self, "LOGIN"))
        return "LOGIN";
      if (plain_command_available)
        return "";
      if (_ms_session_has_mechanism (self, "CRAM-MD5"))
        return "CRAM-MD5";
      return NULL;
    case MS_AUTH_MECHANISM_PLAIN:
      if (_ms_session_has_mechanism (self, "PLAIN"))
        return "PLAIN";
      return plain_command_available ? "" : NULL;
    case MS_AUTH_MECHANISM_LOGIN:
      return _ms_session_has_mechanism (self, "LOGIN") ? "LOGIN" : NULL;
    case MS_AUTH_MECHANISM_CRAM_MD5:
      return _ms_session_has_mechanism (self, "CRAM-MD5") ? "CRAM-MD5" : NULL;
    case MS_AUTH_MECHANISM_OAUTH2:
      return NULL;
    default:
      g_assert_not_reached ();
    }
}

char *
_ms_session_sasl_initial_response (MsSession *self)
{
  if (g_strcmp0 (self->sasl_mechanism, "PLAIN") == 0)
    return ms_sasl_plain_response (self->username, self->password);
  return NULL;
}

/* Answers the server's SASL challenge (base64, possibly empty) for the mechanism under way. */
MsSessionAction
_ms_session_sasl_continue (MsSession  *self,
                           const char *challenge)
{
  g_autofree char *response = NULL;
  g_autoptr (GError) error = NULL;
  guint step = self->sasl_step++;

  if (self->sasl_mechanism == NULL)
    return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, challenge, strlen (challenge));

  if (g_str_equal (self->sasl_mechanism, "PLAIN") && step == 0)
    response = ms_sasl_plain_response (self->username, self->password);
  else if (g_str_equal (self->sasl_mechanism, "LOGIN") && step == 0)
    response = g_base64_encode ((const guchar *) self->username, strlen (self->username));
  else if (g_str_equal (self->sasl_mechanism, "LOGIN") && step == 1)
    response = g_base64_encode ((const guchar *) self->password, strlen (self->password));
  else if (g_str_equal (self->sasl_mechanism, "CRAM-MD5") && step == 0)
    response = ms_sasl_cram_md5_response (challenge, self->username, self->password, &error);

  if (response == NULL)
    {
      ms_transcript_add_note (self->transcript, "unexpected SASL challenge%s%s",
                              error ? ": " : "", error ? error->message : "");
      return _ms_session_finish (self, MS_DIAGNOSIS_PROTOCOL_ERROR, challenge, strlen (challenge));
    }

  {
    MsSessionAction action = _ms_session_send_secret (self, response, "<redacted>");

    explicit_bzero (response, strlen (response));
    return action;
  }
}

static gboolean
contains_casefold (const char *haystack,
                   const char *needle)
{
  g_autofree char *lower = g_ascii_strdown (haystack, -1);

  return strstr (lower, needle) != NULL;
}

/* Providers say "use an app password" in their own words; these are the ones in use (Google,
 * Yahoo, Microsoft, Apple, Zoho, GMX/WEB.DE). */
MsDiagnosis
_ms_session_classify_auth_failure (const char *text,
                                   gsize       length)
{
  static const char *const app_password_phrases[] = {
    "application-specific password",
    "application specific password",
    "app password",
    "app-password",
    "app-specific password",
    "app specific password",
    "apppassword",
  };
  g_autofree char *copy = g_strndup (text, length);

  for (guint i = 0; i < G_N_ELEMENTS (app_password_phrases); i++)
    if (contains_casefold (copy, app_password_phrases[i]))
      return MS_DIAGNOSIS_APP_PASSWORD_REQUIRED;

  if (contains_casefold (copy, "[unavailable]") || contains_casefold (copy, "[sys/temp]") ||
      contains_casefold (copy, "[in-use]"))
    return MS_DIAGNOSIS_SERVER_UNAVAILABLE;

  return MS_DIAGNOSIS_AUTH_FAILED;
}

/* The one point where every protocol, connection secured, decides to log in. */
MsSessionAction
_ms_session_ready_for_auth (MsSession *self)
{
  if (self->password == NULL)
    return self->protocol->logout (self);

  if (self->hold_before_auth)
    {
      self->holding = TRUE;
      return MS_SESSION_ACTION_HOLD;
    }

  return self->protocol->authenticate (self);
}

/**
 * ms_session_set_hold_before_auth:
 * @hold: whether to stop before sending credentials
 *
 * A held session secures the connection, reads the capabilities and then answers
 * %MS_SESSION_ACTION_HOLD instead of logging in, so a caller can probe several servers and
 * send the password to the one it chooses on the connection already open.
 */
void
ms_session_set_hold_before_auth (MsSession *self,
                                 gboolean   hold)
{
  g_return_if_fail (self != NULL);

  self->hold_before_auth = hold;
}

gboolean
ms_session_is_holding (MsSession *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->holding;
}

/**
 * ms_session_resume:
 * @authenticate: %TRUE to log in now, %FALSE to forget the password and log out
 *
 * Returns: what to do next
 */
MsSessionAction
ms_session_resume (MsSession *self,
                   gboolean   authenticate)
{
  g_return_val_if_fail (self != NULL, MS_SESSION_ACTION_DONE);
  g_return_val_if_fail (self->holding, MS_SESSION_ACTION_DONE);

  self->holding = FALSE;
  if (self->done)
    return MS_SESSION_ACTION_DONE;

  if (!authenticate)
    {
      g_clear_pointer (&self->password, wipe_string);
      return self->protocol->logout (self);
    }

  return self->protocol->authenticate (self);
}
