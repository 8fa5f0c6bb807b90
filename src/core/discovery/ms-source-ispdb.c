/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-source-ispdb"

#include "config.h"

#include "ms-discovery-private.h"

/* Thunderbird's ISPDB serves the same documents as an ISP's own autoconfig, one per domain;
 * the discoverer puts context->ispdb_url + domain in the lookup. */
void
_ms_source_ispdb (MsDiscoveryContext *context,
                  MsLookup           *lookup,
                  GCancellable       *cancellable,
                  GAsyncReadyCallback callback,
                  gpointer            user_data)
{
  _ms_source_fetch_autoconfig (MS_DISCOVERY_SOURCE_ISPDB, context, lookup, cancellable,
                               callback, user_data);
}
