/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ms-account.h"
#include "ms-export-report.h"
#include "ms-prefs-js.h"
#include "ms-thunderbird-profile.h"

G_BEGIN_DECLS

char           *ms_thunderbird_find_account (MsPrefsJs *prefs,
                                             MsAccount *account);
char           *ms_thunderbird_make_account_prefs (MsPrefsJs *prefs,
                                                   MsAccount *account,
                                                   char     **out_account_key,
                                                   GError   **error);
MsExportReport *ms_thunderbird_export (MsAccount  *account,
                                       const char *profile_path,
                                       gboolean    dry_run,
                                       char      **out_account_key,
                                       GError    **error);

G_END_DECLS
