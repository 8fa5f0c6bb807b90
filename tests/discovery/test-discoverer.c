/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-discoverer"

#include "config.h"

#include <glib/gstdio.h>

#include "mailsetup.h"
#include "ms-discovery-private.h"
#include "ms-test-resolver.h"
#include "ms-testbed.h"

/* The discoverer end to end against the real Dovecot and Postfix of the test-bed, with DNS
 * answered by a test resolver (installed the GLib way, so the prober's connections use it
 * too) and HTTP sources pointed at a closed port. The DNS-server-and-HTTPS world of a whole
 * domain is tests/discovery-world; this covers the engine's decisions: ranking, trust, the
 * grace window, SRV "." records, verification order. */

static MsTestbed *testbed;

/* A server that accepts connections and never says a word: a black hole behind a firewall
 * that lets the handshake through. */
typedef struct
{
  GSocketService *service;
  GPtrArray      *connections;
  guint16         port;
} BlackHole;

static gboolean
on_black_hole_incoming (GSocketService    *service,
                        GSocketConnection *connection,
                        GObject           *source,
                        gpointer           user_data)
{
  BlackHole *hole = user_data;

  g_ptr_array_add (hole->connections, g_object_ref (connection));
  return TRUE;
}

static BlackHole *
black_hole_new (void)
{
  BlackHole *hole = g_new0 (BlackHole, 1);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;

  hole->service = g_socket_service_new ();
  hole->connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_socket_listener_add_address (G_SOCKET_LISTENER (hole->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &effective,
                                 &error);
  g_assert_no_error (error);
  hole->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (hole->service, "incoming", G_CALLBACK (on_black_hole_incoming), hole);
  g_socket_service_start (hole->service);

  return hole;
}

static void
black_hole_free (BlackHole *hole)
{
  g_socket_service_stop (hole->service);
  g_socket_listener_close (G_SOCKET_LISTENER (hole->service));
  g_clear_object (&hole->service);
  g_clear_pointer (&hole->connections, g_ptr_array_unref);
  g_free (hole);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlackHole, black_hole_free)

/* A port nothing listens on: bind, note, close. */
static guint16
closed_port (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

typedef struct
{
  MsTestResolver *resolver;
  GResolver      *previous;
  MsDiscoverer   *discoverer;
  GPtrArray      *events;
  char           *providers_dir;
} Fixture;

static void
on_lookup_finished (MsDiscoverer *discoverer,
                    MsLookup     *lookup,
                    Fixture      *fixture)
{
  g_ptr_array_add (fixture->events, g_strdup_printf ("lookup %s %s", ms_lookup_get_name (lookup),
                                                     ms_lookup_get_url_or_query (lookup)));
}

static void
on_verify_started (MsDiscoverer *discoverer,
                   MsCandidate  *candidate,
                   Fixture      *fixture)
{
  MsServerConfig *server = ms_candidate_get_server (candidate);

  g_ptr_array_add (fixture->events, g_strdup_printf ("verify %s:%u",
                                                     ms_server_config_get_host (server),
                                                     ms_server_config_get_port (server)));
}

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer data)
{
  g_autoptr (GTlsDatabase) database = NULL;
  g_autoptr (GError) error = NULL;

  fixture->resolver = ms_test_resolver_new ();
  fixture->previous = g_resolver_get_default ();
  g_resolver_set_default (G_RESOLVER (fixture->resolver));
  ms_test_resolver_add_address (fixture->resolver, "mail.example.test", "127.0.0.1");
  ms_test_resolver_add_address (fixture->resolver, "localhost", "127.0.0.1");
  ms_test_resolver_add_address (fixture->resolver, "blackhole.example.test", "127.0.0.1");

  database = g_tls_file_database_new (ms_testbed_get_ca_file (testbed), &error);
  g_assert_no_error (error);

  fixture->discoverer = ms_discoverer_new ();
  ms_discoverer_set_tls_database (fixture->discoverer, database);
  ms_discoverer_set_resolver (fixture->discoverer, G_RESOLVER (fixture->resolver));
  /* Nothing answers HTTP here: refused at once. */
  ms_discoverer_set_ispdb_url (fixture->discoverer, "https://127.0.0.1:1/v1.1/");
  ms_discoverer_set_flags (fixture->discoverer,
                           MS_DISCOVER_FLAGS_NO_GUESS | MS_DISCOVER_FLAGS_NO_HTTP);
  /* Long enough that a better candidate merely slower on a loaded machine still wins; the
   * grace tests set their own. */
  ms_discoverer_set_grace_ms (fixture->discoverer, 2000);

  fixture->events = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (fixture->discoverer, "lookup-finished", G_CALLBACK (on_lookup_finished),
                    fixture);
  g_signal_connect (fixture->discoverer, "verify-started", G_CALLBACK (on_verify_started),
                    fixture);
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer data)
{
  g_resolver_set_default (fixture->previous);
  g_clear_object (&fixture->previous);
  g_clear_object (&fixture->discoverer);
  g_clear_object (&fixture->resolver);
  g_clear_pointer (&fixture->events, g_ptr_array_unref);
  if (fixture->providers_dir != NULL)
    {
      g_autofree char *file = g_build_filename (fixture->providers_dir, "site.xml", NULL);

      g_unlink (file);
      g_rmdir (fixture->providers_dir);
      g_free (fixture->providers_dir);
    }
}

static void
on_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static MsDiscovery *
discover (Fixture    *fixture,
          const char *address,
          gint64     *out_elapsed_ms)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  MsDiscovery *discovery;
  gint64 start = g_get_monotonic_time ();

  ms_discoverer_discover_async (fixture->discoverer, address, NULL, on_async_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  discovery = ms_discoverer_discover_finish (fixture->discoverer, result, &error);
  g_assert_no_error (error);
  if (out_elapsed_ms != NULL)
    *out_elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  return discovery;
}

static void
verify (Fixture       *fixture,
        MsDiscovery   *discovery,
        const char    *password,
        MsVerifyFlags  flags)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MsCredentials) credentials = NULL;

  credentials = ms_credentials_new_for_address (ms_discovery_get_address (discovery),
                                                ms_discovery_get_address (discovery), password);
  ms_discoverer_verify_async (fixture->discoverer, discovery, credentials, flags, NULL,
                              on_async_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (ms_discoverer_verify_finish (fixture->discoverer, result, &error));
  g_assert_no_error (error);
}

