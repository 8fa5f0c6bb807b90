/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-thunderbird"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-thunderbird.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ms-thunderbird-private.h"

/* Writing an account into a Thunderbird profile: the prefs are those Thunderbird's own account
 * manager writes (mailnews/base/src/nsMsgAccountManager.cpp and friends; see DESIGN.md, "Client
 * formats → Thunderbird"), appended to prefs.js so that every existing byte stays where it was.
 * A later user_pref() of the same name wins, which is how the account and SMTP lists grow.
 *
 * Numbering: the account is accountN with N = mail.account.lastKey + 1 (or, when lastKey is
 * missing or 0, one more than the largest accountX.* pref, as Thunderbird does), and lastKey
 * becomes N. Servers, identities and SMTP servers take the first number for which no pref with
 * that prefix exists at all: deleting an SMTP server in Thunderbird leaves its prefs behind, and
 * reusing the number would revive them.
 *
 * Safety: nothing is written while Thunderbird has the profile open (it would overwrite prefs.js
 * from memory); while we write we hold the same lock it takes, so it cannot start halfway. The
 * old prefs.js is copied to prefs.js.mail-setup-<time>.bak first and the new one replaces it
 * atomically. */

static const char *
server_type (MsProtocol protocol)
{
  return protocol == MS_PROTOCOL_POP3 ? "pop3" : "imap";
}

/* nsMsgSocketType: plain 0, STARTTLS 2, SSL/TLS 3. The default is plain, so always written. */
static gint32
socket_type (MsSecurity security)
{
  switch (security)
    {
    case MS_SECURITY_TLS:
      return 3;
    case MS_SECURITY_STARTTLS:
      return 2;
    case MS_SECURITY_NONE:
    default:
      return 0;
    }
}

/* nsMsgAuthMethod: 3 cleartext password (PLAIN or LOGIN, inside TLS), 4 CRAM-MD5, 10 OAuth2. */
static gint32
auth_method (MsAuthMechanism mechanism)
{
  switch (mechanism)
    {
    case MS_AUTH_MECHANISM_OAUTH2:
      return 10;
    case MS_AUTH_MECHANISM_CRAM_MD5:
      return 4;
    case MS_AUTH_MECHANISM_AUTOMATIC:
    case MS_AUTH_MECHANISM_PLAIN:
    case MS_AUTH_MECHANISM_LOGIN:
    default:
      return 3;
    }
}

static const char *
get_username (MsAccount      *account,
              MsServerConfig *server)
{
  const char *username = ms_server_config_get_username (server);

  return username != NULL && *username != '\0' ? username : ms_account_get_address (account);
}

static gboolean
hostnames_equal (const char *a,
                 const char *b)
{
  gsize length_a = strlen (a);
  gsize length_b = strlen (b);

  /* "imap.example.com." is "imap.example.com". */
  if (length_a > 0 && a[length_a - 1] == '.')
    length_a--;
  if (length_b > 0 && b[length_b - 1] == '.')
    length_b--;
  return length_a == length_b && g_ascii_strncasecmp (a, b, length_a) == 0;
}

static GStrv
split_list (const char *list)
{
  g_auto (GStrv) items = g_strsplit (list != NULL ? list : "", ",", -1);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_strstrip (items[i]);
      if (*items[i] != '\0')
        g_strv_builder_add (builder, items[i]);
    }
  return g_strv_builder_end (builder);
}

static gboolean
list_contains (const char *list,
               const char *item)
{
  g_auto (GStrv) items = split_list (list);

  return g_strv_contains ((const char *const *) items, item);
}

static char *
list_append (const char *list,
             const char *item)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (list != NULL ? list : ""));
  gsize length = strlen (trimmed);

  if (length > 0 && trimmed[length - 1] == ',')
    trimmed[--length] = '\0';
  if (length == 0)
    return g_strdup (item);
  return g_strconcat (trimmed, ",", item, NULL);
}

/* Thunderbird keeps the original host and user name and records edits in realhostname and
 * realuserName. */
