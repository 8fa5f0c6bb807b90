/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-source-srv"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-discovery-private.h"

#include <string.h>

#include "ms-hostname.h"

/* SRV records for mail (RFC 6186, with the implicit-TLS services of RFC 8314): one lookup per
 * service. The records are read with g_resolver_lookup_records() rather than
 * g_resolver_lookup_service(), which drops a lone "." target: that record says the domain
 * deliberately offers no such service, and the discoverer must not guess it either. */

/* RFC 8314 §5.1 preference order: implicit TLS first, submission before the mailbox
 * protocols only because a client needs both anyway. */
static const MsSrvService srv_services[] = {
  { "_submissions", MS_PROTOCOL_SMTP, MS_SECURITY_TLS },
  { "_submission", MS_PROTOCOL_SMTP, MS_SECURITY_STARTTLS },
  { "_imaps", MS_PROTOCOL_IMAP, MS_SECURITY_TLS },
  { "_imap", MS_PROTOCOL_IMAP, MS_SECURITY_STARTTLS },
  { "_pop3s", MS_PROTOCOL_POP3, MS_SECURITY_TLS },
  { "_pop3", MS_PROTOCOL_POP3, MS_SECURITY_STARTTLS },
};

#define SRV_PROTOCOL_LABEL "._tcp."

/**
 * _ms_srv_services:
 * @n_services: (out): the number of services
 *
 * Returns: (array length=n_services): the mail services looked up with SRV records, in RFC
 *   8314 preference order
 */
const MsSrvService *
_ms_srv_services (guint *n_services)
{
  g_return_val_if_fail (n_services != NULL, NULL);

  *n_services = G_N_ELEMENTS (srv_services);
  return srv_services;
}

/**
 * _ms_srv_service_for_query:
 * @query: an SRV record name, e.g. `_imaps._tcp.example.net`
 *
 * Returns: (nullable): the service @query asks for, or %NULL if it is none of ours
 */
const MsSrvService *
_ms_srv_service_for_query (const char *query)
{
  g_return_val_if_fail (query != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (srv_services); i++)
    {
      gsize len = strlen (srv_services[i].service);
      const char *rest = query + len;

      /* The whole first label must match: "_imap" is a prefix of "_imaps". */
      if (g_ascii_strncasecmp (query, srv_services[i].service, len) == 0 &&
          g_ascii_strncasecmp (rest, SRV_PROTOCOL_LABEL, strlen (SRV_PROTOCOL_LABEL)) == 0 &&
          rest[strlen (SRV_PROTOCOL_LABEL)] != '\0')
        return &srv_services[i];
    }

  return NULL;
}

static const char *
record_target (GVariant *record)
{
  const char *target;

  g_variant_get_child (record, 3, "&s", &target);
  return target;
}

typedef struct
{
  GVariant *record;
  guint16   priority;
  guint16   weight;
  guint     position; /* in the DNS answer */
} SrvEntry;

/* Ascending priority; within one priority the weight-0 records first (RFC 2782 puts them at
 * the beginning of the list it draws from), else in the order of the answer. */
static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const SrvEntry *x = a;
  const SrvEntry *y = b;

  if (x->priority != y->priority)
    return x->priority < y->priority ? -1 : 1;
  if ((x->weight == 0) != (y->weight == 0))
    return x->weight == 0 ? -1 : 1;
  return x->position < y->position ? -1 : x->position > y->position;
}

/* A uniformly random integer in [@low, @high]. */
static guint64
random_between (GRand  *rand,
                guint64 low,
                guint64 high)
{
  double fraction;

  /* The sum of 16-bit weights only outgrows gint32 past 32768 records, more than a DNS
   * message can carry; the fallback keeps a hostile answer from overflowing. */
  if (high < G_MAXINT32)
    return rand != NULL ? (guint64) g_rand_int_range (rand, low, high + 1)
                        : (guint64) g_random_int_range (low, high + 1);

  fraction = rand != NULL ? g_rand_double (rand) : g_random_double ();
  return MIN (low + (guint64) (fraction * (double) (high - low + 1)), high);
}

/* RFC 2782 weighted selection among the records of one priority, entries[@start] to
 * entries[@end - 1]: each round draws the next record from those not ordered yet and moves
 * it to the front of them. */