static MsDiscovery *
discover_and_verify (Fixture      *fixture,
                     const char   *address,
                     const char   *password,
                     MsVerifyFlags flags)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MsCredentials) credentials = ms_credentials_new_for_address (address, address,
                                                                          password);
  MsDiscovery *discovery;

  ms_discoverer_discover_and_verify_async (fixture->discoverer, address, credentials, flags, NULL,
                                           on_async_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  discovery = ms_discoverer_discover_and_verify_finish (fixture->discoverer, result, &error);
  g_assert_no_error (error);

  return discovery;
}

static guint16
port (MsTestbedListener listener)
{
  return ms_testbed_get_port (testbed, listener);
}

static const char *
alice_password (void)
{
  return ms_testbed_get_user (testbed, MS_TESTBED_USER_FULL_ADDRESS)->password;
}

static void
assert_chosen (MsDiscovery *discovery,
               MsDirection  direction,
               const char  *host,
               guint16      expected_port,
               MsDiscoverySource source)
{
  MsCandidate *chosen = ms_discovery_get_chosen (discovery, direction);

  g_assert_nonnull (chosen);
  g_assert_cmpstr (ms_server_config_get_host (ms_candidate_get_server (chosen)), ==, host);
  g_assert_cmpuint (ms_server_config_get_port (ms_candidate_get_server (chosen)), ==,
                    expected_port);
  g_assert_cmpstr (ms_discovery_source_to_string (ms_candidate_get_source (chosen)), ==,
                   ms_discovery_source_to_string (source));
}

static void
add_srv_everything (MsTestResolver *resolver)
{
  ms_test_resolver_add_srv (resolver, "_imaps._tcp.example.test", 0, 1,
                            port (MS_TESTBED_IMAP_TLS), "mail.example.test");
  ms_test_resolver_add_srv (resolver, "_imap._tcp.example.test", 0, 1,
                            port (MS_TESTBED_IMAP_STARTTLS), "mail.example.test");
  ms_test_resolver_add_srv (resolver, "_submissions._tcp.example.test", 0, 1,
                            port (MS_TESTBED_SMTP_TLS), "mail.example.test");
  ms_test_resolver_add_srv (resolver, "_submission._tcp.example.test", 0, 1,
                            port (MS_TESTBED_SMTP_STARTTLS), "mail.example.test");
}

