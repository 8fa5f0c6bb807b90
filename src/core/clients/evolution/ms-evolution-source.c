/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-evolution-source"

#include "config.h"

#include "ms-evolution-source.h"

#include <string.h>

/* A reader for evolution-data-server's `.source` key files that never fails. GKeyFile rejects a
 * whole file over one line it does not like (a stray line, invalid UTF-8), and a file we could
 * not read is an account we could not see — and would then add a second time. So this reader
 * takes what GKeyFile takes, the way GKeyFile takes it (groups, `key=value` with the same
 * escapes, the last of duplicate keys wins, groups of the same name merge), skips what it does
 * not understand line by line, and bounds what it keeps. */

#define MAX_GROUPS 256
#define MAX_KEYS   4096

struct _MsEvolutionSource
{
  char       *uid;
  GHashTable *groups; /* group name → (key → value) */
  guint       n_keys;
};

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static char *
unescape_value (const char *start,
                gsize       length)
{
  g_autoptr (GString) value = g_string_sized_new (length);

  for (gsize i = 0; i < length; i++)
    {
      if (start[i] != '\\' || i + 1 == length)
        {
          g_string_append_c (value, start[i]);
          continue;
        }

      switch (start[++i])
        {
        case 's':
          g_string_append_c (value, ' ');
          break;
        case 'n':
          g_string_append_c (value, '\n');
          break;
        case 't':
          g_string_append_c (value, '\t');
          break;
        case 'r':
          g_string_append_c (value, '\r');
          break;
        case '\\':
          g_string_append_c (value, '\\');
          break;
        default:
          /* GKeyFile refuses the file; we keep the two characters. */
          g_string_append_c (value, '\\');
          g_string_append_c (value, start[i]);
          break;
        }
    }

  return g_utf8_make_valid (value->str, value->len);
}

static GHashTable *
enter_group (MsEvolutionSource *self,
             const char        *start,
             gsize              length)
{
  g_autofree char *name = NULL;
  GHashTable *group;

  for (gsize i = 0; i < length; i++)
    if (start[i] == '[' || start[i] == ']' || g_ascii_iscntrl (start[i]))
      return NULL;
  if (length == 0)
    return NULL;

  name = g_strndup (start, length);
  group = g_hash_table_lookup (self->groups, name);
  if (group == NULL && g_hash_table_size (self->groups) < MAX_GROUPS)
    {
      group = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (self->groups, g_steal_pointer (&name), group);
    }
  return group;
}

static void
parse_line (MsEvolutionSource *self,
            const char        *line,
            gsize              length,
            GHashTable       **group)
{
  const char *equals;
  gsize key_length;
  const char *value;
  gsize value_length;

  while (length > 0 && is_blank (line[0]))
    line++, length--;
  while (length > 0 && is_blank (line[length - 1]))
    length--;

  if (length == 0 || line[0] == '#' || memchr (line, '\0', length) != NULL)
    return;

  if (line[0] == '[')
    {
      *group = line[length - 1] == ']' ? enter_group (self, line + 1, length - 2) : NULL;
      return;
    }

  equals = memchr (line, '=', length);
  if (*group == NULL || equals == NULL)
    return;

  key_length = (gsize) (equals - line);
  while (key_length > 0 && is_blank (line[key_length - 1]))
    key_length--;
  if (key_length == 0)
    return;

  value = equals + 1;
  value_length = length - (gsize) (value - line);
  while (value_length > 0 && is_blank (value[0]))
    value++, value_length--;

  {
    g_autofree char *key = g_strndup (line, key_length);

    if (!g_hash_table_contains (*group, key))
      {
        if (self->n_keys >= MAX_KEYS)
          return;
        self->n_keys++;
      }
    g_hash_table_replace (*group, g_steal_pointer (&key), unescape_value (value, value_length));
  }
}

/**
 * ms_evolution_source_parse:
 * @uid: the source's uid (its file name without `.source`)
 * @data: (array length=length): the file's bytes
 * @length: how many there are; beyond %MS_EVOLUTION_SOURCE_MAX_SIZE nothing is read
 *
 * Returns: (transfer full): what could be read of the key file; never %NULL
 */
MsEvolutionSource *
ms_evolution_source_parse (const char *uid,
                           const char *data,
                           gsize       length)
{
  MsEvolutionSource *self;
  const char *end;
  GHashTable *group = NULL;

  g_return_val_if_fail (uid != NULL, NULL);
  g_return_val_if_fail (data != NULL || length == 0, NULL);

  self = g_new0 (MsEvolutionSource, 1);
  self->uid = g_strdup (uid);
  self->groups =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);

  if (length == 0 || length > MS_EVOLUTION_SOURCE_MAX_SIZE)
    return self;

  end = data + length;
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    data += 3;

  while (data < end)
    {
      const char *newline = memchr (data, '\n', (gsize) (end - data));
      const char *line_end = newline != NULL ? newline : end;

      parse_line (self, data, (gsize) (line_end - data), &group);
      data = newline != NULL ? newline + 1 : end;
    }

  return self;
}