static char *
get_server_value (MsPrefsJs  *prefs,
                  const char *server_key,
                  const char *real_name,
                  const char *name)
{
  g_autofree char *real_pref = g_strdup_printf ("mail.server.%s.%s", server_key, real_name);
  g_autofree char *pref = g_strdup_printf ("mail.server.%s.%s", server_key, name);
  g_autofree char *value = ms_prefs_js_dup_string_utf8 (prefs, real_pref);

  if (value != NULL && *value != '\0')
    return g_steal_pointer (&value);
  return ms_prefs_js_dup_string_utf8 (prefs, pref);
}

/**
 * ms_thunderbird_find_account:
 * @prefs: a profile's prefs
 * @account: an account
 *
 * Looks for an account of @prefs' account list whose incoming server has the same type, host
 * name (compared without regard to case) and user name as @account's. Char prefs that are not
 * UTF-8 are read as Latin-1.
 *
 * Returns: (transfer full) (nullable): its key, e.g. "account2"
 */
char *
ms_thunderbird_find_account (MsPrefsJs *prefs,
                             MsAccount *account)
{
  MsServerConfig *incoming;
  g_autofree char *accounts = NULL;
  g_auto (GStrv) keys = NULL;

  g_return_val_if_fail (prefs != NULL, NULL);
  g_return_val_if_fail (MS_IS_ACCOUNT (account), NULL);

  incoming = ms_account_get_incoming (account);
  g_return_val_if_fail (incoming != NULL, NULL);

  accounts = ms_prefs_js_dup_string_utf8 (prefs, "mail.accountmanager.accounts");
  keys = split_list (accounts);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *server_pref = g_strdup_printf ("mail.account.%s.server", keys[i]);
      g_autofree char *server_key = ms_prefs_js_dup_string_utf8 (prefs, server_pref);
      g_autofree char *type_pref = NULL;
      g_autofree char *type = NULL;
      g_autofree char *hostname = NULL;
      g_autofree char *username = NULL;

      if (server_key == NULL || *server_key == '\0')
        continue;
      type_pref = g_strdup_printf ("mail.server.%s.type", server_key);
      type = ms_prefs_js_dup_string_utf8 (prefs, type_pref);
      hostname = get_server_value (prefs, server_key, "realhostname", "hostname");
      username = get_server_value (prefs, server_key, "realuserName", "userName");

      if (g_strcmp0 (type, server_type (ms_server_config_get_protocol (incoming))) == 0 &&
          hostname != NULL && hostnames_equal (hostname, ms_server_config_get_host (incoming)) &&
          g_strcmp0 (username, get_username (account, incoming)) == 0)
        return g_strdup (keys[i]);
    }

  return NULL;
}

/* Whether Thunderbird already has an account it would make the default: one whose server is not
 * Local Folders (type "none"). Thunderbird does not write defaultaccount itself until it needs
 * to; it takes the first such account of the list, so writing ours would demote the user's. */
static gboolean
has_default_candidate (MsPrefsJs  *prefs,
                       const char *accounts)
{
  g_auto (GStrv) keys = split_list (accounts);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *server_pref = g_strdup_printf ("mail.account.%s.server", keys[i]);
      const char *server_key = ms_prefs_js_get_string (prefs, server_pref);
      g_autofree char *type_pref = NULL;
      const char *type;

      if (server_key == NULL)
        continue;
      type_pref = g_strdup_printf ("mail.server.%s.type", server_key);
      type = ms_prefs_js_get_string (prefs, type_pref);
      if (type != NULL && !g_str_equal (type, "none"))
        return TRUE;
    }
  return FALSE;
}

/* The first number for which no pref "<base><n>" or "<base><n>.…" exists. */
static guint
first_free_number (MsPrefsJs  *prefs,
                   const char *base,
                   const char *list,
                   const char *list_item_base)
{
  for (guint n = 1;; n++)
    {
      g_autofree char *exact = g_strdup_printf ("%s%u", base, n);
      g_autofree char *prefix = g_strdup_printf ("%s%u.", base, n);
      g_autofree char *item = list_item_base != NULL ? g_strdup_printf ("%s%u", list_item_base, n)
                                                     : NULL;

      if (ms_prefs_js_has_prefix (prefs, prefix) || ms_prefs_js_has_pref (prefs, exact))
        continue;
      if (item != NULL && list_contains (list, item))
        continue;
      return n;
    }
}

