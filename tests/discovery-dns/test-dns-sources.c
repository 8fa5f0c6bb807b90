/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "mailsetup.h"
#include "ms-discovery-private.h"
#include "ms-test-resolver.h"

/* The DNS sources of discovery, against a test DNS (MsTestResolver): SRV records in RFC 2782
 * order with the RFC 6186 trust rule and "." targets; MX → base domain → provider database
 * or ISPDB. Each test runs one source the way the discoverer does and looks at what a user
 * would see: the candidates, their trust and reason, the lookup's outcome and words. */

#ifndef PROVIDERS_DIR
#error "PROVIDERS_DIR must name the data/providers folder of the source tree"
#endif

#define ADDRESS "alice@example.net"
#define DOMAIN  "example.net"
/* Connections to port 1 are refused at once. */
#define REFUSING_ISPDB_URL "https://127.0.0.1:1/"

typedef struct
{
  MsTestResolver     *resolver;
  MsDiscoveryContext *context;
  GSocketService     *ispdb; /* only for the tests that serve an ISPDB */
} Fixture;

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer user_data)
{
  MsDiscoveryContext *context = g_new0 (MsDiscoveryContext, 1);

  fixture->resolver = ms_test_resolver_new ();

  g_ref_count_init (&context->ref_count);
  context->address = g_strdup (ADDRESS);
  context->domain = g_strdup (DOMAIN);
  context->resolver = g_object_ref (G_RESOLVER (fixture->resolver));
  context->session = soup_session_new ();
  context->http_timeout_ms = 10000;
  context->ispdb_url = g_strdup (REFUSING_ISPDB_URL);
  fixture->context = context;
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer user_data)
{
  soup_session_abort (fixture->context->session);
  g_clear_pointer (&fixture->context, _ms_discovery_context_unref);
  g_clear_object (&fixture->resolver);
  if (fixture->ispdb != NULL)
    {
      g_socket_service_stop (fixture->ispdb);
      g_socket_listener_close (G_SOCKET_LISTENER (fixture->ispdb));
    }
  g_clear_object (&fixture->ispdb);

  /* Let the server and the session see their connections close. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
on_source_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GAsyncResult **out_result = user_data;

  *out_result = g_object_ref (result);
}

/* Runs one source to its end as the discoverer does, and finishes @lookup with the outcome. */
static GPtrArray *
run_source_full (Fixture      *fixture,
                 MsSourceFunc  func,
                 MsLookup     *lookup,
                 GCancellable *cancellable,
                 GError      **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) local_error = NULL;
  GPtrArray *found;

  func (fixture->context, lookup, cancellable, on_source_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  found = _ms_source_finish (result, &local_error);
  g_assert_true ((found == NULL) != (local_error == NULL));
  _ms_lookup_finish (lookup, found != NULL ? found->len : 0, local_error);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return found;
}

static GPtrArray *
run_source (Fixture     *fixture,
            MsSourceFunc func,
            MsLookup    *lookup,
            GError     **error)
{
  return run_source_full (fixture, func, lookup, NULL, error);
}

static MsLookup *
srv_lookup (const char *name)
{
  return _ms_lookup_new ("srv", MS_DISCOVERY_SOURCE_SRV, name, TRUE);
}

static MsLookup *
mx_lookup (void)
{
  return _ms_lookup_new ("mx", MS_DISCOVERY_SOURCE_MX, "MX " DOMAIN, FALSE);
}

static MsServerConfig *
server_of (GPtrArray *candidates,
           guint      index)
{
  return ms_candidate_get_server (g_ptr_array_index (candidates, index));
}

/* SRV: the services and their names */

static void
test_srv_services (void)
{
  static const struct
  {
    const char *service;
    MsProtocol  protocol;
    MsSecurity  security;
  } expected[] = {
    { "_submissions", MS_PROTOCOL_SMTP, MS_SECURITY_TLS },
    { "_submission", MS_PROTOCOL_SMTP, MS_SECURITY_STARTTLS },
    { "_imaps", MS_PROTOCOL_IMAP, MS_SECURITY_TLS },
    { "_imap", MS_PROTOCOL_IMAP, MS_SECURITY_STARTTLS },
    { "_pop3s", MS_PROTOCOL_POP3, MS_SECURITY_TLS },
    { "_pop3", MS_PROTOCOL_POP3, MS_SECURITY_STARTTLS },
  };
  guint n_services = 0;
  const MsSrvService *services = _ms_srv_services (&n_services);

  g_assert_cmpuint (n_services, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < n_services; i++)
    {
      g_assert_cmpstr (services[i].service, ==, expected[i].service);
      g_assert_cmpint (services[i].protocol, ==, expected[i].protocol);
      g_assert_cmpint (services[i].security, ==, expected[i].security);
    }
}

static void
test_srv_service_for_query (void)
{
  static const struct
  {
    const char *query;
    const char *service; /* NULL: none of ours */
  } cases[] = {
    { "_imaps._tcp.example.net", "_imaps" },
    { "_imap._tcp.example.net", "_imap" },
    { "_submissions._tcp.example.net", "_submissions" },
    { "_submission._tcp.example.net", "_submission" },
    { "_pop3s._tcp.example.net", "_pop3s" },
    { "_pop3._tcp.example.net", "_pop3" },
    { "_IMAPS._TCP.Example.NET", "_imaps" },
    { "_imaps._udp.example.net", NULL },
    { "_imapsx._tcp.example.net", NULL },
    { "_ima._tcp.example.net", NULL },
    { "imaps._tcp.example.net", NULL },
    { "_imaps._tcp.", NULL },
    { "_imaps", NULL },
    { "_smtp._tcp.example.net", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const MsSrvService *service = _ms_srv_service_for_query (cases[i].query);

      g_test_message ("%s", cases[i].query);
      g_assert_cmpstr (service != NULL ? service->service : NULL, ==, cases[i].service);
    }
}

/* SRV: RFC 2782 order */

static GList *
make_records (const guint16 (*spec)[2],
              guint n_records)
{
  GList *records = NULL;

  /* Each record's target names its position, so that the order can be read back. */
  for (guint i = 0; i < n_records; i++)
    {
      g_autofree char *target = g_strdup_printf ("r%u.example.net", i);

      records = g_list_append (records, g_variant_ref_sink (g_variant_new (
                                          "(qqqs)", spec[i][0], spec[i][1], 993, target)));
    }
  return records;
}

static guint
record_id (GVariant *record)
{
  const char *target;

  g_variant_get_child (record, 3, "&s", &target);
  return (guint) g_ascii_strtoull (target + 1, NULL, 10);
}

static guint16
record_priority (GVariant *record)
{
  guint16 priority;

  g_variant_get_child (record, 0, "q", &priority);
  return priority;
}

static void
test_srv_sort_priority (void)
{
  static const guint16 spec[][2] = {
    { 30, 5 }, { 10, 1 }, { 20, 0 }, { 10, 7 }, { 0, 3 }, { 65535, 9 }, { 20, 50 },
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (2782);

  for (guint run = 0; run < 200; run++)
    {
      g_autolist (GVariant) records = make_records (spec, G_N_ELEMENTS (spec));
      guint seen = 0;

      _ms_srv_records_sort (&records, rand);
      g_assert_cmpuint (g_list_length (records), ==, G_N_ELEMENTS (spec));
      for (GList *l = records; l != NULL; l = l->next)
        {
          if (l->next != NULL)
            g_assert_cmpuint (record_priority (l->data), <=, record_priority (l->next->data));
          seen |= 1u << record_id (l->data);
        }
      g_assert_cmpuint (seen, ==, (1u << G_N_ELEMENTS (spec)) - 1);
      g_assert_cmpuint (record_id (records->data), ==, 4);
      g_assert_cmpuint (record_id (g_list_last (records)->data), ==, 5);
    }
}

/* How often each record comes first over many sorts. */
static void
count_first (const guint16 (*spec)[2],
             guint          n_records,
             guint          n_runs,
             guint         *first)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (6186);
  g_autolist (GVariant) records = make_records (spec, n_records);

  /* Every run sorts the records as the DNS listed them. */
  for (guint run = 0; run < n_runs; run++)
    {
      GList *copy = g_list_copy (records);

      _ms_srv_records_sort (&copy, rand);
      first[record_id (copy->data)]++;
      g_list_free (copy);
    }
}

/* With N_RUNS draws, 0.025 is four standard deviations of a 75 % share; the literal
 * RFC 2782 draw would give the first-listed record of a 3:1 split 80 %. */
#define N_RUNS  5000
#define EPSILON 0.025

static void
assert_share (guint  count,
              guint  n_runs,
              double expected,
              double epsilon)
{
  double share = (double) count / n_runs;

  g_test_message ("share %.4f, expected %.4f", share, expected);
  g_assert_cmpfloat_with_epsilon (share, expected, epsilon);
}

static void
test_srv_sort_weight (void)
{
  static const guint16 three_to_one[][2] = { { 10, 3 }, { 10, 1 } };
  /* Listed the other way round: the share must not depend on the order of the answer. */
  static const guint16 one_to_three[][2] = { { 10, 1 }, { 10, 3 } };
  static const guint16 three_way[][2] = { { 10, 60 }, { 10, 30 }, { 10, 10 } };
  guint first[3] = { 0 };

  count_first (three_to_one, 2, N_RUNS, first);
  assert_share (first[0], N_RUNS, 0.75, EPSILON);
  assert_share (first[1], N_RUNS, 0.25, EPSILON);

  memset (first, 0, sizeof first);
  count_first (one_to_three, 2, N_RUNS, first);
  assert_share (first[0], N_RUNS, 0.25, EPSILON);
  assert_share (first[1], N_RUNS, 0.75, EPSILON);

  memset (first, 0, sizeof first);
  count_first (three_way, 3, N_RUNS, first);
  assert_share (first[0], N_RUNS, 0.6, EPSILON);
  assert_share (first[1], N_RUNS, 0.3, EPSILON);
  assert_share (first[2], N_RUNS, 0.1, EPSILON);
}

/* A record of a lower priority is never tried before one of a higher, whatever the
 * weights. */
static void
test_srv_sort_weight_within_priority (void)
{
  static const guint16 spec[][2] = { { 20, 65535 }, { 10, 0 }, { 10, 1 } };
  guint first[3] = { 0 };

  count_first (spec, 3, 2000, first);
  g_assert_cmpuint (first[0], ==, 0);
}

static void
test_srv_sort_zero_weight (void)
{
  static const guint16 all_zero[][2] = { { 10, 0 }, { 10, 0 }, { 10, 0 } };
  static const guint16 zero_and_99[][2] = { { 10, 99 }, { 10, 0 } };
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);
  guint first[2] = { 0 };

  /* All weights 0: no preference, the DNS server's order stays. */
  for (guint run = 0; run < 100; run++)
    {
      g_autolist (GVariant) records = make_records (all_zero, G_N_ELEMENTS (all_zero));
      guint expected = 0;

      _ms_srv_records_sort (&records, rand);
      for (GList *l = records; l != NULL; l = l->next)
        g_assert_cmpuint (record_id (l->data), ==, expected++);
    }

  /* RFC 2782: weight 0 has "a very small chance of being selected": 1 in (sum + 1). */
  count_first (zero_and_99, 2, N_RUNS, first);
  g_assert_cmpuint (first[1], >, 0);
  assert_share (first[1], N_RUNS, 0.01, 0.006);
}

/* SRV: the source */

static void
test_srv_candidates (Fixture      *fixture,
                     gconstpointer user_data)
{
  guint n_services;
  const MsSrvService *services = _ms_srv_services (&n_services);

  for (guint i = 0; i < n_services; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s._tcp." DOMAIN, services[i].service);
      g_autoptr (MsLookup) lookup = srv_lookup (name);
      g_autoptr (GPtrArray) found = NULL;
      g_autoptr (GError) error = NULL;
      MsCandidate *candidate;
      MsServerConfig *server;

      ms_test_resolver_add_srv (fixture->resolver, name, 0, 1, 1000 + i, "mail." DOMAIN);
      found = run_source (fixture, _ms_source_srv, lookup, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (found->len, ==, 1);

      candidate = g_ptr_array_index (found, 0);
      server = ms_candidate_get_server (candidate);
      g_assert_cmpint (ms_server_config_get_protocol (server), ==, services[i].protocol);
      g_assert_cmpint (ms_server_config_get_security (server), ==, services[i].security);
      g_assert_cmpstr (ms_server_config_get_host (server), ==, "mail." DOMAIN);
      g_assert_cmpuint (ms_server_config_get_port (server), ==, 1000 + i);
      g_assert_cmpstr (ms_server_config_get_username (server), ==, ADDRESS);
      g_assert_cmpint (ms_candidate_get_source (candidate), ==, MS_DISCOVERY_SOURCE_SRV);
      g_assert_true (ms_candidate_get_trusted (candidate));
      g_assert_null (ms_candidate_get_untrusted_reason (candidate));

      g_assert_true (ms_lookup_get_ok (lookup));
      g_assert_true (ms_lookup_get_trusted (lookup));
      g_assert_false (ms_lookup_get_service_absent (lookup));
      g_assert_cmpuint (ms_lookup_get_n_candidates (lookup), ==, 1);
    }
}

static void
test_srv_priority_order (Fixture      *fixture,
                         gconstpointer user_data)
{
  const char *name = "_imaps._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  /* The DNS answer is in no particular order. */
  ms_test_resolver_add_srv (fixture->resolver, name, 20, 0, 993, "backup." DOMAIN);
  ms_test_resolver_add_srv (fixture->resolver, name, 30, 100, 993, "last." DOMAIN);
  ms_test_resolver_add_srv (fixture->resolver, name, 10, 0, 993, "primary." DOMAIN);

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 3);
  g_assert_cmpstr (ms_server_config_get_host (server_of (found, 0)), ==, "primary." DOMAIN);
  g_assert_cmpstr (ms_server_config_get_host (server_of (found, 1)), ==, "backup." DOMAIN);
  g_assert_cmpstr (ms_server_config_get_host (server_of (found, 2)), ==, "last." DOMAIN);
  g_assert_cmpuint (ms_candidate_get_srv_priority (g_ptr_array_index (found, 0)), ==, 10);
  g_assert_cmpuint (ms_candidate_get_srv_priority (g_ptr_array_index (found, 2)), ==, 30);
  g_assert_cmpuint (ms_candidate_get_srv_weight (g_ptr_array_index (found, 2)), ==, 100);

  /* The ranking keeps the RFC 2782 order among equal candidates. */
  g_assert_cmpint (ms_candidate_compare (g_ptr_array_index (found, 0),
                                         g_ptr_array_index (found, 1)), <, 0);
  g_assert_cmpint (ms_candidate_compare (g_ptr_array_index (found, 1),
                                         g_ptr_array_index (found, 2)), <, 0);
}

/* @user_data: whether the resolver returns the root as "." (as some resolvers may) instead
 * of "" (GLib 2.74 on glibc). */
static void
test_srv_absent (Fixture      *fixture,
                 gconstpointer user_data)
{
  const char *name = "_pop3._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  ms_test_resolver_set_verbatim (fixture->resolver, GPOINTER_TO_INT (user_data));
  ms_test_resolver_add_srv (fixture->resolver, name, 0, 0, 0, ".");

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpuint (found->len, ==, 0);
  g_assert_true (ms_lookup_get_service_absent (lookup));
  g_assert_true (ms_lookup_get_ok (lookup));
  g_assert_null (ms_lookup_get_error (lookup));
}

/* "." next to a real target is no statement about the service: the real one is used. */
static void
test_srv_root_among_others (Fixture      *fixture,
                            gconstpointer user_data)
{
  const char *name = "_imap._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  ms_test_resolver_add_srv (fixture->resolver, name, 0, 0, 0, ".");
  ms_test_resolver_add_srv (fixture->resolver, name, 10, 0, 143, "imap." DOMAIN);

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (ms_server_config_get_host (server_of (found, 0)), ==, "imap." DOMAIN);
  g_assert_false (ms_lookup_get_service_absent (lookup));
}

static void
test_srv_not_found (Fixture      *fixture,
                    gconstpointer user_data)
{
  g_autoptr (MsLookup) lookup = srv_lookup ("_imaps._tcp." DOMAIN);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_null (found);
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No SRV record _imaps._tcp.example.net");
  g_assert_false (ms_lookup_get_ok (lookup));
  g_assert_false (ms_lookup_get_service_absent (lookup));
  g_assert_cmpstr (ms_lookup_get_error (lookup), ==, "No SRV record _imaps._tcp.example.net");
  g_assert_cmpuint (ms_test_resolver_get_n_queries (fixture->resolver, "_imaps._tcp." DOMAIN),
                    ==, 1);
}

static void
test_srv_server_failure (Fixture      *fixture,
                         gconstpointer user_data)
{
  const char *name = "_submissions._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  ms_test_resolver_add_srv (fixture->resolver, name, 0, 0, 465, "smtp." DOMAIN);
  ms_test_resolver_set_failure (fixture->resolver, name, G_RESOLVER_ERROR_TEMPORARY_FAILURE);

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_null (found);
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE);
  g_assert_true (g_str_has_prefix (error->message,
                                   "The SRV record _submissions._tcp.example.net could not "
                                   "be looked up: "));
}

