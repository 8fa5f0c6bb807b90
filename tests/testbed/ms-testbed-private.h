/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared between the parts of the test-bed: ms-testbed.c (directory, guardian, lifecycle and the
 * helpers below), ms-testbed-certs.c, ms-testbed-mail.c and ms-testbed-keyring.c. */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include "ms-testbed.h"

G_BEGIN_DECLS

#define MS_TESTBED_HOST "127.0.0.1"

/* How long the servers get to come up, and how often we look. */
#define MS_TESTBED_START_TIMEOUT_USEC  (10 * G_USEC_PER_SEC)
#define MS_TESTBED_POLL_INTERVAL_USEC  (20 * 1000)

struct _MsTestbed
{
  char *dir;
  char *stop_script;
  char *ca_file;
  char *cert_files[MS_TESTBED_N_CERTS];
  char *key_files[MS_TESTBED_N_CERTS];
  guint16 ports[MS_TESTBED_N_LISTENERS];
  guint16 auth_port;

  /* From MsTestbedOptions */
  gboolean standard_ports;
  GStrv extra_names;
  GStrv user_domains;
  /* MS_TESTBED_N_USERS per user domain, in the order of user_domains; MsTestbedUser of
   * strings allocated with it (freed by ms_testbed_stop()) */
  MsTestbedUser *domain_users;

  /* The guardian runs stop.sh when the write end of its stdin pipe, which only this process
   * holds, closes: at ms_testbed_stop(), or when this process dies in any way. */
  GSubprocess *guardian;
  int guardian_fd;

  GSubprocess *dbus_daemon;
  GSubprocess *keyring_daemon;
  char *bus_guid;
  gboolean bus_address_replaced;
  char *saved_bus_address;
  GDBusConnection *session_bus;
};

void      _ms_testbed_become_session_leader (gpointer user_data);
char     *_ms_testbed_read_log_tail (const char *path);
gboolean  _ms_testbed_write_from_template (const char *template_name,
                                           const char *path,
                                           GHashTable *variables,
                                           GError    **error);
gboolean  _ms_testbed_make_dir (const char *path,
                                int         mode,
                                GError    **error);
gboolean  _ms_testbed_change_owner (const char *path,
                                    uid_t       uid,
                                    gid_t       gid,
                                    GError    **error);
gboolean  _ms_testbed_lookup_user (const char *name,
                                   uid_t      *uid,
                                   GError    **error);
gboolean  _ms_testbed_lookup_group (const char *name,
                                    gid_t      *gid,
                                    GError    **error);
gboolean  _ms_testbed_run_command (const char * const *argv,
                                   GError            **error);

gboolean  _ms_testbed_make_certificates (MsTestbed  *self,
                                         GHashTable *variables,
                                         GError    **error);
gboolean  _ms_testbed_start_mail_servers (MsTestbed  *self,
                                          GHashTable *variables,
                                          GError    **error);
gboolean  _ms_testbed_start_keyring (MsTestbed *self,
                                     GError   **error);

G_END_DECLS
