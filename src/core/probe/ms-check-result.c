/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-check-result"

#include "config.h"

#include "ms-check-result-private.h"

/* The outcome of one MsProber check: built by the prober, read-only for everybody else. */

G_DEFINE_FINAL_TYPE (MsCheckResult, ms_check_result, G_TYPE_OBJECT)

static const char *const empty_strv[] = { NULL };

static void
ms_check_result_finalize (GObject *object)
{
  MsCheckResult *self = (MsCheckResult *) object;

  g_clear_object (&self->server);
  g_clear_pointer (&self->server_text, g_free);
  g_clear_pointer (&self->capabilities, g_strfreev);
  g_clear_pointer (&self->auth_mechanisms, g_strfreev);
  g_clear_pointer (&self->auth_used, g_free);
  g_clear_pointer (&self->username_used, g_free);
  g_clear_pointer (&self->tls_version, g_free);
  g_clear_pointer (&self->tls_cipher, g_free);
  g_clear_pointer (&self->certificate, ms_certificate_info_free);
  g_clear_pointer (&self->transcript, g_strfreev);

  G_OBJECT_CLASS (ms_check_result_parent_class)->finalize (object);
}

static void
ms_check_result_class_init (MsCheckResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ms_check_result_finalize;
}

static void
ms_check_result_init (MsCheckResult *self)
{
}

MsCheckResult *
_ms_check_result_new (MsServerConfig *server)
{
  MsCheckResult *self = g_object_new (MS_TYPE_CHECK_RESULT, NULL);

  self->server = ms_server_config_copy (server);
  return self;
}

/* For what is known beyond the dialogue: a provider that needs app passwords. */
void
_ms_check_result_set_diagnosis (MsCheckResult *self,
                                MsDiagnosis    diagnosis)
{
  g_return_if_fail (MS_IS_CHECK_RESULT (self));

  self->diagnosis = diagnosis;
}

/**
 * ms_check_result_get_server:
 * @self: a result
 *
 * Returns: (transfer none): the server that was checked
 */
MsServerConfig *
ms_check_result_get_server (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return self->server;
}

gboolean
ms_check_result_get_ok (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), FALSE);
  return self->diagnosis == MS_DIAGNOSIS_OK;
}

MsDiagnosis
ms_check_result_get_diagnosis (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), MS_DIAGNOSIS_PROTOCOL_ERROR);
  return self->diagnosis;
}

/**
 * ms_check_result_get_message:
 * @self: a result
 *
 * Returns: a translated sentence saying what happened
 */
const char *
ms_check_result_get_message (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return ms_diagnosis_get_explanation (self->diagnosis);
}

/**
 * ms_check_result_get_fix:
 * @self: a result
 *
 * Returns: a translated sentence saying what to do
 */
const char *
ms_check_result_get_fix (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return ms_diagnosis_get_fix (self->diagnosis);
}

/**
 * ms_check_result_get_server_text:
 * @self: a result
 *
 * Returns: (nullable): the server's own words about the outcome, to be shown quoted as the
 *   server's
 */
const char *
ms_check_result_get_server_text (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return self->server_text;
}

const char *const *
ms_check_result_get_capabilities (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return self->capabilities ? (const char *const *) self->capabilities : empty_strv;
}

const char *const *
ms_check_result_get_auth_mechanisms (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return self->auth_mechanisms ? (const char *const *) self->auth_mechanisms : empty_strv;
}

/**
 * ms_check_result_get_auth_used:
 * @self: a result
 *
 * Returns: (nullable): the login method that was used, see ms_session_get_auth_used()
 */
const char *
ms_check_result_get_auth_used (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return self->auth_used;
}

/**
 * ms_check_result_get_username_used:
 * @self: a result
 *
 * Returns: (nullable): the user name of the last login attempt; after a failure with the
 *   configured one, the other form (full address or local part) that was tried
 */
const char *
ms_check_result_get_username_used (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return self->username_used;
}

/**
 * ms_check_result_get_tls_version:
 * @self: a result
 *
 * Returns: (nullable): "TLS 1.3", "TLS 1.2" …, or %NULL when no TLS was established
 */
const char *
ms_check_result_get_tls_version (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return self->tls_version;
}

const char *
ms_check_result_get_tls_cipher (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return self->tls_cipher;
}

/**
 * ms_check_result_get_certificate:
 * @self: a result
 *
 * Returns: (nullable): the server's certificate, also (especially) when it was refused
 */
const MsCertificateInfo *
ms_check_result_get_certificate (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return self->certificate;
}

gint64
ms_check_result_get_phase_ms (MsCheckResult *self,
                              MsCheckPhase   phase)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), 0);
  g_return_val_if_fail (phase < MS_CHECK_N_PHASES, 0);
  return self->phase_ms[phase];
}

gint64
ms_check_result_get_elapsed_ms (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), 0);
  return self->elapsed_ms;
}

/**
 * ms_check_result_get_transcript:
 * @self: a result
 *
 * Returns: (transfer none): the dialogue, every credential replaced by "<redacted>"
 */
const char *const *
ms_check_result_get_transcript (MsCheckResult *self)
{
  g_return_val_if_fail (MS_IS_CHECK_RESULT (self), NULL);
  return self->transcript ? (const char *const *) self->transcript : empty_strv;
}
