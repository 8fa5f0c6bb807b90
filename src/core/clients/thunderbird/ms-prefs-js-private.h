/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ms-prefs-js.h"

G_BEGIN_DECLS

/* Shared by ms-prefs-js.c (the object, its accessors and the writer) and ms-prefs-js-parser.c
 * (the lexer and parser that fill it in). */

#define MS_PREFS_JS_MAX_RECORDED_ERRORS 100

typedef struct
{
  MsPrefsJsType type;
  gint32        number;
  char         *string;
} MsPrefsJsValue;

/* A pref can have a user value (user_pref) and a default (pref, sticky_pref, lockPref); the
 * user value is the one Thunderbird uses and writes back. */
typedef struct
{
  char          *name;
  MsPrefsJsValue user_value;
  MsPrefsJsValue default_value;
} MsPrefsJsEntry;

typedef struct
{
  guint       line;
  const char *message; /* untranslated; marked for gettext where it is written */
} MsPrefsJsParseError;

struct _MsPrefsJs
{
  gatomicrefcount ref_count;
  GHashTable     *prefs;             /* name → MsPrefsJsEntry */
  GPtrArray      *sorted_names;      /* lazily, for prefix searches */
  GArray         *errors;            /* MsPrefsJsParseError, the first few */
  guint           n_errors;
  gboolean        ends_cleanly;      /* appended statements will be parsed */
  gboolean        stopped_at_nul;
  guint           end_line;
  guint           incomplete_line;   /* where the statement the file ends in starts */
  gboolean        ends_with_newline;
  gboolean        uses_crlf;
};

void     _ms_prefs_js_entry_free (MsPrefsJsEntry *entry);
gboolean _ms_prefs_js_parse (MsPrefsJs    *self,
                             const guint8 *data,
                             gsize         size,
                             gboolean      strict);

G_END_DECLS
