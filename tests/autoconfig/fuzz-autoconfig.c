/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mailsetup.h"
#include "ms-autoconfig-private.h"
#include "ms-autoconfig-writer.h"
#include "ms-autoconfig.h"

/* Untrusted bytes into the autoconfig parser. Whatever it accepts must be usable: every getter
 * answers, the servers expand for an address, and the first incoming and outgoing server,
 * written back as a domain's autoconfig file, read back to the same servers. */

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static MsServerConfig *
expand_first (GPtrArray *servers)
{
  MsServerConfig *first = NULL;

  for (guint i = 0; i < servers->len; i++)
    {
      MsAutoconfigServer *server = g_ptr_array_index (servers, i);
      MsServerConfig *expanded = ms_autoconfig_server_expand (server, "fuzz@example.com", NULL);
      guint n_auth;

      ms_autoconfig_server_get_auth (server, &n_auth);
      if (expanded == NULL)
        continue;
      g_assert_true (ms_server_config_validate (expanded, NULL));
      if (first == NULL)
        first = expanded;
      else
        g_object_unref (expanded);
    }

  return first;
}

static void
assert_same_server (MsServerConfig *written,
                    MsServerConfig *read)
{
  g_assert_cmpint (ms_server_config_get_protocol (written), ==,
                   ms_server_config_get_protocol (read));
  g_assert_cmpstr (ms_server_config_get_host (written), ==, ms_server_config_get_host (read));
  g_assert_cmpuint (ms_server_config_get_port (written), ==, ms_server_config_get_port (read));
  g_assert_cmpint (ms_server_config_get_security (written), ==,
                   ms_server_config_get_security (read));
}

static void
round_trip (MsServerConfig *incoming,
            MsServerConfig *outgoing)
{
  g_autoptr (MsAccount) account = ms_account_new ("Fuzz", "fuzz@example.com", incoming,
                                                  outgoing);
  g_autoptr (GBytes) written = NULL;
  g_autoptr (MsAutoconfig) again = NULL;
  g_autoptr (MsServerConfig) incoming_again = NULL;
  g_autoptr (MsServerConfig) outgoing_again = NULL;
  g_autoptr (GError) error = NULL;

  written = ms_autoconfig_write (account, &error);
  if (written == NULL)
    {
      /* Refusing an account is fine; writing a file that does not parse is not. */
      g_assert_false (g_error_matches (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG));
      return;
    }

  again = ms_autoconfig_new_from_bytes (written, &error);
  g_assert_no_error (error);
  incoming_again = ms_autoconfig_server_expand (
    g_ptr_array_index (ms_autoconfig_get_incoming (again), 0), "fuzz@example.com", &error);
  g_assert_no_error (error);
  outgoing_again = ms_autoconfig_server_expand (
    g_ptr_array_index (ms_autoconfig_get_outgoing (again), 0), "fuzz@example.com", &error);
  g_assert_no_error (error);
  assert_same_server (incoming, incoming_again);
  assert_same_server (outgoing, outgoing_again);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (MsAutoconfig) config = NULL;
  g_autoptr (MsServerConfig) incoming = NULL;
  g_autoptr (MsServerConfig) outgoing = NULL;
  g_autoptr (GError) error = NULL;

  config = ms_autoconfig_new_from_bytes (bytes, &error);
  if (config == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == MS_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  g_assert_nonnull (ms_autoconfig_get_id (config));
  g_assert_nonnull (ms_autoconfig_get_domains (config)[0]);
  g_assert_nonnull (ms_autoconfig_get_display_name (config));
  g_assert_nonnull (ms_autoconfig_get_display_short_name (config));
  for (guint i = 0; i < ms_autoconfig_get_n_documentation (config); i++)
    {
      g_assert_nonnull (ms_autoconfig_get_documentation_url (config, i));
      ms_autoconfig_get_documentation_description (config, i);
    }
  ms_autoconfig_get_enable_url (config);
  ms_autoconfig_get_enable_instruction (config);
  ms_autoconfig_get_app_password_url (config);
  ms_autoconfig_get_enable_imap_url (config);
  ms_autoconfig_get_note (config);

  incoming = expand_first (ms_autoconfig_get_incoming (config));
  outgoing = expand_first (ms_autoconfig_get_outgoing (config));
  if (incoming != NULL && outgoing != NULL)
    round_trip (incoming, outgoing);

  return 0;
}
