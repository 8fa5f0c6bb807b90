/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-lookup"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-lookup.h"

#include "ms-discovery-private.h"
#include "ms-enum-types.h"
#include "ms-util-private.h"

/**
 * MsLookup:
 *
 * One question a discovery asked (an HTTP request, a DNS query, the provider database, the
 * guessed names) and how it went, for the live progress and the report of what was tried.
 */
struct _MsLookup
{
  GObject           parent_instance;

  char             *name;
  MsDiscoverySource source;
  char             *url_or_query;
  MsLookupState     state;
  gboolean          trusted;
  gboolean          service_absent;
  char             *error;
  gint64            started_us;
  gint64            elapsed_ms;
  guint             n_candidates;
  MsAutoconfig     *autoconfig;
};

G_DEFINE_FINAL_TYPE (MsLookup, ms_lookup, G_TYPE_OBJECT)

/**
 * ms_lookup_state_to_string:
 *
 * Returns: `running`, `finished` or `abandoned`
 */
const char *
ms_lookup_state_to_string (MsLookupState state)
{
  return _ms_enum_to_nick (MS_TYPE_LOOKUP_STATE, state);
}

static void
ms_lookup_finalize (GObject *object)
{
  MsLookup *self = MS_LOOKUP (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->url_or_query, g_free);
  g_clear_pointer (&self->error, g_free);
  g_clear_object (&self->autoconfig);

  G_OBJECT_CLASS (ms_lookup_parent_class)->finalize (object);
}

static void
ms_lookup_class_init (MsLookupClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ms_lookup_finalize;
}

static void
ms_lookup_init (MsLookup *self)
{
  self->started_us = g_get_monotonic_time ();
}

MsLookup *
_ms_lookup_new (const char       *name,
                MsDiscoverySource source,
                const char       *url_or_query,
                gboolean          trusted)
{
  MsLookup *self = g_object_new (MS_TYPE_LOOKUP, NULL);

  self->name = g_strdup (name);
  self->source = source;
  self->url_or_query = g_strdup (url_or_query);
  self->trusted = trusted;

  return self;
}

void
_ms_lookup_set_url_or_query (MsLookup   *self,
                             const char *url_or_query)
{
  g_return_if_fail (MS_IS_LOOKUP (self));

  _ms_replace_str (&self->url_or_query, url_or_query);
}

void
_ms_lookup_set_trusted (MsLookup *self,
                        gboolean  trusted)
{
  g_return_if_fail (MS_IS_LOOKUP (self));

  self->trusted = trusted;
}

void
_ms_lookup_set_autoconfig (MsLookup     *self,
                           MsAutoconfig *autoconfig)
{
  g_return_if_fail (MS_IS_LOOKUP (self));

  g_set_object (&self->autoconfig, autoconfig);
}

void
_ms_lookup_set_service_absent (MsLookup *self,
                               gboolean  absent)
{
  g_return_if_fail (MS_IS_LOOKUP (self));

  self->service_absent = absent;
}

void
_ms_lookup_finish (MsLookup     *self,
                   guint         n_candidates,
                   const GError *error)
{
  g_return_if_fail (MS_IS_LOOKUP (self));
  g_return_if_fail (self->state == MS_LOOKUP_STATE_RUNNING);

  self->state = MS_LOOKUP_STATE_FINISHED;
  self->n_candidates = n_candidates;
  self->elapsed_ms = (g_get_monotonic_time () - self->started_us) / 1000;
  _ms_replace_str (&self->error, error != NULL ? error->message : NULL);
}

void
_ms_lookup_abandon (MsLookup *self,
                    gboolean  timed_out)
{
  g_return_if_fail (MS_IS_LOOKUP (self));

  if (self->state != MS_LOOKUP_STATE_RUNNING)
    return;

  self->state = MS_LOOKUP_STATE_ABANDONED;
  self->elapsed_ms = (g_get_monotonic_time () - self->started_us) / 1000;
  _ms_replace_str (&self->error,
                   timed_out ? _("No answer before the discovery's time limit.")
                             : _("Not needed: the servers were chosen before it answered."));
}

/**
 * ms_lookup_get_name:
 *
 * Returns: the kind of lookup: `provider-db`, `autoconfig`, `well-known`, `autoconfig-http`,
 *   `well-known-http`, `ispdb`, `mx`, `srv` or `guess`
 */
const char *
ms_lookup_get_name (MsLookup *self)
{
  g_return_val_if_fail (MS_IS_LOOKUP (self), NULL);

  return self->name;
}

MsDiscoverySource
ms_lookup_get_source (MsLookup *self)
{
  g_return_val_if_fail (MS_IS_LOOKUP (self), MS_DISCOVERY_SOURCE_GUESS);

  return self->source;
}

const char *
ms_lookup_get_url_or_query (MsLookup *self)
{
  g_return_val_if_fail (MS_IS_LOOKUP (self), NULL);

  return self->url_or_query;
}

MsLookupState
ms_lookup_get_state (MsLookup *self)
{
  g_return_val_if_fail (MS_IS_LOOKUP (self), MS_LOOKUP_STATE_RUNNING);

  return self->state;
}

/**
 * ms_lookup_get_ok:
 *
 * Returns: whether the lookup finished and answered (it may still have found no server, as
 *   an SRV record saying the service is absent)
 */
gboolean
ms_lookup_get_ok (MsLookup *self)
{
  g_return_val_if_fail (MS_IS_LOOKUP (self), FALSE);

  return self->state == MS_LOOKUP_STATE_FINISHED && self->error == NULL;
}

gboolean
ms_lookup_get_trusted (MsLookup *self)
{
  g_return_val_if_fail (MS_IS_LOOKUP (self), FALSE);

  return self->trusted;
}

/**
 * ms_lookup_get_error:
 *
 * Returns: (nullable): why the lookup failed, in words for people
 */
const char *
ms_lookup_get_error (MsLookup *self)
{
  g_return_val_if_fail (MS_IS_LOOKUP (self), NULL);

  return self->error;
}

gint64
ms_lookup_get_elapsed_ms (MsLookup *self)
{
  g_return_val_if_fail (MS_IS_LOOKUP (self), 0);

  if (self->state == MS_LOOKUP_STATE_RUNNING)
    return (g_get_monotonic_time () - self->started_us) / 1000;
  return self->elapsed_ms;
}

guint
ms_lookup_get_n_candidates (MsLookup *self)
{
  g_return_val_if_fail (MS_IS_LOOKUP (self), 0);

  return self->n_candidates;
}

gboolean
ms_lookup_get_service_absent (MsLookup *self)
{
  g_return_val_if_fail (MS_IS_LOOKUP (self), FALSE);

  return self->service_absent;
}

/**
 * ms_lookup_get_autoconfig:
 *
 * Returns: (nullable) (transfer none): the autoconfig document the lookup read, if any
 */
MsAutoconfig *
ms_lookup_get_autoconfig (MsLookup *self)
{
  g_return_val_if_fail (MS_IS_LOOKUP (self), NULL);

  return self->autoconfig;
}
