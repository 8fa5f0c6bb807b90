/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-source-mx"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-discovery-private.h"

#include <string.h>

#include "ms-hostname.h"

/* A custom domain hosted by a big provider (Google Workspace, Microsoft 365) publishes no
 * autoconfig of its own, but its mail exchanger gives the provider away: the most preferred
 * MX host → its base domain by the public suffix list (libsoup's, not a list of our own) →
 * the provider database (trusted: our own data) or else the ISPDB (untrusted: an MX record
 * shows where mail is delivered, not where the user reads it).
 *
 * When the base domain is the address's domain itself (mx.example.net for example.net), the
 * lookup ends without candidates and without an error: the provider database, autoconfig
 * and ISPDB lookups ask about that domain already, so there is nothing new to learn, and
 * nothing failed. The query then says so. */

typedef struct
{
  MsDiscoveryContext *context;
  MsLookup           *lookup;
  char               *exchanger;   /* the most preferred MX host, normalised */
  char               *base_domain; /* its base domain */
  char               *query;       /* what was done so far, for the lookup's url_or_query */
  char               *url;         /* the ISPDB URL */
} MxData;

static void
mx_data_free (MxData *data)
{
  g_clear_pointer (&data->context, _ms_discovery_context_unref);
  g_clear_object (&data->lookup);
  g_free (data->exchanger);
  g_free (data->base_domain);
  g_free (data->query);
  g_free (data->url);
  g_free (data);
}

/* Appends " → @step" to the lookup's description of what was done. */
static void
add_step (MxData     *data,
          const char *step)
{
  char *query = g_strdup_printf ("%s → %s", data->query, step);

  g_free (data->query);
  data->query = query;
  _ms_lookup_set_url_or_query (data->lookup, data->query);
}

static gboolean
is_root (const char *host)
{
  return host[0] == '\0' || strcmp (host, ".") == 0;
}

/* The host of the lowest preference value; the first one listed among equals. A "." host
 * (RFC 7505 "null MX") is nothing to look at. */
static const char *
most_preferred (GList *records)
{
  const char *best = NULL;
  guint best_preference = G_MAXUINT;

  for (GList *l = records; l != NULL; l = l->next)
    {
      guint16 preference;
      const char *host;

      g_variant_get (l->data, "(q&s)", &preference, &host);
      if (!is_root (host) && preference < best_preference)
        {
          best = host;
          best_preference = preference;
        }
    }

  return best;
}

static void
return_base_domain_error (GTask  *task,
                          GError *error)
{
  MxData *data = g_task_get_task_data (task);
  const char *domain = data->context->domain;
  const char *exchanger = data->exchanger;

  if (g_error_matches (error, SOUP_TLD_ERROR, SOUP_TLD_ERROR_IS_IP_ADDRESS))
    g_task_return_new_error (task, error->domain, error->code,
                             /* Translators: the first %s is a mail domain, the second an IP
                              * address */
                             _("The mail exchanger of %s is an IP address (%s), which names "
                               "no provider."),
                             domain, exchanger);
  else if (g_error_matches (error, SOUP_TLD_ERROR, SOUP_TLD_ERROR_NOT_ENOUGH_DOMAINS))
    g_task_return_new_error (task, error->domain, error->code,
                             /* Translators: the first %s is a mail domain, the second a
                              * server name like co.uk */
                             _("The mail exchanger of %s is %s, a public suffix rather than "
                               "a provider’s domain."),
                             domain, exchanger);
  else if (g_error_matches (error, SOUP_TLD_ERROR, SOUP_TLD_ERROR_NO_BASE_DOMAIN))
    g_task_return_new_error (task, error->domain, error->code,
                             /* Translators: the first %s is a mail domain, the second a
                              * server name */
                             _("The mail exchanger of %s is %s, which is not under a known "
                               "public suffix, so it names no provider."),
                             domain, exchanger);
  else
    g_task_return_new_error (task, error->domain, error->code,
                             /* Translators: the first %s is a mail domain, the second a
                              * server name, the third says what is wrong */
                             _("The mail exchanger of %s, %s, has no base domain: %s"), domain,
                             exchanger, error->message);
}

static void
on_ispdb_fetched (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  MxData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GPtrArray) candidates = NULL;
  g_autofree char *final_url = NULL;
  g_autofree char *reason = NULL;

  autoconfig = _ms_http_fetch_autoconfig_finish (result, &final_url, &error);
  if (autoconfig == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (autoconfig == NULL)
    {
      g_task_return_new_error (task, error->domain, error->code,
                               /* Translators: the first %s is a domain, the second a server
                                * name, the third a URL, the fourth says what went wrong */
                               _("Could not get the settings of %s (the domain of the mail "
                                 "exchanger %s) from the ISPDB at %s: %s"),
                               data->base_domain, data->exchanger, data->url, error->message);
      return;
    }

  if (final_url != NULL && g_strcmp0 (final_url, data->url) != 0)
    add_step (data, final_url);

  _ms_lookup_set_autoconfig (data->lookup, autoconfig);
  _ms_lookup_set_trusted (data->lookup, FALSE);

  reason = g_strdup_printf (
    /* Translators: the first %s is a server name, the second the user's mail domain */
    _("These settings were derived from the domain’s mail exchanger (%s), which does not "
      "prove that %s uses them."),
    data->exchanger, data->context->domain);
  candidates = g_ptr_array_new_with_free_func (g_object_unref);
  _ms_candidates_add_from_autoconfig (candidates, autoconfig, data->context->address,
                                      MS_DISCOVERY_SOURCE_MX, FALSE, reason);
  g_task_return_pointer (task, g_steal_pointer (&candidates), (GDestroyNotify) g_ptr_array_unref);
}

