/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MS_TYPE_SNIFF_INPUT_STREAM (ms_sniff_input_stream_get_type ())

G_DECLARE_FINAL_TYPE (MsSniffInputStream, ms_sniff_input_stream, MS, SNIFF_INPUT_STREAM,
                      GFilterInputStream)

GInputStream *ms_sniff_input_stream_new (GInputStream *base_stream);
gsize         ms_sniff_input_stream_get_first_bytes (MsSniffInputStream *self,
                                                     guint8             *buffer,
                                                     gsize               size);

G_END_DECLS
