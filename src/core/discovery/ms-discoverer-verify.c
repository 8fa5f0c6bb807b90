/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-discoverer"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-discoverer.h"

#include "ms-check-result-private.h"
#include "ms-discoverer-private.h"
#include "ms-enum-types.h"

/* The logins: ms_discoverer_verify_async() after a discovery, and
 * ms_discoverer_discover_and_verify_async() with the logins held during it. */


typedef struct
{
  MsDiscovery   *discovery;
  MsCredentials *credentials;
  MsVerifyFlags  flags;
  guint          pending;
  GTask         *discover_task; /* its held logins, when discovered with the password */
} VerifyRun;

static void
verify_run_free (gpointer data)
{
  VerifyRun *run = data;

  g_clear_object (&run->discover_task);
  g_clear_object (&run->discovery);
  g_clear_pointer (&run->credentials, ms_credentials_unref);
  g_free (run);
}

typedef struct
{
  GTask       *task;
  MsDirection  direction;
  MsCandidate *candidate;
} VerifyData;

/* Failures that say "this is not the server to use" rather than "this is your account's
 * answer": the next candidate may work. A rejected password is an answer. */
static gboolean
is_wrong_server (MsDiagnosis diagnosis)
{
  switch (diagnosis)
    {
    case MS_DIAGNOSIS_DNS_NOT_FOUND:
    case MS_DIAGNOSIS_CONNECTION_REFUSED:
    case MS_DIAGNOSIS_TIMEOUT:
    case MS_DIAGNOSIS_NETWORK_UNREACHABLE:
    case MS_DIAGNOSIS_TLS_HANDSHAKE_FAILED:
    case MS_DIAGNOSIS_CERTIFICATE_UNTRUSTED:
    case MS_DIAGNOSIS_CERTIFICATE_HOSTNAME_MISMATCH:
    case MS_DIAGNOSIS_CERTIFICATE_EXPIRED:
    case MS_DIAGNOSIS_CERTIFICATE_NOT_YET_VALID:
    case MS_DIAGNOSIS_STARTTLS_UNAVAILABLE:
    case MS_DIAGNOSIS_STARTTLS_INJECTION:
    case MS_DIAGNOSIS_AUTH_MECHANISM_UNSUPPORTED:
    case MS_DIAGNOSIS_LOGIN_DISABLED:
    case MS_DIAGNOSIS_SERVER_UNAVAILABLE:
    case MS_DIAGNOSIS_PROTOCOL_ERROR:
      return TRUE;
    case MS_DIAGNOSIS_OK:
    case MS_DIAGNOSIS_AUTH_FAILED:
    case MS_DIAGNOSIS_APP_PASSWORD_REQUIRED:
    case MS_DIAGNOSIS_CANCELLED:
    default:
      return FALSE;
    }
}

static void verify_from (GTask      *task,
                         MsDirection direction,
                         guint       start);

static void
verify_direction_done (GTask          *task,
                       MsDirection     direction,
                       MsVerifyOutcome outcome,
                       MsCandidate    *candidate,
                       MsCheckResult  *result)
{
  VerifyRun *run = g_task_get_task_data (task);

  _ms_discovery_set_verify (run->discovery, direction, outcome, result);
  if (candidate != NULL)
    _ms_discovery_set_chosen (run->discovery, direction, candidate);

  if (--run->pending > 0)
    return;

  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_boolean (task,
                         ms_discovery_get_verify_outcome (run->discovery, MS_DIRECTION_INCOMING) !=
                             MS_VERIFY_OUTCOME_NOT_RUN);
}

/* A login at @candidate gave @check: done, or on to the next candidate if this one turned
 * out to be the wrong server. */
void
_ms_discoverer_process_login_result (GTask         *task,
                                     MsDirection    direction,
                                     MsCandidate   *candidate,
                                     MsCheckResult *check)
{
  VerifyRun *run = g_task_get_task_data (task);
  MsDiagnosis diagnosis = ms_check_result_get_diagnosis (check);
  GPtrArray *candidates = ms_discovery_get_candidates (run->discovery, direction);
  guint position = 0;

  if (ms_check_result_get_ok (check))
    {
      verify_direction_done (task, direction, MS_VERIFY_OUTCOME_OK, candidate, check);
      return;
    }

  if (is_wrong_server (diagnosis) && !g_cancellable_is_cancelled (g_task_get_cancellable (task)) &&
      g_ptr_array_find (candidates, candidate, &position))
    {
      /* Remember this failure in case no other candidate is left. */
      _ms_discovery_set_verify (run->discovery, direction, MS_VERIFY_OUTCOME_FAILED, check);
      verify_from (task, direction, position + 1);
      return;
    }

  verify_direction_done (task, direction, MS_VERIFY_OUTCOME_FAILED, candidate, check);
}

/* A provider known to refuse the account's normal password to mail programs: a rejected
 * login there means "use an app password", which says what to do. */