/* SRV records alone: implicit TLS wins over STARTTLS, both directions verify. */
static void
test_srv_verify (Fixture      *fixture,
                 gconstpointer data)
{
  g_autoptr (MsDiscovery) discovery = NULL;

  add_srv_everything (fixture->resolver);
  discovery = discover (fixture, "alice@example.test", NULL);

  assert_chosen (discovery, MS_DIRECTION_INCOMING, "mail.example.test", port (MS_TESTBED_IMAP_TLS),
                 MS_DISCOVERY_SOURCE_SRV);
  assert_chosen (discovery, MS_DIRECTION_OUTGOING, "mail.example.test", port (MS_TESTBED_SMTP_TLS),
                 MS_DISCOVERY_SOURCE_SRV);
  g_assert_true (ms_candidate_get_trusted (ms_discovery_get_chosen (discovery,
                                                                    MS_DIRECTION_INCOMING)));
  g_assert_null (ms_discovery_describe_failure (discovery, MS_DIRECTION_INCOMING));

  verify (fixture, discovery, alice_password (), MS_VERIFY_FLAGS_NONE);
  g_assert_cmpint (ms_discovery_get_verify_outcome (discovery, MS_DIRECTION_INCOMING), ==,
                   MS_VERIFY_OUTCOME_OK);
  g_assert_cmpint (ms_discovery_get_verify_outcome (discovery, MS_DIRECTION_OUTGOING), ==,
                   MS_VERIFY_OUTCOME_OK);
}

/* With the password up front, the chosen servers log in on their probe connections, and
 * only they: one login per direction. */
static void
test_held_login (Fixture      *fixture,
                 gconstpointer data)
{
  g_autoptr (MsDiscovery) discovery = NULL;
  guint n_verify = 0;

  add_srv_everything (fixture->resolver);
  discovery = discover_and_verify (fixture, "alice@example.test", alice_password (),
                                   MS_VERIFY_FLAGS_NONE);

  assert_chosen (discovery, MS_DIRECTION_INCOMING, "mail.example.test", port (MS_TESTBED_IMAP_TLS),
                 MS_DISCOVERY_SOURCE_SRV);
  for (guint d = 0; d < 2; d++)
    {
      MsCheckResult *login = ms_discovery_get_verify_result (discovery, d);

      g_assert_cmpint (ms_discovery_get_verify_outcome (discovery, d), ==, MS_VERIFY_OUTCOME_OK);
      g_assert_cmpstr (ms_check_result_get_username_used (login), ==, "alice@example.test");
    }
  for (guint i = 0; i < fixture->events->len; i++)
    if (g_str_has_prefix (fixture->events->pdata[i], "verify "))
      n_verify++;
  g_assert_cmpuint (n_verify, ==, 2);
}

static void
test_held_wrong_password (Fixture      *fixture,
                          gconstpointer data)
{
  g_autoptr (MsDiscovery) discovery = NULL;

  add_srv_everything (fixture->resolver);
  discovery = discover_and_verify (fixture, "alice@example.test", "wrong", MS_VERIFY_FLAGS_NONE);

  g_assert_cmpint (ms_discovery_get_verify_outcome (discovery, MS_DIRECTION_INCOMING), ==,
                   MS_VERIFY_OUTCOME_FAILED);
  g_assert_cmpint (ms_check_result_get_diagnosis (
                     ms_discovery_get_verify_result (discovery, MS_DIRECTION_INCOMING)),
                   ==, MS_DIAGNOSIS_AUTH_FAILED);
  assert_chosen (discovery, MS_DIRECTION_INCOMING, "mail.example.test", port (MS_TESTBED_IMAP_TLS),
                 MS_DISCOVERY_SOURCE_SRV);
}

/* An untrusted candidate is probed without the password and needs confirmation. */
static void
test_held_untrusted (Fixture      *fixture,
                     gconstpointer data)
{
  g_autoptr (MsDiscovery) refused = NULL;
  g_autoptr (MsDiscovery) accepted = NULL;

  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 0, 1,
                            port (MS_TESTBED_IMAP_TLS), "localhost");
  ms_test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 0, 1,
                            port (MS_TESTBED_SMTP_TLS), "mail.example.test");

  refused = discover_and_verify (fixture, "alice@example.test", alice_password (),
                                 MS_VERIFY_FLAGS_NONE);
  g_assert_cmpint (ms_discovery_get_verify_outcome (refused, MS_DIRECTION_INCOMING), ==,
                   MS_VERIFY_OUTCOME_NEEDS_CONFIRMATION);
  g_assert_cmpint (ms_discovery_get_verify_outcome (refused, MS_DIRECTION_OUTGOING), ==,
                   MS_VERIFY_OUTCOME_OK);
  for (guint i = 0; i < fixture->events->len; i++)
    g_assert_false (g_str_has_prefix (fixture->events->pdata[i], "verify localhost"));

  accepted = discover_and_verify (fixture, "alice@example.test", alice_password (),
                                  MS_VERIFY_FLAGS_ACCEPT_UNTRUSTED);
  g_assert_cmpint (ms_discovery_get_verify_outcome (accepted, MS_DIRECTION_INCOMING), ==,
                   MS_VERIFY_OUTCOME_OK);
}

