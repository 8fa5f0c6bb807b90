#!/usr/bin/python3
"""Emulate a slow link in front of local servers: a TCP proxy adding a one-way delay.

    latency-proxy.py [--delay-ms 25] [--exit-on-stdin-eof]
                     [--listen PORT] --target HOST:PORT [[--listen PORT] --target HOST:PORT ...]

Each --target gets its own listener on 127.0.0.1 (port from the --listen at the same position,
0 = a free port). Once everything listens, one JSON line goes to stdout:

    {"delay_ms": 25, "rtt_ms": 50, "proxies": [{"listen": 40001, "target": "127.0.0.1:20993"}, ...]}

It runs until SIGTERM/SIGINT, or until standard input reaches EOF with --exit-on-stdin-eof (so a
parent that dies without cleaning up does not leave it behind).

Timing model (one-way delay d, RTT = 2d), with t0 = the moment the proxy accepts the client:

  * Every chunk read from one side is delivered to the other side at (arrival time + d). Chunks are
    queued per direction and flushed by absolute deadline, so back-to-back (pipelined) data is not
    delayed more than once, and byte order is preserved. EOF (half-close) travels the same way.
  * TCP connect. On loopback the kernel completes the three-way handshake at once, so the client's
    connect() returns immediately (not after 1 RTT) and no user-space proxy can change that. What
    a real link does, with the SYN sent at 0:
      - connect() returns at 2d (1 RTT); the server's accept() returns when the ACK arrives at 3d;
      - a server that speaks first: its greeting reaches the client at 4d (2 RTT);
      - a client that speaks first: it sends after connect() returned plus its own CPU time c, at
        2d + c; the server gets it at 3d + c; the answer is back at 4d + c (+ server time).
    The proxy reproduces exactly that:
      - it connects to the real server at t0 + 3d, so a greeting is delivered at t0 + 4d;
      - until the client has been delivered its first byte from the server, the client's clock is
        1 RTT ahead of a real link's (its connect() returned 1 RTT early), so whatever it sends
        in that time is delivered 1 RTT + d after it arrives (t0 + c + 3d, as above), which also
        keeps the client's own CPU time after connect() on the critical path, as on a real link;
      - from then on the client only reacts to bytes that arrived at real-link times, and its data
        gets the plain delay d.
    The one thing not reproduced: a server-first client that spends more than 1 RTT of CPU after
    connect() before reading the greeting gets up to that 1 RTT of it for free. The client's own
    "connect" timer reads ~0 ms; that RTT shows up in its next phase instead. Totals are exact.
  * Closing: when one side closes, the other side is closed after the same delay d.

No bandwidth limit, no loss, no reordering. TCP's own signalling (ACKs, and so Nagle's algorithm
and delayed ACKs) happens on the two loopback legs, not across the emulated link: a sender held
back by Nagle waits for the proxy's ACK (usually immediate), where a real link would make it
wait a whole RTT (plus the peer's delayed ACK). Such stalls are smaller here, or invisible;
measure straight against the server (no proxy) to see them. Standard library only.
"""

import argparse
import asyncio
import collections
import json
import selectors
import signal
import socket
import sys


class Pipe:
    """Delivers chunks to one transport at absolute deadlines, in order."""

    def __init__(self, loop):
        self.loop = loop
        self.queue = collections.deque()  # (deadline, bytes or None for EOF)
        self.timer = None
        self.transport = None   # destination; None until connected
        self.not_before = 0.0   # no delivery before this time (connection set-up)
        self.closed = False
        self.eof_sent = False
        self.on_eof = None
        self.delivered = False  # has anything been written to the destination yet?

    def push(self, deadline, data):
        if self.closed:
            return
        deadline = max(deadline, self.not_before)
        if self.queue:
            deadline = max(deadline, self.queue[-1][0])  # never overtake what is queued
        self.queue.append((deadline, data))
        self._arm()

    def attach(self, transport):
        self.transport = transport
        self._arm()

    def _arm(self):
        if self.timer is not None or not self.queue or self.transport is None:
            return
        self.timer = self.loop.call_at(self.queue[0][0], self._flush)

    def _flush(self):
        self.timer = None
        now = self.loop.time()
        while self.queue and self.queue[0][0] <= now:
            _, data = self.queue.popleft()
            if self.closed or self.transport.is_closing():
                self.queue.clear()
                self.closed = True
                return
            if data is CLOSE:
                self.closed = True
                self.queue.clear()
                self.transport.close()
                return
            if data is None:
                # Half-close (shutdown SHUT_WR); the other direction may still carry data.
                self.eof_sent = True
                try:
                    self.transport.write_eof()
                except OSError:  # the peer is already gone
                    pass
                if self.on_eof:
                    self.on_eof()
            else:
                self.transport.write(data)
                self.delivered = True
        self._arm()


CLOSE = object()


