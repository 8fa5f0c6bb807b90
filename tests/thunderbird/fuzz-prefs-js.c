/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ms-prefs-js.h"

/* prefs.js is whatever is on disk: the reader must cope with anything, and what the writer makes
 * of any value it read must read back the same, also when appended to the input. */

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static gboolean
same_value (MsPrefsJs  *a,
            MsPrefsJs  *b,
            const char *name)
{
  gint32 number_a = 0;
  gint32 number_b = 0;
  gboolean flag_a = FALSE;
  gboolean flag_b = FALSE;

  if (ms_prefs_js_get_pref_type (a, name) != ms_prefs_js_get_pref_type (b, name))
    return FALSE;
  switch (ms_prefs_js_get_pref_type (a, name))
    {
    case MS_PREFS_JS_TYPE_STRING:
      return g_strcmp0 (ms_prefs_js_get_string (a, name), ms_prefs_js_get_string (b, name)) == 0;
    case MS_PREFS_JS_TYPE_INT:
      return ms_prefs_js_get_int (a, name, &number_a) && ms_prefs_js_get_int (b, name, &number_b) &&
             number_a == number_b;
    case MS_PREFS_JS_TYPE_BOOL:
      return ms_prefs_js_get_bool (a, name, &flag_a) && ms_prefs_js_get_bool (b, name, &flag_b) &&
             flag_a == flag_b;
    case MS_PREFS_JS_TYPE_NONE:
    default:
      return FALSE;
    }
}

static void
append_pref (GString    *lines,
             MsPrefsJs  *prefs,
             const char *name)
{
  gint32 number = 0;
  gboolean flag = FALSE;

  switch (ms_prefs_js_get_pref_type (prefs, name))
    {
    case MS_PREFS_JS_TYPE_STRING:
      ms_prefs_js_append_string (lines, name, ms_prefs_js_get_string (prefs, name));
      break;
    case MS_PREFS_JS_TYPE_INT:
      ms_prefs_js_get_int (prefs, name, &number);
      ms_prefs_js_append_int (lines, name, number);
      break;
    case MS_PREFS_JS_TYPE_BOOL:
      ms_prefs_js_get_bool (prefs, name, &flag);
      ms_prefs_js_append_bool (lines, name, flag);
      break;
    case MS_PREFS_JS_TYPE_NONE:
    default:
      abort ();
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (MsPrefsJs) prefs = ms_prefs_js_new_from_bytes (bytes, MS_PREFS_JS_PARSE_DEFAULT,
                                                            NULL);
  g_autoptr (MsPrefsJs) strict = ms_prefs_js_new_from_bytes (bytes, MS_PREFS_JS_PARSE_STRICT,
                                                             NULL);
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (GString) lines = g_string_new (NULL);
  g_autoptr (GBytes) written = NULL;
  g_autoptr (MsPrefsJs) reread = NULL;

  if (prefs == NULL)
    abort ();
  /* Strict mode fails exactly when recovery was needed. */
  if ((strict != NULL) != (ms_prefs_js_get_n_errors (prefs) == 0))
    abort ();
  for (guint i = 0; i < MIN (ms_prefs_js_get_n_errors (prefs), 100); i++)
    {
      guint line = 0;

      if (ms_prefs_js_get_error (prefs, i, &line) == NULL || line == 0)
        abort ();
    }

  names = ms_prefs_js_list_names (prefs);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *utf8 = ms_prefs_js_dup_string_utf8 (prefs, name);

      if (utf8 != NULL && !g_utf8_validate (utf8, -1, NULL))
        abort ();
      if (!ms_prefs_js_has_prefix (prefs, name))
        abort ();
      append_pref (lines, prefs, name);
    }

  /* Our lines read back to the same values, without a single error. */
  written = g_bytes_new (lines->str, lines->len);
  reread = ms_prefs_js_new_from_bytes (written, MS_PREFS_JS_PARSE_STRICT, NULL);
  if (reread == NULL || ms_prefs_js_get_n_prefs (reread) != names->len)
    abort ();
  for (guint i = 0; i < names->len; i++)
    if (!same_value (prefs, reread, g_ptr_array_index (names, i)))
      abort ();

  /* When appending is said to be safe, what is appended is read and nothing else changes. */
  if (ms_prefs_js_check_appendable (prefs, NULL))
    {
      g_autoptr (GBytes) appendix =
        ms_prefs_js_make_appendix (prefs, "user_pref(\"fuzz.marker\", 12345);\n");
      g_autoptr (GByteArray) joined = g_byte_array_new ();
      g_autoptr (GBytes) joined_bytes = NULL;
      g_autoptr (MsPrefsJs) appended = NULL;
      gint32 marker = 0;

      g_byte_array_append (joined, data, size);
      g_byte_array_append (joined, g_bytes_get_data (appendix, NULL), g_bytes_get_size (appendix));
      joined_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&joined));
      appended = ms_prefs_js_new_from_bytes (joined_bytes, MS_PREFS_JS_PARSE_DEFAULT, NULL);
      if (appended == NULL || !ms_prefs_js_get_int (appended, "fuzz.marker", &marker) ||
          marker != 12345)
        abort ();
      if (ms_prefs_js_get_n_errors (appended) != ms_prefs_js_get_n_errors (prefs))
        abort ();
      for (guint i = 0; i < names->len; i++)
        {
          const char *name = g_ptr_array_index (names, i);

          if (strcmp (name, "fuzz.marker") != 0 && !same_value (prefs, appended, name))
            abort ();
        }
    }

  return 0;
}
