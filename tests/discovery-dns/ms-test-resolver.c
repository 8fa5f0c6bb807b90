/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-test-resolver"

#include "config.h"

#include "ms-test-resolver.h"

#include <string.h>

/**
 * MsTestResolver:
 *
 * The DNS of a test: a #GResolver answering from a table the test fills (SRV, MX and
 * address records, per-name delays and failures), installed the GLib way — passed where a
 * resolver is taken, or made the default with g_resolver_set_default().
 *
 * Answers look like those of GLib 2.74's own resolver on glibc: records are GVariants in the
 * documented formats ("(qqqs)" for SRV, "(qs)" for MX), names have no trailing dot and the
 * root name "." comes back as "" (that is what dn_expand() gives). With
 * ms_test_resolver_set_verbatim() the names come back exactly as added instead, like other
 * resolvers may return them. An unknown name, or a name without records of the asked type,
 * fails with %G_RESOLVER_ERROR_NOT_FOUND.
 */

typedef struct
{
  GList         *srv;       /* GVariant "(qqqs)", in the order added */
  GList         *mx;        /* GVariant "(qs)" */
  GList         *addresses; /* GInetAddress */
  guint          delay_ms;
  gboolean       fails;
  GResolverError failure;
  guint          n_queries;
} Entry;

struct _MsTestResolver
{
  GResolver   parent_instance;

  GMutex      mutex;
  GHashTable *entries; /* name (lower case, no trailing dot) → Entry */
  gboolean    verbatim;
};

G_DEFINE_FINAL_TYPE (MsTestResolver, ms_test_resolver, G_TYPE_RESOLVER)

typedef enum
{
  QUERY_ADDRESSES,
  QUERY_REVERSE,
  QUERY_RECORDS,
  QUERY_SERVICE,
} QueryKind;

/* One answer, computed when the question is asked and given after the name's delay. */
typedef struct
{
  gpointer       result;
  GDestroyNotify free_result;
  GError        *error;
  guint          delay_ms;
  GSource       *timer;
  GSource       *cancelled;
} Answer;

static void
entry_free (Entry *entry)
{
  g_list_free_full (entry->srv, (GDestroyNotify) g_variant_unref);
  g_list_free_full (entry->mx, (GDestroyNotify) g_variant_unref);
  g_list_free_full (entry->addresses, g_object_unref);
  g_free (entry);
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
answer_free (Answer *answer)
{
  destroy_source (&answer->timer);
  destroy_source (&answer->cancelled);
  if (answer->result != NULL)
    answer->free_result (answer->result);
  g_clear_error (&answer->error);
  g_free (answer);
}

static void
free_addresses (gpointer list)
{
  g_list_free_full (list, g_object_unref);
}

static void
free_records (gpointer list)
{
  g_list_free_full (list, (GDestroyNotify) g_variant_unref);
}

static void
free_targets (gpointer list)
{
  g_list_free_full (list, (GDestroyNotify) g_srv_target_free);
}

static char *
normalize_name (const char *name)
{
  char *key = g_ascii_strdown (name, -1);
  gsize len = strlen (key);

  if (len > 1 && key[len - 1] == '.')
    key[len - 1] = '\0';
  return key;
}

/* Called with the mutex held. */
static Entry *
ensure_entry (MsTestResolver *self,
              const char     *name)
{
  g_autofree char *key = normalize_name (name);
  Entry *entry = g_hash_table_lookup (self->entries, key);

  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      g_hash_table_insert (self->entries, g_steal_pointer (&key), entry);
    }
  return entry;
}

/* What GLib's resolver gives for a name in a record: no trailing dot, the root as "". */
static char *
record_name (MsTestResolver *self,
             const char     *name)
{
  gsize len = strlen (name);

  if (self->verbatim)
    return g_strdup (name);
  if (len > 0 && name[len - 1] == '.')
    return g_strndup (name, len - 1);
  return g_strdup (name);
}

static void
set_failure (GError       **error,
             GResolverError code,
             const char    *name)
{
  /* The same words as GLib's own resolver. */
  switch (code)
    {
    case G_RESOLVER_ERROR_NOT_FOUND:
      g_set_error (error, G_RESOLVER_ERROR, code, "No DNS record of the requested type for “%s”",
                   name);
      break;
    case G_RESOLVER_ERROR_TEMPORARY_FAILURE:
      g_set_error (error, G_RESOLVER_ERROR, code, "Temporarily unable to resolve “%s”", name);
      break;
    case G_RESOLVER_ERROR_INTERNAL:
    default:
      g_set_error (error, G_RESOLVER_ERROR, code, "Error resolving “%s”", name);
      break;
    }
}

