/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-server-config"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-server-config.h"

#include "ms-enum-types.h"
#include "ms-error.h"
#include "ms-hostname.h"
#include "ms-util-private.h"

#define SHA256_HEX_LENGTH 64

struct _MsServerConfig
{
  GObject         parent_instance;

  MsProtocol      protocol;
  MsSecurity      security;
  MsAuthMechanism auth_mechanism;
  guint16         port;
  char           *host;
  char           *username;
  char           *pin;
};

G_DEFINE_FINAL_TYPE (MsServerConfig, ms_server_config, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROTOCOL,
  PROP_HOST,
  PROP_PORT,
  PROP_SECURITY,
  PROP_USERNAME,
  PROP_AUTH_MECHANISM,
  PROP_PIN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
enum_from_nick (GType       type,
                const char *text,
                int        *out_value)
{
  g_autofree char *lower = g_ascii_strdown (text, -1);
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value_by_nick (klass, lower);

  if (enum_value != NULL)
    *out_value = enum_value->value;
  g_type_class_unref (klass);

  return enum_value != NULL;
}

const char *
ms_protocol_to_string (MsProtocol protocol)
{
  return _ms_enum_to_nick (MS_TYPE_PROTOCOL, protocol);
}

/**
 * ms_protocol_from_string:
 * @text: `imap`, `pop3` or `smtp`, in any case (`pop` is taken for `pop3`)
 * @out_protocol: (out): the protocol
 *
 * Returns: whether @text names a protocol
 */
gboolean
ms_protocol_from_string (const char *text,
                         MsProtocol *out_protocol)
{
  int value;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_protocol != NULL, FALSE);

  if (g_ascii_strcasecmp (text, "pop") == 0)
    text = "pop3";
  if (!enum_from_nick (MS_TYPE_PROTOCOL, text, &value))
    return FALSE;

  *out_protocol = (MsProtocol) value;
  return TRUE;
}

gboolean
ms_protocol_is_incoming (MsProtocol protocol)
{
  return protocol == MS_PROTOCOL_IMAP || protocol == MS_PROTOCOL_POP3;
}

const char *
ms_security_to_string (MsSecurity security)
{
  return _ms_enum_to_nick (MS_TYPE_SECURITY, security);
}

/**
 * ms_security_from_string:
 * @text: `tls`, `starttls` or `none`, in any case (`ssl`, as mail clients call implicit TLS, is
 *   taken for `tls`)
 * @out_security: (out): the security
 *
 * Returns: whether @text names a security setting
 */
gboolean
ms_security_from_string (const char *text,
                         MsSecurity *out_security)
{
  int value;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_security != NULL, FALSE);

  if (g_ascii_strcasecmp (text, "ssl") == 0)
    text = "tls";
  if (!enum_from_nick (MS_TYPE_SECURITY, text, &value))
    return FALSE;

  *out_security = (MsSecurity) value;
  return TRUE;
}

/**
 * ms_protocol_get_default_port:
 * @protocol: a protocol
 * @security: how the connection is secured
 *
 * Returns: the well-known port: 993/143 for IMAP, 995/110 for POP3, 465/587 for SMTP
 *   submission (RFC 8314); port 25 is for servers talking to servers, never proposed here
 */
guint16
ms_protocol_get_default_port (MsProtocol protocol,
                              MsSecurity security)
{
  gboolean implicit_tls = security == MS_SECURITY_TLS;

  switch (protocol)
    {
    case MS_PROTOCOL_IMAP:
      return implicit_tls ? 993 : 143;
    case MS_PROTOCOL_POP3:
      return implicit_tls ? 995 : 110;
    case MS_PROTOCOL_SMTP:
      return implicit_tls ? 465 : 587;
    default:
      g_return_val_if_reached (0);
    }
}

const char *
ms_auth_mechanism_to_string (MsAuthMechanism mechanism)
{
  return _ms_enum_to_nick (MS_TYPE_AUTH_MECHANISM, mechanism);
}

