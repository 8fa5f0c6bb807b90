/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-prober"

#include "config.h"

#include "ms-prober.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "ms-check-result-private.h"
#include "ms-session.h"
#include "ms-sniff-input-stream.h"

/* MsProber drives one MsSession over a real connection: it connects, does TLS (from the first
 * byte or when the session asks after STARTTLS), moves bytes between the socket and the
 * session, and turns whatever goes wrong into a diagnosis. Every step has a timer; the whole
 * check has one more; cancelling takes effect at once. The protocol rules live in the
 * session, which never sees a socket. */

#define READ_BUFFER_SIZE 16384

struct _MsProber
{
  GObject       parent_instance;

  GTlsDatabase *tls_database;
  guint         connect_timeout;
  guint         step_timeout;
  guint         total_timeout;
};

G_DEFINE_FINAL_TYPE (MsProber, ms_prober, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TLS_DATABASE,
  PROP_CONNECT_TIMEOUT,
  PROP_STEP_TIMEOUT,
  PROP_TOTAL_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _MsProberHold
{
  MsServerConfig     *server;
  MsCredentials      *credentials;
  MsCheckFlags        flags;
  GTlsDatabase       *database;
  guint               connect_timeout;
  guint               step_timeout;

  /* the attempt under way (a failed login may be retried once with the other user name) */
  char               *username;
  gboolean            retried;
  MsSession          *session;
  GCancellable       *cancellable;
  GSocketClient      *client;
  GSocketConnection  *connection;
  GIOStream          *stream;
  GInputStream       *sniffer;
  GSource            *step_timer;
  gboolean            step_timed_out;

  /* the whole check */
  GTask              *task; /* unowned: the task owns this */
  gboolean            abandoned;
  GCancellable       *caller_cancellable;
  gulong              caller_cancelled_id;
  gboolean            caller_cancelled;
  GSource            *total_timer;
  gboolean            total_timed_out;
  GPtrArray          *earlier_transcript;
  gint64              start_time;
  gint64              phase_start;
  MsCheckPhase        phase;
  gint64              phase_us[MS_CHECK_N_PHASES];

  GTlsCertificate    *peer_certificate;
  GTlsCertificateFlags peer_errors;
  gboolean            pinned;
  char               *tls_version;
  char               *tls_cipher;

  /* ms_prober_check_held_async(): told when ready to log in; the task is kept alive by
   * held_task until ms_prober_hold_release() (or a cancel or timeout) */
  MsProberReadyFunc   ready;
  gpointer            ready_data;
  GTask              *held_task;

  GBytes             *output;
  guint8              buffer[READ_BUFFER_SIZE];
};

typedef struct _MsProberHold CheckData;

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
close_connection (CheckData *data)
{
  /* Closing the socket itself never blocks (no TLS close_notify round trip) and leaves no
   * descriptor behind, whatever state the streams on top are in. An abandoned operation may
   * still be using the descriptor in another thread (a TLS handshake): then the connection is
   * only shut down, which ends it at once, and the descriptor goes with the last reference. */
  if (data->connection != NULL && data->abandoned)
    g_socket_shutdown (g_socket_connection_get_socket (data->connection), TRUE, TRUE, NULL);
  else if (data->connection != NULL)
    g_socket_close (g_socket_connection_get_socket (data->connection), NULL);
  g_clear_object (&data->stream);
  g_clear_object (&data->sniffer);
  g_clear_object (&data->connection);
}

static void
end_attempt (CheckData *data)
{
  destroy_source (&data->step_timer);
  close_connection (data);
  g_clear_object (&data->client);
  g_clear_object (&data->cancellable);
  g_clear_pointer (&data->session, ms_session_free);
  g_clear_object (&data->peer_certificate);
  data->peer_errors = 0;
  data->pinned = FALSE;
  data->step_timed_out = FALSE;
  g_clear_pointer (&data->tls_version, g_free);
  g_clear_pointer (&data->tls_cipher, g_free);
  g_clear_pointer (&data->output, g_bytes_unref);
}

static void
check_data_free (CheckData *data)
{
  end_attempt (data);
  destroy_source (&data->total_timer);
  if (data->caller_cancelled_id != 0)
    g_cancellable_disconnect (data->caller_cancellable, data->caller_cancelled_id);
  g_clear_object (&data->caller_cancellable);
  g_clear_object (&data->server);
  g_clear_pointer (&data->credentials, ms_credentials_unref);
  g_clear_object (&data->database);
  g_clear_pointer (&data->username, g_free);
  g_clear_pointer (&data->earlier_transcript, g_ptr_array_unref);
  g_free (data);
}

static void
enter_phase (CheckData   *data,
             MsCheckPhase phase)
{
  gint64 now = g_get_monotonic_time ();

  data->phase_us[data->phase] += now - data->phase_start;
  data->phase_start = now;
  data->phase = phase;
}

static void run (GTask          *task,
                 MsSessionAction action);
static void start_attempt (GTask *task);

/* A timeout or a cancel ends the check now, not when the operation under way notices: a TLS
 * handshake runs in a thread that only sees the cancellable between its steps. The pending
 * operation's callback comes later and finds the attempt abandoned. */
static void
abandon (CheckData  *data,
         MsDiagnosis diagnosis)
{
  g_autoptr (GTask) held = NULL;

  if (data->abandoned || data->session == NULL || ms_session_is_done (data->session))
    return;

  /* A held check ends here too; the reference that kept it goes after the result. */
  held = g_steal_pointer (&data->held_task);
  data->abandoned = TRUE;
  g_cancellable_cancel (data->cancellable);
  run (data->task, ms_session_fail (data->session, diagnosis,
                                    diagnosis == MS_DIAGNOSIS_CANCELLED ? "cancelled"
                                                                        : "timed out"));
}

static gboolean
on_step_timeout (gpointer user_data)
{
  CheckData *data = user_data;

  data->step_timed_out = TRUE;
  g_clear_pointer (&data->step_timer, g_source_unref);
  abandon (data, MS_DIAGNOSIS_TIMEOUT);
  return G_SOURCE_REMOVE;
}

static void
arm_step_timer (GTask *task,
                guint  milliseconds)
{
  CheckData *data = g_task_get_task_data (task);

  destroy_source (&data->step_timer);
  data->step_timer = g_timeout_source_new (milliseconds);
  g_source_set_callback (data->step_timer, on_step_timeout, data, NULL);
  g_source_attach (data->step_timer, g_task_get_context (task));
}

static gboolean
on_total_timeout (gpointer user_data)
{
  CheckData *data = user_data;

  data->total_timed_out = TRUE;
  g_clear_pointer (&data->total_timer, g_source_unref);
  abandon (data, MS_DIAGNOSIS_TIMEOUT);
  return G_SOURCE_REMOVE;
}

static gboolean
abandon_cancelled (gpointer user_data)
{
  CheckData *data = g_task_get_task_data (user_data);

  abandon (data, MS_DIAGNOSIS_CANCELLED);
  return G_SOURCE_REMOVE;
}

/* May run in any thread: the check itself is ended in its own main context. */
static void
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  CheckData *data = user_data;
  g_autoptr (GSource) idle = g_idle_source_new ();

  data->caller_cancelled = TRUE;
  g_source_set_priority (idle, G_PRIORITY_HIGH);
  g_source_set_callback (idle, abandon_cancelled, g_object_ref (data->task), g_object_unref);
  g_source_attach (idle, g_task_get_context (data->task));
}