class Side(asyncio.Protocol):
    """One socket of a proxied connection; what it reads goes into `out` (a Pipe)."""

    def __init__(self, conn, out, on_made=None):
        self.conn = conn
        self.out = out
        self.on_made = on_made
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info('socket')
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.on_made:
            self.on_made()

    def data_received(self, data):
        self.out.push(self.conn.deadline(self), data)

    def eof_received(self):
        self.out.push(self.conn.deadline(self), None)
        return True  # keep our write side open: the other direction may still carry data

    def connection_lost(self, exc):
        self.out.push(self.conn.deadline(self), CLOSE)


class Connection:
    def __init__(self, loop, delay, target_host, target_port):
        self.loop = loop
        self.delay = delay
        self.target = (target_host, target_port)
        self.t0 = loop.time()
        # client -> server: nothing before the emulated handshake completes at t0 + 3d
        self.to_server = Pipe(loop)
        self.to_server.not_before = self.t0 + 3 * delay
        self.to_client = Pipe(loop)
        self.client = Side(self, self.to_server, on_made=self._client_connected)
        self.to_server.on_eof = self._maybe_close
        self.to_client.on_eof = self._maybe_close

    def deadline(self, side):
        """When what `side` just sent is due at the other side (see the timing model)."""
        now = self.loop.time()
        if side is self.client and not self.to_client.delivered:
            return now + 3 * self.delay  # the client's connect() returned 1 RTT early
        return now + self.delay

    def _client_connected(self):
        self.to_client.attach(self.client.transport)
        self.loop.call_at(self.t0 + 3 * self.delay,
                          lambda: asyncio.ensure_future(self._connect_upstream()))

    async def _connect_upstream(self):
        try:
            transport, _ = await self.loop.create_connection(
                lambda: Side(self, self.to_client), *self.target)
        except OSError as e:
            print(f'latency-proxy: cannot connect to {self.target[0]}:{self.target[1]}: {e}',
                  file=sys.stderr, flush=True)
            # Like a refused connection seen by the client, one way later.
            self.to_client.push(self.loop.time() + self.delay, CLOSE)
            return
        self.to_server.attach(transport)

    def _maybe_close(self):
        # Both directions half-closed and delivered: nothing more can flow, release both sockets.
        if self.to_server.eof_sent and self.to_client.eof_sent:
            for pipe in (self.to_server, self.to_client):
                pipe.closed = True
                if pipe.transport is not None:
                    pipe.transport.close()


async def serve(args):
    loop = asyncio.get_running_loop()
    delay = args.delay_ms / 1000.0
    listens = list(args.listen or [])
    listens += [0] * (len(args.target) - len(listens))
    result = []
    servers = []
    for listen, target in zip(listens, args.target):
        host, _, port = target.rpartition(':')
        host = host.strip('[]') or '127.0.0.1'
        port = int(port)

        def factory(host=host, port=port):
            return Connection(loop, delay, host, port).client

        server = await loop.create_server(factory, args.bind, listen,
                                          reuse_address=True, backlog=128)
        servers.append(server)
        result.append({'listen': server.sockets[0].getsockname()[1], 'target': target})

    print(json.dumps({'delay_ms': args.delay_ms, 'rtt_ms': 2 * args.delay_ms,
                      'bind': args.bind, 'proxies': result}), flush=True)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.exit_on_stdin_eof:
        def on_stdin():
            if not sys.stdin.buffer.raw.read(4096):
                loop.remove_reader(sys.stdin.fileno())
                stop.set()
        loop.add_reader(sys.stdin.fileno(), on_stdin)
    await stop.wait()
    for server in servers:
        server.close()


def main():
    p = argparse.ArgumentParser(description='TCP proxy adding a one-way delay in each direction.')
    p.add_argument('--delay-ms', type=float, default=25.0,
                   help='one-way delay per direction (default 25 ms, i.e. RTT 50 ms)')
    p.add_argument('--bind', default='127.0.0.1', help='address to listen on (default 127.0.0.1)')
    p.add_argument('--listen', type=int, action='append',
                   help='port for the listener of the --target at the same position (default 0)')
    p.add_argument('--target', action='append', required=True, metavar='HOST:PORT',
                   help='where to forward to (repeat for several proxies)')
    p.add_argument('--exit-on-stdin-eof', action='store_true',
                   help='also exit when standard input is closed')
    args = p.parse_args()
    if args.listen and len(args.listen) > len(args.target):
        p.error('more --listen than --target')
    # select() takes a timeout in microseconds; epoll/poll round it up to whole milliseconds,
    # which would add up to 1 ms of lateness to every delayed chunk.
    loop = asyncio.SelectorEventLoop(selectors.SelectSelector())
    try:
        loop.run_until_complete(serve(args))
    except KeyboardInterrupt:
        pass
    finally:
        loop.close()


if __name__ == '__main__':
    main()
