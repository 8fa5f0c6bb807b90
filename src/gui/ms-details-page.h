/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MS_TYPE_DETAILS_PAGE (ms_details_page_get_type ())

G_DECLARE_FINAL_TYPE (MsDetailsPage, ms_details_page, MS, DETAILS_PAGE, AdwBin)

GtkWidget  *ms_details_page_new (void);
const char *ms_details_page_get_full_name (MsDetailsPage *self);
const char *ms_details_page_get_address (MsDetailsPage *self);
char       *ms_details_page_dup_password (MsDetailsPage *self);
gboolean    ms_details_page_get_complete (MsDetailsPage *self);

G_END_DECLS
