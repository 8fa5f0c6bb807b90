# SPDX-License-Identifier: GPL-3.0-or-later
"""Scripted IMAP / POP3 / SMTP servers that misbehave on purpose.

A server listens on 127.0.0.1 (port 0: the kernel picks a free port), speaks just enough of its
protocol for a mail client's account check, and lets a test case replace any *step* of the
dialogue with a misbehaviour: reset the connection, stall, inject bytes after STARTTLS, send a
huge line, fail the TLS handshake, change capabilities across TLS, ...

Every byte the server receives is recorded per connection, split by channel:

  ``plain``     bytes received before TLS started (cleartext on the wire),
  ``tls-wire``  raw TLS records (the ClientHello and everything encrypted),
  ``tls``       application data decrypted from inside TLS.

Standard library only; one thread per connection, blocking sockets with a short poll timeout so
``stop()`` ends every handler (including stalls and floods) promptly.

Steps (names passed to ``Behaviour.steps``)::

  accept          right after accept(), before anything else
  tls-handshake   the TLS handshake (implicit TLS at connect, or after the STARTTLS reply)
  greeting        the server greeting
  capability      the answer to CAPABILITY / CAPA / EHLO received in cleartext
  capability-tls  the same, received inside TLS (always this one on implicit-TLS ports)
  starttls        the answer to STARTTLS / STLS
  auth            an AUTHENTICATE / LOGIN / AUTH / USER command was received (nothing answered)
  auth-response   credentials received and decoded, final answer not yet sent
  logout          LOGOUT / QUIT

A step override is ``handler(server, conn, cmd)``; it may answer and return (the dialogue goes
on) or end the connection by raising ``Hangup`` (the helpers ``reset``, ``close``, ``stall`` do).
"""

import base64
import binascii
import hashlib
import hmac
import secrets
import select
import socket
import ssl
import struct
import threading
import time
import traceback
from dataclasses import dataclass, field

LOOPBACK = '127.0.0.1'
POLL_INTERVAL = 0.05        # socket timeout; bounds how long stop() waits for a handler
MAX_CONNECTION_LIFETIME = 60.0
MAX_CLIENT_LINE = 64 * 1024


class Hangup(Exception):
    """The script ends this connection (the socket is closed by the server)."""


class PeerClosed(Hangup):
    """The client closed or reset the connection, or the TLS layer failed."""


# --------------------------------------------------------------------------------------------
# One accepted connection
# --------------------------------------------------------------------------------------------

