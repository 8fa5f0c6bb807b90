/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-evolution"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-evolution.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ms-account.h"
#include "ms-evolution-source.h"
#include "ms-keyring.h"
#include "ms-server-config.h"

/* Writes an account into evolution-data-server the way Evolution's own account assistant
 * leaves it: three linked `.source` key files in $XDG_CONFIG_HOME/evolution/sources — the mail
 * account (incoming server), its identity (name, address, which transport sends) and the mail
 * transport (SMTP) — and the passwords in the desktop keyring under EDS's own schema, so that
 * evolution-source-registry finds them and Evolution connects without asking.
 *
 * Facts from evolution-data-server 3.46 (Debian 12), each checked against its sources:
 *
 * - The registry watches the directory and loads a new `*.source` file about three seconds after
 *   it appears (it batches file monitor events); it ignores hidden files. So each file is
 *   written as a dot-file and renamed into place: the registry never sees half a file.
 * - A uid is the file name without `.source`, nothing more. We make them as EDS's own
 *   e_util_generate_uid() does: 40 hexadecimal digits of a SHA-1.
 * - [Authentication] Method goes to Camel's auth-mechanism, with "none" turned into no
 *   mechanism (e-source-camel.c). For IMAP, no mechanism means the LOGIN command and any other
 *   one means AUTHENTICATE with that SASL mechanism — refused outright when the server does not
 *   advertise it (camel-imapx-server.c); for POP3 it means USER/PASS. Our PLAIN (and automatic)
 *   is "SASL PLAIN, or the protocol's own password command when PLAIN is not offered", and the
 *   account does not record which of the two the check used. So the incoming server gets
 *   "none": the password login every IMAP and POP3 server over TLS accepts, and what
 *   Evolution's assistant itself writes for "Password". SASL LOGIN and CRAM-MD5 keep their
 *   names. On the transport, "none" would mean no SMTP authentication at all: it always names
 *   its mechanism, PLAIN unless the account says LOGIN or CRAM-MD5.
 * - The registry finds a source's password with e_secret_store_lookup_sync(): schema
 *   `org.gnome.Evolution.Data.Source` (SECRET_SCHEMA_DONT_MATCH_NAME) matched on `e-source-uid`
 *   alone; EDS stores it with `eds-origin` = `evolution-data-server` too, in the default
 *   collection, labelled by e_source_dup_secret_label(). We store exactly that.
 * - Identity folders: `folder://local/…` are the "On This Computer" folders that always exist.
 *   NeedsInitialSetup=true makes Evolution look up the IMAP server's own Sent, Drafts, … folders
 *   on first connect and use those instead, as it does for accounts it creates itself. */

#define SOURCES_SUFFIX ".source"

/* How often Evolution looks for new mail, as its account editor proposes. */
#define REFRESH_INTERVAL_MINUTES 10

