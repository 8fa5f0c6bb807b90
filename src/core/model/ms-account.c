/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-account"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-account.h"

#include "ms-address.h"
#include "ms-error.h"
#include "ms-util-private.h"

/* Bumped when a key changes meaning; a newer file is refused rather than misread. */
#define KEY_FILE_VERSION 1

#define GROUP_ACCOUNT  "Account"
#define GROUP_INCOMING "Incoming"
#define GROUP_OUTGOING "Outgoing"

#define MAX_ID_LENGTH 64

struct _MsAccount
{
  GObject         parent_instance;

  char           *id;
  char           *display_name;
  char           *address;
  MsServerConfig *incoming;
  MsServerConfig *outgoing;
};

G_DEFINE_FINAL_TYPE (MsAccount, ms_account, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_DISPLAY_NAME,
  PROP_ADDRESS,
  PROP_INCOMING,
  PROP_OUTGOING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ms_account_dispose (GObject *object)
{
  MsAccount *self = (MsAccount *) object;

  g_clear_object (&self->incoming);
  g_clear_object (&self->outgoing);

  G_OBJECT_CLASS (ms_account_parent_class)->dispose (object);
}

static void
ms_account_finalize (GObject *object)
{
  MsAccount *self = (MsAccount *) object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->address, g_free);

  G_OBJECT_CLASS (ms_account_parent_class)->finalize (object);
}

