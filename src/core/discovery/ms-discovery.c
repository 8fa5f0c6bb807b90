/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-discovery"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-discovery.h"

#include "ms-discovery-private.h"
#include "ms-enum-types.h"
#include "ms-util-private.h"

/**
 * MsDiscovery:
 *
 * The outcome of one discovery: every lookup with its result, the ranked candidates of
 * each direction with their probes, the choice, the provider's hints and, after
 * ms_discoverer_verify_async(), what logging in gave.
 */
struct _MsDiscovery
{
  GObject         parent_instance;

  char           *address;
  char           *domain;
  GPtrArray      *lookups;
  GPtrArray      *candidates[2];
  MsCandidate    *chosen[2];
  MsAutoconfig   *provider;
  GArray         *hints;
  gint64          elapsed_ms;
  MsVerifyOutcome verify_outcome[2];
  MsCheckResult  *verify_result[2];
};

G_DEFINE_FINAL_TYPE (MsDiscovery, ms_discovery, G_TYPE_OBJECT)

const char *
ms_direction_to_string (MsDirection direction)
{
  return _ms_enum_to_nick (MS_TYPE_DIRECTION, direction);
}

const char *
ms_verify_outcome_to_string (MsVerifyOutcome outcome)
{
  return _ms_enum_to_nick (MS_TYPE_VERIFY_OUTCOME, outcome);
}

const char *
ms_hint_kind_to_string (MsHintKind kind)
{
  return _ms_enum_to_nick (MS_TYPE_HINT_KIND, kind);
}

static void
clear_hint (gpointer data)
{
  MsHint *hint = data;

  g_clear_pointer (&hint->text, g_free);
  g_clear_pointer (&hint->url, g_free);
}

static void
ms_discovery_finalize (GObject *object)
{
  MsDiscovery *self = MS_DISCOVERY (object);

  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->domain, g_free);
  g_clear_pointer (&self->lookups, g_ptr_array_unref);
  for (guint i = 0; i < 2; i++)
    {
      g_clear_pointer (&self->candidates[i], g_ptr_array_unref);
      g_clear_object (&self->chosen[i]);
      g_clear_object (&self->verify_result[i]);
    }
  g_clear_object (&self->provider);
  g_clear_pointer (&self->hints, g_array_unref);

  G_OBJECT_CLASS (ms_discovery_parent_class)->finalize (object);
}

static void
ms_discovery_class_init (MsDiscoveryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ms_discovery_finalize;
}

static void
ms_discovery_init (MsDiscovery *self)
{
  self->lookups = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < 2; i++)
    self->candidates[i] = g_ptr_array_new_with_free_func (g_object_unref);
  self->hints = g_array_new (FALSE, TRUE, sizeof (MsHint));
  g_array_set_clear_func (self->hints, clear_hint);
}

MsDiscovery *
_ms_discovery_new (const char *address,
                   const char *domain)
{
  MsDiscovery *self = g_object_new (MS_TYPE_DISCOVERY, NULL);

  self->address = g_strdup (address);
  self->domain = g_strdup (domain);

  return self;
}

void
_ms_discovery_add_lookup (MsDiscovery *self,
                          MsLookup    *lookup)
{
  g_return_if_fail (MS_IS_DISCOVERY (self));

  g_ptr_array_add (self->lookups, g_object_ref (lookup));
}

void
_ms_discovery_set_candidates (MsDiscovery *self,
                              MsDirection  direction,
                              GPtrArray   *candidates)
{
  g_return_if_fail (MS_IS_DISCOVERY (self));

  g_ptr_array_set_size (self->candidates[direction], 0);
  for (guint i = 0; i < candidates->len; i++)
    g_ptr_array_add (self->candidates[direction], g_object_ref (g_ptr_array_index (candidates, i)));
}

void
_ms_discovery_set_chosen (MsDiscovery *self,
                          MsDirection  direction,
                          MsCandidate *candidate)
{
  g_return_if_fail (MS_IS_DISCOVERY (self));

  g_set_object (&self->chosen[direction], candidate);
}

static void
add_hint (MsDiscovery *self,
          MsHintKind   kind,
          char        *text,
          const char  *url)
{
  MsHint hint = { kind, text, g_strdup (url) };

  g_array_append_val (self->hints, hint);
}

