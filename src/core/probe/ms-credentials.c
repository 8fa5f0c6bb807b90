/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-credentials"

#include "config.h"

#include "ms-credentials.h"

#include <string.h>

/* A user name and password, immutable and reference counted so that concurrent checks can
 * share them; the password is wiped from memory when the last reference goes. It has no
 * GObject properties on purpose: nothing generic (notify, debugging dumps) can reach it. */
struct _MsCredentials
{
  gatomicrefcount ref_count;
  char           *username;
  char           *password;
  char           *address;
};

G_DEFINE_BOXED_TYPE (MsCredentials, ms_credentials, ms_credentials_ref, ms_credentials_unref)

/**
 * ms_credentials_new:
 * @username: the user name
 * @password: the password
 *
 * Returns: (transfer full): new credentials
 */
MsCredentials *
ms_credentials_new (const char *username,
                    const char *password)
{
  MsCredentials *self;

  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);

  self = g_new0 (MsCredentials, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->username = g_strdup (username);
  self->password = g_strdup (password);
  return self;
}

/**
 * ms_credentials_new_for_address:
 * @address: (nullable): the account's e-mail address
 * @username: the user name
 * @password: the password
 *
 * Like ms_credentials_new(), and knowing the address lets a failed login be retried with the
 * other usual user name (the full address or its local part).
 *
 * Returns: (transfer full): new credentials
 */
MsCredentials *
ms_credentials_new_for_address (const char *address,
                                const char *username,
                                const char *password)
{
  MsCredentials *self = ms_credentials_new (username, password);

  if (self != NULL)
    self->address = g_strdup (address);
  return self;
}

MsCredentials *
ms_credentials_ref (MsCredentials *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ms_credentials_unref (MsCredentials *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  explicit_bzero (self->password, strlen (self->password));
  g_free (self->password);
  g_free (self->username);
  g_free (self->address);
  g_free (self);
}

const char *
ms_credentials_get_username (MsCredentials *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->username;
}

const char *
ms_credentials_get_password (MsCredentials *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->password;
}

/**
 * ms_credentials_get_address:
 * @self: credentials
 *
 * Returns: (nullable): the account's address, if known
 */
const char *
ms_credentials_get_address (MsCredentials *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->address;
}

/**
 * ms_credentials_dup_alternate_username:
 * @self: credentials
 *
 * Providers disagree on whether the user name is the full address or only its local part.
 * This is the other one of the two, when the user name is one of them.
 *
 * Returns: (transfer full) (nullable): the local part for a full address, the address for its
 *   local part, or %NULL
 */
char *
ms_credentials_dup_alternate_username (MsCredentials *self)
{
  const char *at;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->address != NULL && g_ascii_strcasecmp (self->username, self->address) == 0)
    {
      at = strrchr (self->address, '@');
      return at != NULL && at != self->address
               ? g_strndup (self->address, (gsize) (at - self->address))
               : NULL;
    }

  if (self->address != NULL)
    {
      at = strrchr (self->address, '@');
      if (at != NULL && (gsize) (at - self->address) == strlen (self->username) &&
          strncmp (self->address, self->username, strlen (self->username)) == 0)
        return g_strdup (self->address);
      return NULL;
    }

  /* Without an address, a full address can still be cut to its local part. */
  at = strrchr (self->username, '@');
  if (at != NULL && at != self->username)
    return g_strndup (self->username, (gsize) (at - self->username));
  return NULL;
}
