/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The test-bed's keyring: a private D-Bus session bus with gnome-keyring's secret service on
 * it, with throwaway HOME and XDG directories. */
#define G_LOG_DOMAIN "ms-testbed"

#include "config.h"

#include <string.h>

#include "ms-testbed-private.h"

/* gnome-keyring asks for a prompt when the login keyring's password is empty. */
#define KEYRING_PASSWORD "test"

static gboolean
write_pid_file (GSubprocess *process,
                const char  *path,
                GError     **error)
{
  g_autofree char *contents = g_strdup_printf ("%s\n", g_subprocess_get_identifier (process));

  return g_file_set_contents (path, contents, -1, error);
}

static GSubprocessLauncher *
new_keyring_launcher (const char     *keyring_dir,
                      GSubprocessFlags flags)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  static const struct
  {
    const char *variable;
    const char *subdir;
  } dirs[] = {
    { "HOME", "home" },
    { "XDG_RUNTIME_DIR", "run" },
    { "XDG_DATA_HOME", "data" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_CACHE_HOME", "cache" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (keyring_dir, dirs[i].subdir, NULL);

      g_subprocess_launcher_setenv (launcher, dirs[i].variable, path, TRUE);
    }

  /* Nothing of the developer's session: no prompt on their display, no real keyring. */
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "GNOME_KEYRING_CONTROL");
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");

  /* Their own sessions, so stop.sh can find every process they spawn. */
  g_subprocess_launcher_set_child_setup (launcher, _ms_testbed_become_session_leader, NULL, NULL);

  return g_steal_pointer (&launcher);
}

static char *
start_dbus_daemon (MsTestbed  *self,
                   const char *keyring_dir,
                   GError    **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GDataInputStream) output = NULL;
  g_autofree char *log = g_build_filename (keyring_dir, "dbus-daemon.log", NULL);
  g_autofree char *pid_file = g_build_filename (keyring_dir, "dbus.pid", NULL);
  g_autofree char *listen = g_strconcat ("--address=unix:path=", keyring_dir, "/bus", NULL);
  g_autofree char *address = NULL;
  g_autoptr (GError) local_error = NULL;

  launcher = new_keyring_launcher (keyring_dir, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_stderr_file_path (launcher, log);

  self->dbus_daemon = g_subprocess_launcher_spawn (launcher, error, "dbus-daemon", "--session",
                                                   "--nofork", "--nopidfile", "--print-address=1",
                                                   listen, NULL);
  if (self->dbus_daemon == NULL || !write_pid_file (self->dbus_daemon, pid_file, error))
    return NULL;

  /* It prints the address once it listens. */
  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->dbus_daemon));
  address = g_data_input_stream_read_line (output, NULL, NULL, &local_error);
  if (address == NULL)
    {
      g_autofree char *tail = _ms_testbed_read_log_tail (log);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "dbus-daemon did not start: %s. %s:\n%s",
                   local_error != NULL ? local_error->message : "no address", log, tail);
      return NULL;
    }

  return g_steal_pointer (&address);
}

static gboolean
start_keyring_daemon (MsTestbed  *self,
                      const char *keyring_dir,
                      const char *bus_address,
                      GError    **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree char *log = g_build_filename (keyring_dir, "gnome-keyring.log", NULL);
  g_autofree char *pid_file = g_build_filename (keyring_dir, "keyring.pid", NULL);
  GOutputStream *input;

  launcher = new_keyring_launcher (keyring_dir,
                                   G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", bus_address, TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);

  /* --unlock creates the login keyring with the password read from stdin, unlocked. */
  self->keyring_daemon = g_subprocess_launcher_spawn (launcher, error, "gnome-keyring-daemon",
                                                      "--foreground", "--unlock",
                                                      "--components=secrets", NULL);
  if (self->keyring_daemon == NULL || !write_pid_file (self->keyring_daemon, pid_file, error))
    return FALSE;

  input = g_subprocess_get_stdin_pipe (self->keyring_daemon);
  return g_output_stream_write_all (input, KEYRING_PASSWORD, strlen (KEYRING_PASSWORD), NULL, NULL,
                                    error) &&
         g_output_stream_close (input, NULL, error);
}

static gboolean
wait_for_secret_service (MsTestbed  *self,
                         const char *keyring_dir,
                         const char *bus_address,
                         GError    **error)
{
  g_autoptr (GDBusConnection) connection = NULL;
  gint64 deadline = g_get_monotonic_time () + MS_TESTBED_START_TIMEOUT_USEC;

  /* A private connection: the process's shared session-bus connection, if it has one, may
   * belong to another bus. */
  connection = g_dbus_connection_new_for_address_sync (
    bus_address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, error);
  if (connection == NULL)
    return FALSE;

  self->bus_guid = g_strdup (g_dbus_connection_get_guid (connection));

  for (;;)
    {
      g_autoptr (GVariant) reply = NULL;
      gboolean has_owner = FALSE;

      reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                           "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                           "NameHasOwner",
                                           g_variant_new ("(s)", "org.freedesktop.secrets"),
                                           G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 1000,
                                           NULL, error);
      if (reply == NULL)
        return FALSE;

      g_variant_get (reply, "(b)", &has_owner);
      if (has_owner)
        break;

      if (g_subprocess_get_identifier (self->keyring_daemon) == NULL ||
          g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = g_build_filename (keyring_dir, "gnome-keyring.log", NULL);
          g_autofree char *tail = _ms_testbed_read_log_tail (log);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "gnome-keyring-daemon did not provide org.freedesktop.secrets. %s:\n%s",
                       log, tail);
          return FALSE;
        }

      g_usleep (MS_TESTBED_POLL_INTERVAL_USEC);
    }

  return g_dbus_connection_close_sync (connection, NULL, error);
}

gboolean
_ms_testbed_start_keyring (MsTestbed *self,
                           GError   **error)
{
  g_autofree char *keyring_dir = g_build_filename (self->dir, "keyring", NULL);
  g_autofree char *bus_address = NULL;
  const char *subdirs[] = { "home", "run", "data", "config", "cache" };

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (keyring_dir, subdirs[i], NULL);

      if (!_ms_testbed_make_dir (path, 0700, error))
        return FALSE;
    }

  bus_address = start_dbus_daemon (self, keyring_dir, error);
  if (bus_address == NULL || !start_keyring_daemon (self, keyring_dir, bus_address, error) ||
      !wait_for_secret_service (self, keyring_dir, bus_address, error))
    return FALSE;

  /* From here on, whatever in this process connects to "the session bus" gets ours. */
  self->saved_bus_address = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", bus_address, TRUE);
  self->bus_address_replaced = TRUE;

  /* The shared connection terminates the process when the bus closes it: ms_testbed_stop()
   * closes it first. If the process had its shared connection already, to another bus, that
   * stays the shared connection. */
  self->session_bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  if (self->session_bus == NULL)
    return FALSE;
  if (g_strcmp0 (g_dbus_connection_get_guid (self->session_bus), self->bus_guid) != 0)
    g_clear_object (&self->session_bus);

  return TRUE;
}

