/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-diagnosis"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-diagnosis.h"

#include "ms-enum-types.h"

/* The explanation says what happened in words a person who does not know mail protocols
 * understands; the fix says what that person can do about it. The caller adds *which* server
 * it was. */
static const struct
{
  MsDiagnosis diagnosis;
  const char *explanation;
  const char *fix;
} texts[] = {
  { MS_DIAGNOSIS_OK,
    N_("The server works."),
    N_("Nothing to do.") },
  { MS_DIAGNOSIS_DNS_NOT_FOUND,
    N_("The server name does not exist."),
    N_("Check the spelling of the server name, or ask your provider for the right one.") },
  { MS_DIAGNOSIS_CONNECTION_REFUSED,
    N_("The server refused the connection on this port."),
    N_("Check the port number and the encryption setting; the server may not offer this "
       "service.") },
  { MS_DIAGNOSIS_TIMEOUT,
    N_("The server did not answer in time."),
    N_("Check your internet connection and the port; a firewall may be blocking it. Try "
       "again later if the server is busy.") },
  { MS_DIAGNOSIS_NETWORK_UNREACHABLE,
    N_("The server cannot be reached from this network."),
    N_("Check that you are connected to the internet, or try another network.") },
  { MS_DIAGNOSIS_TLS_HANDSHAKE_FAILED,
    N_("An encrypted connection to the server could not be set up."),
    N_("Check the encryption setting and the port: SSL/TLS and STARTTLS use different "
       "ports.") },
  { MS_DIAGNOSIS_CERTIFICATE_UNTRUSTED,
    N_("The server’s certificate is not signed by an authority this computer trusts."),
    N_("Only continue if you know this server: compare the certificate’s fingerprint with "
       "the one your provider publishes, then trust that exact certificate.") },
  { MS_DIAGNOSIS_CERTIFICATE_HOSTNAME_MISMATCH,
    N_("The server’s certificate belongs to a different server name."),
    N_("Use the server name the certificate was issued for; your provider’s help pages name "
       "it.") },
  { MS_DIAGNOSIS_CERTIFICATE_EXPIRED,
    N_("The server’s certificate has expired."),
    N_("Check that this computer’s date and time are right; if they are, tell your "
       "provider that their certificate has expired.") },
  { MS_DIAGNOSIS_CERTIFICATE_NOT_YET_VALID,
    N_("The server’s certificate is not valid yet."),
    N_("Check that this computer’s date and time are right.") },
  { MS_DIAGNOSIS_STARTTLS_UNAVAILABLE,
    N_("The server does not offer encryption (STARTTLS) on this port."),
    N_("Use the SSL/TLS port instead (993 for IMAP, 995 for POP3, 465 for SMTP). Your "
       "password is never sent unencrypted.") },
  { MS_DIAGNOSIS_STARTTLS_INJECTION,
    N_("Someone on the network tampered with the connection while it switched to "
       "encryption."),
    N_("Do not use this network for mail; try another network, or use the SSL/TLS port.") },
  { MS_DIAGNOSIS_AUTH_FAILED,
    N_("The server rejected the user name or password."),
    N_("Check the password and the user name; some providers want the full e-mail address "
       "as the user name.") },
  { MS_DIAGNOSIS_AUTH_MECHANISM_UNSUPPORTED,
    N_("The server offers no login method that Mail Setup can use safely."),
    N_("Ask your provider whether the account needs a special sign-in method such as "
       "OAuth2.") },
  { MS_DIAGNOSIS_APP_PASSWORD_REQUIRED,
    N_("Your provider does not accept your normal password for mail programs."),
    N_("Create an app password in your provider’s account settings and use it instead.") },
  { MS_DIAGNOSIS_LOGIN_DISABLED,
    N_("The server does not allow logging in here."),
    N_("Enable IMAP or POP access in your provider’s web settings, or use the SSL/TLS "
       "port.") },
  { MS_DIAGNOSIS_SERVER_UNAVAILABLE,
    N_("The server is not available right now."),
    N_("Try again later; if it goes on, ask your provider.") },
  { MS_DIAGNOSIS_PROTOCOL_ERROR,
    N_("The server answered in a way that does not fit the protocol."),
    N_("Check that the port belongs to the right kind of server (IMAP, POP3 or SMTP).") },
  { MS_DIAGNOSIS_CANCELLED,
    N_("The check was cancelled."),
    N_("Run the check again when you are ready.") },
};

G_STATIC_ASSERT (G_N_ELEMENTS (texts) == MS_DIAGNOSIS_CANCELLED + 1);

/**
 * ms_diagnosis_to_nick:
 * @diagnosis: a #MsDiagnosis
 *
 * Returns: the stable name of @diagnosis, such as `auth-failed`; used in `--json` output
 */
const char *
ms_diagnosis_to_nick (MsDiagnosis diagnosis)
{
  GEnumClass *klass = g_type_class_ref (MS_TYPE_DIAGNOSIS);
  GEnumValue *value = g_enum_get_value (klass, diagnosis);

  g_type_class_unref (klass);
  g_return_val_if_fail (value != NULL, NULL);

  return value->value_nick;
}

/**
 * ms_diagnosis_from_nick:
 * @nick: a nick such as `timeout`
 * @out_diagnosis: (out): where to store the diagnosis
 *
 * Returns: whether @nick names a diagnosis
 */
gboolean
ms_diagnosis_from_nick (const char  *nick,
                        MsDiagnosis *out_diagnosis)
{
  GEnumClass *klass;
  GEnumValue *value;

  g_return_val_if_fail (nick != NULL, FALSE);
  g_return_val_if_fail (out_diagnosis != NULL, FALSE);

  klass = g_type_class_ref (MS_TYPE_DIAGNOSIS);
  value = g_enum_get_value_by_nick (klass, nick);
  if (value != NULL)
    *out_diagnosis = (MsDiagnosis) value->value;
  g_type_class_unref (klass);

  return value != NULL;
}

/**
 * ms_diagnosis_get_explanation:
 * @diagnosis: a #MsDiagnosis
 *
 * Returns: a translated sentence that says what went wrong
 */
const char *
ms_diagnosis_get_explanation (MsDiagnosis diagnosis)
{
  g_return_val_if_fail ((guint) diagnosis < G_N_ELEMENTS (texts), NULL);
  g_assert (texts[diagnosis].diagnosis == diagnosis);

  return _(texts[diagnosis].explanation);
}

/**
 * ms_diagnosis_get_fix:
 * @diagnosis: a #MsDiagnosis
 *
 * Returns: a translated sentence that says what the user can do about it
 */
const char *
ms_diagnosis_get_fix (MsDiagnosis diagnosis)
{
  g_return_val_if_fail ((guint) diagnosis < G_N_ELEMENTS (texts), NULL);
  g_assert (texts[diagnosis].diagnosis == diagnosis);

  return _(texts[diagnosis].fix);
}