static void
ms_account_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  MsAccount *self = MS_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_INCOMING:
      g_value_set_object (value, self->incoming);
      break;
    case PROP_OUTGOING:
      g_value_set_object (value, self->outgoing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_account_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  MsAccount *self = MS_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_ID:
      ms_account_set_id (self, g_value_get_string (value));
      break;
    case PROP_DISPLAY_NAME:
      ms_account_set_display_name (self, g_value_get_string (value));
      break;
    case PROP_ADDRESS:
      ms_account_set_address (self, g_value_get_string (value));
      break;
    case PROP_INCOMING:
      ms_account_set_incoming (self, g_value_get_object (value));
      break;
    case PROP_OUTGOING:
      ms_account_set_outgoing (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_account_class_init (MsAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ms_account_dispose;
  object_class->finalize = ms_account_finalize;
  object_class->get_property = ms_account_get_property;
  object_class->set_property = ms_account_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INCOMING] =
    g_param_spec_object ("incoming", NULL, NULL, MS_TYPE_SERVER_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OUTGOING] =
    g_param_spec_object ("outgoing", NULL, NULL, MS_TYPE_SERVER_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ms_account_init (MsAccount *self)
{
}

/**
 * ms_account_new:
 * @display_name: the name others see on the user's messages
 * @address: the e-mail address
 * @incoming: (nullable): the IMAP or POP3 server
 * @outgoing: (nullable): the SMTP submission server
 *
 * Returns: (transfer full): a new account without an id (the store assigns one)
 */
MsAccount *
ms_account_new (const char     *display_name,
                const char     *address,
                MsServerConfig *incoming,
                MsServerConfig *outgoing)
{
  return g_object_new (MS_TYPE_ACCOUNT,
                       "display-name", display_name,
                       "address", address,
                       "incoming", incoming,
                       "outgoing", outgoing,
                       NULL);
}

/**
 * ms_account_id_is_valid:
 * @id: a string
 *
 * Account ids name files, so they are restricted to lower-case letters, digits, "-" and ".",
 * starting with a letter or digit: no path can be smuggled in through an id.
 *
 * Returns: whether @id can be an account id
 */
gboolean
ms_account_id_is_valid (const char *id)
{
  gsize len;

  g_return_val_if_fail (id != NULL, FALSE);

  len = strlen (id);
  if (len == 0 || len > MAX_ID_LENGTH)
    return FALSE;
  if (!g_ascii_islower (id[0]) && !g_ascii_isdigit (id[0]))
    return FALSE;

  for (const char *p = id; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-' && *p != '.')
      return FALSE;

  return TRUE;
}

/**
 * ms_account_make_id:
 * @address: an e-mail address
 *
 * Makes a readable id from @address: `Alice.Smith@Example.com` → `alice-smith-example-com`.
 *
 * Returns: (transfer full): an id for which ms_account_id_is_valid() holds
 */
char *
ms_account_make_id (const char *address)
{
  g_autoptr (GString) id = g_string_new (NULL);

  g_return_val_if_fail (address != NULL, NULL);

  for (const char *p = address; *p && id->len < MAX_ID_LENGTH; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (id, g_ascii_tolower (*p));
      else if (id->len > 0 && id->str[id->len - 1] != '-')
        g_string_append_c (id, '-');
    }

  while (id->len > 0 && id->str[id->len - 1] == '-')
    g_string_truncate (id, id->len - 1);

  if (id->len == 0)
    g_string_append (id, "account");

  return g_string_free (g_steal_pointer (&id), FALSE);
}

static gboolean
invalid_account (GError    **error,
                 const char *message)
{
  g_set_error_literal (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT, message);
  return FALSE;
}

/**
 * ms_account_validate:
 * @self: an account
 * @error: return location for a translated error
 *
 * Checks that @self is complete: a name, a valid address, an IMAP or POP3 server for incoming
 * and an SMTP server for outgoing mail, each with a valid host and port.
 *
 * Returns: whether @self is complete and valid
 */
gboolean
ms_account_validate (MsAccount *self,
                     GError   **error)
{
  g_autoptr (MsAddress) address = NULL;

  g_return_val_if_fail (MS_IS_ACCOUNT (self), FALSE);

  {
    g_autofree char *name = g_strstrip (g_strdup (self->display_name ? self->display_name : ""));

    if (*name == '\0')
      return invalid_account (error, _("Enter your name, as others should see it on your "
                                       "messages"));
  }

  if (self->address == NULL)
    return invalid_account (error, _("Enter your e-mail address"));

  address = ms_address_parse (self->address, error);
  if (address == NULL)
    return FALSE;

  if (self->incoming == NULL)
    return invalid_account (error, _("The incoming mail server (IMAP or POP3) is missing"));
  if (!ms_protocol_is_incoming (ms_server_config_get_protocol (self->incoming)))
    return invalid_account (error, _("The incoming mail server must use IMAP or POP3"));
  if (!ms_server_config_validate (self->incoming, error))
    return FALSE;

  if (self->outgoing == NULL)
    return invalid_account (error, _("The outgoing mail server (SMTP) is missing"));
  if (ms_server_config_get_protocol (self->outgoing) != MS_PROTOCOL_SMTP)
    return invalid_account (error, _("The outgoing mail server must use SMTP"));
  if (!ms_server_config_validate (self->outgoing, error))
    return FALSE;

  return TRUE;
}

static void
server_to_key_file (MsServerConfig *server,
                    GKeyFile       *key_file,
                    const char     *group)
{
  g_key_file_set_string (key_file, group, "Protocol",
                         ms_protocol_to_string (ms_server_config_get_protocol (server)));
  g_key_file_set_string (key_file, group, "Host", ms_server_config_get_host (server));
  g_key_file_set_integer (key_file, group, "Port", ms_server_config_get_port (server));
  g_key_file_set_string (key_file, group, "Security",
                         ms_security_to_string (ms_server_config_get_security (server)));
  if (ms_server_config_get_username (server) != NULL)
    g_key_file_set_string (key_file, group, "User", ms_server_config_get_username (server));
  g_key_file_set_string (key_file, group, "Authentication",
                         ms_auth_mechanism_to_string (ms_server_config_get_auth_mechanism (server)));
  if (ms_server_config_get_pin (server) != NULL)
    g_key_file_set_string (key_file, group, "Pin", ms_server_config_get_pin (server));
}

/**
 * ms_account_to_key_file:
 * @self: an account
 *
 * Writes @self into a new key file. There is no key for a password: secrets live in the
 * keyring only.
 *
 * Returns: (transfer full): the key file
 */
GKeyFile *
ms_account_to_key_file (MsAccount *self)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();

  g_return_val_if_fail (MS_IS_ACCOUNT (self), NULL);

  g_key_file_set_integer (key_file, GROUP_ACCOUNT, "Version", KEY_FILE_VERSION);
  if (self->id != NULL)
    g_key_file_set_string (key_file, GROUP_ACCOUNT, "Id", self->id);
  g_key_file_set_string (key_file, GROUP_ACCOUNT, "Name",
                         self->display_name ? self->display_name : "");
  g_key_file_set_string (key_file, GROUP_ACCOUNT, "Address", self->address ? self->address : "");

  if (self->incoming != NULL)
    server_to_key_file (self->incoming, key_file, GROUP_INCOMING);
  if (self->outgoing != NULL)
    server_to_key_file (self->outgoing, key_file, GROUP_OUTGOING);

  return g_steal_pointer (&key_file);
}

static char *
get_required_string (GKeyFile   *key_file,
                     const char *group,
                     const char *key,
                     GError    **error)
{
  g_autofree char *value = g_key_file_get_string (key_file, group, key, NULL);

  if (value == NULL || *value == '\0')
    {
      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT,
                   /* Translators: "Host" in group "[Incoming]" */
                   _("The account file has no “%s” in its [%s] section"), key, group);
      return NULL;
    }

  return g_steal_pointer (&value);
}

static gboolean
invalid_value (GError    **error,
               const char *group,
               const char *key,
               const char *value)
{
  g_set_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT,
               /* Translators: "“imapx” is not a valid Protocol in the account file's [Incoming]
                  section" */
               _("“%s” is not a valid %s in the [%s] section of the account file"), value, key,
               group);
  return FALSE;
}

static MsServerConfig *
server_from_key_file (GKeyFile   *key_file,
                      const char *group,
                      const char *address,
                      GError    **error)
{
  g_autoptr (MsServerConfig) server = NULL;
  g_autofree char *protocol_text = NULL;
  g_autofree char *host = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *security_text = NULL;
  g_autofree char *user = NULL;
  g_autofree char *auth_text = NULL;
  g_autofree char *pin = NULL;
  MsProtocol protocol;
  MsSecurity security;
  MsAuthMechanism auth = MS_AUTH_MECHANISM_AUTOMATIC;
  guint64 port;

  if (!g_key_file_has_group (key_file, group))
    {
      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT,
                   _("The account file has no [%s] section"), group);
      return NULL;
    }

  if (!(protocol_text = get_required_string (key_file, group, "Protocol", error)) ||
      !(host = get_required_string (key_file, group, "Host", error)) ||
      !(port_text = get_required_string (key_file, group, "Port", error)) ||
      !(security_text = get_required_string (key_file, group, "Security", error)))
    return NULL;

  if (!ms_protocol_from_string (protocol_text, &protocol))
    {
      invalid_value (error, group, "Protocol", protocol_text);
      return NULL;
    }
  if (!ms_security_from_string (security_text, &security))
    {
      invalid_value (error, group, "Security", security_text);
      return NULL;
    }
  if (!g_ascii_string_to_unsigned (port_text, 10, 1, G_MAXUINT16, &port, NULL))
    {
      invalid_value (error, group, "Port", port_text);
      return NULL;
    }

  auth_text = g_key_file_get_string (key_file, group, "Authentication", NULL);
  if (auth_text != NULL && !ms_auth_mechanism_from_string (auth_text, &auth))
    {
      invalid_value (error, group, "Authentication", auth_text);
      return NULL;
    }

  server = ms_server_config_new (protocol, host, (guint16) port, security);
  ms_server_config_set_auth_mechanism (server, auth);

  user = g_key_file_get_string (key_file, group, "User", NULL);
  ms_server_config_set_username (server, user != NULL && *user != '\0' ? user : address);

  pin = g_key_file_get_string (key_file, group, "Pin", NULL);
  if (pin != NULL && !ms_server_config_set_pin (server, pin, NULL))
    {
      invalid_value (error, group, "Pin", pin);
      return NULL;
    }

  return g_steal_pointer (&server);
}

