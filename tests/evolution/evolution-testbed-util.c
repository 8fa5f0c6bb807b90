/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "evolution-testbed-util.h"

#include <gio/gio.h>
#include <libsecret/secret.h>

static void
on_connection_gone (gpointer user_data,
                    GObject *where_the_object_was)
{
  gboolean *gone = user_data;

  *gone = TRUE;
}

/**
 * test_testbed_stop:
 * @testbed: a test-bed started with %MS_TESTBED_KEYRING
 *
 * Stops @testbed as g_test_dbus_down() stops its bus: this process's shared session-bus
 * connection, on @testbed's bus, must not end the process when the bus goes (its exit-on-close)
 * and must be gone before the next test asks for "the session bus" — else that test gets the
 * closed connection of this one. libsecret's SecretService holds it, the test-bed holds it, and
 * the closing holds it in an idle until the main context runs.
 */
void
test_testbed_stop (MsTestbed *testbed)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *connection;
  gboolean gone = FALSE;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  secret_service_disconnect ();

  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_object_weak_ref (G_OBJECT (connection), on_connection_gone, &gone);
  g_object_unref (connection);

  ms_testbed_stop (testbed);

  while (!gone)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (10 * 1000);
    }
}
