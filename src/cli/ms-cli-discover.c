/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "ms-cli.h"

#include <glib-unix.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ms-enum-types.h"

/* The longest --timeout accepted: a day. */
#define MAX_TIMEOUT_SECONDS (24.0 * 3600.0)

static const MsDirection directions[] = { MS_DIRECTION_INCOMING, MS_DIRECTION_OUTGOING };

/* One `discover` run: what the callbacks of the discoverer and of the main loop share. */
typedef struct
{
  MsDiscoverer  *discoverer;
  MsCredentials *credentials; /* NULL without --verify */
  MsVerifyFlags  verify_flags;
  FILE          *live;        /* progress lines: standard output, or standard error with --json */
  GMainLoop     *loop;
  GCancellable  *cancellable;
  MsDiscovery   *discovery;
  GError        *error;
  gboolean       text;        /* print the tables and the summary (not --json) */
  gboolean       discovered;  /* the report is out: later lookup and probe news is moot */
  gboolean       logins_started;
  /* Logins that ended while the discovery was still reporting (the chosen server logs in on
   * its probe's connection): printed after the report. */
  GPtrArray     *early_logins;
} DiscoverRun;

static char *
protocol_label (MsServerConfig *server)
{
  return g_ascii_strup (ms_protocol_to_string (ms_server_config_get_protocol (server)), -1);
}

static const char *
security_label (MsSecurity security)
{
  switch (security)
    {
    case MS_SECURITY_TLS:
      return _("TLS");
    case MS_SECURITY_STARTTLS:
      return _("STARTTLS");
    case MS_SECURITY_NONE:
      return _("no encryption");
    default:
      g_assert_not_reached ();
    }
}

/* "IMAP imap.example.net:993 (TLS)"; IPv6 addresses in brackets, as servers are written. */
static char *
describe_endpoint (MsServerConfig *server)
{
  g_autofree char *protocol = protocol_label (server);
  const char *host = ms_server_config_get_host (server);
  gboolean ipv6 = strchr (host, ':') != NULL;

  return g_strdup_printf ("%s %s%s%s:%u (%s)", protocol, ipv6 ? "[" : "", host, ipv6 ? "]" : "",
                          ms_server_config_get_port (server),
                          security_label (ms_server_config_get_security (server)));
}

static const char *
hint_label (MsHintKind kind)
{
  switch (kind)
    {
    case MS_HINT_APP_PASSWORD:
      return _("App password required");
    case MS_HINT_ENABLE_IMAP:
      return _("IMAP must be enabled");
    case MS_HINT_OAUTH2_ONLY:
      return _("OAuth2 only");
    case MS_HINT_NOTE:
      return _("Note");
    default:
      return ms_hint_kind_to_string (kind);
    }
}

/* Live progress */

static void
on_lookup_finished (MsDiscoverer *discoverer,
                    MsLookup     *lookup,
                    gpointer      user_data)
{
  DiscoverRun *run = user_data;
  const char *name = ms_lookup_get_name (lookup);
  const char *query = ms_lookup_get_url_or_query (lookup);
  gint64 elapsed = ms_lookup_get_elapsed_ms (lookup);
  g_autofree char *outcome = NULL;

  if (run->discovered)
    return;

  if (ms_lookup_get_state (lookup) == MS_LOOKUP_STATE_ABANDONED)
    {
      /* Translators: – srv _pop3._tcp.example.net: not needed any more (120 ms) */
      fprintf (run->live, _("– %s %s: not needed any more (%" G_GINT64_FORMAT " ms)\n"), name,
               query, elapsed);
      return;
    }

  if (!ms_lookup_get_ok (lookup))
    {
      const char *error = ms_lookup_get_error (lookup);

      fprintf (run->live, "✗ %s %s: %s (%" G_GINT64_FORMAT " ms)\n", name, query,
               error != NULL ? error : _("failed"), elapsed);
      return;
    }

  if (ms_lookup_get_service_absent (lookup))
    outcome = g_strdup (_("the domain says it does not offer this service"));
  else if (ms_lookup_get_n_candidates (lookup) == 0)
    outcome = g_strdup (_("no servers"));
  else
    outcome = g_strdup_printf (ngettext ("%u server", "%u servers",
                                         ms_lookup_get_n_candidates (lookup)),
                               ms_lookup_get_n_candidates (lookup));

  if (!ms_lookup_get_trusted (lookup))
    {
      g_autofree char *plain = g_steal_pointer (&outcome);

      /* Translators: "1 server, untrusted" */
      outcome = g_strdup_printf (_("%s, untrusted"), plain);
    }

  fprintf (run->live, "✓ %s %s: %s (%" G_GINT64_FORMAT " ms)\n", name, query, outcome, elapsed);
}

