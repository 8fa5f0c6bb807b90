/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ms-address.h"
#include "ms-autoconfig.h"
#include "ms-error.h"

G_BEGIN_DECLS

/* Requested for MsError (ms-error.h): "the document is not a usable autoconfig file" —
 * malformed, hostile, over a limit, not UTF-8, or without usable servers. Until MsError has
 * it, it lives here with the value asked for; the macro then merely shadows the enumerator. */
#define MS_ERROR_INVALID_AUTOCONFIG ((MsError) 6)

MsAutoconfigServer *_ms_autoconfig_server_new (MsServerConfig *server_template,
                                               GArray         *auth);
char               *_ms_autoconfig_expand_address (const char      *template_text,
                                                   const MsAddress *address);
const char         *_ms_autoconfig_socket_type_from_security (MsSecurity security);
gboolean            _ms_autoconfig_security_from_socket_type (const char *socket_type,
                                                              MsSecurity *out_security);

G_END_DECLS
