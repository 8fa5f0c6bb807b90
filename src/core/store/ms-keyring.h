/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

#include "ms-types.h"

G_BEGIN_DECLS

const SecretSchema *ms_keyring_get_schema (void);
char               *ms_keyring_make_label (MsAccount      *account,
                                           MsServerConfig *server);

void                ms_keyring_store_async (MsAccount          *account,
                                            MsServerConfig     *server,
                                            const char         *password,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean            ms_keyring_store_finish (GAsyncResult *result,
                                             GError      **error);
void                ms_keyring_lookup_async (MsAccount          *account,
                                             MsServerConfig     *server,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
char               *ms_keyring_lookup_finish (GAsyncResult *result,
                                              GError      **error);
void                ms_keyring_clear_async (MsAccount          *account,
                                            MsServerConfig     *server,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean            ms_keyring_clear_finish (GAsyncResult *result,
                                             gboolean     *out_removed,
                                             GError      **error);

void                ms_keyring_store_item_async (const SecretSchema *schema,
                                                 GHashTable         *attributes,
                                                 const char         *label,
                                                 const char         *password,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
gboolean            ms_keyring_store_item_finish (GAsyncResult *result,
                                                  GError      **error);
void                ms_keyring_lookup_item_async (const SecretSchema *schema,
                                                  GHashTable         *attributes,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
char               *ms_keyring_lookup_item_finish (GAsyncResult *result,
                                                   GError      **error);
void                ms_keyring_clear_item_async (const SecretSchema *schema,
                                                 GHashTable         *attributes,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
gboolean            ms_keyring_clear_item_finish (GAsyncResult *result,
                                                  gboolean     *out_removed,
                                                  GError      **error);

G_END_DECLS