typedef struct
{
  const char *target;
  const char *host;
  gboolean    trusted;
} TrustCase;

static const TrustCase trust_cases[] = {
  { "example.net", "example.net", TRUE },
  { "mail.example.net", "mail.example.net", TRUE },
  { "imap.sub.example.net", "imap.sub.example.net", TRUE },
  { "MAIL.Example.NET", "mail.example.net", TRUE },
  { "evil.example.com", "evil.example.com", FALSE },
  { "example.net.evil.com", "example.net.evil.com", FALSE },
  { "mailexample.net", "mailexample.net", FALSE },
  { "net", "net", FALSE },
};

static void
test_srv_trust (Fixture      *fixture,
                gconstpointer user_data)
{
  const TrustCase *trust_case = user_data;
  const char *name = "_imaps._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;
  MsCandidate *candidate;

  ms_test_resolver_add_srv (fixture->resolver, name, 0, 0, 993, trust_case->target);

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  candidate = g_ptr_array_index (found, 0);
  g_assert_cmpstr (ms_server_config_get_host (ms_candidate_get_server (candidate)), ==,
                   trust_case->host);
  g_assert_cmpint (ms_candidate_get_trusted (candidate), ==, trust_case->trusted);
  g_assert_cmpint (ms_lookup_get_trusted (lookup), ==, trust_case->trusted);

  if (trust_case->trusted)
    {
      g_assert_null (ms_candidate_get_untrusted_reason (candidate));
    }
  else
    {
      g_autofree char *reason = g_strdup_printf ("The DNS record points outside example.net, "
                                                 "to %s; RFC 6186 asks to confirm such "
                                                 "servers.",
                                                 trust_case->host);

      g_assert_cmpstr (ms_candidate_get_untrusted_reason (candidate), ==, reason);
    }
}