/* The better candidates accept the connection and then say nothing: the STARTTLS ones win
 * once the grace window after their good probe is over, long before any timeout. */
static void
test_black_holed_better (Fixture      *fixture,
                         gconstpointer data)
{
  g_autoptr (BlackHole) hole = black_hole_new ();
  g_autoptr (MsDiscovery) discovery = NULL;
  gint64 elapsed_ms = 0;
  GPtrArray *incoming;

  ms_discoverer_set_grace_ms (fixture->discoverer, 300);

  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 0, 1, hole->port,
                            "blackhole.example.test");
  ms_test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 0, 1,
                            hole->port, "blackhole.example.test");
  ms_test_resolver_add_srv (fixture->resolver, "_imap._tcp.example.test", 0, 1,
                            port (MS_TESTBED_IMAP_STARTTLS), "mail.example.test");
  ms_test_resolver_add_srv (fixture->resolver, "_submission._tcp.example.test", 0, 1,
                            port (MS_TESTBED_SMTP_STARTTLS), "mail.example.test");

  discovery = discover (fixture, "alice@example.test", &elapsed_ms);

  assert_chosen (discovery, MS_DIRECTION_INCOMING, "mail.example.test",
                 port (MS_TESTBED_IMAP_STARTTLS), MS_DISCOVERY_SOURCE_SRV);
  assert_chosen (discovery, MS_DIRECTION_OUTGOING, "mail.example.test",
                 port (MS_TESTBED_SMTP_STARTTLS), MS_DISCOVERY_SOURCE_SRV);
  /* Grace at most 300 ms (a quarter of it on loopback); the prober's own timeouts are
   * 10–15 s. */
  g_assert_cmpint (elapsed_ms, <, 3000);
  g_assert_cmpint (elapsed_ms, >=, 300 / 4);

  incoming = ms_discovery_get_candidates (discovery, MS_DIRECTION_INCOMING);
  g_assert_cmpuint (incoming->len, ==, 2);
  /* Ranked first (implicit TLS) but never answered. */
  g_assert_cmpuint (ms_server_config_get_port (ms_candidate_get_server (incoming->pdata[0])), ==,
                    hole->port);
  g_assert_cmpint (ms_candidate_get_probe_state (incoming->pdata[0]), ==,
                   MS_PROBE_STATE_ABANDONED);
}

/* Every better candidate failed: no reason to wait for the grace window. */
static void
test_better_failed_no_wait (Fixture      *fixture,
                            gconstpointer data)
{
  g_autoptr (MsDiscovery) discovery = NULL;
  gint64 elapsed_ms = 0;

  ms_discoverer_set_grace_ms (fixture->discoverer, 5000);
  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 0, 1, closed_port (),
                            "mail.example.test");
  ms_test_resolver_add_srv (fixture->resolver, "_imap._tcp.example.test", 0, 1,
                            port (MS_TESTBED_IMAP_STARTTLS), "mail.example.test");
  ms_test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 0, 1,
                            port (MS_TESTBED_SMTP_TLS), "mail.example.test");

  discovery = discover (fixture, "alice@example.test", &elapsed_ms);

  assert_chosen (discovery, MS_DIRECTION_INCOMING, "mail.example.test",
                 port (MS_TESTBED_IMAP_STARTTLS), MS_DISCOVERY_SOURCE_SRV);
  g_assert_cmpint (elapsed_ms, <, 4000);
}

/* SRV priority decides between two implicit-TLS targets (RFC 2782): the preferred one is
 * chosen even though it answers later than the other. */
static void
test_srv_priority (Fixture      *fixture,
                   gconstpointer data)
{
  g_autoptr (MsDiscovery) discovery = NULL;

  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 20, 1,
                            port (MS_TESTBED_IMAP_TLS), "mail.example.test");
  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 10, 1,
                            port (MS_TESTBED_POP3_TLS), "mail.example.test");
  ms_test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 0, 1,
                            port (MS_TESTBED_SMTP_TLS), "mail.example.test");

  discovery = discover (fixture, "alice@example.test", NULL);

  /* Priority 10 is Dovecot's POP3 port: the IMAP probe of it fails, so priority 20 wins —
   * after the failure, not by arrival order. */
  assert_chosen (discovery, MS_DIRECTION_INCOMING, "mail.example.test", port (MS_TESTBED_IMAP_TLS),
                 MS_DISCOVERY_SOURCE_SRV);
  g_assert_cmpuint (ms_candidate_get_srv_priority (ms_discovery_get_chosen (discovery,
                                                                            MS_DIRECTION_INCOMING)),
                    ==, 20);
  g_assert_cmpuint (ms_candidate_get_srv_priority (
                      ms_discovery_get_candidates (discovery, MS_DIRECTION_INCOMING)->pdata[0]),
                    ==, 10);
}