static void
on_probe_finished (MsDiscoverer *discoverer,
                   MsCandidate  *candidate,
                   gpointer      user_data)
{
  DiscoverRun *run = user_data;
  MsCheckResult *probe = ms_candidate_get_probe (candidate);
  g_autofree char *endpoint = NULL;

  if (run->discovered)
    return;

  endpoint = describe_endpoint (ms_candidate_get_server (candidate));
  if (probe == NULL)
    fprintf (run->live, _("  probe %s: not finished (not needed any more)\n"), endpoint);
  else if (ms_check_result_get_ok (probe))
    /* Translators: "  probe IMAP imap.example.net:993 (TLS): ok (85 ms)" */
    fprintf (run->live, _("  probe %s: ok (%" G_GINT64_FORMAT " ms)\n"), endpoint,
             ms_check_result_get_elapsed_ms (probe));
  else
    fprintf (run->live, _("  probe %s: %s (%" G_GINT64_FORMAT " ms)\n"), endpoint,
             ms_check_result_get_message (probe), ms_check_result_get_elapsed_ms (probe));
}

static void
on_verify_started (MsDiscoverer *discoverer,
                   MsCandidate  *candidate,
                   gpointer      user_data)
{
  DiscoverRun *run = user_data;
  g_autofree char *endpoint = describe_endpoint (ms_candidate_get_server (candidate));

  /* A blank line between the discovery's report and the logins. */
  if (!run->logins_started && run->text)
    fputc ('\n', run->live);
  run->logins_started = TRUE;
  fprintf (run->live, _("Logging in to %s…\n"), endpoint);
}

static void
on_verify_finished (MsDiscoverer  *discoverer,
                    MsCandidate   *candidate,
                    MsCheckResult *result,
                    gpointer      user_data)
{
  DiscoverRun *run = user_data;

  if (result == NULL)
    return;
  if (!run->discovered && run->text)
    g_ptr_array_add (run->early_logins, g_object_ref (result));
  else
    ms_cli_print_check_result (run->live, result, TRUE, FALSE);
}

/* Text output */

/* Prints @text and pads it to @width characters (not bytes: names and labels are UTF-8). */
static void
print_cell (const char *text,
            guint       width)
{
  glong length = g_utf8_strlen (text, -1);

  fputs (text, stdout);
  for (glong i = length; i < (glong) width + 2; i++)
    fputc (' ', stdout);
}

static char *
probe_cell (MsCandidate *candidate)
{
  MsCheckResult *probe = ms_candidate_get_probe (candidate);

  switch (ms_candidate_get_probe_state (candidate))
    {
    case MS_PROBE_STATE_FINISHED:
      if (probe == NULL)
        return g_strdup (_("no result"));
      if (ms_check_result_get_ok (probe))
        {
          const char *tls = ms_check_result_get_tls_version (probe);

          /* Translators: "ok, TLS 1.3, 85 ms" */
          return g_strdup_printf (_("ok, %s, %" G_GINT64_FORMAT " ms"), tls ? tls : _("no TLS"),
                                  ms_check_result_get_elapsed_ms (probe));
        }
      return g_strdup (ms_diagnosis_to_nick (ms_check_result_get_diagnosis (probe)));
    case MS_PROBE_STATE_ABANDONED:
      return g_strdup (_("not needed"));
    case MS_PROBE_STATE_PENDING:
    case MS_PROBE_STATE_RUNNING:
    default:
      return g_strdup (_("not finished"));
    }
}

#define N_COLUMNS 7

