/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char   *ms_sasl_plain_response (const char *username,
                                const char *password);
char   *ms_sasl_cram_md5_response (const char *challenge_base64,
                                   const char *username,
                                   const char *password,
                                   GError    **error);
GBytes *ms_sasl_decode_base64 (const char *text,
                               gsize       max_length,
                               GError    **error);

G_END_DECLS
