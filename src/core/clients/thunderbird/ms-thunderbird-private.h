/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "ms-thunderbird-profile.h"

G_BEGIN_DECLS

/* profiles.ini / installs.ini as Mozilla's nsINIParser reads them. */
typedef struct _MsMozIni MsMozIni;

MsMozIni   *_ms_moz_ini_new (GBytes *contents);
void        _ms_moz_ini_free (MsMozIni *self);
const char *_ms_moz_ini_get (MsMozIni   *self,
                             const char *section,
                             const char *key);
GPtrArray  *_ms_moz_ini_get_sections (MsMozIni *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsMozIni, _ms_moz_ini_free)

GBytes     *_ms_thunderbird_read_file (const char *path,
                                       gsize       max_size,
                                       GError    **error);
gboolean    _ms_thunderbird_write_file (const char *path,
                                        GBytes     *contents,
                                        int         mode,
                                        GError    **error);
int         _ms_thunderbird_get_mode (const char *path,
                                      int         fallback);

MsThunderbirdProfile *_ms_thunderbird_choose_default_profile (GPtrArray *profiles);

/* What creating a profile from nothing writes (see ms-thunderbird-profile.c). */
typedef struct
{
  char   *root;
  char   *profile_path;
  char   *profiles_ini_path;
  GBytes *profiles_ini_original; /* NULL: there is no profiles.ini yet */
  GBytes *profiles_ini_addition; /* the whole new file, or the bytes appended to it */
  char   *compatibility_ini_path;
  GBytes *compatibility_ini;
} MsThunderbirdNewProfile;

MsThunderbirdNewProfile *_ms_thunderbird_plan_new_profile (GError **error);
gboolean                 _ms_thunderbird_create_profile (MsThunderbirdNewProfile *plan,
                                                         GBytes                  *prefs_js,
                                                         GError                 **error);
void                     _ms_thunderbird_new_profile_free (MsThunderbirdNewProfile *plan);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsThunderbirdNewProfile, _ms_thunderbird_new_profile_free)

gboolean                 _ms_thunderbird_lock_profile (const char *profile_path,
                                                       int        *out_fd,
                                                       GError    **error);

G_END_DECLS