static void
print_candidates (MsDiscovery *discovery,
                  MsDirection  direction)
{
  GPtrArray *candidates = ms_discovery_get_candidates (discovery, direction);
  const char *headings[N_COLUMNS] = {
    /* Translators: the column headings of the candidate table; # is the rank */
    _("#"), _("PROTOCOL"), _("SERVER"), _("SECURITY"), _("SOURCE"), _("TRUST"), _("PROBE"),
  };
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  guint widths[N_COLUMNS];

  printf ("\n%s\n", direction == MS_DIRECTION_INCOMING ? _("Incoming servers, best first:")
                                                       : _("Outgoing servers, best first:"));
  if (candidates == NULL || candidates->len == 0)
    {
      printf ("  %s\n", _("none found"));
      return;
    }

  for (guint column = 0; column < N_COLUMNS; column++)
    widths[column] = g_utf8_strlen (headings[column], -1);

  for (guint i = 0; i < candidates->len; i++)
    {
      MsCandidate *candidate = g_ptr_array_index (candidates, i);
      MsServerConfig *server = ms_candidate_get_server (candidate);
      const char *host = ms_server_config_get_host (server);
      gboolean ipv6 = strchr (host, ':') != NULL;
      char **row = g_new0 (char *, N_COLUMNS + 1);

      row[0] = g_strdup_printf ("%u", i + 1);
      row[1] = protocol_label (server);
      row[2] = g_strdup_printf ("%s%s%s:%u", ipv6 ? "[" : "", host, ipv6 ? "]" : "",
                                ms_server_config_get_port (server));
      row[3] = g_strdup (security_label (ms_server_config_get_security (server)));
      row[4] = g_strdup (ms_discovery_source_to_string (ms_candidate_get_source (candidate)));
      row[5] = g_strdup (ms_candidate_get_trusted (candidate) ? _("trusted") : _("untrusted"));
      row[6] = probe_cell (candidate);
      for (guint column = 0; column < N_COLUMNS; column++)
        widths[column] = MAX (widths[column], (guint) g_utf8_strlen (row[column], -1));
      g_ptr_array_add (rows, row);
    }

  printf ("  ");
  for (guint column = 0; column < N_COLUMNS - 1; column++)
    print_cell (headings[column], widths[column]);
  printf ("%s\n", headings[N_COLUMNS - 1]);

  for (guint i = 0; i < rows->len; i++)
    {
      MsCandidate *candidate = g_ptr_array_index (candidates, i);
      MsCheckResult *probe = ms_candidate_get_probe (candidate);
      char **row = g_ptr_array_index (rows, i);
      const char *reason = ms_candidate_get_untrusted_reason (candidate);

      printf ("  ");
      for (guint column = 0; column < N_COLUMNS - 1; column++)
        print_cell (row[column], widths[column]);
      printf ("%s\n", row[N_COLUMNS - 1]);

      if (!ms_candidate_get_trusted (candidate) && reason != NULL)
        /* Translators: under a row of the candidate table: why it is not trusted */
        printf (_("       untrusted: %s\n"), reason);
      if (probe != NULL && !ms_check_result_get_ok (probe))
        /* Translators: under a row of the candidate table: why its probe failed */
        printf (_("       probe: %s\n"), ms_check_result_get_message (probe));
    }
}

static void
print_chosen (MsDiscovery *discovery,
              MsDirection  direction)
{
  MsCandidate *chosen = ms_discovery_get_chosen (discovery, direction);
  gboolean incoming = direction == MS_DIRECTION_INCOMING;

  if (chosen != NULL)
    {
      g_autofree char *server = ms_cli_describe_server (ms_candidate_get_server (chosen));
      const char *source = ms_discovery_source_to_string (ms_candidate_get_source (chosen));
      const char *reason = ms_candidate_get_untrusted_reason (chosen);

      if (ms_candidate_get_trusted (chosen))
        /* Translators: Chosen incoming server: IMAP over TLS, imap.example.net port 993, user
           alice@example.net (from srv, trusted) */
        printf (incoming ? _("Chosen incoming server: %s (from %s, trusted)\n")
                         : _("Chosen outgoing server: %s (from %s, trusted)\n"),
                server, source);
      else
        {
          printf (incoming ? _("Chosen incoming server: %s (from %s, untrusted)\n")
                           : _("Chosen outgoing server: %s (from %s, untrusted)\n"),
                  server, source);
          if (reason != NULL)
            printf ("  %s\n", reason);
        }
    }
  else
    {
      g_autofree char *failure = ms_discovery_describe_failure (discovery, direction);

      /* The paragraph ends with what was tried, a line each: a blank line closes it. */
      if (failure != NULL)
        printf ("%s\n%s", failure, strchr (failure, '\n') != NULL ? "\n" : "");
      else
        printf ("%s\n",
                incoming ? _("No incoming server found.") : _("No outgoing server found."));
    }
}