static const SecretSchema evolution_schema = {
  "org.gnome.Evolution.Data.Source",
  SECRET_SCHEMA_DONT_MATCH_NAME,
  {
    { "e-source-uid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "eds-origin", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

#define EDS_ORIGIN "evolution-data-server"

enum
{
  SOURCE_ACCOUNT,
  SOURCE_IDENTITY,
  SOURCE_TRANSPORT,
  N_SOURCES
};

typedef struct
{
  char   *uid;
  char   *path;
  GBytes *contents;
  char   *note;
} SourceFile;

typedef struct
{
  char *uid;
  char *label;
  char *target;
  char *note;
} PlannedSecret;

typedef struct
{
  /* What the account says, copied on the calling thread. */
  char           *address;
  char           *name;
  MsServerConfig *incoming;
  MsServerConfig *outgoing;
  char           *password;
  gboolean        dry_run;
  char           *sources_dir;

  /* The plan, made in a thread. */
  char           *existing_path;
  SourceFile      files[N_SOURCES];
  GPtrArray      *secrets;

  /* Carrying it out. */
  guint           n_secrets_stored;
  GPtrArray      *written;
  GError         *failure;
} ExportData;

static void
planned_secret_free (PlannedSecret *item)
{
  g_free (item->uid);
  g_free (item->label);
  g_free (item->target);
  g_free (item->note);
  g_free (item);
}

static void
export_data_free (ExportData *data)
{
  g_free (data->address);
  g_free (data->name);
  g_clear_object (&data->incoming);
  g_clear_object (&data->outgoing);
  if (data->password != NULL)
    secret_password_wipe (data->password);
  g_free (data->password);
  g_free (data->sources_dir);
  g_free (data->existing_path);
  for (guint i = 0; i < N_SOURCES; i++)
    {
      g_free (data->files[i].uid);
      g_free (data->files[i].path);
      g_clear_pointer (&data->files[i].contents, g_bytes_unref);
      g_free (data->files[i].note);
    }
  g_clear_pointer (&data->secrets, g_ptr_array_unref);
  g_clear_pointer (&data->written, g_ptr_array_unref);
  g_clear_error (&data->failure);
  g_free (data);
}

/**
 * ms_evolution_get_secret_schema:
 *
 * Returns: (transfer none): evolution-data-server's schema for source passwords,
 *   `org.gnome.Evolution.Data.Source` with the attributes `e-source-uid` and `eds-origin`
 */
const SecretSchema *
ms_evolution_get_secret_schema (void)
{
  return &evolution_schema;
}

/**
 * ms_evolution_get_sources_dir:
 *
 * Returns: (transfer full): where evolution-data-server keeps its sources:
 *   `$XDG_CONFIG_HOME/evolution/sources`
 */
char *
ms_evolution_get_sources_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), "evolution", "sources", NULL);
}

/* A key file written by hand rather than through GKeyFile, which cannot write an empty group
 * ([Smtp Backend]) and would not keep our order. Values are escaped as GKeyFile does. */
static void
begin_group (GString    *out,
             const char *group)
{
  if (out->len > 0)
    g_string_append_c (out, '\n');
  g_string_append_printf (out, "[%s]\n", group);
}

static void
add_string (GString    *out,
            const char *key,
            const char *value)
{
  g_string_append (out, key);
  g_string_append_c (out, '=');
  for (const char *p = value != NULL ? value : ""; *p != '\0'; p++)
    {
      switch (*p)
        {
        case ' ':
          g_string_append (out, p == value ? "\\s" : " ");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        default:
          g_string_append_c (out, *p);
          break;
        }
    }
  g_string_append_c (out, '\n');
}

static void
add_boolean (GString    *out,
             const char *key,
             gboolean    value)
{
  add_string (out, key, value ? "true" : "false");
}

static void
add_uint (GString    *out,
          const char *key,
          guint       value)
{
  g_autofree char *text = g_strdup_printf ("%u", value);

  add_string (out, key, text);
}

static const char *
security_method (MsServerConfig *server)
{
  switch (ms_server_config_get_security (server))
    {
    case MS_SECURITY_TLS:
      return "ssl-on-alternate-port";
    case MS_SECURITY_STARTTLS:
      return "starttls-on-standard-port";
    case MS_SECURITY_NONE:
      return "none";
    default:
      g_assert_not_reached ();
    }
}

/* See the top of the file for why the incoming server's password login is "none". */
static const char *
auth_method (MsServerConfig *server)
{
  gboolean incoming = ms_protocol_is_incoming (ms_server_config_get_protocol (server));

  switch (ms_server_config_get_auth_mechanism (server))
    {
    case MS_AUTH_MECHANISM_AUTOMATIC:
    case MS_AUTH_MECHANISM_PLAIN:
      return incoming ? "none" : "PLAIN";
    case MS_AUTH_MECHANISM_LOGIN:
      return "LOGIN";
    case MS_AUTH_MECHANISM_CRAM_MD5:
      return "CRAM-MD5";
    case MS_AUTH_MECHANISM_OAUTH2:
    default:
      g_assert_not_reached ();
    }
}