class Connection:
    """An accepted client connection with recording, line I/O and a server-side TLS switch."""

    def __init__(self, server, sock, index):
        self.server = server
        self.sock = sock
        self.index = index
        self.started = time.monotonic()
        self.segments = []          # [(channel, bytes)] in arrival order
        self.sent = []              # [(channel, bytes)] what the server wrote (for diagnostics)
        self.commands = []          # [(channel, str)] client command lines, latin-1 decoded
        self.auth_attempts = []     # [AuthAttempt]
        self.events = []            # [str] notable things ("tls-established", "reset", ...)
        self.tls_error = None
        self.handshaking = False    # set once the tls-handshake step has begun
        self._buffer = bytearray()
        self._tls = None
        self._incoming = None
        self._outgoing = None
        self._closed = False
        sock.settimeout(POLL_INTERVAL)

    # -- state ---------------------------------------------------------------------------------

    @property
    def in_tls(self):
        return self._tls is not None

    @property
    def channel(self):
        return 'tls' if self.in_tls else 'plain'

    def bytes_on(self, channel):
        return b''.join(data for ch, data in self.segments if ch == channel)

    def _record(self, channel, data):
        if data:
            self.segments.append((channel, bytes(data)))

    def _should_give_up(self):
        return (self.server.stopping.is_set() or
                time.monotonic() - self.started > MAX_CONNECTION_LIFETIME)

    # -- raw socket ----------------------------------------------------------------------------

    def _raw_recv(self):
        """Returns the next bytes from the wire, b'' on EOF/reset/server stop."""
        while not self._should_give_up():
            try:
                return self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return b''
        return b''

    def _raw_send(self, data):
        view = memoryview(bytes(data))
        while view:
            if self._should_give_up():
                raise PeerClosed('server stopping')
            try:
                sent = self.sock.send(view)
            except socket.timeout:
                continue
            except OSError as error:
                raise PeerClosed(str(error)) from error
            view = view[sent:]

    def wait_for_client_bytes(self):
        """Blocks until the client sent something (not consumed) or the connection ended."""
        while not self._should_give_up():
            try:
                readable, _, _ = select.select([self.sock], [], [], POLL_INTERVAL)
            except (OSError, ValueError):
                return False
            if readable:
                return True
        return False

    # -- application data ----------------------------------------------------------------------

    def _flush_tls(self):
        if self._outgoing is not None and self._outgoing.pending:
            data = self._outgoing.read()
            self._raw_send(data)

    def _fill(self):
        """Appends more application data to the buffer; False on EOF."""
        if self._tls is None:
            data = self._raw_recv()
            self._record('plain', data)
            self._buffer += data
            return bool(data)
        while True:
            try:
                data = self._tls.read(65536)
            except ssl.SSLWantReadError:
                self._flush_tls()
                raw = self._raw_recv()
                if not raw:
                    return False
                self._record('tls-wire', raw)
                self._incoming.write(raw)
                continue
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return False
            except ssl.SSLError as error:
                self.tls_error = str(error)
                return False
            self._flush_tls()
            if not data:
                return False
            self._record('tls', data)
            self._buffer += data
            return True

    def read_line(self, limit=MAX_CLIENT_LINE):
        """Returns the next client line without its CRLF; raises PeerClosed on EOF."""
        while True:
            end = self._buffer.find(b'\n')
            if end >= 0:
                line = bytes(self._buffer[:end])
                del self._buffer[:end + 1]
                return line[:-1] if line.endswith(b'\r') else line
            if len(self._buffer) > limit:
                raise PeerClosed('client line too long')
            if not self._fill():
                raise PeerClosed('client closed the connection')

    def read_exact(self, count):
        while len(self._buffer) < count:
            if not self._fill():
                raise PeerClosed('client closed the connection')
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def read_command(self):
        line = self.read_line()
        self.commands.append((self.channel, line.decode('latin-1')))
        return line

    def send(self, data):
        data = bytes(data)
        self.sent.append((self.channel, data))
        if self._tls is None:
            self._raw_send(data)
            return
        try:
            self._tls.write(data)
        except ssl.SSLError as error:
            raise PeerClosed(str(error)) from error
        self._flush_tls()

    # -- TLS -----------------------------------------------------------------------------------

    def start_tls(self, context):
        """Runs the server side of a TLS handshake; raises PeerClosed if it fails."""
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        tls = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        if self._buffer:
            # Client bytes pipelined after the STARTTLS command (already recorded as plain).
            self._incoming.write(bytes(self._buffer))
            self._buffer.clear()
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush_tls()
                raw = self._raw_recv()
                if not raw:
                    self.tls_error = 'EOF during handshake'
                    raise PeerClosed(self.tls_error)
                self._record('tls-wire', raw)
                self._incoming.write(raw)
            except ssl.SSLError as error:
                self.tls_error = str(error)
                try:
                    self._flush_tls()       # send our alert, if any
                except PeerClosed:
                    pass
                raise PeerClosed(self.tls_error) from error
        self._flush_tls()
        self._tls = tls
        self.events.append('tls-established')

    def receive_raw_once(self):
        """Reads one chunk straight off the wire (e.g. a ClientHello) and records it."""
        data = self._raw_recv()
        self._record('tls-wire' if self.handshaking else 'plain', data)
        if not data:
            raise PeerClosed('client closed the connection')
        return data

    # -- endings -------------------------------------------------------------------------------

    def reset(self):
        """Aborts the connection with a TCP RST (SO_LINGER 0) and ends the script."""
        self.events.append('reset')
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        except OSError:
            pass
        self.close_socket()
        raise Hangup('reset')

    def close(self):
        """Closes the connection cleanly (FIN; no TLS close_notify) and ends the script."""
        self.events.append('close')
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_socket()
        raise Hangup('close')

    def stall(self):
        """Keeps reading (and recording) but never answers, until the client gives up."""
        self.events.append('stall')
        if self._tls is None and self.handshaking:
            # Inside a handshake that we refuse to continue: just swallow the records.
            while True:
                data = self._raw_recv()
                if not data:
                    break
                self._record('tls-wire', data)
        else:
            while self._fill():
                pass
        raise Hangup('stall')

    def drain_until_closed(self):
        """Like stall(), for helpers that already answered something."""
        self.stall()

    def close_socket(self):
        if not self._closed:
            self._closed = True
            try:
                self.sock.close()
            except OSError:
                pass

    def finish(self):
        """Normal end of a dialogue: TLS close_notify when possible, then close."""
        if self._tls is not None:
            try:
                self._tls.unwrap()
            except ssl.SSLError:
                pass
            try:
                self._flush_tls()
            except PeerClosed:
                pass
        self.close_socket()


