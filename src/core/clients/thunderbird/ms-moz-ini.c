/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-moz-ini"

#include "config.h"

#include "ms-thunderbird-private.h"

#include <string.h>

/* profiles.ini and installs.ini read the way Mozilla's nsINIParser reads them, quirks included,
 * so that we pick the profile Thunderbird picks: lines split on any run of CR/LF; a line whose
 * first byte is '#' or ';' is a comment (after leading blanks it is not); "[name" without the
 * closing bracket still opens a section, "[name] junk" does not; "key=value" with neither side
 * trimmed; the last value of a repeated key wins and repeated sections merge. Malformed lines are
 * skipped, never fatal. A NUL byte ends the text. GKeyFile is stricter (it refuses whole files
 * Thunderbird reads fine), hence this. */

struct _MsMozIni
{
  GHashTable *sections; /* name → (key → value) */
  GPtrArray  *order;    /* section names, first appearance first */
};

/* NS_strtok: skip leading delimiters, cut at the next one. */
static char *
ns_strtok (const char *delims,
           char      **str)
{
  char *ret;

  if (*str == NULL)
    return NULL;

  ret = *str + strspn (*str, delims);
  if (*ret == '\0')
    {
      *str = ret;
      return NULL;
    }
  for (char *i = ret; *i != '\0'; i++)
    {
      if (strchr (delims, *i) != NULL)
        {
          *i = '\0';
          *str = i + 1;
          return ret;
        }
    }
  *str = NULL;
  return ret;
}

static void
set_string (MsMozIni   *self,
            const char *section,
            const char *key,
            const char *value)
{
  GHashTable *keys;

  if (*section == '\0' || strpbrk (section, "\r\n[]") != NULL)
    return;
  if (*key == '\0' || strpbrk (key, "\r\n=") != NULL)
    return;
  if (strpbrk (value, "\r\n") != NULL)
    return;

  keys = g_hash_table_lookup (self->sections, section);
  if (keys == NULL)
    {
      char *name = g_strdup (section);

      keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (self->sections, name, keys);
      g_ptr_array_add (self->order, name);
    }
  g_hash_table_replace (keys, g_strdup (key), g_strdup (value));
}

static char *
decode_contents (GBytes *contents)
{
  gsize size;
  const char *data = g_bytes_get_data (contents, &size);

  if (size >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    return g_strndup (data + 3, size - 3);

  if (size >= 2 && memcmp (data, "\xff\xfe", 2) == 0)
    {
      char *utf8 = g_convert (data + 2, (size - 2) & ~(gsize) 1, "UTF-8", "UTF-16LE", NULL, NULL,
                              NULL);

      return utf8 != NULL ? utf8 : g_strdup ("");
    }

  /* g_strndup() stops at a NUL byte, as Mozilla's C-string tokenizer does. */
  return g_strndup (data, size);
}

/**
 * _ms_moz_ini_new:
 * @contents: the file's bytes
 *
 * Returns: (transfer full): the sections and keys Mozilla would see; never fails
 */
MsMozIni *
_ms_moz_ini_new (GBytes *contents)
{
  MsMozIni *self = g_new0 (MsMozIni, 1);
  g_autofree char *text = decode_contents (contents);
  char *buffer = text;
  char *section = NULL;
  char *line;

  self->sections =
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_hash_table_unref);
  self->order = g_ptr_array_new_with_free_func (g_free);

  while ((line = ns_strtok ("\r\n", &buffer)) != NULL)
    {
      char *key;

      if (line[0] == '#' || line[0] == ';')
        continue;

      line += strspn (line, " \t");
      if (*line == '\0')
        continue;

      if (line[0] == '[')
        {
          char *rest = line + 1;

          section = rest;
          if (ns_strtok ("]", &rest) == NULL || ns_strtok (" \t", &rest) != NULL)
            section = NULL;
          continue;
        }

      if (section == NULL)
        continue;

      key = line;
      if (ns_strtok ("=", &line) == NULL || line == NULL)
        continue;
      set_string (self, section, key, line);
    }

  return self;
}

void
_ms_moz_ini_free (MsMozIni *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->sections);
  g_ptr_array_unref (self->order);
  g_free (self);
}

const char *
_ms_moz_ini_get (MsMozIni   *self,
                 const char *section,
                 const char *key)
{
  GHashTable *keys = g_hash_table_lookup (self->sections, section);

  return keys != NULL ? g_hash_table_lookup (keys, key) : NULL;
}

/**
 * _ms_moz_ini_get_sections:
 * @self: a parsed file
 *
 * Returns: (transfer none) (element-type utf8): the section names in order of first appearance
 */
GPtrArray *
_ms_moz_ini_get_sections (MsMozIni *self)
{
  return self->order;
}
