/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-prefs-js"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-prefs-js.h"

#include <gio/gio.h>
#include <string.h>

#include "ms-prefs-js-private.h"

/* Thunderbird's prefs.js as Thunderbird reads it (ms-prefs-js-parser.c has the grammar), and
 * helpers that write lines it reads back exactly. The reader keeps nothing but the map of names
 * to values: writers work on the original bytes and append. */

G_DEFINE_BOXED_TYPE (MsPrefsJs, ms_prefs_js, ms_prefs_js_ref, ms_prefs_js_unref)

static void
scan_line_ends (MsPrefsJs    *self,
                const guint8 *data,
                gsize         size)
{
  self->ends_with_newline = size == 0 || data[size - 1] == '\n' || data[size - 1] == '\r';

  for (gsize i = size; i > 0; i--)
    {
      if (data[i - 1] == '\n')
        {
          self->uses_crlf = i >= 2 && data[i - 2] == '\r';
          break;
        }
    }
}

/**
 * ms_prefs_js_new_from_bytes:
 * @contents: the bytes of a prefs.js (or user.js) file
 * @flags: how to treat malformed statements
 * @error: return location for a translated error
 *
 * Parses @contents as Thunderbird does. By default a malformed statement is skipped up to the
 * next `;` and recorded (see ms_prefs_js_get_error()); with %MS_PREFS_JS_PARSE_STRICT the first
 * one fails with %G_IO_ERROR_INVALID_DATA and its line number. Files over
 * %MS_PREFS_JS_MAX_SIZE fail.
 *
 * Returns: (transfer full) (nullable): the prefs, or %NULL with @error set
 */
MsPrefsJs *
ms_prefs_js_new_from_bytes (GBytes             *contents,
                            MsPrefsJsParseFlags flags,
                            GError            **error)
{
  g_autoptr (MsPrefsJs) self = NULL;
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (contents != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (contents, &size);
  if (size > MS_PREFS_JS_MAX_SIZE)
    {
      g_autofree char *limit = g_format_size (MS_PREFS_JS_MAX_SIZE);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The preferences file is larger than %s"), limit);
      return NULL;
    }

  self = g_new0 (MsPrefsJs, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->prefs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) _ms_prefs_js_entry_free);
  self->errors = g_array_new (FALSE, FALSE, sizeof (MsPrefsJsParseError));

  if (!_ms_prefs_js_parse (self, data, size, (flags & MS_PREFS_JS_PARSE_STRICT) != 0))
    {
      const MsPrefsJsParseError *first = &g_array_index (self->errors, MsPrefsJsParseError, 0);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Line %u: %s"), first->line,
                   _(first->message));
      return NULL;
    }
  scan_line_ends (self, data, size);

  return g_steal_pointer (&self);
}

MsPrefsJs *
ms_prefs_js_ref (MsPrefsJs *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ms_prefs_js_unref (MsPrefsJs *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_clear_pointer (&self->sorted_names, g_ptr_array_unref);
  g_hash_table_unref (self->prefs);
  g_array_unref (self->errors);
  g_free (self);
}

guint
ms_prefs_js_get_n_prefs (MsPrefsJs *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->prefs);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static GPtrArray *
get_sorted_names (MsPrefsJs *self)
{
  if (self->sorted_names == NULL)
    {
      GHashTableIter iter;
      gpointer key;

      self->sorted_names = g_ptr_array_sized_new (g_hash_table_size (self->prefs));
      g_hash_table_iter_init (&iter, self->prefs);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_ptr_array_add (self->sorted_names, key);
      g_ptr_array_sort (self->sorted_names, compare_names);
    }
  return self->sorted_names;
}

/**
 * ms_prefs_js_list_names:
 * @self: parsed prefs
 *
 * Returns: (transfer container) (element-type utf8): every pref name, sorted bytewise; the
 *   strings belong to @self
 */
GPtrArray *
ms_prefs_js_list_names (MsPrefsJs *self)
{
  GPtrArray *sorted;
  GPtrArray *copy;

  g_return_val_if_fail (self != NULL, NULL);

  sorted = get_sorted_names (self);
  copy = g_ptr_array_sized_new (sorted->len);
  for (guint i = 0; i < sorted->len; i++)
    g_ptr_array_add (copy, g_ptr_array_index (sorted, i));
  return copy;
}

gboolean
ms_prefs_js_has_pref (MsPrefsJs  *self,
                      const char *name)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  return g_hash_table_contains (self->prefs, name);
}

/**
 * ms_prefs_js_has_prefix:
 * @self: parsed prefs
 * @prefix: the start of a pref name, e.g. `mail.server.server3.`
 *
 * Returns: whether any pref (user or default value) has a name starting with @prefix
 */
