/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ms-autoconfig.h"

G_BEGIN_DECLS

#define MS_TYPE_PROVIDER_DATABASE (ms_provider_database_get_type ())

G_DECLARE_FINAL_TYPE (MsProviderDatabase, ms_provider_database, MS, PROVIDER_DATABASE, GObject)

MsProviderDatabase *ms_provider_database_new (void);
MsProviderDatabase *ms_provider_database_new_default (GError **error);
gboolean            ms_provider_database_add_directory (MsProviderDatabase *self,
                                                        GFile              *directory,
                                                        GError            **error);
MsAutoconfig       *ms_provider_database_lookup (MsProviderDatabase *self,
                                                 const char         *domain);
guint               ms_provider_database_get_n_providers (MsProviderDatabase *self);
const char         *ms_provider_database_get_default_directory (void);

G_END_DECLS