/* "." for IMAP: no IMAP server is guessed; POP3 (from SRV) is chosen. */
static void
test_srv_dot_not_guessed (Fixture      *fixture,
                          gconstpointer data)
{
  g_autoptr (MsDiscovery) discovery = NULL;
  GPtrArray *incoming;

  ms_discoverer_set_flags (fixture->discoverer, MS_DISCOVER_FLAGS_NO_HTTP);
  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 0, 0, 0, ".");
  ms_test_resolver_add_srv (fixture->resolver, "_imap._tcp.example.test", 0, 0, 0, ".");
  ms_test_resolver_add_srv (fixture->resolver, "_pop3s._tcp.example.test", 0, 1,
                            port (MS_TESTBED_POP3_TLS), "mail.example.test");
  ms_test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 0, 1,
                            port (MS_TESTBED_SMTP_TLS), "mail.example.test");

  discovery = discover (fixture, "alice@example.test", NULL);

  incoming = ms_discovery_get_candidates (discovery, MS_DIRECTION_INCOMING);
  for (guint i = 0; i < incoming->len; i++)
    g_assert_cmpint (ms_server_config_get_protocol (ms_candidate_get_server (incoming->pdata[i])),
                     ==, MS_PROTOCOL_POP3);
  assert_chosen (discovery, MS_DIRECTION_INCOMING, "mail.example.test", port (MS_TESTBED_POP3_TLS),
                 MS_DISCOVERY_SOURCE_SRV);
  for (guint i = 0; i < ms_discovery_get_lookups (discovery)->len; i++)
    {
      MsLookup *lookup = ms_discovery_get_lookups (discovery)->pdata[i];

      if (g_str_has_prefix (ms_lookup_get_url_or_query (lookup), "_imap"))
        {
          g_assert_true (ms_lookup_get_service_absent (lookup));
          g_assert_true (ms_lookup_get_ok (lookup));
        }
    }
}

/* A target outside the domain is untrusted: no password without confirmation. */
static void
test_untrusted_needs_confirmation (Fixture      *fixture,
                                   gconstpointer data)
{
  g_autoptr (MsDiscovery) discovery = NULL;
  MsCandidate *chosen;

  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 0, 1,
                            port (MS_TESTBED_IMAP_TLS), "localhost");
  ms_test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 0, 1,
                            port (MS_TESTBED_SMTP_TLS), "mail.example.test");

  discovery = discover (fixture, "alice@example.test", NULL);
  chosen = ms_discovery_get_chosen (discovery, MS_DIRECTION_INCOMING);
  g_assert_nonnull (chosen);
  g_assert_false (ms_candidate_get_trusted (chosen));
  g_assert_nonnull (ms_candidate_get_untrusted_reason (chosen));

  verify (fixture, discovery, alice_password (), MS_VERIFY_FLAGS_NONE);
  g_assert_cmpint (ms_discovery_get_verify_outcome (discovery, MS_DIRECTION_INCOMING), ==,
                   MS_VERIFY_OUTCOME_NEEDS_CONFIRMATION);
  g_assert_null (ms_discovery_get_verify_result (discovery, MS_DIRECTION_INCOMING));
  g_assert_cmpint (ms_discovery_get_verify_outcome (discovery, MS_DIRECTION_OUTGOING), ==,
                   MS_VERIFY_OUTCOME_OK);
  /* The only login attempted went to the trusted outgoing server. */
  for (guint i = 0; i < fixture->events->len; i++)
    if (g_str_has_prefix (fixture->events->pdata[i], "verify "))
      g_assert_cmpstr (fixture->events->pdata[i], !=, "verify localhost");

  verify (fixture, discovery, alice_password (), MS_VERIFY_FLAGS_ACCEPT_UNTRUSTED);
  g_assert_cmpint (ms_discovery_get_verify_outcome (discovery, MS_DIRECTION_INCOMING), ==,
                   MS_VERIFY_OUTCOME_OK);
}

