/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mailsetup.h"
#include "ms-prefs-js.h"
#include "ms-thunderbird.h"

G_BEGIN_DECLS

/**
 * TbTestAccountKind:
 * @TB_TEST_ACCOUNT_IMAP: Test User <test@example.com>: IMAP imap.example.com:993 TLS, SMTP
 *   smtp.example.com:587 STARTTLS, user name the address, password
 * @TB_TEST_ACCOUNT_POP3: the same person over POP3 pop.example.com:995 TLS, SMTP :465 TLS, user
 *   name "test"
 * @TB_TEST_ACCOUNT_OAUTH2: Someone <someone@gmail.com>: imap.gmail.com / smtp.gmail.com, OAuth2
 * @TB_TEST_ACCOUNT_CRAM_MD5: mail.example.com:143 and :587, both STARTTLS and CRAM-MD5
 * @TB_TEST_ACCOUNT_UNICODE: a display name that needs escaping: Zoë "Z" O'Brien\
 */
typedef enum
{
  TB_TEST_ACCOUNT_IMAP,
  TB_TEST_ACCOUNT_POP3,
  TB_TEST_ACCOUNT_OAUTH2,
  TB_TEST_ACCOUNT_CRAM_MD5,
  TB_TEST_ACCOUNT_UNICODE,
} TbTestAccountKind;

MsAccount   *tb_test_account_new (TbTestAccountKind kind);
char        *tb_test_data_path (const char *name);
GBytes      *tb_test_read_bytes (const char *path);
void         tb_test_write_bytes (const char *path,
                                  GBytes     *bytes);
MsPrefsJs   *tb_test_parse (GBytes *bytes);
void         tb_test_assert_same_prefs (MsPrefsJs *expected,
                                        MsPrefsJs *actual);
MsPrefsJs   *tb_test_changed_prefs (MsPrefsJs *before,
                                    MsPrefsJs *after);
char        *tb_test_make_profile (const char *parent,
                                   const char *name,
                                   GBytes     *prefs_js);
GStrv        tb_test_list_dir (const char *path);
GStrv        tb_test_list_backups (const char *profile_path);

/* A child process that holds an fcntl lock on a profile's .parentlock, as Thunderbird does. */
gboolean     tb_test_helper_main (int    argc,
                                  char **argv);
GSubprocess *tb_test_hold_parentlock (const char *profile_path);
void         tb_test_release_parentlock (GSubprocess *holder);

G_END_DECLS
