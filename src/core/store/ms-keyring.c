/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-keyring"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-keyring.h"

#include "ms-account.h"
#include "ms-server-config.h"

/* Passwords go to the Secret Service on the session bus (GNOME Keyring, KeePassXC, …) and
 * nowhere else. We talk to SecretService directly rather than through secret_password_*():
 * those pick a SecretBackend, and libsecret's file backend (chosen by $SECRET_BACKEND, or
 * inside a sandbox) would put the secret into a file of ours — a store the user did not
 * choose and that the mail clients, which read the desktop keyring, cannot see. With no secret
 * service the operation fails with a clear error; there is no fallback of any kind. Nothing in
 * this file logs a password or an error that could carry one. */

static const SecretSchema password_schema = {
  "org.example.MailSetup.Password",
  SECRET_SCHEMA_NONE,
  {
    { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

typedef enum
{
  KEYRING_STORE,
  KEYRING_LOOKUP,
  KEYRING_CLEAR,
} KeyringOperation;

typedef struct
{
  KeyringOperation operation;
  SecretSchema    *schema;
  GHashTable      *attributes;
  char            *label;
  SecretValue     *value;
} KeyringData;

static void
keyring_data_free (KeyringData *data)
{
  g_clear_pointer (&data->schema, secret_schema_unref);
  g_clear_pointer (&data->attributes, g_hash_table_unref);
  g_clear_pointer (&data->label, g_free);
  g_clear_pointer (&data->value, secret_value_unref);
  g_free (data);
}

/**
 * ms_keyring_get_schema:
 *
 * Returns: (transfer none): the schema of Mail Setup's own keyring items,
 *   `org.example.MailSetup.Password`, with the attributes `account` (the account id),
 *   `protocol` (`imap`, `pop3` or `smtp`), `host` and `user`
 */
const SecretSchema *
ms_keyring_get_schema (void)
{
  return &password_schema;
}

static const char *
server_user (MsAccount      *account,
             MsServerConfig *server)
{
  const char *user = ms_server_config_get_username (server);

  return user != NULL && *user != '\0' ? user : ms_account_get_address (account);
}

/**
 * ms_keyring_make_label:
 * @account: an account
 * @server: its incoming or outgoing server
 *
 * Returns: (transfer full): the label the keyring item for @server's password carries, the name
 *   a person sees in Seahorse: "Mail Setup: alice@example.com on imap.example.com (IMAP)"
 */
char *
ms_keyring_make_label (MsAccount      *account,
                       MsServerConfig *server)
{
  g_autofree char *protocol = NULL;

  g_return_val_if_fail (MS_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (MS_IS_SERVER_CONFIG (server), NULL);

  protocol = g_ascii_strup (ms_protocol_to_string (ms_server_config_get_protocol (server)), -1);
  /* Translators: the label of a password in the keyring (Seahorse shows it). The first %s is
   * the user name, the second the server's host name, the third the protocol: IMAP, POP3 or
   * SMTP. */
  return g_strdup_printf (_("Mail Setup: %s on %s (%s)"), server_user (account, server),
                          ms_server_config_get_host (server), protocol);
}

static GHashTable *
account_attributes (MsAccount      *account,
                    MsServerConfig *server)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (attributes, (gpointer) "account", g_strdup (ms_account_get_id (account)));
  if (server != NULL)
    {
      MsProtocol protocol = ms_server_config_get_protocol (server);

      g_hash_table_insert (attributes, (gpointer) "protocol",
                           g_strdup (ms_protocol_to_string (protocol)));
      g_hash_table_insert (attributes, (gpointer) "host",
                           g_strdup (ms_server_config_get_host (server)));
      g_hash_table_insert (attributes, (gpointer) "user",
                           g_strdup (server_user (account, server)));
    }
  return attributes;
}

static gboolean
error_means_unavailable (const GError *error)
{
  if (error->domain == G_DBUS_ERROR)
    {
      switch (error->code)
        {
        case G_DBUS_ERROR_SERVICE_UNKNOWN:
        case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
        case G_DBUS_ERROR_NO_SERVER:
        case G_DBUS_ERROR_NO_REPLY:
        case G_DBUS_ERROR_TIMEOUT:
        case G_DBUS_ERROR_TIMED_OUT:
        case G_DBUS_ERROR_DISCONNECTED:
        case G_DBUS_ERROR_FILE_NOT_FOUND:
        case G_DBUS_ERROR_UNKNOWN_METHOD:
        case G_DBUS_ERROR_UNKNOWN_OBJECT:
        case G_DBUS_ERROR_UNKNOWN_INTERFACE:
        case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
        case G_DBUS_ERROR_SPAWN_FORK_FAILED:
        case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
        case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
        case G_DBUS_ERROR_SPAWN_FAILED:
        case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
        case G_DBUS_ERROR_SPAWN_NO_MEMORY:
          return TRUE;
        default:
          return FALSE;
        }
    }

  if (error->domain == G_IO_ERROR)
    return error->code == G_IO_ERROR_CLOSED || error->code == G_IO_ERROR_NOT_FOUND ||
           error->code == G_IO_ERROR_CONNECTION_REFUSED || error->code == G_IO_ERROR_TIMED_OUT;

  return FALSE;
}

/* The one place that turns what libsecret and D-Bus report into what the user reads. */
static GError *
keyring_error_new (GError          *error,
                   gboolean         connecting,
                   KeyringOperation operation,
                   GCancellable    *cancellable)
{
  g_autoptr (GError) cause = error;
  g_autofree char *detail = NULL;

  if (g_cancellable_is_cancelled (cancellable))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));

  if (g_dbus_error_is_remote_error (cause))
    g_dbus_error_strip_remote_error (cause);
  g_debug ("The secret service reported: %s", cause->message);

  if (connecting || error_means_unavailable (cause))
    {
      /* Whoever comes next should find the service anew, e.g. once the user started it. */
      secret_service_disconnect ();
      return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                  _("No keyring is available: no secret service (such as GNOME "
                                    "Keyring) answers in this session. Mail Setup never keeps "
                                    "passwords anywhere else; start your keyring and try "
                                    "again."));
    }

  /* A dismissed unlock prompt ends as a locked collection (store) or as a cancellation the
   * caller did not ask for (other paths). */
  if (g_error_matches (cause, SECRET_ERROR, SECRET_ERROR_IS_LOCKED) ||
      g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                _("The keyring is locked. Unlock it (for example in Passwords "
                                  "and Keys) when asked, and try again."));

  detail = g_strdup (cause->message);
  switch (operation)
    {
    case KEYRING_STORE:
      return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                          _("The keyring did not store the password: %s"), detail);
    case KEYRING_LOOKUP:
      return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                          _("The keyring did not look up the password: %s"), detail);
    case KEYRING_CLEAR:
      return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                          _("The keyring did not remove the password: %s"), detail);
    default:
      g_assert_not_reached ();
    }
}