static void
print_hints (MsDiscovery *discovery)
{
  guint n_hints = 0;
  const MsHint *hints = ms_discovery_get_hints (discovery, &n_hints);

  if (n_hints == 0)
    return;

  printf ("\n%s\n", _("Advice from the provider:"));
  for (guint i = 0; i < n_hints; i++)
    {
      printf ("  %s: %s\n", hint_label (hints[i].kind), hints[i].text ? hints[i].text : "");
      if (hints[i].url != NULL)
        printf ("    %s\n", hints[i].url);
    }
}

static void
print_discovery_text (MsDiscovery *discovery)
{
  for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
    print_candidates (discovery, directions[i]);
  printf ("\n");
  for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
    print_chosen (discovery, directions[i]);
  print_hints (discovery);
  fflush (stdout);
}

static void
print_verify_text (MsDiscovery *discovery)
{
  printf ("\n%s\n", _("Login:"));
  for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
    {
      MsDirection direction = directions[i];
      const char *side = direction == MS_DIRECTION_INCOMING ? _("incoming") : _("outgoing");
      MsCheckResult *result = ms_discovery_get_verify_result (discovery, direction);
      MsCandidate *chosen = ms_discovery_get_chosen (discovery, direction);

      switch (ms_discovery_get_verify_outcome (discovery, direction))
        {
        case MS_VERIFY_OUTCOME_OK:
          {
            g_autofree char *endpoint =
              describe_endpoint (result ? ms_check_result_get_server (result)
                                        : ms_candidate_get_server (chosen));

            /* Translators: "  incoming: ✓ logged in to IMAP imap.example.net:993 (TLS)" */
            printf (_("  %s: ✓ logged in to %s\n"), side, endpoint);
          }
          break;
        case MS_VERIFY_OUTCOME_FAILED:
          printf (_("  %s: ✗ %s\n"), side,
                  result ? ms_check_result_get_message (result) : _("the login failed"));
          break;
        case MS_VERIFY_OUTCOME_NEEDS_CONFIRMATION:
          {
            const char *reason = chosen ? ms_candidate_get_untrusted_reason (chosen) : NULL;
            g_autofree char *endpoint =
              chosen ? describe_endpoint (ms_candidate_get_server (chosen)) : g_strdup ("?");

            /* Translators: "  incoming: no password sent: IMAP mail.example.org:993 (TLS) is
               not trusted." */
            printf (_("  %s: no password sent: %s is not trusted.\n"), side, endpoint);
            if (reason != NULL)
              printf ("    %s\n", reason);
            printf ("    %s\n",
                    _("Run again with --accept-untrusted to send the password to it."));
          }
          break;
        case MS_VERIFY_OUTCOME_NO_CANDIDATE:
          printf (_("  %s: ✗ no server to log in to\n"), side);
          break;
        case MS_VERIFY_OUTCOME_OAUTH2_ONLY:
          printf (_("  %s: not checked: the provider only allows OAuth2 sign-in, not a "
                    "password\n"),
                  side);
          break;
        case MS_VERIFY_OUTCOME_NOT_RUN:
        default:
          printf (_("  %s: not checked\n"), side);
          break;
        }
    }
  fflush (stdout);
}

/* JSON output */

static JsonNode *
candidate_to_json (MsCandidate *candidate)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  MsServerConfig *server = ms_candidate_get_server (candidate);
  MsCheckResult *probe = ms_candidate_get_probe (candidate);

  json_builder_begin_object (builder);
  ms_cli_json_add_server (builder, server);
  ms_cli_json_add_string_or_null (builder, "username", ms_server_config_get_username (server));
  ms_cli_json_add_string_or_null (
      builder, "source", ms_discovery_source_to_string (ms_candidate_get_source (candidate)));
  json_builder_set_member_name (builder, "trusted");
  json_builder_add_boolean_value (builder, ms_candidate_get_trusted (candidate));
  ms_cli_json_add_string_or_null (
      builder, "untrusted_reason",
      ms_candidate_get_trusted (candidate) ? NULL : ms_candidate_get_untrusted_reason (candidate));
  json_builder_set_member_name (builder, "probe");
  if (probe != NULL)
    json_builder_add_value (builder, ms_cli_check_result_to_json (probe, FALSE));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static JsonNode *
