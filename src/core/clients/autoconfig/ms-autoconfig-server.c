/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-autoconfig"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-autoconfig.h"

#include <string.h>

#include "ms-autoconfig-private.h"
#include "ms-hostname.h"

/* One <incomingServer> or <outgoingServer> of an autoconfig file: a server whose host name and
 * user name may still hold the placeholders, and every <authentication> it lists, in the
 * file's order (Thunderbird takes the first one it supports). */
struct _MsAutoconfigServer
{
  gatomicrefcount ref_count;
  MsServerConfig *server_template;
  GArray         *auth;
};

G_DEFINE_BOXED_TYPE (MsAutoconfigServer, ms_autoconfig_server, ms_autoconfig_server_ref,
                     ms_autoconfig_server_unref)

/* Thunderbird's readFromXML spellings, case-sensitive as there; the first name of each value
 * is the one written. */
static const struct
{
  MsAutoconfigAuth auth;
  const char      *name;
} auth_names[] = {
  { MS_AUTOCONFIG_AUTH_PASSWORD_CLEARTEXT, "password-cleartext" },
  { MS_AUTOCONFIG_AUTH_PASSWORD_ENCRYPTED, "password-encrypted" },
  { MS_AUTOCONFIG_AUTH_OAUTH2, "OAuth2" },
  { MS_AUTOCONFIG_AUTH_CLIENT_IP_ADDRESS, "client-IP-address" },
  { MS_AUTOCONFIG_AUTH_NONE, "none" },
  { MS_AUTOCONFIG_AUTH_GSSAPI, "GSSAPI" },
  { MS_AUTOCONFIG_AUTH_NTLM, "NTLM" },
  { MS_AUTOCONFIG_AUTH_TLS_CLIENT_CERT, "TLS-client-cert" },
  /* Deprecated spellings that old ISPDB files (me.com) still use. */
  { MS_AUTOCONFIG_AUTH_PASSWORD_CLEARTEXT, "plain" },
  { MS_AUTOCONFIG_AUTH_PASSWORD_ENCRYPTED, "secure" },
  { MS_AUTOCONFIG_AUTH_CLIENT_IP_ADDRESS, "smtp-after-pop" },
};

/**
 * ms_autoconfig_auth_to_string:
 * @auth: an authentication method
 *
 * Returns: the `<authentication>` value as Thunderbird spells it, e.g. `password-cleartext`
 */
const char *
ms_autoconfig_auth_to_string (MsAutoconfigAuth auth)
{
  for (gsize i = 0; i < G_N_ELEMENTS (auth_names); i++)
    if (auth_names[i].auth == auth)
      return auth_names[i].name;

  g_return_val_if_reached (NULL);
}

/**
 * ms_autoconfig_auth_from_string:
 * @text: an `<authentication>` value, in Thunderbird's exact case
 * @out_auth: (out): the method
 *
 * Returns: whether Thunderbird knows @text
 */
gboolean
ms_autoconfig_auth_from_string (const char       *text,
                                MsAutoconfigAuth *out_auth)
{
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_auth != NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (auth_names); i++)
    if (strcmp (auth_names[i].name, text) == 0)
      {
        *out_auth = auth_names[i].auth;
        return TRUE;
      }

  return FALSE;
}

/**
 * ms_autoconfig_auth_to_mechanism:
 * @auth: an authentication method
 * @out_mechanism: (out): how Mail Setup logs in with it
 *
 * `password-cleartext` becomes %MS_AUTH_MECHANISM_AUTOMATIC (Thunderbird's "normal password":
 * PLAIN, LOGIN or the protocol's own login command, whatever the server offers),
 * `password-encrypted` %MS_AUTH_MECHANISM_CRAM_MD5 and `OAuth2` %MS_AUTH_MECHANISM_OAUTH2.
 *
 * Returns: whether Mail Setup has a mechanism for @auth
 */
