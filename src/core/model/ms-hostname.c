/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-hostname"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-hostname.h"

#include "ms-error.h"

#define MAX_NAME_LENGTH  253
#define MAX_LABEL_LENGTH 63

/* Every message names what was typed, so a person can see which field is wrong. */
static gboolean
set_error (GError        **error,
           MsHostnameFlags flags,
           const char     *name,
           const char     *reason)
{
  if (flags & MS_HOSTNAME_MAIL_DOMAIN)
    g_set_error (error, MS_ERROR, MS_ERROR_INVALID_ADDRESS,
                 /* Translators: the first %s is a domain, the second says what is wrong */
                 _("The domain “%s” is not valid: %s"), name, reason);
  else
    g_set_error (error, MS_ERROR, MS_ERROR_INVALID_SERVER,
                 /* Translators: the first %s is a server name, the second says what is wrong */
                 _("“%s” is not a valid server name: %s"), name, reason);
  return FALSE;
}

static gboolean
check_labels (const char     *ascii,
              const char     *original,
              MsHostnameFlags flags,
              GError        **error)
{
  g_auto (GStrv) labels = NULL;
  gboolean all_digits = TRUE;
  guint n_labels;

  if (strlen (ascii) > MAX_NAME_LENGTH)
    return set_error (error, flags, original, _("it is longer than 253 characters"));

  labels = g_strsplit (ascii, ".", -1);
  n_labels = g_strv_length (labels);

  for (guint i = 0; i < n_labels; i++)
    {
      const char *label = labels[i];
      gsize len = strlen (label);

      if (len == 0)
        return set_error (error, flags, original, _("it has an empty part between dots"));
      if (len > MAX_LABEL_LENGTH)
        return set_error (error, flags, original,
                          _("a part between dots may have at most 63 characters"));
      if (label[0] == '-' || label[len - 1] == '-')
        return set_error (error, flags, original, _("a part cannot start or end with “-”"));

      for (gsize j = 0; j < len; j++)
        {
          if (!g_ascii_isalnum (label[j]) && label[j] != '-')
            {
              g_autofree char *reason = NULL;
              char bad[2] = { label[j], '\0' };

              reason = g_strdup_printf (_("it contains “%s”, which cannot be part of a name"),
                                        bad);
              return set_error (error, flags, original, reason);
            }
        }

      if (i == n_labels - 1)
        for (gsize j = 0; j < len; j++)
          all_digits = all_digits && g_ascii_isdigit (label[j]);
    }

  if (flags & MS_HOSTNAME_MAIL_DOMAIN)
    {
      if (n_labels < 2)
        {
          g_set_error (error, MS_ERROR, MS_ERROR_INVALID_ADDRESS,
                       _("The domain “%s” is incomplete: a mail domain looks like example.com"),
                       original);
          return FALSE;
        }
      if (all_digits)
        return set_error (error, flags, original,
                          _("use the domain name of your mail provider, not a number"));
    }

  return TRUE;
}

/**
 * ms_hostname_normalize:
 * @name: a host name, an internationalised domain name or (unless @flags contains
 *   %MS_HOSTNAME_MAIL_DOMAIN) an IP address
 * @flags: what kind of name is expected
 * @error: return location for a translated, user-facing error
 *
 * Checks @name and converts it to the form that goes on the wire: ASCII (IDNA "punycode"),
 * lower case, without a trailing dot. IP addresses are returned unchanged.
 *
 * Returns: (transfer full) (nullable): the normalised name, or %NULL with @error set
 */
char *
ms_hostname_normalize (const char     *name,
                       MsHostnameFlags flags,
                       GError        **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *ascii = NULL;
  gsize len;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_utf8_validate (name, -1, NULL))
    {
      set_error (error, flags, "", _("it is not valid text (UTF-8)"));
      return NULL;
    }

  if (*name == '\0')
    {
      if (flags & MS_HOSTNAME_MAIL_DOMAIN)
        g_set_error_literal (error, MS_ERROR, MS_ERROR_INVALID_ADDRESS,
                             _("The domain after the “@” is missing"));
      else
        g_set_error_literal (error, MS_ERROR, MS_ERROR_INVALID_SERVER,
                             _("The server name is empty"));
      return NULL;
    }

  if (g_hostname_is_ip_address (name))
    {
      if (flags & MS_HOSTNAME_MAIL_DOMAIN)
        {
          set_error (error, flags, name,
                     _("use the domain name of your mail provider, not an IP address"));
          return NULL;
        }
      return g_ascii_strdown (name, -1);
    }

  /* "example.com." is the same fully qualified name as "example.com". */
  trimmed = g_strdup (name);
  len = strlen (trimmed);
  if (len > 1 && trimmed[len - 1] == '.' && trimmed[len - 2] != '.')
    trimmed[len - 1] = '\0';

  for (const char *p = trimmed; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          set_error (error, flags, name, _("it contains a space or an invisible character"));
          return NULL;
        }
    }

  ascii = g_hostname_to_ascii (trimmed);
  if (ascii == NULL)
    {
      set_error (error, flags, name, _("it is not a valid internationalised name"));
      return NULL;
    }

  {
    g_autofree char *lower = g_ascii_strdown (ascii, -1);

    if (!check_labels (lower, name, flags, error))
      return NULL;

    return g_steal_pointer (&lower);
  }
}