/* Thunderbird's GetUniqueAccountKey(): lastKey, or the largest N of the accountN.* prefs when
 * lastKey is missing or 0. */
static gint64
get_last_account_key (MsPrefsJs *prefs)
{
  g_autoptr (GPtrArray) names = NULL;
  gint32 last_key = 0;
  gint64 largest = 0;

  if (ms_prefs_js_get_int (prefs, "mail.account.lastKey", &last_key) && last_key > 0)
    return last_key;

  names = ms_prefs_js_list_names (prefs);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      const char *digits;
      const char *dot;
      guint64 value;

      if (!g_str_has_prefix (name, "mail.account.account"))
        continue;
      digits = name + strlen ("mail.account.account");
      dot = strchr (digits, '.');
      if (dot == NULL || dot == digits || dot - digits > 9)
        continue;
      value = 0;
      for (const char *d = digits; d < dot; d++)
        {
          if (!g_ascii_isdigit (*d))
            {
              value = 0;
              break;
            }
          value = value * 10 + (*d - '0');
        }
      largest = MAX (largest, (gint64) value);
    }
  return largest;
}

/* "<prefix><suffix>" in a buffer reused for every pref name. */
static const char *
pref_name (char      **buffer,
           const char *prefix,
           const char *suffix)
{
  g_free (*buffer);
  *buffer = g_strconcat (prefix, suffix, NULL);
  return *buffer;
}

/**
 * ms_thunderbird_make_account_prefs:
 * @prefs: the profile's current prefs
 * @account: a complete account (see ms_account_validate())
 * @out_account_key: (out) (optional): the new account's key, e.g. "account3"
 * @error: return location for an error
 *
 * Works out the `user_pref()` lines that add @account to a profile holding @prefs: see the top
 * of this file for the numbering. The account and its SMTP server become the defaults only where
 * Thunderbird has none (no default set and no other account or SMTP server it would pick).
 * Local Folders is left to Thunderbird, which creates it at its next start. Port, security and
 * authentication method are always written, even where they are Thunderbird's defaults.
 *
 * Returns: (transfer full) (nullable): the lines, each ending in "\n"
 */