/* One target outside the domain makes the lookup's answer untrusted, not the others. */
static void
test_srv_trust_mixed (Fixture      *fixture,
                      gconstpointer user_data)
{
  const char *name = "_imaps._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  ms_test_resolver_add_srv (fixture->resolver, name, 10, 0, 993, "imap." DOMAIN);
  ms_test_resolver_add_srv (fixture->resolver, name, 20, 0, 993, "imap.hoster.example.com");

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 2);
  g_assert_true (ms_candidate_get_trusted (g_ptr_array_index (found, 0)));
  g_assert_false (ms_candidate_get_trusted (g_ptr_array_index (found, 1)));
  g_assert_false (ms_lookup_get_trusted (lookup));
}

static void
test_srv_unusable_ports (Fixture      *fixture,
                         gconstpointer user_data)
{
  const char *name = "_submission._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  ms_test_resolver_add_srv (fixture->resolver, name, 0, 0, 25, "mx." DOMAIN);
  ms_test_resolver_add_srv (fixture->resolver, name, 5, 0, 0, "zero." DOMAIN);
  ms_test_resolver_add_srv (fixture->resolver, name, 10, 0, 587, "smtp." DOMAIN);

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (ms_server_config_get_host (server_of (found, 0)), ==, "smtp." DOMAIN);
  g_assert_cmpuint (ms_server_config_get_port (server_of (found, 0)), ==, 587);
}