static const char *
describe_tls_version (GTlsProtocolVersion version)
{
  switch (version)
    {
    case G_TLS_PROTOCOL_VERSION_SSL_3_0:
      return "SSL 3.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_0:
      return "TLS 1.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_1:
      return "TLS 1.1";
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
      return "TLS 1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      return "TLS 1.3";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0:
      return "DTLS 1.0";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2:
      return "DTLS 1.2";
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    default:
      return "unknown";
    }
}

/* The most useful explanation first: an unknown issuer is the root problem; a name mismatch
 * means a wrong server name; dates are usually a wrong clock. */
static MsDiagnosis
diagnose_certificate (GTlsCertificateFlags errors)
{
  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return MS_DIAGNOSIS_CERTIFICATE_UNTRUSTED;
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return MS_DIAGNOSIS_CERTIFICATE_HOSTNAME_MISMATCH;
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    return MS_DIAGNOSIS_CERTIFICATE_EXPIRED;
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return MS_DIAGNOSIS_CERTIFICATE_NOT_YET_VALID;
  return MS_DIAGNOSIS_CERTIFICATE_UNTRUSTED;
}

/* Maps an I/O error outside the TLS handshake to a diagnosis. */
static MsDiagnosis
diagnose_io_error (CheckData    *data,
                   const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (data->caller_cancelled)
        return MS_DIAGNOSIS_CANCELLED;
      return MS_DIAGNOSIS_TIMEOUT;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return MS_DIAGNOSIS_TIMEOUT;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return MS_DIAGNOSIS_CONNECTION_REFUSED;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND))
    return MS_DIAGNOSIS_NETWORK_UNREACHABLE;
  if (error->domain == G_RESOLVER_ERROR)
    {
      if (g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE))
        return MS_DIAGNOSIS_NETWORK_UNREACHABLE;
      return MS_DIAGNOSIS_DNS_NOT_FOUND;
    }
  return MS_DIAGNOSIS_SERVER_UNAVAILABLE;
}

