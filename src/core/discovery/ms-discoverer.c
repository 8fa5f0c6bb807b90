/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-discoverer"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-discoverer.h"

#include "ms-address.h"
#include "ms-discoverer-private.h"
#include "ms-discovery-private.h"
#include "ms-enum-types.h"
#include "ms-util-private.h"

/**
 * MsDiscoverer:
 *
 * Finds the servers for an e-mail address. Every source (provider database, the ISP's
 * autoconfig, the ISPDB, MX, SRV, guessed names) starts at once; each candidate is probed
 * (TLS + capabilities, no credentials) as soon as a source names it. A direction (incoming,
 * outgoing) is decided as soon as the best usable candidate is known: when every better one
 * failed, or a grace window after the first usable probe has passed, so a black-holed
 * better candidate never holds the user for a whole timeout.
 *
 * ms_discoverer_verify_async() then logs in to the chosen servers with the password, moving
 * down the ranking when a server turns out to be the wrong one (refused, timeout,
 * certificate) and stopping at a real answer (wrong password).
 */
G_DEFINE_FINAL_TYPE (MsDiscoverer, ms_discoverer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROBER,
  PROP_PROVIDERS,
  PROP_RESOLVER,
  PROP_TLS_DATABASE,
  PROP_ISPDB_URL,
  PROP_FLAGS,
  PROP_GRACE_MS,
  PROP_HTTP_TIMEOUT_MS,
  PROP_TIMEOUT_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

guint _ms_discoverer_signals[N_SIGNALS];

static void
discover_run_free (gpointer data)
{
  DiscoverRun *run = data;

  g_assert (run->timeout_source == 0);
  g_assert (run->grace_source[0] == 0 && run->grace_source[1] == 0);

  if (run->caller_cancelled_id != 0)
    g_cancellable_disconnect (run->caller_cancellable, run->caller_cancelled_id);
  g_clear_object (&run->caller_cancellable);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->discovery);
  g_clear_pointer (&run->context, _ms_discovery_context_unref);
  g_clear_pointer (&run->candidates[0], g_ptr_array_unref);
  g_clear_pointer (&run->candidates[1], g_ptr_array_unref);
  g_clear_pointer (&run->running_lookups, g_ptr_array_unref);
  g_clear_pointer (&run->credentials, ms_credentials_unref);
  g_clear_pointer (&run->probes, g_ptr_array_unref);
  for (guint d = 0; d < 2; d++)
    {
      g_assert (run->login_waiter[d] == NULL);
      g_clear_object (&run->login_candidate[d]);
      g_clear_object (&run->login_result[d]);
    }
  g_free (run);
}

MsDiscoveryContext *
_ms_discovery_context_ref (MsDiscoveryContext *context)
{
  g_ref_count_inc (&context->ref_count);
  return context;
}

void
_ms_discovery_context_unref (MsDiscoveryContext *context)
{
  if (!g_ref_count_dec (&context->ref_count))
    return;

  g_free (context->address);
  g_free (context->domain);
  g_clear_object (&context->resolver);
  g_clear_object (&context->session);
  g_clear_object (&context->providers);
  g_free (context->ispdb_url);
  g_free (context);
}

GPtrArray *
_ms_source_finish (GAsyncResult *result,
                   GError      **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

MsDirection
_ms_discoverer_direction_of (MsCandidate *candidate)
{
  MsProtocol protocol = ms_server_config_get_protocol (ms_candidate_get_server (candidate));

  return ms_protocol_is_incoming (protocol) ? MS_DIRECTION_INCOMING : MS_DIRECTION_OUTGOING;
}

static gboolean
service_is_absent (DiscoverRun *run,
                   MsCandidate *candidate)
{
  MsServerConfig *server = ms_candidate_get_server (candidate);
  MsSecurity security = ms_server_config_get_security (server);

  return security != MS_SECURITY_NONE &&
         run->service_absent[ms_server_config_get_protocol (server)][security];
}

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  return ms_candidate_compare (*(MsCandidate **) a, *(MsCandidate **) b);
}