gboolean
ms_prefs_js_has_prefix (MsPrefsJs  *self,
                        const char *prefix)
{
  GPtrArray *names;
  guint low = 0;
  guint high;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (prefix != NULL, FALSE);

  names = get_sorted_names (self);
  high = names->len;
  /* The first name not sorting before the prefix is the only candidate. */
  while (low < high)
    {
      guint middle = low + (high - low) / 2;

      if (strcmp (g_ptr_array_index (names, middle), prefix) < 0)
        low = middle + 1;
      else
        high = middle;
    }
  return low < names->len && g_str_has_prefix (g_ptr_array_index (names, low), prefix);
}

/* What Thunderbird uses: the user value if there is one, else the default. */
static const MsPrefsJsValue *
lookup_value (MsPrefsJs  *self,
              const char *name)
{
  const MsPrefsJsEntry *pref = g_hash_table_lookup (self->prefs, name);

  if (pref == NULL)
    return NULL;
  if (pref->user_value.type != MS_PREFS_JS_TYPE_NONE)
    return &pref->user_value;
  return &pref->default_value;
}

/**
 * ms_prefs_js_has_user_value:
 * @self: parsed prefs
 * @name: a pref name
 *
 * Returns: whether @name was set with `user_pref()`, the only kind Thunderbird writes back
 */
gboolean
ms_prefs_js_has_user_value (MsPrefsJs  *self,
                            const char *name)
{
  const MsPrefsJsEntry *pref;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  pref = g_hash_table_lookup (self->prefs, name);
  return pref != NULL && pref->user_value.type != MS_PREFS_JS_TYPE_NONE;
}

MsPrefsJsType
ms_prefs_js_get_pref_type (MsPrefsJs  *self,
                           const char *name)
{
  const MsPrefsJsValue *value;

  g_return_val_if_fail (self != NULL, MS_PREFS_JS_TYPE_NONE);
  g_return_val_if_fail (name != NULL, MS_PREFS_JS_TYPE_NONE);

  value = lookup_value (self, name);
  return value != NULL ? value->type : MS_PREFS_JS_TYPE_NONE;
}

/**
 * ms_prefs_js_get_string:
 * @self: parsed prefs
 * @name: a pref name
 *
 * Returns: (nullable): the value's bytes as Thunderbird stores them (not necessarily UTF-8),
 *   or %NULL when @name is not a char pref
 */
const char *
ms_prefs_js_get_string (MsPrefsJs  *self,
                        const char *name)
{
  const MsPrefsJsValue *value;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  value = lookup_value (self, name);
  return value != NULL && value->type == MS_PREFS_JS_TYPE_STRING ? value->string : NULL;
}

/**
 * ms_prefs_js_dup_string_utf8:
 * @self: parsed prefs
 * @name: a pref name
 *
 * Returns: (transfer full) (nullable): the value as UTF-8 (bytes that are not UTF-8 are read
 *   as Latin-1, as Thunderbird wrote them), or %NULL when @name is not a char pref
 */
char *
ms_prefs_js_dup_string_utf8 (MsPrefsJs  *self,
                             const char *name)
{
  const char *bytes = ms_prefs_js_get_string (self, name);

  return bytes != NULL ? ms_prefs_js_bytes_to_utf8 (bytes) : NULL;
}

gboolean
ms_prefs_js_get_int (MsPrefsJs  *self,
                     const char *name,
                     gint32     *out_value)
{
  const MsPrefsJsValue *value;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  value = lookup_value (self, name);
  if (value == NULL || value->type != MS_PREFS_JS_TYPE_INT)
    return FALSE;
  if (out_value != NULL)
    *out_value = value->number;
  return TRUE;
}

gboolean
ms_prefs_js_get_bool (MsPrefsJs  *self,
                      const char *name,
                      gboolean   *out_value)
{
  const MsPrefsJsValue *value;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  value = lookup_value (self, name);
  if (value == NULL || value->type != MS_PREFS_JS_TYPE_BOOL)
    return FALSE;
  if (out_value != NULL)
    *out_value = value->number != 0;
  return TRUE;
}

/**
 * ms_prefs_js_get_n_errors:
 * @self: parsed prefs
 *
 * Returns: how many malformed statements were skipped (only the first 100 are kept)
 */
guint
ms_prefs_js_get_n_errors (MsPrefsJs *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_errors;
}

/**
 * ms_prefs_js_get_error:
 * @self: parsed prefs
 * @index: which skipped statement, below min (ms_prefs_js_get_n_errors(), 100)
 * @out_line: (out) (optional): its line, counting from 1
 *
 * Returns: a translated description of what was wrong
 */
