/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MS_ERROR (ms_error_quark ())

/**
 * MsError:
 * @MS_ERROR_INVALID_ADDRESS: the e-mail address is malformed
 * @MS_ERROR_INVALID_SERVER: a server name, port, protocol or security setting is malformed
 * @MS_ERROR_INVALID_ACCOUNT: an account (or its file) is incomplete or malformed
 * @MS_ERROR_ACCOUNT_NOT_FOUND: no account with that id or file exists
 * @MS_ERROR_ACCOUNT_EXISTS: an account for that address exists already
 * @MS_ERROR_INVALID_AUTOCONFIG: an autoconfig file is malformed, hostile, over a limit or has
 *   no usable server
 *
 * Errors in the %MS_ERROR domain. Every message is translated and meant for the user.
 */
typedef enum
{
  MS_ERROR_INVALID_ADDRESS = 1,
  MS_ERROR_INVALID_SERVER = 2,
  MS_ERROR_INVALID_ACCOUNT = 3,
  MS_ERROR_ACCOUNT_NOT_FOUND = 4,
  MS_ERROR_ACCOUNT_EXISTS = 5,
  MS_ERROR_INVALID_AUTOCONFIG = 6,
} MsError;

GQuark ms_error_quark (void);

G_END_DECLS
