/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-account-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-account-store.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ms-address.h"
#include "ms-error.h"

#define FILE_SUFFIX ".account"

/* Several hundred accounts is already unusual; the bound only keeps a runaway loop finite. */
#define MAX_ID_SUFFIX 1000

struct _MsAccountStore
{
  GObject parent_instance;

  char   *directory;
};

G_DEFINE_FINAL_TYPE (MsAccountStore, ms_account_store, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DIRECTORY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ms_account_store_finalize (GObject *object)
{
  MsAccountStore *self = (MsAccountStore *) object;

  g_clear_pointer (&self->directory, g_free);

  G_OBJECT_CLASS (ms_account_store_parent_class)->finalize (object);
}

static void
ms_account_store_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  MsAccountStore *self = MS_ACCOUNT_STORE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_account_store_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  MsAccountStore *self = MS_ACCOUNT_STORE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_assert (self->directory == NULL);
      if (g_value_get_string (value) != NULL)
        self->directory = g_value_dup_string (value);
      else
        self->directory =
          g_build_filename (g_get_user_config_dir (), "mail-setup", "accounts", NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_account_store_class_init (MsAccountStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ms_account_store_finalize;
  object_class->get_property = ms_account_store_get_property;
  object_class->set_property = ms_account_store_set_property;

  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ms_account_store_init (MsAccountStore *self)
{
}

/**
 * ms_account_store_new:
 * @directory: (nullable): where the account files live, or %NULL for
 *   `$XDG_CONFIG_HOME/mail-setup/accounts`
 *
 * Returns: (transfer full): a store of the app's own accounts, one key file per account
 */
MsAccountStore *
ms_account_store_new (const char *directory)
{
  return g_object_new (MS_TYPE_ACCOUNT_STORE, "directory", directory, NULL);
}

const char *
ms_account_store_get_directory (MsAccountStore *self)
{
  g_return_val_if_fail (MS_IS_ACCOUNT_STORE (self), NULL);
  return self->directory;
}

/**
 * ms_account_store_get_path:
 * @self: a store
 * @id: a valid account id
 *
 * Returns: (transfer full): the file that holds (or would hold) account @id
 */
char *
ms_account_store_get_path (MsAccountStore *self,
                           const char     *id)
{
  g_autofree char *basename = NULL;

  g_return_val_if_fail (MS_IS_ACCOUNT_STORE (self), NULL);
  g_return_val_if_fail (id != NULL && ms_account_id_is_valid (id), NULL);

  basename = g_strconcat (id, FILE_SUFFIX, NULL);
  return g_build_filename (self->directory, basename, NULL);
}

static MsAccount *
load_file (const char *path,
           GError    **error)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (MsAccount) account = NULL;

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, MS_ERROR, MS_ERROR_ACCOUNT_NOT_FOUND,
                     _("There is no account file “%s”"), path);
      else
        g_set_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT,
                     _("Cannot read the account file “%s”: %s"), path, local_error->message);
      return NULL;
    }

  account = ms_account_new_from_key_file (key_file, &local_error);
  if (account == NULL)
    {
      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_ACCOUNT, "%s: %s", path,
                   local_error->message);
      return NULL;
    }

  /* A file copied in by hand may lack its Id; its name is the id then. */
  if (ms_account_get_id (account) == NULL)
    {
      g_autofree char *basename = g_path_get_basename (path);

      if (g_str_has_suffix (basename, FILE_SUFFIX))
        {
          basename[strlen (basename) - strlen (FILE_SUFFIX)] = '\0';
          if (ms_account_id_is_valid (basename))
            ms_account_set_id (account, basename);
        }
    }

  return g_steal_pointer (&account);
}

static int
compare_accounts (gconstpointer a,
                  gconstpointer b)
{
  MsAccount *account_a = *(MsAccount **) a;
  MsAccount *account_b = *(MsAccount **) b;
  int result;

  result = g_utf8_collate (ms_account_get_display_name (account_a),
                           ms_account_get_display_name (account_b));
  if (result != 0)
    return result;

  return g_strcmp0 (ms_account_get_id (account_a), ms_account_get_id (account_b));
}

