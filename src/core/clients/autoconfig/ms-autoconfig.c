/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-autoconfig"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-autoconfig.h"

#include <string.h>

#include "ms-autoconfig-private.h"
#include "ms-hostname.h"

/* A Mozilla autoconfig file as Mail Setup uses it: the provider, its servers as templates, its
 * links and hints. Reading the untrusted bytes is ms-autoconfig-parser.c's job. */

#define MESSAGE_QUOTE_LENGTH 40

G_DEFINE_FINAL_TYPE (MsAutoconfig, ms_autoconfig, G_TYPE_OBJECT)

void
_ms_autoconfig_text_free (MsAutoconfigText *text)
{
  g_free (text->lang);
  g_free (text->text);
  g_free (text);
}

void
_ms_autoconfig_link_free (MsAutoconfigLink *link)
{
  g_free (link->url);
  g_ptr_array_unref (link->descriptions);
  g_free (link);
}

/* Hostile input can make names and values as long as the whole file: messages quote at most
 * a few words of it. */
char *
_ms_autoconfig_quote (const char *text)
{
  glong length = g_utf8_strlen (text, -1);
  g_autofree char *head = NULL;

  if (length <= MESSAGE_QUOTE_LENGTH)
    return g_strdup (text);

  head = g_utf8_substring (text, 0, MESSAGE_QUOTE_LENGTH);
  return g_strconcat (head, "…", NULL);
}

static void
set_too_large (GError **error,
               gsize    size)
{
  g_autofree char *limit = g_format_size (MS_AUTOCONFIG_MAX_SIZE);

  if (size > 0)
    {
      g_autofree char *actual = g_format_size (size);

      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                   /* Translators: the first %s is a size like "100.0 MB", the second the limit */
                   _("The mail configuration is too large: %s (at most %s)"), actual, limit);
    }
  else
    g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                 _("The mail configuration is too large (at most %s)"), limit);
}

static gboolean
lang_matches (const char *lang,
              const char *language_name)
{
  gsize len = strcspn (language_name, ".@");

  if (strlen (lang) != len)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char a = lang[i] == '-' ? '_' : g_ascii_tolower (lang[i]);
      char b = language_name[i] == '-' ? '_' : g_ascii_tolower (language_name[i]);

      if (a != b)
        return FALSE;
    }

  return TRUE;
}

/* The user's language, else the text without a language (the file's default), else English,
 * else whatever there is. */
static const char *
pick_local_text (GPtrArray *texts)
{
  const char *const *languages = g_get_language_names ();

  if (texts == NULL || texts->len == 0)
    return NULL;

  for (guint i = 0; languages[i] != NULL; i++)
    for (guint j = 0; j < texts->len; j++)
      {
        MsAutoconfigText *text = g_ptr_array_index (texts, j);

        if (text->lang != NULL && lang_matches (text->lang, languages[i]))
          return text->text;
      }

  for (guint j = 0; j < texts->len; j++)
    {
      MsAutoconfigText *text = g_ptr_array_index (texts, j);

      if (text->lang == NULL)
        return text->text;
    }

  for (guint j = 0; j < texts->len; j++)
    {
      MsAutoconfigText *text = g_ptr_array_index (texts, j);

      if (text->lang != NULL && lang_matches (text->lang, "en"))
        return text->text;
    }

  return ((MsAutoconfigText *) g_ptr_array_index (texts, 0))->text;
}

/**
 * ms_autoconfig_new_from_bytes:
 * @bytes: the file's content, untrusted (from the network, an ISP, a provider directory)
 * @error: return location for a translated %MS_ERROR_INVALID_AUTOCONFIG error
 *
 * Reads a Mozilla autoconfig file (`clientConfig` 1.0 or 1.1) as Thunderbird does, plus Mail
 * Setup's hints in the %MS_AUTOCONFIG_NAMESPACE namespace. Input over
 * %MS_AUTOCONFIG_MAX_SIZE is refused without looking at it; input that is not UTF-8, has a
 * DOCTYPE, nests too deep, has too many elements or too long values is refused with a clean
 * error. Servers the file describes wrongly are skipped; at least one usable incoming and one
 * usable outgoing server must remain.
 *
 * Returns: (transfer full) (nullable): the configuration, or %NULL with @error set
 */
MsAutoconfig *
ms_autoconfig_new_from_bytes (GBytes  *bytes,
                              GError **error)
{
  gsize size;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Before anything looks at the bytes. */
  size = g_bytes_get_size (bytes);
  if (size > MS_AUTOCONFIG_MAX_SIZE)
    {
      set_too_large (error, size);
      return NULL;
    }

  return _ms_autoconfig_parse (g_bytes_get_data (bytes, NULL), size, error);
}

