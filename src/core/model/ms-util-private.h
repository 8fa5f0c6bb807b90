/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

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

/* The nick of an enum value (the stable names of the JSON output and the files), or NULL. The
 * nick lives in static type data, so it outlives the class reference. */
static inline const char *
_ms_enum_to_nick (GType type,
                  int   value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);

  g_type_class_unref (klass);
  return enum_value != NULL ? enum_value->value_nick : NULL;
}

G_END_DECLS
