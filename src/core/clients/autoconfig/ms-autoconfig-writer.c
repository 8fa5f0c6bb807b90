/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-autoconfig-writer"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-autoconfig-writer.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ms-autoconfig-private.h"
#include "ms-autoconfig.h"
#include "ms-error.h"

/* Writes the config-v1.1.xml a domain administrator publishes so that Thunderbird (and Mail
 * Setup) set up every address of the domain by themselves: the verified servers of one
 * account, with the user name turned into the placeholder that fits every address. */

static gboolean
invalid_account (GError    **error,
                 const char *message)
{
  g_set_error_literal (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT, message);
  return FALSE;
}

static const char *
authentication_for (MsAuthMechanism mechanism)
{
  switch (mechanism)
    {
    case MS_AUTH_MECHANISM_AUTOMATIC:
    case MS_AUTH_MECHANISM_PLAIN:
    case MS_AUTH_MECHANISM_LOGIN:
      return ms_autoconfig_auth_to_string (MS_AUTOCONFIG_AUTH_PASSWORD_CLEARTEXT);
    case MS_AUTH_MECHANISM_CRAM_MD5:
      return ms_autoconfig_auth_to_string (MS_AUTOCONFIG_AUTH_PASSWORD_ENCRYPTED);
    case MS_AUTH_MECHANISM_OAUTH2:
      return ms_autoconfig_auth_to_string (MS_AUTOCONFIG_AUTH_OAUTH2);
    default:
      g_return_val_if_reached (NULL);
    }
}

/* How the login worked decides the placeholder: the whole address, the part before the "@",
 * or (when it is neither) the user name itself. */
static char *
username_template (MsServerConfig  *server,
                   const MsAddress *address,
                   gboolean        *out_literal,
                   GError         **error)
{
  const char *username = ms_server_config_get_username (server);
  g_autoptr (MsAddress) parsed = NULL;

  *out_literal = FALSE;

  if (username == NULL || *username == '\0')
    return g_strdup ("%EMAILADDRESS%");

  parsed = ms_address_parse (username, NULL);
  if (parsed != NULL && strcmp (parsed->address, address->address) == 0)
    return g_strdup ("%EMAILADDRESS%");
  if (strcmp (username, address->local_part) == 0)
    return g_strdup ("%EMAILLOCALPART%");

  if (!g_utf8_validate (username, -1, NULL))
    {
      invalid_account (error, _("The user name is not valid text (UTF-8)"));
      return NULL;
    }
  for (const char *p = username; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        invalid_account (error, _("The user name contains a control character"));
        return NULL;
      }

  /* Readers trim values: such a name would not read back as it is. */
  if (g_ascii_isspace (username[0]) || g_ascii_isspace (username[strlen (username) - 1]))
    {
      invalid_account (error, _("The user name begins or ends with a space"));
      return NULL;
    }

  /* The format has no way to write a literal placeholder. */
  if (strstr (username, "%EMAIL") != NULL)
    {
      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT,
                   _("The user name “%s” looks like an autoconfig placeholder and cannot be "
                     "written"),
                   username);
      return NULL;
    }

  *out_literal = TRUE;
  return g_strdup (username);
}