static void
fail (GTask       *task,
      MsDiagnosis  diagnosis,
      const GError *error)
{
  CheckData *data = g_task_get_task_data (task);
  g_autofree char *note = NULL;

  if (error != NULL)
    note = g_strdup_printf ("%s", error->message);
  if (data->caller_cancelled)
    diagnosis = MS_DIAGNOSIS_CANCELLED;
  run (task, ms_session_fail (data->session, diagnosis, note));
}

static void
add_transcript (GPtrArray    *lines,
                MsTranscript *transcript)
{
  g_auto (GStrv) strv = ms_transcript_dup_lines (transcript);

  for (guint i = 0; strv[i] != NULL; i++)
    g_ptr_array_add (lines, g_strdup (strv[i]));
}

static MsCheckResult *
build_result (CheckData *data,
              gboolean   final)
{
  MsCheckResult *result = _ms_check_result_new (data->server);
  g_autoptr (GPtrArray) transcript = g_ptr_array_new_with_free_func (g_free);
  MsSession *session = data->session;

  enter_phase (data, data->phase);

  result->diagnosis = ms_session_get_diagnosis (session);
  result->server_text = g_strdup (ms_session_get_server_text (session));
  result->capabilities = ms_session_dup_capabilities (session);
  result->auth_mechanisms = ms_session_dup_mechanisms (session);
  result->auth_used = g_strdup (ms_session_get_auth_used (session));
  result->username_used = data->credentials != NULL && final ? g_strdup (data->username) : NULL;
  result->tls_version = g_strdup (data->tls_version);
  result->tls_cipher = g_strdup (data->tls_cipher);
  if (data->peer_certificate != NULL)
    result->certificate = ms_certificate_info_new (data->peer_certificate, data->peer_errors);
  for (guint i = 0; i < MS_CHECK_N_PHASES; i++)
    result->phase_ms[i] = data->phase_us[i] / 1000;
  result->elapsed_ms = (g_get_monotonic_time () - data->start_time) / 1000;

  if (data->earlier_transcript != NULL && final)
    g_ptr_array_extend_and_steal (transcript, g_steal_pointer (&data->earlier_transcript));
  add_transcript (transcript, ms_session_get_transcript (session));
  g_ptr_array_add (transcript, NULL);
  result->transcript = (GStrv) g_ptr_array_steal (transcript, NULL);

  return result;
}

static void
return_result (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);

  g_task_return_pointer (task, build_result (data, TRUE), g_object_unref);
}