void
_ms_discovery_set_provider (MsDiscovery  *self,
                            MsAutoconfig *provider)
{
  const char *name;

  g_return_if_fail (MS_IS_DISCOVERY (self));

  g_set_object (&self->provider, provider);
  g_array_set_size (self->hints, 0);
  if (provider == NULL)
    return;

  name = ms_autoconfig_get_display_short_name (provider);
  if (name == NULL)
    name = ms_autoconfig_get_display_name (provider);
  if (name == NULL)
    name = self->domain;

  if (ms_autoconfig_get_oauth2_only (provider))
    add_hint (self, MS_HINT_OAUTH2_ONLY,
              g_strdup_printf (_("%s only lets mail programs sign in through its own login "
                                 "page (OAuth2): the mail program opens it, and no password is "
                                 "checked here."),
                               name),
              NULL);
  if (ms_autoconfig_get_app_password_required (provider))
    add_hint (self, MS_HINT_APP_PASSWORD,
              g_strdup_printf (_("%s needs an app password for mail programs: create one in "
                                 "your account's security settings and use it instead of your "
                                 "usual password."),
                               name),
              ms_autoconfig_get_app_password_url (provider));
  if (ms_autoconfig_get_enable_imap_required (provider))
    add_hint (self, MS_HINT_ENABLE_IMAP,
              g_strdup_printf (_("IMAP access must first be switched on in %s's web settings."),
                               name),
              ms_autoconfig_get_enable_imap_url (provider));
  if (ms_autoconfig_get_note (provider) != NULL)
    add_hint (self, MS_HINT_NOTE, g_strdup (ms_autoconfig_get_note (provider)), NULL);
}

void
_ms_discovery_set_elapsed_ms (MsDiscovery *self,
                              gint64       elapsed_ms)
{
  g_return_if_fail (MS_IS_DISCOVERY (self));

  self->elapsed_ms = elapsed_ms;
}

void
_ms_discovery_set_verify (MsDiscovery    *self,
                          MsDirection     direction,
                          MsVerifyOutcome outcome,
                          MsCheckResult  *result)
{
  g_return_if_fail (MS_IS_DISCOVERY (self));

  self->verify_outcome[direction] = outcome;
  g_set_object (&self->verify_result[direction], result);
}

const char *
ms_discovery_get_address (MsDiscovery *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERY (self), NULL);

  return self->address;
}

/**
 * ms_discovery_get_domain:
 *
 * Returns: the address's domain in ASCII (IDNA) form
 */
const char *
ms_discovery_get_domain (MsDiscovery *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERY (self), NULL);

  return self->domain;
}

/**
 * ms_discovery_get_lookups:
 *
 * Returns: (transfer none) (element-type MsLookup): every lookup, in the order they started
 */
GPtrArray *
ms_discovery_get_lookups (MsDiscovery *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERY (self), NULL);

  return self->lookups;
}

/**
 * ms_discovery_get_candidates:
 *
 * Returns: (transfer none) (element-type MsCandidate): the candidates of @direction, best
 *   first (ms_candidate_compare())
 */
GPtrArray *
ms_discovery_get_candidates (MsDiscovery *self,
                             MsDirection  direction)
{
  g_return_val_if_fail (MS_IS_DISCOVERY (self), NULL);
  g_return_val_if_fail (direction <= MS_DIRECTION_OUTGOING, NULL);

  return self->candidates[direction];
}

/**
 * ms_discovery_get_chosen:
 *
 * Returns: (nullable) (transfer none): the server chosen for @direction; after verification
 *   the one whose login was tried last
 */
MsCandidate *
ms_discovery_get_chosen (MsDiscovery *self,
                         MsDirection  direction)
{
  g_return_val_if_fail (MS_IS_DISCOVERY (self), NULL);
  g_return_val_if_fail (direction <= MS_DIRECTION_OUTGOING, NULL);

  return self->chosen[direction];
}

/**
 * ms_discovery_get_provider:
 *
 * Returns: (nullable) (transfer none): the provider-database entry the address belongs to
 *   (directly or through its mail exchanger)
 */
MsAutoconfig *
ms_discovery_get_provider (MsDiscovery *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERY (self), NULL);

  return self->provider;
}

/**
 * ms_discovery_get_hints:
 *
 * Returns: (array length=n_hints): the provider's advice, translated
 */
const MsHint *
ms_discovery_get_hints (MsDiscovery *self,
                        guint       *n_hints)
{
  g_return_val_if_fail (MS_IS_DISCOVERY (self), NULL);
  g_return_val_if_fail (n_hints != NULL, NULL);

  *n_hints = self->hints->len;
  return (const MsHint *) (gpointer) self->hints->data;
}

gint64
ms_discovery_get_elapsed_ms (MsDiscovery *self)
{
  g_return_val_if_fail (MS_IS_DISCOVERY (self), 0);

  return self->elapsed_ms;
}

