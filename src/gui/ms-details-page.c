/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-details-page"

#include "config.h"

#include <glib/gi18n.h>

#include "ms-details-page.h"

#include "ms-address.h"

/**
 * MsDetailsPage:
 *
 * The first page of the wizard: the person's name, e-mail address and password.
 *
 * The address is checked as it is typed, but a mistake is pointed out only "late": once the
 * address row loses the focus, or on Enter. From then on the message follows the typing, and it
 * goes away as soon as the address is valid ("reward early, punish late").
 *
 * The password is deliberately not a property: ms_details_page_dup_password().
 */
struct _MsDetailsPage
{
  AdwBin parent_instance;

  AdwEntryRow *name_row;
  AdwEntryRow *address_row;
  AdwPasswordEntryRow *password_row;
  GtkRevealer *address_error_revealer;
  GtkLabel *address_error_label;

  char *full_name;
  /* NULL while the text in the address row is not a valid address … */
  MsAddress *address;
  /* … and then this says why. */
  GError *address_error;
  gboolean address_error_shown;
  gboolean complete;
};

G_DEFINE_FINAL_TYPE (MsDetailsPage, ms_details_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_FULL_NAME,
  PROP_ADDRESS,
  PROP_COMPLETE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
is_blank (const char *text)
{
  for (; *text != '\0'; text = g_utf8_next_char (text))
    {
      if (!g_unichar_isspace (g_utf8_get_char (text)))
        return FALSE;
    }

  return TRUE;
}

static void
ms_details_page_update_complete (MsDetailsPage *self)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  gboolean complete;

  g_assert (MS_IS_DETAILS_PAGE (self));

  /* A password may well be all spaces; a name may not. */
  complete = self->full_name[0] != '\0' && self->address != NULL && password[0] != '\0';
  if (complete == self->complete)
    return;

  self->complete = complete;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
}

static void
ms_details_page_show_address_error (MsDetailsPage *self,
                                    gboolean       show)
{
  GtkWidget *row = GTK_WIDGET (self->address_row);

  g_assert (MS_IS_DETAILS_PAGE (self));

  show = show && self->address_error != NULL;

  /* While shown, the message follows the text. GTK 4.8 does not turn the described-by relation
   * into the accessible description that screen readers read out, so set that too. */
  if (show)
    {
      gtk_label_set_text (self->address_error_label, self->address_error->message);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      self->address_error->message, -1);
    }

  if (show == self->address_error_shown)
    return;

  self->address_error_shown = show;
  /* On hiding, the old message stays in place while it slides away. */
  gtk_revealer_set_reveal_child (self->address_error_revealer, show);

  if (show)
    {
      gtk_widget_add_css_class (row, "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY,
                                      self->address_error_label, NULL, -1);
    }
  else
    {
      gtk_widget_remove_css_class (row, "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_reset_relation (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
on_name_changed_cb (MsDetailsPage *self)
{
  g_autofree char *full_name = NULL;

  g_assert (MS_IS_DETAILS_PAGE (self));

  full_name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  if (g_strcmp0 (full_name, self->full_name) != 0)
    {
      g_free (self->full_name);
      self->full_name = g_steal_pointer (&full_name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FULL_NAME]);
    }

  ms_details_page_update_complete (self);
}

static void
on_name_activated_cb (MsDetailsPage *self)
{
  g_assert (MS_IS_DETAILS_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->address_row));
}

static void
on_address_changed_cb (MsDetailsPage *self)
{
  g_autoptr (MsAddress) address = NULL;
  g_autoptr (GError) error = NULL;
  const char *text;
  gboolean changed;

  g_assert (MS_IS_DETAILS_PAGE (self));

  text = gtk_editable_get_text (GTK_EDITABLE (self->address_row));
  address = ms_address_parse (text, &error);

  changed = g_strcmp0 (address != NULL ? address->address : NULL,
                       self->address != NULL ? self->address->address : NULL) != 0;
  g_clear_pointer (&self->address, ms_address_free);
  self->address = g_steal_pointer (&address);
  g_clear_error (&self->address_error);
  self->address_error = g_steal_pointer (&error);

  /* Reward early: a valid address clears the error at once. An invalid one only updates an
   * error that is already on screen, and emptying the row is not a mistake to point out. */
  if (self->address_error_shown)
    ms_details_page_show_address_error (self, !is_blank (text));

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESS]);

  ms_details_page_update_complete (self);
}

static void
on_address_activated_cb (MsDetailsPage *self)
{
  g_assert (MS_IS_DETAILS_PAGE (self));

  if (self->address_error != NULL)
    {
      /* Enter is "I am done here": say what is wrong, even about an empty row. */
      ms_details_page_show_address_error (self, TRUE);
      return;
    }

  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
on_address_focus_leave_cb (MsDetailsPage *self)
{
  GtkRoot *root;
  GtkWidget *focus;

  g_assert (MS_IS_DETAILS_PAGE (self));

  /* The window losing the focus (say, to look the address up elsewhere) keeps the focus widget
   * inside the row; that is not leaving the row. */
  root = gtk_widget_get_root (GTK_WIDGET (self));
  focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->address_row)))
    return;

  /* Punish late: only now, and not for a row left empty. */
  if (!is_blank (gtk_editable_get_text (GTK_EDITABLE (self->address_row))))
    ms_details_page_show_address_error (self, TRUE);
}

static void
on_password_changed_cb (MsDetailsPage *self)
{
  g_assert (MS_IS_DETAILS_PAGE (self));

  ms_details_page_update_complete (self);
}