static void
attempt_done (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);
  g_autofree char *alternate = NULL;

  close_connection (data);
  destroy_source (&data->step_timer);

  if (ms_session_get_diagnosis (data->session) == MS_DIAGNOSIS_AUTH_FAILED &&
      data->credentials != NULL && !data->retried && !data->total_timed_out &&
      !data->caller_cancelled && !(data->flags & MS_CHECK_FLAGS_NO_USERNAME_RETRY))
    alternate = ms_credentials_dup_alternate_username (data->credentials);

  if (alternate == NULL)
    {
      destroy_source (&data->total_timer);
      return_result (task);
      return;
    }

  /* Providers disagree whether the user name is the whole address or only the part before
   * the "@": try the other one once, on a fresh connection. */
  data->retried = TRUE;
  if (data->earlier_transcript == NULL)
    data->earlier_transcript = g_ptr_array_new_with_free_func (g_free);
  add_transcript (data->earlier_transcript, ms_session_get_transcript (data->session));
  g_ptr_array_add (data->earlier_transcript,
                   g_strdup_printf ("-- login as “%s” failed; trying “%s”", data->username,
                                    alternate));
  end_attempt (data);
  g_free (data->username);
  data->username = g_steal_pointer (&alternate);
  start_attempt (task);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (data->abandoned)
    return;
  destroy_source (&data->step_timer);

  if (n < 0)
    {
      MsDiagnosis diagnosis = diagnose_io_error (data, error);

      /* A reset or a TLS stream cut short is the server going away mid-dialogue. */
      if (diagnosis == MS_DIAGNOSIS_SERVER_UNAVAILABLE)
        run (task, ms_session_eof (data->session));
      else
        fail (task, diagnosis, error);
      return;
    }
  if (n == 0)
    {
      run (task, ms_session_eof (data->session));
      return;
    }

  run (task, ms_session_receive (data->session, data->buffer, (gsize) n));
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error) &&
      !data->abandoned)
    {
      MsDiagnosis diagnosis = diagnose_io_error (data, error);

      destroy_source (&data->step_timer);
      if (diagnosis == MS_DIAGNOSIS_SERVER_UNAVAILABLE)
        run (task, ms_session_eof (data->session));
      else
        fail (task, diagnosis, error);
      return;
    }

  if (data->abandoned)
    return;

  /* Go on with what may already be buffered before reading more. */
  run (task, ms_session_receive (data->session, NULL, 0));
}

static gboolean
on_accept_certificate (GTlsConnection      *connection,
                       GTlsCertificate     *certificate,
                       GTlsCertificateFlags errors,
                       gpointer             user_data)
{
  CheckData *data = user_data;
  const char *pin = ms_server_config_get_pin (data->server);
  g_autofree char *fingerprint = ms_certificate_fingerprint (certificate);

  g_set_object (&data->peer_certificate, certificate);
  data->peer_errors = errors;

  /* Invariant 1: a certificate that does not validate is accepted only when it is exactly the
   * one the user pinned for this server. */
  if (pin != NULL && g_str_equal (pin, fingerprint))
    {
      data->pinned = TRUE;
      return TRUE;
    }
  return FALSE;
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  GTlsConnection *tls = G_TLS_CONNECTION (source);
  MsTranscript *transcript;
  g_autoptr (GError) error = NULL;
  gboolean implicit = ms_server_config_get_security (data->server) == MS_SECURITY_TLS;

  if (!g_tls_connection_handshake_finish (tls, result, &error) && !data->abandoned)
    {
      guint8 first[1];

      destroy_source (&data->step_timer);
      if (data->peer_certificate != NULL && data->peer_errors != 0)
        {
          fail (task, diagnose_certificate (data->peer_errors), error);
          return;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          fail (task, diagnose_io_error (data, error), error);
          return;
        }
      /* Plaintext where the server's TLS answer should be: after STARTTLS that is someone
       * injecting data; TLS records start with a content type from 20 to 24. */
      if (!implicit && data->sniffer != NULL &&
          ms_sniff_input_stream_get_first_bytes (MS_SNIFF_INPUT_STREAM (data->sniffer), first,
                                                 1) == 1 &&
          (first[0] < 20 || first[0] > 24))
        {
          fail (task, MS_DIAGNOSIS_STARTTLS_INJECTION, error);
          return;
        }
      fail (task, MS_DIAGNOSIS_TLS_HANDSHAKE_FAILED, error);
      return;
    }
  if (data->abandoned)
    return;

  destroy_source (&data->step_timer);
  if (data->peer_certificate == NULL)
    {
      data->peer_certificate = g_tls_connection_get_peer_certificate (tls);
      if (data->peer_certificate != NULL)
        g_object_ref (data->peer_certificate);
      data->peer_errors = g_tls_connection_get_peer_certificate_errors (tls);
    }
  data->tls_version = g_strdup (describe_tls_version (g_tls_connection_get_protocol_version (tls)));
  data->tls_cipher = g_tls_connection_get_ciphersuite_name (tls);

  transcript = ms_session_get_transcript (data->session);
  ms_transcript_add_note (transcript, "TLS established: %s, %s%s", data->tls_version,
                          data->tls_cipher ? data->tls_cipher : "unknown cipher",
                          data->pinned ? ", certificate accepted by its pinned fingerprint" : "");

  ms_session_set_tls_active (data->session, TRUE);
  g_set_object (&data->stream, G_IO_STREAM (tls));

  run (task, implicit ? ms_session_start (data->session)
                      : ms_session_tls_established (data->session));
}

