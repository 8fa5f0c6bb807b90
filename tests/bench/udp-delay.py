#!/usr/bin/python3
"""Emulate a slow link in front of a DNS server: a UDP forwarder adding a one-way delay.

    udp-delay.py [--delay-ms 25] [--exit-on-stdin-eof] --listen ADDRESS:PORT --target ADDRESS:PORT

Every datagram a client sends to --listen is forwarded to --target (d = --delay-ms) later, from a
socket of its own per client address and port, and every answer goes back to that client from
--listen, d later again: a query and its answer cost one RTT (2 d) plus whatever the server
takes. Each datagram keeps its own deadline (arrival + d), so concurrent queries (the A and AAAA
queries glibc sends together, the many lookups of a discovery) are not delayed behind each other.
Once listening it prints one JSON line:

    {"delay_ms": 25, "rtt_ms": 50, "listen": "127.0.1.53:53", "target": "127.0.0.53:53"}

and runs until SIGTERM/SIGINT, or until standard input ends with --exit-on-stdin-eof.

UDP only: DNS over TCP (after a truncated answer) is not forwarded; the answers of a discovery
(SRV, MX, A) are far below 512 bytes. No loss, no reordering, no bandwidth limit. Standard
library only, like latency-proxy.py.
"""

import argparse
import asyncio
import json
import selectors
import signal
import socket
import sys

# A client's upstream socket is closed after this long without traffic (glibc uses a new
# source port for nearly every lookup, so they would pile up otherwise).
IDLE_SECONDS = 30.0


def parse_address(text):
    host, _, port = text.rpartition(':')
    return host.strip('[]') or '127.0.0.1', int(port)


class Upstream(asyncio.DatagramProtocol):
    """The forwarder's socket towards the server, for one client."""

    def __init__(self, forwarder, client):
        self.forwarder = forwarder
        self.client = client
        self.transport = None
        self.last_used = forwarder.loop.time()

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.last_used = self.forwarder.loop.time()
        self.forwarder.deliver_to_client(data, self.client)

    def error_received(self, exc):
        pass  # the server is gone or refused: the client's resolver times out, as on a link


class Forwarder(asyncio.DatagramProtocol):
    def __init__(self, loop, delay, target):
        self.loop = loop
        self.delay = delay
        self.target = target
        self.transport = None
        self.upstreams = {}  # client address -> Upstream (or a Future while it is created)

    def connection_made(self, transport):
        self.transport = transport
        self.loop.call_later(IDLE_SECONDS, self._reap)

    def datagram_received(self, data, addr):
        deadline = self.loop.time() + self.delay
        asyncio.ensure_future(self._forward(data, addr, deadline))

    async def _forward(self, data, client, deadline):
        upstream = await self._upstream(client)
        if upstream is None:
            return
        delay = deadline - self.loop.time()
        if delay > 0:
            self.loop.call_at(deadline, self._send_upstream, upstream, data)
        else:
            self._send_upstream(upstream, data)

    @staticmethod
    def _send_upstream(upstream, data):
        if upstream.transport is not None and not upstream.transport.is_closing():
            upstream.last_used = upstream.forwarder.loop.time()
            upstream.transport.sendto(data)

    async def _upstream(self, client):
        entry = self.upstreams.get(client)
        if isinstance(entry, asyncio.Future):
            return await entry
        if entry is not None and not entry.transport.is_closing():
            return entry
        future = self.loop.create_future()
        self.upstreams[client] = future
        try:
            _, upstream = await self.loop.create_datagram_endpoint(
                lambda: Upstream(self, client), remote_addr=self.target)
        except OSError as e:
            print(f'udp-delay: cannot reach {self.target}: {e}', file=sys.stderr, flush=True)
            del self.upstreams[client]
            future.set_result(None)
            return None
        self.upstreams[client] = upstream
        future.set_result(upstream)
        return upstream

    def deliver_to_client(self, data, client):
        self.loop.call_at(self.loop.time() + self.delay, self._send_client, data, client)

    def _send_client(self, data, client):
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, client)

    def _reap(self):
        now = self.loop.time()
        for client, upstream in list(self.upstreams.items()):
            if isinstance(upstream, Upstream) and now - upstream.last_used > IDLE_SECONDS:
                upstream.transport.close()
                del self.upstreams[client]
        self.loop.call_later(IDLE_SECONDS, self._reap)


async def serve(args):
    loop = asyncio.get_running_loop()
    listen = parse_address(args.listen)
    target = parse_address(args.target)
    family = socket.AF_INET6 if ':' in listen[0] else socket.AF_INET
    transport, _ = await loop.create_datagram_endpoint(
        lambda: Forwarder(loop, args.delay_ms / 1000.0, target), local_addr=listen,
        family=family)
    bound = transport.get_extra_info('sockname')
    print(json.dumps({'delay_ms': args.delay_ms, 'rtt_ms': 2 * args.delay_ms,
                      'listen': f'{bound[0]}:{bound[1]}', 'target': args.target}), flush=True)

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
    transport.close()


def main():
    p = argparse.ArgumentParser(description='UDP forwarder adding a one-way delay each way.')
    p.add_argument('--delay-ms', type=float, default=25.0,
                   help='one-way delay per direction (default 25 ms, i.e. RTT 50 ms)')
    p.add_argument('--listen', required=True, metavar='ADDRESS:PORT',
                   help='where clients send their queries (port 0: a free one)')
    p.add_argument('--target', required=True, metavar='ADDRESS:PORT',
                   help='the server the queries go to')
    p.add_argument('--exit-on-stdin-eof', action='store_true',
                   help='also exit when standard input is closed')
    args = p.parse_args()
    # As in latency-proxy.py: select() keeps sub-millisecond timer precision, epoll does not.
    loop = asyncio.SelectorEventLoop(selectors.SelectSelector())
    try:
        loop.run_until_complete(serve(args))
    except KeyboardInterrupt:
        pass
    finally:
        loop.close()


if __name__ == '__main__':
    main()