gboolean
ms_auth_mechanism_from_string (const char      *text,
                               MsAuthMechanism *out_mechanism)
{
  int value;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_mechanism != NULL, FALSE);

  if (!enum_from_nick (MS_TYPE_AUTH_MECHANISM, text, &value))
    return FALSE;

  *out_mechanism = (MsAuthMechanism) value;
  return TRUE;
}

/**
 * ms_pin_normalize:
 * @text: a SHA-256 certificate fingerprint: 64 hexadecimal digits in any case, optionally
 *   separated by colons and optionally prefixed with `sha256:`
 * @error: return location for a translated error
 *
 * Returns: (transfer full) (nullable): the fingerprint as `sha256:` and 64 lower-case hex
 *   digits, or %NULL with @error set
 */
char *
ms_pin_normalize (const char *text,
                  GError    **error)
{
  g_autoptr (GString) hex = g_string_new (NULL);
  const char *p = text;

  g_return_val_if_fail (text != NULL, NULL);

  if (g_ascii_strncasecmp (p, "sha256:", 7) == 0)
    p += 7;

  for (; *p; p++)
    {
      if (*p == ':')
        continue;
      if (!g_ascii_isxdigit (*p))
        {
          hex->len = 0;
          break;
        }
      g_string_append_c (hex, g_ascii_tolower (*p));
    }

  if (hex->len != SHA256_HEX_LENGTH)
    {
      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_SERVER,
                   _("“%s” is not a SHA-256 certificate fingerprint: it needs 64 hexadecimal "
                     "digits, like sha256:3A:F1:…"),
                   text);
      return NULL;
    }

  g_string_prepend (hex, "sha256:");
  return g_string_free (g_steal_pointer (&hex), FALSE);
}

static void
ms_server_config_finalize (GObject *object)
{
  MsServerConfig *self = (MsServerConfig *) object;

  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->pin, g_free);

  G_OBJECT_CLASS (ms_server_config_parent_class)->finalize (object);
}

