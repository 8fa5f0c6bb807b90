/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-source-guess"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-discovery-private.h"

/* The names and ports mail domains commonly use, best first. Only TLS and STARTTLS: port 25
 * and plaintext are never guessed. A guess is trusted only through its certificate, which
 * the probe validates for the guessed name — wildcard DNS pointing elsewhere fails there. */
static const struct
{
  MsProtocol  protocol;
  const char *prefix; /* "" = the domain itself */
} guesses[] = {
  { MS_PROTOCOL_IMAP, "imap." },
  { MS_PROTOCOL_IMAP, "mail." },
  { MS_PROTOCOL_IMAP, "" },
  { MS_PROTOCOL_POP3, "pop3." },
  { MS_PROTOCOL_POP3, "pop." },
  { MS_PROTOCOL_POP3, "mail." },
  { MS_PROTOCOL_POP3, "" },
  { MS_PROTOCOL_SMTP, "smtp." },
  { MS_PROTOCOL_SMTP, "mail." },
  { MS_PROTOCOL_SMTP, "" },
};

static const MsSecurity securities[] = { MS_SECURITY_TLS, MS_SECURITY_STARTTLS };

void
_ms_source_guess (MsDiscoveryContext *context,
                  MsLookup           *lookup,
                  GCancellable       *cancellable,
                  GAsyncReadyCallback callback,
                  gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GPtrArray) candidates = g_ptr_array_new_with_free_func (g_object_unref);

  g_task_set_source_tag (task, _ms_source_guess);

  for (guint s = 0; s < G_N_ELEMENTS (securities); s++)
    for (guint i = 0; i < G_N_ELEMENTS (guesses); i++)
      {
        g_autofree char *host = g_strconcat (guesses[i].prefix, context->domain, NULL);
        g_autoptr (MsServerConfig) server = NULL;
        MsCandidate *candidate;

        server = ms_server_config_new (guesses[i].protocol, host,
                                       ms_protocol_get_default_port (guesses[i].protocol,
                                                                     securities[s]),
                                       securities[s]);
        ms_server_config_set_username (server, context->address);
        candidate = _ms_candidate_new (server, MS_DISCOVERY_SOURCE_GUESS, TRUE, NULL);
        _ms_candidate_set_index (candidate, candidates->len);
        g_ptr_array_add (candidates, candidate);
      }

  g_task_return_pointer (task, g_steal_pointer (&candidates), (GDestroyNotify) g_ptr_array_unref);
}
