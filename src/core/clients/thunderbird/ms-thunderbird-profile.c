/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-thunderbird-profile"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-thunderbird-profile.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ms-thunderbird-private.h"

/* Where Thunderbird keeps its profiles and which one it starts with, from its own profile
 * service (toolkit/profile/nsToolkitProfileService.cpp):
 *
 * - profiles.ini lists [Profile0], [Profile1], … and stops at the first number whose section has
 *   no IsRelative key; a section without Path or Name is skipped. Sections may come in any order.
 * - Since "dedicated profiles" each installation has an [Install<hash>] section whose Default is
 *   the profile it starts with; Default=1 on a [ProfileN] is what older versions used and can name
 *   an empty decoy (a first start with an empty home makes "default" with Default=1 and
 *   "default-default" named by the Install section). A profiles.ini without [General] Version
 *   takes its Install sections from installs.ini. The Snap uses Default=1 only.
 *
 * Whether a profile is in use: ms-thunderbird-lock.c; making one from nothing:
 * ms-thunderbird-new-profile.c. */

#define MAX_PROFILE_SECTIONS 10000

struct _MsThunderbirdProfile
{
  gatomicrefcount           ref_count;
  char                     *path;
  char                     *name;
  char                     *root;
  MsThunderbirdInstallation installation;
  gboolean                  is_default;
  gboolean                  in_use;
};

G_DEFINE_BOXED_TYPE (MsThunderbirdProfile, ms_thunderbird_profile, ms_thunderbird_profile_ref,
                     ms_thunderbird_profile_unref)

/**
 * ms_thunderbird_installation_to_string:
 * @installation: an installation kind
 *
 * Returns: "native", "flatpak", "snap" or "custom"
 */
