/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * MsDiagnosis:
 * @MS_DIAGNOSIS_OK: the check passed
 * @MS_DIAGNOSIS_DNS_NOT_FOUND: the server name does not resolve
 * @MS_DIAGNOSIS_CONNECTION_REFUSED: nothing listens on that port
 * @MS_DIAGNOSIS_TIMEOUT: the server did not answer in time
 * @MS_DIAGNOSIS_NETWORK_UNREACHABLE: no route to the server (offline, firewall)
 * @MS_DIAGNOSIS_TLS_HANDSHAKE_FAILED: the encrypted connection could not be set up
 * @MS_DIAGNOSIS_CERTIFICATE_UNTRUSTED: the certificate is not signed by a trusted authority
 * @MS_DIAGNOSIS_CERTIFICATE_HOSTNAME_MISMATCH: the certificate is for another server name
 * @MS_DIAGNOSIS_CERTIFICATE_EXPIRED: the certificate has expired
 * @MS_DIAGNOSIS_CERTIFICATE_NOT_YET_VALID: the certificate is not valid yet
 * @MS_DIAGNOSIS_STARTTLS_UNAVAILABLE: the server does not offer STARTTLS or refused it
 * @MS_DIAGNOSIS_STARTTLS_INJECTION: data was injected around the switch to TLS
 * @MS_DIAGNOSIS_AUTH_FAILED: the server rejected the user name or password
 * @MS_DIAGNOSIS_AUTH_MECHANISM_UNSUPPORTED: no login method we can use safely is offered
 * @MS_DIAGNOSIS_APP_PASSWORD_REQUIRED: the provider wants an app password
 * @MS_DIAGNOSIS_LOGIN_DISABLED: the server does not allow logging in (at all, or yet)
 * @MS_DIAGNOSIS_SERVER_UNAVAILABLE: the server closed the session (IMAP BYE, SMTP 421)
 * @MS_DIAGNOSIS_PROTOCOL_ERROR: the server's answers make no sense for the protocol
 * @MS_DIAGNOSIS_CANCELLED: the check was cancelled
 *
 * Why a check failed. Each value has a stable nick (used in `--json` output and logs), a
 * one-line explanation and a suggested fix.
 */
typedef enum
{
  MS_DIAGNOSIS_OK = 0,
  MS_DIAGNOSIS_DNS_NOT_FOUND = 1,
  MS_DIAGNOSIS_CONNECTION_REFUSED = 2,
  MS_DIAGNOSIS_TIMEOUT = 3,
  MS_DIAGNOSIS_NETWORK_UNREACHABLE = 4,
  MS_DIAGNOSIS_TLS_HANDSHAKE_FAILED = 5,
  MS_DIAGNOSIS_CERTIFICATE_UNTRUSTED = 6,
  MS_DIAGNOSIS_CERTIFICATE_HOSTNAME_MISMATCH = 7,
  MS_DIAGNOSIS_CERTIFICATE_EXPIRED = 8,
  MS_DIAGNOSIS_CERTIFICATE_NOT_YET_VALID = 9,
  MS_DIAGNOSIS_STARTTLS_UNAVAILABLE = 10,
  MS_DIAGNOSIS_STARTTLS_INJECTION = 11,
  MS_DIAGNOSIS_AUTH_FAILED = 12,
  MS_DIAGNOSIS_AUTH_MECHANISM_UNSUPPORTED = 13,
  MS_DIAGNOSIS_APP_PASSWORD_REQUIRED = 14,
  MS_DIAGNOSIS_LOGIN_DISABLED = 15,
  MS_DIAGNOSIS_SERVER_UNAVAILABLE = 16,
  MS_DIAGNOSIS_PROTOCOL_ERROR = 17,
  MS_DIAGNOSIS_CANCELLED = 18,
} MsDiagnosis;

const char *ms_diagnosis_to_nick (MsDiagnosis diagnosis);
gboolean    ms_diagnosis_from_nick (const char  *nick,
                                    MsDiagnosis *out_diagnosis);
const char *ms_diagnosis_get_explanation (MsDiagnosis diagnosis);
const char *ms_diagnosis_get_fix (MsDiagnosis diagnosis);

G_END_DECLS