lookup_to_json (MsLookup *lookup)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  ms_cli_json_add_string_or_null (builder, "name", ms_lookup_get_name (lookup));
  ms_cli_json_add_string_or_null (builder, "url_or_query", ms_lookup_get_url_or_query (lookup));
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, ms_lookup_get_ok (lookup));
  json_builder_set_member_name (builder, "trusted");
  json_builder_add_boolean_value (builder, ms_lookup_get_trusted (lookup));
  ms_cli_json_add_string_or_null (builder, "error", ms_lookup_get_error (lookup));
  json_builder_set_member_name (builder, "elapsed_ms");
  json_builder_add_int_value (builder, ms_lookup_get_elapsed_ms (lookup));
  ms_cli_json_add_string_or_null (builder, "state",
                                  ms_lookup_state_to_string (ms_lookup_get_state (lookup)));
  json_builder_set_member_name (builder, "service_absent");
  json_builder_add_boolean_value (builder, ms_lookup_get_service_absent (lookup));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static JsonNode *
discovery_to_json (MsDiscovery *discovery,
                   gboolean     verified,
                   gint64       elapsed_ms)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  GPtrArray *lookups = ms_discovery_get_lookups (discovery);
  guint n_hints = 0;
  const MsHint *hints = ms_discovery_get_hints (discovery, &n_hints);

  json_builder_begin_object (builder);
  ms_cli_json_add_string_or_null (builder, "address", ms_discovery_get_address (discovery));
  ms_cli_json_add_string_or_null (builder, "domain", ms_discovery_get_domain (discovery));

  json_builder_set_member_name (builder, "sources");
  json_builder_begin_array (builder);
  for (guint i = 0; lookups != NULL && i < lookups->len; i++)
    json_builder_add_value (builder, lookup_to_json (g_ptr_array_index (lookups, i)));
  json_builder_end_array (builder);

  for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
    {
      GPtrArray *candidates = ms_discovery_get_candidates (discovery, directions[i]);

      json_builder_set_member_name (builder, ms_direction_to_string (directions[i]));
      json_builder_begin_array (builder);
      for (guint j = 0; candidates != NULL && j < candidates->len; j++)
        json_builder_add_value (builder, candidate_to_json (g_ptr_array_index (candidates, j)));
      json_builder_end_array (builder);
    }

  json_builder_set_member_name (builder, "chosen");
  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
    {
      MsCandidate *chosen = ms_discovery_get_chosen (discovery, directions[i]);

      json_builder_set_member_name (builder, ms_direction_to_string (directions[i]));
      if (chosen != NULL)
        json_builder_add_value (builder, candidate_to_json (chosen));
      else
        json_builder_add_null_value (builder);
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "hints");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_hints; i++)
    {
      json_builder_begin_object (builder);
      ms_cli_json_add_string_or_null (builder, "kind", ms_hint_kind_to_string (hints[i].kind));
      ms_cli_json_add_string_or_null (builder, "text", hints[i].text);
      ms_cli_json_add_string_or_null (builder, "url", hints[i].url);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "elapsed_ms");
  json_builder_add_int_value (builder, elapsed_ms);

  if (verified)
    {
      json_builder_set_member_name (builder, "verify");
      json_builder_begin_object (builder);
      for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
        {
          MsCheckResult *result = ms_discovery_get_verify_result (discovery, directions[i]);

          json_builder_set_member_name (builder, ms_direction_to_string (directions[i]));
          json_builder_begin_object (builder);
          ms_cli_json_add_string_or_null (
              builder, "outcome",
              ms_verify_outcome_to_string (
                  ms_discovery_get_verify_outcome (discovery, directions[i])));
          json_builder_set_member_name (builder, "result");
          if (result != NULL)
            json_builder_add_value (builder, ms_cli_check_result_to_json (result, FALSE));
          else
            json_builder_add_null_value (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_object (builder);
    }

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The run */

static gboolean
on_interrupt (gpointer user_data)
{
  DiscoverRun *run = user_data;

  /* A second Ctrl-C stops at once, whatever is still winding down. */
  if (g_cancellable_is_cancelled (run->cancellable))
    exit (MS_CLI_EXIT_INTERRUPTED);

  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_CONTINUE;
}

static void
on_discovered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  DiscoverRun *run = user_data;

  if (run->credentials != NULL)
    run->discovery = ms_discoverer_discover_and_verify_finish (MS_DISCOVERER (source), result,
                                                               &run->error);
  else
    run->discovery = ms_discoverer_discover_finish (MS_DISCOVERER (source), result, &run->error);
  run->discovered = TRUE;

  if (run->discovery != NULL && run->text)
    {
      print_discovery_text (run->discovery);
      if (run->early_logins->len > 0)
        fputc ('\n', run->live);
      for (guint i = 0; i < run->early_logins->len; i++)
        ms_cli_print_check_result (run->live, g_ptr_array_index (run->early_logins, i), TRUE,
                                   FALSE);
    }

  g_main_loop_quit (run->loop);
}

static gboolean
parse_timeout (const char *text,
               guint      *out_milliseconds)
{
  char *end = NULL;
  double seconds;

  if (text == NULL || *text == '\0')
    return FALSE;
  seconds = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (seconds) || seconds <= 0 ||
      seconds > MAX_TIMEOUT_SECONDS)
    return FALSE;

  *out_milliseconds = MAX (1, (guint) (seconds * 1000));
  return TRUE;
}