/* A wrong password at a good server is the account's answer: no other server is tried. */
static void
test_wrong_password_stops (Fixture      *fixture,
                           gconstpointer data)
{
  g_autoptr (MsDiscovery) discovery = NULL;
  guint n_verify = 0;

  add_srv_everything (fixture->resolver);
  discovery = discover (fixture, "alice@example.test", NULL);
  verify (fixture, discovery, "not-the-password", MS_VERIFY_FLAGS_NONE);

  g_assert_cmpint (ms_discovery_get_verify_outcome (discovery, MS_DIRECTION_INCOMING), ==,
                   MS_VERIFY_OUTCOME_FAILED);
  g_assert_cmpint (ms_check_result_get_diagnosis (
                     ms_discovery_get_verify_result (discovery, MS_DIRECTION_INCOMING)),
                   ==, MS_DIAGNOSIS_AUTH_FAILED);
  for (guint i = 0; i < fixture->events->len; i++)
    if (g_str_has_prefix (fixture->events->pdata[i], "verify "))
      n_verify++;
  /* One login per direction. */
  g_assert_cmpuint (n_verify, ==, 2);
}

/* The chosen server turns out wrong at login time (it went away after the probe): the
 * next candidate is tried. */
static void
test_verify_moves_on (Fixture      *fixture,
                      gconstpointer data)
{
  g_autoptr (MsDiscovery) discovery = NULL;
  MsCandidate *chosen;

  add_srv_everything (fixture->resolver);
  discovery = discover (fixture, "alice@example.test", NULL);

  /* Point the chosen IMAP candidate at a closed port, as if the server went down. */
  chosen = ms_discovery_get_chosen (discovery, MS_DIRECTION_INCOMING);
  ms_server_config_set_port (ms_candidate_get_server (chosen), closed_port ());

  verify (fixture, discovery, alice_password (), MS_VERIFY_FLAGS_NONE);
  g_assert_cmpint (ms_discovery_get_verify_outcome (discovery, MS_DIRECTION_INCOMING), ==,
                   MS_VERIFY_OUTCOME_OK);
  assert_chosen (discovery, MS_DIRECTION_INCOMING, "mail.example.test",
                 port (MS_TESTBED_IMAP_STARTTLS), MS_DISCOVERY_SOURCE_SRV);
}

static const char site_provider[] =
  "<?xml version=\"1.0\"?>\n"
  "<clientConfig version=\"1.1\" xmlns:ms=\"" MS_AUTOCONFIG_NAMESPACE "\">\n"
  "  <emailProvider id=\"example.test\">\n"
  "    <domain>example.test</domain>\n"
  "    <displayName>Example Mail</displayName>\n"
  "    <displayShortName>Example</displayShortName>\n"
  "    <incomingServer type=\"imap\">\n"
  "      <hostname>mail.example.test</hostname>\n"
  "      <port>%u</port>\n"
  "      <socketType>STARTTLS</socketType>\n"
  "      <username>%%EMAILADDRESS%%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </incomingServer>\n"
  "    <outgoingServer type=\"smtp\">\n"
  "      <hostname>mail.example.test</hostname>\n"
  "      <port>%u</port>\n"
  "      <socketType>SSL</socketType>\n"
  "      <username>%%EMAILADDRESS%%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </outgoingServer>\n"
  "    <ms:appPassword url=\"https://example.test/app-passwords\"/>\n"
  "  </emailProvider>\n"
  "</clientConfig>\n";

/* A site-local provider file: it is the source of the choice, and its hints come along.
 * The provider database ranks above SRV even for the same security. */
static void
test_provider_database (Fixture      *fixture,
                        gconstpointer data)
{
  g_autoptr (MsProviderDatabase) providers = ms_provider_database_new ();
  g_autoptr (MsDiscovery) discovery = NULL;
  g_autoptr (GFile) dir = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *file = NULL;
  const MsHint *hints;
  guint n_hints = 0;

  fixture->providers_dir = g_dir_make_tmp ("providers-XXXXXX", &error);
  g_assert_no_error (error);
  xml =
      g_strdup_printf (site_provider, port (MS_TESTBED_IMAP_STARTTLS), port (MS_TESTBED_SMTP_TLS));
  file = g_build_filename (fixture->providers_dir, "site.xml", NULL);
  g_assert_true (g_file_set_contents (file, xml, -1, &error));
  dir = g_file_new_for_path (fixture->providers_dir);
  g_assert_true (ms_provider_database_add_directory (providers, dir, &error));
  g_assert_no_error (error);
  ms_discoverer_set_providers (fixture->discoverer, providers);

  ms_test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 0, 1,
                            port (MS_TESTBED_SMTP_TLS), "mail.example.test");

  discovery = discover (fixture, "alice@example.test", NULL);

  assert_chosen (discovery, MS_DIRECTION_INCOMING, "mail.example.test",
                 port (MS_TESTBED_IMAP_STARTTLS), MS_DISCOVERY_SOURCE_PROVIDER_DB);
  /* The same server named by SRV too: one candidate, the better source. */
  assert_chosen (discovery, MS_DIRECTION_OUTGOING, "mail.example.test", port (MS_TESTBED_SMTP_TLS),
                 MS_DISCOVERY_SOURCE_PROVIDER_DB);
  g_assert_cmpuint (ms_discovery_get_candidates (discovery, MS_DIRECTION_OUTGOING)->len, ==, 1);

  /* The provider refuses normal passwords to mail programs: a rejected login says so. */
  verify (fixture, discovery, "the-web-password", MS_VERIFY_FLAGS_NONE);
  g_assert_cmpint (ms_check_result_get_diagnosis (
                     ms_discovery_get_verify_result (discovery, MS_DIRECTION_INCOMING)),
                   ==, MS_DIAGNOSIS_APP_PASSWORD_REQUIRED);

  hints = ms_discovery_get_hints (discovery, &n_hints);
  g_assert_cmpuint (n_hints, ==, 1);
  g_assert_cmpint (hints[0].kind, ==, MS_HINT_APP_PASSWORD);
  g_assert_cmpstr (hints[0].url, ==, "https://example.test/app-passwords");
  g_assert_nonnull (strstr (hints[0].text, "Example"));
}