static GPtrArray *
ranked (GPtrArray *candidates)
{
  GPtrArray *copy = g_ptr_array_copy (candidates, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

  g_ptr_array_set_free_func (copy, g_object_unref);
  g_ptr_array_sort (copy, compare_candidates);
  return copy;
}

static void
discover_complete (GTask *task)
{
  DiscoverRun *run = g_task_get_task_data (task);

  if (run->finished)
    return;
  run->finished = TRUE;

  g_clear_handle_id (&run->timeout_source, g_source_remove);
  g_clear_handle_id (&run->grace_source[0], g_source_remove);
  g_clear_handle_id (&run->grace_source[1], g_source_remove);

  /* What is still running cannot change the choice any more. */
  for (guint i = 0; i < run->running_lookups->len; i++)
    _ms_lookup_abandon (g_ptr_array_index (run->running_lookups, i), run->timed_out);
  for (guint d = 0; d < 2; d++)
    for (guint i = 0; i < run->candidates[d]->len; i++)
      {
        MsCandidate *candidate = g_ptr_array_index (run->candidates[d], i);

        if (ms_candidate_get_probe_state (candidate) == MS_PROBE_STATE_RUNNING ||
            ms_candidate_get_probe_state (candidate) == MS_PROBE_STATE_PENDING)
          _ms_candidate_set_probe_state (candidate, MS_PROBE_STATE_ABANDONED);
      }
  g_cancellable_cancel (run->cancellable);
  /* Except the chosen servers' logins, which are the verification. */
  for (guint i = 0; i < run->probes->len; i++)
    {
      ProbeData *probe = g_ptr_array_index (run->probes, i);

      if (!probe->login || g_cancellable_is_cancelled (run->caller_cancellable))
        g_cancellable_cancel (probe->cancellable);
    }

  for (guint d = 0; d < 2; d++)
    {
      g_autoptr (GPtrArray) sorted = ranked (run->candidates[d]);

      _ms_discovery_set_candidates (run->discovery, d, sorted);
    }
  _ms_discovery_set_elapsed_ms (run->discovery, (g_get_monotonic_time () - run->started_us) / 1000);

  if (g_cancellable_is_cancelled (run->caller_cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Discovery was cancelled"));
  else
    g_task_return_pointer (task, g_object_ref (run->discovery), g_object_unref);
}

static void
choose (GTask       *task,
        MsDirection  direction,
        MsCandidate *candidate)
{
  DiscoverRun *run = g_task_get_task_data (task);

  run->decided[direction] = TRUE;
  g_clear_handle_id (&run->grace_source[direction], g_source_remove);
  _ms_discovery_set_chosen (run->discovery, direction, candidate);
  g_debug ("%s: chose %s", ms_direction_to_string (direction),
           candidate ? ms_server_config_get_host (ms_candidate_get_server (candidate)) : "nothing");
  g_signal_emit (run->self, _ms_discoverer_signals[CHOSEN], 0, direction, candidate);

  /* Held logins: the chosen one goes on, the others say goodbye without the password. */
  for (guint i = 0; i < run->probes->len; i++)
    {
      ProbeData *probe = g_ptr_array_index (run->probes, i);
      MsProberHold *hold = probe->hold;

      if (hold == NULL || _ms_discoverer_direction_of (probe->candidate) != direction)
        continue;
      probe->hold = NULL;
      if (probe->candidate == candidate)
        {
          probe->login = TRUE;
          run->login_pending[direction] = TRUE;
          g_set_object (&run->login_candidate[direction], candidate);
          g_signal_emit (run->self, _ms_discoverer_signals[VERIFY_STARTED], 0, candidate);
        }
      ms_prober_hold_release (hold, probe->candidate == candidate);
    }

  if (run->decided[MS_DIRECTION_INCOMING] && run->decided[MS_DIRECTION_OUTGOING])
    discover_complete (task);
}

static void
decide (GTask      *task,
        MsDirection direction)
{
  DiscoverRun *run = g_task_get_task_data (task);
  g_autoptr (GPtrArray) sorted = NULL;
  MsCandidate *best = NULL;
  gboolean better_pending = run->running_lookups->len > 0;

  if (run->finished || run->decided[direction])
    return;

  sorted = ranked (run->candidates[direction]);
  for (guint i = 0; i < sorted->len && best == NULL; i++)
    {
      MsCandidate *candidate = g_ptr_array_index (sorted, i);

      switch (ms_candidate_get_probe_state (candidate))
        {
        case MS_PROBE_STATE_PENDING:
        case MS_PROBE_STATE_RUNNING:
          better_pending = TRUE;
          break;
        case MS_PROBE_STATE_FINISHED:
          if (ms_candidate_get_usable (candidate))
            best = candidate;
          break;
        case MS_PROBE_STATE_ABANDONED:
        default:
          break;
        }
    }

  if (best != NULL && (!better_pending || run->grace_over[direction]))
    choose (task, direction, best);
  else if (best == NULL && !better_pending)
    choose (task, direction, NULL);
}

static void
decide_all (GTask *task)
{
  G_GNUC_UNUSED g_autoptr (GTask) hold = g_object_ref (task);

  decide (task, MS_DIRECTION_INCOMING);
  decide (task, MS_DIRECTION_OUTGOING);
}

typedef struct
{
  GTask      *task;
  MsDirection direction;
} GraceData;

static gboolean
on_grace_over (gpointer user_data)
{
  GraceData *data = user_data;
  DiscoverRun *run = g_task_get_task_data (data->task);

  run->grace_source[data->direction] = 0;
  run->grace_over[data->direction] = TRUE;
  decide (data->task, data->direction);

  return G_SOURCE_REMOVE;
}

static void
grace_data_free (gpointer data)
{
  GraceData *grace = data;

  g_object_unref (grace->task);
  g_free (grace);
}

static void
probe_data_free (ProbeData *data)
{
  g_clear_object (&data->task);
  g_clear_object (&data->candidate);
  g_clear_object (&data->cancellable);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ProbeData, probe_data_free)

/* How long better candidates may still answer once @probe succeeded: a few round trips of
 * the winner (its connection time stands for one), at least a quarter and at most all of the
 * configured window. On a fast network the user is not kept waiting a whole second for a
 * black-holed server; on a slow one, a better server that is merely slower still wins. */
static guint
grace_ms_for (MsDiscoverer  *self,
              MsCheckResult *probe)
{
  gint64 round_trip_ms = ms_check_result_get_phase_ms (probe, MS_CHECK_PHASE_CONNECT);
  gint64 grace = MAX (self->grace_ms / 4, 4 * round_trip_ms);

  return (guint) MIN (grace, (gint64) self->grace_ms);
}

static void
probe_finished (GTask         *task,
                MsCandidate   *candidate,
                MsCheckResult *probe)
{
  DiscoverRun *run = g_task_get_task_data (task);
  MsDirection direction = _ms_discoverer_direction_of (candidate);

  _ms_candidate_set_probe (candidate, probe);
  g_signal_emit (run->self, _ms_discoverer_signals[PROBE_FINISHED], 0, candidate);

  if (ms_candidate_get_usable (candidate) && !run->decided[direction] &&
      run->grace_source[direction] == 0 && !run->grace_over[direction])
    {
      GraceData *grace = g_new0 (GraceData, 1);

      grace->task = g_object_ref (task);
      grace->direction = direction;
      run->grace_source[direction] = g_timeout_add_full (G_PRIORITY_DEFAULT,
                                                         grace_ms_for (run->self, probe),
                                                         on_grace_over,
                                                         grace,
                                                         grace_data_free);
    }

  decide_all (task);
}

/* A held check is secured and knows the capabilities: as good as a finished probe. */
static void
on_probe_ready (MsProber      *prober,
                MsProberHold  *hold,
                MsCheckResult *probe,
                gpointer       user_data)
{
  ProbeData *data = user_data;
  g_autoptr (GTask) task = g_object_ref (data->task);
  DiscoverRun *run = g_task_get_task_data (task);
  MsDirection direction = _ms_discoverer_direction_of (data->candidate);

  if (run->finished || ms_candidate_get_probe_state (data->candidate) != MS_PROBE_STATE_RUNNING)
    {
      ms_prober_hold_release (hold, FALSE);
      return;
    }

  if (run->decided[direction])
    {
      _ms_candidate_set_probe (data->candidate, probe);
      g_signal_emit (run->self, _ms_discoverer_signals[PROBE_FINISHED], 0, data->candidate);
      ms_prober_hold_release (hold, FALSE);
      return;
    }

  data->hold = hold;
  probe_finished (task, data->candidate, probe);
}

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (ProbeData) data = user_data;
  g_autoptr (GTask) task = g_object_ref (data->task);
  DiscoverRun *run = g_task_get_task_data (task);
  g_autoptr (MsCheckResult) probe = ms_prober_check_finish (MS_PROBER (source), result, NULL);
  MsDirection direction = _ms_discoverer_direction_of (data->candidate);

  g_ptr_array_remove (run->probes, data);

  if (data->login)
    {
      g_autoptr (GTask) waiter = g_steal_pointer (&run->login_waiter[direction]);

      run->login_pending[direction] = FALSE;
      _ms_discoverer_explain_login (run->discovery, probe);
      g_set_object (&run->login_result[direction], probe);
      g_signal_emit (run->self, _ms_discoverer_signals[VERIFY_FINISHED], 0, data->candidate, probe);
      if (waiter != NULL)
        _ms_discoverer_process_login_result (waiter, direction, data->candidate, probe);
      return;
    }

  if (run->finished || ms_candidate_get_probe_state (data->candidate) != MS_PROBE_STATE_RUNNING)
    return;

  probe_finished (task, data->candidate, probe);
}

/* The user name the source gave for this server (ISPs differ: full address or local part);
 * the prober retries the other form once if it is refused. */
MsCredentials *
_ms_discoverer_credentials_for (const char    *address,
                                MsCredentials *base,
                                MsCandidate   *candidate)
{
  const char *username = ms_server_config_get_username (ms_candidate_get_server (candidate));

  return ms_credentials_new_for_address (address,
                                         username != NULL ? username
                                                          : ms_credentials_get_username (base),
                                         ms_credentials_get_password (base));
}

static void
add_candidate (GTask       *task,
               MsCandidate *candidate)
{
  DiscoverRun *run = g_task_get_task_data (task);
  MsDirection direction = _ms_discoverer_direction_of (candidate);
  GPtrArray *candidates = run->candidates[direction];
  ProbeData *data;

  if (ms_candidate_get_source (candidate) == MS_DISCOVERY_SOURCE_GUESS &&
      service_is_absent (run, candidate))
    return;

  for (guint i = 0; i < candidates->len; i++)
    {
      MsCandidate *known = g_ptr_array_index (candidates, i);

      if (_ms_candidate_same_server (known, candidate))
        {
          _ms_candidate_merge (known, candidate);
          return;
        }
    }

  g_ptr_array_add (candidates, g_object_ref (candidate));
  _ms_candidate_set_probe_state (candidate, MS_PROBE_STATE_RUNNING);
  g_signal_emit (run->self, _ms_discoverer_signals[PROBE_STARTED], 0, candidate);

  data = g_new0 (ProbeData, 1);
  data->task = g_object_ref (task);
  data->candidate = g_object_ref (candidate);
  data->cancellable = g_cancellable_new ();
  g_ptr_array_add (run->probes, data);

  /* With the password at hand, a candidate that may receive it is probed up to the login and
   * held there: the chosen one then needs no second connection. */
  if (run->credentials != NULL &&
      (ms_candidate_get_trusted (candidate) ||
       (run->verify_flags & MS_VERIFY_FLAGS_ACCEPT_UNTRUSTED) != 0))
    {
      g_autoptr (MsCredentials) credentials = NULL;

      credentials = _ms_discoverer_credentials_for (run->context->address, run->credentials,
                                                    candidate);

      ms_prober_check_held_async (run->self->prober,
                                  ms_candidate_get_server (candidate),
                                  credentials,
                                  MS_CHECK_FLAGS_NONE,
                                  on_probe_ready,
                                  data,
                                  data->cancellable,
                                  on_probed,
                                  data);
    }
  else
    ms_prober_check_async (run->self->prober,
                           ms_candidate_get_server (candidate),
                           NULL,
                           MS_CHECK_FLAGS_NO_USERNAME_RETRY,
                           data->cancellable,
                           on_probed,
                           data);
}

static void start_lookup (GTask            *task,
                          const char       *name,
                          MsDiscoverySource source,
                          const char       *url_or_query,
                          gboolean          trusted,
                          guint             kind,
                          MsSourceFunc      func);

static void
maybe_start_http (GTask *task)
{
  DiscoverRun *run = g_task_get_task_data (task);
  MsDiscoveryContext *context = run->context;
  g_autofree char *autoconfig_url = NULL;
  g_autofree char *well_known_url = NULL;

  if (run->http_started || run->trusted_answered || run->n_config_lookups_running > 0 ||
      run->n_srv_lookups_running > 0 || (run->self->flags & MS_DISCOVER_FLAGS_NO_HTTP) != 0)
    return;
  run->http_started = TRUE;

  /* Never the address over plain http: anyone on the path could read it. */
  autoconfig_url = g_strdup_printf ("http://autoconfig.%s/mail/config-v1.1.xml", context->domain);
  well_known_url = g_strdup_printf ("http://%s/.well-known/autoconfig/mail/config-v1.1.xml",
                                    context->domain);
  start_lookup (task, "autoconfig-http", MS_DISCOVERY_SOURCE_AUTOCONFIG, autoconfig_url, FALSE,
                0, _ms_source_autoconfig);
  start_lookup (task, "well-known-http", MS_DISCOVERY_SOURCE_AUTOCONFIG, well_known_url, FALSE,
                0, _ms_source_autoconfig);
}

/* Guesses wait for the SRV answers: a "." record rules a service out, and their twenty
 * probes would otherwise queue the SRV targets' address lookups behind theirs (GLib resolves
 * at most ten names at a time). */
static void
maybe_start_guesses (GTask *task)
{
  DiscoverRun *run = g_task_get_task_data (task);
  g_autofree char *names = NULL;

  if (run->guesses_started || run->n_srv_lookups_running > 0 ||
      (run->self->flags & MS_DISCOVER_FLAGS_NO_GUESS) != 0)
    return;
  run->guesses_started = TRUE;

  names = g_strdup_printf ("imap.%1$s mail.%1$s %1$s pop3.%1$s pop.%1$s smtp.%1$s",
                           run->context->domain);
  start_lookup (task, "guess", MS_DISCOVERY_SOURCE_GUESS, names, TRUE, 0, _ms_source_guess);
}

/* The provider's hints come from our own database only: for the domain itself, or for the
 * base domain of its mail exchanger (Google Workspace, Microsoft 365 custom domains). */
static void
maybe_set_provider (DiscoverRun *run,
                    MsLookup    *lookup)
{
  MsAutoconfig *autoconfig = ms_lookup_get_autoconfig (lookup);
  const char *const *domains;

  if (autoconfig == NULL || ms_discovery_get_provider (run->discovery) != NULL ||
      run->context->providers == NULL)
    return;
  if (g_strcmp0 (ms_lookup_get_name (lookup), "provider-db") != 0 &&
      g_strcmp0 (ms_lookup_get_name (lookup), "mx") != 0)
    return;

  domains = ms_autoconfig_get_domains (autoconfig);
  if (domains != NULL && domains[0] != NULL &&
      ms_provider_database_lookup (run->context->providers, domains[0]) == autoconfig)
    _ms_discovery_set_provider (run->discovery, autoconfig);
}

typedef struct
{
  GTask    *task;
  MsLookup *lookup;
  guint     kind;
} LookupData;

static void
on_lookup_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LookupData *data = user_data;
  g_autoptr (GTask) task = data->task;
  g_autoptr (MsLookup) lookup = data->lookup;
  guint kind = data->kind;
  DiscoverRun *run = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = _ms_source_finish (result, &error);

  g_free (data);

  if (run->finished)
    return;

  g_ptr_array_remove (run->running_lookups, lookup);
  _ms_lookup_finish (lookup, found != NULL ? found->len : 0, error);
  if ((kind & LOOKUP_TRUSTED_CONFIG) != 0)
    run->n_config_lookups_running--;
  if ((kind & LOOKUP_SRV) != 0)
    {
      run->n_srv_lookups_running--;
      if (ms_lookup_get_service_absent (lookup))
        {
          const MsSrvService *service =
              _ms_srv_service_for_query (ms_lookup_get_url_or_query (lookup));

          if (service != NULL)
            run->service_absent[service->protocol][service->security] = TRUE;
        }
    }
  maybe_set_provider (run, lookup);
  g_signal_emit (run->self, _ms_discoverer_signals[LOOKUP_FINISHED], 0, lookup);

  for (guint i = 0; found != NULL && i < found->len; i++)
    {
      MsCandidate *candidate = g_ptr_array_index (found, i);

      if (ms_candidate_get_trusted (candidate) &&
          ms_candidate_get_source (candidate) != MS_DISCOVERY_SOURCE_GUESS)
        run->trusted_answered = TRUE;
      add_candidate (task, candidate);
      if (run->finished)
        return;
    }

  maybe_start_guesses (task);
  maybe_start_http (task);
  decide_all (task);
}

static void
start_lookup (GTask            *task,
              const char       *name,
              MsDiscoverySource source,
              const char       *url_or_query,
              gboolean          trusted,
              guint             kind,
              MsSourceFunc      func)
{
  DiscoverRun *run = g_task_get_task_data (task);
  g_autoptr (MsLookup) lookup = _ms_lookup_new (name, source, url_or_query, trusted);
  LookupData *data;

  _ms_discovery_add_lookup (run->discovery, lookup);
  g_ptr_array_add (run->running_lookups, g_object_ref (lookup));
  if ((kind & LOOKUP_TRUSTED_CONFIG) != 0)
    run->n_config_lookups_running++;
  if ((kind & LOOKUP_SRV) != 0)
    run->n_srv_lookups_running++;
  g_signal_emit (run->self, _ms_discoverer_signals[LOOKUP_STARTED], 0, lookup);

  data = g_new0 (LookupData, 1);
  data->task = g_object_ref (task);
  data->lookup = g_object_ref (lookup);
  data->kind = kind;
  func (run->context, lookup, run->cancellable, on_lookup_done, data);
}

static gboolean
on_timeout (gpointer user_data)
{
  GTask *task = user_data;
  DiscoverRun *run = g_task_get_task_data (task);

  run->timeout_source = 0;
  run->timed_out = TRUE;
  g_debug ("discovery timed out after %u ms", run->self->timeout_ms);

  /* Take the best that answered; a direction with nothing usable stays empty. */
  for (guint d = 0; d < 2 && !run->finished; d++)
    {
      run->grace_over[d] = TRUE;
      g_clear_handle_id (&run->grace_source[d], g_source_remove);
      decide (task, d);
    }
  for (guint d = 0; d < 2 && !run->finished; d++)
    if (!run->decided[d])
      {
        g_autoptr (GPtrArray) sorted = ranked (run->candidates[d]);
        MsCandidate *best = NULL;

        for (guint i = 0; i < sorted->len && best == NULL; i++)
          if (ms_candidate_get_usable (g_ptr_array_index (sorted, i)))
            best = g_ptr_array_index (sorted, i);
        choose (task, d, best);
      }

  return G_SOURCE_REMOVE;
}

static gboolean
on_caller_cancelled_idle (gpointer user_data)
{
  GTask *task = user_data;
  DiscoverRun *run = g_task_get_task_data (task);

  /* The logins of the chosen servers too, even after the discovery itself ended. */
  for (guint i = 0; i < run->probes->len; i++)
    g_cancellable_cancel (((ProbeData *) g_ptr_array_index (run->probes, i))->cancellable);
  discover_complete (task);

  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;

  /* Emitted from g_cancellable_cancel(), possibly inside one of our callbacks: finish from
   * the main loop instead. */
  g_idle_add_full (G_PRIORITY_HIGH, on_caller_cancelled_idle, g_object_ref (task),
                   g_object_unref);
}

/**
 * ms_discoverer_discover_async:
 * @address: an e-mail address, the domain in Unicode or ASCII
 *
 * Runs every source and probe for @address and chooses a server per direction. Progress is
 * reported through the ::lookup-started, ::lookup-finished, ::probe-started,
 * ::probe-finished and ::chosen signals.
 */
void
_ms_discoverer_discover_start (MsDiscoverer       *self,
                               const char         *address,
                               MsCredentials      *credentials,
                               MsVerifyFlags       verify_flags,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (MsAddress) parsed = NULL;
  g_autoptr (GError) error = NULL;
  MsDiscoveryContext *context;
  DiscoverRun *run;
  g_autofree char *autoconfig_url = NULL;
  g_autofree char *well_known_url = NULL;
  g_autofree char *ispdb_url = NULL;
  g_autofree char *mx_query = NULL;
  g_autofree char *escaped = NULL;
  guint n_services;
  const MsSrvService *services;

  g_return_if_fail (MS_IS_DISCOVERER (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ms_discoverer_discover_async);

  parsed = ms_address_parse (address, &error);
  if (parsed == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  context = g_new0 (MsDiscoveryContext, 1);
  g_ref_count_init (&context->ref_count);
  context->address = g_strdup (parsed->address);
  context->domain = g_strdup (parsed->domain);
  context->resolver = self->resolver != NULL ? g_object_ref (self->resolver)
                                             : g_resolver_get_default ();
  context->session = _ms_http_session_new (self->tls_database, self->http_timeout_ms);
  context->http_timeout_ms = self->http_timeout_ms;
  context->providers = self->providers != NULL ? g_object_ref (self->providers) : NULL;
  context->ispdb_url = g_str_has_suffix (self->ispdb_url, "/")
                         ? g_strdup (self->ispdb_url)
                         : g_strconcat (self->ispdb_url, "/", NULL);

  run = g_new0 (DiscoverRun, 1);
  run->self = self;
  run->context = context;
  run->discovery = _ms_discovery_new (context->address, context->domain);
  run->cancellable = g_cancellable_new ();
  run->candidates[0] = g_ptr_array_new_with_free_func (g_object_unref);
  run->candidates[1] = g_ptr_array_new_with_free_func (g_object_unref);
  run->running_lookups = g_ptr_array_new_with_free_func (g_object_unref);
  run->started_us = g_get_monotonic_time ();
  run->credentials = credentials != NULL ? ms_credentials_ref (credentials) : NULL;
  run->verify_flags = verify_flags;
  run->probes = g_ptr_array_new ();
  g_task_set_task_data (task, run, discover_run_free);

  if (cancellable != NULL)
    {
      run->caller_cancellable = g_object_ref (cancellable);
      run->caller_cancelled_id = g_cancellable_connect (cancellable,
                                                        G_CALLBACK (on_caller_cancelled),
                                                        task, NULL);
    }
  if (self->timeout_ms > 0)
    run->timeout_source = g_timeout_add_full (G_PRIORITY_DEFAULT, self->timeout_ms, on_timeout,
                                              g_object_ref (task), g_object_unref);

  escaped = g_uri_escape_string (context->address, NULL, FALSE);
  autoconfig_url = g_strdup_printf ("https://autoconfig.%s/mail/config-v1.1.xml?emailaddress=%s",
                                    context->domain, escaped);
  well_known_url = g_strdup_printf ("https://%s/.well-known/autoconfig/mail/config-v1.1.xml",
                                    context->domain);
  ispdb_url = g_strconcat (context->ispdb_url, context->domain, NULL);
  mx_query = g_strdup_printf ("MX %s", context->domain);

  /* Every source at once; the slow ones must not delay the fast ones. Sources always answer
   * from the main loop, so all of them are counted before the first answer arrives. */
  services = _ms_srv_services (&n_services);

  start_lookup (task, "provider-db", MS_DISCOVERY_SOURCE_PROVIDER_DB, context->domain, TRUE,
                LOOKUP_TRUSTED_CONFIG, _ms_source_provider_db);
  start_lookup (task, "autoconfig", MS_DISCOVERY_SOURCE_AUTOCONFIG, autoconfig_url, TRUE,
                LOOKUP_TRUSTED_CONFIG, _ms_source_autoconfig);
  start_lookup (task, "well-known", MS_DISCOVERY_SOURCE_AUTOCONFIG, well_known_url, TRUE,
                LOOKUP_TRUSTED_CONFIG, _ms_source_autoconfig);
  start_lookup (task, "ispdb", MS_DISCOVERY_SOURCE_ISPDB, ispdb_url,
                g_str_has_prefix (ispdb_url, "https://"), LOOKUP_TRUSTED_CONFIG,
                _ms_source_ispdb);
  start_lookup (task, "mx", MS_DISCOVERY_SOURCE_MX, mx_query, FALSE, 0, _ms_source_mx);
  for (guint i = 0; i < n_services; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s._tcp.%s", services[i].service, context->domain);

      start_lookup (task, "srv", MS_DISCOVERY_SOURCE_SRV, name, TRUE, LOOKUP_SRV, _ms_source_srv);
    }
}

void
ms_discoverer_discover_async (MsDiscoverer       *self,
                              const char         *address,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  _ms_discoverer_discover_start (self, address, NULL, MS_VERIFY_FLAGS_NONE, cancellable, callback,
                                 user_data);
}

/**
 * ms_discoverer_discover_finish:
 *
 * Returns: (transfer full): the discovery (even when nothing was found: see
 *   ms_discovery_get_chosen()), or %NULL for an invalid address or a cancelled run
 */
MsDiscovery *
ms_discoverer_discover_finish (MsDiscoverer *self,
                               GAsyncResult *result,
                               GError      **error)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ms_discoverer_discover_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Properties */

static void
ms_discoverer_dispose (GObject *object)
{
  MsDiscoverer *self = MS_DISCOVERER (object);

  g_clear_object (&self->prober);
  g_clear_object (&self->providers);
  g_clear_object (&self->resolver);
  g_clear_object (&self->tls_database);

  G_OBJECT_CLASS (ms_discoverer_parent_class)->dispose (object);
}

static void
ms_discoverer_finalize (GObject *object)
{
  MsDiscoverer *self = MS_DISCOVERER (object);

  g_clear_pointer (&self->ispdb_url, g_free);

  G_OBJECT_CLASS (ms_discoverer_parent_class)->finalize (object);
}

static void
ms_discoverer_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  MsDiscoverer *self = MS_DISCOVERER (object);

  switch (prop_id)
    {
    case PROP_PROBER:
      g_value_set_object (value, self->prober);
      break;
    case PROP_PROVIDERS:
      g_value_set_object (value, self->providers);
      break;
    case PROP_RESOLVER:
      g_value_set_object (value, self->resolver);
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, self->tls_database);
      break;
    case PROP_ISPDB_URL:
      g_value_set_string (value, self->ispdb_url);
      break;
    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;
    case PROP_GRACE_MS:
      g_value_set_uint (value, self->grace_ms);
      break;
    case PROP_HTTP_TIMEOUT_MS:
      g_value_set_uint (value, self->http_timeout_ms);
      break;
    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, self->timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_discoverer_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  MsDiscoverer *self = MS_DISCOVERER (object);

  switch (prop_id)
    {
    case PROP_PROVIDERS:
      ms_discoverer_set_providers (self, g_value_get_object (value));
      break;
    case PROP_RESOLVER:
      ms_discoverer_set_resolver (self, g_value_get_object (value));
      break;
    case PROP_TLS_DATABASE:
      ms_discoverer_set_tls_database (self, g_value_get_object (value));
      break;
    case PROP_ISPDB_URL:
      ms_discoverer_set_ispdb_url (self, g_value_get_string (value));
      break;
    case PROP_FLAGS:
      ms_discoverer_set_flags (self, g_value_get_flags (value));
      break;
    case PROP_GRACE_MS:
      ms_discoverer_set_grace_ms (self, g_value_get_uint (value));
      break;
    case PROP_HTTP_TIMEOUT_MS:
      ms_discoverer_set_http_timeout_ms (self, g_value_get_uint (value));
      break;
    case PROP_TIMEOUT_MS:
      ms_discoverer_set_timeout_ms (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_discoverer_class_init (MsDiscovererClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = ms_discoverer_dispose;
  object_class->finalize = ms_discoverer_finalize;
  object_class->get_property = ms_discoverer_get_property;
  object_class->set_property = ms_discoverer_set_property;

  properties[PROP_PROBER] =
    g_param_spec_object ("prober", NULL, NULL, MS_TYPE_PROBER,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROVIDERS] =
    g_param_spec_object ("providers", NULL, NULL, MS_TYPE_PROVIDER_DATABASE, flags);
  properties[PROP_RESOLVER] = g_param_spec_object ("resolver", NULL, NULL, G_TYPE_RESOLVER, flags);
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE, flags);
  properties[PROP_ISPDB_URL] =
    g_param_spec_string ("ispdb-url", NULL, NULL, MS_DISCOVERER_DEFAULT_ISPDB_URL, flags);
  properties[PROP_FLAGS] = g_param_spec_flags ("flags", NULL, NULL, MS_TYPE_DISCOVER_FLAGS,
                                               MS_DISCOVER_FLAGS_NONE, flags);
  properties[PROP_GRACE_MS] = g_param_spec_uint ("grace-ms", NULL, NULL, 0, G_MAXUINT,
                                                 MS_DISCOVERER_DEFAULT_GRACE_MS, flags);
  properties[PROP_HTTP_TIMEOUT_MS] =
    g_param_spec_uint ("http-timeout-ms", NULL, NULL, 1, G_MAXUINT,
                       MS_DISCOVERER_DEFAULT_HTTP_TIMEOUT_MS, flags);
  properties[PROP_TIMEOUT_MS] = g_param_spec_uint ("timeout-ms", NULL, NULL, 0, G_MAXUINT,
                                                   MS_DISCOVERER_DEFAULT_TIMEOUT_MS, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MsDiscoverer::lookup-started:
   * @lookup: the lookup
   */
  _ms_discoverer_signals[LOOKUP_STARTED] =
    g_signal_new ("lookup-started", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  MS_TYPE_LOOKUP);
  _ms_discoverer_signals[LOOKUP_FINISHED] =
    g_signal_new ("lookup-finished", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  MS_TYPE_LOOKUP);
  _ms_discoverer_signals[PROBE_STARTED] =
    g_signal_new ("probe-started", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  MS_TYPE_CANDIDATE);
  _ms_discoverer_signals[PROBE_FINISHED] =
    g_signal_new ("probe-finished", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  MS_TYPE_CANDIDATE);
  /**
   * MsDiscoverer::chosen:
   * @direction: an #MsDirection
   * @candidate: (nullable): the chosen candidate, %NULL when nothing usable was found
   */
  _ms_discoverer_signals[CHOSEN] =
    g_signal_new ("chosen", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_UINT, MS_TYPE_CANDIDATE);
  _ms_discoverer_signals[VERIFY_STARTED] =
    g_signal_new ("verify-started", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  MS_TYPE_CANDIDATE);
  _ms_discoverer_signals[VERIFY_FINISHED] =
    g_signal_new ("verify-finished", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  MS_TYPE_CANDIDATE, MS_TYPE_CHECK_RESULT);
}

static void
ms_discoverer_init (MsDiscoverer *self)
{
  self->prober = ms_prober_new ();
  self->ispdb_url = g_strdup (MS_DISCOVERER_DEFAULT_ISPDB_URL);
  self->grace_ms = MS_DISCOVERER_DEFAULT_GRACE_MS;
  self->http_timeout_ms = MS_DISCOVERER_DEFAULT_HTTP_TIMEOUT_MS;
  self->timeout_ms = MS_DISCOVERER_DEFAULT_TIMEOUT_MS;
}

/**
 * ms_discoverer_new:
 *
 * Returns: (transfer full): a discoverer with the system's resolver and trust store, the
 *   public ISPDB, and no provider database (see ms_discoverer_set_providers())
 */
MsDiscoverer *
ms_discoverer_new (void)
{
  return g_object_new (MS_TYPE_DISCOVERER, NULL);
}

/**
 * ms_discoverer_get_prober:
 *
 * Returns: (transfer none): the prober used for the probes and logins, to adjust its
 *   timeouts
 */
MsProber *
ms_discoverer_get_prober (MsDiscoverer *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), NULL);

  return self->prober;
}

MsProviderDatabase *
ms_discoverer_get_providers (MsDiscoverer *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), NULL);

  return self->providers;
}

void
ms_discoverer_set_providers (MsDiscoverer       *self,
                             MsProviderDatabase *providers)
{
  g_return_if_fail (MS_IS_DISCOVERER (self));
  g_return_if_fail (providers == NULL || MS_IS_PROVIDER_DATABASE (providers));

  if (g_set_object (&self->providers, providers))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROVIDERS]);
}