static gboolean
is_web_url (const char *text)
{
  const char *scheme = g_uri_peek_scheme (text);

  if (scheme == NULL || !(g_str_equal (scheme, "http") || g_str_equal (scheme, "https")))
    return FALSE;
  return g_uri_is_valid (text, G_URI_FLAGS_NONE, NULL);
}

/* The shipped provider database, with @directory's files (if any) taking precedence. */
static MsProviderDatabase *
load_providers (const char *command,
                const char *directory,
                int        *out_exit_code)
{
  g_autoptr (MsProviderDatabase) providers = NULL;
  g_autoptr (GError) error = NULL;

  if (directory != NULL)
    {
      /* Opened first so that a typo is a usage error before anything else is said. */
      g_autoptr (GDir) dir = g_dir_open (directory, 0, &error);

      if (dir == NULL)
        {
          *out_exit_code = ms_cli_usage_error (command, "--providers-dir: %s", error->message);
          return NULL;
        }
    }

  providers = ms_provider_database_new_default (&error);
  if (providers == NULL)
    {
      /* The other sources still work: a broken installation should not stop them. */
      fprintf (stderr, _("%s: warning: %s; looking up without the provider database\n"),
               command, error->message);
      g_clear_error (&error);
      providers = ms_provider_database_new ();
    }

  if (directory != NULL)
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (directory);

      if (!ms_provider_database_add_directory (providers, file, &error))
        {
          *out_exit_code = ms_cli_usage_error (command, "--providers-dir: %s", error->message);
          return NULL;
        }
    }

  return g_steal_pointer (&providers);
}

static int
exit_code_for (MsDiscovery *discovery,
               gboolean     verified)
{
  for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
    {
      MsVerifyOutcome outcome;

      if (ms_discovery_get_chosen (discovery, directions[i]) == NULL)
        return MS_CLI_EXIT_FAILED;
      if (!verified)
        continue;
      outcome = ms_discovery_get_verify_outcome (discovery, directions[i]);
      if (outcome != MS_VERIFY_OUTCOME_OK && outcome != MS_VERIFY_OUTCOME_OAUTH2_ONLY)
        return MS_CLI_EXIT_FAILED;
    }

  return MS_CLI_EXIT_OK;
}

