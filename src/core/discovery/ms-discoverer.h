/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ms-credentials.h"
#include "ms-discovery.h"
#include "ms-prober.h"
#include "ms-provider-database.h"

G_BEGIN_DECLS

#define MS_DISCOVERER_DEFAULT_ISPDB_URL       "https://autoconfig.thunderbird.net/v1.1/"
#define MS_DISCOVERER_DEFAULT_GRACE_MS        1000
#define MS_DISCOVERER_DEFAULT_HTTP_TIMEOUT_MS 10000
#define MS_DISCOVERER_DEFAULT_TIMEOUT_MS      30000

typedef enum
{
  MS_DISCOVER_FLAGS_NONE = 0,
  MS_DISCOVER_FLAGS_NO_GUESS = 1 << 0,
  MS_DISCOVER_FLAGS_NO_HTTP = 1 << 1,
} MsDiscoverFlags;

typedef enum
{
  MS_VERIFY_FLAGS_NONE = 0,
  MS_VERIFY_FLAGS_ACCEPT_UNTRUSTED = 1 << 0,
} MsVerifyFlags;

#define MS_TYPE_DISCOVERER (ms_discoverer_get_type ())

G_DECLARE_FINAL_TYPE (MsDiscoverer, ms_discoverer, MS, DISCOVERER, GObject)

MsDiscoverer       *ms_discoverer_new (void);
MsProber           *ms_discoverer_get_prober (MsDiscoverer *self);
MsProviderDatabase *ms_discoverer_get_providers (MsDiscoverer *self);
void                ms_discoverer_set_providers (MsDiscoverer       *self,
                                                 MsProviderDatabase *providers);
GResolver          *ms_discoverer_get_resolver (MsDiscoverer *self);
void                ms_discoverer_set_resolver (MsDiscoverer *self,
                                                GResolver    *resolver);
GTlsDatabase       *ms_discoverer_get_tls_database (MsDiscoverer *self);
void                ms_discoverer_set_tls_database (MsDiscoverer *self,
                                                    GTlsDatabase *database);
const char         *ms_discoverer_get_ispdb_url (MsDiscoverer *self);
void                ms_discoverer_set_ispdb_url (MsDiscoverer *self,
                                                 const char   *url);
MsDiscoverFlags     ms_discoverer_get_flags (MsDiscoverer *self);
void                ms_discoverer_set_flags (MsDiscoverer   *self,
                                             MsDiscoverFlags flags);
guint               ms_discoverer_get_grace_ms (MsDiscoverer *self);
void                ms_discoverer_set_grace_ms (MsDiscoverer *self,
                                                guint         milliseconds);
guint               ms_discoverer_get_http_timeout_ms (MsDiscoverer *self);
void                ms_discoverer_set_http_timeout_ms (MsDiscoverer *self,
                                                       guint         milliseconds);
guint               ms_discoverer_get_timeout_ms (MsDiscoverer *self);
void                ms_discoverer_set_timeout_ms (MsDiscoverer *self,
                                                  guint         milliseconds);

void                ms_discoverer_discover_async (MsDiscoverer       *self,
                                                  const char         *address,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
MsDiscovery        *ms_discoverer_discover_finish (MsDiscoverer *self,
                                                   GAsyncResult *result,
                                                   GError      **error);

void                ms_discoverer_discover_and_verify_async (MsDiscoverer       *self,
                                                             const char         *address,
                                                             MsCredentials      *credentials,
                                                             MsVerifyFlags       flags,
                                                             GCancellable       *cancellable,
                                                             GAsyncReadyCallback callback,
                                                             gpointer            user_data);
MsDiscovery        *ms_discoverer_discover_and_verify_finish (MsDiscoverer *self,
                                                              GAsyncResult *result,
                                                              GError      **error);

void                ms_discoverer_verify_async (MsDiscoverer       *self,
                                                MsDiscovery        *discovery,
                                                MsCredentials      *credentials,
                                                MsVerifyFlags       flags,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
gboolean            ms_discoverer_verify_finish (MsDiscoverer *self,
                                                 GAsyncResult *result,
                                                 GError      **error);

G_END_DECLS