gboolean
ms_autoconfig_auth_to_mechanism (MsAutoconfigAuth auth,
                                 MsAuthMechanism *out_mechanism)
{
  g_return_val_if_fail (out_mechanism != NULL, FALSE);

  switch (auth)
    {
    case MS_AUTOCONFIG_AUTH_PASSWORD_CLEARTEXT:
      *out_mechanism = MS_AUTH_MECHANISM_AUTOMATIC;
      return TRUE;
    case MS_AUTOCONFIG_AUTH_PASSWORD_ENCRYPTED:
      *out_mechanism = MS_AUTH_MECHANISM_CRAM_MD5;
      return TRUE;
    case MS_AUTOCONFIG_AUTH_OAUTH2:
      *out_mechanism = MS_AUTH_MECHANISM_OAUTH2;
      return TRUE;
    case MS_AUTOCONFIG_AUTH_CLIENT_IP_ADDRESS:
    case MS_AUTOCONFIG_AUTH_NONE:
    case MS_AUTOCONFIG_AUTH_GSSAPI:
    case MS_AUTOCONFIG_AUTH_NTLM:
    case MS_AUTOCONFIG_AUTH_TLS_CLIENT_CERT:
      return FALSE;
    default:
      g_return_val_if_reached (FALSE);
    }
}

/* socketType is case-sensitive in Thunderbird: "starttls" or "ssl" make it reject the
 * server, so they are rejected here too and never written. */
const char *
_ms_autoconfig_socket_type_from_security (MsSecurity security)
{
  switch (security)
    {
    case MS_SECURITY_TLS:
      return "SSL";
    case MS_SECURITY_STARTTLS:
      return "STARTTLS";
    case MS_SECURITY_NONE:
      return "plain";
    default:
      g_return_val_if_reached (NULL);
    }
}

gboolean
_ms_autoconfig_security_from_socket_type (const char *socket_type,
                                          MsSecurity *out_security)
{
  g_assert (socket_type != NULL);
  g_assert (out_security != NULL);

  if (strcmp (socket_type, "SSL") == 0)
    *out_security = MS_SECURITY_TLS;
  else if (strcmp (socket_type, "STARTTLS") == 0)
    *out_security = MS_SECURITY_STARTTLS;
  else if (strcmp (socket_type, "plain") == 0)
    *out_security = MS_SECURITY_NONE;
  else
    return FALSE;

  return TRUE;
}

/* One pass, so that a local part which itself contains "%EMAILDOMAIN%" is not expanded
 * again. Unknown %WORDS% stay as they are. */
char *
_ms_autoconfig_expand_address (const char      *template_text,
                               const MsAddress *address)
{
  static const char *const placeholders[] = { "%EMAILADDRESS%", "%EMAILLOCALPART%",
                                              "%EMAILDOMAIN%" };
  GString *expanded;
  const char *p = template_text;

  g_assert (template_text != NULL);
  g_assert (address != NULL);

  expanded = g_string_sized_new (strlen (template_text) + strlen (address->address));

  while (*p != '\0')
    {
      const char *values[] = { address->address, address->local_part, address->domain };
      gboolean replaced = FALSE;

      if (*p == '%')
        {
          for (gsize i = 0; i < G_N_ELEMENTS (placeholders) && !replaced; i++)
            {
              gsize len = strlen (placeholders[i]);

              if (strncmp (p, placeholders[i], len) == 0)
                {
                  g_string_append (expanded, values[i]);
                  p += len;
                  replaced = TRUE;
                }
            }
        }

      if (!replaced)
        g_string_append_c (expanded, *p++);
    }

  return g_string_free (expanded, FALSE);
}

/**
 * ms_autoconfig_expand:
 * @template_text: a user name or host name from an autoconfig file, e.g. `%EMAILLOCALPART%` or
 *   `mail.%EMAILDOMAIN%`
 * @address: the e-mail address to fill in
 * @error: return location for a translated error
 *
 * Replaces `%EMAILADDRESS%` (the whole address, its domain in ASCII form), `%EMAILLOCALPART%`
 * (the part before the "@") and `%EMAILDOMAIN%` (the domain in ASCII form, as a host name needs
 * it), as Thunderbird does.
 *
 * Returns: (transfer full) (nullable): the expanded text, or %NULL with @error set when
 *   @address is not a valid address
 */