static void
order_by_weight (SrvEntry *entries,
                 guint     start,
                 guint     end,
                 GRand    *rand)
{
  for (guint next = start; next + 1 < end; next++)
    {
      guint64 sum = 0;
      guint64 running = 0;
      guint64 chosen;
      gboolean has_zero = FALSE;
      SrvEntry selected;
      guint i;

      for (i = next; i < end; i++)
        {
          sum += entries[i].weight;
          has_zero |= entries[i].weight == 0;
        }

      /* RFC 2782 draws from 0 to the sum inclusive: the 0 is what gives weight-0 records
       * their "very small chance" of being first. Without any, that 0 would only add an
       * extra 1/(sum+1) share to whichever record is listed first (a 3:1 split would become
       * 4:1), so the draw then starts at 1 and the weights are honoured exactly. */
      chosen = random_between (rand, has_zero || sum == 0 ? 0 : 1, sum);

      for (i = next; i + 1 < end; i++)
        {
          running += entries[i].weight;
          if (running >= chosen)
            break;
        }

      selected = entries[i];
      memmove (&entries[next + 1], &entries[next], (i - next) * sizeof (SrvEntry));
      entries[next] = selected;
    }
}

/**
 * _ms_srv_records_sort:
 * @records: (inout) (element-type GVariant): SRV records, "(qqqs)"
 * @rand: (nullable): the random numbers to use (a seeded #GRand in tests), or %NULL for
 *   g_random_*()
 *
 * Puts @records in the order RFC 2782 says to try them: ascending priority, and within one
 * priority a weighted random order. Only the order changes; the records are the same.
 */
void
_ms_srv_records_sort (GList **records,
                      GRand  *rand)
{
  g_autoptr (GArray) entries = NULL;
  SrvEntry *sorted;
  GList *l;
  guint i;

  g_return_if_fail (records != NULL);

  entries = g_array_new (FALSE, FALSE, sizeof (SrvEntry));
  for (l = *records, i = 0; l != NULL; l = l->next, i++)
    {
      SrvEntry entry = { l->data, 0, 0, i };

      g_variant_get (l->data, "(qqq&s)", &entry.priority, &entry.weight, NULL, NULL);
      g_array_append_val (entries, entry);
    }

  g_array_sort (entries, compare_entries);
  sorted = (SrvEntry *) (gpointer) entries->data;

  for (guint start = 0, end; start < entries->len; start = end)
    {
      for (end = start + 1; end < entries->len; end++)
        if (sorted[end].priority != sorted[start].priority)
          break;
      order_by_weight (sorted, start, end, rand);
    }

  /* The same list, the records in their new places. */
  for (l = *records, i = 0; l != NULL; l = l->next, i++)
    l->data = sorted[i].record;
}

typedef struct
{
  MsDiscoveryContext *context;
  MsLookup           *lookup;
  const MsSrvService *service;
  char               *name;
} SrvData;

static void
srv_data_free (SrvData *data)
{
  g_clear_pointer (&data->context, _ms_discovery_context_unref);
  g_clear_object (&data->lookup);
  g_free (data->name);
  g_free (data);
}

/* The root name, as GLib gives it: "" from glibc's dn_expand(), "." from other resolvers. */
static gboolean
is_root (const char *target)
{
  return target[0] == '\0' || strcmp (target, ".") == 0;
}

static gboolean
is_inside_domain (const char *host,
                  const char *domain)
{
  gsize host_len = strlen (host);
  gsize domain_len = strlen (domain);

  if (g_ascii_strcasecmp (host, domain) == 0)
    return TRUE;

  /* "mail.example.net" is inside "example.net"; "mail.evilexample.net" and
   * "example.net.evil.com" are not. */
  return host_len > domain_len + 1 && host[host_len - domain_len - 1] == '.' &&
         g_ascii_strcasecmp (host + host_len - domain_len, domain) == 0;
}