static const char *
server_user (ExportData     *data,
             MsServerConfig *server)
{
  const char *user = ms_server_config_get_username (server);

  return user != NULL && *user != '\0' ? user : data->address;
}

static void
add_authentication (GString        *out,
                    ExportData     *data,
                    MsServerConfig *server)
{
  begin_group (out, "Authentication");
  add_string (out, "Host", ms_server_config_get_host (server));
  add_uint (out, "Port", ms_server_config_get_port (server));
  add_string (out, "User", server_user (data, server));
  add_string (out, "Method", auth_method (server));
  add_boolean (out, "RememberPassword", TRUE);

  begin_group (out, "Security");
  add_string (out, "Method", security_method (server));
}

static GBytes *
account_contents (ExportData *data)
{
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean imap = ms_server_config_get_protocol (data->incoming) == MS_PROTOCOL_IMAP;

  begin_group (out, "Data Source");
  add_string (out, "DisplayName", data->address);
  add_boolean (out, "Enabled", TRUE);
  add_string (out, "Parent", "");

  begin_group (out, "Mail Account");
  add_string (out, "BackendName", imap ? "imapx" : "pop");
  add_string (out, "IdentityUid", data->files[SOURCE_IDENTITY].uid);
  add_boolean (out, "NeedsInitialSetup", TRUE);

  add_authentication (out, data, data->incoming);

  /* The IMAP provider's option defaults (camel-imapx-provider.c), which Evolution's assistant
   * writes too; a POP3 account leaves the mail on the server, so that other devices still see
   * it. */
  if (imap)
    {
      begin_group (out, "Imapx Backend");
      add_boolean (out, "CheckAll", TRUE);
      add_boolean (out, "FilterInbox", TRUE);
      add_boolean (out, "UseIdle", TRUE);
      add_boolean (out, "UseSubscriptions", FALSE);

      begin_group (out, "Offline");
      add_boolean (out, "StaySynchronized", FALSE);
    }
  else
    {
      begin_group (out, "Pop Backend");
      add_boolean (out, "KeepOnServer", TRUE);
    }

  begin_group (out, "Refresh");
  add_boolean (out, "Enabled", TRUE);
  add_uint (out, "IntervalMinutes", REFRESH_INTERVAL_MINUTES);

  return g_string_free_to_bytes (g_steal_pointer (&out));
}

static GBytes *
identity_contents (ExportData *data)
{
  g_autoptr (GString) out = g_string_new (NULL);

  begin_group (out, "Data Source");
  add_string (out, "DisplayName", data->address);
  add_boolean (out, "Enabled", TRUE);
  add_string (out, "Parent", data->files[SOURCE_ACCOUNT].uid);

  begin_group (out, "Mail Identity");
  add_string (out, "Address", data->address);
  add_string (out, "Name", data->name);

  begin_group (out, "Mail Submission");
  add_string (out, "TransportUid", data->files[SOURCE_TRANSPORT].uid);
  add_string (out, "SentFolder", "folder://local/Sent");
  add_boolean (out, "UseSentFolder", TRUE);

  begin_group (out, "Mail Composition");
  add_string (out, "DraftsFolder", "folder://local/Drafts");
  add_string (out, "TemplatesFolder", "folder://local/Templates");

  return g_string_free_to_bytes (g_steal_pointer (&out));
}