void
_ms_discoverer_explain_login (MsDiscovery   *discovery,
                              MsCheckResult *check)
{
  MsAutoconfig *provider = ms_discovery_get_provider (discovery);

  if (provider != NULL && ms_autoconfig_get_app_password_required (provider) &&
      ms_check_result_get_diagnosis (check) == MS_DIAGNOSIS_AUTH_FAILED)
    _ms_check_result_set_diagnosis (check, MS_DIAGNOSIS_APP_PASSWORD_REQUIRED);
}

static void
on_verified (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  VerifyData *data = user_data;
  g_autoptr (GTask) task = data->task;
  g_autoptr (MsCandidate) candidate = data->candidate;
  MsDirection direction = data->direction;
  MsDiscoverer *self = g_task_get_source_object (task);
  VerifyRun *run = g_task_get_task_data (task);
  g_autoptr (MsCheckResult) check = ms_prober_check_finish (MS_PROBER (source), result, NULL);

  g_free (data);
  _ms_discoverer_explain_login (run->discovery, check);
  g_signal_emit (self, _ms_discoverer_signals[VERIFY_FINISHED], 0, candidate, check);
  _ms_discoverer_process_login_result (task, direction, candidate, check);
}

static void
verify_from (GTask      *task,
             MsDirection direction,
             guint       start)
{
  MsDiscoverer *self = g_task_get_source_object (task);
  VerifyRun *run = g_task_get_task_data (task);
  GPtrArray *candidates = ms_discovery_get_candidates (run->discovery, direction);
  VerifyData *data;

  for (guint i = start; i < candidates->len; i++)
    {
      MsCandidate *candidate = g_ptr_array_index (candidates, i);
      g_autoptr (MsCredentials) credentials = NULL;

      /* A candidate whose probe was abandoned when the choice fell is worth a login too:
       * the login proves the server as well as the probe would have. */
      if (!ms_candidate_get_usable (candidate) &&
          ms_candidate_get_probe_state (candidate) != MS_PROBE_STATE_ABANDONED)
        continue;

      if (!ms_candidate_get_trusted (candidate) &&
          (run->flags & MS_VERIFY_FLAGS_ACCEPT_UNTRUSTED) == 0)
        {
          verify_direction_done (task, direction, MS_VERIFY_OUTCOME_NEEDS_CONFIRMATION, candidate,
                                 NULL);
          return;
        }

      credentials = _ms_discoverer_credentials_for (ms_discovery_get_address (run->discovery),
                                                    run->credentials, candidate);
      g_signal_emit (self, _ms_discoverer_signals[VERIFY_STARTED], 0, candidate);
      data = g_new0 (VerifyData, 1);
      data->task = g_object_ref (task);
      data->direction = direction;
      data->candidate = g_object_ref (candidate);
      ms_prober_check_async (self->prober,
                             ms_candidate_get_server (candidate),
                             credentials,
                             MS_CHECK_FLAGS_NONE,
                             g_task_get_cancellable (task),
                             on_verified,
                             data);
      return;
    }

  /* Nothing (more) to try: keep the last failure, if there was one. */
  verify_direction_done (task, direction,
                         ms_discovery_get_verify_result (run->discovery, direction) != NULL
                           ? MS_VERIFY_OUTCOME_FAILED
                           : MS_VERIFY_OUTCOME_NO_CANDIDATE,
                         NULL,
                         ms_discovery_get_verify_result (run->discovery, direction));
}

static gboolean
verify_idle (gpointer user_data)
{
  GTask *task = user_data;
  VerifyRun *run = g_task_get_task_data (task);
  MsAutoconfig *provider = ms_discovery_get_provider (run->discovery);

  for (guint d = 0; d < 2; d++)
    {
      GPtrArray *candidates = ms_discovery_get_candidates (run->discovery, d);
      MsCandidate *chosen = ms_discovery_get_chosen (run->discovery, d);
      guint position = 0;

      DiscoverRun *discover_run = run->discover_task != NULL
                                    ? g_task_get_task_data (run->discover_task)
                                    : NULL;

      if (provider != NULL && ms_autoconfig_get_oauth2_only (provider))
        verify_direction_done (task, d, MS_VERIFY_OUTCOME_OAUTH2_ONLY, NULL, NULL);
      else if (discover_run != NULL && chosen != NULL &&
               discover_run->login_candidate[d] == chosen && discover_run->login_pending[d])
        discover_run->login_waiter[d] = g_object_ref (task);
      else if (discover_run != NULL && chosen != NULL &&
               discover_run->login_candidate[d] == chosen && discover_run->login_result[d] != NULL)
        _ms_discoverer_process_login_result (task, d, chosen, discover_run->login_result[d]);
      else if (chosen == NULL || !g_ptr_array_find (candidates, chosen, &position))
        verify_direction_done (task, d, MS_VERIFY_OUTCOME_NO_CANDIDATE, NULL, NULL);
      else
        verify_from (task, d, position);
    }

  return G_SOURCE_REMOVE;
}

