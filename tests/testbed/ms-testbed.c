/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-testbed"

#include "config.h"

#include "ms-testbed.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "ms-testbed-private.h"

/* The templates (dovecot.conf.in, …) are read from the source tree at run time. */
#ifndef MS_TESTBED_SRCDIR
#error "MS_TESTBED_SRCDIR must name tests/testbed in the source tree"
#endif

/* How much of a server's log goes into an error message. */
#define LOG_TAIL_LINES 15

static const struct
{
  const char *protocol;
  gboolean starttls;
} listener_info[MS_TESTBED_N_LISTENERS] = {
  [MS_TESTBED_IMAP_STARTTLS] = { "imap", TRUE },
  [MS_TESTBED_IMAP_TLS] = { "imap", FALSE },
  [MS_TESTBED_POP3_STARTTLS] = { "pop3", TRUE },
  [MS_TESTBED_POP3_TLS] = { "pop3", FALSE },
  [MS_TESTBED_SMTP_STARTTLS] = { "smtp", TRUE },
  [MS_TESTBED_SMTP_TLS] = { "smtp", FALSE },
};

/* Throwaway credentials, known only to the test-bed's own servers. Passwords must not contain
 * ':' or a newline, the separators of Dovecot's passwd-file. */
static const MsTestbedUser users[MS_TESTBED_N_USERS] = {
  [MS_TESTBED_USER_FULL_ADDRESS] = { "alice@example.test", "alice@example.test", "alice-Pa55" },
  [MS_TESTBED_USER_LOCAL_PART] = { "bob@example.test", "bob", "bob-Pa55" },
  /* q"u\o{te} wörd€ */
  [MS_TESTBED_USER_SPECIAL_PASSWORD] = { "carol@example.test", "carol@example.test",
                                         "q\"u\\o{te} w\303\266rd\342\202\254" },
};

void
_ms_testbed_become_session_leader (gpointer user_data)
{
  setsid ();
}

char *
_ms_testbed_read_log_tail (const char *path)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  guint n_lines;
  guint first;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup_printf ("(%s: no log)", path);

  g_strchomp (contents);
  if (contents[0] == '\0')
    return g_strdup_printf ("(%s: empty)", path);

  lines = g_strsplit (contents, "\n", -1);
  n_lines = g_strv_length (lines);
  first = n_lines > LOG_TAIL_LINES ? n_lines - LOG_TAIL_LINES : 0;

  return g_strjoinv ("\n", lines + first);
}

/* Replaces each @NAME@ in @text by its value in @variables. An unknown @NAME@ is an error: it
 * is a typo in a template, not something to pass on to a server. */
static char *
expand_template (const char *text,
                 GHashTable *variables,
                 GError    **error)
{
  g_autoptr (GString) result = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      const char *at = strchr (p, '@');
      const char *end;

      if (at == NULL)
        {
          g_string_append (result, p);
          break;
        }

      g_string_append_len (result, p, at - p);

      end = at + 1;
      while (g_ascii_isupper (*end) || g_ascii_isdigit (*end) || *end == '_')
        end++;

      if (*end == '@' && end > at + 1)
        {
          g_autofree char *name = g_strndup (at + 1, end - at - 1);
          const char *value = g_hash_table_lookup (variables, name);

          if (value == NULL)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Unknown placeholder @%s@ in a test-bed template", name);
              return NULL;
            }
          g_string_append (result, value);
          p = end + 1;
        }
      else
        {
          g_string_append_c (result, '@');
          p = at + 1;
        }
    }

  return g_string_free (g_steal_pointer (&result), FALSE);
}

gboolean
_ms_testbed_write_from_template (const char *template_name,
                                 const char *path,
                                 GHashTable *variables,
                                 GError    **error)
{
  g_autofree char *template_path = g_build_filename (MS_TESTBED_SRCDIR, template_name, NULL);
  g_autofree char *text = NULL;
  g_autofree char *expanded = NULL;

  if (!g_file_get_contents (template_path, &text, NULL, error))
    return FALSE;

  expanded = expand_template (text, variables, error);
  if (expanded == NULL)
    {
      g_prefix_error (error, "%s: ", template_path);
      return FALSE;
    }

  return g_file_set_contents (path, expanded, -1, error);
}

