/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-cli"

#include "config.h"

#include <glib/gi18n.h>

#include <locale.h>
#include <stdio.h>

#include "ms-cli.h"

static const MsCliCommand commands[] = {
  { "discover", N_("Find the servers for an e-mail address, and log in to them with --verify"),
    ms_cli_discover },
  { "accounts", N_("Add, list, show and remove Mail Setup’s accounts"), ms_cli_accounts },
  { "test", N_("Check a server, or both servers of an account"), ms_cli_test },
  { "export", N_("Write an account into Thunderbird, Evolution or an autoconfig file"),
    ms_cli_export },
};

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_prgname ("mail-setup-cli");
  /* Standard output carries results (and JSON): every log message goes to standard error. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (argc >= 2 && (g_str_equal (argv[1], "--version") || g_str_equal (argv[1], "-V")))
    {
      printf ("mail-setup-cli %s\n", PACKAGE_VERSION);
      return MS_CLI_EXIT_OK;
    }

  return ms_cli_run_subcommand ("mail-setup-cli", commands, G_N_ELEMENTS (commands), argc - 1,
                                argv + 1);
}
