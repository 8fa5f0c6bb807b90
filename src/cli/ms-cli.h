/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "mailsetup.h"

G_BEGIN_DECLS

/**
 * MsCliExit:
 * @MS_CLI_EXIT_OK: everything worked (every check passed)
 * @MS_CLI_EXIT_FAILED: a check failed, or the operation could not be carried out
 * @MS_CLI_EXIT_USAGE: the command line or the input was wrong; nothing was changed
 * @MS_CLI_EXIT_INTERRUPTED: stopped by Ctrl-C (SIGINT) or SIGTERM, as shells report it
 */
typedef enum
{
  MS_CLI_EXIT_OK = 0,
  MS_CLI_EXIT_FAILED = 1,
  MS_CLI_EXIT_USAGE = 2,
  MS_CLI_EXIT_INTERRUPTED = 130,
} MsCliExit;

/* A (sub)command: @argv[0] is its own name. */
typedef int (*MsCliCommandFunc) (int    argc,
                                 char **argv);

typedef struct
{
  const char      *name;
  const char      *summary;
  MsCliCommandFunc run;
} MsCliCommand;

int         ms_cli_run_subcommand (const char         *prefix,
                                   const MsCliCommand *commands,
                                   gsize               n_commands,
                                   int                 argc,
                                   char              **argv);
char       *ms_cli_describe_commands (const MsCliCommand *commands,
                                      gsize               n_commands);
int         ms_cli_usage_error (const char *command,
                                const char *format,
                                ...) G_GNUC_PRINTF (2, 3);
int         ms_cli_error (const char *command,
                          int         exit_code,
                          GError     *error);
int         ms_cli_exit_code_for_error (const GError *error);
GOptionContext *ms_cli_option_context_new (const char *parameter_string,
                                           const char *summary);
gboolean    ms_cli_parse_options (GOptionContext *context,
                                  const char     *command,
                                  int            *argc,
                                  char         ***argv,
                                  int            *out_exit_code);
void        ms_cli_print_json (JsonNode *node);
void        ms_cli_json_add_string_or_null (JsonBuilder *builder,
                                            const char  *member,
                                            const char  *value);
void        ms_cli_json_add_server (JsonBuilder    *builder,
                                    MsServerConfig *server);
JsonNode   *ms_cli_account_to_json (MsAccount  *account,
                                    const char *path);
char       *ms_cli_describe_server (MsServerConfig *server);
JsonNode   *ms_cli_check_result_to_json (MsCheckResult *result,
                                         gboolean       with_transcript);
void        ms_cli_print_check_result (FILE          *out,
                                       MsCheckResult *result,
                                       gboolean       logged_in_expected,
                                       gboolean       with_transcript);

int         ms_cli_accounts (int    argc,
                             char **argv);
int         ms_cli_test (int    argc,
                         char **argv);
int         ms_cli_export (int    argc,
                           char **argv);
int         ms_cli_discover (int    argc,
                             char **argv);
char       *ms_cli_read_password (const char *command,
                                  int        *out_exit_code);
void        ms_cli_wipe_password (char *password);

G_END_DECLS