static void
test_srv_only_port_25 (Fixture      *fixture,
                       gconstpointer user_data)
{
  const char *name = "_submission._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  ms_test_resolver_add_srv (fixture->resolver, name, 0, 0, 25, "mx." DOMAIN);

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_null (found);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, name));
  g_assert_nonnull (strstr (error->message, "port 25"));
  g_assert_false (ms_lookup_get_ok (lookup));
}

/* Other resolvers may keep the final dot of a fully qualified name. */
static void
test_srv_trailing_dot (Fixture      *fixture,
                       gconstpointer user_data)
{
  const char *name = "_imaps._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  ms_test_resolver_set_verbatim (fixture->resolver, TRUE);
  ms_test_resolver_add_srv (fixture->resolver, name, 0, 0, 993, "Mail.Example.NET.");

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (ms_server_config_get_host (server_of (found, 0)), ==, "mail.example.net");
  g_assert_true (ms_candidate_get_trusted (g_ptr_array_index (found, 0)));
}

/* A record whose target is no host name gives no candidate. */
static void
test_srv_invalid_target (Fixture      *fixture,
                         gconstpointer user_data)
{
  const char *name = "_imaps._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  ms_test_resolver_add_srv (fixture->resolver, name, 0, 0, 993, "bad name." DOMAIN);
  ms_test_resolver_add_srv (fixture->resolver, name, 1, 0, 993, "imap." DOMAIN);

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (ms_server_config_get_host (server_of (found, 0)), ==, "imap." DOMAIN);
}

static gboolean
cancel_soon (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* A black-holed DNS answer does not hold a cancel up. */
static void
test_srv_cancelled (Fixture      *fixture,
                    gconstpointer user_data)
{
  const char *name = "_imaps._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  ms_test_resolver_add_srv (fixture->resolver, name, 0, 0, 993, "imap." DOMAIN);
  ms_test_resolver_set_delay (fixture->resolver, name, 60 * 1000);
  g_timeout_add (50, cancel_soon, cancellable);

  found = run_source_full (fixture, _ms_source_srv, lookup, cancellable, &error);
  g_assert_null (found);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);
}

static void
test_srv_delayed (Fixture      *fixture,
                  gconstpointer user_data)
{
  const char *name = "_imaps._tcp." DOMAIN;
  g_autoptr (MsLookup) lookup = srv_lookup (name);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  ms_test_resolver_add_srv (fixture->resolver, name, 0, 0, 993, "imap." DOMAIN);
  ms_test_resolver_set_delay (fixture->resolver, name, 200);

  found = run_source (fixture, _ms_source_srv, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * 1000);
}

/* MX */