gboolean
_ms_testbed_make_dir (const char *path,
                      int         mode,
                      GError    **error)
{
  if (g_mkdir_with_parents (path, mode) != 0 || g_chmod (path, mode) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

gboolean
_ms_testbed_change_owner (const char *path,
                          uid_t       uid,
                          gid_t       gid,
                          GError    **error)
{
  if (chown (path, uid, gid) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot change the owner of %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

gboolean
_ms_testbed_lookup_user (const char *name,
                         uid_t      *uid,
                         GError    **error)
{
  struct passwd *entry = getpwnam (name);

  if (entry == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "The mail test-bed needs the system user “%s”: run tools/install-deps --test",
                   name);
      return FALSE;
    }

  *uid = entry->pw_uid;
  return TRUE;
}

gboolean
_ms_testbed_lookup_group (const char *name,
                          gid_t      *gid,
                          GError    **error)
{
  struct group *entry = getgrnam (name);

  if (entry == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "The mail test-bed needs the system group “%s”: run tools/install-deps --test",
                   name);
      return FALSE;
    }

  *gid = entry->gr_gid;
  return TRUE;
}

/* Runs a short-lived command to its end; on failure its output goes into @error. */
gboolean
_ms_testbed_run_command (const char * const *argv,
                         GError            **error)
{
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *output = NULL;

  process = g_subprocess_newv (argv,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               error);
  if (process == NULL)
    return FALSE;

  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, error))
    return FALSE;

  if (!g_subprocess_get_successful (process))
    {
      g_autofree char *command = g_strjoinv (" ", (char **) argv);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "“%s” failed:\n%s", command,
                   g_strchomp (output));
      return FALSE;
    }

  return TRUE;
}

static gboolean
start_guardian (MsTestbed *self,
                GError   **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  int fds[2];

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return FALSE;

  /* Its own session: the guardian must outlive a kill of the test's process group. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_take_stdin_fd (launcher, fds[0]);
  g_subprocess_launcher_set_child_setup (launcher, _ms_testbed_become_session_leader, NULL, NULL);

  self->guardian = g_subprocess_launcher_spawn (launcher, error, "/bin/sh", "-c",
                                                "cat >/dev/null; exec sh \"$0\"",
                                                self->stop_script, NULL);
  if (self->guardian == NULL)
    {
      close (fds[1]);
      return FALSE;
    }

  self->guardian_fd = fds[1];
  return TRUE;
}

static gboolean
check_tmp_dir (const char *tmp_dir,
               GError    **error)
{
  /* The directory goes unquoted into server configs and stop.sh, and Unix socket paths
   * below it must stay under 108 bytes. */
  if (tmp_dir[0] != '/' || strlen (tmp_dir) > 40 ||
      tmp_dir[strspn (tmp_dir, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS "/._-")] != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   "The mail test-bed needs a temporary directory with a short, plain path, not "
                   "“%s”: set TMPDIR=/tmp",
                   tmp_dir);
      return FALSE;
    }

  return TRUE;
}

static gboolean
make_testbed_dir (MsTestbed *self,
                  GError   **error)
{
  g_autofree char *template = NULL;

  if (!check_tmp_dir (g_get_tmp_dir (), error))
    return FALSE;

  template = g_build_filename (g_get_tmp_dir (), "ms-testbed-XXXXXX", NULL);
  if (g_mkdtemp (template) == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create the test-bed directory %s: %s", template,
                   g_strerror (saved_errno));
      return FALSE;
    }
  self->dir = g_steal_pointer (&template);

  /* postfix, dovecot and nobody must be able to walk into it. */
  return _ms_testbed_make_dir (self->dir, 0755, error);
}

