/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mailsetup.h"
#include "ms-evolution-source.h"
#include "ms-evolution.h"
#include "ms-keyring.h"

G_BEGIN_DECLS

/* Shared by the Evolution and keyring tests: accounts, and the async calls run to completion on
 * the thread-default main context. */

#define TEST_ADDRESS  "alice@example.com"
#define TEST_NAME     "Alice Example"
#define TEST_PASSWORD "S3cret \"pässword\" {with} \\ spaces"

MsAccount      *test_make_account (const char *incoming_spec,
                                   const char *outgoing_spec);
GAsyncResult   *test_wait (GAsyncResult **result);
MsExportReport *test_export (MsAccount  *account,
                             const char *password,
                             gboolean    dry_run,
                             GError    **error);
gboolean        test_keyring_store (MsAccount      *account,
                                    MsServerConfig *server,
                                    const char     *password,
                                    GError        **error);
char           *test_keyring_lookup (MsAccount      *account,
                                     MsServerConfig *server,
                                     GError        **error);
gboolean        test_keyring_clear (MsAccount      *account,
                                    MsServerConfig *server,
                                    gboolean       *out_removed,
                                    GError        **error);
GStrv           test_list_dir (const char *path);
GKeyFile       *test_key_file_from_bytes (GBytes *bytes);
void            test_assert_no_password_in_report (MsExportReport *report,
                                                   const char     *password);

void            test_store_result (GObject      *object,
                                   GAsyncResult *result,
                                   gpointer      user_data);

G_END_DECLS