char *
ms_autoconfig_expand (const char *template_text,
                      const char *address,
                      GError    **error)
{
  g_autoptr (MsAddress) parsed = NULL;

  g_return_val_if_fail (template_text != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parsed = ms_address_parse (address, error);
  if (parsed == NULL)
    return NULL;

  return _ms_autoconfig_expand_address (template_text, parsed);
}

/* Takes ownership of both. */
static MsAutoconfigServer *
server_new (MsServerConfig *server_template,
            GArray         *auth)
{
  MsAutoconfigServer *self = g_new0 (MsAutoconfigServer, 1);

  g_assert (MS_IS_SERVER_CONFIG (server_template));
  g_assert (auth != NULL);

  g_atomic_ref_count_init (&self->ref_count);
  self->server_template = server_template;
  self->auth = auth;
  return self;
}

void
_ms_autoconfig_server_builder_free (MsAutoconfigServerBuilder *builder)
{
  for (guint i = 0; i < MS_AUTOCONFIG_N_SERVER_VALUES; i++)
    g_free (builder->values[i]);
  g_free (builder->duplicate);
  g_array_unref (builder->auth);
  g_free (builder);
}

MsAutoconfigServerBuilder *
_ms_autoconfig_server_builder_new (MsProtocol protocol)
{
  MsAutoconfigServerBuilder *builder = g_new0 (MsAutoconfigServerBuilder, 1);

  builder->protocol = protocol;
  builder->auth = g_array_new (FALSE, FALSE, sizeof (MsAutoconfigAuth));
  return builder;
}

static gboolean
has_control_characters (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

/* Checks a finished <incomingServer> or <outgoingServer>. Returns NULL with the reason in
 * @problem when it is unusable. */
MsAutoconfigServer *
_ms_autoconfig_server_builder_finish (MsAutoconfigServerBuilder *builder,
                                      char                     **problem)
{
  g_autoptr (MsServerConfig) server_template = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *host = NULL;
  const char *hostname = builder->values[MS_AUTOCONFIG_SERVER_HOSTNAME];
  const char *port_text = builder->values[MS_AUTOCONFIG_SERVER_PORT];
  const char *socket_type = builder->values[MS_AUTOCONFIG_SERVER_SOCKET_TYPE];
  const char *username = builder->values[MS_AUTOCONFIG_SERVER_USERNAME];
  MsSecurity security;
  guint64 port;

  if (builder->duplicate != NULL)
    {
      g_autofree char *quoted = _ms_autoconfig_quote (builder->duplicate);

      *problem = g_strdup_printf (_("it has more than one <%s>"), quoted);
      return NULL;
    }
  if (hostname == NULL || *hostname == '\0')
    {
      *problem = g_strdup (_("its <hostname> is missing"));
      return NULL;
    }
  if (port_text == NULL || *port_text == '\0')
    {
      *problem = g_strdup (_("its <port> is missing"));
      return NULL;
    }
  if (socket_type == NULL || *socket_type == '\0')
    {
      *problem = g_strdup (_("its <socketType> is missing"));
      return NULL;
    }

  /* A host name may hold %EMAILDOMAIN% (hosting providers: mail.%EMAILDOMAIN%): it is checked
   * as it will be once expanded, and kept as a template. */
  if (strchr (hostname, '%') != NULL)
    {
      g_autoptr (MsAddress) sample = ms_address_parse ("user@example.com", NULL);
      g_autofree char *expanded = _ms_autoconfig_expand_address (hostname, sample);
      g_autofree char *checked = ms_hostname_normalize (expanded, MS_HOSTNAME_NONE, &local_error);

      if (checked == NULL)
        {
          *problem = g_strdup (local_error->message);
          return NULL;
        }
      host = g_strdup (hostname);
    }
  else
    {
      host = ms_hostname_normalize (hostname, MS_HOSTNAME_NONE, &local_error);
      if (host == NULL)
        {
          *problem = g_strdup (local_error->message);
          return NULL;
        }
    }

  if (!g_ascii_string_to_unsigned (port_text, 10, 1, G_MAXUINT16, &port, NULL))
    {
      g_autofree char *quoted = _ms_autoconfig_quote (port_text);

      *problem = g_strdup_printf (_("“%s” is not a port number from 1 to 65535"), quoted);
      return NULL;
    }

  if (!_ms_autoconfig_security_from_socket_type (socket_type, &security))
    {
      g_autofree char *quoted = _ms_autoconfig_quote (socket_type);

      *problem = g_strdup_printf (_("“%s” is not a socket type; it must be SSL, STARTTLS or "
                                    "plain, written exactly so"),
                                  quoted);
      return NULL;
    }

  /* The user name goes into login commands: a line break in it could smuggle commands. */
  if (username != NULL && has_control_characters (username))
    {
      *problem = g_strdup (_("its <username> contains a control character"));
      return NULL;
    }

  server_template = ms_server_config_new (builder->protocol, host, (guint16) port, security);
  ms_server_config_set_username (server_template,
                                 username != NULL && *username != '\0' ? username : NULL);

  return server_new (g_steal_pointer (&server_template),
                                    g_array_ref (builder->auth));
}

MsAutoconfigServer *
ms_autoconfig_server_ref (MsAutoconfigServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ms_autoconfig_server_unref (MsAutoconfigServer *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_object_unref (self->server_template);
  g_array_unref (self->auth);
  g_free (self);
}

/**
 * ms_autoconfig_server_get_template:
 * @self: a server
 *
 * The server as the file describes it. Its host and user name may hold placeholders
 * (`%EMAILADDRESS%`, `%EMAILLOCALPART%`, `%EMAILDOMAIN%`; the user name is %NULL when the file
 * gives none); its mechanism is the first password method the file lists, else OAuth2 when
 * listed or the provider is OAuth2-only, else %MS_AUTH_MECHANISM_AUTOMATIC. Do not change it:
 * use ms_autoconfig_server_expand() for a server of one's own.
 *
 * Returns: (transfer none): the template
 */
MsServerConfig *
ms_autoconfig_server_get_template (MsAutoconfigServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->server_template;
}

/**
 * ms_autoconfig_server_get_auth:
 * @self: a server
 * @n_auth: (out): the number of methods
 *
 * Returns: (array length=n_auth) (transfer none): the `<authentication>` methods Thunderbird
 *   knows, in the file's order (unknown ones are skipped, as Thunderbird does)
 */
const MsAutoconfigAuth *
ms_autoconfig_server_get_auth (MsAutoconfigServer *self,
                               guint              *n_auth)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n_auth != NULL, NULL);

  *n_auth = self->auth->len;
  return (const MsAutoconfigAuth *) (gpointer) self->auth->data;
}

/**
 * ms_autoconfig_server_offers:
 * @self: a server
 * @auth: a method
 *
 * Returns: whether the file lists @auth for this server
 */
gboolean
ms_autoconfig_server_offers (MsAutoconfigServer *self,
                             MsAutoconfigAuth    auth)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < self->auth->len; i++)
    if (g_array_index (self->auth, MsAutoconfigAuth, i) == auth)
      return TRUE;

  return FALSE;
}