static void
start_tls (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);
  g_autoptr (GIOStream) base = NULL;
  g_autoptr (GIOStream) tls = NULL;
  g_autoptr (GSocketConnectable) identity = NULL;
  g_autoptr (GError) error = NULL;

  enter_phase (data, MS_CHECK_PHASE_TLS);

  data->sniffer = ms_sniff_input_stream_new (
    g_io_stream_get_input_stream (G_IO_STREAM (data->connection)));
  base = g_simple_io_stream_new (
    data->sniffer, g_io_stream_get_output_stream (G_IO_STREAM (data->connection)));
  identity = g_network_address_new (ms_server_config_get_host (data->server),
                                    ms_server_config_get_port (data->server));

  /* The database goes in at construction: glib-networking otherwise parses the system's
   * whole trust store for every new connection first (tens of ms, on the main loop). */
  tls = g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()),
                        NULL, &error,
                        "base-io-stream", base,
                        "server-identity", identity,
                        "database", data->database,
                        NULL);
  if (tls == NULL)
    {
      fail (task, MS_DIAGNOSIS_TLS_HANDSHAKE_FAILED, error);
      return;
    }

  g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), data);

  arm_step_timer (task, data->step_timeout);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    data->cancellable, on_handshake, g_object_ref (task));
}

static void
run (GTask          *task,
     MsSessionAction action)
{
  CheckData *data = g_task_get_task_data (task);

  switch (action)
    {
    case MS_SESSION_ACTION_READ:
      enter_phase (data, ms_session_get_phase (data->session));
      arm_step_timer (task, data->step_timeout);
      g_input_stream_read_async (g_io_stream_get_input_stream (data->stream), data->buffer,
                                 sizeof data->buffer, G_PRIORITY_DEFAULT, data->cancellable,
                                 on_read, g_object_ref (task));
      break;

    case MS_SESSION_ACTION_SEND:
      {
        gboolean sensitive = FALSE;
        g_autoptr (GBytes) bytes = ms_session_take_output (data->session, &sensitive);
        gsize size;
        const guint8 *bytes_data = g_bytes_get_data (bytes, &size);

        /* The session already refuses; this is the second lock on the same door. */
        if (sensitive && !G_IS_TLS_CONNECTION (data->stream))
          g_error ("refusing to send credentials outside TLS");

        enter_phase (data, ms_session_get_phase (data->session));
        arm_step_timer (task, data->step_timeout);
        /* write_all_async keeps only a pointer: the bytes live in data until the next send */
        g_clear_pointer (&data->output, g_bytes_unref);
        data->output = g_steal_pointer (&bytes);
        g_output_stream_write_all_async (g_io_stream_get_output_stream (data->stream), bytes_data,
                                         size, G_PRIORITY_DEFAULT, data->cancellable, on_written,
                                         g_object_ref (task));
      }
      break;

    case MS_SESSION_ACTION_STARTTLS:
      start_tls (task);
      break;

    case MS_SESSION_ACTION_DONE:
      attempt_done (task);
      break;

    case MS_SESSION_ACTION_HOLD:
      {
        g_autoptr (MsCheckResult) ready = NULL;

        /* Nothing is asked of the server while held: no step timeout (the total one stays). */
        destroy_source (&data->step_timer);
        data->held_task = g_object_ref (task);
        ready = build_result (data, FALSE);
        data->ready (g_task_get_source_object (task), data, ready, data->ready_data);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

static char *
helo_name_for (GSocketConnection *connection)
{
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autofree char *text = NULL;
  GInetAddress *address;

  /* An address literal names us without revealing the machine's host name. */
  if (!G_IS_INET_SOCKET_ADDRESS (local))
    return g_strdup ("localhost");
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  text = g_inet_address_to_string (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[IPv6:%s]", text);
  return g_strdup_printf ("[%s]", text);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autofree char *helo = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (data->abandoned)
    {
      g_clear_object (&connection);
      return;
    }
  destroy_source (&data->step_timer);

  if (connection == NULL)
    {
      fail (task, diagnose_io_error (data, error), error);
      return;
    }

  data->connection = connection;
  data->stream = g_object_ref (G_IO_STREAM (connection));
  /* Every command is a whole line written at once; Nagle would hold the first command after
   * the TLS Finished (written separately by GnuTLS) until an ACK comes back. */
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);
  helo = helo_name_for (connection);
  ms_session_set_helo_name (data->session, helo);

  {
    g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
    g_autofree char *remote_text = NULL;

    if (G_IS_INET_SOCKET_ADDRESS (remote))
      remote_text = g_inet_address_to_string (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
    ms_transcript_add_note (ms_session_get_transcript (data->session), "connected to %s port %u",
                            remote_text ? remote_text : "?",
                            ms_server_config_get_port (data->server));
  }

  if (ms_server_config_get_security (data->server) == MS_SECURITY_TLS)
    start_tls (task);
  else
    run (task, ms_session_start (data->session));
}

static void check_start (MsProber           *self,
                         MsServerConfig     *server,
                         MsCredentials      *credentials,
                         MsCheckFlags        flags,
                         MsProberReadyFunc   ready,
                         gpointer            ready_data,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data);

static void
start_attempt (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);
  g_autoptr (GSocketConnectable) address = NULL;
  const char *password = data->credentials ? ms_credentials_get_password (data->credentials)
                                           : NULL;

  data->session = ms_session_new (ms_server_config_get_protocol (data->server),
                                  ms_server_config_get_security (data->server), data->username,
                                  password, ms_server_config_get_auth_mechanism (data->server));
  /* Only the first attempt waits: a retry with the other user name was already chosen. */
  ms_session_set_hold_before_auth (data->session, data->ready != NULL && !data->retried);
  data->cancellable = g_cancellable_new ();
  if (data->caller_cancelled || data->total_timed_out)
    g_cancellable_cancel (data->cancellable);

  data->client = g_socket_client_new ();
  /* Mail goes straight to the server: no HTTP proxy resolution. */
  g_socket_client_set_enable_proxy (data->client, FALSE);

  enter_phase (data, MS_CHECK_PHASE_CONNECT);
  address = g_network_address_new (ms_server_config_get_host (data->server),
                                   ms_server_config_get_port (data->server));
  arm_step_timer (task, data->connect_timeout);
  g_socket_client_connect_async (data->client, address, data->cancellable, on_connected,
                                 g_object_ref (task));
}

/**
 * ms_prober_check_async:
 * @self: a prober
 * @server: the server to check
 * @credentials: (nullable): the credentials to log in with; without them the check proves
 *   reachability, TLS and capabilities only
 * @flags: flags
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the check is over
 * @user_data: data for @callback
 *
 * Checks one server: connects, secures the connection as @server says (TLS from the first
 * byte, or STARTTLS — never falling back to plaintext), reads the capabilities and, with
 * @credentials, logs in and out. A password is only sent inside TLS whose certificate
 * validated for the host or is the one pinned in @server.
 */
void
ms_prober_check_async (MsProber           *self,
                       MsServerConfig     *server,
                       MsCredentials      *credentials,
                       MsCheckFlags        flags,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  check_start (self, server, credentials, flags, NULL, NULL, cancellable, callback, user_data);
}

static void
check_start (MsProber           *self,
             MsServerConfig     *server,
             MsCredentials      *credentials,
             MsCheckFlags        flags,
             MsProberReadyFunc   ready,
             gpointer            ready_data,
             GCancellable       *cancellable,
             GAsyncReadyCallback callback,
             gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  CheckData *data;

  g_return_if_fail (MS_IS_PROBER (self));
  g_return_if_fail (MS_IS_SERVER_CONFIG (server));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ms_prober_check_async);
  /* A cancelled check is a result too (MS_DIAGNOSIS_CANCELLED), with what was learnt so far. */
  g_task_set_check_cancellable (task, FALSE);

  data = g_new0 (CheckData, 1);
  data->task = task;
  data->server = ms_server_config_copy (server);
  data->credentials = credentials ? ms_credentials_ref (credentials) : NULL;
  data->flags = flags;
  data->ready = ready;
  data->ready_data = ready_data;
  data->database = self->tls_database
                     ? g_object_ref (self->tls_database)
                     : g_tls_backend_get_default_database (g_tls_backend_get_default ());
  data->connect_timeout = MIN (self->connect_timeout, self->total_timeout);
  data->step_timeout = MIN (self->step_timeout, self->total_timeout);
  data->username = g_strdup (credentials ? ms_credentials_get_username (credentials) : NULL);
  data->start_time = data->phase_start = g_get_monotonic_time ();
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);

  data->total_timer = g_timeout_source_new (self->total_timeout);
  g_source_set_callback (data->total_timer, on_total_timeout, data, NULL);
  g_source_attach (data->total_timer, g_task_get_context (task));

  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_cancelled_id =
        g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled), data, NULL);
    }

  start_attempt (task);
}

