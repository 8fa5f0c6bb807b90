/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-source-autoconfig"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-discovery-private.h"
#include "ms-error.h"

/* The ISP's own autoconfig document and Thunderbird's ISPDB are the same thing over HTTP:
 * one document, whose servers become candidates. What differs is the source they are
 * ranked as, and the trust, which only https gives. */

typedef struct
{
  MsDiscoveryContext *context;
  MsLookup           *lookup;
  MsDiscoverySource   source;
  gboolean            trusted;
} SourceData;

static void
source_data_free (SourceData *data)
{
  g_clear_pointer (&data->context, _ms_discovery_context_unref);
  g_clear_object (&data->lookup);
  g_free (data);
}

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  SourceData *data = g_task_get_task_data (task);
  g_autoptr (MsAutoconfig) autoconfig = NULL;
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *final_url = NULL;
  const char *untrusted_reason = NULL;

  autoconfig = _ms_http_fetch_autoconfig_finish (result, &final_url, &error);
  if (autoconfig == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_strcmp0 (final_url, ms_lookup_get_url_or_query (data->lookup)) != 0)
    _ms_lookup_set_url_or_query (data->lookup, final_url);
  _ms_lookup_set_autoconfig (data->lookup, autoconfig);

  if (!data->trusted)
    untrusted_reason = _("The settings came over plain HTTP, which anyone on the network could "
                         "have changed.");
  candidates = g_ptr_array_new_with_free_func (g_object_unref);
  _ms_candidates_add_from_autoconfig (candidates, autoconfig, data->context->address,
                                      data->source, data->trusted, untrusted_reason);
  if (candidates->len == 0)
    {
      g_autoptr (GUri) uri = g_uri_parse (final_url, SOUP_HTTP_URI_FLAGS, NULL);

      g_task_return_new_error (task, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                               /* Translators: %s is a host name */
                               _("The settings from %s list no IMAP, POP3 or SMTP server we "
                                 "can use"),
                               uri != NULL ? g_uri_get_host (uri) : final_url);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&candidates), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * _ms_source_fetch_autoconfig:
 * @source: what the candidates count as: %MS_DISCOVERY_SOURCE_AUTOCONFIG or
 *   %MS_DISCOVERY_SOURCE_ISPDB
 * @context: the discovery's shared state
 * @lookup: the lookup; its url_or_query is the URL to fetch
 * @cancellable: (nullable): a cancellable
 * @callback: called with the candidates (_ms_source_finish())
 * @user_data: data for @callback
 *
 * Fetches an autoconfig document and proposes its servers. @lookup gets the URL the
 * document finally came from, whether that is trusted (https) and the document itself, for
 * the provider's hints.
 */
void
_ms_source_fetch_autoconfig (MsDiscoverySource   source,
                             MsDiscoveryContext *context,
                             MsLookup           *lookup,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  const char *url;
  SourceData *data;

  g_return_if_fail (context != NULL);
  g_return_if_fail (MS_IS_LOOKUP (lookup));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  url = ms_lookup_get_url_or_query (lookup);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _ms_source_fetch_autoconfig);

  data = g_new0 (SourceData, 1);
  data->context = _ms_discovery_context_ref (context);
  data->lookup = g_object_ref (lookup);
  data->source = source;
  /* Redirects of an https request stay on https (ms-http-fetch.c). */
  data->trusted = g_strcmp0 (g_uri_peek_scheme (url), "https") == 0;
  g_task_set_task_data (task, data, (GDestroyNotify) source_data_free);

  _ms_lookup_set_trusted (lookup, data->trusted);
  _ms_http_fetch_autoconfig_async (context, url, cancellable, on_fetched,
                                   g_steal_pointer (&task));
}

void
_ms_source_autoconfig (MsDiscoveryContext *context,
                       MsLookup           *lookup,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  _ms_source_fetch_autoconfig (MS_DISCOVERY_SOURCE_AUTOCONFIG, context, lookup, cancellable,
                               callback, user_data);
}