/**
 * ms_discoverer_verify_async:
 * @discovery: a finished discovery of this discoverer
 * @credentials: the password (and user name) to log in with
 *
 * Logs in to the chosen incoming and outgoing servers at the same time. A server that turns
 * out to be the wrong one (refused, timed out, bad certificate) gives way to the next
 * usable candidate; a rejected password stops there. An untrusted candidate receives the
 * password only with %MS_VERIFY_FLAGS_ACCEPT_UNTRUSTED (after the user confirmed it);
 * otherwise that direction ends with %MS_VERIFY_OUTCOME_NEEDS_CONFIRMATION. The outcome of
 * each direction is stored in @discovery.
 */
static void
verify_start (MsDiscoverer       *self,
              MsDiscovery        *discovery,
              MsCredentials      *credentials,
              MsVerifyFlags       flags,
              GTask              *discover_task,
              GCancellable       *cancellable,
              GAsyncReadyCallback callback,
              gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  VerifyRun *run;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ms_discoverer_verify_async);

  run = g_new0 (VerifyRun, 1);
  run->discovery = g_object_ref (discovery);
  run->credentials = ms_credentials_ref (credentials);
  run->flags = flags;
  run->pending = 2;
  run->discover_task = discover_task != NULL ? g_object_ref (discover_task) : NULL;
  g_task_set_task_data (task, run, verify_run_free);

  for (guint d = 0; d < 2; d++)
    _ms_discovery_set_verify (discovery, d, MS_VERIFY_OUTCOME_NOT_RUN, NULL);

  g_idle_add_full (G_PRIORITY_DEFAULT, verify_idle, g_steal_pointer (&task), g_object_unref);
}

void
ms_discoverer_verify_async (MsDiscoverer       *self,
                            MsDiscovery        *discovery,
                            MsCredentials      *credentials,
                            MsVerifyFlags       flags,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_return_if_fail (MS_IS_DISCOVERER (self));
  g_return_if_fail (MS_IS_DISCOVERY (discovery));
  g_return_if_fail (credentials != NULL);

  verify_start (self, discovery, credentials, flags, NULL, cancellable, callback, user_data);
}

static void
on_verified_after_discovery (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  MsDiscovery *discovery = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_object_ref (discovery), g_object_unref);
}

typedef struct
{
  MsCredentials *credentials;
  MsVerifyFlags  flags;
} DiscoverVerifyData;

static void
on_discovered_for_verify (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  MsDiscoverer *self = MS_DISCOVERER (source);
  DiscoverVerifyData *data = g_object_get_data (G_OBJECT (task), "ms-discover-verify");
  g_autoptr (GError) error = NULL;
  g_autoptr (MsDiscovery) discovery = ms_discoverer_discover_finish (self, result, &error);
  GCancellable *cancellable;

  if (discovery == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  cancellable = g_task_get_cancellable (task);
  g_task_set_task_data (task, g_object_ref (discovery), g_object_unref);
  verify_start (self, discovery, data->credentials, data->flags, G_TASK (result), cancellable,
                on_verified_after_discovery, g_steal_pointer (&task));
}

static void
discover_verify_data_free (gpointer user_data)
{
  DiscoverVerifyData *data = user_data;

  g_clear_pointer (&data->credentials, ms_credentials_unref);
  g_free (data);
}

/**
 * ms_discoverer_discover_and_verify_async:
 * @credentials: the password (and user name) to log in with
 * @flags: whether untrusted candidates may receive the password
 *
 * Discovery and verification in one go, as fast as the protocols allow: each candidate
 * that may receive the password is probed up to the login and held there; once a direction
 * is chosen, its server logs in on the connection already open and the others log out
 * without ever seeing the password. The outcome is as for ms_discoverer_discover_async()
 * followed by ms_discoverer_verify_async().
 */
void
ms_discoverer_discover_and_verify_async (MsDiscoverer       *self,
                                         const char         *address,
                                         MsCredentials      *credentials,
                                         MsVerifyFlags       flags,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  DiscoverVerifyData *data;

  g_return_if_fail (MS_IS_DISCOVERER (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (credentials != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ms_discoverer_discover_and_verify_async);
  data = g_new0 (DiscoverVerifyData, 1);
  data->credentials = ms_credentials_ref (credentials);
  data->flags = flags;
  g_object_set_data_full (G_OBJECT (task), "ms-discover-verify", data, discover_verify_data_free);

  _ms_discoverer_discover_start (self, address, credentials, flags, cancellable,
                                 on_discovered_for_verify, g_steal_pointer (&task));
}

/**
 * ms_discoverer_discover_and_verify_finish:
 *
 * Returns: (transfer full): the discovery with its verification outcomes, or %NULL for an
 *   invalid address or a cancelled run
 */
MsDiscovery *
ms_discoverer_discover_and_verify_finish (MsDiscoverer *self,
                                          GAsyncResult *result,
                                          GError      **error)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                          ms_discoverer_discover_and_verify_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * ms_discoverer_verify_finish:
 *
 * Returns: %TRUE when both directions were handled (see ms_discovery_get_verify_outcome()),
 *   %FALSE with @error when cancelled
 */
gboolean
ms_discoverer_verify_finish (MsDiscoverer *self,
                             GAsyncResult *result,
                             GError      **error)
{
  g_return_val_if_fail (MS_IS_DISCOVERER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ms_discoverer_verify_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