/**
 * ms_account_new_from_key_file:
 * @key_file: a key file written by ms_account_to_key_file()
 * @error: return location for a translated error that names the broken key
 *
 * Reads an account back and validates it. A user name that is not given is the address.
 *
 * Returns: (transfer full) (nullable): the account, or %NULL with @error set
 */
MsAccount *
ms_account_new_from_key_file (GKeyFile *key_file,
                              GError  **error)
{
  g_autoptr (MsAccount) account = NULL;
  g_autoptr (MsServerConfig) incoming = NULL;
  g_autoptr (MsServerConfig) outgoing = NULL;
  g_autofree char *id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *address = NULL;
  g_autofree char *version_text = NULL;
  guint64 version = 0;

  g_return_val_if_fail (key_file != NULL, NULL);

  if (!g_key_file_has_group (key_file, GROUP_ACCOUNT))
    {
      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT,
                   _("The account file has no [%s] section"), GROUP_ACCOUNT);
      return NULL;
    }

  version_text = g_key_file_get_string (key_file, GROUP_ACCOUNT, "Version", NULL);
  if (version_text != NULL &&
      (!g_ascii_string_to_unsigned (version_text, 10, 1, G_MAXUINT32, &version, NULL) ||
       version > KEY_FILE_VERSION))
    {
      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT,
                   _("The account file was written by a newer version of Mail Setup (format "
                     "%s); update Mail Setup to read it"),
                   version_text);
      return NULL;
    }

  if (!(name = get_required_string (key_file, GROUP_ACCOUNT, "Name", error)) ||
      !(address = get_required_string (key_file, GROUP_ACCOUNT, "Address", error)))
    return NULL;

  id = g_key_file_get_string (key_file, GROUP_ACCOUNT, "Id", NULL);
  if (id != NULL && !ms_account_id_is_valid (id))
    {
      invalid_value (error, GROUP_ACCOUNT, "Id", id);
      return NULL;
    }

  incoming = server_from_key_file (key_file, GROUP_INCOMING, address, error);
  if (incoming == NULL)
    return NULL;
  outgoing = server_from_key_file (key_file, GROUP_OUTGOING, address, error);
  if (outgoing == NULL)
    return NULL;

  account = ms_account_new (name, address, incoming, outgoing);
  ms_account_set_id (account, id);

  if (!ms_account_validate (account, error))
    return NULL;

  return g_steal_pointer (&account);
}