static GList *
copy_records (MsTestResolver     *self,
              Entry              *entry,
              GResolverRecordType type)
{
  GList *records = NULL;

  if (type == G_RESOLVER_RECORD_SRV)
    {
      for (GList *l = entry->srv; l != NULL; l = l->next)
        {
          guint16 priority, weight, port;
          const char *target;
          g_autofree char *name = NULL;

          g_variant_get (l->data, "(qqq&s)", &priority, &weight, &port, &target);
          name = record_name (self, target);
          records = g_list_prepend (records, g_variant_ref_sink (g_variant_new (
                                                "(qqqs)", priority, weight, port, name)));
        }
    }
  else if (type == G_RESOLVER_RECORD_MX)
    {
      for (GList *l = entry->mx; l != NULL; l = l->next)
        {
          guint16 preference;
          const char *host;
          g_autofree char *name = NULL;

          g_variant_get (l->data, "(q&s)", &preference, &host);
          name = record_name (self, host);
          records = g_list_prepend (records,
                                    g_variant_ref_sink (g_variant_new ("(qs)", preference, name)));
        }
    }

  return g_list_reverse (records);
}

static GList *
copy_addresses (Entry                   *entry,
                GResolverNameLookupFlags flags)
{
  GList *addresses = NULL;

  for (GList *l = entry->addresses; l != NULL; l = l->next)
    {
      GSocketFamily family = g_inet_address_get_family (l->data);

      if ((flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV4_ONLY) && family != G_SOCKET_FAMILY_IPV4)
        continue;
      if ((flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY) && family != G_SOCKET_FAMILY_IPV6)
        continue;
      addresses = g_list_prepend (addresses, g_object_ref (l->data));
    }

  return g_list_reverse (addresses);
}

static GList *
srv_targets (GList *records)
{
  GList *targets = NULL;

  for (GList *l = records; l != NULL; l = l->next)
    {
      guint16 priority, weight, port;
      const char *target;

      g_variant_get (l->data, "(qqq&s)", &priority, &weight, &port, &target);
      targets = g_list_prepend (targets, g_srv_target_new (*target != '\0' ? target : ".", port,
                                                           priority, weight));
    }

  /* Sorts by RFC 2782 and drops a lone "." target (the service is absent). */
  return g_srv_target_list_sort (g_list_reverse (targets));
}

/* Looks @name up in the table and counts the question. */
static Answer *
ask (MsTestResolver          *self,
     const char              *name,
     QueryKind                kind,
     GResolverNameLookupFlags flags,
     GResolverRecordType      type)
{
  g_autoptr (GMutexLocker) locker = NULL;
  Answer *answer = g_new0 (Answer, 1);
  Entry *entry;

  locker = g_mutex_locker_new (&self->mutex);
  /* Unknown names get an empty entry too, so that their queries are counted. */
  entry = ensure_entry (self, name);
  entry->n_queries++;
  answer->delay_ms = entry->delay_ms;

  if (entry->fails)
    {
      set_failure (&answer->error, entry->failure, name);
      return answer;
    }

  switch (kind)
    {
    case QUERY_ADDRESSES:
      answer->free_result = free_addresses;
      answer->result = copy_addresses (entry, flags);
      if (answer->result == NULL)
        g_set_error (&answer->error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                     "Error resolving “%s”: Name or service not known", name);
      break;

    case QUERY_REVERSE:
      answer->free_result = g_free;
      g_set_error (&answer->error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                   "Error reverse-resolving “%s”: Name or service not known", name);
      break;

    case QUERY_RECORDS:
      answer->free_result = free_records;
      answer->result = copy_records (self, entry, type);
      if (answer->result == NULL)
        set_failure (&answer->error, G_RESOLVER_ERROR_NOT_FOUND, name);
      break;

    case QUERY_SERVICE:
      {
        GList *records = copy_records (self, entry, G_RESOLVER_RECORD_SRV);

        answer->free_result = free_targets;
        answer->result = srv_targets (records);
        free_records (records);
        if (answer->result == NULL)
          set_failure (&answer->error, G_RESOLVER_ERROR_NOT_FOUND, name);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  return answer;
}

/* Synchronous lookups (from threads) wait out the delay too, and notice a cancel. */
static gpointer
reply_sync (Answer       *answer,
            GCancellable *cancellable,
            GError      **error)
{
  gint64 end = g_get_monotonic_time () + (gint64) answer->delay_ms * 1000;
  gpointer result;

  for (gint64 now = g_get_monotonic_time (); now < end; now = g_get_monotonic_time ())
    {
      if (g_cancellable_is_cancelled (cancellable))
        break;
      g_usleep (MIN (end - now, 10000));
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      answer_free (answer);
      return NULL;
    }
  if (answer->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&answer->error));
      answer_free (answer);
      return NULL;
    }

  result = g_steal_pointer (&answer->result);
  answer_free (answer);
  return result;
}

