/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "ms-account.h"
#include "ms-export-report.h"

G_BEGIN_DECLS

/**
 * MS_AUTOCONFIG_FILE_NAME:
 *
 * The name under which a domain publishes its autoconfig file:
 * `https://autoconfig.DOMAIN/mail/config-v1.1.xml` or
 * `https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml`.
 */
#define MS_AUTOCONFIG_FILE_NAME "config-v1.1.xml"

GBytes         *ms_autoconfig_write (MsAccount *account,
                                     GError   **error);
MsExportReport *ms_autoconfig_export (MsAccount  *account,
                                      const char *path,
                                      gboolean    dry_run,
                                      GError    **error);

G_END_DECLS
