/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define MS_TYPE_CREDENTIALS (ms_credentials_get_type ())

typedef struct _MsCredentials MsCredentials;

GType          ms_credentials_get_type (void) G_GNUC_CONST;
MsCredentials *ms_credentials_new (const char *username,
                                   const char *password);
MsCredentials *ms_credentials_new_for_address (const char *address,
                                               const char *username,
                                               const char *password);
MsCredentials *ms_credentials_ref (MsCredentials *self);
void           ms_credentials_unref (MsCredentials *self);
const char    *ms_credentials_get_username (MsCredentials *self);
const char    *ms_credentials_get_password (MsCredentials *self);
const char    *ms_credentials_get_address (MsCredentials *self);
char          *ms_credentials_dup_alternate_username (MsCredentials *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsCredentials, ms_credentials_unref)

G_END_DECLS
