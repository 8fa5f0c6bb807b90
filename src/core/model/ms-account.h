/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ms-server-config.h"
#include "ms-types.h"

G_BEGIN_DECLS

#define MS_TYPE_ACCOUNT (ms_account_get_type ())

G_DECLARE_FINAL_TYPE (MsAccount, ms_account, MS, ACCOUNT, GObject)

MsAccount      *ms_account_new (const char     *display_name,
                                const char     *address,
                                MsServerConfig *incoming,
                                MsServerConfig *outgoing);
MsAccount      *ms_account_new_from_key_file (GKeyFile *key_file,
                                              GError  **error);
GKeyFile       *ms_account_to_key_file (MsAccount *self);
gboolean        ms_account_validate (MsAccount *self,
                                     GError   **error);
char           *ms_account_make_id (const char *address);
gboolean        ms_account_id_is_valid (const char *id);

const char     *ms_account_get_id (MsAccount *self);
void            ms_account_set_id (MsAccount  *self,
                                   const char *id);
const char     *ms_account_get_display_name (MsAccount *self);
void            ms_account_set_display_name (MsAccount  *self,
                                             const char *display_name);
const char     *ms_account_get_address (MsAccount *self);
void            ms_account_set_address (MsAccount  *self,
                                        const char *address);
MsServerConfig *ms_account_get_incoming (MsAccount *self);
void            ms_account_set_incoming (MsAccount      *self,
                                         MsServerConfig *incoming);
MsServerConfig *ms_account_get_outgoing (MsAccount *self);
void            ms_account_set_outgoing (MsAccount      *self,
                                         MsServerConfig *outgoing);

G_END_DECLS
