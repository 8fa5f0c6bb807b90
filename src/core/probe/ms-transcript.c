/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-transcript"

#include "config.h"

#include "ms-transcript.h"

/* A transcript is for a person reading "details"; a server that floods us must not turn it into
 * megabytes. */
#define MAX_ENTRIES    500
#define MAX_LINE_CHARS 1000

struct _MsTranscript
{
  GPtrArray *lines;
  gboolean   truncated;
};

MsTranscript *
ms_transcript_new (void)
{
  MsTranscript *self = g_new0 (MsTranscript, 1);

  self->lines = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
ms_transcript_free (MsTranscript *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->lines);
  g_free (self);
}

static void
add_line (MsTranscript *self,
          char         *line)
{
  if (self->lines->len >= MAX_ENTRIES)
    {
      if (!self->truncated)
        g_ptr_array_add (self->lines, g_strdup ("[…] (transcript truncated)"));
      self->truncated = TRUE;
      g_free (line);
      return;
    }
  g_ptr_array_add (self->lines, line);
}

/**
 * ms_server_text_sanitize:
 * @text: bytes a server sent
 * @length: their length
 * @max_chars: the most characters to keep; more are cut and marked with "…"
 *
 * Makes server bytes safe to show and to put into JSON: invalid UTF-8 becomes U+FFFD, control
 * characters are written as \xNN.
 *
 * Returns: (transfer full): valid UTF-8 text
 */
char *
ms_server_text_sanitize (const char *text,
                         gsize       length,
                         gsize       max_chars)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const char *end = text + length;
  const char *p = text;
  gsize chars = 0;

  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (chars++ >= max_chars)
        {
          g_string_append (out, "…");
          break;
        }

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_unichar (out, 0xFFFD);
          p++;
          continue;
        }

      if ((c < 0x20 && c != '\t') || c == 0x7f)
        g_string_append_printf (out, "\\x%02X", c);
      else
        g_string_append_unichar (out, c);
      p = c == 0 ? p + 1 : g_utf8_next_char (p);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* What the client sent; the caller has already replaced every credential with <redacted>. */
void
ms_transcript_add_client (MsTranscript *self,
                          const char   *text)
{
  g_return_if_fail (self != NULL);
  add_line (self, g_strconcat ("C: ", text, NULL));
}

void
ms_transcript_add_server (MsTranscript *self,
                          const char   *line,
                          gsize         length)
{
  g_autofree char *clean = NULL;

  g_return_if_fail (self != NULL);
  clean = ms_server_text_sanitize (line, length, MAX_LINE_CHARS);
  add_line (self, g_strconcat ("S: ", clean, NULL));
}

void
ms_transcript_add_note (MsTranscript *self,
                        const char   *format,
                        ...)
{
  g_autofree char *text = NULL;
  va_list args;

  g_return_if_fail (self != NULL);
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  add_line (self, g_strconcat ("-- ", text, NULL));
}

/**
 * ms_transcript_dup_lines:
 * @self: a transcript
 *
 * Returns: (transfer full): the lines, "C: " for the client, "S: " for the server, "-- " for
 *   what happened in between (connection, TLS)
 */
GStrv
ms_transcript_dup_lines (MsTranscript *self)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv lines;

  for (guint i = 0; i < self->lines->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->lines, i));
  lines = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return lines;
}
