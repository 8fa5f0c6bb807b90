/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ms-server-config.h"

G_BEGIN_DECLS

/**
 * MS_AUTOCONFIG_NAMESPACE:
 *
 * The XML namespace of Mail Setup's own elements in autoconfig files (provider hints that
 * Thunderbird does not know and ignores): `appPassword`, `enableImap`, `oauth2Only`, `note`.
 */
#define MS_AUTOCONFIG_NAMESPACE "https://example.org/mail-setup/1"

/* Hard limits for untrusted input. Real files are a few KiB, at most 5 levels deep and have
 * a few hundred elements (hotmail.com lists over 100 domains). */
#define MS_AUTOCONFIG_MAX_SIZE         (1024 * 1024)
#define MS_AUTOCONFIG_MAX_DEPTH        32
#define MS_AUTOCONFIG_MAX_ELEMENTS     10000
#define MS_AUTOCONFIG_MAX_ATTRIBUTES   32
#define MS_AUTOCONFIG_MAX_VALUE_LENGTH 4096

/**
 * MsAutoconfigAuth:
 * @MS_AUTOCONFIG_AUTH_PASSWORD_CLEARTEXT: `password-cleartext` (also the old `plain`): the
 *   password as is (PLAIN, LOGIN, the protocol's login command), inside TLS
 * @MS_AUTOCONFIG_AUTH_PASSWORD_ENCRYPTED: `password-encrypted` (also the old `secure`):
 *   CRAM-MD5
 * @MS_AUTOCONFIG_AUTH_OAUTH2: `OAuth2`: the mail client signs in through the provider's web page
 * @MS_AUTOCONFIG_AUTH_CLIENT_IP_ADDRESS: `client-IP-address` (also `smtp-after-pop`): no login;
 *   the server trusts the network
 * @MS_AUTOCONFIG_AUTH_NONE: `none`: no login at all
 * @MS_AUTOCONFIG_AUTH_GSSAPI: `GSSAPI` (Kerberos)
 * @MS_AUTOCONFIG_AUTH_NTLM: `NTLM`
 * @MS_AUTOCONFIG_AUTH_TLS_CLIENT_CERT: `TLS-client-cert`
 *
 * The values of `<authentication>`, spelled exactly as Thunderbird reads them.
 */
typedef enum
{
  MS_AUTOCONFIG_AUTH_PASSWORD_CLEARTEXT = 0,
  MS_AUTOCONFIG_AUTH_PASSWORD_ENCRYPTED = 1,
  MS_AUTOCONFIG_AUTH_OAUTH2 = 2,
  MS_AUTOCONFIG_AUTH_CLIENT_IP_ADDRESS = 3,
  MS_AUTOCONFIG_AUTH_NONE = 4,
  MS_AUTOCONFIG_AUTH_GSSAPI = 5,
  MS_AUTOCONFIG_AUTH_NTLM = 6,
  MS_AUTOCONFIG_AUTH_TLS_CLIENT_CERT = 7,
} MsAutoconfigAuth;

const char *ms_autoconfig_auth_to_string (MsAutoconfigAuth auth);
gboolean    ms_autoconfig_auth_from_string (const char       *text,
                                            MsAutoconfigAuth *out_auth);
gboolean    ms_autoconfig_auth_to_mechanism (MsAutoconfigAuth auth,
                                             MsAuthMechanism *out_mechanism);

char       *ms_autoconfig_expand (const char *template_text,
                                  const char *address,
                                  GError    **error);

/**
 * MsAutoconfigServer:
 *
 * One `<incomingServer>` or `<outgoingServer>`: an immutable, reference-counted template.
 */
#define MS_TYPE_AUTOCONFIG_SERVER (ms_autoconfig_server_get_type ())

typedef struct _MsAutoconfigServer MsAutoconfigServer;

GType                   ms_autoconfig_server_get_type (void) G_GNUC_CONST;
MsAutoconfigServer     *ms_autoconfig_server_ref (MsAutoconfigServer *self);
void                    ms_autoconfig_server_unref (MsAutoconfigServer *self);
MsServerConfig         *ms_autoconfig_server_get_template (MsAutoconfigServer *self);
const MsAutoconfigAuth *ms_autoconfig_server_get_auth (MsAutoconfigServer *self,
                                                       guint              *n_auth);
gboolean                ms_autoconfig_server_offers (MsAutoconfigServer *self,
                                                     MsAutoconfigAuth    auth);
MsServerConfig         *ms_autoconfig_server_expand (MsAutoconfigServer *self,
                                                     const char         *address,
                                                     GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsAutoconfigServer, ms_autoconfig_server_unref)

#define MS_TYPE_AUTOCONFIG (ms_autoconfig_get_type ())

G_DECLARE_FINAL_TYPE (MsAutoconfig, ms_autoconfig, MS, AUTOCONFIG, GObject)

MsAutoconfig       *ms_autoconfig_new_from_bytes (GBytes  *bytes,
                                                  GError **error);
MsAutoconfig       *ms_autoconfig_new_from_file (GFile        *file,
                                                 GCancellable *cancellable,
                                                 GError      **error);

const char         *ms_autoconfig_get_id (MsAutoconfig *self);
const char *const  *ms_autoconfig_get_domains (MsAutoconfig *self);
gboolean            ms_autoconfig_has_domain (MsAutoconfig *self,
                                              const char   *domain);
const char         *ms_autoconfig_get_display_name (MsAutoconfig *self);
const char         *ms_autoconfig_get_display_short_name (MsAutoconfig *self);
GPtrArray          *ms_autoconfig_get_incoming (MsAutoconfig *self);
GPtrArray          *ms_autoconfig_get_outgoing (MsAutoconfig *self);

guint               ms_autoconfig_get_n_documentation (MsAutoconfig *self);
const char         *ms_autoconfig_get_documentation_url (MsAutoconfig *self,
                                                         guint         index);
const char         *ms_autoconfig_get_documentation_description (MsAutoconfig *self,
                                                                 guint         index);
const char         *ms_autoconfig_get_enable_url (MsAutoconfig *self);
const char         *ms_autoconfig_get_enable_instruction (MsAutoconfig *self);

gboolean            ms_autoconfig_get_app_password_required (MsAutoconfig *self);
const char         *ms_autoconfig_get_app_password_url (MsAutoconfig *self);
gboolean            ms_autoconfig_get_enable_imap_required (MsAutoconfig *self);
const char         *ms_autoconfig_get_enable_imap_url (MsAutoconfig *self);
gboolean            ms_autoconfig_get_oauth2_only (MsAutoconfig *self);
const char         *ms_autoconfig_get_note (MsAutoconfig *self);

G_END_DECLS
