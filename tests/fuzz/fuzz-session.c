/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mailsetup.h"

#include <stdlib.h>
#include <string.h>

/* Feeds arbitrary server bytes to a protocol session (FUZZ_PROTOCOL: IMAP, POP3 or SMTP),
 * answering every STARTTLS as a driver would, and checks security invariant 1 on every byte
 * the client would send: nothing carrying a credential leaves outside TLS.
 *
 * Input: the first byte chooses the setup (bit 0: STARTTLS instead of TLS, bit 1: with a
 * password, bits 2–4: the login mechanism); the rest is split at 0xFF into the chunks each
 * read returns. */

#define PASSWORD "fuzz-S3cret"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr (MsSession) session = NULL;
  const guint8 *end = data + size;
  const guint8 *p;
  MsSessionAction action;
  gboolean starttls;
  gboolean tls;
  guint8 setup;

  if (size < 1)
    return 0;

  setup = data[0];
  starttls = (setup & 1) != 0;
  tls = !starttls;
  p = data + 1;

  session = ms_session_new (FUZZ_PROTOCOL, starttls ? MS_SECURITY_STARTTLS : MS_SECURITY_TLS,
                            "fuzz@example.test", (setup & 2) ? PASSWORD : NULL,
                            (MsAuthMechanism) (((setup >> 2) & 7) % 5));
  ms_session_set_tls_active (session, tls);
  action = ms_session_start (session);

  while (action != MS_SESSION_ACTION_DONE)
    {
      switch (action)
        {
        case MS_SESSION_ACTION_READ:
          {
            const guint8 *chunk_end = p;

            if (p >= end)
              {
                action = ms_session_eof (session);
                break;
              }
            while (chunk_end < end && *chunk_end != 0xff)
              chunk_end++;
            action = ms_session_receive (session, p, (gsize) (chunk_end - p));
            p = chunk_end < end ? chunk_end + 1 : end;
          }
          break;

        case MS_SESSION_ACTION_SEND:
          {
            gboolean sensitive;
            g_autoptr (GBytes) output = ms_session_take_output (session, &sensitive);
            gsize length;
            const char *bytes = g_bytes_get_data (output, &length);

            if (!tls && (sensitive || g_strstr_len (bytes, (gssize) length, PASSWORD) != NULL))
              abort ();
            action = ms_session_receive (session, NULL, 0);
          }
          break;

        case MS_SESSION_ACTION_STARTTLS:
          if (tls)
            abort ();
          tls = TRUE;
          ms_session_set_tls_active (session, TRUE);
          action = ms_session_tls_established (session);
          break;

        case MS_SESSION_ACTION_DONE:
        default:
          abort ();
        }
    }

  /* Whatever the outcome, the results must be readable and valid UTF-8. */
  {
    g_auto (GStrv) capabilities = ms_session_dup_capabilities (session);
    g_auto (GStrv) transcript = ms_transcript_dup_lines (ms_session_get_transcript (session));
    const char *text = ms_session_get_server_text (session);

    if (text != NULL && !g_utf8_validate (text, -1, NULL))
      abort ();
    for (guint i = 0; transcript[i] != NULL; i++)
      if (!g_utf8_validate (transcript[i], -1, NULL) ||
          (g_str_has_prefix (transcript[i], "C: ") && strstr (transcript[i], PASSWORD)))
        abort ();
    (void) capabilities;
  }

  return 0;
}
