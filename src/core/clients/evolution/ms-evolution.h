/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

#include "ms-export-report.h"
#include "ms-types.h"

G_BEGIN_DECLS

const SecretSchema *ms_evolution_get_secret_schema (void);
char               *ms_evolution_get_sources_dir (void);

void                ms_evolution_export_async (MsAccount          *account,
                                               const char         *password,
                                               gboolean            dry_run,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
MsExportReport     *ms_evolution_export_finish (GAsyncResult *result,
                                                GError      **error);

G_END_DECLS
