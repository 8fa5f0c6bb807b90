/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ms-evolution-source.h"

/* Whatever is in ~/.config/evolution/sources reaches the `.source` reader and the search for an
 * existing account. One input is a whole directory: files separated by NUL bytes, named s0, s1,
 * …; the address and host searched for come from the first file itself when it has them, so
 * that matches happen. */

#define MAX_FILES 8

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static void
check_value (const char *value)
{
  if (value != NULL && !g_utf8_validate (value, -1, NULL))
    abort ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr (GPtrArray) sources =
    g_ptr_array_new_with_free_func ((GDestroyNotify) ms_evolution_source_free);
  const char *start = (const char *) data;
  const char *end = start + size;
  MsEvolutionSource *first;
  const char *address;
  const char *host;
  MsEvolutionSource *found;

  while (start <= end && sources->len < MAX_FILES)
    {
      const char *nul = memchr (start, '\0', (gsize) (end - start));
      const char *file_end = nul != NULL ? nul : end;
      g_autofree char *uid = g_strdup_printf ("s%u", sources->len);

      g_ptr_array_add (sources,
                       ms_evolution_source_parse (uid, start, (gsize) (file_end - start)));
      if (nul == NULL)
        break;
      start = nul + 1;
    }

  first = g_ptr_array_index (sources, 0);
  check_value (ms_evolution_source_get (first, "Data Source", "Parent"));
  check_value (ms_evolution_source_get (first, "Mail Account", "IdentityUid"));
  address = ms_evolution_source_get (first, "Mail Identity", "Address");
  host = ms_evolution_source_get (first, "Authentication", "Host");
  check_value (address);
  check_value (host);

  found = ms_evolution_source_find_account (sources, address != NULL ? address : "a@b.example",
                                            host != NULL ? host : "imap.example.com");
  if (found != NULL && !ms_evolution_source_has_group (found, "Mail Account"))
    abort ();

  return 0;
}
