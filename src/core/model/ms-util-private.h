/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* g_set_str() arrived in GLib 2.76; Debian 12 has 2.74. Returns whether *location changed. */
static inline gboolean
_ms_replace_str (char      **location,
                 const char *value)
{
  if (g_strcmp0 (*location, value) == 0)
    return FALSE;
  g_free (*location);
  *location = g_strdup (value);
  return TRUE;
}

G_END_DECLS
