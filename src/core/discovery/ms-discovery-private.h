/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "ms-candidate.h"
#include "ms-discovery.h"
#include "ms-lookup.h"
#include "ms-provider-database.h"

G_BEGIN_DECLS

/* Largest autoconfig document any HTTP source reads (MS_AUTOCONFIG_MAX_SIZE). */
#define MS_HTTP_MAX_SIZE MS_AUTOCONFIG_MAX_SIZE
#define MS_HTTP_MAX_REDIRECTS 5

/*
 * What every source of one discovery run shares. Read-only once the run started.
 */
typedef struct
{
  grefcount           ref_count;
  char               *address;    /* local@domain, the domain in ASCII (IDNA) */
  char               *domain;     /* ASCII, lower case */
  GResolver          *resolver;   /* DNS: SRV and MX records */
  SoupSession        *session;    /* HTTP: TLS database and per-I/O timeout set */
  guint               http_timeout_ms; /* whole request, redirects included */
  MsProviderDatabase *providers;
  char               *ispdb_url;  /* ends with '/' */
} MsDiscoveryContext;

MsDiscoveryContext *_ms_discovery_context_ref (MsDiscoveryContext *context);
void                _ms_discovery_context_unref (MsDiscoveryContext *context);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsDiscoveryContext, _ms_discovery_context_unref)

/* Candidates */
MsCandidate *_ms_candidate_new (MsServerConfig   *server,
                                MsDiscoverySource source,
                                gboolean          trusted,
                                const char       *untrusted_reason);
void         _ms_candidate_set_srv (MsCandidate *self,
                                    guint16      priority,
                                    guint16      weight);
void         _ms_candidate_set_index (MsCandidate *self,
                                      guint        index);
void         _ms_candidate_set_probe_state (MsCandidate *self,
                                            MsProbeState state);
void         _ms_candidate_set_probe (MsCandidate   *self,
                                      MsCheckResult *result);
void         _ms_candidate_merge (MsCandidate *self,
                                  MsCandidate *other);
gboolean     _ms_candidate_same_server (MsCandidate *a,
                                        MsCandidate *b);

/* Turns every usable server of @autoconfig into candidates (appended to @candidates):
 * placeholders expanded for @address; plaintext, port 25 and unknown protocols skipped. */
void _ms_candidates_add_from_autoconfig (GPtrArray        *candidates,
                                         MsAutoconfig     *autoconfig,
                                         const char       *address,
                                         MsDiscoverySource source,
                                         gboolean          trusted,
                                         const char       *untrusted_reason);

/* Lookups */
MsLookup *_ms_lookup_new (const char       *name,
                          MsDiscoverySource source,
                          const char       *url_or_query,
                          gboolean          trusted);
void      _ms_lookup_set_url_or_query (MsLookup   *self,
                                       const char *url_or_query);
void      _ms_lookup_set_trusted (MsLookup *self,
                                  gboolean  trusted);
void      _ms_lookup_set_autoconfig (MsLookup     *self,
                                     MsAutoconfig *autoconfig);
void      _ms_lookup_set_service_absent (MsLookup *self,
                                         gboolean  absent);
void      _ms_lookup_finish (MsLookup     *self,
                             guint         n_candidates,
                             const GError *error);
void      _ms_lookup_abandon (MsLookup *self,
                              gboolean  timed_out);

/*
 * Sources. Each runs one lookup: it may refine @lookup (final URL, trust, the autoconfig
 * document for hints, "service absent") and returns the candidates it found (a GPtrArray of
 * MsCandidate, possibly empty) or an error saying why the lookup failed, in words for people.
 * A source never probes: the discoverer does that.
 */
typedef void (*MsSourceFunc) (MsDiscoveryContext *context,
                              MsLookup           *lookup,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data);

GPtrArray *_ms_source_finish (GAsyncResult *result,
                              GError      **error);

/* ms-source-provider-db.c: the shipped/site-local provider files, by domain. */
void _ms_source_provider_db (MsDiscoveryContext *context,
                             MsLookup           *lookup,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data);