static GBytes *
transport_contents (ExportData *data)
{
  g_autoptr (GString) out = g_string_new (NULL);

  begin_group (out, "Data Source");
  add_string (out, "DisplayName", data->address);
  add_boolean (out, "Enabled", TRUE);
  add_string (out, "Parent", data->files[SOURCE_ACCOUNT].uid);

  begin_group (out, "Mail Transport");
  add_string (out, "BackendName", "smtp");

  add_authentication (out, data, data->outgoing);

  begin_group (out, "Smtp Backend");

  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/* e_source_dup_secret_label() of evolution-data-server, trailing space and all: Seahorse then
 * shows our items exactly like the ones Evolution stores itself. */
static char *
eds_secret_label (const char *display_name,
                  const char *type,
                  const char *backend,
                  const char *parent)
{
  GString *label = g_string_new (NULL);

  g_string_append_printf (label, "Evolution Data Source \"%s\" (%s - %s) ", display_name, type,
                          backend);
  if (parent != NULL && *parent != '\0')
    g_string_append_printf (label, " of %s", parent);
  return g_string_free (label, FALSE);
}

static char *
make_uid (void)
{
  g_autofree char *random = g_uuid_string_random ();

  return g_compute_checksum_for_string (G_CHECKSUM_SHA1, random, -1);
}

static void
plan_secret (ExportData     *data,
             MsServerConfig *server,
             guint           file,
             char           *label,
             const char     *note)
{
  PlannedSecret *item;
  g_autofree char *shown = NULL;

  if (data->password == NULL)
    {
      g_free (label);
      return;
    }

  if (ms_server_config_get_security (server) == MS_SECURITY_NONE)
    {
      g_free (label);
      g_free (data->files[file].note);
      data->files[file].note =
        g_strdup_printf (_("The password for %s is not stored: the connection to it is not "
                           "encrypted, so Evolution would send the password readable by anyone "
                           "on the network. Evolution asks for it when it connects."),
                         ms_server_config_get_host (server));
      return;
    }

  shown = g_strstrip (g_strdup (label));
  item = g_new0 (PlannedSecret, 1);
  item->uid = g_strdup (data->files[file].uid);
  item->label = label;
  item->target = g_strdup_printf ("%s [e-source-uid=%s]", shown, item->uid);
  item->note = g_strdup (note);
  g_ptr_array_add (data->secrets, item);
}

static void
plan_sources (ExportData *data)
{
  SourceFile *files = data->files;

  for (guint i = 0; i < N_SOURCES; i++)
    {
      g_autofree char *basename = NULL;

      files[i].uid = make_uid ();
      basename = g_strconcat (files[i].uid, SOURCES_SUFFIX, NULL);
      files[i].path = g_build_filename (data->sources_dir, basename, NULL);
    }

  files[SOURCE_ACCOUNT].contents = account_contents (data);
  files[SOURCE_IDENTITY].contents = identity_contents (data);
  files[SOURCE_TRANSPORT].contents = transport_contents (data);

  if (data->password == NULL)
    files[SOURCE_ACCOUNT].note =
      g_strdup (_("No password was given: Evolution asks for it the first time it connects."));

  for (guint i = 0; i < 2; i++)
    {
      MsServerConfig *server = i == 0 ? data->incoming : data->outgoing;
      guint file = i == 0 ? SOURCE_ACCOUNT : SOURCE_TRANSPORT;

      if (ms_server_config_get_pin (server) != NULL && files[file].note == NULL)
        files[file].note = g_strdup_printf (_("Evolution asks once whether to trust the "
                                              "certificate of %s, as you did here."),
                                            ms_server_config_get_host (server));
    }

  plan_secret (data, data->incoming, SOURCE_ACCOUNT,
               eds_secret_label (data->address, "Mail Account",
                                 ms_server_config_get_protocol (data->incoming) ==
                                     MS_PROTOCOL_IMAP
                                   ? "imapx"
                                   : "pop",
                                 NULL),
               _("The incoming mail password, so that Evolution does not ask for it."));
  plan_secret (data, data->outgoing, SOURCE_TRANSPORT,
               eds_secret_label (data->address, "Mail Transport", "smtp",
                                 files[SOURCE_ACCOUNT].uid),
               _("The outgoing mail (SMTP) password, so that Evolution does not ask for it."));
}

/* Every `.source` file of the directory, as far as it can be read. A directory that does not
 * exist holds no sources; one we cannot read is an error, since we could not tell whether the
 * account is there already. */
static GPtrArray *
read_sources (const char *sources_dir,
              GError    **error)
{
  g_autoptr (GPtrArray) sources = g_ptr_array_new_with_free_func (
    (GDestroyNotify) ms_evolution_source_free);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GDir) dir = g_dir_open (sources_dir, 0, &local_error);
  const char *name;

  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&sources);
      g_set_error (error, G_IO_ERROR, g_io_error_from_file_error (local_error->code),
                   _("Cannot read Evolution’s accounts in %s: %s"), sources_dir,
                   local_error->message);
      return NULL;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *uid = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;
      GStatBuf st;

      if (name[0] == '.' || !g_str_has_suffix (name, SOURCES_SUFFIX) ||
          strlen (name) == strlen (SOURCES_SUFFIX))
        continue;

      path = g_build_filename (sources_dir, name, NULL);
      if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode) ||
          st.st_size > MS_EVOLUTION_SOURCE_MAX_SIZE)
        continue;
      if (!g_file_get_contents (path, &contents, &length, NULL))
        continue;

      uid = g_strndup (name, strlen (name) - strlen (SOURCES_SUFFIX));
      g_ptr_array_add (sources, ms_evolution_source_parse (uid, contents, length));
    }

  return g_steal_pointer (&sources);
}