/**
 * ms_account_store_list:
 * @self: a store
 * @out_problems: (out) (optional) (element-type GError): the files that could not be read,
 *   one #GError each, naming the file
 * @error: return location for an error reading the directory itself
 *
 * Reads every account. One broken file does not hide the others: it is reported in
 * @out_problems and skipped.
 *
 * Returns: (transfer full) (element-type MsAccount): the accounts, sorted by name
 */
GPtrArray *
ms_account_store_list (MsAccountStore *self,
                       GPtrArray     **out_problems,
                       GError        **error)
{
  g_autoptr (GPtrArray) accounts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *name;

  g_return_val_if_fail (MS_IS_ACCOUNT_STORE (self), NULL);

  dir = g_dir_open (self->directory, 0, &local_error);
  if (dir == NULL && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_file_error (local_error->code),
                   _("Cannot read the account folder: %s"), local_error->message);
      return NULL;
    }

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GError *problem = NULL;
      MsAccount *account;

      if (!g_str_has_suffix (name, FILE_SUFFIX) || name[0] == '.')
        continue;

      path = g_build_filename (self->directory, name, NULL);
      account = load_file (path, &problem);
      if (account != NULL)
        g_ptr_array_add (accounts, account);
      else
        g_ptr_array_add (problems, problem);
    }

  g_ptr_array_sort (accounts, compare_accounts);

  if (out_problems != NULL)
    *out_problems = g_steal_pointer (&problems);

  return g_steal_pointer (&accounts);
}

/**
 * ms_account_store_lookup:
 * @self: a store
 * @id_or_path: an account id, or the path of an account file (anything with a "/" in it, or a
 *   name ending in `.account`)
 * @error: return location for a translated error
 *
 * Returns: (transfer full) (nullable): the account, or %NULL with @error set
 */
MsAccount *
ms_account_store_lookup (MsAccountStore *self,
                         const char     *id_or_path,
                         GError        **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (MS_IS_ACCOUNT_STORE (self), NULL);
  g_return_val_if_fail (id_or_path != NULL, NULL);

  if (strchr (id_or_path, '/') != NULL || g_str_has_suffix (id_or_path, FILE_SUFFIX))
    return load_file (id_or_path, error);

  if (!ms_account_id_is_valid (id_or_path))
    {
      g_set_error (error, MS_ERROR, MS_ERROR_ACCOUNT_NOT_FOUND,
                   _("“%s” is neither an account id nor the path of an account file"),
                   id_or_path);
      return NULL;
    }

  path = ms_account_store_get_path (self, id_or_path);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, MS_ERROR, MS_ERROR_ACCOUNT_NOT_FOUND,
                   _("There is no account with the id “%s”"), id_or_path);
      return NULL;
    }

  return load_file (path, error);
}

static gboolean
same_address (const char *a,
              const char *b)
{
  g_autoptr (MsAddress) parsed_a = ms_address_parse (a, NULL);
  g_autoptr (MsAddress) parsed_b = ms_address_parse (b, NULL);

  if (parsed_a == NULL || parsed_b == NULL)
    return g_ascii_strcasecmp (a, b) == 0;

  /* Local parts are case-sensitive by the letter of RFC 5321, and case-insensitive at every
   * provider people use; for "is this the same account" the latter is what matters. */
  return g_utf8_collate (parsed_a->address, parsed_b->address) == 0 ||
         g_ascii_strcasecmp (parsed_a->address, parsed_b->address) == 0;
}

/**
 * ms_account_store_find_by_address:
 * @self: a store
 * @address: an e-mail address
 * @error: return location for an error reading the store
 *
 * Returns: (transfer full) (nullable): the stored account for @address, or %NULL (with
 *   @error unset) when there is none
 */
MsAccount *
ms_account_store_find_by_address (MsAccountStore *self,
                                  const char     *address,
                                  GError        **error)
{
  g_autoptr (GPtrArray) accounts = NULL;

  g_return_val_if_fail (MS_IS_ACCOUNT_STORE (self), NULL);
  g_return_val_if_fail (address != NULL, NULL);

  accounts = ms_account_store_list (self, NULL, error);
  if (accounts == NULL)
    return NULL;

  for (guint i = 0; i < accounts->len; i++)
    {
      MsAccount *account = g_ptr_array_index (accounts, i);

      if (same_address (ms_account_get_address (account), address))
        return g_object_ref (account);
    }

  return NULL;
}