/**
 * ms_autoconfig_new_from_file:
 * @file: an autoconfig file, e.g. in a provider directory
 * @cancellable: (nullable): a cancellable
 * @error: return location for a translated error
 *
 * Reads @file (blocking: call it from a worker thread) and parses it with
 * ms_autoconfig_new_from_bytes(). A file over %MS_AUTOCONFIG_MAX_SIZE is refused from its size,
 * or after reading one byte more than the limit when its size is unknown (a pipe, a device).
 *
 * Returns: (transfer full) (nullable): the configuration, or %NULL with @error set
 */
MsAutoconfig *
ms_autoconfig_new_from_file (GFile        *file,
                             GCancellable *cancellable,
                             GError      **error)
{
  g_autoptr (GFileInputStream) stream = NULL;
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *buffer = NULL;
  gsize length = 0;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    return NULL;

  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable,
                                         NULL);
  if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE) &&
      g_file_info_get_size (info) > MS_AUTOCONFIG_MAX_SIZE)
    {
      set_too_large (error, (gsize) g_file_info_get_size (info));
      return NULL;
    }

  buffer = g_malloc (MS_AUTOCONFIG_MAX_SIZE + 1);
  if (!g_input_stream_read_all (G_INPUT_STREAM (stream), buffer, MS_AUTOCONFIG_MAX_SIZE + 1,
                                &length, cancellable, error))
    return NULL;
  if (length > MS_AUTOCONFIG_MAX_SIZE)
    {
      set_too_large (error, 0);
      return NULL;
    }

  bytes = g_bytes_new_take (g_realloc (g_steal_pointer (&buffer), length), length);
  return ms_autoconfig_new_from_bytes (bytes, error);
}

static void
ms_autoconfig_finalize (GObject *object)
{
  MsAutoconfig *self = (MsAutoconfig *) object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->domains, g_strfreev);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->display_short_name, g_free);
  g_clear_pointer (&self->incoming, g_ptr_array_unref);
  g_clear_pointer (&self->outgoing, g_ptr_array_unref);
  g_clear_pointer (&self->documentation, g_ptr_array_unref);
  g_clear_pointer (&self->enable_url, g_free);
  g_clear_pointer (&self->enable_instructions, g_ptr_array_unref);
  g_clear_pointer (&self->app_password_url, g_free);
  g_clear_pointer (&self->enable_imap_url, g_free);
  g_clear_pointer (&self->notes, g_ptr_array_unref);

  G_OBJECT_CLASS (ms_autoconfig_parent_class)->finalize (object);
}

static void
ms_autoconfig_class_init (MsAutoconfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ms_autoconfig_finalize;
}

static void
ms_autoconfig_init (MsAutoconfig *self)
{
  self->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_autoconfig_server_unref);
  self->outgoing = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_autoconfig_server_unref);
  self->documentation = g_ptr_array_new_with_free_func ((GDestroyNotify) _ms_autoconfig_link_free);
  self->enable_instructions = g_ptr_array_new_with_free_func ((GDestroyNotify) _ms_autoconfig_text_free);
  self->notes = g_ptr_array_new_with_free_func ((GDestroyNotify) _ms_autoconfig_text_free);
}

/**
 * ms_autoconfig_get_id:
 * @self: a configuration
 *
 * Returns: the `<emailProvider id>`, as written
 */
const char *
ms_autoconfig_get_id (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  return self->id;
}

/**
 * ms_autoconfig_get_domains:
 * @self: a configuration
 *
 * Returns: (transfer none) (array zero-terminated=1): the valid `<domain>`s, in ASCII form and
 *   lower case, in the file's order, without repetitions
 */
const char *const *
ms_autoconfig_get_domains (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  return (const char *const *) self->domains;
}

/**
 * ms_autoconfig_has_domain:
 * @self: a configuration
 * @domain: a mail domain, in any case, ASCII or Unicode
 *
 * Returns: whether @self is the configuration for addresses at @domain
 */
gboolean
ms_autoconfig_has_domain (MsAutoconfig *self,
                          const char   *domain)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), FALSE);
  g_return_val_if_fail (domain != NULL, FALSE);

  normalized = ms_hostname_normalize (domain, MS_HOSTNAME_MAIL_DOMAIN, NULL);
  return normalized != NULL && g_strv_contains ((const char *const *) self->domains, normalized);
}

/**
 * ms_autoconfig_get_display_name:
 * @self: a configuration
 *
 * Returns: the provider's name (`<displayName>`, else the id)
 */
const char *
ms_autoconfig_get_display_name (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  return self->display_name;
}

