/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-candidate"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-candidate.h"

#include "ms-discovery-private.h"
#include "ms-enum-types.h"
#include "ms-util-private.h"

/**
 * MsCandidate:
 *
 * One server configuration a discovery source proposed, with where it came from, whether it
 * may receive a password without asking, and what probing it (TLS + capabilities, no
 * credentials) showed. Two sources proposing the same server give one candidate that keeps
 * the better source and the stronger trust.
 */
struct _MsCandidate
{
  GObject           parent_instance;

  MsServerConfig   *server;
  MsDiscoverySource source;
  gboolean          trusted;
  char             *untrusted_reason;
  guint16           srv_priority;
  guint16           srv_weight;
  guint             index;
  MsProbeState      probe_state;
  MsCheckResult    *probe;
};

G_DEFINE_FINAL_TYPE (MsCandidate, ms_candidate, G_TYPE_OBJECT)

const char *
ms_discovery_source_to_string (MsDiscoverySource source)
{
  return _ms_enum_to_nick (MS_TYPE_DISCOVERY_SOURCE, source);
}

static void
ms_candidate_finalize (GObject *object)
{
  MsCandidate *self = MS_CANDIDATE (object);

  g_clear_object (&self->server);
  g_clear_object (&self->probe);
  g_clear_pointer (&self->untrusted_reason, g_free);

  G_OBJECT_CLASS (ms_candidate_parent_class)->finalize (object);
}

static void
ms_candidate_class_init (MsCandidateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ms_candidate_finalize;
}

static void
ms_candidate_init (MsCandidate *self)
{
}

MsCandidate *
_ms_candidate_new (MsServerConfig   *server,
                   MsDiscoverySource source,
                   gboolean          trusted,
                   const char       *untrusted_reason)
{
  MsCandidate *self;

  g_return_val_if_fail (MS_IS_SERVER_CONFIG (server), NULL);

  self = g_object_new (MS_TYPE_CANDIDATE, NULL);
  self->server = g_object_ref (server);
  self->source = source;
  self->trusted = trusted;
  self->untrusted_reason = trusted ? NULL : g_strdup (untrusted_reason);

  return self;
}

void
_ms_candidate_set_srv (MsCandidate *self,
                       guint16      priority,
                       guint16      weight)
{
  g_return_if_fail (MS_IS_CANDIDATE (self));

  self->srv_priority = priority;
  self->srv_weight = weight;
}

void
_ms_candidate_set_index (MsCandidate *self,
                         guint        index)
{
  g_return_if_fail (MS_IS_CANDIDATE (self));

  self->index = index;
}

void
_ms_candidate_set_probe_state (MsCandidate *self,
                               MsProbeState state)
{
  g_return_if_fail (MS_IS_CANDIDATE (self));

  self->probe_state = state;
}

void
_ms_candidate_set_probe (MsCandidate   *self,
                         MsCheckResult *result)
{
  g_return_if_fail (MS_IS_CANDIDATE (self));

  g_set_object (&self->probe, result);
  self->probe_state = MS_PROBE_STATE_FINISHED;
}

gboolean
_ms_candidate_same_server (MsCandidate *a,
                           MsCandidate *b)
{
  MsServerConfig *x = a->server;
  MsServerConfig *y = b->server;

  return ms_server_config_get_protocol (x) == ms_server_config_get_protocol (y) &&
         ms_server_config_get_security (x) == ms_server_config_get_security (y) &&
         ms_server_config_get_port (x) == ms_server_config_get_port (y) &&
         g_ascii_strcasecmp (ms_server_config_get_host (x), ms_server_config_get_host (y)) == 0;
}

/* @other proposes the same server: keep the better source, and trust it if either source
 * is trusted — a trusted source vouching for the same host, port and security makes the
 * untrusted one's claim harmless. */
void
_ms_candidate_merge (MsCandidate *self,
                     MsCandidate *other)
{
  g_return_if_fail (MS_IS_CANDIDATE (self));
  g_return_if_fail (MS_IS_CANDIDATE (other));

  if (other->trusted && !self->trusted)
    {
      self->trusted = TRUE;
      g_clear_pointer (&self->untrusted_reason, g_free);
      self->source = other->source;
      self->srv_priority = other->srv_priority;
      self->srv_weight = other->srv_weight;
      self->index = other->index;
      g_set_object (&self->server, other->server);
    }
  else if (other->trusted == self->trusted && other->source < self->source)
    {
      self->source = other->source;
      self->srv_priority = other->srv_priority;
      self->srv_weight = other->srv_weight;
      self->index = other->index;
      g_set_object (&self->server, other->server);
    }
}

MsServerConfig *
ms_candidate_get_server (MsCandidate *self)
{
  g_return_val_if_fail (MS_IS_CANDIDATE (self), NULL);

  return self->server;
}

MsDiscoverySource
ms_candidate_get_source (MsCandidate *self)
{
  g_return_val_if_fail (MS_IS_CANDIDATE (self), MS_DISCOVERY_SOURCE_GUESS);

  return self->source;
}

/**
 * ms_candidate_get_trusted:
 *
 * Returns: whether a password may go to this server without asking the user first. A guess
 * is trusted only once its certificate validated for the guessed name, which a successful
 * probe proves.
 */
gboolean
ms_candidate_get_trusted (MsCandidate *self)
{
  g_return_val_if_fail (MS_IS_CANDIDATE (self), FALSE);

  /* A guess that failed its probe never proved its name. */
  if (self->source == MS_DISCOVERY_SOURCE_GUESS && self->probe != NULL &&
      !ms_check_result_get_ok (self->probe))
    return FALSE;

  return self->trusted;
}