GResolver *
ms_discoverer_get_resolver (MsDiscoverer *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), NULL);

  return self->resolver;
}

/**
 * ms_discoverer_set_resolver:
 * @resolver: (nullable): the resolver for SRV and MX records, %NULL for the default one
 *
 * Host names of candidates are resolved by the prober's socket client, which uses the
 * default resolver (g_resolver_set_default()).
 */
void
ms_discoverer_set_resolver (MsDiscoverer *self,
                            GResolver    *resolver)
{
  g_return_if_fail (MS_IS_DISCOVERER (self));
  g_return_if_fail (resolver == NULL || G_IS_RESOLVER (resolver));

  if (g_set_object (&self->resolver, resolver))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESOLVER]);
}

GTlsDatabase *
ms_discoverer_get_tls_database (MsDiscoverer *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), NULL);

  return self->tls_database;
}

/**
 * ms_discoverer_set_tls_database:
 * @database: (nullable): the trusted CAs for HTTPS and the mail servers, %NULL for the
 *   system's
 */
void
ms_discoverer_set_tls_database (MsDiscoverer *self,
                                GTlsDatabase *database)
{
  g_return_if_fail (MS_IS_DISCOVERER (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  if (!g_set_object (&self->tls_database, database))
    return;
  ms_prober_set_tls_database (self->prober, database);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_DATABASE]);
}