#define EXAMPLE_UK_PROVIDER                                                                        \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                 \
  "<clientConfig version=\"1.1\">\n"                                                             \
  "  <emailProvider id=\"example.co.uk\">\n"                                                     \
  "    <domain>example.co.uk</domain>\n"                                                         \
  "    <displayName>Example UK</displayName>\n"                                                  \
  "    <incomingServer type=\"imap\">\n"                                                         \
  "      <hostname>imap.example.co.uk</hostname>\n"                                              \
  "      <port>993</port>\n"                                                                     \
  "      <socketType>SSL</socketType>\n"                                                         \
  "      <username>%EMAILADDRESS%</username>\n"                                                  \
  "      <authentication>password-cleartext</authentication>\n"                                  \
  "    </incomingServer>\n"                                                                      \
  "    <outgoingServer type=\"smtp\">\n"                                                         \
  "      <hostname>smtp.example.co.uk</hostname>\n"                                              \
  "      <port>465</port>\n"                                                                     \
  "      <socketType>SSL</socketType>\n"                                                         \
  "      <username>%EMAILLOCALPART%</username>\n"                                                \
  "      <authentication>password-cleartext</authentication>\n"                                  \
  "    </outgoingServer>\n"                                                                      \
  "  </emailProvider>\n"                                                                         \
  "</clientConfig>\n"

/* A provider database of one file, in the test's own (isolated) data directory. */
static MsProviderDatabase *
one_provider_database (const char *file_name,
                       const char *contents)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "providers", NULL);
  g_autofree char *path = g_build_filename (dir, file_name, NULL);
  g_autoptr (GFile) directory = g_file_new_for_path (dir);
  g_autoptr (MsProviderDatabase) database = ms_provider_database_new ();
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  g_assert_true (ms_provider_database_add_directory (database, directory, &error));
  g_assert_no_error (error);

  return g_steal_pointer (&database);
}

static gboolean
has_candidate (GPtrArray  *candidates,
               MsProtocol  protocol,
               const char *host,
               guint16     port,
               MsSecurity  security,
               const char *username)
{
  for (guint i = 0; i < candidates->len; i++)
    {
      MsServerConfig *server = server_of (candidates, i);

      if (ms_server_config_get_protocol (server) == protocol &&
          g_strcmp0 (ms_server_config_get_host (server), host) == 0 &&
          ms_server_config_get_port (server) == port &&
          ms_server_config_get_security (server) == security &&
          g_strcmp0 (ms_server_config_get_username (server), username) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
assert_all_from_mx (GPtrArray  *candidates,
                    gboolean    trusted,
                    const char *reason)
{
  for (guint i = 0; i < candidates->len; i++)
    {
      MsCandidate *candidate = g_ptr_array_index (candidates, i);

      g_assert_cmpint (ms_candidate_get_source (candidate), ==, MS_DISCOVERY_SOURCE_MX);
      g_assert_cmpint (ms_candidate_get_trusted (candidate), ==, trusted);
      g_assert_cmpstr (ms_candidate_get_untrusted_reason (candidate), ==, reason);
    }
}

/* The most preferred exchanger is the lowest preference value (the first one among equals),
 * its base domain comes from the public suffix list (co.uk is a suffix), and a provider
 * file for that domain gives trusted candidates for the user's own address. */
static void
test_mx_provider_database (Fixture      *fixture,
                           gconstpointer user_data)
{
  g_autoptr (MsLookup) lookup = mx_lookup ();
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  fixture->context->providers = one_provider_database ("example.co.uk.xml", EXAMPLE_UK_PROVIDER);
  ms_test_resolver_add_mx (fixture->resolver, DOMAIN, 20, "mx2.other-provider.com");
  ms_test_resolver_add_mx (fixture->resolver, DOMAIN, 5, "mx.eu.example.co.uk");
  ms_test_resolver_add_mx (fixture->resolver, DOMAIN, 10, "mx1.other-provider.com");
  ms_test_resolver_add_mx (fixture->resolver, DOMAIN, 5, "mx.another-provider.com");

  found = run_source (fixture, _ms_source_mx, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 2);
  g_assert_true (has_candidate (found, MS_PROTOCOL_IMAP, "imap.example.co.uk", 993,
                                MS_SECURITY_TLS, ADDRESS));
  g_assert_true (has_candidate (found, MS_PROTOCOL_SMTP, "smtp.example.co.uk", 465,
                                MS_SECURITY_TLS, "alice"));
  assert_all_from_mx (found, TRUE, NULL);

  g_assert_true (ms_lookup_get_ok (lookup));
  g_assert_true (ms_lookup_get_trusted (lookup));
  g_assert_cmpstr (ms_lookup_get_url_or_query (lookup), ==,
                   "MX example.net → mx.eu.example.co.uk → example.co.uk (provider database)");
  g_assert_nonnull (ms_lookup_get_autoconfig (lookup));
  g_assert_cmpstr (ms_autoconfig_get_id (ms_lookup_get_autoconfig (lookup)), ==,
                   "example.co.uk");
}

/* A Microsoft 365 custom domain, with the shipped provider files. */
static void
test_mx_shipped_provider (Fixture      *fixture,
                          gconstpointer user_data)
{
  g_autoptr (MsLookup) lookup = mx_lookup ();
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) directory = g_file_new_for_path (PROVIDERS_DIR);

  fixture->context->providers = ms_provider_database_new ();
  g_assert_true (ms_provider_database_add_directory (fixture->context->providers, directory,
                                                     &error));
  g_assert_no_error (error);
  ms_test_resolver_add_mx (fixture->resolver, DOMAIN, 0,
                           "example-net.mail.protection.outlook.com");

  found = run_source (fixture, _ms_source_mx, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, >, 0);
  g_assert_true (has_candidate (found, MS_PROTOCOL_IMAP, "outlook.office365.com", 993,
                                MS_SECURITY_TLS, ADDRESS));
  assert_all_from_mx (found, TRUE, NULL);
  g_assert_cmpstr (ms_lookup_get_url_or_query (lookup), ==,
                   "MX example.net → example-net.mail.protection.outlook.com → outlook.com "
                   "(provider database)");
}

/* Not in the provider database: the ISPDB is asked for the base domain; here it cannot be
 * reached, and the lookup says where it tried. */
static void
test_mx_ispdb_unreachable (Fixture      *fixture,
                           gconstpointer user_data)
{
  g_autoptr (MsLookup) lookup = mx_lookup ();
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  fixture->context->providers = ms_provider_database_new ();
  ms_test_resolver_add_mx (fixture->resolver, DOMAIN, 10, "MX1.Example-Hoster.com.");

  found = run_source (fixture, _ms_source_mx, lookup, &error);
  g_assert_null (found);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message,
                                   "Could not get the settings of example-hoster.com (the "
                                   "domain of the mail exchanger mx1.example-hoster.com) from "
                                   "the ISPDB at " REFUSING_ISPDB_URL "example-hoster.com: "));
  g_assert_false (ms_lookup_get_ok (lookup));
  g_assert_cmpstr (ms_lookup_get_error (lookup), ==, error->message);
  g_assert_cmpstr (ms_lookup_get_url_or_query (lookup), ==,
                   "MX example.net → mx1.example-hoster.com → example-hoster.com → "
                   REFUSING_ISPDB_URL "example-hoster.com");
}