char *
ms_thunderbird_make_account_prefs (MsPrefsJs *prefs,
                                   MsAccount *account,
                                   char     **out_account_key,
                                   GError   **error)
{
  MsServerConfig *incoming;
  MsServerConfig *outgoing;
  g_autoptr (GString) lines = g_string_new (NULL);
  g_autofree char *accounts = NULL;
  g_autofree char *smtp_servers = NULL;
  g_autofree char *account_key = NULL;
  g_autofree char *server_key = NULL;
  g_autofree char *identity_key = NULL;
  g_autofree char *smtp_key = NULL;
  g_autofree char *new_accounts = NULL;
  g_autofree char *new_smtp_servers = NULL;
  g_autofree char *default_account = NULL;
  g_autofree char *default_smtp = NULL;
  g_autofree char *account_prefix = NULL;
  g_autofree char *server_prefix = NULL;
  g_autofree char *identity_prefix = NULL;
  g_autofree char *smtp_prefix = NULL;
  g_autofree char *name = NULL;
  g_auto (GStrv) smtp_list = NULL;
  const char *address;
  const char *display_name;
  gint64 account_number;

  g_return_val_if_fail (prefs != NULL, NULL);
  g_return_val_if_fail (MS_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ms_account_validate (account, error))
    return NULL;

  incoming = ms_account_get_incoming (account);
  outgoing = ms_account_get_outgoing (account);
  address = ms_account_get_address (account);
  display_name = ms_account_get_display_name (account);

  /* The lists are written back: keep their bytes as they are. */
  accounts = g_strdup (ms_prefs_js_get_string (prefs, "mail.accountmanager.accounts"));
  smtp_servers = g_strdup (ms_prefs_js_get_string (prefs, "mail.smtpservers"));
  smtp_list = split_list (smtp_servers);

  account_number = get_last_account_key (prefs) + 1;
  for (;; account_number++)
    {
      g_autofree char *key = NULL;
      g_autofree char *prefix = NULL;

      if (account_number > G_MAXINT32)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("Thunderbird's account numbers are used up in this profile"));
          return NULL;
        }
      key = g_strdup_printf ("account%" G_GINT64_FORMAT, account_number);
      prefix = g_strdup_printf ("mail.account.%s.", key);
      if (!ms_prefs_js_has_prefix (prefs, prefix) && !list_contains (accounts, key))
        {
          account_key = g_steal_pointer (&key);
          break;
        }
    }
  server_key = g_strdup_printf ("server%u",
                                first_free_number (prefs, "mail.server.server", NULL, NULL));
  identity_key = g_strdup_printf ("id%u",
                                  first_free_number (prefs, "mail.identity.id", NULL, NULL));
  smtp_key = g_strdup_printf ("smtp%u", first_free_number (prefs, "mail.smtpserver.smtp",
                                                           smtp_servers, "smtp"));

  account_prefix = g_strdup_printf ("mail.account.%s.", account_key);
  server_prefix = g_strdup_printf ("mail.server.%s.", server_key);
  identity_prefix = g_strdup_printf ("mail.identity.%s.", identity_key);
  smtp_prefix = g_strdup_printf ("mail.smtpserver.%s.", smtp_key);
  new_accounts = list_append (accounts, account_key);
  new_smtp_servers = list_append (smtp_servers, smtp_key);
  default_account = ms_prefs_js_dup_string_utf8 (prefs, "mail.accountmanager.defaultaccount");
  default_smtp = ms_prefs_js_dup_string_utf8 (prefs, "mail.smtp.defaultserver");

  /* In the order Thunderbird itself sorts them when it rewrites the file. */
  ms_prefs_js_append_string (lines, pref_name (&name, account_prefix, "identities"), identity_key);
  ms_prefs_js_append_string (lines, pref_name (&name, account_prefix, "server"), server_key);
  ms_prefs_js_append_int (lines, "mail.account.lastKey", (gint32) account_number);
  ms_prefs_js_append_string (lines, "mail.accountmanager.accounts", new_accounts);
  if ((default_account == NULL || *g_strstrip (default_account) == '\0') &&
      !has_default_candidate (prefs, accounts))
    ms_prefs_js_append_string (lines, "mail.accountmanager.defaultaccount", account_key);

  ms_prefs_js_append_string (lines, pref_name (&name, identity_prefix, "fullName"),
                             display_name != NULL ? display_name : "");
  ms_prefs_js_append_string (lines, pref_name (&name, identity_prefix, "smtpServer"), smtp_key);
  ms_prefs_js_append_string (lines, pref_name (&name, identity_prefix, "useremail"), address);
  ms_prefs_js_append_bool (lines, pref_name (&name, identity_prefix, "valid"), TRUE);

  ms_prefs_js_append_int (lines, pref_name (&name, server_prefix, "authMethod"),
                          auth_method (ms_server_config_get_auth_mechanism (incoming)));
  ms_prefs_js_append_string (lines, pref_name (&name, server_prefix, "hostname"),
                             ms_server_config_get_host (incoming));
  if (ms_server_config_get_protocol (incoming) == MS_PROTOCOL_POP3)
    ms_prefs_js_append_bool (lines, pref_name (&name, server_prefix, "leave_on_server"), TRUE);
  ms_prefs_js_append_string (lines, pref_name (&name, server_prefix, "name"), address);
  ms_prefs_js_append_int (lines, pref_name (&name, server_prefix, "port"),
                          ms_server_config_get_port (incoming));
  ms_prefs_js_append_int (lines, pref_name (&name, server_prefix, "socketType"),
                          socket_type (ms_server_config_get_security (incoming)));
  ms_prefs_js_append_string (lines, pref_name (&name, server_prefix, "type"),
                             server_type (ms_server_config_get_protocol (incoming)));
  ms_prefs_js_append_string (lines, pref_name (&name, server_prefix, "userName"),
                             get_username (account, incoming));

  if ((default_smtp == NULL || *g_strstrip (default_smtp) == '\0') && *smtp_list == NULL)
    ms_prefs_js_append_string (lines, "mail.smtp.defaultserver", smtp_key);
  ms_prefs_js_append_int (lines, pref_name (&name, smtp_prefix, "authMethod"),
                          auth_method (ms_server_config_get_auth_mechanism (outgoing)));
  ms_prefs_js_append_string (lines, pref_name (&name, smtp_prefix, "description"), address);
  ms_prefs_js_append_string (lines, pref_name (&name, smtp_prefix, "hostname"),
                             ms_server_config_get_host (outgoing));
  ms_prefs_js_append_int (lines, pref_name (&name, smtp_prefix, "port"),
                          ms_server_config_get_port (outgoing));
  ms_prefs_js_append_int (lines, pref_name (&name, smtp_prefix, "try_ssl"),
                          socket_type (ms_server_config_get_security (outgoing)));
  ms_prefs_js_append_string (lines, pref_name (&name, smtp_prefix, "type"), "smtp");
  ms_prefs_js_append_string (lines, pref_name (&name, smtp_prefix, "username"),
                             get_username (account, outgoing));
  ms_prefs_js_append_string (lines, "mail.smtpservers", new_smtp_servers);

  if (out_account_key != NULL)
    *out_account_key = g_steal_pointer (&account_key);
  return g_string_free (g_steal_pointer (&lines), FALSE);
}