static void
ms_server_config_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  MsServerConfig *self = MS_SERVER_CONFIG (object);

  switch (prop_id)
    {
    case PROP_PROTOCOL:
      g_value_set_enum (value, self->protocol);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_SECURITY:
      g_value_set_enum (value, self->security);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_AUTH_MECHANISM:
      g_value_set_enum (value, self->auth_mechanism);
      break;
    case PROP_PIN:
      g_value_set_string (value, self->pin);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_server_config_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  MsServerConfig *self = MS_SERVER_CONFIG (object);

  switch (prop_id)
    {
    case PROP_PROTOCOL:
      ms_server_config_set_protocol (self, g_value_get_enum (value));
      break;
    case PROP_HOST:
      ms_server_config_set_host (self, g_value_get_string (value));
      break;
    case PROP_PORT:
      ms_server_config_set_port (self, (guint16) g_value_get_uint (value));
      break;
    case PROP_SECURITY:
      ms_server_config_set_security (self, g_value_get_enum (value));
      break;
    case PROP_USERNAME:
      ms_server_config_set_username (self, g_value_get_string (value));
      break;
    case PROP_AUTH_MECHANISM:
      ms_server_config_set_auth_mechanism (self, g_value_get_enum (value));
      break;
    case PROP_PIN:
      {
        g_autoptr (GError) error = NULL;

        if (!ms_server_config_set_pin (self, g_value_get_string (value), &error))
          g_critical ("%s", error->message);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_server_config_class_init (MsServerConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ms_server_config_finalize;
  object_class->get_property = ms_server_config_get_property;
  object_class->set_property = ms_server_config_set_property;

  properties[PROP_PROTOCOL] =
    g_param_spec_enum ("protocol", NULL, NULL, MS_TYPE_PROTOCOL, MS_PROTOCOL_IMAP,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SECURITY] =
    g_param_spec_enum ("security", NULL, NULL, MS_TYPE_SECURITY, MS_SECURITY_TLS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTH_MECHANISM] =
    g_param_spec_enum ("auth-mechanism", NULL, NULL, MS_TYPE_AUTH_MECHANISM,
                       MS_AUTH_MECHANISM_AUTOMATIC,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PIN] =
    g_param_spec_string ("pin", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ms_server_config_init (MsServerConfig *self)
{
}

/**
 * ms_server_config_new:
 * @protocol: the protocol
 * @host: the server's host name or IP address
 * @port: the port, or 0 for the protocol's well-known port
 * @security: how the connection is secured
 *
 * Returns: (transfer full): a new server configuration
 */
MsServerConfig *
ms_server_config_new (MsProtocol  protocol,
                      const char *host,
                      guint16     port,
                      MsSecurity  security)
{
  return g_object_new (MS_TYPE_SERVER_CONFIG,
                       "protocol", protocol,
                       "host", host,
                       "port", (guint) (port ? port : ms_protocol_get_default_port (protocol, security)),
                       "security", security,
                       NULL);
}

static gboolean
spec_error (GError    **error,
            const char *spec,
            const char *reason)
{
  g_set_error (error, MS_ERROR, MS_ERROR_INVALID_SERVER,
               /* Translators: %s is what was given, then why it is wrong */
               _("“%s” is not a server (PROTOCOL:SECURITY:HOST:PORT, like "
                 "imap:tls:imap.example.com:993): %s"),
               spec, reason);
  return FALSE;
}

/**
 * ms_server_config_new_from_spec:
 * @spec: `PROTOCOL:SECURITY:HOST[:PORT]`, for example `imap:tls:imap.example.com:993`; an IPv6
 *   address goes in brackets (`smtp:starttls:[2001:db8::1]:587`); without a port the
 *   protocol's well-known port is used
 * @error: return location for a translated error
 *
 * Returns: (transfer full) (nullable): the server, or %NULL with @error set
 */
MsServerConfig *
ms_server_config_new_from_spec (const char *spec,
                                GError    **error)
{
  g_auto (GStrv) head = NULL;
  g_autofree char *host_text = NULL;
  g_autofree char *host = NULL;
  g_autoptr (GError) host_error = NULL;
  const char *rest;
  const char *port_text = NULL;
  MsProtocol protocol;
  MsSecurity security;
  guint64 port = 0;

  g_return_val_if_fail (spec != NULL, NULL);

  head = g_strsplit (spec, ":", 3);
  if (g_strv_length (head) < 3 || *head[2] == '\0')
    {
      spec_error (error, spec, _("a part is missing"));
      return NULL;
    }
  if (!ms_protocol_from_string (head[0], &protocol))
    {
      g_autofree char *reason =
        g_strdup_printf (_("“%s” is not a protocol; use imap, pop3 or smtp"), head[0]);
      spec_error (error, spec, reason);
      return NULL;
    }
  if (!ms_security_from_string (head[1], &security))
    {
      g_autofree char *reason =
        g_strdup_printf (_("“%s” is not a security setting; use tls, starttls or none"), head[1]);
      spec_error (error, spec, reason);
      return NULL;
    }

  rest = head[2];
  if (rest[0] == '[')
    {
      const char *close = strchr (rest, ']');

      if (close == NULL)
        {
          spec_error (error, spec, _("the “]” after the IPv6 address is missing"));
          return NULL;
        }
      host_text = g_strndup (rest + 1, (gsize) (close - rest - 1));
      if (close[1] == ':')
        port_text = close + 2;
      else if (close[1] != '\0')
        {
          spec_error (error, spec, _("a “:” must follow the “]”"));
          return NULL;
        }
      if (!g_hostname_is_ip_address (host_text) || strchr (host_text, ':') == NULL)
        {
          spec_error (error, spec, _("only an IPv6 address goes in brackets"));
          return NULL;
        }
    }
  else
    {
      const char *colon = strchr (rest, ':');

      if (colon != NULL)
        {
          if (strchr (colon + 1, ':') != NULL)
            {
              spec_error (error, spec, _("an IPv6 address must be written in brackets"));
              return NULL;
            }
          host_text = g_strndup (rest, (gsize) (colon - rest));
          port_text = colon + 1;
        }
      else
        host_text = g_strdup (rest);
    }

  if (port_text != NULL)
    {
      if (*port_text == '\0' ||
          !g_ascii_string_to_unsigned (port_text, 10, 1, G_MAXUINT16, &port, NULL))
        {
          g_autofree char *reason =
            g_strdup_printf (_("“%s” is not a port number from 1 to 65535"), port_text);
          spec_error (error, spec, reason);
          return NULL;
        }
    }

  host = ms_hostname_normalize (host_text, MS_HOSTNAME_NONE, &host_error);
  if (host == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&host_error));
      return NULL;
    }

  return ms_server_config_new (protocol, host, (guint16) port, security);
}

/**
 * ms_server_config_to_spec:
 * @self: a server
 *
 * Returns: (transfer full): the server as `PROTOCOL:SECURITY:HOST:PORT`, the form
 *   ms_server_config_new_from_spec() reads
 */
char *
ms_server_config_to_spec (MsServerConfig *self)
{
  g_return_val_if_fail (MS_IS_SERVER_CONFIG (self), NULL);

  if (self->host != NULL && strchr (self->host, ':') != NULL)
    return g_strdup_printf ("%s:%s:[%s]:%u", ms_protocol_to_string (self->protocol),
                            ms_security_to_string (self->security), self->host, self->port);

  return g_strdup_printf ("%s:%s:%s:%u", ms_protocol_to_string (self->protocol),
                          ms_security_to_string (self->security),
                          self->host ? self->host : "", self->port);
}

/**
 * ms_server_config_validate:
 * @self: a server
 * @error: return location for a translated error
 *
 * Returns: whether @self names a usable server: a valid host and a port
 */
gboolean
ms_server_config_validate (MsServerConfig *self,
                           GError        **error)
{
  g_autofree char *host = NULL;

  g_return_val_if_fail (MS_IS_SERVER_CONFIG (self), FALSE);

  if (self->host == NULL)
    {
      g_set_error_literal (error, MS_ERROR, MS_ERROR_INVALID_SERVER,
                           _("The server name is empty"));
      return FALSE;
    }

  host = ms_hostname_normalize (self->host, MS_HOSTNAME_NONE, error);
  if (host == NULL)
    return FALSE;

  if (self->port == 0)
    {
      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_SERVER,
                   _("The port of server “%s” is missing"), self->host);
      return FALSE;
    }

  return TRUE;
}

/**
 * ms_server_config_copy:
 * @self: a server
 *
 * Returns: (transfer full): a copy of @self
 */
MsServerConfig *
ms_server_config_copy (MsServerConfig *self)
{
  MsServerConfig *copy;

  g_return_val_if_fail (MS_IS_SERVER_CONFIG (self), NULL);

  copy = ms_server_config_new (self->protocol, self->host, self->port, self->security);
  copy->username = g_strdup (self->username);
  copy->auth_mechanism = self->auth_mechanism;
  copy->pin = g_strdup (self->pin);
  return copy;
}

/**
 * ms_server_config_equal:
 * @a: a server
 * @b: another server
 *
 * Returns: whether @a and @b hold the same settings
 */
gboolean
ms_server_config_equal (MsServerConfig *a,
                        MsServerConfig *b)
{
  g_return_val_if_fail (MS_IS_SERVER_CONFIG (a), FALSE);
  g_return_val_if_fail (MS_IS_SERVER_CONFIG (b), FALSE);

  return a->protocol == b->protocol && a->security == b->security && a->port == b->port &&
         a->auth_mechanism == b->auth_mechanism && g_strcmp0 (a->host, b->host) == 0 &&
         g_strcmp0 (a->username, b->username) == 0 && g_strcmp0 (a->pin, b->pin) == 0;
}

MsProtocol
ms_server_config_get_protocol (MsServerConfig *self)
{
  g_return_val_if_fail (MS_IS_SERVER_CONFIG (self), MS_PROTOCOL_IMAP);
  return self->protocol;
}

void
ms_server_config_set_protocol (MsServerConfig *self,
                               MsProtocol      protocol)
{
  g_return_if_fail (MS_IS_SERVER_CONFIG (self));

  if (self->protocol == protocol)
    return;
  self->protocol = protocol;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROTOCOL]);
}