#define HOSTER_AUTOCONFIG                                                                          \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                 \
  "<clientConfig version=\"1.1\">\n"                                                             \
  "  <emailProvider id=\"example-hoster.com\">\n"                                                \
  "    <domain>example-hoster.com</domain>\n"                                                    \
  "    <incomingServer type=\"imap\">\n"                                                         \
  "      <hostname>imap.example-hoster.com</hostname>\n"                                         \
  "      <port>993</port>\n"                                                                     \
  "      <socketType>SSL</socketType>\n"                                                         \
  "      <username>%EMAILADDRESS%</username>\n"                                                  \
  "      <authentication>password-cleartext</authentication>\n"                                  \
  "    </incomingServer>\n"                                                                      \
  "    <outgoingServer type=\"smtp\">\n"                                                         \
  "      <hostname>smtp.example-hoster.com</hostname>\n"                                         \
  "      <port>587</port>\n"                                                                     \
  "      <socketType>STARTTLS</socketType>\n"                                                    \
  "      <username>%EMAILADDRESS%</username>\n"                                                  \
  "      <authentication>password-cleartext</authentication>\n"                                  \
  "    </outgoingServer>\n"                                                                      \
  "  </emailProvider>\n"                                                                         \
  "</clientConfig>\n"

/* A minimal ISPDB over http/1.1, one request per connection. It is no SoupServer because
 * libsoup 3.2's server leaks its listening address and every accepted socket, which would
 * hide leaks of our own under LeakSanitizer. Runs in the service's thread, so blocking I/O
 * is fine. */
