/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define MS_TYPE_ADDRESS (ms_address_get_type ())

/**
 * MsAddress:
 * @address: the normalised address: the local part as typed, "@", the domain in ASCII (IDNA)
 *   and lower case
 * @local_part: the part before the "@", as typed (a quoted local part keeps its quotes)
 * @domain: the domain in ASCII form (punycode for internationalised names), lower case
 * @domain_display: the domain as a person reads it (Unicode)
 *
 * A parsed, validated e-mail address.
 */
typedef struct
{
  char *address;
  char *local_part;
  char *domain;
  char *domain_display;
} MsAddress;

GType      ms_address_get_type (void) G_GNUC_CONST;
MsAddress *ms_address_parse (const char *text,
                             GError    **error);
MsAddress *ms_address_copy (const MsAddress *self);
void       ms_address_free (MsAddress *self);
gboolean   ms_address_is_valid (const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsAddress, ms_address_free)

G_END_DECLS