const char *
ms_discoverer_get_ispdb_url (MsDiscoverer *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), NULL);

  return self->ispdb_url;
}

/**
 * ms_discoverer_set_ispdb_url:
 * @url: (nullable): the ISPDB's base URL (the domain is appended), %NULL for Thunderbird's
 */
void
ms_discoverer_set_ispdb_url (MsDiscoverer *self,
                             const char   *url)
{
  g_return_if_fail (MS_IS_DISCOVERER (self));

  if (_ms_replace_str (&self->ispdb_url, url != NULL ? url : MS_DISCOVERER_DEFAULT_ISPDB_URL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ISPDB_URL]);
}

MsDiscoverFlags
ms_discoverer_get_flags (MsDiscoverer *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), MS_DISCOVER_FLAGS_NONE);

  return self->flags;
}

void
ms_discoverer_set_flags (MsDiscoverer   *self,
                         MsDiscoverFlags flags)
{
  g_return_if_fail (MS_IS_DISCOVERER (self));

  if (self->flags == flags)
    return;
  self->flags = flags;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLAGS]);
}

guint
ms_discoverer_get_grace_ms (MsDiscoverer *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), 0);

  return self->grace_ms;
}

/**
 * ms_discoverer_set_grace_ms:
 *
 * How long after the first usable probe of a direction better-ranked candidates that have
 * not answered yet may still win.
 */