static void
reply (GTask *task)
{
  Answer *answer = g_task_get_task_data (task);

  destroy_source (&answer->timer);
  destroy_source (&answer->cancelled);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (answer->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&answer->error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&answer->result), answer->free_result);
}

static gboolean
on_delay_over (gpointer user_data)
{
  reply (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  reply (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

/* Answers in the caller's main context: at once, or after the delay, or when cancelled. */
static void
reply_async (MsTestResolver     *self,
             Answer             *answer,
             GCancellable       *cancellable,
             GAsyncReadyCallback callback,
             gpointer            user_data,
             gpointer            source_tag)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, answer, (GDestroyNotify) answer_free);

  if (answer->delay_ms == 0)
    {
      reply (task);
      return;
    }

  answer->timer = g_timeout_source_new (answer->delay_ms);
  g_source_set_callback (answer->timer, on_delay_over, g_object_ref (task), g_object_unref);
  g_source_attach (answer->timer, g_task_get_context (task));

  if (cancellable != NULL)
    {
      answer->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (answer->cancelled, G_SOURCE_FUNC (on_cancelled),
                             g_object_ref (task), g_object_unref);
      g_source_attach (answer->cancelled, g_task_get_context (task));
    }
}

static gpointer
finish (GResolver    *resolver,
        GAsyncResult *result,
        gpointer      source_tag,
        GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, resolver), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
lookup_by_name_with_flags (GResolver               *resolver,
                           const char              *hostname,
                           GResolverNameLookupFlags flags,
                           GCancellable            *cancellable,
                           GError                 **error)
{
  MsTestResolver *self = MS_TEST_RESOLVER (resolver);

  return reply_sync (ask (self, hostname, QUERY_ADDRESSES, flags, 0), cancellable, error);
}

static GList *
lookup_by_name (GResolver    *resolver,
                const char   *hostname,
                GCancellable *cancellable,
                GError      **error)
{
  return lookup_by_name_with_flags (resolver, hostname, G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT,
                                    cancellable, error);
}

static void
lookup_by_name_with_flags_async (GResolver               *resolver,
                                 const char              *hostname,
                                 GResolverNameLookupFlags flags,
                                 GCancellable            *cancellable,
                                 GAsyncReadyCallback      callback,
                                 gpointer                 user_data)
{
  MsTestResolver *self = MS_TEST_RESOLVER (resolver);

  reply_async (self, ask (self, hostname, QUERY_ADDRESSES, flags, 0), cancellable, callback,
               user_data, lookup_by_name_with_flags_async);
}

static GList *
lookup_by_name_with_flags_finish (GResolver    *resolver,
                                  GAsyncResult *result,
                                  GError      **error)
{
  return finish (resolver, result, lookup_by_name_with_flags_async, error);
}

static void
lookup_by_name_async (GResolver          *resolver,
                      const char         *hostname,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  lookup_by_name_with_flags_async (resolver, hostname, G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT,
                                   cancellable, callback, user_data);
}

static char *
lookup_by_address (GResolver    *resolver,
                   GInetAddress *address,
                   GCancellable *cancellable,
                   GError      **error)
{
  MsTestResolver *self = MS_TEST_RESOLVER (resolver);
  g_autofree char *text = g_inet_address_to_string (address);

  return reply_sync (ask (self, text, QUERY_REVERSE, 0, 0), cancellable, error);
}

static void
lookup_by_address_async (GResolver          *resolver,
                         GInetAddress       *address,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  MsTestResolver *self = MS_TEST_RESOLVER (resolver);
  g_autofree char *text = g_inet_address_to_string (address);

  reply_async (self, ask (self, text, QUERY_REVERSE, 0, 0), cancellable, callback, user_data,
               lookup_by_address_async);
}

static char *
lookup_by_address_finish (GResolver    *resolver,
                          GAsyncResult *result,
                          GError      **error)
{
  return finish (resolver, result, lookup_by_address_async, error);
}

static GList *
lookup_service (GResolver    *resolver,
                const char   *rrname,
                GCancellable *cancellable,
                GError      **error)
{
  MsTestResolver *self = MS_TEST_RESOLVER (resolver);

  return reply_sync (ask (self, rrname, QUERY_SERVICE, 0, 0), cancellable, error);
}

static void
lookup_service_async (GResolver          *resolver,
                      const char         *rrname,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  MsTestResolver *self = MS_TEST_RESOLVER (resolver);

  reply_async (self, ask (self, rrname, QUERY_SERVICE, 0, 0), cancellable, callback, user_data,
               lookup_service_async);
}

static GList *
lookup_service_finish (GResolver    *resolver,
                       GAsyncResult *result,
                       GError      **error)
{
  return finish (resolver, result, lookup_service_async, error);
}

static GList *
lookup_records (GResolver          *resolver,
                const char         *rrname,
                GResolverRecordType record_type,
                GCancellable       *cancellable,
                GError            **error)
{
  MsTestResolver *self = MS_TEST_RESOLVER (resolver);

  return reply_sync (ask (self, rrname, QUERY_RECORDS, 0, record_type), cancellable, error);
}

static void
lookup_records_async (GResolver          *resolver,
                      const char         *rrname,
                      GResolverRecordType record_type,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  MsTestResolver *self = MS_TEST_RESOLVER (resolver);

  reply_async (self, ask (self, rrname, QUERY_RECORDS, 0, record_type), cancellable, callback,
               user_data, lookup_records_async);
}

static GList *
lookup_records_finish (GResolver    *resolver,
                       GAsyncResult *result,
                       GError      **error)
{
  return finish (resolver, result, lookup_records_async, error);
}

static void
ms_test_resolver_finalize (GObject *object)
{
  MsTestResolver *self = MS_TEST_RESOLVER (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (ms_test_resolver_parent_class)->finalize (object);
}

static void
ms_test_resolver_class_init (MsTestResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  object_class->finalize = ms_test_resolver_finalize;

  resolver_class->lookup_by_name = lookup_by_name;
  resolver_class->lookup_by_name_async = lookup_by_name_async;
  /* Both kinds of name lookup end in the same task. */
  resolver_class->lookup_by_name_finish = lookup_by_name_with_flags_finish;
  resolver_class->lookup_by_name_with_flags = lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async = lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = lookup_by_name_with_flags_finish;
  resolver_class->lookup_by_address = lookup_by_address;
  resolver_class->lookup_by_address_async = lookup_by_address_async;
  resolver_class->lookup_by_address_finish = lookup_by_address_finish;
  resolver_class->lookup_service = lookup_service;
  resolver_class->lookup_service_async = lookup_service_async;
  resolver_class->lookup_service_finish = lookup_service_finish;
  resolver_class->lookup_records = lookup_records;
  resolver_class->lookup_records_async = lookup_records_async;
  resolver_class->lookup_records_finish = lookup_records_finish;
}

static void
ms_test_resolver_init (MsTestResolver *self)
{
  g_mutex_init (&self->mutex);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) entry_free);
}

