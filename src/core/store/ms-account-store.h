/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ms-account.h"
#include "ms-types.h"

G_BEGIN_DECLS

#define MS_TYPE_ACCOUNT_STORE (ms_account_store_get_type ())

G_DECLARE_FINAL_TYPE (MsAccountStore, ms_account_store, MS, ACCOUNT_STORE, GObject)

MsAccountStore *ms_account_store_new (const char *directory);
const char     *ms_account_store_get_directory (MsAccountStore *self);
char           *ms_account_store_get_path (MsAccountStore *self,
                                           const char     *id);
GPtrArray      *ms_account_store_list (MsAccountStore *self,
                                       GPtrArray     **out_problems,
                                       GError        **error);
MsAccount      *ms_account_store_lookup (MsAccountStore *self,
                                         const char     *id_or_path,
                                         GError        **error);
MsAccount      *ms_account_store_find_by_address (MsAccountStore *self,
                                                  const char     *address,
                                                  GError        **error);
gboolean        ms_account_store_add (MsAccountStore *self,
                                      MsAccount      *account,
                                      GError        **error);
gboolean        ms_account_store_save (MsAccountStore *self,
                                       MsAccount      *account,
                                       GError        **error);
gboolean        ms_account_store_remove (MsAccountStore *self,
                                         const char     *id,
                                         GError        **error);

G_END_DECLS