# --------------------------------------------------------------------------------------------
# Scenario description
# --------------------------------------------------------------------------------------------

@dataclass
class AuthAttempt:
    """One credential exchange the client completed (or tried)."""
    mechanism: str
    username: str | None
    password: str | None
    in_tls: bool
    success: bool = False


@dataclass
class Command:
    """A parsed client command (tag is None for POP3 and SMTP)."""
    line: bytes
    tag: bytes | None
    name: str
    args: bytes
    attempt: AuthAttempt | None = None


@dataclass
class Behaviour:
    """What a scripted server does; None means "the protocol's sensible default"."""
    caps_plain: list | None = None      # capabilities before TLS (STARTTLS ports)
    caps_tls: list | None = None        # capabilities inside TLS
    greeting: bytes | None = None       # whole raw greeting, CRLF included
    greeting_capabilities: bool = False  # IMAP: [CAPABILITY ...] in the greeting
    accounts: dict = field(default_factory=dict)    # username -> password
    auth_failure: bytes | None = None   # raw failure line(s); IMAP: text after "tag "
    steps: dict = field(default_factory=dict)       # step name -> handler(server, conn, cmd)
    cert: str = 'valid'                 # certificate variant


# --------------------------------------------------------------------------------------------
# Server base
# --------------------------------------------------------------------------------------------