static void
return_keyring_error (GTask   *task,
                      GError  *error,
                      gboolean connecting)
{
  KeyringData *data = g_task_get_task_data (task);

  g_task_return_error (task, keyring_error_new (error, connecting, data->operation,
                                                g_task_get_cancellable (task)));
}

static void
on_stored (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!secret_service_store_finish (SECRET_SERVICE (object), result, &error))
    {
      return_keyring_error (task, error, FALSE);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static char *
item_password (SecretItem *item)
{
  g_autoptr (SecretValue) value = secret_item_get_secret (item);
  const char *text;
  gsize length = 0;

  if (value == NULL)
    return NULL;

  text = secret_value_get (value, &length);
  if (text == NULL || !g_utf8_validate (text, length, NULL))
    return NULL;
  return g_strndup (text, length);
}

static void
on_searched (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GList *items;
  gboolean locked = FALSE;

  items = secret_service_search_finish (SECRET_SERVICE (object), result, &error);
  if (error != NULL)
    {
      return_keyring_error (task, error, FALSE);
      return;
    }

  for (GList *l = items; l != NULL; l = l->next)
    {
      SecretItem *item = l->data;
      char *password;

      if (secret_item_get_locked (item))
        {
          locked = TRUE;
          continue;
        }

      password = item_password (item);
      if (password != NULL)
        {
          g_list_free_full (items, g_object_unref);
          g_task_return_pointer (task, password, g_free);
          return;
        }
    }
  g_list_free_full (items, g_object_unref);

  /* An item is there, but its collection stayed locked: the unlock prompt was dismissed. That
   * is not "no password". */
  if (locked)
    {
      return_keyring_error (task, g_error_new_literal (SECRET_ERROR, SECRET_ERROR_IS_LOCKED, ""),
                            FALSE);
      return;
    }

  g_task_return_pointer (task, NULL, NULL);
}

static void
on_cleared (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  gboolean removed;

  removed = secret_service_clear_finish (SECRET_SERVICE (object), result, &error);
  if (error != NULL)
    {
      return_keyring_error (task, error, FALSE);
      return;
    }

  g_task_return_int (task, removed ? 1 : 0);
}

static void
on_service (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KeyringData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr (SecretService) service = NULL;
  GError *error = NULL;

  service = secret_service_get_finish (result, &error);
  if (service == NULL)
    {
      return_keyring_error (task, error, TRUE);
      return;
    }

  switch (data->operation)
    {
    case KEYRING_STORE:
      secret_service_store (service, data->schema, data->attributes, SECRET_COLLECTION_DEFAULT,
                            data->label, data->value, cancellable, on_stored,
                            g_steal_pointer (&task));
      break;
    case KEYRING_LOOKUP:
      secret_service_search (service, data->schema, data->attributes,
                             SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS, cancellable,
                             on_searched, g_steal_pointer (&task));
      break;
    case KEYRING_CLEAR:
      secret_service_clear (service, data->schema, data->attributes, cancellable, on_cleared,
                            g_steal_pointer (&task));
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
keyring_run (KeyringOperation    operation,
             const SecretSchema *schema,
             GHashTable         *attributes,
             const char         *label,
             const char         *password,
             GCancellable       *cancellable,
             GAsyncReadyCallback callback,
             gpointer            user_data,
             gpointer            source_tag)
{
  g_autoptr (GTask) task = NULL;
  KeyringData *data;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  data = g_new0 (KeyringData, 1);
  data->operation = operation;
  /* A copy when @schema is static: the caller need not keep it alive. */
  data->schema = secret_schema_ref ((SecretSchema *) schema);
  data->attributes = g_hash_table_ref (attributes);
  data->label = g_strdup (label);
  if (password != NULL)
    data->value = secret_value_new (password, -1, "text/plain");
  g_task_set_task_data (task, data, (GDestroyNotify) keyring_data_free);

  secret_service_get (operation == KEYRING_CLEAR ? SECRET_SERVICE_NONE
                                                 : SECRET_SERVICE_OPEN_SESSION,
                      cancellable, on_service, g_steal_pointer (&task));
}

static gboolean
check_task (GAsyncResult *result,
            gpointer      source_tag)
{
  return g_task_is_valid (result, NULL) && g_task_get_source_tag (G_TASK (result)) == source_tag;
}

/**
 * ms_keyring_store_item_async:
 * @schema: the item's schema (copied when static)
 * @attributes: (element-type utf8 utf8): the item's attributes, valid for @schema
 * @label: the name a person sees in Seahorse
 * @password: the secret, UTF-8
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Stores @password in the default collection of the desktop keyring, replacing an item with the
 * same attributes. For the mail clients' own schemas (Evolution's); Mail Setup's own passwords
 * go through ms_keyring_store_async().
 */
void
ms_keyring_store_item_async (const SecretSchema *schema,
                             GHashTable         *attributes,
                             const char         *label,
                             const char         *password,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_return_if_fail (schema != NULL);
  g_return_if_fail (attributes != NULL);
  g_return_if_fail (label != NULL);
  g_return_if_fail (password != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  keyring_run (KEYRING_STORE, schema, attributes, label, password, cancellable, callback,
               user_data, ms_keyring_store_item_async);
}

/**
 * ms_keyring_store_item_finish:
 * @result: the result
 * @error: return location for a translated error: %G_IO_ERROR_NOT_SUPPORTED when no secret
 *   service runs, %G_IO_ERROR_PERMISSION_DENIED when the keyring stayed locked,
 *   %G_IO_ERROR_CANCELLED, or %G_IO_ERROR_FAILED
 *
 * Returns: whether the password is in the keyring now
 */
gboolean
ms_keyring_store_item_finish (GAsyncResult *result,
                              GError      **error)
{
  g_return_val_if_fail (check_task (result, ms_keyring_store_item_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * ms_keyring_lookup_item_async:
 * @schema: the item's schema (copied when static)
 * @attributes: (element-type utf8 utf8): the attributes to match
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Looks up the password of the item matching @attributes; the keyring may ask the user to
 * unlock it.
 */
void
ms_keyring_lookup_item_async (const SecretSchema *schema,
                              GHashTable         *attributes,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_return_if_fail (schema != NULL);
  g_return_if_fail (attributes != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  keyring_run (KEYRING_LOOKUP, schema, attributes, NULL, NULL, cancellable, callback, user_data,
               ms_keyring_lookup_item_async);
}

/**
 * ms_keyring_lookup_item_finish:
 * @result: the result
 * @error: return location for a translated error (see ms_keyring_store_item_finish())
 *
 * Returns: (transfer full) (nullable): the password, %NULL with @error unset when there is none;
 *   free it with g_free()
 */
char *
ms_keyring_lookup_item_finish (GAsyncResult *result,
                               GError      **error)
{
  g_return_val_if_fail (check_task (result, ms_keyring_lookup_item_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * ms_keyring_clear_item_async:
 * @schema: the items' schema (copied when static)
 * @attributes: (element-type utf8 utf8): the attributes to match
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Removes every item matching @attributes.
 */
void
ms_keyring_clear_item_async (const SecretSchema *schema,
                             GHashTable         *attributes,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_return_if_fail (schema != NULL);
  g_return_if_fail (attributes != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  keyring_run (KEYRING_CLEAR, schema, attributes, NULL, NULL, cancellable, callback, user_data,
               ms_keyring_clear_item_async);
}

static gboolean
propagate_cleared (GAsyncResult *result,
                   gboolean     *out_removed,
                   GError      **error)
{
  gssize removed = g_task_propagate_int (G_TASK (result), error);

  if (out_removed != NULL)
    *out_removed = removed > 0;
  return removed >= 0;
}

/**
 * ms_keyring_clear_item_finish:
 * @result: the result
 * @out_removed: (out) (optional): whether there was anything to remove
 * @error: return location for a translated error (see ms_keyring_store_item_finish())
 *
 * Returns: whether no matching item is left
 */
gboolean
ms_keyring_clear_item_finish (GAsyncResult *result,
                              gboolean     *out_removed,
                              GError      **error)
{
  g_return_val_if_fail (check_task (result, ms_keyring_clear_item_async), FALSE);

  return propagate_cleared (result, out_removed, error);
}

/**
 * ms_keyring_store_async:
 * @account: an account with an id
 * @server: its incoming or outgoing server
 * @password: the password for @server, UTF-8
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Stores the password for @server under Mail Setup's own schema (see ms_keyring_get_schema()),
 * labelled with ms_keyring_make_label(). An earlier password for the same account, protocol,
 * host and user is replaced.
 */
void
ms_keyring_store_async (MsAccount          *account,
                        MsServerConfig     *server,
                        const char         *password,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr (GHashTable) attributes = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (MS_IS_ACCOUNT (account));
  g_return_if_fail (ms_account_get_id (account) != NULL);
  g_return_if_fail (MS_IS_SERVER_CONFIG (server));
  g_return_if_fail (ms_server_config_get_host (server) != NULL);
  g_return_if_fail (password != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  attributes = account_attributes (account, server);
  label = ms_keyring_make_label (account, server);
  keyring_run (KEYRING_STORE, &password_schema, attributes, label, password, cancellable,
               callback, user_data, ms_keyring_store_async);
}

/**
 * ms_keyring_store_finish:
 * @result: the result
 * @error: return location for a translated error (see ms_keyring_store_item_finish())
 *
 * Returns: whether the password is in the keyring now
 */
gboolean
ms_keyring_store_finish (GAsyncResult *result,
                         GError      **error)
{
  g_return_val_if_fail (check_task (result, ms_keyring_store_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * ms_keyring_lookup_async:
 * @account: an account with an id
 * @server: its incoming or outgoing server
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Looks up the password ms_keyring_store_async() stored for @server.
 */
void
ms_keyring_lookup_async (MsAccount          *account,
                         MsServerConfig     *server,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  g_autoptr (GHashTable) attributes = NULL;

  g_return_if_fail (MS_IS_ACCOUNT (account));
  g_return_if_fail (ms_account_get_id (account) != NULL);
  g_return_if_fail (MS_IS_SERVER_CONFIG (server));
  g_return_if_fail (ms_server_config_get_host (server) != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  attributes = account_attributes (account, server);
  keyring_run (KEYRING_LOOKUP, &password_schema, attributes, NULL, NULL, cancellable, callback,
               user_data, ms_keyring_lookup_async);
}

/**
 * ms_keyring_lookup_finish:
 * @result: the result
 * @error: return location for a translated error (see ms_keyring_store_item_finish())
 *
 * Returns: (transfer full) (nullable): the password, or %NULL with @error unset when the keyring
 *   has none; free it with g_free()
 */
char *
ms_keyring_lookup_finish (GAsyncResult *result,
                          GError      **error)
{
  g_return_val_if_fail (check_task (result, ms_keyring_lookup_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * ms_keyring_clear_async:
 * @account: an account with an id
 * @server: (nullable): one of its servers, or %NULL for every password of @account
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Removes the passwords ms_keyring_store_async() stored for @server, or for all of @account.
 */
void
ms_keyring_clear_async (MsAccount          *account,
                        MsServerConfig     *server,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr (GHashTable) attributes = NULL;

  g_return_if_fail (MS_IS_ACCOUNT (account));
  g_return_if_fail (ms_account_get_id (account) != NULL);
  g_return_if_fail (server == NULL || MS_IS_SERVER_CONFIG (server));
  g_return_if_fail (server == NULL || ms_server_config_get_host (server) != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  attributes = account_attributes (account, server);
  keyring_run (KEYRING_CLEAR, &password_schema, attributes, NULL, NULL, cancellable, callback,
               user_data, ms_keyring_clear_async);
}

/**
 * ms_keyring_clear_finish:
 * @result: the result
 * @out_removed: (out) (optional): whether there was anything to remove
 * @error: return location for a translated error (see ms_keyring_store_item_finish())
 *
 * Returns: whether no matching password is left
 */
gboolean
ms_keyring_clear_finish (GAsyncResult *result,
                         gboolean     *out_removed,
                         GError      **error)
{
  g_return_val_if_fail (check_task (result, ms_keyring_clear_async), FALSE);

  return propagate_cleared (result, out_removed, error);
}