const char *
ms_prefs_js_get_error (MsPrefsJs *self,
                       guint      index,
                       guint     *out_line)
{
  const MsPrefsJsParseError *error;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->errors->len, NULL);

  error = &g_array_index (self->errors, MsPrefsJsParseError, index);
  if (out_line != NULL)
    *out_line = error->line;
  return _(error->message);
}

/**
 * ms_prefs_js_check_appendable:
 * @self: parsed prefs
 * @error: return location for a translated error
 *
 * Checks that statements appended to the file will be read by Thunderbird: the file must not
 * end inside a statement, a string or a comment (which would swallow them) and must not hold a
 * NUL byte (after which Thunderbird stops reading).
 *
 * Returns: whether appending is safe
 */
gboolean
ms_prefs_js_check_appendable (MsPrefsJs *self,
                              GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->stopped_at_nul)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The preferences file has a NUL byte on line %u; Thunderbird ignores "
                     "everything after it, so settings added at the end would be lost"),
                   self->end_line);
      return FALSE;
    }
  if (!self->ends_cleanly)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The preferences file ends with an incomplete setting (line %u), which "
                     "would hide settings added after it. Start and quit Thunderbird once so "
                     "that it rewrites the file, then try again."),
                   self->incomplete_line);
      return FALSE;
    }
  return TRUE;
}

static void
append_escaped (GString    *out,
                const char *bytes)
{
  for (const guchar *s = (const guchar *) bytes; *s != '\0'; s++)
    {
      switch (*s)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        default:
          if (*s < 0x20 || *s == 0x7f)
            g_string_append_printf (out, "\\x%02x", *s);
          else
            g_string_append_c (out, (char) *s);
        }
    }
}

static void
append_name (GString    *lines,
             const char *name)
{
  g_string_append (lines, "user_pref(\"");
  append_escaped (lines, name);
  g_string_append (lines, "\", ");
}

/**
 * ms_prefs_js_append_string:
 * @lines: where to add the line
 * @name: the pref name
 * @value: the value's bytes (UTF-8 for anything new; existing bytes are kept as they are)
 *
 * Adds `user_pref("name", "value");` and a newline, escaped so that Thunderbird reads back
 * exactly @name and @value.
 */
void
ms_prefs_js_append_string (GString    *lines,
                           const char *name,
                           const char *value)
{
  g_return_if_fail (lines != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);

  append_name (lines, name);
  g_string_append_c (lines, '"');
  append_escaped (lines, value);
  g_string_append (lines, "\");\n");
}

void
ms_prefs_js_append_int (GString    *lines,
                        const char *name,
                        gint32      value)
{
  g_return_if_fail (lines != NULL);
  g_return_if_fail (name != NULL);

  append_name (lines, name);
  g_string_append_printf (lines, "%" G_GINT32_FORMAT ");\n", value);
}

void
ms_prefs_js_append_bool (GString    *lines,
                         const char *name,
                         gboolean    value)
{
  g_return_if_fail (lines != NULL);
  g_return_if_fail (name != NULL);

  append_name (lines, name);
  g_string_append (lines, value ? "true);\n" : "false);\n");
}

/**
 * ms_prefs_js_make_appendix:
 * @self: the parsed original file
 * @lines: statements from ms_prefs_js_append_string() and friends, each ending in "\n"
 *
 * Returns: (transfer full): the exact bytes to add after the original ones: a line break first
 *   if the file does not end with one, and @lines with the file's own line ends (CRLF files get
 *   CRLF)
 */
GBytes *
ms_prefs_js_make_appendix (MsPrefsJs  *self,
                           const char *lines)
{
  const char *newline;
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (lines != NULL, NULL);

  newline = self->uses_crlf ? "\r\n" : "\n";
  out = g_string_new (NULL);
  if (!self->ends_with_newline)
    g_string_append (out, newline);
  for (const char *s = lines; *s != '\0'; s++)
    {
      if (*s == '\n')
        g_string_append (out, newline);
      else
        g_string_append_c (out, *s);
    }
  return g_string_free_to_bytes (out);
}

/**
 * ms_prefs_js_bytes_to_utf8:
 * @bytes: a char pref's value
 *
 * Returns: (transfer full): @bytes if they are UTF-8, else @bytes read as Latin-1
 */
char *
ms_prefs_js_bytes_to_utf8 (const char *bytes)
{
  GString *out;

  g_return_val_if_fail (bytes != NULL, NULL);

  if (g_utf8_validate (bytes, -1, NULL))
    return g_strdup (bytes);

  out = g_string_new (NULL);
  for (const guchar *s = (const guchar *) bytes; *s != '\0'; s++)
    g_string_append_unichar (out, *s);
  return g_string_free (out, FALSE);
}