class ScriptedServer:
    """Accepts connections on 127.0.0.1:0 and runs the protocol script for each one."""

    protocol = None
    default_caps_plain = []
    default_caps_tls = []

    def __init__(self, behaviour, certs, implicit_tls):
        self.behaviour = behaviour
        self.certs = certs
        self.implicit_tls = implicit_tls
        self.connections = []
        self.errors = []            # tracebacks of bugs in the scripted server itself
        self.stopping = threading.Event()
        self._threads = []
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((LOOPBACK, 0))
        self._listener.listen(16)
        self._listener.settimeout(POLL_INTERVAL)
        self.port = self._listener.getsockname()[1]
        self._accept_thread = threading.Thread(target=self._accept_loop, daemon=True,
                                               name=f'{self.protocol}-accept-{self.port}')

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self):
        self._accept_thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self._accept_thread.join(5)
        self._listener.close()
        for thread in list(self._threads):
            thread.join(5)
            if thread.is_alive():
                self.errors.append(f'{thread.name} did not stop')

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                conn = Connection(self, sock, len(self.connections))
                self.connections.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True,
                                      name=f'{self.protocol}-conn-{self.port}-{conn.index}')
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn):
        try:
            self.step(conn, 'accept', None)
            if self.implicit_tls:
                self.step(conn, 'tls-handshake', None)
            self.step(conn, 'greeting', None)
            self.dialogue(conn)
        except Hangup:
            pass
        except Exception:       # a bug in the scripted server: make the case fail loudly
            self.errors.append(traceback.format_exc())
        finally:
            conn.close_socket()

    # -- steps ---------------------------------------------------------------------------------

    def step(self, conn, name, cmd):
        if name == 'tls-handshake':
            conn.handshaking = True
        handler = self.behaviour.steps.get(name)
        if handler is not None:
            return handler(self, conn, cmd)
        return getattr(self, 'default_' + name.replace('-', '_'))(conn, cmd)

    def default_accept(self, conn, cmd):
        pass

    def default_tls_handshake(self, conn, cmd):
        conn.start_tls(self.tls_context())

    def tls_context(self, variant=None):
        return self.certs.server_context(variant or self.behaviour.cert)

    @property
    def caps_plain(self):
        caps = self.behaviour.caps_plain
        return list(self.default_caps_plain if caps is None else caps)

    @property
    def caps_tls(self):
        caps = self.behaviour.caps_tls
        return list(self.default_caps_tls if caps is None else caps)

    def current_caps(self, conn):
        return self.caps_tls if conn.in_tls else self.caps_plain

    def capability_step(self, conn):
        return 'capability-tls' if conn.in_tls else 'capability'

    def do_starttls(self, conn, cmd, reply):
        """Default STARTTLS: answer, then run the tls-handshake step."""
        conn.send(reply)
        self.step(conn, 'tls-handshake', cmd)

    # -- credentials ---------------------------------------------------------------------------

    def check_password(self, username, password):
        expected = self.behaviour.accounts.get(username)
        return expected is not None and password is not None and hmac.compare_digest(
            expected.encode('utf-8'), password.encode('utf-8'))

    def check_cram_md5(self, username, challenge, digest):
        expected = self.behaviour.accounts.get(username)
        if expected is None:
            return False
        good = hmac.new(expected.encode('utf-8'), challenge, hashlib.md5).hexdigest()
        return hmac.compare_digest(good, digest)

    def sasl(self, conn, cmd, mechanism, initial, prompt):
        """Runs a SASL exchange; ``prompt(b64_challenge)`` sends a continuation and returns the
        client's answer line. Returns an AuthAttempt (or None if the client cancelled)."""
        def decode(data):
            if data == b'=':
                return b''
            try:
                return base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                return None

        attempt = AuthAttempt(mechanism, None, None, conn.in_tls)
        conn.auth_attempts.append(attempt)
        if mechanism == 'PLAIN':
            answer = initial if initial else prompt(b'')
            if answer == b'*':
                return None
            decoded = decode(answer)
            parts = decoded.split(b'\0') if decoded is not None else []
            if len(parts) == 3:
                attempt.username = parts[1].decode('utf-8', 'replace')
                attempt.password = parts[2].decode('utf-8', 'replace')
        elif mechanism == 'LOGIN':
            user = initial if initial else prompt(base64.b64encode(b'Username:'))
            if user == b'*':
                return None
            password = prompt(base64.b64encode(b'Password:'))
            if password == b'*':
                return None
            user, password = decode(user), decode(password)
            attempt.username = user.decode('utf-8', 'replace') if user is not None else None
            attempt.password = (password.decode('utf-8', 'replace')
                                if password is not None else None)
        elif mechanism == 'CRAM-MD5':
            challenge = f'<{secrets.randbelow(10**9)}.{int(time.time())}@scripted>'.encode()
            answer = prompt(base64.b64encode(challenge))
            if answer == b'*':
                return None
            decoded = decode(answer) or b''
            user, _, digest = decoded.rpartition(b' ')
            attempt.username = user.decode('utf-8', 'replace')
            attempt.success = self.check_cram_md5(attempt.username, challenge,
                                                  digest.decode('latin-1'))
            return attempt
        else:
            return None
        attempt.success = self.check_password(attempt.username, attempt.password)
        return attempt

    # -- to be provided by protocols -----------------------------------------------------------

    def dialogue(self, conn):
        raise NotImplementedError

    def starttls_reply(self, cmd):
        """The positive STARTTLS answer, used by the injection helpers."""
        raise NotImplementedError


# --------------------------------------------------------------------------------------------
# Step helpers: each returns a handler(server, conn, cmd) for Behaviour.steps
# --------------------------------------------------------------------------------------------