int
ms_cli_discover (int    argc,
                 char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (MsDiscoverer) discoverer = NULL;
  g_autoptr (MsAddress) address = NULL;
  g_autoptr (MsCredentials) credentials = NULL;
  g_autoptr (GCancellable) cancellable = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *ispdb_url = NULL;
  g_autofree char *providers_dir = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *timeout_text = NULL;
  gboolean json = FALSE;
  gboolean verify = FALSE;
  gboolean password_stdin = FALSE;
  gboolean accept_untrusted = FALSE;
  gboolean no_guess = FALSE;
  gboolean no_http = FALSE;
  guint timeout_ms = 0;
  MsDiscoverFlags flags = MS_DISCOVER_FLAGS_NONE;
  const char *command = g_get_prgname ();
  int exit_code = MS_CLI_EXIT_OK;
  guint signal_sources[2];
  gint64 start;
  DiscoverRun run = { 0 };
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print one JSON object at the end (progress goes to standard error)"), NULL },
    { "verify", 0, 0, G_OPTION_ARG_NONE, &verify,
      N_("Log in to the chosen incoming and outgoing server (needs --password-stdin)"), NULL },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Read the password for --verify from the first line of standard input"), NULL },
    { "accept-untrusted", 0, 0, G_OPTION_ARG_NONE, &accept_untrusted,
      N_("With --verify, also send the password to a server found through an untrusted "
         "source (plain http, MX, SRV outside the domain)"),
      NULL },
    { "no-guess", 0, 0, G_OPTION_ARG_NONE, &no_guess,
      N_("Do not try the usual server names (imap.DOMAIN, smtp.DOMAIN, …)"), NULL },
    { "no-http", 0, 0, G_OPTION_ARG_NONE, &no_http,
      N_("Do not fetch autoconfig files over plain http"), NULL },
    { "ispdb-url", 0, 0, G_OPTION_ARG_STRING, &ispdb_url,
      N_("Ask the ISP database at this URL instead of Thunderbird’s"), N_("URL") },
    { "providers-dir", 0, 0, G_OPTION_ARG_FILENAME, &providers_dir,
      N_("Also read the provider files (*.xml) in this directory; they take precedence over "
         "the shipped ones"),
      N_("DIR") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("Trust the certificate authorities in this PEM file instead of the system’s, for "
         "https and for the servers"),
      N_("FILE") },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
      N_("Give up after this many seconds (default: 30)"), N_("SECONDS") },
    { NULL }
  };

  context = ms_cli_option_context_new (
    N_("ADDRESS"),
    _("Finds the incoming and outgoing servers for an e-mail address: asks every source at "
      "the same time (the provider database, the provider’s autoconfig, Thunderbird’s ISP "
      "database, MX and SRV records in DNS, and the usual server names), checks each server "
      "it finds (TLS and capabilities, no password), ranks them and chooses the best of each "
      "kind. With --verify it then logs in to both, like “test”. Passwords are never taken on "
      "the command line.\n\nExit status: 0 when an incoming and an outgoing server were found "
      "(and, with --verify, both logins worked), 1 otherwise, 2 for usage errors, 130 when "
      "interrupted."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!ms_cli_parse_options (context, command, &argc, &argv, &exit_code))
    return exit_code;

  if (argc < 2)
    return ms_cli_usage_error (command, _("give the e-mail address to look up, like “%s "
                                          "alice@example.com”"),
                               command);
  if (argc > 2)
    return ms_cli_usage_error (command, _("unexpected argument “%s”"), argv[2]);

  address = ms_address_parse (argv[1], &error);
  if (address == NULL)
    return ms_cli_usage_error (command, _("cannot look up “%s”: %s"), argv[1], error->message);

  if (verify && !password_stdin)
    return ms_cli_usage_error (command, _("--verify needs the password: add --password-stdin "
                                          "(passwords are never taken on the command line)"));
  if (password_stdin && !verify)
    return ms_cli_usage_error (command, _("--password-stdin only goes with --verify"));
  if (accept_untrusted && !verify)
    return ms_cli_usage_error (command, _("--accept-untrusted only goes with --verify"));
  if (timeout_text != NULL && !parse_timeout (timeout_text, &timeout_ms))
    return ms_cli_usage_error (command, _("--timeout: “%s” is not a number of seconds above 0"),
                               timeout_text);
  if (ispdb_url != NULL && !is_web_url (ispdb_url))
    return ms_cli_usage_error (command,
                               _("--ispdb-url: “%s” is not an http:// or https:// URL"),
                               ispdb_url);

  discoverer = ms_discoverer_new ();

  {
    g_autoptr (MsProviderDatabase) providers = load_providers (command, providers_dir,
                                                               &exit_code);

    if (providers == NULL)
      return exit_code;
    ms_discoverer_set_providers (discoverer, providers);
  }

  if (ca_file != NULL)
    {
      g_autoptr (GTlsDatabase) database = g_tls_file_database_new (ca_file, &error);

      if (database == NULL)
        return ms_cli_usage_error (command, "--ca-file: %s", error->message);
      ms_discoverer_set_tls_database (discoverer, database);
    }

  if (ispdb_url != NULL)
    {
      g_autofree char *base = g_str_has_suffix (ispdb_url, "/")
                                ? g_strdup (ispdb_url)
                                : g_strconcat (ispdb_url, "/", NULL);

      ms_discoverer_set_ispdb_url (discoverer, base);
    }

  if (timeout_ms > 0)
    {
      MsProber *prober = ms_discoverer_get_prober (discoverer);

      ms_discoverer_set_timeout_ms (discoverer, timeout_ms);
      ms_discoverer_set_http_timeout_ms (
        discoverer, MIN (timeout_ms, ms_discoverer_get_http_timeout_ms (discoverer)));
      ms_prober_set_total_timeout (prober, MIN (timeout_ms, ms_prober_get_total_timeout (prober)));
      ms_prober_set_connect_timeout (prober,
                                     MIN (timeout_ms, ms_prober_get_connect_timeout (prober)));
      ms_prober_set_step_timeout (prober, MIN (timeout_ms, ms_prober_get_step_timeout (prober)));
    }

  if (no_guess)
    flags |= MS_DISCOVER_FLAGS_NO_GUESS;
  if (no_http)
    flags |= MS_DISCOVER_FLAGS_NO_HTTP;
  ms_discoverer_set_flags (discoverer, flags);

  if (verify)
    {
      char *password = ms_cli_read_password (command, &exit_code);

      if (password == NULL)
        return exit_code;
      credentials = ms_credentials_new_for_address (address->address, address->address,
                                                    password);
      ms_cli_wipe_password (password);
    }

  cancellable = g_cancellable_new ();
  loop = g_main_loop_new (NULL, FALSE);
  run.discoverer = discoverer;
  run.credentials = credentials;
  run.verify_flags =
    accept_untrusted ? MS_VERIFY_FLAGS_ACCEPT_UNTRUSTED : MS_VERIFY_FLAGS_NONE;
  run.live = json ? stderr : stdout;
  run.loop = loop;
  run.cancellable = cancellable;
  run.text = !json;
  run.early_logins = g_ptr_array_new_with_free_func (g_object_unref);

  g_signal_connect (discoverer, "lookup-finished", G_CALLBACK (on_lookup_finished), &run);
  g_signal_connect (discoverer, "probe-finished", G_CALLBACK (on_probe_finished), &run);
  g_signal_connect (discoverer, "verify-started", G_CALLBACK (on_verify_started), &run);
  g_signal_connect (discoverer, "verify-finished", G_CALLBACK (on_verify_finished), &run);
  signal_sources[0] = g_unix_signal_add (SIGINT, on_interrupt, &run);
  signal_sources[1] = g_unix_signal_add (SIGTERM, on_interrupt, &run);

  start = g_get_monotonic_time ();
  /* With the password, the logins run during the discovery: the chosen servers log in on
   * the connections their probes opened. */
  if (credentials != NULL)
    ms_discoverer_discover_and_verify_async (discoverer, address->address, credentials,
                                             run.verify_flags, cancellable, on_discovered, &run);
  else
    ms_discoverer_discover_async (discoverer, address->address, cancellable, on_discovered,
                                  &run);
  g_main_loop_run (loop);
  g_clear_pointer (&run.early_logins, g_ptr_array_unref);

  g_signal_handlers_disconnect_by_data (discoverer, &run);
  for (guint i = 0; i < G_N_ELEMENTS (signal_sources); i++)
    g_source_remove (signal_sources[i]);

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_clear_object (&run.discovery);
      g_clear_error (&run.error);
      fprintf (stderr, _("%s: interrupted\n"), command);
      return MS_CLI_EXIT_INTERRUPTED;
    }

  if (run.discovery == NULL)
    {
      exit_code = ms_cli_error (command, MS_CLI_EXIT_FAILED, run.error);
      g_clear_error (&run.error);
      return exit_code;
    }

  if (run.error != NULL)
    {
      /* The discovery itself stands; only the login could not be carried out. */
      ms_cli_error (command, MS_CLI_EXIT_FAILED, run.error);
      g_clear_error (&run.error);
      exit_code = MS_CLI_EXIT_FAILED;
    }
  else
    exit_code = exit_code_for (run.discovery, verify);

  if (json)
    {
      g_autoptr (JsonNode) root =
        discovery_to_json (run.discovery, verify, (g_get_monotonic_time () - start) / 1000);

      ms_cli_print_json (root);
    }
  else if (verify)
    print_verify_text (run.discovery);

  g_clear_object (&run.discovery);
  return exit_code;
}
