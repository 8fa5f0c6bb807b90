/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ms-types.h"

G_BEGIN_DECLS

/**
 * MsProtocol:
 * @MS_PROTOCOL_IMAP: IMAP4rev1 (incoming)
 * @MS_PROTOCOL_POP3: POP3 (incoming)
 * @MS_PROTOCOL_SMTP: SMTP submission (outgoing)
 */
typedef enum
{
  MS_PROTOCOL_IMAP = 0,
  MS_PROTOCOL_POP3 = 1,
  MS_PROTOCOL_SMTP = 2,
} MsProtocol;

/**
 * MsSecurity:
 * @MS_SECURITY_TLS: TLS from the first byte ("SSL/TLS", RFC 8314 implicit TLS)
 * @MS_SECURITY_STARTTLS: plain connection upgraded with STARTTLS / STLS
 * @MS_SECURITY_NONE: no encryption; Mail Setup never sends a password over it
 */
typedef enum
{
  MS_SECURITY_TLS = 0,
  MS_SECURITY_STARTTLS = 1,
  MS_SECURITY_NONE = 2,
} MsSecurity;

/**
 * MsAuthMechanism:
 * @MS_AUTH_MECHANISM_AUTOMATIC: the best password mechanism the server offers
 * @MS_AUTH_MECHANISM_PLAIN: SASL PLAIN (or the protocol's plain login command)
 * @MS_AUTH_MECHANISM_LOGIN: SASL LOGIN
 * @MS_AUTH_MECHANISM_CRAM_MD5: SASL CRAM-MD5
 * @MS_AUTH_MECHANISM_OAUTH2: OAuth2 (the mail client signs in itself; no password)
 */
typedef enum
{
  MS_AUTH_MECHANISM_AUTOMATIC = 0, /*< nick=auto >*/
  MS_AUTH_MECHANISM_PLAIN = 1,
  MS_AUTH_MECHANISM_LOGIN = 2,
  MS_AUTH_MECHANISM_CRAM_MD5 = 3,
  MS_AUTH_MECHANISM_OAUTH2 = 4,
} MsAuthMechanism;

const char *ms_protocol_to_string (MsProtocol protocol);
gboolean    ms_protocol_from_string (const char *text,
                                     MsProtocol *out_protocol);
gboolean    ms_protocol_is_incoming (MsProtocol protocol);
const char *ms_security_to_string (MsSecurity security);
gboolean    ms_security_from_string (const char *text,
                                     MsSecurity *out_security);
guint16     ms_protocol_get_default_port (MsProtocol protocol,
                                          MsSecurity security);
const char *ms_auth_mechanism_to_string (MsAuthMechanism mechanism);
gboolean    ms_auth_mechanism_from_string (const char      *text,
                                           MsAuthMechanism *out_mechanism);

char       *ms_pin_normalize (const char *text,
                              GError    **error);

#define MS_TYPE_SERVER_CONFIG (ms_server_config_get_type ())

G_DECLARE_FINAL_TYPE (MsServerConfig, ms_server_config, MS, SERVER_CONFIG, GObject)

MsServerConfig *ms_server_config_new (MsProtocol  protocol,
                                      const char *host,
                                      guint16     port,
                                      MsSecurity  security);
MsServerConfig *ms_server_config_new_from_spec (const char *spec,
                                                GError    **error);
MsServerConfig *ms_server_config_copy (MsServerConfig *self);
gboolean        ms_server_config_equal (MsServerConfig *a,
                                        MsServerConfig *b);
char           *ms_server_config_to_spec (MsServerConfig *self);
gboolean        ms_server_config_validate (MsServerConfig *self,
                                           GError        **error);

MsProtocol      ms_server_config_get_protocol (MsServerConfig *self);
void            ms_server_config_set_protocol (MsServerConfig *self,
                                               MsProtocol      protocol);
const char     *ms_server_config_get_host (MsServerConfig *self);
void            ms_server_config_set_host (MsServerConfig *self,
                                           const char     *host);
guint16         ms_server_config_get_port (MsServerConfig *self);
void            ms_server_config_set_port (MsServerConfig *self,
                                           guint16         port);
MsSecurity      ms_server_config_get_security (MsServerConfig *self);
void            ms_server_config_set_security (MsServerConfig *self,
                                               MsSecurity      security);
const char     *ms_server_config_get_username (MsServerConfig *self);
void            ms_server_config_set_username (MsServerConfig *self,
                                               const char     *username);
MsAuthMechanism ms_server_config_get_auth_mechanism (MsServerConfig *self);
void            ms_server_config_set_auth_mechanism (MsServerConfig *self,
                                                     MsAuthMechanism mechanism);
const char     *ms_server_config_get_pin (MsServerConfig *self);
gboolean        ms_server_config_set_pin (MsServerConfig *self,
                                          const char     *pin,
                                          GError        **error);

G_END_DECLS