/**
 * ms_autoconfig_server_expand:
 * @self: a server
 * @address: the e-mail address the server is for
 * @error: return location for a translated error
 *
 * Returns: (transfer full) (nullable): a new server with the placeholders of its host and user
 *   name filled in for @address, or %NULL with @error set when @address is invalid or the
 *   expanded host name is not a valid name
 */
MsServerConfig *
ms_autoconfig_server_expand (MsAutoconfigServer *self,
                             const char         *address,
                             GError            **error)
{
  g_autoptr (MsAddress) parsed = NULL;
  g_autoptr (MsServerConfig) server = NULL;
  g_autofree char *host = NULL;
  g_autofree char *normalized = NULL;
  const char *username;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parsed = ms_address_parse (address, error);
  if (parsed == NULL)
    return NULL;

  server = ms_server_config_copy (self->server_template);

  host = _ms_autoconfig_expand_address (ms_server_config_get_host (server), parsed);
  normalized = ms_hostname_normalize (host, MS_HOSTNAME_NONE, error);
  if (normalized == NULL)
    return NULL;
  ms_server_config_set_host (server, normalized);

  username = ms_server_config_get_username (server);
  if (username != NULL)
    {
      g_autofree char *expanded = _ms_autoconfig_expand_address (username, parsed);

      ms_server_config_set_username (server, expanded);
    }

  return g_steal_pointer (&server);
}
