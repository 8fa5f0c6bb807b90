/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-sniff-input-stream"

#include "config.h"

#include "ms-sniff-input-stream.h"

#include <string.h>

/* A pass-through input stream that remembers the first bytes read through it. Under a TLS
 * handshake after STARTTLS it tells whether the server answered the ClientHello with TLS or
 * with plaintext (an injection that arrived in a later segment than the STARTTLS reply).
 * glib-networking needs pollable base streams, so this is pollable too. */

#define SNIFF_SIZE 8

struct _MsSniffInputStream
{
  GFilterInputStream parent_instance;

  guint8             first[SNIFF_SIZE];
  gsize              n_first;
};

static void pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MsSniffInputStream, ms_sniff_input_stream,
                               G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      pollable_iface_init))

static void
record (MsSniffInputStream *self,
        const void         *data,
        gssize              length)
{
  gsize room = SNIFF_SIZE - self->n_first;

  if (length <= 0 || room == 0)
    return;
  memcpy (self->first + self->n_first, data, MIN (room, (gsize) length));
  self->n_first += MIN (room, (gsize) length);
}

static GInputStream *
base_stream (gpointer self)
{
  return g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self));
}

static gssize
ms_sniff_input_stream_read (GInputStream *stream,
                            void         *buffer,
                            gsize         count,
                            GCancellable *cancellable,
                            GError      **error)
{
  gssize n = g_input_stream_read (base_stream (stream), buffer, count, cancellable, error);

  record (MS_SNIFF_INPUT_STREAM (stream), buffer, n);
  return n;
}

static gboolean
ms_sniff_input_stream_can_poll (GPollableInputStream *stream)
{
  GInputStream *base = base_stream (stream);

  return G_IS_POLLABLE_INPUT_STREAM (base) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
ms_sniff_input_stream_is_readable (GPollableInputStream *stream)
{
  return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (base_stream (stream)));
}

static GSource *
ms_sniff_input_stream_create_source (GPollableInputStream *stream,
                                     GCancellable         *cancellable)
{
  g_autoptr (GSource) base_source = NULL;

  base_source = g_pollable_input_stream_create_source (
    G_POLLABLE_INPUT_STREAM (base_stream (stream)), NULL);
  return g_pollable_source_new_full (stream, base_source, cancellable);
}

static gssize
ms_sniff_input_stream_read_nonblocking (GPollableInputStream *stream,
                                        void                 *buffer,
                                        gsize                 count,
                                        GError              **error)
{
  gssize n = g_pollable_input_stream_read_nonblocking (
    G_POLLABLE_INPUT_STREAM (base_stream (stream)), buffer, count, NULL, error);

  record (MS_SNIFF_INPUT_STREAM (stream), buffer, n);
  return n;
}

static void
pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = ms_sniff_input_stream_can_poll;
  iface->is_readable = ms_sniff_input_stream_is_readable;
  iface->create_source = ms_sniff_input_stream_create_source;
  iface->read_nonblocking = ms_sniff_input_stream_read_nonblocking;
}

static void
ms_sniff_input_stream_class_init (MsSniffInputStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = ms_sniff_input_stream_read;
}

static void
ms_sniff_input_stream_init (MsSniffInputStream *self)
{
}

/**
 * ms_sniff_input_stream_new:
 * @base_stream: a pollable input stream
 *
 * Returns: (transfer full): a stream reading from @base_stream (which it does not close)
 */
GInputStream *
ms_sniff_input_stream_new (GInputStream *base_stream)
{
  return g_object_new (MS_TYPE_SNIFF_INPUT_STREAM,
                       "base-stream", base_stream,
                       "close-base-stream", FALSE,
                       NULL);
}

/**
 * ms_sniff_input_stream_get_first_bytes:
 * @self: a sniffing stream
 * @buffer: where to copy them
 * @size: the room in @buffer
 *
 * Returns: how many of the first bytes read were copied
 */
gsize
ms_sniff_input_stream_get_first_bytes (MsSniffInputStream *self,
                                       guint8             *buffer,
                                       gsize               size)
{
  gsize n;

  g_return_val_if_fail (MS_IS_SNIFF_INPUT_STREAM (self), 0);

  n = MIN (size, self->n_first);
  memcpy (buffer, self->first, n);
  return n;
}
