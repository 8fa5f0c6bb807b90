/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* profiles.ini and installs.ini are small; anything bigger is not Thunderbird's. */
#define MS_THUNDERBIRD_MAX_INI_SIZE (1024 * 1024)

/**
 * MsThunderbirdInstallation:
 * @MS_THUNDERBIRD_INSTALLATION_NATIVE: a distribution package or tarball: `~/.thunderbird`
 * @MS_THUNDERBIRD_INSTALLATION_FLATPAK: Flathub's `org.mozilla.Thunderbird`:
 *   `~/.var/app/org.mozilla.Thunderbird/.thunderbird`
 * @MS_THUNDERBIRD_INSTALLATION_SNAP: the Snap: `~/snap/thunderbird/common/.thunderbird`
 * @MS_THUNDERBIRD_INSTALLATION_CUSTOM: a profile directory given explicitly
 */
typedef enum
{
  MS_THUNDERBIRD_INSTALLATION_NATIVE = 0,
  MS_THUNDERBIRD_INSTALLATION_FLATPAK = 1,
  MS_THUNDERBIRD_INSTALLATION_SNAP = 2,
  MS_THUNDERBIRD_INSTALLATION_CUSTOM = 3,
} MsThunderbirdInstallation;

#define MS_TYPE_THUNDERBIRD_PROFILE (ms_thunderbird_profile_get_type ())

typedef struct _MsThunderbirdProfile MsThunderbirdProfile;

const char *ms_thunderbird_installation_to_string (MsThunderbirdInstallation installation);
char       *ms_thunderbird_get_installation_root (MsThunderbirdInstallation installation);

GType                     ms_thunderbird_profile_get_type (void) G_GNUC_CONST;
MsThunderbirdProfile     *ms_thunderbird_profile_new_for_path (const char *path);
MsThunderbirdProfile     *ms_thunderbird_profile_ref (MsThunderbirdProfile *self);
void                      ms_thunderbird_profile_unref (MsThunderbirdProfile *self);
const char               *ms_thunderbird_profile_get_path (MsThunderbirdProfile *self);
const char               *ms_thunderbird_profile_get_name (MsThunderbirdProfile *self);
const char               *ms_thunderbird_profile_get_root (MsThunderbirdProfile *self);
MsThunderbirdInstallation ms_thunderbird_profile_get_installation (MsThunderbirdProfile *self);
gboolean                  ms_thunderbird_profile_get_is_default (MsThunderbirdProfile *self);
gboolean                  ms_thunderbird_profile_get_in_use (MsThunderbirdProfile *self);

GPtrArray *ms_thunderbird_parse_profiles_ini (const char               *root,
                                              MsThunderbirdInstallation installation,
                                              GBytes                   *profiles_ini,
                                              GBytes                   *installs_ini);
GPtrArray *ms_thunderbird_find_profiles (GError **error);
MsThunderbirdProfile *ms_thunderbird_find_default_profile (GError **error);

gboolean   ms_thunderbird_profile_path_is_in_use (const char *profile_path,
                                                  GPid       *out_pid);
gboolean   ms_thunderbird_check_not_in_use (const char *profile_path,
                                            GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsThunderbirdProfile, ms_thunderbird_profile_unref)

G_END_DECLS