/* Names go unquoted into openssl.cnf and Dovecot's passwd-file: plain DNS names only. */
static gboolean
is_plain_dns_name (const char *name,
                   gboolean    allow_wildcard)
{
  if (allow_wildcard && g_str_has_prefix (name, "*."))
    name += 2;

  return name[0] != '\0' && name[0] != '.' && name[0] != '-' && strlen (name) <= 253 &&
         name[strspn (name, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS ".-")] == '\0' &&
         strstr (name, "..") == NULL;
}

static gboolean
check_names (const char *const *names,
             gboolean           allow_wildcard,
             const char        *what,
             GError           **error)
{
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      if (!is_plain_dns_name (names[i], allow_wildcard))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Not a plain DNS name for the test-bed's %s: “%s”", what, names[i]);
          return FALSE;
        }
    }

  return TRUE;
}

/* A NULL list becomes an empty one. */
static GStrv
copy_names (const char *const *names)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  if (names != NULL)
    g_strv_builder_addv (builder, (const char **) names);

  return g_strv_builder_end (builder);
}

static void
make_domain_users (MsTestbed *self)
{
  guint n_domains = g_strv_length (self->user_domains);

  self->domain_users = g_new0 (MsTestbedUser, n_domains * MS_TESTBED_N_USERS);
  for (guint d = 0; d < n_domains; d++)
    {
      for (guint kind = 0; kind < MS_TESTBED_N_USERS; kind++)
        {
          const MsTestbedUser *user = &users[kind];
          MsTestbedUser *domain_user = &self->domain_users[d * MS_TESTBED_N_USERS + kind];
          g_autofree char *local_part = g_strndup (user->address, strcspn (user->address, "@"));
          char *address = g_strconcat (local_part, "@", self->user_domains[d], NULL);

          domain_user->address = address;
          domain_user->login =
            g_str_equal (user->login, user->address) ? g_strdup (address) : g_strdup (user->login);
          domain_user->password = g_strdup (user->password);
        }
    }
}

static void
free_domain_users (MsTestbed *self)
{
  guint n_domains = self->user_domains != NULL ? g_strv_length (self->user_domains) : 0;

  for (guint i = 0; self->domain_users != NULL && i < n_domains * MS_TESTBED_N_USERS; i++)
    {
      g_free ((char *) self->domain_users[i].address);
      g_free ((char *) self->domain_users[i].login);
      g_free ((char *) self->domain_users[i].password);
    }
  g_clear_pointer (&self->domain_users, g_free);
}

/* ", DNS:name" for each extra name, for the valid certificate's subjectAltName. */
static char *
format_extra_sans (MsTestbed *self)
{
  g_autoptr (GString) sans = g_string_new (NULL);

  for (guint i = 0; self->extra_names != NULL && self->extra_names[i] != NULL; i++)
    g_string_append_printf (sans, ", DNS:%s", self->extra_names[i]);

  return g_string_free (g_steal_pointer (&sans), FALSE);
}

/**
 * ms_testbed_start:
 * @flags: the servers to start
 * @error: return location for a #GError
 *
 * Creates a throwaway directory with a test CA and the certificates of #MsTestbedCert, and
 * starts what @flags ask for, each on its own free loopback ports, sharing nothing with another
 * test-bed: several tests may each run one at the same time.
 *
 * The servers stop at ms_testbed_stop(), and also when the calling process dies without
 * calling it (an abort, a crash, a kill by the test timeout): a guardian process in a session of
 * its own waits for that and then stops them and removes the directory.
 *
 * %MS_TESTBED_MAIL needs root and fails with an error saying so otherwise; it never skips.
 *
 * %MS_TESTBED_KEYRING sets `DBUS_SESSION_BUS_ADDRESS` and makes the process's shared
 * session-bus connection (g_bus_get()) one to the private bus, unless the process had connected
 * to another session bus before: start the test-bed before anything uses D-Bus.
 *
 * Returns: (transfer full) (nullable): the running test-bed, or %NULL with @error set, which
 *   then tells why, with the end of the failing server's log
 */
