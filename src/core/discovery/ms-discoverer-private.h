/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ms-discoverer.h"
#include "ms-discovery-private.h"

G_BEGIN_DECLS

/* Shared by ms-discoverer.c (the discovery) and ms-discoverer-verify.c (the logins). */

struct _MsDiscoverer
{
  GObject             parent_instance;

  MsProber           *prober;
  MsProviderDatabase *providers;
  GResolver          *resolver;
  GTlsDatabase       *tls_database;
  char               *ispdb_url;
  MsDiscoverFlags     flags;
  guint               grace_ms;
  guint               http_timeout_ms;
  guint               timeout_ms;
};


enum {
  LOOKUP_STARTED,
  LOOKUP_FINISHED,
  PROBE_STARTED,
  PROBE_FINISHED,
  CHOSEN,
  VERIFY_STARTED,
  VERIFY_FINISHED,
  N_SIGNALS
};


extern guint _ms_discoverer_signals[N_SIGNALS];

/* Lookups whose answer makes the plain-http autoconfig unnecessary. */
#define LOOKUP_TRUSTED_CONFIG (1 << 0)
#define LOOKUP_SRV            (1 << 1)

typedef struct
{
  MsDiscoverer       *self;
  MsDiscoveryContext *context;
  MsDiscovery        *discovery;
  GCancellable       *cancellable; /* ours: cancelled when the run ends */
  GCancellable       *caller_cancellable;
  gulong              caller_cancelled_id;
  GPtrArray          *candidates[2];
  GPtrArray          *running_lookups;
  guint               n_config_lookups_running;
  guint               n_srv_lookups_running;
  gboolean            trusted_answered;
  gboolean            http_started;
  gboolean            service_absent[3][2]; /* [MsProtocol][TLS/STARTTLS] */
  gboolean            decided[2];
  gboolean            grace_over[2];
  guint               grace_source[2];
  guint               timeout_source;
  gint64              started_us;
  gboolean            finished;
  gboolean            timed_out;
  gboolean            guesses_started;

  /* ms_discoverer_discover_and_verify_async(): trusted candidates are probed with logins held
   * before the password is sent; the chosen one logs in on the connection already open. */
  MsCredentials      *credentials;
  MsVerifyFlags       verify_flags;
  GPtrArray          *probes; /* ProbeData under way, unowned */
  MsCandidate        *login_candidate[2];
  MsCheckResult      *login_result[2];
  gboolean            login_pending[2];
  GTask              *login_waiter[2];
} DiscoverRun;

typedef struct
{
  GTask        *task;
  MsCandidate  *candidate;
  GCancellable *cancellable;
  MsProberHold *hold;  /* ready, waiting for the choice */
  gboolean      login; /* released to log in: its result is the verification */
} ProbeData;

MsDirection    _ms_discoverer_direction_of (MsCandidate *candidate);
MsCredentials *_ms_discoverer_credentials_for (const char    *address,
                                               MsCredentials *base,
                                               MsCandidate   *candidate);
void           _ms_discoverer_discover_start (MsDiscoverer       *self,
                                              const char         *address,
                                              MsCredentials      *credentials,
                                              MsVerifyFlags       verify_flags,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
void           _ms_discoverer_explain_login (MsDiscovery   *discovery,
                                             MsCheckResult *check);
/* A login at @candidate gave @check (in the verification task @verify_task). */
void           _ms_discoverer_process_login_result (GTask         *verify_task,
                                                    MsDirection    direction,
                                                    MsCandidate   *candidate,
                                                    MsCheckResult *check);

G_END_DECLS