MsVerifyOutcome
ms_discovery_get_verify_outcome (MsDiscovery *self,
                                 MsDirection  direction)
{
  g_return_val_if_fail (MS_IS_DISCOVERY (self), MS_VERIFY_OUTCOME_NOT_RUN);
  g_return_val_if_fail (direction <= MS_DIRECTION_OUTGOING, MS_VERIFY_OUTCOME_NOT_RUN);

  return self->verify_outcome[direction];
}

/**
 * ms_discovery_get_verify_result:
 *
 * Returns: (nullable) (transfer none): the last login check of @direction
 */
MsCheckResult *
ms_discovery_get_verify_result (MsDiscovery *self,
                                MsDirection  direction)
{
  g_return_val_if_fail (MS_IS_DISCOVERY (self), NULL);
  g_return_val_if_fail (direction <= MS_DIRECTION_OUTGOING, NULL);

  return self->verify_result[direction];
}

static gboolean
lookup_serves (MsLookup   *lookup,
               MsDirection direction)
{
  const MsSrvService *service;

  if (g_strcmp0 (ms_lookup_get_name (lookup), "srv") != 0)
    return TRUE;
  service = _ms_srv_service_for_query (ms_lookup_get_url_or_query (lookup));
  return service == NULL ||
         ms_protocol_is_incoming (service->protocol) == (direction == MS_DIRECTION_INCOMING);
}

/**
 * ms_discovery_describe_failure:
 *
 * Returns: (nullable) (transfer full): when no server was found for @direction, what was
 *   tried and how each attempt ended, translated, one item per line; %NULL when a server was
 *   chosen
 */
char *
ms_discovery_describe_failure (MsDiscovery *self,
                               MsDirection  direction)
{
  g_autoptr (GString) text = NULL;
  guint n_guesses_failed = 0;

  g_return_val_if_fail (MS_IS_DISCOVERY (self), NULL);
  g_return_val_if_fail (direction <= MS_DIRECTION_OUTGOING, NULL);

  if (self->chosen[direction] != NULL)
    return NULL;

  text = g_string_new (NULL);
  if (direction == MS_DIRECTION_INCOMING)
    g_string_append_printf (text, _("No incoming mail server (IMAP or POP3) was found for %s."),
                            self->domain);
  else
    g_string_append_printf (text, _("No outgoing mail server (SMTP) was found for %s."),
                            self->domain);
  g_string_append_c (text, '\n');
  g_string_append (text, _("What was tried:"));

  for (guint i = 0; i < self->lookups->len; i++)
    {
      MsLookup *lookup = g_ptr_array_index (self->lookups, i);

      if (!lookup_serves (lookup, direction))
        continue;
      g_string_append_printf (text, "\n• %s %s: ", ms_lookup_get_name (lookup),
                              ms_lookup_get_url_or_query (lookup));
      if (ms_lookup_get_error (lookup) != NULL)
        g_string_append (text, ms_lookup_get_error (lookup));
      else if (ms_lookup_get_service_absent (lookup))
        g_string_append (text, _("the domain says it does not offer this service"));
      else
        g_string_append_printf (text,
                                g_dngettext (GETTEXT_PACKAGE, "%u server", "%u servers",
                                             ms_lookup_get_n_candidates (lookup)),
                                ms_lookup_get_n_candidates (lookup));
    }

  for (guint i = 0; i < self->candidates[direction]->len; i++)
    {
      MsCandidate *candidate = g_ptr_array_index (self->candidates[direction], i);
      MsCheckResult *probe = ms_candidate_get_probe (candidate);
      MsServerConfig *server = ms_candidate_get_server (candidate);

      if (probe == NULL || ms_check_result_get_ok (probe))
        continue;
      /* Guessed names failing is the normal case (wildcard DNS, no such host): counted, not
       * listed, so they never read as the account's problem. */
      if (ms_candidate_get_source (candidate) == MS_DISCOVERY_SOURCE_GUESS)
        {
          n_guesses_failed++;
          continue;
        }
      g_string_append_printf (text, "\n• %s %s:%u (%s): %s",
                              ms_protocol_to_string (ms_server_config_get_protocol (server)),
                              ms_server_config_get_host (server),
                              ms_server_config_get_port (server),
                              ms_security_to_string (ms_server_config_get_security (server)),
                              ms_check_result_get_message (probe));
    }

  if (n_guesses_failed > 0)
    {
      g_string_append (text, "\n• ");
      g_string_append_printf (text,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "%u guessed server name does not exist, did not "
                                           "answer, or had no valid certificate for its name",
                                           "%u guessed server names do not exist, did not "
                                           "answer, or had no valid certificate for their names",
                                           n_guesses_failed),
                              n_guesses_failed);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}
