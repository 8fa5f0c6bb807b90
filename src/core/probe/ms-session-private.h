/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ms-session.h"

G_BEGIN_DECLS

/* The protocol half of a session: each callback returns the next action;
 * MS_SESSION_ACTION_READ from handle_line means "give me the next line". */
typedef struct
{
  MsSessionAction (*start) (MsSession *self);
  MsSessionAction (*handle_line) (MsSession  *self,
                                  const char *line,
                                  gsize       length);
  MsSessionAction (*tls_established) (MsSession *self);
  MsSessionAction (*eof) (MsSession *self);
  /* Secure and ready: log in, or say goodbye. */
  MsSessionAction (*authenticate) (MsSession *self);
  MsSessionAction (*logout) (MsSession *self);
} MsSessionProtocol;

struct _MsSession
{
  const MsSessionProtocol *protocol;
  MsProtocol               protocol_id;
  MsSecurity               security;
  MsAuthMechanism          mechanism;
  char                    *username;
  char                    *password;
  char                    *helo_name;
  MsSessionLimits          limits;

  GByteArray              *input;
  gsize                    total_received;
  guint                    lines_in_response;
  gsize                    literal_remaining;

  GByteArray              *output;
  gboolean                 output_sensitive;

  MsTranscript            *transcript;
  MsCheckPhase             phase;
  int                      state;
  gboolean                 tls_active;
  gboolean                 authenticated;
  gboolean                 done;
  gboolean                 hold_before_auth;
  gboolean                 holding;
  MsDiagnosis              diagnosis;
  char                    *server_text;
  char                    *auth_used;

  /* Capabilities as the protocol names them (IMAP atoms, POP3 CAPA tags, ESMTP keywords) and
   * the SASL mechanisms among them, upper case. Forgotten at every TLS switch. */
  GPtrArray               *capabilities;
  GPtrArray               *mechanisms;
  gboolean                 capabilities_known;

  /* SASL in progress */
  const char              *sasl_mechanism;
  guint                    sasl_step;

  /* IMAP */
  guint                    tag_counter;
  char                     tag[16];
  gboolean                 skip_literal_rest;
  GPtrArray               *pending_chunks;

  /* POP3 multi-line responses */
  gboolean                 in_multiline;

  /* SMTP multi-line replies */
  guint                    reply_code;
  GPtrArray               *reply_lines;
};

extern const MsSessionProtocol _ms_imap_protocol;
extern const MsSessionProtocol _ms_pop3_protocol;
extern const MsSessionProtocol _ms_smtp_protocol;

MsSessionAction _ms_session_ready_for_auth (MsSession *self);
MsSessionAction _ms_session_send (MsSession  *self,
                                  const char *line,
                                  const char *transcript_text);
MsSessionAction _ms_session_send_secret (MsSession  *self,
                                         const char *line,
                                         const char *transcript_text);
MsSessionAction _ms_session_finish (MsSession  *self,
                                    MsDiagnosis diagnosis,
                                    const char *server_text,
                                    gsize       server_text_length);
void            _ms_session_set_server_text (MsSession  *self,
                                             const char *text,
                                             gsize       length);
void            _ms_session_forget_capabilities (MsSession *self);
void            _ms_session_add_capability (MsSession  *self,
                                            const char *capability,
                                            gsize       length);
void            _ms_session_add_mechanism (MsSession  *self,
                                           const char *mechanism,
                                           gsize       length);
gboolean        _ms_session_has_capability (MsSession  *self,
                                            const char *capability);
gboolean        _ms_session_has_mechanism (MsSession  *self,
                                           const char *mechanism);
const char     *_ms_session_choose_mechanism (MsSession *self,
                                              gboolean   plain_command_available);
char           *_ms_session_sasl_initial_response (MsSession *self);
MsSessionAction _ms_session_sasl_continue (MsSession  *self,
                                           const char *challenge);
MsDiagnosis     _ms_session_classify_auth_failure (const char *text,
                                                   gsize       length);

G_END_DECLS