/**
 * ms_autoconfig_get_display_short_name:
 * @self: a configuration
 *
 * Returns: the provider's short name (`<displayShortName>`, else the display name)
 */
const char *
ms_autoconfig_get_display_short_name (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  return self->display_short_name;
}

/**
 * ms_autoconfig_get_incoming:
 * @self: a configuration
 *
 * Returns: (transfer none) (element-type MsAutoconfigServer): the usable IMAP and POP3
 *   servers, in the file's order of preference (never empty)
 */
GPtrArray *
ms_autoconfig_get_incoming (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  return self->incoming;
}

/**
 * ms_autoconfig_get_outgoing:
 * @self: a configuration
 *
 * Returns: (transfer none) (element-type MsAutoconfigServer): the usable SMTP servers, in the
 *   file's order of preference (never empty)
 */
GPtrArray *
ms_autoconfig_get_outgoing (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  return self->outgoing;
}

/**
 * ms_autoconfig_get_n_documentation:
 * @self: a configuration
 *
 * Returns: the number of `<documentation>` links with a web address
 */
guint
ms_autoconfig_get_n_documentation (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), 0);
  return self->documentation->len;
}

/**
 * ms_autoconfig_get_documentation_url:
 * @self: a configuration
 * @index: which link
 *
 * Returns: the link's http(s) address
 */
const char *
ms_autoconfig_get_documentation_url (MsAutoconfig *self,
                                     guint         index)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  g_return_val_if_fail (index < self->documentation->len, NULL);

  return ((MsAutoconfigLink *) g_ptr_array_index (self->documentation, index))->url;
}

/**
 * ms_autoconfig_get_documentation_description:
 * @self: a configuration
 * @index: which link
 *
 * Returns: (nullable): the link's `<descr>` in the user's language if there is one
 */
const char *
ms_autoconfig_get_documentation_description (MsAutoconfig *self,
                                             guint         index)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  g_return_val_if_fail (index < self->documentation->len, NULL);

  return pick_local_text (
    ((MsAutoconfigLink *) g_ptr_array_index (self->documentation, index))->descriptions);
}

/**
 * ms_autoconfig_get_enable_url:
 * @self: a configuration
 *
 * Returns: (nullable): the `<enable visiturl>`: the page where the account must first be
 *   enabled for mail programs
 */
const char *
ms_autoconfig_get_enable_url (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  return self->enable_url;
}

/**
 * ms_autoconfig_get_enable_instruction:
 * @self: a configuration
 *
 * Returns: (nullable): the `<enable>`'s `<instruction>` in the user's language if there is one
 */
const char *
ms_autoconfig_get_enable_instruction (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  return pick_local_text (self->enable_instructions);
}

/**
 * ms_autoconfig_get_app_password_required:
 * @self: a configuration
 *
 * Returns: whether the provider refuses the account password in mail programs and needs an
 *   app password (`<ms:appPassword>`)
 */
gboolean
ms_autoconfig_get_app_password_required (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), FALSE);
  return self->app_password_required;
}

/**
 * ms_autoconfig_get_app_password_url:
 * @self: a configuration
 *
 * Returns: (nullable): the provider's page for creating an app password
 */
const char *
ms_autoconfig_get_app_password_url (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  return self->app_password_url;
}

/**
 * ms_autoconfig_get_enable_imap_required:
 * @self: a configuration
 *
 * Returns: whether IMAP must first be switched on in the provider's web settings
 *   (`<ms:enableImap>`)
 */
gboolean
ms_autoconfig_get_enable_imap_required (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), FALSE);
  return self->enable_imap_required;
}

/**
 * ms_autoconfig_get_enable_imap_url:
 * @self: a configuration
 *
 * Returns: (nullable): the provider's settings page where IMAP is switched on
 */
const char *
ms_autoconfig_get_enable_imap_url (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  return self->enable_imap_url;
}

/**
 * ms_autoconfig_get_oauth2_only:
 * @self: a configuration
 *
 * Returns: whether the provider allows OAuth2 sign-in only (`<ms:oauth2Only>`): no password
 *   can be checked, and clients are set up with their own OAuth2 method
 */
gboolean
ms_autoconfig_get_oauth2_only (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), FALSE);
  return self->oauth2_only;
}

/**
 * ms_autoconfig_get_note:
 * @self: a configuration
 *
 * Returns: (nullable): the provider note (`<ms:note>`) in the user's language if there is one
 */
const char *
ms_autoconfig_get_note (MsAutoconfig *self)
{
  g_return_val_if_fail (MS_IS_AUTOCONFIG (self), NULL);
  return pick_local_text (self->notes);
}