/**
 * ms_account_store_save:
 * @self: a store
 * @account: an account with an id
 * @error: return location for a translated error
 *
 * Writes @account atomically (a complete new file replaces the old one, or nothing changes),
 * readable by the user only. The file never holds a secret.
 *
 * Returns: whether the account was written
 */
gboolean
ms_account_store_save (MsAccountStore *self,
                       MsAccount      *account,
                       GError        **error)
{
  g_autoptr (GKeyFile) key_file = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (MS_IS_ACCOUNT_STORE (self), FALSE);
  g_return_val_if_fail (MS_IS_ACCOUNT (account), FALSE);
  g_return_val_if_fail (ms_account_get_id (account) != NULL, FALSE);

  if (!ms_account_validate (account, error))
    return FALSE;

  if (g_mkdir_with_parents (self->directory, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot create the folder “%s”: %s"), self->directory,
                   g_strerror (saved_errno));
      return FALSE;
    }

  key_file = ms_account_to_key_file (account);
  data = g_key_file_to_data (key_file, &length, NULL);
  path = ms_account_store_get_path (self, ms_account_get_id (account));

  if (!g_file_set_contents_full (path, data, (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot save the account: %s"),
                   local_error->message);
      return FALSE;
    }

  return TRUE;
}

/**
 * ms_account_store_add:
 * @self: a store
 * @account: a new account; its id is set if it has none
 * @error: return location for a translated error
 *
 * Saves a new account. An address can only be stored once: a second account for the same
 * address fails with %MS_ERROR_ACCOUNT_EXISTS, naming the existing account.
 *
 * Returns: whether the account was added
 */
gboolean
ms_account_store_add (MsAccountStore *self,
                      MsAccount      *account,
                      GError        **error)
{
  g_autoptr (MsAccount) existing = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (MS_IS_ACCOUNT_STORE (self), FALSE);
  g_return_val_if_fail (MS_IS_ACCOUNT (account), FALSE);

  if (!ms_account_validate (account, error))
    return FALSE;

  existing = ms_account_store_find_by_address (self, ms_account_get_address (account),
                                               &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (existing != NULL)
    {
      g_set_error (error, MS_ERROR, MS_ERROR_ACCOUNT_EXISTS,
                   _("An account for %s exists already, with the id “%s”"),
                   ms_account_get_address (existing), ms_account_get_id (existing));
      return FALSE;
    }

  if (ms_account_get_id (account) == NULL)
    {
      g_autofree char *base = ms_account_make_id (ms_account_get_address (account));
      g_autofree char *id = g_strdup (base);

      for (guint n = 2; n < MAX_ID_SUFFIX; n++)
        {
          g_autofree char *path = ms_account_store_get_path (self, id);

          if (!g_file_test (path, G_FILE_TEST_EXISTS))
            break;
          g_free (id);
          id = g_strdup_printf ("%s-%u", base, n);
        }
      ms_account_set_id (account, id);
    }
  else
    {
      g_autofree char *path = ms_account_store_get_path (self, ms_account_get_id (account));

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, MS_ERROR, MS_ERROR_ACCOUNT_EXISTS,
                       _("An account with the id “%s” exists already"),
                       ms_account_get_id (account));
          return FALSE;
        }
    }

  return ms_account_store_save (self, account, error);
}

/**
 * ms_account_store_remove:
 * @self: a store
 * @id: the id of a stored account
 * @error: return location for a translated error
 *
 * Returns: whether the account file was removed
 */
gboolean
ms_account_store_remove (MsAccountStore *self,
                         const char     *id,
                         GError        **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (MS_IS_ACCOUNT_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (!ms_account_id_is_valid (id))
    {
      g_set_error (error, MS_ERROR, MS_ERROR_ACCOUNT_NOT_FOUND,
                   _("There is no account with the id “%s”"), id);
      return FALSE;
    }

  path = ms_account_store_get_path (self, id);
  if (g_unlink (path) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        g_set_error (error, MS_ERROR, MS_ERROR_ACCOUNT_NOT_FOUND,
                     _("There is no account with the id “%s”"), id);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                     _("Cannot remove “%s”: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}