static void
look_up_base_domain (GTask *task)
{
  MxData *data = g_task_get_task_data (task);
  MsDiscoveryContext *context = data->context;
  g_autoptr (GPtrArray) candidates = g_ptr_array_new_with_free_func (g_object_unref);
  MsAutoconfig *provider = NULL;

  if (g_ascii_strcasecmp (data->base_domain, context->domain) == 0)
    {
      g_autofree char *step = NULL;

      /* Translators: how the MX lookup ended: %s is the address's own domain, which the
       * other lookups ask about already */
      step = g_strdup_printf (_("%s (the domain itself: nothing new)"), data->base_domain);
      add_step (data, step);
      g_task_return_pointer (task, g_steal_pointer (&candidates),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  if (context->providers != NULL)
    provider = ms_provider_database_lookup (context->providers, data->base_domain);
  if (provider != NULL)
    {
      g_autofree char *step = NULL;

      /* Translators: how the MX lookup ended: %s is a domain found in our provider data */
      step = g_strdup_printf (_("%s (provider database)"), data->base_domain);
      add_step (data, step);
      _ms_lookup_set_autoconfig (data->lookup, provider);
      _ms_lookup_set_trusted (data->lookup, TRUE);
      _ms_candidates_add_from_autoconfig (candidates, provider, context->address,
                                          MS_DISCOVERY_SOURCE_MX, TRUE, NULL);
      g_task_return_pointer (task, g_steal_pointer (&candidates),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  add_step (data, data->base_domain);
  if (context->ispdb_url == NULL || context->ispdb_url[0] == '\0')
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               /* Translators: the first %s is a domain, the second a server
                                * name */
                               _("%s (the domain of the mail exchanger %s) is not in the "
                                 "provider database, and no ISPDB is set."),
                               data->base_domain, data->exchanger);
      return;
    }

  data->url = g_strconcat (context->ispdb_url, data->base_domain, NULL);
  add_step (data, data->url);
  _ms_http_fetch_autoconfig_async (context, data->url, g_task_get_cancellable (task),
                                   on_ispdb_fetched, g_object_ref (task));
}

static void
on_records (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  MxData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autolist (GVariant) records = NULL;
  const char *best;
  const char *base;

  records = g_resolver_lookup_records_finish (G_RESOLVER (object), result, &error);
  if (records == NULL && g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    {
      g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                               /* Translators: %s is a mail domain */
                               _("No MX record for %s"), data->context->domain);
      return;
    }
  if (records == NULL && error->domain == G_RESOLVER_ERROR)
    {
      g_task_return_new_error (task, error->domain, error->code,
                               /* Translators: the first %s is a mail domain, the second says
                                * what went wrong */
                               _("The MX records of %s could not be looked up: %s"),
                               data->context->domain, error->message);
      return;
    }
  if (records == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  best = most_preferred (records);
  if (best == NULL)
    {
      g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                               /* Translators: %s is a mail domain */
                               _("%s receives no mail: its MX record is “.” (RFC 7505)."),
                               data->context->domain);
      return;
    }

  data->exchanger = ms_hostname_normalize (best, MS_HOSTNAME_NONE, &error);
  if (data->exchanger == NULL)
    {
      g_task_return_new_error (task, error->domain, error->code,
                               /* Translators: the first %s is a mail domain, the second says
                                * what is wrong */
                               _("The mail exchanger of %s is unusable: %s"),
                               data->context->domain, error->message);
      return;
    }
  add_step (data, data->exchanger);

  base = soup_tld_get_base_domain (data->exchanger, &error);
  if (base == NULL)
    {
      return_base_domain_error (task, error);
      return;
    }
  data->base_domain = g_strdup (base);

  look_up_base_domain (task);
}

void
_ms_source_mx (MsDiscoveryContext *context,
               MsLookup           *lookup,
               GCancellable       *cancellable,
               GAsyncReadyCallback callback,
               gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  MxData *data;

  g_return_if_fail (context != NULL);
  g_return_if_fail (G_IS_RESOLVER (context->resolver));
  g_return_if_fail (MS_IS_LOOKUP (lookup));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _ms_source_mx);

  data = g_new0 (MxData, 1);
  data->context = _ms_discovery_context_ref (context);
  data->lookup = g_object_ref (lookup);
  data->query = g_strdup_printf ("MX %s", context->domain);
  g_task_set_task_data (task, data, (GDestroyNotify) mx_data_free);

  _ms_lookup_set_url_or_query (lookup, data->query);
  g_resolver_lookup_records_async (context->resolver, context->domain, G_RESOLVER_RECORD_MX,
                                   cancellable, on_records, g_steal_pointer (&task));
}
