/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MsTranscript MsTranscript;

MsTranscript *ms_transcript_new (void);
void          ms_transcript_free (MsTranscript *self);
void          ms_transcript_add_client (MsTranscript *self,
                                        const char   *text);
void          ms_transcript_add_server (MsTranscript *self,
                                        const char   *line,
                                        gsize         length);
void          ms_transcript_add_note (MsTranscript *self,
                                      const char   *format,
                                      ...) G_GNUC_PRINTF (2, 3);
GStrv         ms_transcript_dup_lines (MsTranscript *self);

char         *ms_server_text_sanitize (const char *text,
                                      gsize       length,
                                      gsize       max_chars);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsTranscript, ms_transcript_free)

G_END_DECLS
