/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-thunderbird-lock"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-thunderbird-profile.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ms-thunderbird-private.h"

/* Is Thunderbird running with a profile? A running Thunderbird holds an fcntl write lock on
 * <profile>/.parentlock and points the symlink <profile>/lock at "<ip>:+<pid>"
 * (toolkit/profile/nsProfileLock.cpp); the symlink stays behind after it quits, so it
 * only counts while its pid is alive. Thunderbird rewrites prefs.js from memory (soon after any
 * pref change, and at exit): nothing may be written while it runs.
 *
 * The fcntl lock is the reliable sign, also for a Flatpak Thunderbird, whose pids live in another
 * namespace (its symlink's pid means nothing here: at worst a live one makes us refuse). */

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
