/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-thunderbird-new-profile"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-thunderbird-private.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

/* A profile for a home where Thunderbird has none, made so that Thunderbird's first start uses it
 * rather than making one of its own (toolkit/profile/nsToolkitProfileService.cpp): a first start
 * with a profiles.ini that has no Install section for this installation adopts the Default=1
 * profile only if that profile has a compatibility.ini that does not name another
 * installation's directory (without LastPlatformDir it counts as this one's); otherwise it makes
 * a profile of its own. So ours gets a compatibility.ini with just an empty [Compatibility]
 * section. Checked with Thunderbird 153 (test-thunderbird-client): it adopts the profile, names
 * it in its Install section and fills in the file; without the file it makes "default-default".
 * A Snap Thunderbird has no dedicated profiles and simply starts with the Default=1 profile. */

#define NEW_PROFILE_NAME "default-release"

/* Where a Thunderbird that has never run keeps its profiles: a Flatpak or Snap one has made its
 * own data directory when it was installed or first opened; otherwise the native place. */
static char *
choose_new_root (void)
{
  const char *home = g_get_home_dir ();
  g_autofree char *native =
    ms_thunderbird_get_installation_root (MS_THUNDERBIRD_INSTALLATION_NATIVE);
  g_autofree char *flatpak_app = g_build_filename (home, ".var", "app", "org.mozilla.Thunderbird",
                                                   NULL);
  g_autofree char *snap_app = g_build_filename (home, "snap", "thunderbird", NULL);

  if (g_file_test (native, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&native);
  if (g_file_test (flatpak_app, G_FILE_TEST_IS_DIR))
    return ms_thunderbird_get_installation_root (MS_THUNDERBIRD_INSTALLATION_FLATPAK);
  if (g_file_test (snap_app, G_FILE_TEST_IS_DIR))
    return ms_thunderbird_get_installation_root (MS_THUNDERBIRD_INSTALLATION_SNAP);
  return g_steal_pointer (&native);
}

/* Mozilla salts profile directory names with eight of these. */
static char *
make_salt (void)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  char salt[9];

  for (guint i = 0; i < 8; i++)
    salt[i] = alphabet[g_random_int_range (0, sizeof alphabet - 1)];
  salt[8] = '\0';
  return g_strdup (salt);
}

static gboolean
ini_names_profiles (MsMozIni *ini)
{
  GPtrArray *sections = _ms_moz_ini_get_sections (ini);

  for (guint i = 0; i < sections->len; i++)
    {
      const char *section = g_ptr_array_index (sections, i);
      const char *descriptor;

      if (g_str_has_prefix (section, "Profile"))
        return TRUE;
      descriptor = _ms_moz_ini_get (ini, section, "Default");
      if (descriptor != NULL && *descriptor != '\0')
        return TRUE;
    }
  return FALSE;
}

/**
 * _ms_thunderbird_plan_new_profile:
 * @error: return location for an error
 *
 * Plans a profile for a home where Thunderbird has none: a directory `<salt>.default-release`,
 * its compatibility.ini (so that Thunderbird adopts it) and a profiles.ini naming it as the
 * default — a new file, or one [Profile0] section appended to a profiles.ini that lists no
 * profile at all. A profiles.ini that still names profiles or an installation's default (which
 * Thunderbird would follow instead) is refused.
 *
 * Returns: (transfer full) (nullable): the plan; nothing is touched
 */
MsThunderbirdNewProfile *
_ms_thunderbird_plan_new_profile (GError **error)
{
  g_autoptr (MsThunderbirdNewProfile) plan = g_new0 (MsThunderbirdNewProfile, 1);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *dir_name = NULL;
  g_autoptr (GString) addition = g_string_new (NULL);
  gboolean have_general = FALSE;

  plan->root = choose_new_root ();
  plan->profiles_ini_path = g_build_filename (plan->root, "profiles.ini", NULL);
  plan->profiles_ini_original = _ms_thunderbird_read_file (plan->profiles_ini_path,
                                                           MS_THUNDERBIRD_MAX_INI_SIZE,
                                                           &local_error);
  if (plan->profiles_ini_original == NULL &&
      !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (plan->profiles_ini_original != NULL)
    {
      g_autoptr (MsMozIni) ini = _ms_moz_ini_new (plan->profiles_ini_original);
      g_autofree char *installs_path = g_build_filename (plan->root, "installs.ini", NULL);
      g_autoptr (GBytes) installs_bytes =
        _ms_thunderbird_read_file (installs_path, MS_THUNDERBIRD_MAX_INI_SIZE, NULL);
      g_autoptr (MsMozIni) installs = installs_bytes != NULL ? _ms_moz_ini_new (installs_bytes)
                                                             : NULL;
      gsize size;
      const char *data = g_bytes_get_data (plan->profiles_ini_original, &size);

      have_general = _ms_moz_ini_get (ini, "General", "Version") != NULL;
      if (ini_names_profiles (ini) || (!have_general && installs != NULL &&
                                       ini_names_profiles (installs)))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Thunderbird's profile list %s names profiles that do not exist. Start "
                         "Thunderbird once, or choose a profile folder."),
                       plan->profiles_ini_path);
          return NULL;
        }
      if (size > 0 && data[size - 1] != '\n' && data[size - 1] != '\r')
        g_string_append_c (addition, '\n');
    }

  do
    {
      g_autofree char *salt = make_salt ();

      g_free (dir_name);
      dir_name = g_strconcat (salt, ".", NEW_PROFILE_NAME, NULL);
      g_free (plan->profile_path);
      plan->profile_path = g_build_filename (plan->root, dir_name, NULL);
    }
  while (g_file_test (plan->profile_path, G_FILE_TEST_EXISTS));

  if (!have_general)
    g_string_append (addition, "[General]\nStartWithLastProfile=1\nVersion=2\n\n");
  g_string_append_printf (addition,
                          "[Profile0]\nName=%s\nIsRelative=1\nPath=%s\nDefault=1\n\n",
                          NEW_PROFILE_NAME, dir_name);
  plan->profiles_ini_addition = g_string_free_to_bytes (g_steal_pointer (&addition));

  plan->compatibility_ini_path = g_build_filename (plan->profile_path, "compatibility.ini", NULL);
  plan->compatibility_ini = g_bytes_new_static ("[Compatibility]\n", strlen ("[Compatibility]\n"));

  return g_steal_pointer (&plan);
}

