/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-sasl"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-sasl.h"

#include <gio/gio.h>
#include <string.h>

/**
 * ms_sasl_plain_response:
 * @username: the authentication identity
 * @password: the password
 *
 * Builds the SASL PLAIN message of RFC 4616 without an authorization identity.
 *
 * Returns: (transfer full): base64 of "\0username\0password"; wipe it after use
 */
char *
ms_sasl_plain_response (const char *username,
                        const char *password)
{
  gsize user_len = strlen (username);
  gsize pass_len = strlen (password);
  gsize len = 1 + user_len + 1 + pass_len;
  g_autofree guchar *message = g_malloc (len);
  char *encoded;

  message[0] = '\0';
  memcpy (message + 1, username, user_len);
  message[1 + user_len] = '\0';
  memcpy (message + 2 + user_len, password, pass_len);

  encoded = g_base64_encode (message, len);
  explicit_bzero (message, len);
  return encoded;
}

static gboolean
is_base64_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

/**
 * ms_sasl_decode_base64:
 * @text: base64 as a server sent it in a SASL challenge
 * @max_length: the longest decoded result accepted
 * @error: return location for an error
 *
 * Decodes strictly: g_base64_decode() accepts anything and silently skips garbage, which is
 * wrong for bytes a server controls.
 *
 * Returns: (transfer full) (nullable): the decoded bytes, or %NULL with @error set
 */
GBytes *
ms_sasl_decode_base64 (const char *text,
                       gsize       max_length,
                       GError    **error)
{
  gsize len = strlen (text);
  gsize padding = 0;
  guchar *decoded;
  gsize decoded_len;

  if (len % 4 != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "base64 length is not a multiple of 4");
      return NULL;
    }
  if (len / 4 * 3 > max_length + 2)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                           "base64 challenge is too long");
      return NULL;
    }

  while (padding < 2 && padding < len && text[len - 1 - padding] == '=')
    padding++;
  for (gsize i = 0; i < len - padding; i++)
    {
      if (!is_base64_char (text[i]))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "invalid character in base64");
          return NULL;
        }
    }

  if (len == 0)
    return g_bytes_new (NULL, 0);

  decoded = g_base64_decode (text, &decoded_len);
  return g_bytes_new_take (decoded, decoded_len);
}

/**
 * ms_sasl_cram_md5_response:
 * @challenge_base64: the server's challenge, base64
 * @username: the user name
 * @password: the password
 * @error: return location for an error
 *
 * Answers an RFC 2195 CRAM-MD5 challenge.
 *
 * Returns: (transfer full) (nullable): base64 of "username HEX-HMAC-MD5", or %NULL with @error
 *   set when the challenge is malformed
 */
char *
ms_sasl_cram_md5_response (const char *challenge_base64,
                           const char *username,
                           const char *password,
                           GError    **error)
{
  g_autoptr (GBytes) challenge = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *response = NULL;
  char *encoded;

  challenge = ms_sasl_decode_base64 (challenge_base64, 4096, error);
  if (challenge == NULL)
    return NULL;
  if (g_bytes_get_size (challenge) == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "empty CRAM-MD5 challenge");
      return NULL;
    }

  digest = g_compute_hmac_for_data (G_CHECKSUM_MD5, (const guchar *) password, strlen (password),
                                    g_bytes_get_data (challenge, NULL),
                                    g_bytes_get_size (challenge));
  response = g_strconcat (username, " ", digest, NULL);
  encoded = g_base64_encode ((const guchar *) response, strlen (response));
  explicit_bzero (response, strlen (response));
  return encoded;
}
