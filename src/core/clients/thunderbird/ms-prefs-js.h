/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Thunderbird reads the whole file into memory too; this only keeps a hostile file finite. */
#define MS_PREFS_JS_MAX_SIZE (64 * 1024 * 1024)

/**
 * MsPrefsJsType:
 * @MS_PREFS_JS_TYPE_NONE: no such pref
 * @MS_PREFS_JS_TYPE_STRING: a char pref (bytes, usually but not always UTF-8)
 * @MS_PREFS_JS_TYPE_INT: a 32-bit signed integer
 * @MS_PREFS_JS_TYPE_BOOL: `true` or `false`
 */
typedef enum
{
  MS_PREFS_JS_TYPE_NONE = 0,
  MS_PREFS_JS_TYPE_STRING = 1,
  MS_PREFS_JS_TYPE_INT = 2,
  MS_PREFS_JS_TYPE_BOOL = 3,
} MsPrefsJsType;

/**
 * MsPrefsJsParseFlags:
 * @MS_PREFS_JS_PARSE_DEFAULT: recover from a malformed statement the way Thunderbird does (skip
 *   to the next `;`) and record the error
 * @MS_PREFS_JS_PARSE_STRICT: fail on the first malformed statement
 */
typedef enum
{
  MS_PREFS_JS_PARSE_DEFAULT = 0,
  MS_PREFS_JS_PARSE_STRICT = 1 << 0,
} MsPrefsJsParseFlags;

#define MS_TYPE_PREFS_JS (ms_prefs_js_get_type ())

typedef struct _MsPrefsJs MsPrefsJs;

GType         ms_prefs_js_get_type (void) G_GNUC_CONST;
MsPrefsJs    *ms_prefs_js_new_from_bytes (GBytes             *contents,
                                          MsPrefsJsParseFlags flags,
                                          GError            **error);
MsPrefsJs    *ms_prefs_js_ref (MsPrefsJs *self);
void          ms_prefs_js_unref (MsPrefsJs *self);

guint         ms_prefs_js_get_n_prefs (MsPrefsJs *self);
GPtrArray    *ms_prefs_js_list_names (MsPrefsJs *self);
gboolean      ms_prefs_js_has_pref (MsPrefsJs  *self,
                                    const char *name);
gboolean      ms_prefs_js_has_prefix (MsPrefsJs  *self,
                                      const char *prefix);
gboolean      ms_prefs_js_has_user_value (MsPrefsJs  *self,
                                          const char *name);
MsPrefsJsType ms_prefs_js_get_pref_type (MsPrefsJs  *self,
                                         const char *name);
const char   *ms_prefs_js_get_string (MsPrefsJs  *self,
                                      const char *name);
char         *ms_prefs_js_dup_string_utf8 (MsPrefsJs  *self,
                                           const char *name);
gboolean      ms_prefs_js_get_int (MsPrefsJs  *self,
                                   const char *name,
                                   gint32     *out_value);
gboolean      ms_prefs_js_get_bool (MsPrefsJs  *self,
                                    const char *name,
                                    gboolean   *out_value);

guint         ms_prefs_js_get_n_errors (MsPrefsJs *self);
const char   *ms_prefs_js_get_error (MsPrefsJs *self,
                                     guint      index,
                                     guint     *out_line);
gboolean      ms_prefs_js_check_appendable (MsPrefsJs *self,
                                            GError   **error);

void          ms_prefs_js_append_string (GString    *lines,
                                         const char *name,
                                         const char *value);
void          ms_prefs_js_append_int (GString    *lines,
                                      const char *name,
                                      gint32      value);
void          ms_prefs_js_append_bool (GString    *lines,
                                       const char *name,
                                       gboolean    value);
GBytes       *ms_prefs_js_make_appendix (MsPrefsJs  *self,
                                         const char *lines);

char         *ms_prefs_js_bytes_to_utf8 (const char *bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsPrefsJs, ms_prefs_js_unref)

G_END_DECLS