MsTestbed *
ms_testbed_start (MsTestbedFlags flags,
                  GError       **error)
{
  return ms_testbed_start_full (flags, NULL, error);
}

/**
 * ms_testbed_start_full:
 * @flags: the servers to start
 * @options: (nullable): standard ports, more certificate names, more user domains
 * @error: return location for a #GError
 *
 * Like ms_testbed_start(), with @options. With #MsTestbedOptions.standard_ports, only one
 * test-bed can run at a time in a network namespace, and only where nothing else uses those
 * ports: in a namespace of the caller's own (`ip netns`), not on a shared machine.
 *
 * Returns: (transfer full) (nullable): the running test-bed, or %NULL with @error set
 */
MsTestbed *
ms_testbed_start_full (MsTestbedFlags          flags,
                       const MsTestbedOptions *options,
                       GError                **error)
{
  static const MsTestbedOptions default_options = { 0 };
  g_autoptr (MsTestbed) self = NULL;
  g_autoptr (GHashTable) variables = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    options = &default_options;

  if (!check_names (options->extra_names, TRUE, "certificate", error) ||
      !check_names (options->user_domains, FALSE, "user domains", error))
    return NULL;

  if ((flags & MS_TESTBED_MAIL) != 0 && geteuid () != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           "The mail test-bed needs root: run tools/test");
      return NULL;
    }

  self = g_new0 (MsTestbed, 1);
  self->guardian_fd = -1;
  self->standard_ports = options->standard_ports;
  self->extra_names = copy_names (options->extra_names);
  self->user_domains = copy_names (options->user_domains);
  make_domain_users (self);

  if (!make_testbed_dir (self, error))
    return NULL;

  variables = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_insert (variables, (char *) "DIR", g_strdup (self->dir));
  g_hash_table_insert (variables, (char *) "HOST", g_strdup (MS_TESTBED_HOST));
  g_hash_table_insert (variables, (char *) "VALID_EXTRA_SANS", format_extra_sans (self));

  self->stop_script = g_build_filename (self->dir, "stop.sh", NULL);
  if (!_ms_testbed_write_from_template ("stop.sh.in", self->stop_script, variables, error) ||
      !start_guardian (self, error) || !_ms_testbed_make_certificates (self, variables, error))
    return NULL;

  if ((flags & MS_TESTBED_MAIL) != 0 && !_ms_testbed_start_mail_servers (self, variables, error))
    return NULL;

  if ((flags & MS_TESTBED_KEYRING) != 0 && !_ms_testbed_start_keyring (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

static void
run_stop_script (MsTestbed *self)
{
  const char *argv[] = { "/bin/sh", self->stop_script, NULL };
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *output = NULL;

  process = g_subprocess_newv (argv,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               &error);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error))
    {
      g_warning ("Cannot stop the test-bed in %s: %s", self->dir, error->message);
      return;
    }

  if (output != NULL && output[0] != '\0')
    g_message ("%s", g_strchomp (output));
  if (!g_subprocess_get_successful (process))
    g_warning ("Stopping the test-bed in %s failed", self->dir);
}

/**
 * ms_testbed_stop:
 * @self: (nullable) (transfer full): a test-bed
 *
 * Stops every process of the test-bed, removes its directory and frees @self. It does not
 * mind servers that a test stopped or killed already, and does nothing for %NULL.
 *
 * With %MS_TESTBED_KEYRING, this process's shared session-bus connection is closed if it goes
 * to the test-bed's bus, and `DBUS_SESSION_BUS_ADDRESS` gets its earlier value back. Code that
 * still holds that connection (libsecret caches it) gets errors from then on, not a signal.
 */