void
ms_discoverer_set_grace_ms (MsDiscoverer *self,
                            guint         milliseconds)
{
  g_return_if_fail (MS_IS_DISCOVERER (self));

  if (self->grace_ms == milliseconds)
    return;
  self->grace_ms = milliseconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRACE_MS]);
}

guint
ms_discoverer_get_http_timeout_ms (MsDiscoverer *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), 0);

  return self->http_timeout_ms;
}

void
ms_discoverer_set_http_timeout_ms (MsDiscoverer *self,
                                   guint         milliseconds)
{
  g_return_if_fail (MS_IS_DISCOVERER (self));
  g_return_if_fail (milliseconds > 0);

  if (self->http_timeout_ms == milliseconds)
    return;
  self->http_timeout_ms = milliseconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HTTP_TIMEOUT_MS]);
}

guint
ms_discoverer_get_timeout_ms (MsDiscoverer *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), 0);

  return self->timeout_ms;
}

/**
 * ms_discoverer_set_timeout_ms:
 * @milliseconds: the longest a discovery may take, 0 for no limit beyond the lookups' and
 *   probes' own timeouts
 */
void
ms_discoverer_set_timeout_ms (MsDiscoverer *self,
                              guint         milliseconds)
{
  g_return_if_fail (MS_IS_DISCOVERER (self));

  if (self->timeout_ms == milliseconds)
    return;
  self->timeout_ms = milliseconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT_MS]);
}