/**
 * ms_prober_check_held_async:
 * @credentials: the credentials to log in with, once released
 * @ready: called when the connection is secured and the capabilities are known, with what
 *   was learnt so far; then call ms_prober_hold_release()
 *
 * Like ms_prober_check_async(), but stops before the login: whoever probes several servers
 * can send the password only to the one they choose, on the connection already open, without
 * paying its connection and TLS round trips again. A check that fails before that point never
 * calls @ready and completes with its failure. Once @ready was called, the check completes
 * only after ms_prober_hold_release(), a cancel, or the total timeout.
 */
void
ms_prober_check_held_async (MsProber           *self,
                            MsServerConfig     *server,
                            MsCredentials      *credentials,
                            MsCheckFlags        flags,
                            MsProberReadyFunc   ready,
                            gpointer            ready_data,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_return_if_fail (credentials != NULL);
  g_return_if_fail (ready != NULL);

  check_start (self, server, credentials, flags, ready, ready_data, cancellable, callback,
               user_data);
}

/**
 * ms_prober_hold_release:
 * @hold: the hold given to the ready function
 * @authenticate: %TRUE to log in now, %FALSE to log out without sending the password
 *
 * Lets a held check go on; it then completes through its callback.
 */
void
ms_prober_hold_release (MsProberHold *hold,
                        gboolean      authenticate)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (hold != NULL);

  task = g_steal_pointer (&hold->held_task);
  if (task == NULL)
    return;

  /* Logging out is not a failed login: nothing to retry with another user name. */
  if (!authenticate)
    hold->retried = TRUE;
  run (task, ms_session_resume (hold->session, authenticate));
}