static gboolean
serve_ispdb (GThreadedSocketService *service,
             GSocketConnection      *connection,
             GObject                *source_object,
             gpointer                user_data)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr (GDataInputStream) lines = g_data_input_stream_new (input);
  g_autofree char *request_line = NULL;
  g_autofree char *response = NULL;

  g_data_input_stream_set_newline_type (lines, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  request_line = g_data_input_stream_read_line (lines, NULL, NULL, NULL);
  for (;;)
    {
      g_autofree char *header = g_data_input_stream_read_line (lines, NULL, NULL, NULL);

      if (header == NULL || header[0] == '\0')
        break;
    }

  if (request_line != NULL && g_str_has_prefix (request_line, "GET /v1.1/example-hoster.com "))
    response = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                                "Content-Type: text/xml\r\n"
                                "Content-Length: %zu\r\n"
                                "Connection: close\r\n"
                                "\r\n"
                                "%s",
                                strlen (HOSTER_AUTOCONFIG), HOSTER_AUTOCONFIG);
  else
    response = g_strdup ("HTTP/1.1 404 Not Found\r\n"
                         "Content-Length: 0\r\n"
                         "Connection: close\r\n"
                         "\r\n");

  g_output_stream_write_all (output, response, strlen (response), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

/* Returns the ISPDB's base URL. */
static char *
start_ispdb (Fixture *fixture)
{
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  fixture->ispdb = g_threaded_socket_service_new (2);
  g_signal_connect (fixture->ispdb, "run", G_CALLBACK (serve_ispdb), NULL);
  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (fixture->ispdb), address,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &bound, &error));
  g_assert_no_error (error);
  g_socket_service_start (fixture->ispdb);

  return g_strdup_printf ("http://127.0.0.1:%u/v1.1/",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

/* An ISPDB (a local one over http) knows the exchanger's domain: its settings are proposed,
 * untrusted, with the reason. */
static void
test_mx_ispdb (Fixture      *fixture,
               gconstpointer user_data)
{
  g_autoptr (MsLookup) lookup = mx_lookup ();
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *base = start_ispdb (fixture);
  g_autofree char *expected_query = NULL;

  g_free (fixture->context->ispdb_url);
  fixture->context->ispdb_url = g_strdup (base);

  ms_test_resolver_add_mx (fixture->resolver, DOMAIN, 10, "mx1.example-hoster.com");

  found = run_source (fixture, _ms_source_mx, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 2);
  g_assert_true (has_candidate (found, MS_PROTOCOL_IMAP, "imap.example-hoster.com", 993,
                                MS_SECURITY_TLS, ADDRESS));
  g_assert_true (has_candidate (found, MS_PROTOCOL_SMTP, "smtp.example-hoster.com", 587,
                                MS_SECURITY_STARTTLS, ADDRESS));
  assert_all_from_mx (found, FALSE,
                      "These settings were derived from the domain’s mail exchanger "
                      "(mx1.example-hoster.com), which does not prove that example.net uses "
                      "them.");
  g_assert_true (ms_lookup_get_ok (lookup));
  g_assert_false (ms_lookup_get_trusted (lookup));
  expected_query = g_strdup_printf ("MX example.net → mx1.example-hoster.com → "
                                    "example-hoster.com → %sexample-hoster.com",
                                    base);
  g_assert_cmpstr (ms_lookup_get_url_or_query (lookup), ==, expected_query);
}

/* The exchanger is in the domain itself: nothing new to learn, and nothing failed. */
static void
test_mx_same_domain (Fixture      *fixture,
                     gconstpointer user_data)
{
  g_autoptr (MsLookup) lookup = mx_lookup ();
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  ms_test_resolver_add_mx (fixture->resolver, DOMAIN, 10, "mx.eu." DOMAIN);

  found = run_source (fixture, _ms_source_mx, lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 0);
  g_assert_true (ms_lookup_get_ok (lookup));
  g_assert_cmpstr (ms_lookup_get_url_or_query (lookup), ==,
                   "MX example.net → mx.eu.example.net → example.net (the domain itself: "
                   "nothing new)");
  g_assert_cmpuint (ms_test_resolver_get_n_queries (fixture->resolver, DOMAIN), ==, 1);
}

typedef struct
{
  const char *exchanger; /* NULL: no MX record */
  const char *message;
} MxErrorCase;

static const MxErrorCase mx_error_cases[] = {
  { NULL, "No MX record for example.net" },
  { ".", "example.net receives no mail: its MX record is “.” (RFC 7505)." },
  { "192.0.2.25",
    "The mail exchanger of example.net is an IP address (192.0.2.25), which names no "
    "provider." },
  { "co.uk",
    "The mail exchanger of example.net is co.uk, a public suffix rather than a provider’s "
    "domain." },
  { "mx.example.test",
    "The mail exchanger of example.net is mx.example.test, which is not under a known public "
    "suffix, so it names no provider." },
  { "bad_name.example.com", NULL },
};

static void
test_mx_error (Fixture      *fixture,
               gconstpointer user_data)
{
  const MxErrorCase *error_case = user_data;
  g_autoptr (MsLookup) lookup = mx_lookup ();
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  if (error_case->exchanger != NULL)
    ms_test_resolver_add_mx (fixture->resolver, DOMAIN, 0, error_case->exchanger);

  found = run_source (fixture, _ms_source_mx, lookup, &error);
  g_assert_null (found);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (error_case->message != NULL)
    g_assert_cmpstr (error->message, ==, error_case->message);
  else
    g_assert_true (g_str_has_prefix (error->message,
                                     "The mail exchanger of example.net is unusable: "));
  g_assert_false (ms_lookup_get_ok (lookup));
  g_assert_cmpstr (ms_lookup_get_error (lookup), ==, error->message);
}

/* The test DNS itself: what the lead's discoverer tests rely on. */

static void
test_resolver_records (Fixture      *fixture,
                       gconstpointer user_data)
{
  GResolver *resolver = G_RESOLVER (fixture->resolver);
  g_autoptr (GError) error = NULL;
  g_autolist (GVariant) srv = NULL;
  g_autolist (GVariant) mx = NULL;
  g_autolist (GVariant) none = NULL;
  guint16 priority, weight, port, preference;
  const char *target;

  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.Example.NET.", 1, 2, 993,
                            "imap.example.net.");
  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.net", 3, 4, 994, ".");
  ms_test_resolver_add_mx (fixture->resolver, DOMAIN, 10, "mx.example.net");

  srv = g_resolver_lookup_records (resolver, "_imaps._tcp.example.net", G_RESOLVER_RECORD_SRV,
                                   NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (srv), ==, 2);
  g_assert_cmpstr (g_variant_get_type_string (srv->data), ==, "(qqqs)");
  g_variant_get (srv->data, "(qqq&s)", &priority, &weight, &port, &target);
  g_assert_cmpuint (priority, ==, 1);
  g_assert_cmpuint (weight, ==, 2);
  g_assert_cmpuint (port, ==, 993);
  g_assert_cmpstr (target, ==, "imap.example.net");
  /* The root, the way GLib 2.74 gives it on glibc. */
  g_variant_get (srv->next->data, "(qqq&s)", &priority, &weight, &port, &target);
  g_assert_cmpstr (target, ==, "");

  mx = g_resolver_lookup_records (resolver, DOMAIN, G_RESOLVER_RECORD_MX, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (mx), ==, 1);
  g_assert_cmpstr (g_variant_get_type_string (mx->data), ==, "(qs)");
  g_variant_get (mx->data, "(q&s)", &preference, &target);
  g_assert_cmpuint (preference, ==, 10);
  g_assert_cmpstr (target, ==, "mx.example.net");

  none = g_resolver_lookup_records (resolver, DOMAIN, G_RESOLVER_RECORD_TXT, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  none = g_resolver_lookup_records (resolver, "unknown.example.net", G_RESOLVER_RECORD_MX, NULL,
                                    &error);
  g_assert_null (none);
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
  g_assert_cmpuint (ms_test_resolver_get_n_queries (fixture->resolver, "unknown.example.net"),
                    ==, 1);
}

static void
test_resolver_service (Fixture      *fixture,
                       gconstpointer user_data)
{
  GResolver *resolver = G_RESOLVER (fixture->resolver);
  g_autoptr (GError) error = NULL;
  GList *targets;

  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp." DOMAIN, 20, 0, 993,
                            "backup." DOMAIN);
  ms_test_resolver_add_srv (fixture->resolver, "_imaps._tcp." DOMAIN, 10, 0, 993,
                            "imap." DOMAIN);
  ms_test_resolver_add_srv (fixture->resolver, "_pop3._tcp." DOMAIN, 0, 0, 0, ".");

  targets = g_resolver_lookup_service (resolver, "imaps", "tcp", DOMAIN, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (targets), ==, 2);
  g_assert_cmpstr (g_srv_target_get_hostname (targets->data), ==, "imap." DOMAIN);
  g_list_free_full (targets, (GDestroyNotify) g_srv_target_free);

  targets = g_resolver_lookup_service (resolver, "pop3", "tcp", DOMAIN, NULL, &error);
  g_assert_null (targets);
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
}