static const char *
password_note (MsAccount *account)
{
  if (ms_server_config_get_auth_mechanism (ms_account_get_incoming (account)) ==
      MS_AUTH_MECHANISM_OAUTH2)
    return _("Thunderbird opens your provider's sign-in page the first time it connects.");
  return _("Thunderbird asks for the password once, the first time it connects.");
}

/* prefs.js.mail-setup-YYYYMMDD-HHMMSS.bak, with -2, -3… if that exists already. */
static char *
make_backup_path (const char *profile_path)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  for (guint n = 1;; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup_printf ("prefs.js.mail-setup-%s.bak", stamp)
                                     : g_strdup_printf ("prefs.js.mail-setup-%s-%u.bak", stamp, n);
      g_autofree char *path = g_build_filename (profile_path, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
        return g_steal_pointer (&path);
    }
}

/* A prefs.js that is a symlink (dotfile managers) is written where it points, and stays a
 * symlink. */
static char *
resolve_prefs_path (const char *profile_path,
                    GError    **error)
{
  g_autofree char *path = g_build_filename (profile_path, "prefs.js", NULL);
  g_autofree char *resolved = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    return g_steal_pointer (&path);

  resolved = realpath (path, NULL);
  if (resolved == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not follow the link %s: %s"), path, g_strerror (saved_errno));
      return NULL;
    }
  return g_strdup (resolved);
}

static GBytes *
concat_bytes (GBytes *first,
              GBytes *second)
{
  GByteArray *joined = g_byte_array_sized_new (g_bytes_get_size (first) +
                                               g_bytes_get_size (second));

  g_byte_array_append (joined, g_bytes_get_data (first, NULL), g_bytes_get_size (first));
  g_byte_array_append (joined, g_bytes_get_data (second, NULL), g_bytes_get_size (second));
  return g_byte_array_free_to_bytes (joined);
}

static gboolean
write_prefs (const char *profile_path,
             const char *prefs_path,
             GBytes     *original,
             GBytes     *appendix,
             const char *backup_path,
             GError    **error)
{
  g_autoptr (GBytes) current = NULL;
  g_autoptr (GBytes) contents = NULL;
  g_autoptr (GError) local_error = NULL;
  int mode = _ms_thunderbird_get_mode (prefs_path, 0600);
  int lock_fd = -1;
  gboolean ok;

  if (!_ms_thunderbird_lock_profile (profile_path, &lock_fd, error))
    return FALSE;

  /* Thunderbird may have run between reading and locking. */
  current = _ms_thunderbird_read_file (prefs_path, MS_PREFS_JS_MAX_SIZE, &local_error);
  if (original != NULL ? (current == NULL || !g_bytes_equal (current, original))
                       : (current != NULL ||
                          !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   _("%s changed while the account was being added; try again."), prefs_path);
      if (lock_fd >= 0)
        close (lock_fd);
      return FALSE;
    }

  if (original != NULL && !_ms_thunderbird_write_file (backup_path, original, mode, error))
    {
      if (lock_fd >= 0)
        close (lock_fd);
      return FALSE;
    }

  contents = original != NULL ? concat_bytes (original, appendix) : g_bytes_ref (appendix);
  ok = _ms_thunderbird_write_file (prefs_path, contents, mode, error);
  if (!ok && original != NULL)
    g_unlink (backup_path);

  if (lock_fd >= 0)
    close (lock_fd);
  return ok;
}

