/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mailsetup.h"

#include <stdlib.h>

/* SASL challenges come from the server: strict base64 decoding and the CRAM-MD5 answer must
 * cope with anything. */

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (GBytes) decoded = ms_sasl_decode_base64 (text, 4096, NULL);
  g_autofree char *response = ms_sasl_cram_md5_response (text, "fuzz", "password", NULL);
  g_autofree char *clean = ms_server_text_sanitize ((const char *) data, size, 200);

  if (decoded != NULL && g_bytes_get_size (decoded) > 4096)
    abort ();
  if (response != NULL && decoded == NULL)
    abort ();
  if (!g_utf8_validate (clean, -1, NULL))
    abort ();
  return 0;
}
