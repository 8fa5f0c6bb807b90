/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ms-check-result.h"
#include "ms-server-config.h"

G_BEGIN_DECLS

/**
 * MsDiscoverySource:
 *
 * Where a candidate came from, best first: the ranking prefers a better source when
 * protocol, trust and security are equal (DESIGN.md, Discovery).
 */
typedef enum
{
  MS_DISCOVERY_SOURCE_PROVIDER_DB = 0, /*< nick=provider-db >*/
  MS_DISCOVERY_SOURCE_AUTOCONFIG = 1,
  MS_DISCOVERY_SOURCE_ISPDB = 2,
  MS_DISCOVERY_SOURCE_SRV = 3,
  MS_DISCOVERY_SOURCE_MX = 4,
  MS_DISCOVERY_SOURCE_GUESS = 5,
} MsDiscoverySource;

/**
 * MsProbeState:
 *
 * How far the connection probe (TLS + capabilities, no credentials) of a candidate got.
 */
typedef enum
{
  MS_PROBE_STATE_PENDING = 0,
  MS_PROBE_STATE_RUNNING = 1,
  MS_PROBE_STATE_FINISHED = 2,
  /* Not needed any more: the choice was made before it finished. */
  MS_PROBE_STATE_ABANDONED = 3,
} MsProbeState;

const char *ms_discovery_source_to_string (MsDiscoverySource source);

#define MS_TYPE_CANDIDATE (ms_candidate_get_type ())

G_DECLARE_FINAL_TYPE (MsCandidate, ms_candidate, MS, CANDIDATE, GObject)

MsServerConfig   *ms_candidate_get_server (MsCandidate *self);
MsDiscoverySource ms_candidate_get_source (MsCandidate *self);
gboolean          ms_candidate_get_trusted (MsCandidate *self);
const char       *ms_candidate_get_untrusted_reason (MsCandidate *self);
guint16           ms_candidate_get_srv_priority (MsCandidate *self);
guint16           ms_candidate_get_srv_weight (MsCandidate *self);
MsProbeState      ms_candidate_get_probe_state (MsCandidate *self);
MsCheckResult    *ms_candidate_get_probe (MsCandidate *self);
gboolean          ms_candidate_get_usable (MsCandidate *self);
int               ms_candidate_compare (MsCandidate *a,
                                        MsCandidate *b);

G_END_DECLS