const char *
ms_thunderbird_installation_to_string (MsThunderbirdInstallation installation)
{
  switch (installation)
    {
    case MS_THUNDERBIRD_INSTALLATION_NATIVE:
      return "native";
    case MS_THUNDERBIRD_INSTALLATION_FLATPAK:
      return "flatpak";
    case MS_THUNDERBIRD_INSTALLATION_SNAP:
      return "snap";
    case MS_THUNDERBIRD_INSTALLATION_CUSTOM:
      return "custom";
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * ms_thunderbird_get_installation_root:
 * @installation: an installation kind other than %MS_THUNDERBIRD_INSTALLATION_CUSTOM
 *
 * Returns: (transfer full): the directory that holds its profiles.ini, under the home directory
 */
char *
ms_thunderbird_get_installation_root (MsThunderbirdInstallation installation)
{
  const char *home = g_get_home_dir ();

  switch (installation)
    {
    case MS_THUNDERBIRD_INSTALLATION_NATIVE:
      return g_build_filename (home, ".thunderbird", NULL);
    case MS_THUNDERBIRD_INSTALLATION_FLATPAK:
      return g_build_filename (home, ".var", "app", "org.mozilla.Thunderbird", ".thunderbird",
                               NULL);
    case MS_THUNDERBIRD_INSTALLATION_SNAP:
      return g_build_filename (home, "snap", "thunderbird", "common", ".thunderbird", NULL);
    case MS_THUNDERBIRD_INSTALLATION_CUSTOM:
    default:
      g_return_val_if_reached (NULL);
    }
}

static MsThunderbirdProfile *
profile_new (const char               *path,
             const char               *name,
             const char               *root,
             MsThunderbirdInstallation installation)
{
  MsThunderbirdProfile *self = g_new0 (MsThunderbirdProfile, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->path = g_strdup (path);
  self->name = g_strdup (name);
  self->root = g_strdup (root);
  self->installation = installation;
  return self;
}

/**
 * ms_thunderbird_profile_new_for_path:
 * @path: a profile directory
 *
 * Returns: (transfer full): a profile of kind %MS_THUNDERBIRD_INSTALLATION_CUSTOM, named after
 *   the directory
 */
MsThunderbirdProfile *
ms_thunderbird_profile_new_for_path (const char *path)
{
  g_autofree char *canonical = NULL;
  g_autofree char *name = NULL;
  g_autofree char *root = NULL;
  MsThunderbirdProfile *self;

  g_return_val_if_fail (path != NULL, NULL);

  canonical = g_canonicalize_filename (path, NULL);
  name = g_path_get_basename (canonical);
  root = g_path_get_dirname (canonical);
  self = profile_new (canonical, name, root, MS_THUNDERBIRD_INSTALLATION_CUSTOM);
  self->in_use = ms_thunderbird_profile_path_is_in_use (canonical, NULL);
  return self;
}

MsThunderbirdProfile *
ms_thunderbird_profile_ref (MsThunderbirdProfile *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ms_thunderbird_profile_unref (MsThunderbirdProfile *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->path);
  g_free (self->name);
  g_free (self->root);
  g_free (self);
}

/**
 * ms_thunderbird_profile_get_path:
 * @self: a profile
 *
 * Returns: the profile directory (absolute, canonical; it may not exist)
 */
const char *
ms_thunderbird_profile_get_path (MsThunderbirdProfile *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

/**
 * ms_thunderbird_profile_get_name:
 * @self: a profile
 *
 * Returns: the name Thunderbird's profile manager shows
 */
const char *
ms_thunderbird_profile_get_name (MsThunderbirdProfile *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

/**
 * ms_thunderbird_profile_get_root:
 * @self: a profile
 *
 * Returns: the installation's directory (the one with profiles.ini)
 */
const char *
ms_thunderbird_profile_get_root (MsThunderbirdProfile *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->root;
}

MsThunderbirdInstallation
ms_thunderbird_profile_get_installation (MsThunderbirdProfile *self)
{
  g_return_val_if_fail (self != NULL, MS_THUNDERBIRD_INSTALLATION_CUSTOM);
  return self->installation;
}

/**
 * ms_thunderbird_profile_get_is_default:
 * @self: a profile
 *
 * Returns: whether its installation's Thunderbird starts with this profile
 */
gboolean
ms_thunderbird_profile_get_is_default (MsThunderbirdProfile *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->is_default;
}

/**
 * ms_thunderbird_profile_get_in_use:
 * @self: a profile
 *
 * Returns: whether a running Thunderbird had the profile open when it was found
 */
gboolean
ms_thunderbird_profile_get_in_use (MsThunderbirdProfile *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->in_use;
}

/* ---- profiles.ini --------------------------------------------------------------------------- */

static char *
resolve_descriptor (const char *root,
                    const char *descriptor,
                    gboolean    is_relative)
{
  if (is_relative)
    return g_canonicalize_filename (descriptor, root);
  if (!g_path_is_absolute (descriptor))
    return NULL;
  return g_canonicalize_filename (descriptor, NULL);
}

static MsThunderbirdProfile *
find_by_path (GPtrArray  *profiles,
              const char *path)
{
  for (guint i = 0; i < profiles->len; i++)
    {
      MsThunderbirdProfile *profile = g_ptr_array_index (profiles, i);

      if (g_strcmp0 (profile->path, path) == 0)
        return profile;
    }
  return NULL;
}

/* The first Install section whose Default names a listed profile. */
static MsThunderbirdProfile *
find_dedicated_default (MsMozIni   *ini,
                        const char *prefix,
                        const char *root,
                        GPtrArray  *profiles)
{
  GPtrArray *sections = _ms_moz_ini_get_sections (ini);

  for (guint i = 0; i < sections->len; i++)
    {
      const char *section = g_ptr_array_index (sections, i);
      const char *descriptor;
      g_autofree char *path = NULL;
      MsThunderbirdProfile *profile;

      if (!g_str_has_prefix (section, prefix))
        continue;
      descriptor = _ms_moz_ini_get (ini, section, "Default");
      if (descriptor == NULL || *descriptor == '\0')
        continue;
      path = resolve_descriptor (root, descriptor, !g_path_is_absolute (descriptor));
      profile = path != NULL ? find_by_path (profiles, path) : NULL;
      if (profile != NULL)
        return profile;
    }
  return NULL;
}

/**
 * ms_thunderbird_parse_profiles_ini:
 * @root: the directory holding the files
 * @installation: which installation they belong to
 * @profiles_ini: the bytes of profiles.ini
 * @installs_ini: (nullable): the bytes of installs.ini, if there is one
 *
 * Reads the profile list the way Thunderbird does (see the top of this file) and marks the
 * profile it starts with: the one an [Install…] section names (the first such section that names
 * a listed profile), else the one with Default=1, else the only one. The Snap ignores Install
 * sections. Malformed lines are skipped. Nothing on disk is looked at.
 *
 * Returns: (transfer container) (element-type MsThunderbirdProfile): the profiles, possibly none
 */
GPtrArray *
ms_thunderbird_parse_profiles_ini (const char               *root,
                                   MsThunderbirdInstallation installation,
                                   GBytes                   *profiles_ini,
                                   GBytes                   *installs_ini)
{
  g_autoptr (MsMozIni) ini = NULL;
  g_autoptr (GPtrArray) profiles = NULL;
  MsThunderbirdProfile *normal_default = NULL;
  MsThunderbirdProfile *chosen = NULL;

  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (profiles_ini != NULL, NULL);

  ini = _ms_moz_ini_new (profiles_ini);
  profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_thunderbird_profile_unref);

  for (guint n = 0; n < MAX_PROFILE_SECTIONS; n++)
    {
      g_autofree char *section = g_strdup_printf ("Profile%u", n);
      const char *is_relative = _ms_moz_ini_get (ini, section, "IsRelative");
      const char *descriptor;
      const char *name;
      const char *is_default;
      g_autofree char *path = NULL;
      MsThunderbirdProfile *profile;

      if (is_relative == NULL)
        break;
      descriptor = _ms_moz_ini_get (ini, section, "Path");
      name = _ms_moz_ini_get (ini, section, "Name");
      if (descriptor == NULL || name == NULL)
        continue;
      path = resolve_descriptor (root, descriptor, g_str_equal (is_relative, "1"));
      if (path == NULL)
        continue;

      profile = profile_new (path, name, root, installation);
      g_ptr_array_add (profiles, profile);
      is_default = _ms_moz_ini_get (ini, section, "Default");
      if (is_default != NULL && g_str_equal (is_default, "1"))
        normal_default = profile;
    }

  if (normal_default == NULL && profiles->len == 1)
    normal_default = g_ptr_array_index (profiles, 0);

  if (installation != MS_THUNDERBIRD_INSTALLATION_SNAP)
    {
      chosen = find_dedicated_default (ini, "Install", root, profiles);
      /* An old-style profiles.ini gets its Install sections from installs.ini. */
      if (chosen == NULL && installs_ini != NULL &&
          _ms_moz_ini_get (ini, "General", "Version") == NULL)
        {
          g_autoptr (MsMozIni) installs = _ms_moz_ini_new (installs_ini);

          chosen = find_dedicated_default (installs, "", root, profiles);
        }
    }
  if (chosen == NULL)
    chosen = normal_default;
  if (chosen != NULL)
    chosen->is_default = TRUE;

  return g_steal_pointer (&profiles);
}

/**
 * _ms_thunderbird_read_file:
 * @path: a regular file
 * @max_size: the most bytes to accept
 * @error: return location for an error (%G_IO_ERROR_NOT_FOUND when there is no such file)
 *
 * Returns: (transfer full) (nullable): the file's bytes
 */
GBytes *
_ms_thunderbird_read_file (const char *path,
                           gsize       max_size,
                           GError    **error)
{
  g_autofree char *buffer = NULL;
  gsize length = 0;
  gsize capacity;
  struct stat st;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not read %s: %s"), path, g_strerror (saved_errno));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _("Could not read %s: it is not a regular file"), path);
      close (fd);
      return NULL;
    }
  if ((guint64) st.st_size > max_size)
    {
      g_autofree char *limit = g_format_size (max_size);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Could not read %s: it is larger than %s"), path, limit);
      close (fd);
      return NULL;
    }

  /* Room for one byte more than fstat() saw tells a file that grew from one that did not; the
   * buffer grows with it, but never past one byte more than allowed. */
  capacity = (gsize) st.st_size + 1;
  buffer = g_malloc (capacity);
  for (;;)
    {
      gssize n;

      if (length == capacity)
        {
          if (capacity > max_size)
            break;
          capacity = MIN (capacity * 2, max_size + 1);
          buffer = g_realloc (buffer, capacity);
        }
      n = read (fd, buffer + length, capacity - length);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not read %s: %s"), path, g_strerror (saved_errno));
          close (fd);
          return NULL;
        }
      if (n == 0)
        break;
      length += n;
    }
  close (fd);

  if (length > max_size)
    {
      g_autofree char *limit = g_format_size (max_size);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Could not read %s: it is larger than %s"), path, limit);
      return NULL;
    }

  return g_bytes_new_take (g_realloc (g_steal_pointer (&buffer), MAX (length, 1)), length);
}

/**
 * _ms_thunderbird_write_file:
 * @path: where to write
 * @contents: the whole new file
 * @mode: its permissions
 * @error: return location for an error
 *
 * Replaces @path atomically: a temporary file in the same directory, written and synced, then
 * renamed over it. On failure the old file is untouched and no temporary file is left.
 *
 * Returns: whether it worked
 */
gboolean
_ms_thunderbird_write_file (const char *path,
                            GBytes     *contents,
                            int         mode,
                            GError    **error)
{
  gsize size;
  const char *data = g_bytes_get_data (contents, &size);

  return g_file_set_contents_full (path, data != NULL ? data : "", size,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   mode, error);
}

/**
 * _ms_thunderbird_get_mode:
 * @path: a file
 * @fallback: the mode for a file that does not exist yet
 *
 * Returns: the permission bits of @path, so that a replacement keeps them
 */
int
_ms_thunderbird_get_mode (const char *path,
                          int         fallback)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return fallback;
  return st.st_mode & 07777;
}

/**
 * ms_thunderbird_find_profiles:
 * @error: return location for an error reading a profile list that exists
 *
 * Looks for the profile lists of a native, Flatpak and Snap Thunderbird under the home directory
 * (g_get_home_dir()) and notes which profiles are open in a running Thunderbird.
 *
 * Returns: (transfer container) (element-type MsThunderbirdProfile): every profile, in the order
 *   native, Flatpak, Snap and then each list's own; empty when there is none
 */
GPtrArray *
ms_thunderbird_find_profiles (GError **error)
{
  static const MsThunderbirdInstallation installations[] = {
    MS_THUNDERBIRD_INSTALLATION_NATIVE,
    MS_THUNDERBIRD_INSTALLATION_FLATPAK,
    MS_THUNDERBIRD_INSTALLATION_SNAP,
  };
  g_autoptr (GPtrArray) all = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  all = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_thunderbird_profile_unref);

  for (guint i = 0; i < G_N_ELEMENTS (installations); i++)
    {
      g_autofree char *root = ms_thunderbird_get_installation_root (installations[i]);
      g_autofree char *profiles_path = g_build_filename (root, "profiles.ini", NULL);
      g_autofree char *installs_path = g_build_filename (root, "installs.ini", NULL);
      g_autoptr (GBytes) profiles_ini = NULL;
      g_autoptr (GBytes) installs_ini = NULL;
      g_autoptr (GPtrArray) profiles = NULL;
      g_autoptr (GError) local_error = NULL;

      profiles_ini = _ms_thunderbird_read_file (profiles_path, MS_THUNDERBIRD_MAX_INI_SIZE,
                                                &local_error);
      if (profiles_ini == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      installs_ini = _ms_thunderbird_read_file (installs_path, MS_THUNDERBIRD_MAX_INI_SIZE, NULL);

      profiles = ms_thunderbird_parse_profiles_ini (root, installations[i], profiles_ini,
                                                    installs_ini);
      for (guint j = 0; j < profiles->len; j++)
        {
          MsThunderbirdProfile *profile = g_ptr_array_index (profiles, j);

          profile->in_use = ms_thunderbird_profile_path_is_in_use (profile->path, NULL);
          g_ptr_array_add (all, ms_thunderbird_profile_ref (profile));
        }
    }

  return g_steal_pointer (&all);
}

static gint64
get_prefs_mtime (const char *profile_path)
{
  g_autofree char *prefs = g_build_filename (profile_path, "prefs.js", NULL);
  GStatBuf st;

  if (g_stat (prefs, &st) != 0)
    return 0;
  return st.st_mtime;
}

/**
 * ms_thunderbird_find_default_profile:
 * @error: return location for an error reading a profile list that exists
 *
 * Picks the profile an export without an explicit profile goes to: of the profiles each
 * installation starts with (see ms_thunderbird_parse_profiles_ini()) and whose directory exists,
 * the one whose prefs.js changed last (the Thunderbird the user actually uses); on a tie the
 * native installation before Flatpak before Snap.
 *
 * Returns: (transfer full) (nullable): the profile, or %NULL (without @error) when there is none
 */
MsThunderbirdProfile *
ms_thunderbird_find_default_profile (GError **error)
{
  g_autoptr (GPtrArray) profiles = ms_thunderbird_find_profiles (error);

  if (profiles == NULL)
    return NULL;
  return _ms_thunderbird_choose_default_profile (profiles);
}

/**
 * _ms_thunderbird_choose_default_profile:
 * @profiles: (element-type MsThunderbirdProfile): from ms_thunderbird_find_profiles()
 *
 * Returns: (transfer full) (nullable): see ms_thunderbird_find_default_profile()
 */
MsThunderbirdProfile *
_ms_thunderbird_choose_default_profile (GPtrArray *profiles)
{
  MsThunderbirdProfile *best = NULL;
  gint64 best_mtime = -1;

  for (guint i = 0; i < profiles->len; i++)
    {
      MsThunderbirdProfile *profile = g_ptr_array_index (profiles, i);
      gint64 mtime;

      if (!profile->is_default || !g_file_test (profile->path, G_FILE_TEST_IS_DIR))
        continue;
      mtime = get_prefs_mtime (profile->path);
      if (mtime > best_mtime)
        {
          best = profile;
          best_mtime = mtime;
        }
    }

  return best != NULL ? ms_thunderbird_profile_ref (best) : NULL;
}
