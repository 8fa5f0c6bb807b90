/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * MsExportAction:
 * @MS_EXPORT_ACTION_CREATE: a new file
 * @MS_EXPORT_ACTION_APPEND: bytes added at the end of an existing file (every existing byte
 *   kept)
 * @MS_EXPORT_ACTION_REPLACE: an existing file replaced as a whole
 * @MS_EXPORT_ACTION_SECRET: a password stored in the keyring (the change's content never holds
 *   it)
 * @MS_EXPORT_ACTION_UNCHANGED: nothing to do: the account is there already
 */
typedef enum
{
  MS_EXPORT_ACTION_CREATE,
  MS_EXPORT_ACTION_APPEND,
  MS_EXPORT_ACTION_REPLACE,
  MS_EXPORT_ACTION_SECRET,
  MS_EXPORT_ACTION_UNCHANGED,
} MsExportAction;

/**
 * MsExportChange:
 * @action: what happens
 * @target: a file path, or for secrets a description of the keyring item
 * @content: (nullable): the bytes written (for %MS_EXPORT_ACTION_APPEND only the added ones)
 * @note: (nullable): a translated sentence for the user, e.g. that Thunderbird asks for the
 *   password once
 */
typedef struct
{
  MsExportAction action;
  char          *target;
  GBytes        *content;
  char          *note;
} MsExportChange;

#define MS_TYPE_EXPORT_REPORT (ms_export_report_get_type ())

typedef struct _MsExportReport MsExportReport;

GType                 ms_export_report_get_type (void) G_GNUC_CONST;
MsExportReport       *ms_export_report_new (const char *client,
                                           gboolean    dry_run);
MsExportReport       *ms_export_report_ref (MsExportReport *self);
void                  ms_export_report_unref (MsExportReport *self);
const char           *ms_export_report_get_client (MsExportReport *self);
gboolean              ms_export_report_get_dry_run (MsExportReport *self);
void                  ms_export_report_add (MsExportReport *self,
                                            MsExportAction  action,
                                            const char     *target,
                                            GBytes         *content,
                                            const char     *note);
guint                 ms_export_report_get_n_changes (MsExportReport *self);
const MsExportChange *ms_export_report_get_change (MsExportReport *self,
                                                   guint           index);
const char           *ms_export_action_to_string (MsExportAction action);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsExportReport, ms_export_report_unref)

G_END_DECLS