static void
plan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ExportData *data = task_data;
  g_autoptr (GPtrArray) sources = NULL;
  MsEvolutionSource *existing;
  GError *error = NULL;

  sources = read_sources (data->sources_dir, &error);
  if (sources == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  existing = ms_evolution_source_find_account (sources, data->address,
                                               ms_server_config_get_host (data->incoming));
  if (existing != NULL)
    {
      g_autofree char *basename =
        g_strconcat (ms_evolution_source_get_uid (existing), SOURCES_SUFFIX, NULL);

      data->existing_path = g_build_filename (data->sources_dir, basename, NULL);
    }
  else
    {
      plan_sources (data);
    }

  g_task_return_boolean (task, TRUE);
}

static gboolean
write_all (int          fd,
           const guint8 *bytes,
           gsize        length)
{
  while (length > 0)
    {
      gssize written = write (fd, bytes, length);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        return FALSE;
      bytes += written;
      length -= (gsize) written;
    }
  return TRUE;
}

/* A hidden file first, renamed once complete: the registry ignores hidden files and so only
 * ever sees a whole source. */
static gboolean
write_source_file (const char *sources_dir,
                   SourceFile *file,
                   GError    **error)
{
  g_autofree char *basename = g_strconcat (".", file->uid, SOURCES_SUFFIX, ".XXXXXX", NULL);
  g_autofree char *temporary = g_build_filename (sources_dir, basename, NULL);
  gsize length;
  const guint8 *bytes = g_bytes_get_data (file->contents, &length);
  int fd;
  int saved_errno;

  fd = g_mkstemp_full (temporary, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot write into %s: %s"), sources_dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (!write_all (fd, bytes, length) || fsync (fd) != 0)
    {
      saved_errno = errno != 0 ? errno : EIO;
      close (fd);
      g_unlink (temporary);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot write %s: %s"), file->path, g_strerror (saved_errno));
      return FALSE;
    }

  if (close (fd) != 0)
    {
      saved_errno = errno;
      g_unlink (temporary);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot write %s: %s"), file->path, g_strerror (saved_errno));
      return FALSE;
    }

  /* The uids are new and random: a file of that name would be a bug, never to be overwritten. */
  if (g_file_test (file->path, G_FILE_TEST_EXISTS))
    {
      g_unlink (temporary);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("%s exists already"), file->path);
      return FALSE;
    }

  if (g_rename (temporary, file->path) != 0)
    {
      saved_errno = errno;
      g_unlink (temporary);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot write %s: %s"), file->path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ExportData *data = task_data;
  /* The account last: the identity and transport it names are in place when it appears. */
  static const guint order[] = { SOURCE_TRANSPORT, SOURCE_IDENTITY, SOURCE_ACCOUNT };
  GError *error = NULL;

  if (g_mkdir_with_parents (data->sources_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               _("Cannot create %s: %s"), data->sources_dir,
                               g_strerror (saved_errno));
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      SourceFile *file = &data->files[order[i]];

      if (!write_source_file (data->sources_dir, file, &error))
        {
          /* All or nothing: a lone identity or transport would only confuse Evolution. */
          for (guint j = 0; j < data->written->len; j++)
            g_unlink (g_ptr_array_index (data->written, j));
          g_ptr_array_set_size (data->written, 0);
          g_task_return_error (task, error);
          return;
        }
      g_ptr_array_add (data->written, g_strdup (file->path));
    }

  g_task_return_boolean (task, TRUE);
}

static void report_and_return (GTask *task);
static void store_next_secret (GTask *task);
static void roll_back_secrets (GTask *task);

static void
on_secret_cleared (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  if (!ms_keyring_clear_item_finish (result, NULL, &error))
    g_warning ("Could not remove a password stored for Evolution again: %s", error->message);

  roll_back_secrets (g_steal_pointer (&task));
}

/* After a failure: the passwords stored for sources that do not exist go again, then the task
 * returns the failure. */
static void
roll_back_secrets (GTask *task)
{
  ExportData *data = g_task_get_task_data (task);
  PlannedSecret *item;
  g_autoptr (GHashTable) attributes = NULL;

  if (data->n_secrets_stored == 0)
    {
      g_task_return_error (task, g_steal_pointer (&data->failure));
      g_object_unref (task);
      return;
    }

  item = g_ptr_array_index (data->secrets, --data->n_secrets_stored);
  attributes = secret_attributes_build (&evolution_schema, "e-source-uid", item->uid, NULL);
  /* Not cancellable: cancelling is how many failures come about. */
  ms_keyring_clear_item_async (&evolution_schema, attributes, NULL, on_secret_cleared, task);
}

static void
on_written (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  ExportData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      data->failure = error;
      roll_back_secrets (g_steal_pointer (&task));
      return;
    }

  report_and_return (g_steal_pointer (&task));
}