/**
 * ms_test_resolver_new:
 *
 * Returns: (transfer full): a resolver that knows no name yet
 */
MsTestResolver *
ms_test_resolver_new (void)
{
  return g_object_new (MS_TYPE_TEST_RESOLVER, NULL);
}

/**
 * ms_test_resolver_add_srv:
 * @name: the record's name, e.g. `_imaps._tcp.example.net`
 * @target: the target host; `.` for "no such service"
 *
 * Adds an SRV record; records of one name are returned in the order they were added.
 */
void
ms_test_resolver_add_srv (MsTestResolver *self,
                          const char     *name,
                          guint16         priority,
                          guint16         weight,
                          guint16         port,
                          const char     *target)
{
  g_autoptr (GMutexLocker) locker = NULL;
  Entry *entry;

  g_return_if_fail (MS_IS_TEST_RESOLVER (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (target != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  entry = ensure_entry (self, name);
  entry->srv = g_list_append (entry->srv, g_variant_ref_sink (g_variant_new ("(qqqs)", priority,
                                                                             weight, port,
                                                                             target)));
}

/**
 * ms_test_resolver_add_mx:
 * @name: the mail domain
 * @host: the mail exchanger; `.` for a null MX (RFC 7505)
 *
 * Adds an MX record; records of one name are returned in the order they were added.
 */
void
ms_test_resolver_add_mx (MsTestResolver *self,
                         const char     *name,
                         guint16         preference,
                         const char     *host)
{
  g_autoptr (GMutexLocker) locker = NULL;
  Entry *entry;

  g_return_if_fail (MS_IS_TEST_RESOLVER (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (host != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  entry = ensure_entry (self, name);
  entry->mx = g_list_append (entry->mx,
                             g_variant_ref_sink (g_variant_new ("(qs)", preference, host)));
}

/**
 * ms_test_resolver_add_address:
 * @address: an IPv4 or IPv6 address, e.g. `127.0.0.1`
 *
 * Adds an A or AAAA record for @name.
 */
void
ms_test_resolver_add_address (MsTestResolver *self,
                              const char     *name,
                              const char     *address)
{
  g_autoptr (GMutexLocker) locker = NULL;
  GInetAddress *inet_address;
  Entry *entry;

  g_return_if_fail (MS_IS_TEST_RESOLVER (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (address != NULL);

  inet_address = g_inet_address_new_from_string (address);
  g_return_if_fail (inet_address != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  entry = ensure_entry (self, name);
  entry->addresses = g_list_append (entry->addresses, inet_address);
}

/**
 * ms_test_resolver_set_delay:
 *
 * Makes every lookup of @name answer after @milliseconds (a slow or black-holed DNS
 * server). A cancel still ends the lookup at once.
 */
void
ms_test_resolver_set_delay (MsTestResolver *self,
                            const char     *name,
                            guint           milliseconds)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_if_fail (MS_IS_TEST_RESOLVER (self));
  g_return_if_fail (name != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  ensure_entry (self, name)->delay_ms = milliseconds;
}

/**
 * ms_test_resolver_set_failure:
 *
 * Makes every lookup of @name fail with @code (%G_RESOLVER_ERROR_TEMPORARY_FAILURE for a
 * SERVFAIL, for example), whatever records it has.
 */
void
ms_test_resolver_set_failure (MsTestResolver *self,
                              const char     *name,
                              GResolverError  code)
{
  g_autoptr (GMutexLocker) locker = NULL;
  Entry *entry;

  g_return_if_fail (MS_IS_TEST_RESOLVER (self));
  g_return_if_fail (name != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  entry = ensure_entry (self, name);
  entry->fails = TRUE;
  entry->failure = code;
}

/**
 * ms_test_resolver_set_verbatim:
 *
 * Whether names in records come back exactly as added ("mail.example.net.", ".") instead of
 * the way GLib 2.74 on glibc returns them ("mail.example.net", "").
 */
void
ms_test_resolver_set_verbatim (MsTestResolver *self,
                               gboolean        verbatim)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_if_fail (MS_IS_TEST_RESOLVER (self));

  locker = g_mutex_locker_new (&self->mutex);
  self->verbatim = verbatim;
}

/**
 * ms_test_resolver_get_n_queries:
 *
 * Returns: how many lookups of any kind asked for @name so far
 */
guint
ms_test_resolver_get_n_queries (MsTestResolver *self,
                                const char     *name)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autofree char *key = NULL;
  Entry *entry;

  g_return_val_if_fail (MS_IS_TEST_RESOLVER (self), 0);
  g_return_val_if_fail (name != NULL, 0);

  locker = g_mutex_locker_new (&self->mutex);
  key = normalize_name (name);
  entry = g_hash_table_lookup (self->entries, key);
  return entry != NULL ? entry->n_queries : 0;
}
