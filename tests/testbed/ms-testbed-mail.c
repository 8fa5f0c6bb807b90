/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The test-bed's mail servers: Dovecot (IMAP, POP3, SASL for Postfix) and Postfix
 * (submission), from the templates dovecot.conf.in, postfix-main.cf.in and
 * postfix-master.cf.in, on free loopback ports or, in a network namespace of the caller's own,
 * on the standard ones. */
#define G_LOG_DOMAIN "ms-testbed"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "ms-testbed-private.h"

/* The template placeholder for each listener's port. */
static const char *const port_variables[MS_TESTBED_N_LISTENERS] = {
  [MS_TESTBED_IMAP_STARTTLS] = "IMAP_STARTTLS_PORT",
  [MS_TESTBED_IMAP_TLS] = "IMAP_TLS_PORT",
  [MS_TESTBED_POP3_STARTTLS] = "POP3_STARTTLS_PORT",
  [MS_TESTBED_POP3_TLS] = "POP3_TLS_PORT",
  [MS_TESTBED_SMTP_STARTTLS] = "SMTP_STARTTLS_PORT",
  [MS_TESTBED_SMTP_TLS] = "SMTP_TLS_PORT",
};

/* With MsTestbedOptions.standard_ports. */
static const guint16 standard_ports[MS_TESTBED_N_LISTENERS] = {
  [MS_TESTBED_IMAP_STARTTLS] = 143,
  [MS_TESTBED_IMAP_TLS] = 993,
  [MS_TESTBED_POP3_STARTTLS] = 110,
  [MS_TESTBED_POP3_TLS] = 995,
  [MS_TESTBED_SMTP_STARTTLS] = 587,
  [MS_TESTBED_SMTP_TLS] = 465,
};

/* Runs a server's start command, which daemonizes, with its output going to @log_path. The
 * output must not go to a pipe of ours: the daemon would hold it open. */
static gboolean
run_start_command (const char * const *argv,
                   const char         *log_path,
                   GError            **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) local_error = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);

  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return FALSE;

  if (!g_subprocess_wait_check (process, NULL, &local_error))
    {
      g_autofree char *command = g_strjoinv (" ", (char **) argv);
      g_autofree char *log = _ms_testbed_read_log_tail (log_path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "“%s” failed (%s). %s:\n%s", command,
                   local_error->message, log_path, log);
      return FALSE;
    }

  return TRUE;
}

/* Asks the kernel for free ports: bind to port 0, read the port, and close again. All
 * sockets stay open until every port is picked, so the ports differ from each other. */
static gboolean
pick_free_ports (guint16 *ports,
                 guint    n_ports,
                 GError **error)
{
  int fds[MS_TESTBED_N_LISTENERS + 1];
  gboolean ok = TRUE;
  guint n_open = 0;

  g_assert (n_ports <= G_N_ELEMENTS (fds));

  for (; n_open < n_ports && ok; n_open++)
    {
      struct sockaddr_in address = { 0 };
      socklen_t length = sizeof address;

      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

      fds[n_open] = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fds[n_open] < 0 || bind (fds[n_open], (struct sockaddr *) &address, length) != 0 ||
          getsockname (fds[n_open], (struct sockaddr *) &address, &length) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Cannot pick a free port on " MS_TESTBED_HOST ": %s",
                       g_strerror (saved_errno));
          ok = FALSE;
        }
      else
        {
          ports[n_open] = ntohs (address.sin_port);
        }
    }

  for (guint i = 0; i < n_open; i++)
    {
      if (fds[i] >= 0)
        close (fds[i]);
    }

  return ok;
}

static gboolean
port_accepts (guint16 port)
{
  struct sockaddr_in address = { 0 };
  gboolean accepted;
  int fd;

  address.sin_family = AF_INET;
  address.sin_port = htons (port);
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;

  accepted = connect (fd, (struct sockaddr *) &address, sizeof address) == 0;
  close (fd);

  return accepted;
}

static gboolean
wait_for_port (guint16     port,
               const char *server,
               const char *log_path,
               gint64      deadline,
               GError    **error)
{
  while (!port_accepts (port))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = _ms_testbed_read_log_tail (log_path);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "%s does not accept connections on " MS_TESTBED_HOST
                       ":%u after %d s. %s:\n%s",
                       server, port, (int) (MS_TESTBED_START_TIMEOUT_USEC / G_USEC_PER_SEC),
                       log_path, log);
          return FALSE;
        }
      g_usleep (MS_TESTBED_POLL_INTERVAL_USEC);
    }

  return TRUE;
}

static gboolean
add_passwd_entry (GString             *passwd,
                  const MsTestbedUser *user,
                  const char          *home,
                  uid_t                uid,
                  gid_t                gid,
                  GError             **error)
{
  g_assert (strpbrk (user->login, ":\n") == NULL);
  g_assert (strpbrk (user->password, ":\n") == NULL);

  if (!_ms_testbed_make_dir (home, 0700, error) ||
      !_ms_testbed_change_owner (home, uid, gid, error))
    return FALSE;

  g_string_append_printf (passwd, "%s:{PLAIN}%s:%u:%u::%s::\n", user->login, user->password,
                          (guint) uid, (guint) gid, home);
  return TRUE;
}