void
ms_evolution_source_free (MsEvolutionSource *self)
{
  if (self == NULL)
    return;

  g_free (self->uid);
  g_hash_table_unref (self->groups);
  g_free (self);
}

const char *
ms_evolution_source_get_uid (MsEvolutionSource *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->uid;
}

gboolean
ms_evolution_source_has_group (MsEvolutionSource *self,
                               const char        *group)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (group != NULL, FALSE);

  return g_hash_table_contains (self->groups, group);
}

/**
 * ms_evolution_source_get:
 * @self: a source
 * @group: a group, e.g. `Authentication`
 * @key: a key, e.g. `Host`
 *
 * Returns: (nullable): the key's value, unescaped and valid UTF-8
 */
const char *
ms_evolution_source_get (MsEvolutionSource *self,
                         const char        *group,
                         const char        *key)
{
  GHashTable *keys;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (group != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  keys = g_hash_table_lookup (self->groups, group);
  return keys != NULL ? g_hash_table_lookup (keys, key) : NULL;
}

static gboolean
same_host (const char *a,
           const char *b)
{
  gsize length_a;
  gsize length_b;

  if (a == NULL || b == NULL)
    return FALSE;

  while (*a == ' ')
    a++;
  while (*b == ' ')
    b++;
  length_a = strlen (a);
  length_b = strlen (b);
  while (length_a > 0 && (a[length_a - 1] == '.' || a[length_a - 1] == ' '))
    length_a--;
  while (length_b > 0 && (b[length_b - 1] == '.' || b[length_b - 1] == ' '))
    length_b--;

  return length_a > 0 && length_a == length_b && g_ascii_strncasecmp (a, b, length_a) == 0;
}

static gboolean
same_address (const char *a,
              const char *b)
{
  g_autofree char *folded_a = NULL;
  g_autofree char *folded_b = NULL;

  if (a == NULL || b == NULL)
    return FALSE;

  folded_a = g_utf8_casefold (a, -1);
  folded_b = g_utf8_casefold (b, -1);
  g_strstrip (folded_a);
  g_strstrip (folded_b);
  return *folded_a != '\0' && g_str_equal (folded_a, folded_b);
}

static gboolean
identity_matches (MsEvolutionSource *identity,
                  const char        *address)
{
  return ms_evolution_source_has_group (identity, "Mail Identity") &&
         same_address (ms_evolution_source_get (identity, "Mail Identity", "Address"), address);
}

/**
 * ms_evolution_source_find_account:
 * @sources: (element-type MsEvolutionSource): the sources of one directory
 * @address: an e-mail address
 * @host: the incoming server's host name
 *
 * Finds a mail account whose incoming server is @host and whose identity — the one its
 * `IdentityUid` names, or else any identity below it — sends as @address. Host names compare
 * without case and trailing dot, addresses without case.
 *
 * Returns: (transfer none) (nullable): the account source
 */
MsEvolutionSource *
ms_evolution_source_find_account (GPtrArray  *sources,
                                  const char *address,
                                  const char *host)
{
  g_autoptr (GHashTable) by_uid = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (sources != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (host != NULL, NULL);

  for (guint i = 0; i < sources->len; i++)
    {
      MsEvolutionSource *source = g_ptr_array_index (sources, i);

      g_hash_table_insert (by_uid, source->uid, source);
    }

  for (guint i = 0; i < sources->len; i++)
    {
      MsEvolutionSource *account = g_ptr_array_index (sources, i);
      const char *identity_uid;
      MsEvolutionSource *identity;

      if (!ms_evolution_source_has_group (account, "Mail Account") ||
          !same_host (ms_evolution_source_get (account, "Authentication", "Host"), host))
        continue;

      identity_uid = ms_evolution_source_get (account, "Mail Account", "IdentityUid");
      identity = identity_uid != NULL ? g_hash_table_lookup (by_uid, identity_uid) : NULL;
      if (identity != NULL && identity_matches (identity, address))
        return account;

      for (guint j = 0; j < sources->len; j++)
        {
          MsEvolutionSource *child = g_ptr_array_index (sources, j);

          if (g_strcmp0 (ms_evolution_source_get (child, "Data Source", "Parent"),
                         account->uid) == 0 &&
              identity_matches (child, address))
            return account;
        }
    }

  return NULL;
}