static MsCandidate *
candidate_for_record (SrvData  *data,
                      GVariant *record)
{
  g_autoptr (MsServerConfig) server = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *reason = NULL;
  MsCandidate *candidate;
  guint16 priority, weight, port;
  const char *target;
  gboolean trusted;

  g_variant_get (record, "(qqq&s)", &priority, &weight, &port, &target);

  if (is_root (target))
    {
      /* "." next to real targets: nothing to connect to. */
      g_debug ("%s: skipping a \".\" target among others", data->name);
      return NULL;
    }
  if (port == 0 || port == 25)
    {
      /* Port 25 is for relaying between servers, not for a client's submission. */
      g_debug ("%s: skipping %s port %u", data->name, target, port);
      return NULL;
    }

  host = ms_hostname_normalize (target, MS_HOSTNAME_NONE, &error);
  if (host == NULL)
    {
      g_debug ("%s: skipping %s: %s", data->name, target, error->message);
      return NULL;
    }

  server = ms_server_config_new (data->service->protocol, host, port, data->service->security);
  ms_server_config_set_username (server, data->context->address);

  trusted = is_inside_domain (host, data->context->domain);
  if (!trusted)
    reason = g_strdup_printf (
      /* Translators: the first %s is the mail domain, the second a server name */
      _("The DNS record points outside %s, to %s; RFC 6186 asks to confirm such servers."),
      data->context->domain, host);

  candidate = _ms_candidate_new (server, MS_DISCOVERY_SOURCE_SRV, trusted, reason);
  _ms_candidate_set_srv (candidate, priority, weight);
  return candidate;
}

static void
on_records (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  SrvData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autolist (GVariant) records = NULL;
  g_autoptr (GPtrArray) candidates = NULL;
  gboolean all_trusted = TRUE;

  records = g_resolver_lookup_records_finish (G_RESOLVER (object), result, &error);
  if (records == NULL && g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    {
      g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                               /* Translators: %s is a DNS name like _imaps._tcp.example.net */
                               _("No SRV record %s"), data->name);
      return;
    }
  if (records == NULL && error->domain == G_RESOLVER_ERROR)
    {
      g_task_return_new_error (task, error->domain, error->code,
                               /* Translators: the first %s is a DNS name, the second says
                                * what went wrong */
                               _("The SRV record %s could not be looked up: %s"), data->name,
                               error->message);
      return;
    }
  if (records == NULL)
    {
      /* Cancelled, or an error already in words. */
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  candidates = g_ptr_array_new_with_free_func (g_object_unref);

  if (records->next == NULL && is_root (record_target (records->data)))
    {
      /* RFC 2782: 'A Target of "." means that the service is decidedly not available at
       * this domain.' An answer, not a failure. */
      _ms_lookup_set_service_absent (data->lookup, TRUE);
      g_task_return_pointer (task, g_steal_pointer (&candidates),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  _ms_srv_records_sort (&records, NULL);

  for (GList *l = records; l != NULL; l = l->next)
    {
      MsCandidate *candidate = candidate_for_record (data, l->data);

      if (candidate == NULL)
        continue;
      /* The RFC 2782 order is the rank among this service's candidates. */
      _ms_candidate_set_index (candidate, candidates->len);
      all_trusted = all_trusted && ms_candidate_get_trusted (candidate);
      g_ptr_array_add (candidates, candidate);
    }

  if (candidates->len == 0)
    {
      g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                               /* Translators: %s is a DNS name like _imaps._tcp.example.net */
                               _("The SRV records %s name no server a mail client may use "
                                 "(only port 0, port 25 or invalid names)"),
                               data->name);
      return;
    }

  _ms_lookup_set_trusted (data->lookup, all_trusted);
  g_task_return_pointer (task, g_steal_pointer (&candidates), (GDestroyNotify) g_ptr_array_unref);
}

/* Looks up the SRV records named by @lookup's url_or_query: each usable one becomes a
 * candidate, in RFC 2782 order. */
void
_ms_source_srv (MsDiscoveryContext *context,
                MsLookup           *lookup,
                GCancellable       *cancellable,
                GAsyncReadyCallback callback,
                gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  SrvData *data;

  g_return_if_fail (context != NULL);
  g_return_if_fail (G_IS_RESOLVER (context->resolver));
  g_return_if_fail (MS_IS_LOOKUP (lookup));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _ms_source_srv);

  data = g_new0 (SrvData, 1);
  data->context = _ms_discovery_context_ref (context);
  data->lookup = g_object_ref (lookup);
  data->name = g_strdup (ms_lookup_get_url_or_query (lookup));
  data->service = _ms_srv_service_for_query (data->name);
  g_task_set_task_data (task, data, (GDestroyNotify) srv_data_free);

  if (data->service == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               /* Translators: %s is what was to be looked up */
                               _("%s is not the name of a mail service’s SRV record"),
                               data->name);
      return;
    }

  g_resolver_lookup_records_async (context->resolver, data->name, G_RESOLVER_RECORD_SRV,
                                   cancellable, on_records, g_steal_pointer (&task));
}