void
ms_testbed_stop (MsTestbed *self)
{
  if (self == NULL)
    return;

  if (self->session_bus != NULL)
    g_dbus_connection_close_sync (self->session_bus, NULL, NULL);

  if (self->bus_address_replaced)
    {
      if (self->saved_bus_address != NULL)
        g_setenv ("DBUS_SESSION_BUS_ADDRESS", self->saved_bus_address, TRUE);
      else
        g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
    }

  if (self->guardian != NULL)
    {
      run_stop_script (self);

      /* The guardian wakes up, finds nothing to do and exits. */
      close (self->guardian_fd);
      g_subprocess_wait (self->guardian, NULL, NULL);
    }
  else if (self->dir != NULL)
    {
      const char *argv[] = { "rm", "-rf", self->dir, NULL };
      g_autoptr (GError) error = NULL;

      if (!_ms_testbed_run_command (argv, &error))
        g_warning ("%s", error->message);
    }

  g_clear_object (&self->session_bus);
  g_clear_object (&self->guardian);
  g_clear_object (&self->dbus_daemon);
  g_clear_object (&self->keyring_daemon);
  for (guint i = 0; i < MS_TESTBED_N_CERTS; i++)
    {
      g_free (self->cert_files[i]);
      g_free (self->key_files[i]);
    }
  free_domain_users (self);
  g_strfreev (self->user_domains);
  g_strfreev (self->extra_names);
  g_free (self->ca_file);
  g_free (self->stop_script);
  g_free (self->dir);
  g_free (self->bus_guid);
  g_free (self->saved_bus_address);
  g_free (self);
}

/**
 * ms_testbed_get_dir:
 * @self: a test-bed
 *
 * Returns: the test-bed's throwaway directory, removed by ms_testbed_stop()
 */
const char *
ms_testbed_get_dir (MsTestbed *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->dir;
}

/**
 * ms_testbed_get_ca_file:
 * @self: a test-bed
 *
 * Returns: the PEM file of the test-bed's throwaway CA, which signed the server certificate
 */
const char *
ms_testbed_get_ca_file (MsTestbed *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->ca_file;
}

/**
 * ms_testbed_get_cert_file:
 * @self: a test-bed
 * @cert: which certificate
 *
 * Returns: the PEM file of the certificate @cert (the certificate alone, no chain)
 */
const char *
ms_testbed_get_cert_file (MsTestbed    *self,
                          MsTestbedCert cert)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (cert < MS_TESTBED_N_CERTS, NULL);

  return self->cert_files[cert];
}

/**
 * ms_testbed_get_key_file:
 * @self: a test-bed
 * @cert: which certificate
 *
 * Returns: the PEM file of the private key of @cert, readable by root only
 */
const char *
ms_testbed_get_key_file (MsTestbed    *self,
                         MsTestbedCert cert)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (cert < MS_TESTBED_N_CERTS, NULL);

  return self->key_files[cert];
}

/**
 * ms_testbed_get_host:
 * @self: a test-bed
 *
 * Returns: the address the servers listen on, `127.0.0.1`
 */
const char *
ms_testbed_get_host (MsTestbed *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return MS_TESTBED_HOST;
}

/**
 * ms_testbed_get_cert_host:
 * @self: a test-bed
 * @cert: a certificate variant
 *
 * Dovecot's listeners (IMAP and POP3) and Postfix's (submission) also answer on other
 * loopback addresses, on the same ports, each presenting one certificate variant.
 *
 * Returns: (nullable): where Dovecot presents @cert: `127.0.0.1` (valid), `127.0.0.2` (wrong
 *   host), `127.0.0.4` (expired), `127.0.0.5` (not yet valid); %NULL for the self-signed one
 */
const char *
ms_testbed_get_cert_host (MsTestbed    *self,
                          MsTestbedCert cert)
{
  g_return_val_if_fail (self != NULL, NULL);

  switch (cert)
    {
    case MS_TESTBED_CERT_VALID:
      return MS_TESTBED_HOST;
    case MS_TESTBED_CERT_WRONG_HOST:
      return "127.0.0.2";
    case MS_TESTBED_CERT_EXPIRED:
      return "127.0.0.4";
    case MS_TESTBED_CERT_NOT_YET_VALID:
      return "127.0.0.5";
    case MS_TESTBED_CERT_SELF_SIGNED:
    case MS_TESTBED_N_CERTS:
    default:
      return NULL;
    }
}