static void
on_connected (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out_result = user_data;

  *out_result = g_object_ref (result);
}

static GSocketConnection *
connect_to (const char *host,
            guint16     port,
            GError    **error)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GAsyncResult) result = NULL;

  g_socket_client_set_timeout (client, 10);
  g_socket_client_connect_to_host_async (client, host, port, NULL, on_connected, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_socket_client_connect_to_host_finish (client, result, error);
}

/* Made the default resolver, it answers GIO's own name lookups (GSocketClient's happy
 * eyeballs asks for IPv4 and IPv6 separately), delays included. */
static void
test_resolver_default (Fixture      *fixture,
                       gconstpointer user_data)
{
  g_autoptr (GResolver) previous = g_resolver_get_default ();
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  ms_test_resolver_add_address (fixture->resolver, "imap." DOMAIN, "127.0.0.1");
  ms_test_resolver_set_delay (fixture->resolver, "imap." DOMAIN, 100);
  g_resolver_set_default (G_RESOLVER (fixture->resolver));

  start = g_get_monotonic_time ();
  connection = connect_to ("imap." DOMAIN, port, &error);
  g_assert_no_error (error);
  g_assert_nonnull (connection);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 100 * 1000);
  g_assert_cmpuint (ms_test_resolver_get_n_queries (fixture->resolver, "imap." DOMAIN), >=, 1);
  g_clear_object (&connection);

  connection = connect_to ("nowhere." DOMAIN, port, &error);
  g_assert_null (connection);
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);

  g_resolver_set_default (previous);
  g_socket_listener_close (listener);
}

static void
add_fixture_test (const char   *path,
                  gconstpointer data,
                  void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/discovery/srv/services", test_srv_services);
  g_test_add_func ("/discovery/srv/service-for-query", test_srv_service_for_query);
  g_test_add_func ("/discovery/srv/sort/priority", test_srv_sort_priority);
  g_test_add_func ("/discovery/srv/sort/weight", test_srv_sort_weight);
  g_test_add_func ("/discovery/srv/sort/weight-within-priority",
                   test_srv_sort_weight_within_priority);
  g_test_add_func ("/discovery/srv/sort/zero-weight", test_srv_sort_zero_weight);

  add_fixture_test ("/discovery/srv/candidates", NULL, test_srv_candidates);
  add_fixture_test ("/discovery/srv/priority-order", NULL, test_srv_priority_order);
  add_fixture_test ("/discovery/srv/absent/glib-root", GINT_TO_POINTER (FALSE), test_srv_absent);
  add_fixture_test ("/discovery/srv/absent/dot", GINT_TO_POINTER (TRUE), test_srv_absent);
  add_fixture_test ("/discovery/srv/absent/among-others", NULL, test_srv_root_among_others);
  add_fixture_test ("/discovery/srv/not-found", NULL, test_srv_not_found);
  add_fixture_test ("/discovery/srv/server-failure", NULL, test_srv_server_failure);
  for (guint i = 0; i < G_N_ELEMENTS (trust_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/discovery/srv/trust/%s",
                                               trust_cases[i].target);

      add_fixture_test (path, &trust_cases[i], test_srv_trust);
    }
  add_fixture_test ("/discovery/srv/trust/mixed", NULL, test_srv_trust_mixed);
  add_fixture_test ("/discovery/srv/unusable-ports", NULL, test_srv_unusable_ports);
  add_fixture_test ("/discovery/srv/only-port-25", NULL, test_srv_only_port_25);
  add_fixture_test ("/discovery/srv/trailing-dot", NULL, test_srv_trailing_dot);
  add_fixture_test ("/discovery/srv/invalid-target", NULL, test_srv_invalid_target);
  add_fixture_test ("/discovery/srv/cancelled", NULL, test_srv_cancelled);
  add_fixture_test ("/discovery/srv/delayed", NULL, test_srv_delayed);

  add_fixture_test ("/discovery/test-resolver/records", NULL, test_resolver_records);
  add_fixture_test ("/discovery/test-resolver/service", NULL, test_resolver_service);
  add_fixture_test ("/discovery/test-resolver/default", NULL, test_resolver_default);

  add_fixture_test ("/discovery/mx/provider-database", NULL, test_mx_provider_database);
  add_fixture_test ("/discovery/mx/shipped-provider", NULL, test_mx_shipped_provider);
  add_fixture_test ("/discovery/mx/ispdb", NULL, test_mx_ispdb);
  add_fixture_test ("/discovery/mx/ispdb-unreachable", NULL, test_mx_ispdb_unreachable);
  add_fixture_test ("/discovery/mx/same-domain", NULL, test_mx_same_domain);
  add_fixture_test ("/discovery/mx/no-record", &mx_error_cases[0], test_mx_error);
  add_fixture_test ("/discovery/mx/null-mx", &mx_error_cases[1], test_mx_error);
  add_fixture_test ("/discovery/mx/ip-address", &mx_error_cases[2], test_mx_error);
  add_fixture_test ("/discovery/mx/public-suffix", &mx_error_cases[3], test_mx_error);
  add_fixture_test ("/discovery/mx/no-base-domain", &mx_error_cases[4], test_mx_error);
  add_fixture_test ("/discovery/mx/invalid-name", &mx_error_cases[5], test_mx_error);

  return g_test_run ();
}