static void
write_files (GTask *task)
{
  ExportData *data = g_task_get_task_data (task);
  g_autoptr (GTask) write_task = NULL;

  /* Once the passwords are stored, the files are written whole: a cancellation now would leave
   * either nothing or everything, and it is too late for nothing. */
  write_task = g_task_new (NULL, NULL, on_written, task);
  g_task_set_source_tag (write_task, write_files);
  g_task_set_task_data (write_task, data, NULL);
  g_task_run_in_thread (write_task, write_thread);
}

static void
on_secret_stored (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  ExportData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!ms_keyring_store_item_finish (result, &error))
    {
      data->failure = error;
      roll_back_secrets (g_steal_pointer (&task));
      return;
    }

  data->n_secrets_stored++;
  store_next_secret (g_steal_pointer (&task));
}

/* The passwords go first: when the keyring fails, nothing is written at all, and the user can
 * simply try again. */
static void
store_next_secret (GTask *task)
{
  ExportData *data = g_task_get_task_data (task);
  PlannedSecret *item;
  g_autoptr (GHashTable) attributes = NULL;

  if (data->n_secrets_stored == data->secrets->len)
    {
      write_files (task);
      return;
    }

  item = g_ptr_array_index (data->secrets, data->n_secrets_stored);
  attributes = secret_attributes_build (&evolution_schema, "e-source-uid", item->uid,
                                        "eds-origin", EDS_ORIGIN, NULL);
  ms_keyring_store_item_async (&evolution_schema, attributes, item->label, data->password,
                               g_task_get_cancellable (task), on_secret_stored, task);
}