/**
 * ms_prober_check_finish:
 * @self: a prober
 * @result: the result given to the callback
 * @error: return location for an error (there is none: every failure is a diagnosis, and
 *   cancelling gives a result with %MS_DIAGNOSIS_CANCELLED)
 *
 * Returns: (transfer full): the outcome of the check
 */
MsCheckResult *
ms_prober_check_finish (MsProber     *self,
                        GAsyncResult *result,
                        GError      **error)
{
  g_return_val_if_fail (MS_IS_PROBER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ms_prober_check_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ms_prober_dispose (GObject *object)
{
  MsProber *self = (MsProber *) object;

  g_clear_object (&self->tls_database);

  G_OBJECT_CLASS (ms_prober_parent_class)->dispose (object);
}

static void
ms_prober_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  MsProber *self = MS_PROBER (object);

  switch (prop_id)
    {
    case PROP_TLS_DATABASE:
      g_value_set_object (value, self->tls_database);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout);
      break;
    case PROP_STEP_TIMEOUT:
      g_value_set_uint (value, self->step_timeout);
      break;
    case PROP_TOTAL_TIMEOUT:
      g_value_set_uint (value, self->total_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_prober_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  MsProber *self = MS_PROBER (object);

  switch (prop_id)
    {
    case PROP_TLS_DATABASE:
      ms_prober_set_tls_database (self, g_value_get_object (value));
      break;
    case PROP_CONNECT_TIMEOUT:
      ms_prober_set_connect_timeout (self, g_value_get_uint (value));
      break;
    case PROP_STEP_TIMEOUT:
      ms_prober_set_step_timeout (self, g_value_get_uint (value));
      break;
    case PROP_TOTAL_TIMEOUT:
      ms_prober_set_total_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_prober_class_init (MsProberClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ms_prober_dispose;
  object_class->get_property = ms_prober_get_property;
  object_class->set_property = ms_prober_set_property;

  /**
   * MsProber:tls-database:
   *
   * The certificate authorities to trust; %NULL for the system's.
   */
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECT_TIMEOUT] =
    g_param_spec_uint ("connect-timeout", NULL, NULL, 1, G_MAXUINT,
                       MS_PROBER_DEFAULT_CONNECT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STEP_TIMEOUT] =
    g_param_spec_uint ("step-timeout", NULL, NULL, 1, G_MAXUINT,
                       MS_PROBER_DEFAULT_STEP_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOTAL_TIMEOUT] =
    g_param_spec_uint ("total-timeout", NULL, NULL, 1, G_MAXUINT,
                       MS_PROBER_DEFAULT_TOTAL_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ms_prober_init (MsProber *self)
{
  self->connect_timeout = MS_PROBER_DEFAULT_CONNECT_TIMEOUT_MS;
  self->step_timeout = MS_PROBER_DEFAULT_STEP_TIMEOUT_MS;
  self->total_timeout = MS_PROBER_DEFAULT_TOTAL_TIMEOUT_MS;
}

MsProber *
ms_prober_new (void)
{
  return g_object_new (MS_TYPE_PROBER, NULL);
}

/**
 * ms_prober_get_tls_database:
 * @self: a prober
 *
 * Returns: (transfer none) (nullable): the trusted authorities, %NULL for the system's
 */
GTlsDatabase *
ms_prober_get_tls_database (MsProber *self)
{
  g_return_val_if_fail (MS_IS_PROBER (self), NULL);
  return self->tls_database;
}

void
ms_prober_set_tls_database (MsProber     *self,
                            GTlsDatabase *database)
{
  g_return_if_fail (MS_IS_PROBER (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  if (g_set_object (&self->tls_database, database))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_DATABASE]);
}

guint
ms_prober_get_connect_timeout (MsProber *self)
{
  g_return_val_if_fail (MS_IS_PROBER (self), 0);
  return self->connect_timeout;
}

void
ms_prober_set_connect_timeout (MsProber *self,
                               guint     milliseconds)
{
  g_return_if_fail (MS_IS_PROBER (self));
  g_return_if_fail (milliseconds > 0);

  if (self->connect_timeout == milliseconds)
    return;
  self->connect_timeout = milliseconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECT_TIMEOUT]);
}

guint
ms_prober_get_step_timeout (MsProber *self)
{
  g_return_val_if_fail (MS_IS_PROBER (self), 0);
  return self->step_timeout;
}

void
ms_prober_set_step_timeout (MsProber *self,
                            guint     milliseconds)
{
  g_return_if_fail (MS_IS_PROBER (self));
  g_return_if_fail (milliseconds > 0);

  if (self->step_timeout == milliseconds)
    return;
  self->step_timeout = milliseconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP_TIMEOUT]);
}

guint
ms_prober_get_total_timeout (MsProber *self)
{
  g_return_val_if_fail (MS_IS_PROBER (self), 0);
  return self->total_timeout;
}

void
ms_prober_set_total_timeout (MsProber *self,
                             guint     milliseconds)
{
  g_return_if_fail (MS_IS_PROBER (self));
  g_return_if_fail (milliseconds > 0);

  if (self->total_timeout == milliseconds)
    return;
  self->total_timeout = milliseconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL_TIMEOUT]);
}