static gboolean
append_server (GString         *xml,
               MsServerConfig  *server,
               const MsAddress *address,
               char           **literal_username,
               GError         **error)
{
  MsProtocol protocol = ms_server_config_get_protocol (server);
  const char *element = ms_protocol_is_incoming (protocol) ? "incomingServer" : "outgoingServer";
  g_autofree char *username = NULL;
  g_autofree char *escaped_host = NULL;
  g_autofree char *escaped_username = NULL;
  gboolean literal;

  /* A published file sets up a whole domain: never one that sends passwords in the clear. */
  if (ms_server_config_get_security (server) == MS_SECURITY_NONE)
    {
      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT,
                   _("The server “%s” is not encrypted; Mail Setup does not publish settings "
                     "that send passwords in the clear"),
                   ms_server_config_get_host (server));
      return FALSE;
    }

  username = username_template (server, address, &literal, error);
  if (username == NULL)
    return FALSE;
  if (literal && *literal_username == NULL)
    *literal_username = g_strdup (username);

  escaped_host = g_markup_escape_text (ms_server_config_get_host (server), -1);
  escaped_username = g_markup_escape_text (username, -1);

  g_string_append_printf (xml,
                          "    <%s type=\"%s\">\n"
                          "      <hostname>%s</hostname>\n"
                          "      <port>%u</port>\n"
                          "      <socketType>%s</socketType>\n"
                          "      <username>%s</username>\n"
                          "      <authentication>%s</authentication>\n"
                          "    </%s>\n",
                          element, ms_protocol_to_string (protocol), escaped_host,
                          ms_server_config_get_port (server),
                          _ms_autoconfig_socket_type_from_security (
                            ms_server_config_get_security (server)),
                          escaped_username,
                          authentication_for (ms_server_config_get_auth_mechanism (server)),
                          element);
  return TRUE;
}

/* @literal_username receives the first user name written as it is, if any. */
static GBytes *
write_account (MsAccount *account,
               char     **literal_username,
               GError   **error)
{
  g_autoptr (MsAddress) address = NULL;
  g_autoptr (GString) xml = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (MsAutoconfig) check = NULL;
  g_autoptr (GError) check_error = NULL;
  g_autofree char *escaped_domain = NULL;
  g_autofree char *escaped_name = NULL;

  if (!ms_account_validate (account, error))
    return NULL;
  address = ms_address_parse (ms_account_get_address (account), error);
  if (address == NULL)
    return NULL;

  /* The id and <domain> are the ASCII form Thunderbird looks up; the name is for people. */
  escaped_domain = g_markup_escape_text (address->domain, -1);
  escaped_name = g_markup_escape_text (address->domain_display, -1);

  xml = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<clientConfig version=\"1.1\">\n");
  g_string_append_printf (xml,
                          "  <emailProvider id=\"%s\">\n"
                          "    <domain>%s</domain>\n"
                          "    <displayName>%s</displayName>\n"
                          "    <displayShortName>%s</displayShortName>\n",
                          escaped_domain, escaped_domain, escaped_name, escaped_name);

  if (!append_server (xml, ms_account_get_incoming (account), address, literal_username, error) ||
      !append_server (xml, ms_account_get_outgoing (account), address, literal_username, error))
    return NULL;

  g_string_append (xml, "  </emailProvider>\n"
                        "</clientConfig>\n");

  bytes = g_string_free_to_bytes (g_steal_pointer (&xml));

  /* What we publish must read back: never hand out a file our own parser refuses. */
  check = ms_autoconfig_new_from_bytes (bytes, &check_error);
  if (check == NULL)
    {
      g_critical ("The autoconfig file written does not parse: %s", check_error->message);
      g_propagate_error (error, g_steal_pointer (&check_error));
      return NULL;
    }

  return g_steal_pointer (&bytes);
}

/**
 * ms_autoconfig_write:
 * @account: a complete, verified account
 * @error: return location for a translated error
 *
 * Writes a Mozilla autoconfig file (`clientConfig` 1.1) for the domain of @account's address:
 * its incoming and outgoing server with the socket type in the exact case Thunderbird requires
 * (`SSL`, `STARTTLS`), and the user name as `%EMAILADDRESS%` when the login used the whole
 * address, `%EMAILLOCALPART%` when it used the part before the "@", else literally. Everything
 * is XML-escaped; internationalised domains are written in their ASCII form.
 *
 * Returns: (transfer full) (nullable): the file's content, or %NULL with @error set (an
 *   incomplete account, or an unencrypted server)
 */