const char *
ms_candidate_get_untrusted_reason (MsCandidate *self)
{
  g_return_val_if_fail (MS_IS_CANDIDATE (self), NULL);

  return self->untrusted_reason;
}

guint16
ms_candidate_get_srv_priority (MsCandidate *self)
{
  g_return_val_if_fail (MS_IS_CANDIDATE (self), 0);

  return self->srv_priority;
}

guint16
ms_candidate_get_srv_weight (MsCandidate *self)
{
  g_return_val_if_fail (MS_IS_CANDIDATE (self), 0);

  return self->srv_weight;
}

MsProbeState
ms_candidate_get_probe_state (MsCandidate *self)
{
  g_return_val_if_fail (MS_IS_CANDIDATE (self), MS_PROBE_STATE_PENDING);

  return self->probe_state;
}

/**
 * ms_candidate_get_probe:
 *
 * Returns: (nullable) (transfer none): the probe's result once it finished
 */
MsCheckResult *
ms_candidate_get_probe (MsCandidate *self)
{
  g_return_val_if_fail (MS_IS_CANDIDATE (self), NULL);

  return self->probe;
}

/**
 * ms_candidate_get_usable:
 *
 * Returns: whether the probe reached the server and found it usable: TLS validated (or the
 * exact certificate pinned), the protocol spoken, STARTTLS where asked.
 */
gboolean
ms_candidate_get_usable (MsCandidate *self)
{
  g_return_val_if_fail (MS_IS_CANDIDATE (self), FALSE);

  return self->probe != NULL && ms_check_result_get_ok (self->probe);
}

static int
protocol_rank (MsProtocol protocol)
{
  /* IMAP keeps mail on the server for every device; POP3 only when nothing else works. */
  return protocol == MS_PROTOCOL_POP3 ? 1 : 0;
}

static int
security_rank (MsSecurity security)
{
  /* RFC 8314: implicit TLS before STARTTLS. Plaintext is never proposed. */
  switch (security)
    {
    case MS_SECURITY_TLS:
      return 0;
    case MS_SECURITY_STARTTLS:
      return 1;
    case MS_SECURITY_NONE:
    default:
      return 2;
    }
}

#define COMPARE_KEYS(x, y)                                                                         \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if ((x) != (y))                                                                                \
      return (x) < (y) ? -1 : 1;                                                                   \
  }                                                                                                \
  G_STMT_END

/**
 * ms_candidate_compare:
 *
 * The discovery ranking, best first: IMAP before POP3, trusted before untrusted, implicit
 * TLS before STARTTLS, then the source (provider database, ISP autoconfig, ISPDB, SRV, MX,
 * guess), RFC 2782 order within SRV, and the order the source listed them in. Whether the
 * probe succeeded is not part of the rank: the discoverer skips candidates that failed.
 *
 * Returns: negative if @a ranks before @b, positive if after, 0 if equal
 */
int
ms_candidate_compare (MsCandidate *a,
                      MsCandidate *b)
{
  g_return_val_if_fail (MS_IS_CANDIDATE (a), 0);
  g_return_val_if_fail (MS_IS_CANDIDATE (b), 0);

  COMPARE_KEYS (protocol_rank (ms_server_config_get_protocol (a->server)),
                protocol_rank (ms_server_config_get_protocol (b->server)));
  COMPARE_KEYS (a->trusted ? 0 : 1, b->trusted ? 0 : 1);
  COMPARE_KEYS (security_rank (ms_server_config_get_security (a->server)),
                security_rank (ms_server_config_get_security (b->server)));
  COMPARE_KEYS ((int) a->source, (int) b->source);
  COMPARE_KEYS (a->index, b->index);

  return 0;
}

static void
add_servers (GPtrArray        *candidates,
             GPtrArray        *servers,
             const char       *address,
             MsDiscoverySource source,
             gboolean          trusted,
             const char       *untrusted_reason)
{
  for (guint i = 0; i < servers->len; i++)
    {
      MsAutoconfigServer *entry = g_ptr_array_index (servers, i);
      g_autoptr (MsServerConfig) server = ms_autoconfig_server_expand (entry, address, NULL);
      MsCandidate *candidate;

      /* Plaintext and port 25 are never proposed automatically (DESIGN.md). */
      if (server == NULL || ms_server_config_get_security (server) == MS_SECURITY_NONE ||
          (ms_server_config_get_protocol (server) == MS_PROTOCOL_SMTP &&
           ms_server_config_get_port (server) == 25))
        continue;
      if (ms_server_config_get_username (server) == NULL)
        ms_server_config_set_username (server, address);

      candidate = _ms_candidate_new (server, source, trusted, untrusted_reason);
      _ms_candidate_set_index (candidate, candidates->len);
      g_ptr_array_add (candidates, candidate);
    }
}

void
_ms_candidates_add_from_autoconfig (GPtrArray        *candidates,
                                    MsAutoconfig     *autoconfig,
                                    const char       *address,
                                    MsDiscoverySource source,
                                    gboolean          trusted,
                                    const char       *untrusted_reason)
{
  g_return_if_fail (candidates != NULL);
  g_return_if_fail (MS_IS_AUTOCONFIG (autoconfig));

  add_servers (candidates, ms_autoconfig_get_incoming (autoconfig), address, source, trusted,
               untrusted_reason);
  add_servers (candidates, ms_autoconfig_get_outgoing (autoconfig), address, source, trusted,
               untrusted_reason);
}