static void
remove_new_profile (MsThunderbirdNewProfile *plan)
{
  g_autofree char *prefs = g_build_filename (plan->profile_path, "prefs.js", NULL);

  g_unlink (prefs);
  g_unlink (plan->compatibility_ini_path);
  g_rmdir (plan->profile_path);
}

/**
 * _ms_thunderbird_create_profile:
 * @plan: from _ms_thunderbird_plan_new_profile()
 * @prefs_js: the new profile's prefs.js
 * @error: return location for an error
 *
 * Creates the profile, profiles.ini last, so that Thunderbird never sees a half-made one. On
 * failure what was created is removed again and an existing profiles.ini is left as it was.
 *
 * Returns: whether it worked
 */
gboolean
_ms_thunderbird_create_profile (MsThunderbirdNewProfile *plan,
                                GBytes                  *prefs_js,
                                GError                 **error)
{
  g_autofree char *prefs_path = g_build_filename (plan->profile_path, "prefs.js", NULL);
  g_autoptr (GBytes) profiles_ini = NULL;

  if (g_mkdir_with_parents (plan->root, 0700) != 0 || g_mkdir (plan->profile_path, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the Thunderbird profile %s: %s"), plan->profile_path,
                   g_strerror (saved_errno));
      return FALSE;
    }

  if (plan->profiles_ini_original != NULL)
    {
      g_autoptr (GByteArray) joined = g_byte_array_new ();
      g_autoptr (GBytes) current = _ms_thunderbird_read_file (plan->profiles_ini_path,
                                                              MS_THUNDERBIRD_MAX_INI_SIZE, NULL);

      if (current == NULL || !g_bytes_equal (current, plan->profiles_ini_original))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                       _("%s changed while the profile was being created; try again."),
                       plan->profiles_ini_path);
          remove_new_profile (plan);
          return FALSE;
        }
      g_byte_array_append (joined, g_bytes_get_data (plan->profiles_ini_original, NULL),
                           g_bytes_get_size (plan->profiles_ini_original));
      g_byte_array_append (joined, g_bytes_get_data (plan->profiles_ini_addition, NULL),
                           g_bytes_get_size (plan->profiles_ini_addition));
      profiles_ini = g_byte_array_free_to_bytes (g_steal_pointer (&joined));
    }
  else
    {
      profiles_ini = g_bytes_ref (plan->profiles_ini_addition);
    }

  if (!_ms_thunderbird_write_file (plan->compatibility_ini_path, plan->compatibility_ini, 0644,
                                   error) ||
      !_ms_thunderbird_write_file (prefs_path, prefs_js, 0600, error) ||
      !_ms_thunderbird_write_file (plan->profiles_ini_path, profiles_ini,
                                   _ms_thunderbird_get_mode (plan->profiles_ini_path, 0644),
                                   error))
    {
      remove_new_profile (plan);
      return FALSE;
    }

  return TRUE;
}

void
_ms_thunderbird_new_profile_free (MsThunderbirdNewProfile *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->root);
  g_free (plan->profile_path);
  g_free (plan->profiles_ini_path);
  g_clear_pointer (&plan->profiles_ini_original, g_bytes_unref);
  g_clear_pointer (&plan->profiles_ini_addition, g_bytes_unref);
  g_free (plan->compatibility_ini_path);
  g_clear_pointer (&plan->compatibility_ini, g_bytes_unref);
  g_free (plan);
}