/**
 * ms_testbed_get_remote_host:
 * @self: a test-bed
 *
 * Dovecot treats a client whose address equals its own as already secure and offers logins
 * before STARTTLS. On this address (valid certificate) it does not: a client connecting here
 * sends from 127.0.0.1, as a client elsewhere would from its own address.
 *
 * Returns: `127.0.0.3`
 */
const char *
ms_testbed_get_remote_host (MsTestbed *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return "127.0.0.3";
}

/**
 * ms_testbed_get_port:
 * @self: a test-bed
 * @listener: which listener
 *
 * Returns: the port of @listener (its standard port with #MsTestbedOptions.standard_ports), or
 *   0 if @self was started without %MS_TESTBED_MAIL
 */
guint16
ms_testbed_get_port (MsTestbed        *self,
                     MsTestbedListener listener)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (listener < MS_TESTBED_N_LISTENERS, 0);

  return self->ports[listener];
}

/**
 * ms_testbed_get_user:
 * @self: a test-bed
 * @kind: which user
 *
 * Returns: (transfer none): the user @kind; the same for every test-bed
 */
const MsTestbedUser *
ms_testbed_get_user (MsTestbed        *self,
                     MsTestbedUserKind kind)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (kind < MS_TESTBED_N_USERS, NULL);

  return &users[kind];
}

/**
 * ms_testbed_get_domain_user:
 * @self: a test-bed
 * @kind: which user
 * @domain: one of #MsTestbedOptions.user_domains
 *
 * The user @kind in @domain: `alice@DOMAIN` logging in as `alice@DOMAIN`, `bob@DOMAIN` as
 * `bob` (the same account as `bob@example.test`), `carol@DOMAIN` as `carol@DOMAIN`; the
 * passwords are those of ms_testbed_get_user().
 *
 * Returns: (transfer none) (nullable): the user, or %NULL if @domain is not a user domain of
 *   @self
 */
const MsTestbedUser *
ms_testbed_get_domain_user (MsTestbed        *self,
                            MsTestbedUserKind kind,
                            const char       *domain)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (kind < MS_TESTBED_N_USERS, NULL);
  g_return_val_if_fail (domain != NULL, NULL);

  for (guint d = 0; self->user_domains[d] != NULL; d++)
    {
      if (g_ascii_strcasecmp (self->user_domains[d], domain) == 0)
        return &self->domain_users[d * MS_TESTBED_N_USERS + kind];
    }

  return NULL;
}

/**
 * ms_testbed_get_user_domains:
 * @self: a test-bed
 *
 * Returns: (transfer none) (array zero-terminated=1): #MsTestbedOptions.user_domains, empty
 *   when none were given
 */
const char *const *
ms_testbed_get_user_domains (MsTestbed *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char *const *) self->user_domains;
}

/**
 * ms_testbed_get_extra_names:
 * @self: a test-bed
 *
 * Returns: (transfer none) (array zero-terminated=1): #MsTestbedOptions.extra_names, which the
 *   valid certificate carries besides its own names; empty when none were given
 */
const char *const *
ms_testbed_get_extra_names (MsTestbed *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char *const *) self->extra_names;
}

/**
 * ms_testbed_listener_protocol:
 * @listener: a listener
 *
 * Returns: `"imap"`, `"pop3"` or `"smtp"`
 */
const char *
ms_testbed_listener_protocol (MsTestbedListener listener)
{
  g_return_val_if_fail (listener < MS_TESTBED_N_LISTENERS, NULL);

  return listener_info[listener].protocol;
}

/**
 * ms_testbed_listener_is_starttls:
 * @listener: a listener
 *
 * Returns: %TRUE if @listener starts in plain text and upgrades with STARTTLS (STLS for POP3),
 *   %FALSE if it speaks TLS from the first byte
 */
gboolean
ms_testbed_listener_is_starttls (MsTestbedListener listener)
{
  g_return_val_if_fail (listener < MS_TESTBED_N_LISTENERS, FALSE);

  return listener_info[listener].starttls;
}
