/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-address"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-address.h"

#include "ms-error.h"
#include "ms-hostname.h"

/* RFC 5321 §4.5.3.1 */
#define MAX_LOCAL_PART_LENGTH 64
#define MAX_ADDRESS_LENGTH    254

G_DEFINE_BOXED_TYPE (MsAddress, ms_address, ms_address_copy, ms_address_free)

static gboolean
set_error (GError    **error,
           const char *message)
{
  g_set_error_literal (error, MS_ERROR, MS_ERROR_INVALID_ADDRESS, message);
  return FALSE;
}

/* atext of RFC 5322 §3.2.3, plus any non-ASCII character (RFC 6531 internationalised
 * addresses). */
static gboolean
is_atext (gunichar c)
{
  if (c >= 0x80)
    return !g_unichar_isspace (c) && !g_unichar_iscntrl (c);
  if (g_ascii_isalnum (c))
    return TRUE;
  return strchr ("!#$%&'*+-/=?^_`{|}~", (int) c) != NULL && c != 0;
}

static gboolean
check_dot_atom (const char *local,
                GError    **error)
{
  gsize len = strlen (local);

  if (local[0] == '.' || local[len - 1] == '.' || strstr (local, "..") != NULL)
    return set_error (error, _("The part before the “@” cannot start or end with a dot, or "
                               "have two dots in a row"));

  for (const char *p = local; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '.')
        continue;
      if (g_unichar_isspace (c))
        return set_error (error, _("An e-mail address cannot contain spaces"));
      if (!is_atext (c))
        {
          g_autofree char *message = NULL;
          char bad[8] = { 0 };

          g_unichar_to_utf8 (c, bad);
          message = g_strdup_printf (
            _("The part before the “@” contains “%s”, which an e-mail address cannot have"),
            g_unichar_iscntrl (c) ? "\xef\xbf\xbd" : bad);
          return set_error (error, message);
        }
    }

  return TRUE;
}

/* Returns the length of a quoted-string local part ("john doe") at the start of @text, or 0
 * with @error set. */
static gsize
scan_quoted_local_part (const char *text,
                        GError    **error)
{
  const char *p = text + 1;

  while (*p && *p != '"')
    {
      if (*p == '\\')
        {
          p++;
          if (*p == '\0')
            break;
        }
      else if ((guchar) *p < 0x20 || *p == 0x7f)
        {
          set_error (error, _("The part before the “@” contains an invisible character"));
          return 0;
        }
      p = g_utf8_next_char (p);
    }

  if (*p != '"')
    {
      set_error (error, _("The quotation mark before the “@” is not closed"));
      return 0;
    }

  return (gsize) (p + 1 - text);
}

/**
 * ms_address_parse:
 * @text: what the person typed
 * @error: return location for a translated error that says what is wrong
 *
 * Parses and validates an e-mail address as a person types it: surrounding white space is
 * ignored, the domain may be internationalised (it is converted with g_hostname_to_ascii()),
 * the local part may be a quoted string or contain non-ASCII characters (RFC 6531).
 *
 * Returns: (transfer full) (nullable): the address, or %NULL with @error set
 */
MsAddress *
ms_address_parse (const char *text,
                  GError    **error)
{
  g_autofree char *input = NULL;
  g_autofree char *local = NULL;
  g_autofree char *domain = NULL;
  g_autoptr (MsAddress) address = NULL;
  const char *at;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    {
      set_error (error, _("The e-mail address is not valid text (UTF-8)"));
      return NULL;
    }

  input = g_strstrip (g_strdup (text));

  if (*input == '\0')
    {
      set_error (error, _("Enter your e-mail address"));
      return NULL;
    }

  if (input[0] == '"')
    {
      gsize quoted_len = scan_quoted_local_part (input, error);

      if (quoted_len == 0)
        return NULL;
      at = input + quoted_len;
      if (*at != '@')
        {
          set_error (error, _("An e-mail address needs an “@” right after the closing quotation "
                              "mark"));
          return NULL;
        }
      local = g_strndup (input, quoted_len);
    }
  else
    {
      at = strchr (input, '@');
      if (at == NULL)
        {
          set_error (error, _("An e-mail address needs an “@” followed by the domain, like "
                              "name@example.com"));
          return NULL;
        }
      if (strchr (at + 1, '@') != NULL)
        {
          set_error (error, _("An e-mail address has only one “@”"));
          return NULL;
        }
      local = g_strndup (input, (gsize) (at - input));
      if (*local == '\0')
        {
          set_error (error, _("The part before the “@” is missing, like “name” in "
                              "name@example.com"));
          return NULL;
        }
      if (!check_dot_atom (local, error))
        return NULL;
    }

  if (strlen (local) > MAX_LOCAL_PART_LENGTH)
    {
      set_error (error, _("The part before the “@” is too long: it may have at most 64 "
                          "characters"));
      return NULL;
    }

  if (at[1] == '[')
    {
      set_error (error, _("Use the domain name of your mail provider after the “@”, not an IP "
                          "address"));
      return NULL;
    }

  domain = ms_hostname_normalize (at + 1, MS_HOSTNAME_MAIL_DOMAIN, error);
  if (domain == NULL)
    return NULL;

  address = g_new0 (MsAddress, 1);
  address->address = g_strconcat (local, "@", domain, NULL);
  if (strlen (address->address) > MAX_ADDRESS_LENGTH)
    {
      set_error (error, _("The e-mail address is too long: it may have at most 254 characters"));
      return NULL;
    }
  address->local_part = g_steal_pointer (&local);
  address->domain_display = g_hostname_to_unicode (domain);
  if (address->domain_display == NULL)
    address->domain_display = g_strdup (domain);
  address->domain = g_steal_pointer (&domain);

  return g_steal_pointer (&address);
}

/**
 * ms_address_is_valid:
 * @text: an e-mail address
 *
 * Returns: whether ms_address_parse() accepts @text
 */
gboolean
ms_address_is_valid (const char *text)
{
  g_autoptr (MsAddress) address = NULL;

  g_return_val_if_fail (text != NULL, FALSE);

  address = ms_address_parse (text, NULL);
  return address != NULL;
}

MsAddress *
ms_address_copy (const MsAddress *self)
{
  MsAddress *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (MsAddress, 1);
  copy->address = g_strdup (self->address);
  copy->local_part = g_strdup (self->local_part);
  copy->domain = g_strdup (self->domain);
  copy->domain_display = g_strdup (self->domain_display);
  return copy;
}

void
ms_address_free (MsAddress *self)
{
  if (self == NULL)
    return;

  g_free (self->address);
  g_free (self->local_part);
  g_free (self->domain);
  g_free (self->domain_display);
  g_free (self);
}
