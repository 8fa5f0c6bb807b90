/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-export-report"

#include "config.h"

#include "ms-export-report.h"

/* What an export wrote, or with a dry run would write, and where: the CLI prints it, --json
 * serialises it, the wizard summarises it. */
struct _MsExportReport
{
  gatomicrefcount ref_count;
  char           *client;
  gboolean        dry_run;
  GPtrArray      *changes;
};

G_DEFINE_BOXED_TYPE (MsExportReport, ms_export_report, ms_export_report_ref,
                     ms_export_report_unref)

static void
change_free (MsExportChange *change)
{
  g_free (change->target);
  g_clear_pointer (&change->content, g_bytes_unref);
  g_free (change->note);
  g_free (change);
}

/**
 * ms_export_report_new:
 * @client: "thunderbird", "evolution", "autoconfig" or "keyring"
 * @dry_run: whether nothing was (or will be) touched
 *
 * Returns: (transfer full): an empty report
 */
MsExportReport *
ms_export_report_new (const char *client,
                      gboolean    dry_run)
{
  MsExportReport *self = g_new0 (MsExportReport, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->client = g_strdup (client);
  self->dry_run = dry_run;
  self->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  return self;
}

MsExportReport *
ms_export_report_ref (MsExportReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ms_export_report_unref (MsExportReport *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->client);
  g_ptr_array_unref (self->changes);
  g_free (self);
}

const char *
ms_export_report_get_client (MsExportReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client;
}

gboolean
ms_export_report_get_dry_run (MsExportReport *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->dry_run;
}

/**
 * ms_export_report_add:
 * @self: a report
 * @action: what happens
 * @target: the file, or the keyring item's description
 * @content: (nullable): the bytes written (never a secret)
 * @note: (nullable): a translated sentence for the user
 */
void
ms_export_report_add (MsExportReport *self,
                      MsExportAction  action,
                      const char     *target,
                      GBytes         *content,
                      const char     *note)
{
  MsExportChange *change;

  g_return_if_fail (self != NULL);
  g_return_if_fail (target != NULL);

  change = g_new0 (MsExportChange, 1);
  change->action = action;
  change->target = g_strdup (target);
  change->content = content ? g_bytes_ref (content) : NULL;
  change->note = g_strdup (note);
  g_ptr_array_add (self->changes, change);
}

guint
ms_export_report_get_n_changes (MsExportReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->changes->len;
}

const MsExportChange *
ms_export_report_get_change (MsExportReport *self,
                             guint           index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->changes->len, NULL);
  return g_ptr_array_index (self->changes, index);
}

/**
 * ms_export_action_to_string:
 * @action: an action
 *
 * Returns: "create", "append", "replace", "secret" or "unchanged"
 */
const char *
ms_export_action_to_string (MsExportAction action)
{
  switch (action)
    {
    case MS_EXPORT_ACTION_CREATE:
      return "create";
    case MS_EXPORT_ACTION_APPEND:
      return "append";
    case MS_EXPORT_ACTION_REPLACE:
      return "replace";
    case MS_EXPORT_ACTION_SECRET:
      return "secret";
    case MS_EXPORT_ACTION_UNCHANGED:
      return "unchanged";
    default:
      g_return_val_if_reached (NULL);
    }
}
