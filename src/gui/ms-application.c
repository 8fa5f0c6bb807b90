/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-application"

#include "config.h"

#include <glib/gi18n.h>

#include "ms-application.h"

#include "ms-window.h"

#define WEBSITE   "https://example.org/mail-setup"
#define ISSUE_URL "https://example.org/mail-setup/issues"

struct _MsApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (MsApplication, ms_application, ADW_TYPE_APPLICATION)

/**
 * ms_application_new:
 * @application_id: the application id, %APPLICATION_ID outside of tests
 * @flags: flags for #GApplication
 *
 * Returns: (transfer full): a new #MsApplication
 */
MsApplication *
ms_application_new (const char       *application_id,
                    GApplicationFlags flags)
{
  g_return_val_if_fail (application_id != NULL, NULL);

  return g_object_new (MS_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", flags,
                       "resource-base-path", RESOURCE_BASE_PATH,
                       NULL);
}

static void
ms_application_activate (GApplication *application)
{
  GtkWindow *window;

  g_assert (MS_IS_APPLICATION (application));

  /* A second launch raises the window we have instead of opening another. */
  window = gtk_application_get_active_window (GTK_APPLICATION (application));
  if (window == NULL)
    window = GTK_WINDOW (ms_window_new (MS_APPLICATION (application)));

  gtk_window_present (window);
}

static void
ms_application_quit_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  MsApplication *self = user_data;

  g_assert (MS_IS_APPLICATION (self));

  g_application_quit (G_APPLICATION (self));
}

static void
ms_application_about_action (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  MsApplication *self = user_data;
  AdwAboutWindow *about;
  const char *translator_credits;

  g_assert (MS_IS_APPLICATION (self));

  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  gtk_window_set_transient_for (GTK_WINDOW (about),
                                gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_set_modal (GTK_WINDOW (about), TRUE);

  adw_about_window_set_application_name (about, _("Mail Setup"));
  adw_about_window_set_application_icon (about, APPLICATION_ID);
  adw_about_window_set_developer_name (about, _("The Mail Setup developers"));
  adw_about_window_set_version (about, PACKAGE_VERSION);
  adw_about_window_set_copyright (about, _("© 2026 The Mail Setup developers"));
  adw_about_window_set_website (about, WEBSITE);
  adw_about_window_set_issue_url (about, ISSUE_URL);
  adw_about_window_set_license_type (about, GTK_LICENSE_GPL_3_0);

  /* Translators: Replace "translator-credits" with your name and e-mail address, one
   * translator a line, like "Jane Doe <jane@example.org>". */
  translator_credits = _("translator-credits");
  /* Untranslated, the msgid itself would be listed as a translator. */
  if (g_strcmp0 (translator_credits, "translator-credits") != 0)
    adw_about_window_set_translator_credits (about, translator_credits);

  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", ms_application_quit_action },
  { "about", ms_application_about_action },
};

static void
ms_application_startup (GApplication *application)
{
  static const char *quit_accels[] = { "<Primary>q", NULL };
  MsApplication *self = MS_APPLICATION (application);

  G_APPLICATION_CLASS (ms_application_parent_class)->startup (application);

  gtk_window_set_default_icon_name (APPLICATION_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
}

static void
ms_application_class_init (MsApplicationClass *klass)
{
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  application_class->activate = ms_application_activate;
  application_class->startup = ms_application_startup;
}

static void
ms_application_init (MsApplication *self)
{
}
