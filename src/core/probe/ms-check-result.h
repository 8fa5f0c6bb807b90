/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ms-certificate-info.h"
#include "ms-diagnosis.h"
#include "ms-server-config.h"
#include "ms-session.h"

G_BEGIN_DECLS

#define MS_TYPE_CHECK_RESULT (ms_check_result_get_type ())

G_DECLARE_FINAL_TYPE (MsCheckResult, ms_check_result, MS, CHECK_RESULT, GObject)

MsServerConfig          *ms_check_result_get_server (MsCheckResult *self);
gboolean                 ms_check_result_get_ok (MsCheckResult *self);
MsDiagnosis              ms_check_result_get_diagnosis (MsCheckResult *self);
const char              *ms_check_result_get_message (MsCheckResult *self);
const char              *ms_check_result_get_fix (MsCheckResult *self);
const char              *ms_check_result_get_server_text (MsCheckResult *self);
const char *const       *ms_check_result_get_capabilities (MsCheckResult *self);
const char *const       *ms_check_result_get_auth_mechanisms (MsCheckResult *self);
const char              *ms_check_result_get_auth_used (MsCheckResult *self);
const char              *ms_check_result_get_username_used (MsCheckResult *self);
const char              *ms_check_result_get_tls_version (MsCheckResult *self);
const char              *ms_check_result_get_tls_cipher (MsCheckResult *self);
const MsCertificateInfo *ms_check_result_get_certificate (MsCheckResult *self);
gint64                   ms_check_result_get_phase_ms (MsCheckResult *self,
                                                       MsCheckPhase   phase);
gint64                   ms_check_result_get_elapsed_ms (MsCheckResult *self);
const char *const       *ms_check_result_get_transcript (MsCheckResult *self);

G_END_DECLS