static MsExportReport *
export_to_profile (MsAccount  *account,
                   const char *profile_path,
                   gboolean    dry_run,
                   char      **out_account_key,
                   GError    **error)
{
  g_autoptr (MsExportReport) report = ms_export_report_new ("thunderbird", dry_run);
  g_autofree char *prefs_path = NULL;
  g_autofree char *backup_path = NULL;
  g_autofree char *existing_key = NULL;
  g_autofree char *account_key = NULL;
  g_autofree char *lines = NULL;
  g_autoptr (GBytes) original = NULL;
  g_autoptr (GBytes) appendix = NULL;
  g_autoptr (MsPrefsJs) prefs = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_test (profile_path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("There is no Thunderbird profile at %s"), profile_path);
      return NULL;
    }

  if (!ms_thunderbird_check_not_in_use (profile_path, error))
    return NULL;

  prefs_path = resolve_prefs_path (profile_path, error);
  if (prefs_path == NULL)
    return NULL;

  original = _ms_thunderbird_read_file (prefs_path, MS_PREFS_JS_MAX_SIZE, &local_error);
  if (original == NULL && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  {
    g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);

    prefs = ms_prefs_js_new_from_bytes (original != NULL ? original : empty,
                                        MS_PREFS_JS_PARSE_DEFAULT, error);
  }
  if (prefs == NULL)
    return NULL;
  if (ms_prefs_js_get_n_errors (prefs) > 0)
    g_debug ("%s: skipped %u malformed statements, as Thunderbird does", prefs_path,
             ms_prefs_js_get_n_errors (prefs));
  if (!ms_prefs_js_check_appendable (prefs, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code, "%s: %s", prefs_path,
                   local_error->message);
      return NULL;
    }

  existing_key = ms_thunderbird_find_account (prefs, account);
  if (existing_key != NULL)
    {
      g_autofree char *note =
        g_strdup_printf (_("Thunderbird already has this account (%s); nothing was changed."),
                         existing_key);

      ms_export_report_add (report, MS_EXPORT_ACTION_UNCHANGED, prefs_path, NULL, note);
      if (out_account_key != NULL)
        *out_account_key = g_steal_pointer (&existing_key);
      return g_steal_pointer (&report);
    }

  lines = ms_thunderbird_make_account_prefs (prefs, account, &account_key, error);
  if (lines == NULL)
    return NULL;

  if (original != NULL)
    {
      appendix = ms_prefs_js_make_appendix (prefs, lines);
      backup_path = make_backup_path (profile_path);
      ms_export_report_add (report, MS_EXPORT_ACTION_APPEND, prefs_path, appendix,
                            password_note (account));
      ms_export_report_add (report, MS_EXPORT_ACTION_CREATE, backup_path, NULL,
                            _("A copy of prefs.js as it was before"));
    }
  else
    {
      appendix = g_bytes_new (lines, strlen (lines));
      ms_export_report_add (report, MS_EXPORT_ACTION_CREATE, prefs_path, appendix,
                            password_note (account));
    }

  if (!dry_run &&
      !write_prefs (profile_path, prefs_path, original, appendix, backup_path, error))
    return NULL;

  g_debug ("%s %s to %s", dry_run ? "Would add" : "Added", account_key, prefs_path);
  if (out_account_key != NULL)
    *out_account_key = g_steal_pointer (&account_key);
  return g_steal_pointer (&report);
}