GBytes *
ms_autoconfig_write (MsAccount *account,
                     GError   **error)
{
  g_autofree char *literal_username = NULL;

  g_return_val_if_fail (MS_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return write_account (account, &literal_username, error);
}

static gboolean
same_content (const char *path,
              GBytes     *bytes)
{
  GStatBuf st;
  g_autofree char *contents = NULL;
  gsize length;

  if (g_stat (path, &st) != 0 || (gsize) st.st_size != g_bytes_get_size (bytes))
    return FALSE;
  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;

  return length == g_bytes_get_size (bytes) &&
         memcmp (contents, g_bytes_get_data (bytes, NULL), length) == 0;
}

static char *
make_note (MsAccount  *account,
           const char *literal_username)
{
  g_autoptr (MsAddress) address = ms_address_parse (ms_account_get_address (account), NULL);
  g_autoptr (GString) note = g_string_new (NULL);

  g_assert (address != NULL);

  g_string_append_printf (note,
                          /* Translators: %s are the same domain, e.g. example.com */
                          _("Publish this file as https://autoconfig.%s/mail/config-v1.1.xml or "
                            "https://%s/.well-known/autoconfig/mail/config-v1.1.xml; mail "
                            "programs then set up every address at %s by themselves."),
                          address->domain, address->domain, address->domain_display);

  if (literal_username != NULL)
    {
      g_string_append_c (note, ' ');
      g_string_append_printf (note,
                              _("The user name “%s” is written as it is: the file then fits "
                                "this one account, not every address at %s."),
                              literal_username, address->domain_display);
    }

  return g_string_free (g_steal_pointer (&note), FALSE);
}

/**
 * ms_autoconfig_export:
 * @account: a complete, verified account
 * @path: the file to write, or a folder to write `config-v1.1.xml` into
 * @dry_run: whether to only report what would be written
 * @error: return location for a translated error
 *
 * Writes ms_autoconfig_write()'s file to @path atomically (a complete new file, readable by
 * everyone since it is meant for publishing, replaces any old one, or nothing changes). A file
 * with the same content already there is left alone. With @dry_run nothing is touched.
 *
 * Returns: (transfer full) (nullable): what was (or would be) written where, or %NULL with
 *   @error set
 */
MsExportReport *
ms_autoconfig_export (MsAccount  *account,
                      const char *path,
                      gboolean    dry_run,
                      GError    **error)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (MsExportReport) report = NULL;
  g_autofree char *target = NULL;
  g_autofree char *note = NULL;
  g_autofree char *literal_username = NULL;
  MsExportAction action;

  g_return_val_if_fail (MS_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = write_account (account, &literal_username, error);
  if (bytes == NULL)
    return NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    target = g_build_filename (path, MS_AUTOCONFIG_FILE_NAME, NULL);
  else
    target = g_strdup (path);

  if (!g_file_test (target, G_FILE_TEST_EXISTS))
    action = MS_EXPORT_ACTION_CREATE;
  else if (!g_file_test (target, G_FILE_TEST_IS_REGULAR))
    {
      /* Replacing it would rename our file over a device or a folder. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _("“%s” is not a regular file; choose a file or a folder to write to"),
                   target);
      return NULL;
    }
  else if (same_content (target, bytes))
    action = MS_EXPORT_ACTION_UNCHANGED;
  else
    action = MS_EXPORT_ACTION_REPLACE;

  if (!dry_run && action != MS_EXPORT_ACTION_UNCHANGED)
    {
      g_autoptr (GError) local_error = NULL;
      gsize length;
      const char *data = g_bytes_get_data (bytes, &length);

      if (!g_file_set_contents_full (target, data, (gssize) length,
                                     G_FILE_SET_CONTENTS_CONSISTENT |
                                       G_FILE_SET_CONTENTS_DURABLE,
                                     0644, &local_error))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Cannot write the autoconfig file: %s"), local_error->message);
          return NULL;
        }
    }

  note = make_note (account, literal_username);
  report = ms_export_report_new ("autoconfig", dry_run);
  ms_export_report_add (report, action, target, bytes, note);
  return g_steal_pointer (&report);
}