def _expand(data, cmd):
    """``data`` may be bytes with a ``{tag}`` placeholder, or a callable(cmd) -> bytes."""
    if callable(data):
        return data(cmd)
    if cmd is not None and cmd.tag is not None:
        return data.replace(b'{tag}', cmd.tag)
    return data


def reset(server, conn, cmd):
    """TCP RST right now."""
    conn.reset()


def close(server, conn, cmd):
    """Orderly TCP close right now."""
    conn.close()


def stall(server, conn, cmd):
    """Read everything, answer nothing, until the client gives up."""
    conn.stall()


def send(data):
    """Answer with these exact bytes and go on with the dialogue."""
    def handler(server, conn, cmd):
        conn.send(_expand(data, cmd))
    return handler


def send_then(data, ending):
    """Send these bytes, then end with ``ending`` (reset / close / stall)."""
    def handler(server, conn, cmd):
        conn.send(_expand(data, cmd))
        ending(server, conn, cmd)
    return handler


def send_huge_line(prefix, size=1024 * 1024):
    """``prefix`` followed by ``size`` bytes without any newline; then wait for the client."""
    def handler(server, conn, cmd):
        conn.send(_expand(prefix, cmd))
        chunk = b'A' * 65536
        remaining = size
        while remaining > 0:
            conn.send(chunk[:remaining])
            remaining -= len(chunk)
        conn.stall()
    return handler


def flood(first, line, count=None):
    """Send ``first`` then ``line`` over and over (endless by default) until the client leaves."""
    def handler(server, conn, cmd):
        conn.send(_expand(first, cmd))
        batch = _expand(line, cmd) * 100
        sent = 0
        while count is None or sent < count:
            conn.send(batch)        # raises PeerClosed once the client has gone
            sent += 100
        conn.stall()
    return handler


def starttls_with_injection(payload, mode='same-write'):
    """Positive STARTTLS answer plus injected cleartext ``payload``.

    same-write:         reply + payload in one send() (one TCP segment on loopback)
    separate-write:     reply, 50 ms pause, payload, then the handshake
    after-client-hello: reply, wait for the ClientHello, payload, then the handshake
    """
    def handler(server, conn, cmd):
        reply = server.starttls_reply(cmd)
        injected = _expand(payload, cmd)
        conn.events.append('injected-' + mode)
        if mode == 'same-write':
            conn.send(reply + injected)
        elif mode == 'separate-write':
            conn.send(reply)
            time.sleep(0.05)
            conn.send(injected)
        elif mode == 'after-client-hello':
            conn.send(reply)
            if not conn.wait_for_client_bytes():
                raise PeerClosed('no ClientHello')
            conn.send(injected)
        else:
            raise ValueError(mode)
        try:
            server.step(conn, 'tls-handshake', cmd)
        except PeerClosed:
            conn.stall()
    return handler


def after_client_hello(action):
    """For the tls-handshake step: read the ClientHello, then run ``action``."""
    def handler(server, conn, cmd):
        conn.receive_raw_once()
        action(server, conn, cmd)
    return handler


def tls_garbage(server, conn, cmd):
    """Answer the ClientHello with bytes that are not TLS."""
    conn.receive_raw_once()
    conn.send(b'\x00\xffTHIS IS NOT A TLS SERVER HELLO\r\n' * 4)
    conn.stall()


def tls_alert(server, conn, cmd):
    """Answer the ClientHello with a fatal handshake_failure alert, then close."""
    conn.receive_raw_once()
    conn.send(b'\x15\x03\x03\x00\x02\x02\x28')
    time.sleep(0.05)
    conn.close()


def plaintext_on_tls_port(greeting):
    """Implicit-TLS port that speaks cleartext: greet at once, ignore the ClientHello."""
    def handler(server, conn, cmd):
        conn.send(greeting)
        conn.stall()
    return handler


def with_certificate(variant):
    """tls-handshake step that uses another certificate variant."""
    def handler(server, conn, cmd):
        conn.start_tls(server.tls_context(variant))
    return handler
