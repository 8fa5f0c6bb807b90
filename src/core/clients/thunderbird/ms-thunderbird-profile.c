/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-thunderbird-profile"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-thunderbird-profile.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
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
 * - Thunderbird's first start with a profiles.ini it has never seen (no Install section for
 *   itself) adopts the Default=1 profile only if that profile has a compatibility.ini, and it
 *   does not name another installation's directory; otherwise it makes a profile of its own. So
 *   a profile we create carries a compatibility.ini with an empty [Compatibility] section (checked
 *   with Thunderbird 153: it adopts the profile and fills the file in).
 * - A running Thunderbird holds an fcntl write lock on <profile>/.parentlock and points the
 *   symlink <profile>/lock at "<ip>:+<pid>"; the symlink stays behind after it quits. */

#define MAX_PROFILE_SECTIONS 10000
#define NEW_PROFILE_NAME "default-release"

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

/* ---- is Thunderbird running? ---------------------------------------------------------------- */

/* F_GETLK reports a lock held by another process; it never takes one, so it cannot disturb a
 * lock this process holds on another descriptor of the file (closing one would). */
static gboolean
parentlock_is_held (const char *profile_path,
                    GPid       *out_pid)
{
  g_autofree char *path = g_build_filename (profile_path, ".parentlock", NULL);
  struct flock lock = { 0 };
  int fd;
  int result;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    return FALSE;

  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;
  result = fcntl (fd, F_GETLK, &lock);
  close (fd);

  if (result != 0 || lock.l_type == F_UNLCK)
    return FALSE;
  if (out_pid != NULL)
    *out_pid = lock.l_pid;
  return TRUE;
}

/* "<ip>:+<pid>" (or "<ip>:<pid>" from versions without fcntl locking). */
static gboolean
lock_symlink_is_live (const char *profile_path,
                      GPid       *out_pid)
{
  g_autofree char *path = g_build_filename (profile_path, "lock", NULL);
  g_autofree char *target = g_file_read_link (path, NULL);
  const char *colon;
  const char *digits;
  guint64 pid;
  char *end;

  if (target == NULL)
    return FALSE;
  colon = strrchr (target, ':');
  if (colon == NULL)
    return FALSE;
  digits = colon[1] == '+' ? colon + 2 : colon + 1;
  if (!g_ascii_isdigit (*digits))
    return FALSE;
  pid = g_ascii_strtoull (digits, &end, 10);
  if (*end != '\0' || pid == 0 || pid > G_MAXINT32)
    return FALSE;

  /* EPERM: alive, but someone else's. */
  if (kill ((pid_t) pid, 0) != 0 && errno != EPERM)
    return FALSE;
  if (out_pid != NULL)
    *out_pid = (GPid) pid;
  return TRUE;
}

/**
 * ms_thunderbird_profile_path_is_in_use:
 * @profile_path: a profile directory
 * @out_pid: (out) (optional): the process that has it open
 *
 * A profile is in use while another process holds an fcntl lock on its .parentlock, or while
 * its lock symlink names a live process. A lock symlink left behind by a Thunderbird that quit
 * (its pid is gone) does not count.
 *
 * Returns: whether a running Thunderbird has the profile open
 */
gboolean
ms_thunderbird_profile_path_is_in_use (const char *profile_path,
                                       GPid       *out_pid)
{
  g_return_val_if_fail (profile_path != NULL, FALSE);

  return parentlock_is_held (profile_path, out_pid) || lock_symlink_is_live (profile_path, out_pid);
}

static void
set_in_use_error (GError    **error,
                  const char *profile_path)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
               _("Thunderbird is running with the profile %s. Close Thunderbird, then try "
                 "again."),
               profile_path);
}

/**
 * ms_thunderbird_check_not_in_use:
 * @profile_path: a profile directory
 * @error: return location for a translated %G_IO_ERROR_BUSY that says to close Thunderbird
 *
 * Returns: whether no running Thunderbird has the profile open
 */
gboolean
ms_thunderbird_check_not_in_use (const char *profile_path,
                                 GError    **error)
{
  g_return_val_if_fail (profile_path != NULL, FALSE);

  if (ms_thunderbird_profile_path_is_in_use (profile_path, NULL))
    {
      set_in_use_error (error, profile_path);
      return FALSE;
    }
  return TRUE;
}

/**
 * _ms_thunderbird_lock_profile:
 * @profile_path: a profile directory
 * @out_fd: (out): a descriptor holding the profile's .parentlock, or -1 when it has none; close
 *   it to let go
 * @error: return location for %G_IO_ERROR_BUSY when Thunderbird has the profile open
 *
 * Takes the lock Thunderbird itself takes, so that it cannot start on the profile while we
 * write. While it is held, do not call ms_thunderbird_profile_path_is_in_use() on the same
 * profile: closing any descriptor of the file drops an fcntl lock.
 *
 * Returns: whether the profile is ours for now
 */
gboolean
_ms_thunderbird_lock_profile (const char *profile_path,
                              int        *out_fd,
                              GError    **error)
{
  g_autofree char *path = g_build_filename (profile_path, ".parentlock", NULL);
  struct flock lock = { 0 };
  int fd;

  *out_fd = -1;

  fd = g_open (path, O_RDWR | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    return ms_thunderbird_check_not_in_use (profile_path, error);

  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;
  if (fcntl (fd, F_SETLK, &lock) != 0)
    {
      int saved_errno = errno;

      close (fd);
      if (saved_errno == EAGAIN || saved_errno == EACCES)
        {
          set_in_use_error (error, profile_path);
          return FALSE;
        }
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not lock the profile %s: %s"), profile_path, g_strerror (saved_errno));
      return FALSE;
    }

  if (lock_symlink_is_live (profile_path, NULL))
    {
      close (fd);
      set_in_use_error (error, profile_path);
      return FALSE;
    }

  *out_fd = fd;
  return TRUE;
}

/* ---- a profile from nothing ----------------------------------------------------------------- */

/* Where a Thunderbird that has never run keeps its profiles: a Flatpak or Snap one has made its
 * own data directory when it was installed or first opened; otherwise the native place. */
static char *
choose_new_root (void)
{
  const char *home = g_get_home_dir ();
  g_autofree char *native = ms_thunderbird_get_installation_root (MS_THUNDERBIRD_INSTALLATION_NATIVE);
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