/* Nothing anywhere: both directions empty, and the failure says what was tried. */
static void
test_nothing_found (Fixture      *fixture,
                    gconstpointer data)
{
  g_autoptr (MsDiscovery) discovery = NULL;
  g_autofree char *failure = NULL;

  discovery = discover (fixture, "alice@example.test", NULL);

  g_assert_null (ms_discovery_get_chosen (discovery, MS_DIRECTION_INCOMING));
  g_assert_null (ms_discovery_get_chosen (discovery, MS_DIRECTION_OUTGOING));
  failure = ms_discovery_describe_failure (discovery, MS_DIRECTION_INCOMING);
  g_assert_nonnull (strstr (failure, "example.test"));
  g_assert_nonnull (strstr (failure, "_imaps._tcp.example.test"));
  g_assert_nonnull (strstr (failure, "autoconfig.example.test"));
  /* Outgoing services are not listed as incoming attempts. */
  g_assert_null (strstr (failure, "_submission"));
  for (guint i = 0; i < ms_discovery_get_lookups (discovery)->len; i++)
    g_assert_false (ms_lookup_get_ok (ms_discovery_get_lookups (discovery)->pdata[i]));
}

/* An internationalised domain is looked up in its ASCII (IDNA) form everywhere. */
static void
test_idn_domain (Fixture      *fixture,
                 gconstpointer data)
{
  g_autoptr (MsDiscovery) discovery = NULL;

  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.xn--bcher-kva.test", 0, 1,
                            port (MS_TESTBED_IMAP_TLS), "localhost");
  discovery = discover (fixture, "alice@bücher.test", NULL);

  g_assert_cmpstr (ms_discovery_get_domain (discovery), ==, "xn--bcher-kva.test");
  g_assert_cmpstr (ms_discovery_get_address (discovery), ==, "alice@xn--bcher-kva.test");
  g_assert_nonnull (ms_discovery_get_chosen (discovery, MS_DIRECTION_INCOMING));
  for (guint i = 0; i < ms_discovery_get_lookups (discovery)->len; i++)
    g_assert_null (
        strstr (ms_lookup_get_url_or_query (ms_discovery_get_lookups (discovery)->pdata[i]), "ü"));
}

/* The discovery's own time limit: what answered by then is all there is, and the lookups
 * still waiting say they ran out of time. */
static void
test_time_limit (Fixture      *fixture,
                 gconstpointer data)
{
  g_autoptr (BlackHole) hole = black_hole_new ();
  g_autoptr (MsDiscovery) discovery = NULL;
  gint64 elapsed_ms = 0;
  gboolean saw_timed_out_lookup = FALSE;

  ms_discoverer_set_timeout_ms (fixture->discoverer, 500);
  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 0, 1, hole->port,
                            "blackhole.example.test");
  ms_test_resolver_set_delay (fixture->resolver, "_submissions._tcp.example.test", 60000);

  discovery = discover (fixture, "alice@example.test", &elapsed_ms);

  g_assert_cmpint (elapsed_ms, <, 2000);
  g_assert_null (ms_discovery_get_chosen (discovery, MS_DIRECTION_INCOMING));
  g_assert_null (ms_discovery_get_chosen (discovery, MS_DIRECTION_OUTGOING));
  g_assert_cmpint (ms_candidate_get_probe_state (
                     ms_discovery_get_candidates (discovery, MS_DIRECTION_INCOMING)->pdata[0]),
                   ==, MS_PROBE_STATE_ABANDONED);
  for (guint i = 0; i < ms_discovery_get_lookups (discovery)->len; i++)
    {
      MsLookup *lookup = ms_discovery_get_lookups (discovery)->pdata[i];

      if (ms_lookup_get_state (lookup) == MS_LOOKUP_STATE_ABANDONED)
        {
          saw_timed_out_lookup = TRUE;
          g_assert_nonnull (strstr (ms_lookup_get_error (lookup), "time limit"));
        }
    }
  g_assert_true (saw_timed_out_lookup);
}