static MsExportReport *
export_to_new_profile (MsAccount *account,
                       gboolean   dry_run,
                       char     **out_account_key,
                       GError   **error)
{
  g_autoptr (MsExportReport) report = ms_export_report_new ("thunderbird", dry_run);
  g_autoptr (MsThunderbirdNewProfile) plan = NULL;
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (MsPrefsJs) prefs = NULL;
  g_autoptr (GBytes) prefs_js = NULL;
  g_autofree char *account_key = NULL;
  g_autofree char *lines = NULL;
  g_autofree char *prefs_path = NULL;

  plan = _ms_thunderbird_plan_new_profile (error);
  if (plan == NULL)
    return NULL;

  prefs = ms_prefs_js_new_from_bytes (empty, MS_PREFS_JS_PARSE_DEFAULT, error);
  lines = ms_thunderbird_make_account_prefs (prefs, account, &account_key, error);
  if (lines == NULL)
    return NULL;
  prefs_js = g_bytes_new (lines, strlen (lines));
  prefs_path = g_build_filename (plan->profile_path, "prefs.js", NULL);

  ms_export_report_add (report, MS_EXPORT_ACTION_CREATE, prefs_path, prefs_js,
                        password_note (account));
  ms_export_report_add (report, MS_EXPORT_ACTION_CREATE, plan->compatibility_ini_path,
                        plan->compatibility_ini,
                        _("Lets Thunderbird adopt the new profile at its first start"));
  ms_export_report_add (report,
                        plan->profiles_ini_original != NULL ? MS_EXPORT_ACTION_APPEND
                                                            : MS_EXPORT_ACTION_CREATE,
                        plan->profiles_ini_path, plan->profiles_ini_addition,
                        _("Thunderbird had no profile yet: this one becomes its default"));

  if (!dry_run && !_ms_thunderbird_create_profile (plan, prefs_js, error))
    return NULL;

  if (out_account_key != NULL)
    *out_account_key = g_steal_pointer (&account_key);
  return g_steal_pointer (&report);
}

/**
 * ms_thunderbird_export:
 * @account: a complete account (see ms_account_validate())
 * @profile_path: (nullable): the profile directory to write to, or %NULL for the profile
 *   Thunderbird starts with (ms_thunderbird_find_default_profile()); when Thunderbird has no
 *   profile at all, one is created the way Thunderbird adopts it at its first start
 * @dry_run: work everything out and report it, but touch nothing
 * @out_account_key: (out) (optional): the key of the account written, or of the one already
 *   there
 * @error: return location for a translated error: %G_IO_ERROR_BUSY while Thunderbird has the
 *   profile open (the same with @dry_run, which predicts the real run), %G_IO_ERROR_NOT_FOUND
 *   for a missing profile or when no profile is Thunderbird's default, %G_IO_ERROR_INVALID_DATA
 *   for a prefs.js that appending would not work with, or an error from reading or writing
 *
 * Adds @account to a Thunderbird profile: prefs.js gets the account's prefs appended (every
 * existing byte kept), after a copy of the old file has been saved next to it. An account with
 * the same incoming server type, host and user name is not added again: the report then holds one
 * %MS_EXPORT_ACTION_UNCHANGED change and @out_account_key names it. Passwords are not written:
 * Thunderbird asks for them itself (the report's note says so).
 *
 * Synchronous: call it from a thread in a GUI.
 *
 * Returns: (transfer full) (nullable): what was (or would be) written where
 */
MsExportReport *
ms_thunderbird_export (MsAccount  *account,
                       const char *profile_path,
                       gboolean    dry_run,
                       char      **out_account_key,
                       GError    **error)
{
  g_autoptr (GPtrArray) profiles = NULL;
  g_autoptr (MsThunderbirdProfile) profile = NULL;

  g_return_val_if_fail (MS_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (out_account_key == NULL || *out_account_key == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ms_account_validate (account, error))
    return NULL;

  if (profile_path != NULL)
    {
      g_autofree char *canonical = g_canonicalize_filename (profile_path, NULL);

      return export_to_profile (account, canonical, dry_run, out_account_key, error);
    }

  profiles = ms_thunderbird_find_profiles (error);
  if (profiles == NULL)
    return NULL;
  if (profiles->len == 0)
    return export_to_new_profile (account, dry_run, out_account_key, error);

  profile = _ms_thunderbird_choose_default_profile (profiles);
  if (profile == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("Thunderbird has profiles, but none it starts with by default; "
                             "choose a profile folder."));
      return NULL;
    }

  return export_to_profile (account, ms_thunderbird_profile_get_path (profile), dry_run,
                            out_account_key, error);
}
