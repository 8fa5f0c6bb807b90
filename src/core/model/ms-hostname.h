/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * MsHostnameFlags:
 * @MS_HOSTNAME_NONE: any host name or IP address a server can have
 * @MS_HOSTNAME_MAIL_DOMAIN: the domain of an e-mail address: a name with at least one dot,
 *   no IP address
 */
typedef enum
{
  MS_HOSTNAME_NONE = 0,
  MS_HOSTNAME_MAIL_DOMAIN = 1 << 0,
} MsHostnameFlags;

char *ms_hostname_normalize (const char     *name,
                             MsHostnameFlags flags,
                             GError        **error);

G_END_DECLS