static gboolean
write_users (MsTestbed *self,
             GError   **error)
{
  g_autoptr (GString) passwd = g_string_new (NULL);
  g_autofree char *passwd_path = g_build_filename (self->dir, "dovecot", "passwd", NULL);
  g_autofree char *mail_dir = g_build_filename (self->dir, "mail", NULL);
  uid_t uid;
  gid_t gid;

  /* Mail must belong to a user other than root. */
  if (!_ms_testbed_lookup_user ("nobody", &uid, error) ||
      !_ms_testbed_lookup_group ("nogroup", &gid, error) ||
      !_ms_testbed_make_dir (mail_dir, 0755, error))
    return FALSE;

  for (guint i = 0; i < MS_TESTBED_N_USERS; i++)
    {
      const MsTestbedUser *user = ms_testbed_get_user (self, i);
      g_autofree char *local_part = g_strndup (user->address, strcspn (user->address, "@"));
      g_autofree char *home = g_build_filename (mail_dir, local_part, NULL);

      if (!add_passwd_entry (passwd, user, home, uid, gid, error))
        return FALSE;
    }

  /* The same users in each user domain, each with a home of its own; a user whose login is
   * the local part alone is the same account in every domain. */
  for (guint d = 0; self->user_domains[d] != NULL; d++)
    {
      for (guint i = 0; i < MS_TESTBED_N_USERS; i++)
        {
          const MsTestbedUser *user =
            ms_testbed_get_domain_user (self, i, self->user_domains[d]);
          g_autofree char *home = g_build_filename (mail_dir, user->login, NULL);

          if (g_str_equal (user->login, ms_testbed_get_user (self, i)->login))
            continue;
          if (!add_passwd_entry (passwd, user, home, uid, gid, error))
            return FALSE;
        }
    }

  /* Dovecot's auth process, which reads it, runs as the group dovecot. */
  return _ms_testbed_lookup_group ("dovecot", &gid, error) &&
         g_file_set_contents_full (passwd_path, passwd->str, passwd->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0640, error) &&
         _ms_testbed_change_owner (passwd_path, 0, gid, error);
}

static gboolean
start_dovecot (MsTestbed  *self,
               GHashTable *variables,
               GError    **error)
{
  g_autofree char *dovecot_dir = g_build_filename (self->dir, "dovecot", NULL);
  g_autofree char *run_dir = g_build_filename (dovecot_dir, "run", NULL);
  g_autofree char *state_dir = g_build_filename (dovecot_dir, "state", NULL);
  g_autofree char *config = g_build_filename (dovecot_dir, "dovecot.conf", NULL);
  g_autofree char *output_log = g_build_filename (dovecot_dir, "output.log", NULL);
  const char *argv[] = { "dovecot", "-c", config, NULL };

  if (!_ms_testbed_make_dir (run_dir, 0755, error) ||
      !_ms_testbed_make_dir (state_dir, 0750, error) ||
      !write_users (self, error) ||
      !_ms_testbed_write_from_template ("dovecot.conf.in", config, variables, error))
    return FALSE;

  return run_start_command (argv, output_log, error);
}

/* Postfix rereads a configuration file every 300 ms until its modification time is over a
 * second old, in case someone is still writing it: a fresh one would cost seconds. */
