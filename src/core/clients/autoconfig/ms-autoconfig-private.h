/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ms-address.h"
#include "ms-autoconfig.h"
#include "ms-error.h"

G_BEGIN_DECLS

/* A text in one language (lang NULL: the file's default). */
typedef struct
{
  char *lang;
  char *text;
} MsAutoconfigText;

/* A <documentation> link; its descriptions are MsAutoconfigText. */
typedef struct
{
  char      *url;
  GPtrArray *descriptions;
} MsAutoconfigLink;

/* Shared by the object (ms-autoconfig.c) and the parser that fills it. */
struct _MsAutoconfig
{
  GObject    parent_instance;

  char      *id;
  char     **domains;
  char      *display_name;
  char      *display_short_name;
  GPtrArray *incoming;
  GPtrArray *outgoing;
  GPtrArray *documentation;
  char      *enable_url;
  GPtrArray *enable_instructions;
  gboolean   app_password_required;
  char      *app_password_url;
  gboolean   enable_imap_required;
  char      *enable_imap_url;
  gboolean   oauth2_only;
  GPtrArray *notes;
};

/* The server children that may appear once; a second one makes the server ambiguous. */
enum
{
  MS_AUTOCONFIG_SERVER_HOSTNAME,
  MS_AUTOCONFIG_SERVER_PORT,
  MS_AUTOCONFIG_SERVER_SOCKET_TYPE,
  MS_AUTOCONFIG_SERVER_USERNAME,
  MS_AUTOCONFIG_N_SERVER_VALUES
};

typedef struct
{
  MsProtocol protocol;
  char      *values[MS_AUTOCONFIG_N_SERVER_VALUES];
  char      *duplicate;   /* the name of a value given twice */
  GArray    *auth;
} MsAutoconfigServerBuilder;

/* An <incomingServer> or <outgoingServer> while it is being read. */

void                       _ms_autoconfig_text_free (MsAutoconfigText *text);
void                       _ms_autoconfig_link_free (MsAutoconfigLink *link);
char                      *_ms_autoconfig_quote (const char *text);
MsAutoconfig              *_ms_autoconfig_parse (const char *data,
                                                 gsize       size,
                                                 GError    **error);

MsAutoconfigServerBuilder *_ms_autoconfig_server_builder_new (MsProtocol protocol);
void                       _ms_autoconfig_server_builder_free (MsAutoconfigServerBuilder *builder);
MsAutoconfigServer        *_ms_autoconfig_server_builder_finish (MsAutoconfigServerBuilder *builder,
                                                                 char                     **problem);

char                      *_ms_autoconfig_expand_address (const char      *template_text,
                                                          const MsAddress *address);
const char                *_ms_autoconfig_socket_type_from_security (MsSecurity security);
gboolean                   _ms_autoconfig_security_from_socket_type (const char *socket_type,
                                                                     MsSecurity *out_security);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsAutoconfigServerBuilder, _ms_autoconfig_server_builder_free)

G_END_DECLS