const char *
ms_server_config_get_host (MsServerConfig *self)
{
  g_return_val_if_fail (MS_IS_SERVER_CONFIG (self), NULL);
  return self->host;
}

void
ms_server_config_set_host (MsServerConfig *self,
                           const char     *host)
{
  g_return_if_fail (MS_IS_SERVER_CONFIG (self));

  if (_ms_replace_str (&self->host, host))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST]);
}

guint16
ms_server_config_get_port (MsServerConfig *self)
{
  g_return_val_if_fail (MS_IS_SERVER_CONFIG (self), 0);
  return self->port;
}

void
ms_server_config_set_port (MsServerConfig *self,
                           guint16         port)
{
  g_return_if_fail (MS_IS_SERVER_CONFIG (self));

  if (self->port == port)
    return;
  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

MsSecurity
ms_server_config_get_security (MsServerConfig *self)
{
  g_return_val_if_fail (MS_IS_SERVER_CONFIG (self), MS_SECURITY_TLS);
  return self->security;
}

void
ms_server_config_set_security (MsServerConfig *self,
                               MsSecurity      security)
{
  g_return_if_fail (MS_IS_SERVER_CONFIG (self));

  if (self->security == security)
    return;
  self->security = security;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECURITY]);
}

const char *
ms_server_config_get_username (MsServerConfig *self)
{
  g_return_val_if_fail (MS_IS_SERVER_CONFIG (self), NULL);
  return self->username;
}

