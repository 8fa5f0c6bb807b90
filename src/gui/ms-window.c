/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ms-window.h"

#include "ms-details-page.h"

struct _MsWindow
{
  AdwApplicationWindow parent_instance;

  MsDetailsPage *details_page;
};

G_DEFINE_FINAL_TYPE (MsWindow, ms_window, ADW_TYPE_APPLICATION_WINDOW)

/**
 * ms_window_new:
 * @application: the application the window belongs to
 *
 * Returns: (transfer none): a new #MsWindow, owned by @application
 */
MsWindow *
ms_window_new (MsApplication *application)
{
  g_return_val_if_fail (MS_IS_APPLICATION (application), NULL);

  return g_object_new (MS_TYPE_WINDOW, "application", application, NULL);
}

static void
ms_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), MS_TYPE_WINDOW);

  G_OBJECT_CLASS (ms_window_parent_class)->dispose (object);
}

static void
ms_window_class_init (MsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ms_window_dispose;

  g_type_ensure (MS_TYPE_DETAILS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/ui/ms-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MsWindow, details_page);
}

static void
ms_window_init (MsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Start in the first field still to fill in, not on the menu button. */
  gtk_widget_grab_focus (GTK_WIDGET (self->details_page));
}
