/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ms-thunderbird-private.h"
#include "ms-thunderbird-profile.h"

/* profiles.ini and installs.ini: anything at all must give a sane profile list. The input is
 * profiles.ini, optionally followed by "\x01\x02" and installs.ini; its first byte picks the
 * installation kind. */

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const MsThunderbirdInstallation installations[] = {
    MS_THUNDERBIRD_INSTALLATION_NATIVE,
    MS_THUNDERBIRD_INSTALLATION_FLATPAK,
    MS_THUNDERBIRD_INSTALLATION_SNAP,
  };
  MsThunderbirdInstallation installation;
  g_autoptr (GBytes) profiles_ini = NULL;
  g_autoptr (GBytes) installs_ini = NULL;
  g_autoptr (GPtrArray) profiles = NULL;
  g_autoptr (MsMozIni) ini = NULL;
  const guint8 *split;
  guint defaults = 0;

  if (size == 0)
    return 0;
  installation = installations[data[0] % G_N_ELEMENTS (installations)];
  data++;
  size--;

  split = NULL;
  for (size_t i = 0; i + 1 < size && split == NULL; i++)
    if (data[i] == 0x01 && data[i + 1] == 0x02)
      split = data + i;
  if (split != NULL)
    {
      profiles_ini = g_bytes_new (data, split - data);
      installs_ini = g_bytes_new (split + 2, size - (split - data) - 2);
    }
  else
    {
      profiles_ini = g_bytes_new (data, size);
    }

  profiles = ms_thunderbird_parse_profiles_ini ("/home/user/.thunderbird", installation,
                                                profiles_ini, installs_ini);
  for (guint i = 0; i < profiles->len; i++)
    {
      MsThunderbirdProfile *profile = g_ptr_array_index (profiles, i);
      const char *path = ms_thunderbird_profile_get_path (profile);

      if (path == NULL || !g_path_is_absolute (path) ||
          ms_thunderbird_profile_get_name (profile) == NULL)
        abort ();
      if (g_strcmp0 (ms_thunderbird_profile_get_root (profile), "/home/user/.thunderbird") != 0)
        abort ();
      if (ms_thunderbird_profile_get_installation (profile) != installation)
        abort ();
      if (ms_thunderbird_profile_get_is_default (profile))
        defaults++;
    }
  if (defaults > 1 || (profiles->len > 0 && profiles->len == 1 && defaults != 1))
    abort ();

  /* Every section and key found can be looked up again. */
  ini = _ms_moz_ini_new (profiles_ini);
  for (guint i = 0; i < _ms_moz_ini_get_sections (ini)->len; i++)
    {
      const char *section = g_ptr_array_index (_ms_moz_ini_get_sections (ini), i);

      if (*section == '\0' || strpbrk (section, "[]\r\n") != NULL)
        abort ();
      (void) _ms_moz_ini_get (ini, section, "Default");
    }

  return 0;
}
