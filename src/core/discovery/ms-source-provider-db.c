/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-source-provider-db"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-discovery-private.h"

/* The provider database answers from memory; it still completes like every other source
 * (from the main loop) so the discoverer treats all of them alike. */
void
_ms_source_provider_db (MsDiscoveryContext *context,
                        MsLookup           *lookup,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GPtrArray) candidates = g_ptr_array_new_with_free_func (g_object_unref);
  MsAutoconfig *provider;

  g_task_set_source_tag (task, _ms_source_provider_db);

  provider = context->providers != NULL
               ? ms_provider_database_lookup (context->providers, context->domain)
               : NULL;
  if (provider == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("%s is not in the provider database"), context->domain);
      return;
    }

  _ms_lookup_set_autoconfig (lookup, provider);
  _ms_candidates_add_from_autoconfig (candidates, provider, context->address,
                                      MS_DISCOVERY_SOURCE_PROVIDER_DB, TRUE, NULL);
  g_task_return_pointer (task, g_steal_pointer (&candidates), (GDestroyNotify) g_ptr_array_unref);
}