/* The plain-http autoconfig is only asked when nothing trusted answered. */
static void
test_http_only_as_fallback (Fixture      *fixture,
                            gconstpointer data)
{
  g_autoptr (MsDiscovery) with_srv = NULL;
  g_autoptr (MsDiscovery) without = NULL;
  gboolean asked_http = FALSE;

  ms_discoverer_set_flags (fixture->discoverer, MS_DISCOVER_FLAGS_NO_GUESS);
  add_srv_everything (fixture->resolver);
  with_srv = discover (fixture, "alice@example.test", NULL);
  for (guint i = 0; i < ms_discovery_get_lookups (with_srv)->len; i++)
    if (g_str_has_suffix (ms_lookup_get_name (ms_discovery_get_lookups (with_srv)->pdata[i]),
                          "-http"))
      asked_http = TRUE;
  g_assert_false (asked_http);

  without = discover (fixture, "alice@example.net", NULL);
  for (guint i = 0; i < ms_discovery_get_lookups (without)->len; i++)
    {
      MsLookup *lookup = ms_discovery_get_lookups (without)->pdata[i];

      if (g_str_has_suffix (ms_lookup_get_name (lookup), "-http"))
        {
          asked_http = TRUE;
          g_assert_false (ms_lookup_get_trusted (lookup));
          /* The address never goes over plain http. */
          g_assert_null (strstr (ms_lookup_get_url_or_query (lookup), "alice"));
        }
    }
  g_assert_true (asked_http);
}

/* Cancelling ends the discovery at once, even with a black-holed lookup pending. */
static void
test_cancel (Fixture      *fixture,
             gconstpointer data)
{
  g_autoptr (BlackHole) hole = black_hole_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MsDiscovery) discovery = NULL;
  gint64 start;

  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 0, 1, hole->port,
                            "blackhole.example.test");
  ms_discoverer_discover_async (fixture->discoverer, "alice@example.test", cancellable,
                                on_async_done, &result);
  while (hole->connections->len == 0)
    g_main_context_iteration (NULL, TRUE);

  start = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 500);

  discovery = ms_discoverer_discover_finish (fixture->discoverer, result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (discovery);
}

static void
test_invalid_address (Fixture      *fixture,
                      gconstpointer data)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  ms_discoverer_discover_async (fixture->discoverer, "not an address", NULL, on_async_done,
                                &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ms_discoverer_discover_finish (fixture->discoverer, result, &error));
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ADDRESS);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  testbed = ms_testbed_start (MS_TESTBED_MAIL, &error);
  if (testbed == NULL)
    {
      g_test_skip_printf ("the test-bed does not start: %s", error->message);
      return g_test_run ();
    }

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/discoverer/srv/verify", test_srv_verify);
  ADD ("/discoverer/srv/priority-order", test_srv_priority);
  ADD ("/discoverer/held/login", test_held_login);
  ADD ("/discoverer/held/wrong-password", test_held_wrong_password);
  ADD ("/discoverer/held/untrusted", test_held_untrusted);
  ADD ("/discoverer/srv/dot-target-not-guessed", test_srv_dot_not_guessed);
  ADD ("/discoverer/grace/black-holed-better", test_black_holed_better);
  ADD ("/discoverer/grace/better-failed-no-wait", test_better_failed_no_wait);
  ADD ("/discoverer/trust/untrusted-needs-confirmation", test_untrusted_needs_confirmation);
  ADD ("/discoverer/verify/wrong-password-stops", test_wrong_password_stops);
  ADD ("/discoverer/verify/moves-on-from-wrong-server", test_verify_moves_on);
  ADD ("/discoverer/provider-database/site-local", test_provider_database);
  ADD ("/discoverer/nothing-found", test_nothing_found);
  ADD ("/discoverer/http/only-as-fallback", test_http_only_as_fallback);
  ADD ("/discoverer/cancel", test_cancel);
  ADD ("/discoverer/time-limit", test_time_limit);
  ADD ("/discoverer/idn-domain", test_idn_domain);
  ADD ("/discoverer/invalid-address", test_invalid_address);
#undef ADD

  status = g_test_run ();
  g_clear_pointer (&testbed, ms_testbed_stop);
  return status;
}
