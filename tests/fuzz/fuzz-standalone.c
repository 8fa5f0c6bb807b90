/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>

/* Without libFuzzer (any compiler): run a target once per file or per file in a directory, so
 * the seed corpus and every crash ever found stay regression tests in the fuzz suite. */

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static void
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
}

int
main (int    argc,
      char **argv)
{
  guint runs = 0;

  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr (GDir) dir = g_dir_open (argv[i], 0, NULL);
          const char *name;

          while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *path = g_build_filename (argv[i], name, NULL);

              /* seed folders may hold sub-folders (expected results and the like) */
              if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
                continue;
              run_file (path);
              runs++;
            }
        }
      else
        {
          run_file (argv[i]);
          runs++;
        }
    }

  g_print ("1..1\nok 1 - %u inputs\n", runs);
  return runs > 0 ? 0 : 1;
}
