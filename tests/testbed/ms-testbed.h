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
 * loopback port, or on the protocol's standard port with #MsTestbedOptions.standard_ports.
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
 * With #MsTestbedOptions.user_domains the same users exist in those domains too (see
 * ms_testbed_get_domain_user()).
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
 * @MS_TESTBED_CERT_VALID: signed by the test CA for `localhost`, `127.0.0.1`,
 *   `mail.example.test` and #MsTestbedOptions.extra_names; the servers use this one
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

/**
 * MsTestbedOptions:
 * @standard_ports: listen on the standard ports (IMAP 143 and 993, POP3 110 and 995, SMTP
 *   submission 587 and 465) instead of free high ones. Those are taken on most machines: this
 *   is for a network namespace of the caller's own.
 * @extra_names: (nullable) (array zero-terminated=1): more DNS names for the valid
 *   certificate's subject alternative names (letters, digits, `-`, `.`, and `*.` in front)
 * @user_domains: (nullable) (array zero-terminated=1): more domains whose users log in with
 *   the same passwords as the ones of #MsTestbedUserKind (`alice@DOMAIN`, `bob`,
 *   `carol@DOMAIN`)
 *
 * What ms_testbed_start_full() does beyond ms_testbed_start(). Zero-initialise it and set what
 * you need.
 */
typedef struct
{
  gboolean standard_ports;
  const char *const *extra_names;
  const char *const *user_domains;
} MsTestbedOptions;

typedef struct _MsTestbed MsTestbed;

MsTestbed           *ms_testbed_start (MsTestbedFlags flags,
                                       GError       **error);
MsTestbed           *ms_testbed_start_full (MsTestbedFlags          flags,
                                            const MsTestbedOptions *options,
                                            GError                **error);
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
const MsTestbedUser *ms_testbed_get_domain_user (MsTestbed        *self,
                                                 MsTestbedUserKind kind,
                                                 const char       *domain);
const char *const   *ms_testbed_get_user_domains (MsTestbed *self);
const char *const   *ms_testbed_get_extra_names (MsTestbed *self);

const char          *ms_testbed_listener_protocol (MsTestbedListener listener);
gboolean             ms_testbed_listener_is_starttls (MsTestbedListener listener);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsTestbed, ms_testbed_stop)

G_END_DECLS
