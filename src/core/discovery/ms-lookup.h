/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ms-autoconfig.h"
#include "ms-candidate.h"

G_BEGIN_DECLS

/**
 * MsLookupState:
 *
 * A lookup is one question asked of one source: an HTTP request, a DNS query, the provider
 * database, or the list of guessed names.
 */
typedef enum
{
  MS_LOOKUP_STATE_RUNNING = 0,
  MS_LOOKUP_STATE_FINISHED = 1,
  /* Not needed any more: the choice was made before it answered. */
  MS_LOOKUP_STATE_ABANDONED = 2,
} MsLookupState;

const char *ms_lookup_state_to_string (MsLookupState state);

#define MS_TYPE_LOOKUP (ms_lookup_get_type ())

G_DECLARE_FINAL_TYPE (MsLookup, ms_lookup, MS, LOOKUP, GObject)

const char       *ms_lookup_get_name (MsLookup *self);
MsDiscoverySource ms_lookup_get_source (MsLookup *self);
const char       *ms_lookup_get_url_or_query (MsLookup *self);
MsLookupState     ms_lookup_get_state (MsLookup *self);
gboolean          ms_lookup_get_ok (MsLookup *self);
gboolean          ms_lookup_get_trusted (MsLookup *self);
const char       *ms_lookup_get_error (MsLookup *self);
gint64            ms_lookup_get_elapsed_ms (MsLookup *self);
guint             ms_lookup_get_n_candidates (MsLookup *self);
gboolean          ms_lookup_get_service_absent (MsLookup *self);
MsAutoconfig     *ms_lookup_get_autoconfig (MsLookup *self);

G_END_DECLS