static gboolean
backdate_file (const char *path,
               GError    **error)
{
  struct utimbuf times;

  times.actime = times.modtime = time (NULL) - 60;
  if (g_utime (path, &times) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot set the modification time of %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static gboolean
make_postfix_queue (const char *spool_dir,
                    GError    **error)
{
  static const struct
  {
    const char *name;
    gboolean postdrop_group;
    int mode;
  } queues[] = {
    { "active", FALSE, 0700 },  { "bounce", FALSE, 0700 },  { "corrupt", FALSE, 0700 },
    { "defer", FALSE, 0700 },   { "deferred", FALSE, 0700 }, { "flush", FALSE, 0700 },
    { "hold", FALSE, 0700 },    { "incoming", FALSE, 0700 }, { "private", FALSE, 0700 },
    { "saved", FALSE, 0700 },   { "trace", FALSE, 0700 },    { "maildrop", TRUE, 0730 },
    { "public", TRUE, 0710 },
  };
  g_autofree char *pid_dir = g_build_filename (spool_dir, "pid", NULL);
  g_autofree char *quick_start = g_build_filename (spool_dir, "quick-start", NULL);
  uid_t postfix_uid;
  gid_t postdrop_gid;

  if (!_ms_testbed_lookup_user ("postfix", &postfix_uid, error) ||
      !_ms_testbed_lookup_group ("postdrop", &postdrop_gid, error) ||
      !_ms_testbed_make_dir (pid_dir, 0755, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (queues); i++)
    {
      g_autofree char *path = g_build_filename (spool_dir, queues[i].name, NULL);
      gid_t gid = queues[i].postdrop_group ? postdrop_gid : 0;

      if (!_ms_testbed_make_dir (path, queues[i].mode, error) ||
          !_ms_testbed_change_owner (path, postfix_uid, gid, error))
        return FALSE;
    }

  /* With this marker `postfix start` skips its integrity checks, which take seconds (they walk
   * /etc/postfix and /usr/lib/postfix); the queue above is what they would have created. */
  return g_file_set_contents (quick_start, "", 0, error);
}

static char *
diagnose_postfix (const char *config_dir)
{
  const char *argv[] = { "postfix", "-c", config_dir, "check", NULL };
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *output = NULL;

  process = g_subprocess_newv (argv,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               NULL);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, NULL))
    return g_strdup ("(postfix check did not run)");

  g_strchomp (output);
  return g_strdup_printf ("postfix check: %s", output[0] != '\0' ? output : "(no complaint)");
}

static gboolean
start_postfix (MsTestbed  *self,
               GHashTable *variables,
               GError    **error)
{
  g_autofree char *postfix_dir = g_build_filename (self->dir, "postfix", NULL);
  g_autofree char *config_dir = g_build_filename (postfix_dir, "etc", NULL);
  g_autofree char *spool_dir = g_build_filename (postfix_dir, "spool", NULL);
  g_autofree char *data_dir = g_build_filename (postfix_dir, "lib", NULL);
  g_autofree char *main_cf = g_build_filename (config_dir, "main.cf", NULL);
  g_autofree char *master_cf = g_build_filename (config_dir, "master.cf", NULL);
  g_autofree char *output_log = g_build_filename (postfix_dir, "output.log", NULL);
  g_autofree char *maillog = g_build_filename (postfix_dir, "maillog", NULL);
  const char *argv[] = { "postfix", "-c", config_dir, "start", NULL };
  g_autoptr (GError) local_error = NULL;
  uid_t postfix_uid;

  if (!_ms_testbed_lookup_user ("postfix", &postfix_uid, error) ||
      !_ms_testbed_make_dir (config_dir, 0755, error) ||
      !_ms_testbed_make_dir (spool_dir, 0755, error) ||
      !make_postfix_queue (spool_dir, error) ||
      !_ms_testbed_make_dir (data_dir, 0700, error) ||
      !_ms_testbed_change_owner (data_dir, postfix_uid, 0, error) ||
      !_ms_testbed_write_from_template ("postfix-main.cf.in", main_cf, variables, error) ||
      !_ms_testbed_write_from_template ("postfix-master.cf.in", master_cf, variables, error) ||
      !backdate_file (main_cf, error) || !backdate_file (master_cf, error))
    return FALSE;

  /* A failing `postfix start` says why only on a terminal, or in the maillog once postlogd
   * runs; `postfix check` says it on stderr. */
  if (!run_start_command (argv, output_log, &local_error))
    {
      g_autofree char *log = _ms_testbed_read_log_tail (maillog);
      g_autofree char *check = diagnose_postfix (config_dir);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s\n%s:\n%s\n%s", local_error->message,
                   maillog, log, check);
      return FALSE;
    }

  return TRUE;
}

static gboolean
wait_for_mail_servers (MsTestbed *self,
                       GError   **error)
{
  g_autofree char *dovecot_log = g_build_filename (self->dir, "dovecot", "dovecot.log", NULL);
  g_autofree char *postfix_log = g_build_filename (self->dir, "postfix", "maillog", NULL);
  gint64 deadline = g_get_monotonic_time () + MS_TESTBED_START_TIMEOUT_USEC;

  for (guint i = 0; i < MS_TESTBED_N_LISTENERS; i++)
    {
      gboolean is_smtp = g_str_equal (ms_testbed_listener_protocol (i), "smtp");

      if (!wait_for_port (self->ports[i], is_smtp ? "Postfix" : "Dovecot",
                          is_smtp ? postfix_log : dovecot_log, deadline, error))
        return FALSE;
    }

  return wait_for_port (self->auth_port, "Dovecot (auth)", dovecot_log, deadline, error);
}

gboolean
_ms_testbed_start_mail_servers (MsTestbed  *self,
                                GHashTable *variables,
                                GError    **error)
{
  guint16 ports[MS_TESTBED_N_LISTENERS + 1];

  /* Dovecot's SASL listener for Postfix always gets a free port: it has no standard one. */
  if (self->standard_ports)
    {
      memcpy (ports, standard_ports, sizeof standard_ports);
      if (!pick_free_ports (ports + MS_TESTBED_N_LISTENERS, 1, error))
        return FALSE;
    }
  else if (!pick_free_ports (ports, G_N_ELEMENTS (ports), error))
    {
      return FALSE;
    }

  for (guint i = 0; i < MS_TESTBED_N_LISTENERS; i++)
    {
      self->ports[i] = ports[i];
      g_hash_table_insert (variables, (char *) port_variables[i],
                           g_strdup_printf ("%u", ports[i]));
    }
  self->auth_port = ports[MS_TESTBED_N_LISTENERS];
  g_hash_table_insert (variables, (char *) "AUTH_PORT", g_strdup_printf ("%u", self->auth_port));

  return start_dovecot (self, variables, error) && start_postfix (self, variables, error) &&
         wait_for_mail_servers (self, error);
}