/* ms-source-autoconfig.c: the ISP's own autoconfig. @lookup's url_or_query is the URL
 * (https with ?emailaddress=, https .well-known, or the same two over http without the
 * address); http results are untrusted. */
void _ms_source_autoconfig (MsDiscoveryContext *context,
                            MsLookup           *lookup,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data);

/* ms-source-autoconfig.c: what the two sources above share: fetch @lookup's URL, record
 * the final URL, the trust (https) and the document in @lookup, and propose the document's
 * servers as candidates of @source. */
void _ms_source_fetch_autoconfig (MsDiscoverySource   source,
                                  MsDiscoveryContext *context,
                                  MsLookup           *lookup,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data);

/* ms-source-ispdb.c: Thunderbird's ISPDB at context->ispdb_url + domain. */
void _ms_source_ispdb (MsDiscoveryContext *context,
                       MsLookup           *lookup,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data);

/* ms-source-mx.c: most preferred MX host → its base domain (public suffix list) →
 * provider database (trusted) or ISPDB (untrusted). */
void _ms_source_mx (MsDiscoveryContext *context,
                    MsLookup           *lookup,
                    GCancellable       *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer            user_data);

/* ms-source-srv.c: one RFC 6186/8314 service; @lookup's url_or_query is the record name
 * (e.g. "_imaps._tcp.example.net"). A lone "." target sets service_absent. */
void _ms_source_srv (MsDiscoveryContext *context,
                     MsLookup           *lookup,
                     GCancellable       *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer            user_data);

/* The SRV services in RFC 8314 preference order, with what each one means. */
typedef struct
{
  const char *service; /* "_imaps" */
  MsProtocol  protocol;
  MsSecurity  security;
} MsSrvService;

const MsSrvService *_ms_srv_services (guint *n_services);
const MsSrvService *_ms_srv_service_for_query (const char *query);

/* RFC 2782 ordering of SRV records (GVariant "(qqqs)": priority, weight, port, target):
 * by priority, and within one priority weighted-random, with @rand (NULL: g_random). */
void _ms_srv_records_sort (GList  **records,
                           GRand   *rand);

/* ms-source-guess.c: imap.D, mail.D, D, pop3.D, pop.D, smtp.D on the standard TLS and
 * STARTTLS ports. */
void _ms_source_guess (MsDiscoveryContext *context,
                       MsLookup           *lookup,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data);

/* ms-http-fetch.c: GET @url, follow up to MS_HTTP_MAX_REDIRECTS redirects (only to https
 * when @url is https), check the status and the content type, read at most
 * MS_HTTP_MAX_SIZE bytes within context->http_timeout_ms, and parse an autoconfig
 * document. The error message says what went wrong for people ("… answered 404 Not
 * Found"). */
void          _ms_http_fetch_autoconfig_async (MsDiscoveryContext *context,
                                               const char         *url,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
MsAutoconfig *_ms_http_fetch_autoconfig_finish (GAsyncResult *result,
                                                char        **out_final_url,
                                                GError      **error);

/* ms-http-fetch.c: the session for context->session: no proxy, our User-Agent, @database
 * (NULL: the system's CA certificates) and @timeout_ms for any one read or write. */
SoupSession  *_ms_http_session_new (GTlsDatabase *database,
                                    guint         timeout_ms);

/* MsDiscovery, built by the discoverer. */
MsDiscovery *_ms_discovery_new (const char *address,
                                const char *domain);
void         _ms_discovery_add_lookup (MsDiscovery *self,
                                       MsLookup    *lookup);
void         _ms_discovery_set_candidates (MsDiscovery *self,
                                           MsDirection  direction,
                                           GPtrArray   *candidates);
void         _ms_discovery_set_chosen (MsDiscovery *self,
                                       MsDirection  direction,
                                       MsCandidate *candidate);
void         _ms_discovery_set_provider (MsDiscovery  *self,
                                         MsAutoconfig *provider);
void         _ms_discovery_set_elapsed_ms (MsDiscovery *self,
                                           gint64       elapsed_ms);
void         _ms_discovery_set_verify (MsDiscovery    *self,
                                       MsDirection     direction,
                                       MsVerifyOutcome outcome,
                                       MsCheckResult  *result);

G_END_DECLS
