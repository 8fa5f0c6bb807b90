/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * MsTestbedListener:
 * @MS_TESTBED_IMAP_STARTTLS: IMAP, plain text until `STARTTLS` (Dovecot)
 * @MS_TESTBED_IMAP_TLS: IMAP over implicit TLS (Dovecot)
 * @MS_TESTBED_POP3_STARTTLS: POP3, plain text until `STLS` (Dovecot)
 * @MS_TESTBED_POP3_TLS: POP3 over implicit TLS (Dovecot)
 * @MS_TESTBED_SMTP_STARTTLS: SMTP submission, `STARTTLS` required before `AUTH` (Postfix)
 * @MS_TESTBED_SMTP_TLS: SMTP submission over implicit TLS (Postfix)
 * @MS_TESTBED_N_LISTENERS: the number of listeners
 *
 * The servers a test-bed started with %MS_TESTBED_MAIL listens with, each on its own free
 * loopback port.
 */
typedef enum
{
  MS_TESTBED_IMAP_STARTTLS,
  MS_TESTBED_IMAP_TLS,
  MS_TESTBED_POP3_STARTTLS,
  MS_TESTBED_POP3_TLS,
  MS_TESTBED_SMTP_STARTTLS,
  MS_TESTBED_SMTP_TLS,
  MS_TESTBED_N_LISTENERS
} MsTestbedListener;

/**
 * MsTestbedUserKind:
 * @MS_TESTBED_USER_FULL_ADDRESS: logs in with the whole address (`alice@example.test`)
 * @MS_TESTBED_USER_LOCAL_PART: logs in with the local part only (`bob`)
 * @MS_TESTBED_USER_SPECIAL_PASSWORD: a password with quotes, a backslash, braces, a space and
 *   non-ASCII characters (`carol@example.test`)
 * @MS_TESTBED_N_USERS: the number of users
 *
 * The mail users every test-bed knows, both to Dovecot and, through Dovecot's SASL, to Postfix.
 */
typedef enum
{
  MS_TESTBED_USER_FULL_ADDRESS,
  MS_TESTBED_USER_LOCAL_PART,
  MS_TESTBED_USER_SPECIAL_PASSWORD,
  MS_TESTBED_N_USERS
} MsTestbedUserKind;

/**
 * MsTestbedUser:
 * @address: the e-mail address
 * @login: the user name the servers expect
 * @password: the password, UTF-8; throwaway test data
 */
typedef struct
{
  const char *address;
  const char *login;
  const char *password;
} MsTestbedUser;

/**
 * MsTestbedCert:
 * @MS_TESTBED_CERT_VALID: signed by the test CA for `localhost`, `127.0.0.1` and
 *   `mail.example.test`; the servers use this one
 * @MS_TESTBED_CERT_SELF_SIGNED: self-signed, for `localhost` and `127.0.0.1`
 * @MS_TESTBED_CERT_WRONG_HOST: signed by the test CA, only for `wrong.example.test`
 * @MS_TESTBED_CERT_EXPIRED: signed by the test CA, valid from 2020 to 2021 only
 * @MS_TESTBED_CERT_NOT_YET_VALID: signed by the test CA, valid from five years from now
 * @MS_TESTBED_N_CERTS: the number of certificates
 *
 * The server certificates every test-bed generates. All carry the serverAuth extended key
 * usage and subject alternative names.
 */
typedef enum
{
  MS_TESTBED_CERT_VALID,
  MS_TESTBED_CERT_SELF_SIGNED,
  MS_TESTBED_CERT_WRONG_HOST,
  MS_TESTBED_CERT_EXPIRED,
  MS_TESTBED_CERT_NOT_YET_VALID,
  MS_TESTBED_N_CERTS
} MsTestbedCert;

/**
 * MsTestbedFlags:
 * @MS_TESTBED_MAIL: run Dovecot (IMAP, POP3) and Postfix (submission); needs root
 * @MS_TESTBED_KEYRING: run a private D-Bus session bus with gnome-keyring's secret service on
 *   it, and point `DBUS_SESSION_BUS_ADDRESS` of the calling process at it
 *
 * What ms_testbed_start() starts besides the directory and the certificates, which every
 * test-bed has.
 */
typedef enum
{
  MS_TESTBED_MAIL = 1 << 0,
  MS_TESTBED_KEYRING = 1 << 1,
} MsTestbedFlags;

typedef struct _MsTestbed MsTestbed;

MsTestbed           *ms_testbed_start (MsTestbedFlags flags,
                                       GError       **error);
void                 ms_testbed_stop (MsTestbed *self);

const char          *ms_testbed_get_dir (MsTestbed *self);
const char          *ms_testbed_get_ca_file (MsTestbed *self);
const char          *ms_testbed_get_cert_file (MsTestbed    *self,
                                               MsTestbedCert cert);
const char          *ms_testbed_get_key_file (MsTestbed    *self,
                                              MsTestbedCert cert);
const char          *ms_testbed_get_host (MsTestbed *self);
const char          *ms_testbed_get_cert_host (MsTestbed    *self,
                                               MsTestbedCert cert);
const char          *ms_testbed_get_remote_host (MsTestbed *self);
guint16              ms_testbed_get_port (MsTestbed        *self,
                                          MsTestbedListener listener);
const MsTestbedUser *ms_testbed_get_user (MsTestbed        *self,
                                          MsTestbedUserKind kind);

const char          *ms_testbed_listener_protocol (MsTestbedListener listener);
gboolean             ms_testbed_listener_is_starttls (MsTestbedListener listener);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsTestbed, ms_testbed_stop)

G_END_DECLS
