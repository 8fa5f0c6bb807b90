/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "ms-diagnosis.h"
#include "ms-server-config.h"
#include "ms-transcript.h"

G_BEGIN_DECLS

/**
 * MsSessionAction:
 * @MS_SESSION_ACTION_READ: read more bytes from the server and pass them to
 *   ms_session_receive()
 * @MS_SESSION_ACTION_SEND: send ms_session_take_output(), then call ms_session_receive() with
 *   no data (to use what is already buffered) and go on from there
 * @MS_SESSION_ACTION_STARTTLS: switch the connection to TLS now, then call
 *   ms_session_tls_established()
 * @MS_SESSION_ACTION_DONE: the dialogue is over; read the outcome with
 *   ms_session_get_diagnosis()
 *
 * What the connection driver must do next. A session never touches a socket: it is a pure
 * function of the bytes the server sent, which keeps every protocol rule testable and fuzzable.
 */
typedef enum
{
  MS_SESSION_ACTION_READ,
  MS_SESSION_ACTION_SEND,
  MS_SESSION_ACTION_STARTTLS,
  MS_SESSION_ACTION_DONE,
  /* Ready to authenticate, holding as asked: call ms_session_resume(). */
  MS_SESSION_ACTION_HOLD,
} MsSessionAction;

/**
 * MsCheckPhase:
 * @MS_CHECK_PHASE_CONNECT: TCP connection (with name resolution)
 * @MS_CHECK_PHASE_TLS: TLS handshakes (implicit or after STARTTLS)
 * @MS_CHECK_PHASE_GREETING: greeting, capabilities and the STARTTLS command
 * @MS_CHECK_PHASE_AUTH: logging in
 * @MS_CHECK_PHASE_LOGOUT: logging out
 */
typedef enum
{
  MS_CHECK_PHASE_CONNECT,
  MS_CHECK_PHASE_TLS,
  MS_CHECK_PHASE_GREETING,
  MS_CHECK_PHASE_AUTH,
  MS_CHECK_PHASE_LOGOUT,
  MS_CHECK_N_PHASES
} MsCheckPhase;

/**
 * MsSessionLimits:
 * @max_line: the longest line accepted, in bytes, without its CRLF
 * @max_lines: the most lines in one response
 * @max_total: the most bytes received in one session
 * @max_literal: the largest IMAP literal accepted
 *
 * Bounds on what a server may send (security invariant 4). Exceeding one is a
 * %MS_DIAGNOSIS_PROTOCOL_ERROR, never a crash or unbounded memory.
 */
typedef struct
{
  gsize max_line;
  guint max_lines;
  gsize max_total;
  gsize max_literal;
} MsSessionLimits;

#define MS_SESSION_MAX_LINE    (64 * 1024)
#define MS_SESSION_MAX_LINES   1000
#define MS_SESSION_MAX_TOTAL   (1024 * 1024)
#define MS_SESSION_MAX_LITERAL (64 * 1024)

typedef struct _MsSession MsSession;

MsSession      *ms_session_new (MsProtocol      protocol,
                                MsSecurity      security,
                                const char     *username,
                                const char     *password,
                                MsAuthMechanism mechanism);
void            ms_session_free (MsSession *self);
void            ms_session_set_limits (MsSession             *self,
                                       const MsSessionLimits *limits);
void            ms_session_set_helo_name (MsSession  *self,
                                          const char *helo_name);
void            ms_session_set_tls_active (MsSession *self,
                                           gboolean   tls_active);
void            ms_session_set_hold_before_auth (MsSession *self,
                                                 gboolean   hold);
gboolean        ms_session_is_holding (MsSession *self);
MsSessionAction ms_session_resume (MsSession *self,
                                   gboolean   authenticate);
MsTranscript   *ms_session_get_transcript (MsSession *self);

MsSessionAction ms_session_start (MsSession *self);
MsSessionAction ms_session_receive (MsSession    *self,
                                    const guint8 *data,
                                    gsize         length);
MsSessionAction ms_session_eof (MsSession *self);
MsSessionAction ms_session_tls_established (MsSession *self);
MsSessionAction ms_session_fail (MsSession  *self,
                                 MsDiagnosis diagnosis,
                                 const char *note);
GBytes         *ms_session_take_output (MsSession *self,
                                        gboolean  *out_sensitive);

MsCheckPhase    ms_session_get_phase (MsSession *self);
gboolean        ms_session_is_done (MsSession *self);
MsDiagnosis     ms_session_get_diagnosis (MsSession *self);
const char     *ms_session_get_server_text (MsSession *self);
GStrv           ms_session_dup_capabilities (MsSession *self);
GStrv           ms_session_dup_mechanisms (MsSession *self);
const char     *ms_session_get_auth_used (MsSession *self);
gboolean        ms_session_get_authenticated (MsSession *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsSession, ms_session_free)

G_END_DECLS
