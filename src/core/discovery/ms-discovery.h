/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ms-autoconfig.h"
#include "ms-candidate.h"
#include "ms-check-result.h"
#include "ms-lookup.h"

G_BEGIN_DECLS

typedef enum
{
  MS_DIRECTION_INCOMING = 0,
  MS_DIRECTION_OUTGOING = 1,
} MsDirection;

/**
 * MsVerifyOutcome:
 *
 * What logging in with the password to the chosen server of one direction gave.
 */
typedef enum
{
  MS_VERIFY_OUTCOME_NOT_RUN = 0,
  MS_VERIFY_OUTCOME_OK = 1,
  /* The server rejected the login (or the candidates all failed): see the check result. */
  MS_VERIFY_OUTCOME_FAILED = 2,
  /* The best candidate is untrusted and the caller did not accept untrusted servers. */
  MS_VERIFY_OUTCOME_NEEDS_CONFIRMATION = 3,
  MS_VERIFY_OUTCOME_NO_CANDIDATE = 4,
  /* The provider only allows OAuth2: no password is checked. */
  MS_VERIFY_OUTCOME_OAUTH2_ONLY = 5,
} MsVerifyOutcome;

/**
 * MsHintKind:
 *
 * Advice from the provider database for the person setting up the account.
 */
typedef enum
{
  MS_HINT_APP_PASSWORD = 0,
  MS_HINT_ENABLE_IMAP = 1,
  MS_HINT_OAUTH2_ONLY = 2,
  MS_HINT_NOTE = 3,
} MsHintKind;

typedef struct
{
  MsHintKind kind;
  char      *text;
  char      *url;
} MsHint;

const char *ms_direction_to_string (MsDirection direction);
const char *ms_verify_outcome_to_string (MsVerifyOutcome outcome);
const char *ms_hint_kind_to_string (MsHintKind kind);

#define MS_TYPE_DISCOVERY (ms_discovery_get_type ())

G_DECLARE_FINAL_TYPE (MsDiscovery, ms_discovery, MS, DISCOVERY, GObject)

const char     *ms_discovery_get_address (MsDiscovery *self);
const char     *ms_discovery_get_domain (MsDiscovery *self);
GPtrArray      *ms_discovery_get_lookups (MsDiscovery *self);
GPtrArray      *ms_discovery_get_candidates (MsDiscovery *self,
                                             MsDirection direction);
MsCandidate    *ms_discovery_get_chosen (MsDiscovery *self,
                                         MsDirection direction);
MsAutoconfig   *ms_discovery_get_provider (MsDiscovery *self);
const MsHint   *ms_discovery_get_hints (MsDiscovery *self,
                                        guint       *n_hints);
gint64          ms_discovery_get_elapsed_ms (MsDiscovery *self);
MsVerifyOutcome ms_discovery_get_verify_outcome (MsDiscovery *self,
                                                 MsDirection direction);
MsCheckResult  *ms_discovery_get_verify_result (MsDiscovery *self,
                                                MsDirection direction);
char           *ms_discovery_describe_failure (MsDiscovery *self,
                                               MsDirection direction);

G_END_DECLS