const char *
ms_account_get_id (MsAccount *self)
{
  g_return_val_if_fail (MS_IS_ACCOUNT (self), NULL);
  return self->id;
}

void
ms_account_set_id (MsAccount  *self,
                   const char *id)
{
  g_return_if_fail (MS_IS_ACCOUNT (self));
  g_return_if_fail (id == NULL || ms_account_id_is_valid (id));

  if (_ms_replace_str (&self->id, id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
}

const char *
ms_account_get_display_name (MsAccount *self)
{
  g_return_val_if_fail (MS_IS_ACCOUNT (self), NULL);
  return self->display_name;
}

void
ms_account_set_display_name (MsAccount  *self,
                             const char *display_name)
{
  g_return_if_fail (MS_IS_ACCOUNT (self));

  if (_ms_replace_str (&self->display_name, display_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
}

const char *
ms_account_get_address (MsAccount *self)
{
  g_return_val_if_fail (MS_IS_ACCOUNT (self), NULL);
  return self->address;
}

void
ms_account_set_address (MsAccount  *self,
                        const char *address)
{
  g_return_if_fail (MS_IS_ACCOUNT (self));

  if (_ms_replace_str (&self->address, address))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESS]);
}

/**
 * ms_account_get_incoming:
 * @self: an account
 *
 * Returns: (transfer none) (nullable): the IMAP or POP3 server
 */
MsServerConfig *
ms_account_get_incoming (MsAccount *self)
{
  g_return_val_if_fail (MS_IS_ACCOUNT (self), NULL);
  return self->incoming;
}

void
ms_account_set_incoming (MsAccount      *self,
                         MsServerConfig *incoming)
{
  g_return_if_fail (MS_IS_ACCOUNT (self));
  g_return_if_fail (incoming == NULL || MS_IS_SERVER_CONFIG (incoming));

  if (g_set_object (&self->incoming, incoming))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCOMING]);
}

/**
 * ms_account_get_outgoing:
 * @self: an account
 *
 * Returns: (transfer none) (nullable): the SMTP submission server
 */
MsServerConfig *
ms_account_get_outgoing (MsAccount *self)
{
  g_return_val_if_fail (MS_IS_ACCOUNT (self), NULL);
  return self->outgoing;
}

void
ms_account_set_outgoing (MsAccount      *self,
                         MsServerConfig *outgoing)
{
  g_return_if_fail (MS_IS_ACCOUNT (self));
  g_return_if_fail (outgoing == NULL || MS_IS_SERVER_CONFIG (outgoing));

  if (g_set_object (&self->outgoing, outgoing))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTGOING]);
}