static void
report_and_return (GTask *task)
{
  ExportData *data = g_task_get_task_data (task);
  g_autoptr (MsExportReport) report = ms_export_report_new ("evolution", data->dry_run);

  if (data->existing_path != NULL)
    {
      g_autofree char *note =
        g_strdup_printf (_("Evolution already has an account for %s on %s."), data->address,
                         ms_server_config_get_host (data->incoming));

      ms_export_report_add (report, MS_EXPORT_ACTION_UNCHANGED, data->existing_path, NULL, note);
    }
  else
    {
      for (guint i = 0; i < N_SOURCES; i++)
        ms_export_report_add (report, MS_EXPORT_ACTION_CREATE, data->files[i].path,
                              data->files[i].contents, data->files[i].note);
      for (guint i = 0; i < data->secrets->len; i++)
        {
          PlannedSecret *item = g_ptr_array_index (data->secrets, i);

          ms_export_report_add (report, MS_EXPORT_ACTION_SECRET, item->target, NULL, item->note);
        }
    }

  g_task_return_pointer (task, g_steal_pointer (&report), (GDestroyNotify) ms_export_report_unref);
  g_object_unref (task);
}

static void
on_planned (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  ExportData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (data->existing_path != NULL || data->dry_run)
    {
      report_and_return (g_steal_pointer (&task));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  store_next_secret (g_steal_pointer (&task));
}

/**
 * ms_evolution_export_async:
 * @account: a complete account (see ms_account_validate())
 * @password: (nullable): the password for both servers, stored in the keyring for Evolution;
 *   %NULL to let Evolution ask
 * @dry_run: work out everything, report it, and touch nothing: no file, no keyring
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Adds @account to Evolution (evolution-data-server): the account, identity and transport
 * sources in ms_evolution_get_sources_dir(), and the passwords in the keyring under
 * ms_evolution_get_secret_schema(). An account Evolution has already, for the same address and
 * incoming host, is left alone and reported %MS_EXPORT_ACTION_UNCHANGED.
 *
 * Either everything is written or, on failure, nothing is left behind.
 */
void
ms_evolution_export_async (MsAccount          *account,
                           const char         *password,
                           gboolean            dry_run,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GTask) plan_task = NULL;
  GError *error = NULL;
  ExportData *data;

  g_return_if_fail (MS_IS_ACCOUNT (account));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ms_evolution_export_async);
  /* Cancelling stops the export only up to the point where it starts writing (see
   * write_files()); what it then wrote is reported, not hidden behind "cancelled". */
  g_task_set_check_cancellable (task, FALSE);

  if (!ms_account_validate (account, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (ms_server_config_get_auth_mechanism (ms_account_get_incoming (account)) ==
        MS_AUTH_MECHANISM_OAUTH2 ||
      ms_server_config_get_auth_mechanism (ms_account_get_outgoing (account)) ==
        MS_AUTH_MECHANISM_OAUTH2)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("This account signs in with OAuth2, which Evolution only offers "
                                 "through GNOME Online Accounts. Add it in Settings → Online "
                                 "Accounts instead."));
      return;
    }

  data = g_new0 (ExportData, 1);
  data->address = g_strdup (ms_account_get_address (account));
  data->name = g_strdup (ms_account_get_display_name (account));
  data->incoming = ms_server_config_copy (ms_account_get_incoming (account));
  data->outgoing = ms_server_config_copy (ms_account_get_outgoing (account));
  data->password = g_strdup (password);
  data->dry_run = dry_run;
  data->sources_dir = ms_evolution_get_sources_dir ();
  data->secrets = g_ptr_array_new_with_free_func ((GDestroyNotify) planned_secret_free);
  data->written = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, data, (GDestroyNotify) export_data_free);

  plan_task = g_task_new (NULL, cancellable, on_planned, g_steal_pointer (&task));
  g_task_set_source_tag (plan_task, plan_thread);
  g_task_set_task_data (plan_task, data, NULL);
  g_task_run_in_thread (plan_task, plan_thread);
}

/**
 * ms_evolution_export_finish:
 * @result: the result
 * @error: return location for a translated error
 *
 * Returns: (transfer full): what was written (or, with a dry run, would be): the three source
 *   files with their contents and the keyring items, or the existing account, unchanged
 */
MsExportReport *
ms_evolution_export_finish (GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ms_evolution_export_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