void
ms_server_config_set_username (MsServerConfig *self,
                               const char     *username)
{
  g_return_if_fail (MS_IS_SERVER_CONFIG (self));

  if (_ms_replace_str (&self->username, username))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
}

MsAuthMechanism
ms_server_config_get_auth_mechanism (MsServerConfig *self)
{
  g_return_val_if_fail (MS_IS_SERVER_CONFIG (self), MS_AUTH_MECHANISM_AUTOMATIC);
  return self->auth_mechanism;
}

void
ms_server_config_set_auth_mechanism (MsServerConfig *self,
                                     MsAuthMechanism mechanism)
{
  g_return_if_fail (MS_IS_SERVER_CONFIG (self));

  if (self->auth_mechanism == mechanism)
    return;
  self->auth_mechanism = mechanism;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_MECHANISM]);
}

/**
 * ms_server_config_get_pin:
 * @self: a server
 *
 * Returns: (nullable): the pinned certificate fingerprint as `sha256:` + 64 hex digits
 */
const char *
ms_server_config_get_pin (MsServerConfig *self)
{
  g_return_val_if_fail (MS_IS_SERVER_CONFIG (self), NULL);
  return self->pin;
}

/**
 * ms_server_config_set_pin:
 * @self: a server
 * @pin: (nullable): a SHA-256 fingerprint in any form ms_pin_normalize() accepts, or %NULL
 * @error: return location for a translated error
 *
 * Pins the server's certificate: exactly that certificate is then accepted for this host and
 * port, even when no trusted authority signed it.
 *
 * Returns: whether @pin was valid (and is now set)
 */
gboolean
ms_server_config_set_pin (MsServerConfig *self,
                          const char     *pin,
                          GError        **error)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (MS_IS_SERVER_CONFIG (self), FALSE);

  if (pin != NULL && *pin != '\0')
    {
      normalized = ms_pin_normalize (pin, error);
      if (normalized == NULL)
        return FALSE;
    }

  if (_ms_replace_str (&self->pin, normalized))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PIN]);

  return TRUE;
}