static void
on_icon_button_tooltip_cb (GtkWidget *button)
{
  const char *tooltip = gtk_widget_get_tooltip_text (button);

  if (tooltip != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                    -1);
}

/* libadwaita 1.2 gives the icon buttons inside its password row ("Show Text", and "Apply" when
 * shown) no accessible name of their own, so a screen reader calls them after their icon
 * ("GtkImage"). Name them after their tooltips, which libadwaita keeps up to date. */
static void
label_icon_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child))
        {
          g_signal_connect (child, "notify::tooltip-text", G_CALLBACK (on_icon_button_tooltip_cb),
                            NULL);
          on_icon_button_tooltip_cb (child);
        }
      else
        {
          label_icon_buttons (child);
        }
    }
}

static gboolean
ms_details_page_grab_focus (GtkWidget *widget)
{
  MsDetailsPage *self = MS_DETAILS_PAGE (widget);

  if (self->full_name[0] == '\0')
    return gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  if (self->address == NULL)
    return gtk_widget_grab_focus (GTK_WIDGET (self->address_row));

  return gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
ms_details_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), MS_TYPE_DETAILS_PAGE);

  G_OBJECT_CLASS (ms_details_page_parent_class)->dispose (object);
}

static void
ms_details_page_finalize (GObject *object)
{
  MsDetailsPage *self = MS_DETAILS_PAGE (object);

  g_clear_pointer (&self->full_name, g_free);
  g_clear_pointer (&self->address, ms_address_free);
  g_clear_error (&self->address_error);

  G_OBJECT_CLASS (ms_details_page_parent_class)->finalize (object);
}

static void
ms_details_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  MsDetailsPage *self = MS_DETAILS_PAGE (object);

  switch (prop_id)
    {
    case PROP_FULL_NAME:
      g_value_set_string (value, ms_details_page_get_full_name (self));
      break;

    case PROP_ADDRESS:
      g_value_set_string (value, ms_details_page_get_address (self));
      break;

    case PROP_COMPLETE:
      g_value_set_boolean (value, ms_details_page_get_complete (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_details_page_class_init (MsDetailsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ms_details_page_dispose;
  object_class->finalize = ms_details_page_finalize;
  object_class->get_property = ms_details_page_get_property;

  widget_class->grab_focus = ms_details_page_grab_focus;

  /**
   * MsDetailsPage:full-name:
   *
   * The person's name as typed, without surrounding white space. ("name" would clash with
   * #GtkWidget:name.)
   */
  properties[PROP_FULL_NAME] =
    g_param_spec_string ("full-name", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MsDetailsPage:address:
   *
   * The normalised e-mail address (see #MsAddress), or %NULL while the text typed is not a
   * valid address.
   */
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MsDetailsPage:complete:
   *
   * Whether the page holds everything the next step needs: a name, a valid address and a
   * password.
   */
  properties[PROP_COMPLETE] =
    g_param_spec_boolean ("complete", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/ms-details-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MsDetailsPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, MsDetailsPage, address_row);
  gtk_widget_class_bind_template_child (widget_class, MsDetailsPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, MsDetailsPage, address_error_revealer);
  gtk_widget_class_bind_template_child (widget_class, MsDetailsPage, address_error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_name_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_name_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_address_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_address_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_address_focus_leave_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_password_changed_cb);
}

static void
ms_details_page_init (MsDetailsPage *self)
{
  const char *real_name;

  self->full_name = g_strdup ("");

  gtk_widget_init_template (GTK_WIDGET (self));

  /* GLib says "Unknown" when it has no name to offer; that is nobody's name. */
  real_name = g_get_real_name ();
  if (g_strcmp0 (real_name, "Unknown") != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->name_row), real_name);

  on_address_changed_cb (self);
  label_icon_buttons (GTK_WIDGET (self->password_row));
}

/**
 * ms_details_page_new:
 *
 * Returns: (transfer floating): a new #MsDetailsPage
 */
GtkWidget *
ms_details_page_new (void)
{
  return g_object_new (MS_TYPE_DETAILS_PAGE, NULL);
}

/**
 * ms_details_page_get_full_name:
 * @self: a #MsDetailsPage
 *
 * Returns: the name, possibly empty
 */
const char *
ms_details_page_get_full_name (MsDetailsPage *self)
{
  g_return_val_if_fail (MS_IS_DETAILS_PAGE (self), NULL);

  return self->full_name;
}

/**
 * ms_details_page_get_address:
 * @self: a #MsDetailsPage
 *
 * Returns: (nullable): the normalised address, or %NULL while the address is not valid
 */
const char *
ms_details_page_get_address (MsDetailsPage *self)
{
  g_return_val_if_fail (MS_IS_DETAILS_PAGE (self), NULL);

  return self->address != NULL ? self->address->address : NULL;
}

/**
 * ms_details_page_dup_password:
 * @self: a #MsDetailsPage
 *
 * The password is not a property, so that it never travels through #GValue copies, property
 * bindings or inspectors.
 *
 * Returns: (transfer full): a copy of the password, possibly empty. Overwrite it before you free
 *   it, e.g. with `memset (password, 0, strlen (password))`.
 */
char *
ms_details_page_dup_password (MsDetailsPage *self)
{
  g_return_val_if_fail (MS_IS_DETAILS_PAGE (self), NULL);

  return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
}

/**
 * ms_details_page_get_complete:
 * @self: a #MsDetailsPage
 *
 * Returns: whether the name, the address and the password are all there and the address is
 *   valid
 */
gboolean
ms_details_page_get_complete (MsDetailsPage *self)
{
  g_return_val_if_fail (MS_IS_DETAILS_PAGE (self), FALSE);

  return self->complete;
}
