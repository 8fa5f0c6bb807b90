#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small Internet in a network namespace, for testing and timing account discovery.

``World`` (run as root) creates a network namespace of its own (``ip netns add``), brings its
``lo`` up, points its resolver at 127.0.0.53 (``/etc/netns/NAME/resolv.conf``, which
``ip netns exec`` bind-mounts over ``/etc/resolv.conf``) and starts inside it:

  * dnsmasq on 127.0.0.53:53, answering only from the world's records: A records, SRV, MX, a
    wildcard domain, and NXDOMAIN for every other name under example.net/.com/.org;
  * the test-bed (``ms-testbed --standard-ports``): real Dovecot and Postfix on IMAP 143/993,
    POP3 110/995 and submission 587/465, whose valid certificate carries every host name of the
    world, with the users ``alice@D`` / ``bob`` / ``carol@D`` for every case domain D;
  * web servers: HTTPS on 127.0.0.10:443 and HTTP on 127.0.0.10:80 (autoconfig documents, the
    ISPDB at ``ISPDB_URL``), HTTP alone on 127.0.0.20:80, each answering by Host header and path
    and logging every request;
  * black holes on 127.0.0.9 (every mail port): they accept connections and never say a word.

Everything goes away at ``stop()`` (or the end of a ``with World(...)`` block), also after an
error or Ctrl-C: the processes, the namespace and ``/etc/netns/NAME``. The processes inside
also stop when the process that made the world dies: they watch the end of their standard input.
A world killed with SIGKILL leaves its namespace behind; ``world.py cleanup`` removes those.

Addresses (all on the namespace's ``lo``, where all of 127.0.0.0/8 is local)::

  127.0.0.1   the test-bed (Dovecot and Postfix), valid certificate        (MAIL)
  127.0.0.2   the test-bed, certificate for another name (WRONG_CERT: wildcard DNS lands here)
  127.0.0.3   the test-bed, valid certificate, not the client's own address (MAIL_REMOTE)
  127.0.0.4/5 the test-bed, expired / not yet valid certificate
  127.0.0.9   black holes on 143 993 110 995 587 465   (BLACK_HOLE)
  127.0.0.10  HTTPS 443 + HTTP 80                      (WEB)
  127.0.0.20  HTTP 80 only                             (WEB_HTTP_ONLY)
  127.0.0.53  dnsmasq                                  (DNS)
  192.0.2.1   nothing; without an address outside 127/8, getaddrinfo with AI_ADDRCONFIG (as
              GLib's GSocketClient asks) finds no name at all (ADDRCONFIG_ADDRESS)

Logs, for assertions (``World.log_paths()``, ``mark()``, ``wait_quiet()``, ``lines_since()``):
Dovecot's and Postfix's own (every login attempt, with the local address), the web servers'
(JSON lines: scheme, Host, path with query, status) and the black holes' (JSON lines: address,
port), dnsmasq's queries.

Each test case has a domain of its own (``CASES``; ``standard_spec()`` builds them all). The
cases are data here; what a client should find in each is asserted by
test-discover-world.py. A benchmark can take ``standard_spec()``, change it (e.g. point a host
at a latency proxy it starts with ``World.popen``), and start its own world.

Command line (as root)::

  world.py --testbed BUILD/tests/testbed/ms-testbed up
      start the world, print its description (JSON) and wait for Ctrl-C or end of input
  world.py --testbed ... run -- COMMAND ...
      start the world, run COMMAND inside the namespace (WORLD_JSON names the description
      file), stop the world, exit with COMMAND's status
  world.py cases        the case domains and what each one has
  world.py cleanup      remove namespaces (and /etc/netns entries) of worlds whose process died

Standard library only; run by Debian's /usr/bin/python3.
"""

import argparse
import contextlib
import http.server
import json
import os
import re
import select
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

MAIL = '127.0.0.1'
WRONG_CERT = '127.0.0.2'
MAIL_REMOTE = '127.0.0.3'
BLACK_HOLE = '127.0.0.9'
WEB = '127.0.0.10'
WEB_HTTP_ONLY = '127.0.0.20'
DNS = '127.0.0.53'
ADDRCONFIG_ADDRESS = '192.0.2.1'  # TEST-NET-1, on lo; nothing listens there

MAIL_PORTS = (143, 993, 110, 995, 587, 465)
ISPDB_HOST = 'ispdb.example.net'
ISPDB_URL = f'https://{ISPDB_HOST}/v1.1/'
AUTOCONFIG_PATH = '/mail/config-v1.1.xml'
WELL_KNOWN_PATH = '/.well-known/autoconfig/mail/config-v1.1.xml'
NETNS_PREFIX = 'ms-world-'
# The test-bed's users (MsTestbedUser): the same in every case domain.
PASSWORD = 'alice-Pa55'
LOCAL_PART = 'alice'

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class Unavailable(Exception):
    """The world cannot run here (not root, no network namespaces, a program missing)."""


class WorldError(Exception):
    """The world failed to start or misbehaved."""


# ------------------------------------------------------------------------------------------
# What the world contains
# ------------------------------------------------------------------------------------------

def autoconfig_xml(domain, incoming, outgoing, username='%EMAILADDRESS%', extra=''):
    """A Mozilla autoconfig 1.1 document. INCOMING / OUTGOING: (type, host, port, socketType)."""
    def server(tag, kind, host, port, socket_type):
        return (f'    <{tag} type="{kind}">\n'
                f'      <hostname>{host}</hostname>\n'
                f'      <port>{port}</port>\n'
                f'      <socketType>{socket_type}</socketType>\n'
                f'      <username>{username}</username>\n'
                f'      <authentication>password-cleartext</authentication>\n'
                f'    </{tag}>\n')

    servers = ''.join(server('incomingServer', *s) for s in incoming)
    servers += ''.join(server('outgoingServer', *s) for s in outgoing)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<clientConfig version="1.1" xmlns:ms="https://example.org/mail-setup/1">\n'
            f'  <emailProvider id="{domain}">\n'
            f'    <domain>{domain}</domain>\n'
            f'    <displayName>{domain} (discovery world)</displayName>\n'
            f'    <displayShortName>{domain}</displayShortName>\n'
            f'{servers}{extra}'
            '  </emailProvider>\n'
            '</clientConfig>\n')


@dataclass
class Zone:
    """One case domain: its DNS records, web documents and what it is for."""
    domain: str
    about: str
    hosts: dict = field(default_factory=dict)        # name -> IPv4 address
    srv: list = field(default_factory=list)          # (service, target, port, priority, weight)
    mx: list = field(default_factory=list)           # (host, preference)
    wildcard: str = None                             # address of D and every *.D
    https: dict = field(default_factory=dict)        # "host path" -> document
    http: dict = field(default_factory=dict)         # "host path" -> document
    providers: dict = field(default_factory=dict)    # file name -> site-local provider file

    def host(self, name, address):
        self.hosts[name] = address
        return self

    def add_srv(self, service, target, port, priority=0, weight=0):
        """SERVICE like "_imaps"; TARGET "." says the domain does not offer it (RFC 2782)."""
        self.srv.append((service, target, port, priority, weight))
        return self

    def add_mx(self, host, preference):
        self.mx.append((host, preference))
        return self

    def serve(self, scheme, host, path, document):
        (self.https if scheme == 'https' else self.http)[f'{host} {path}'] = document
        return self

    @property
    def address(self):
        return f'{LOCAL_PART}@{self.domain}'


@dataclass
class Spec:
    """The whole world: zones, black holes, and the ISPDB's documents."""
    zones: dict = field(default_factory=dict)        # domain -> Zone
    black_holes: list = field(default_factory=list)  # (address, port)
    ispdb: dict = field(default_factory=dict)        # domain -> document

    def add(self, zone):
        self.zones[zone.domain] = zone
        return zone

    def cert_names(self):
        """Every name the valid certificate must carry: all A records (the test-bed's and the
        web servers'). Wildcard names are left out: they land on the wrong certificate."""
        names = {ISPDB_HOST}
        for zone in self.zones.values():
            names.update(zone.hosts)
        return sorted(names)

    def user_domains(self):
        return sorted(self.zones)

    def to_json(self):
        return {
            'zones': {d: vars(z) for d, z in self.zones.items()},
            'black_holes': self.black_holes,
            'ispdb': self.ispdb,
        }


# One domain per case. The host names a case's servers have are chosen so that guessing
# (imap.D, mail.D, D, pop3.D, pop.D, smtp.D) finds nothing unless the case is about guessing.
SRV = 'srv.example.net'
AUTOCONFIG = 'ac.example.net'
WELL_KNOWN = 'wk.example.net'
ISPDB = 'isp.example.org'
MX = 'viamx.example.org'
PROVIDER = 'bigmail.example.com'
GUESS = 'guess.example.net'
WILDCARD = 'wild.example.net'
BLACK_HOLED = 'bh.example.net'
BLACK_HOLED_GUESS = 'bhguess.example.net'
HTTP_ONLY = 'httponly.example.net'
SRV_DOT = 'dot.example.net'
WRONG_PASSWORD = 'pw.example.net'
NOTHING = 'nothing.example.com'

CASES = (SRV, AUTOCONFIG, WELL_KNOWN, ISPDB, MX, GUESS, WILDCARD, BLACK_HOLED, BLACK_HOLED_GUESS,
         HTTP_ONLY, SRV_DOT, WRONG_PASSWORD, NOTHING)

PROVIDER_FILE = f'{PROVIDER}.xml'
PROVIDER_NOTE = 'BigMail keeps your mail on its own servers (discovery world).'


def standard_spec():
    spec = Spec()

    z = spec.add(Zone(SRV, 'SRV records only (RFC 6186 + 8314), targets inside the domain'))
    z.host(f'in.{SRV}', MAIL).host(f'out.{SRV}', MAIL)
    z.add_srv('_imaps', f'in.{SRV}', 993).add_srv('_imap', f'in.{SRV}', 143)
    z.add_srv('_pop3s', f'in.{SRV}', 995)
    z.add_srv('_submissions', f'out.{SRV}', 465).add_srv('_submission', f'out.{SRV}', 587)

    z = spec.add(Zone(AUTOCONFIG, 'the ISP autoconfig at https://autoconfig.D only'))
    z.host(f'autoconfig.{AUTOCONFIG}', WEB).host(f'in.{AUTOCONFIG}', MAIL)
    z.host(f'out.{AUTOCONFIG}', MAIL)
    z.serve('https', f'autoconfig.{AUTOCONFIG}', AUTOCONFIG_PATH, autoconfig_xml(
        AUTOCONFIG, [('imap', f'in.{AUTOCONFIG}', 993, 'SSL')],
        [('smtp', f'out.{AUTOCONFIG}', 465, 'SSL'),
         ('smtp', f'out.{AUTOCONFIG}', 587, 'STARTTLS')]))

    # D itself is the web server, which has no mail ports: guessing D finds nothing.
    z = spec.add(Zone(WELL_KNOWN, 'the autoconfig at https://D/.well-known/ only'))
    z.host(WELL_KNOWN, WEB).host(f'in.{WELL_KNOWN}', MAIL).host(f'out.{WELL_KNOWN}', MAIL)
    z.serve('https', WELL_KNOWN, WELL_KNOWN_PATH, autoconfig_xml(
        WELL_KNOWN, [('imap', f'in.{WELL_KNOWN}', 993, 'SSL')],
        [('smtp', f'out.{WELL_KNOWN}', 465, 'SSL')]))

    z = spec.add(Zone(ISPDB, f'the ISPDB ({ISPDB_URL}D) only'))
    z.host(f'in.{ISPDB}', MAIL).host(f'out.{ISPDB}', MAIL)
    spec.ispdb[ISPDB] = autoconfig_xml(
        ISPDB, [('imap', f'in.{ISPDB}', 993, 'SSL'), ('pop3', f'in.{ISPDB}', 995, 'SSL')],
        [('smtp', f'out.{ISPDB}', 465, 'SSL')])

    # The most preferred MX (lowest value, listed second) is the provider's; its base domain is
    # example.com (the public suffix is com), which the provider file lists besides its own
    # domain, as Gmail's lists google.com for Google Workspace.
    z = spec.add(Zone(MX, f'MX -> mx.{PROVIDER} -> a site-local provider file (--providers-dir)'))
    z.add_mx(f'mx.backup.{MX}', 20).add_mx(f'mx.{PROVIDER}', 10)
    z.host(f'mx.{PROVIDER}', MAIL).host(f'imap.{PROVIDER}', MAIL).host(f'smtp.{PROVIDER}', MAIL)
    z.providers[PROVIDER_FILE] = autoconfig_xml(
        PROVIDER, [('imap', f'imap.{PROVIDER}', 993, 'SSL')],
        [('smtp', f'smtp.{PROVIDER}', 465, 'SSL')],
        extra=f'    <ms:note>{PROVIDER_NOTE}</ms:note>\n').replace(
            f'    <domain>{PROVIDER}</domain>\n',
            f'    <domain>{PROVIDER}</domain>\n    <domain>example.com</domain>\n')

    z = spec.add(Zone(GUESS, 'nothing but imap.D and smtp.D with valid certificates'))
    z.host(f'imap.{GUESS}', MAIL).host(f'smtp.{GUESS}', MAIL)

    # Every *.D is the wrong-certificate address, except the one real server, which only the
    # (STARTTLS) SRV records name: the guesses on implicit TLS rank higher until they fail.
    z = spec.add(Zone(WILDCARD, 'wildcard DNS to a wrong-certificate host; SRV names the real one'))
    z.wildcard = WRONG_CERT
    z.host(f'box.{WILDCARD}', MAIL)
    z.add_srv('_imap', f'box.{WILDCARD}', 143).add_srv('_submission', f'box.{WILDCARD}', 587)

    z = spec.add(Zone(BLACK_HOLED, 'SRV: _imaps/_submissions black-holed, _imap/_submission work'))
    z.host(f'hole.{BLACK_HOLED}', BLACK_HOLE).host(f'box.{BLACK_HOLED}', MAIL)
    z.add_srv('_imaps', f'hole.{BLACK_HOLED}', 993).add_srv('_imap', f'box.{BLACK_HOLED}', 143)
    z.add_srv('_submissions', f'hole.{BLACK_HOLED}', 465)
    z.add_srv('_submission', f'box.{BLACK_HOLED}', 587)

    z = spec.add(Zone(BLACK_HOLED_GUESS, 'guessing: imap.D and smtp.D black-holed, mail.D works'))
    z.host(f'imap.{BLACK_HOLED_GUESS}', BLACK_HOLE).host(f'smtp.{BLACK_HOLED_GUESS}', BLACK_HOLE)
    z.host(f'mail.{BLACK_HOLED_GUESS}', MAIL)

    # Nothing answers https here (the web host has port 80 only), so the http variant is tried;
    # its servers have names no guess would try.
    z = spec.add(Zone(HTTP_ONLY, 'autoconfig over plain http only (untrusted)'))
    z.host(f'autoconfig.{HTTP_ONLY}', WEB_HTTP_ONLY).host(HTTP_ONLY, WEB_HTTP_ONLY)
    z.host(f'mx7.{HTTP_ONLY}', MAIL)
    z.serve('http', f'autoconfig.{HTTP_ONLY}', AUTOCONFIG_PATH, autoconfig_xml(
        HTTP_ONLY, [('imap', f'mx7.{HTTP_ONLY}', 993, 'SSL')],
        [('smtp', f'mx7.{HTTP_ONLY}', 465, 'SSL')]))

    # imap.D and mail.D exist and would pass as guesses: the "." targets must stop that.
    z = spec.add(Zone(SRV_DOT, 'SRV "." for _imaps and _imap; POP3 and submission offered'))
    z.add_srv('_imaps', '.', 0).add_srv('_imap', '.', 0)
    z.add_srv('_pop3s', f'in.{SRV_DOT}', 995).add_srv('_submissions', f'out.{SRV_DOT}', 465)
    z.host(f'in.{SRV_DOT}', MAIL).host(f'out.{SRV_DOT}', MAIL)
    z.host(f'imap.{SRV_DOT}', MAIL).host(f'mail.{SRV_DOT}', MAIL)

    # Two working servers per direction on two addresses: a wrong password must stop at the
    # first, not try the second.
    z = spec.add(Zone(WRONG_PASSWORD, 'SRV to servers on two addresses, for a wrong password'))
    z.host(f'in.{WRONG_PASSWORD}', MAIL).host(f'alt.{WRONG_PASSWORD}', MAIL_REMOTE)
    z.add_srv('_imaps', f'in.{WRONG_PASSWORD}', 993).add_srv('_imap', f'alt.{WRONG_PASSWORD}', 143)
    z.add_srv('_submissions', f'in.{WRONG_PASSWORD}', 465)
    z.add_srv('_submission', f'alt.{WRONG_PASSWORD}', 587)

    spec.add(Zone(NOTHING, 'no records at all'))

    spec.black_holes = [(BLACK_HOLE, port) for port in MAIL_PORTS]
    return spec


def dnsmasq_config(spec):
    lines = ['# generated by world.py']
    suffixes = sorted({'.'.join(d.split('.')[-2:]) for d in spec.zones} |
                      {'.'.join(ISPDB_HOST.split('.')[-2:])})
    # Answer from the records below only; every other name there is NXDOMAIN (not REFUSED).
    lines += [f'local=/{s}/' for s in suffixes]
    lines.append(f'host-record={ISPDB_HOST},{WEB}')
    for zone in spec.zones.values():
        if zone.wildcard:
            lines.append(f'address=/{zone.domain}/{zone.wildcard}')
        # host-record (exact names) wins over a wildcard address=
        lines += [f'host-record={name},{address}' for name, address in zone.hosts.items()]
        for service, target, port, priority, weight in zone.srv:
            lines.append(f'srv-host={service}._tcp.{zone.domain},{target},{port},{priority},'
                         f'{weight}')
        lines += [f'mx-host={zone.domain},{host},{pref}' for host, pref in zone.mx]
    return '\n'.join(lines) + '\n'


# ------------------------------------------------------------------------------------------
# Inside the namespace: the supervisor (world.py _serve) with web servers and black holes
# ------------------------------------------------------------------------------------------

class JsonLog:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.file = open(path, 'a', buffering=1, encoding='utf-8')

    def write(self, **entry):
        entry['time'] = time.time()
        with self.lock:
            self.file.write(json.dumps(entry) + '\n')


class WebHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'DiscoveryWorld/1'
    # Headers and body leave in one write (flushed after each request), and TCP_NODELAY is
    # set: a separate small write would wait for the client's delayed ACK (40 ms), which a
    # benchmark would count against the client.
    wbufsize = 64 * 1024

    def do_GET(self):
        srv = self.server
        host = (self.headers.get('Host') or '').lower()
        host = re.sub(r':\d+$', '', host)
        path = self.path.split('?', 1)[0]
        document = srv.routes.get(f'{host} {path}')
        if document is None and host == ISPDB_HOST and path.startswith('/v1.1/'):
            document = srv.ispdb.get(path[len('/v1.1/'):].lower())
        status = 200 if document is not None else 404
        body = (document if document is not None else 'not found\n').encode()
        srv.log.write(scheme=srv.scheme, host=host, path=self.path, status=status,
                      client=self.client_address[0], local=srv.server_address[0])
        self.send_response(status)
        self.send_header('Content-Type', 'text/xml; charset=utf-8' if status == 200
                         else 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class WebServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, port, scheme, routes, ispdb, log, tls_context=None):
        self.scheme = scheme
        self.routes = routes
        self.ispdb = ispdb
        self.log = log
        self.tls_context = tls_context
        super().__init__((address, port), WebHandler)

    def server_bind(self):
        # HTTPServer.server_bind asks DNS for the server's name (a PTR query) for nothing.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def get_request(self):
        sock, client = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls_context:
            # The handshake happens in the request's thread, at its first read.
            sock = self.tls_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, client

    def handle_error(self, request, client_address):
        pass  # clients that give up (timeouts, TLS failures) are part of the tests


class BlackHole:
    """Accepts on ADDRESS:PORT, reads and drops whatever comes, never sends a byte."""

    def __init__(self, address, port, log):
        self.log = log
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(64)
        self.address = (address, port)
        self.connections = []
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, client = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.log.write(address=self.address[0], port=self.address[1], client=client[0])
            threading.Thread(target=self.drain, args=(conn,), daemon=True).start()

    @staticmethod
    def drain(conn):
        with contextlib.suppress(OSError):
            while conn.recv(65536):
                pass


def wait_for_tcp(address, port, deadline, what):
    while True:
        with contextlib.suppress(OSError), socket.create_connection((address, port), 0.5):
            return
        if time.monotonic() > deadline:
            raise WorldError(f'{what} does not accept connections on {address}:{port}')
        time.sleep(0.02)


def read_json_line(proc, deadline, what, log_path):
    """The first stdout line of PROC, parsed; a helpful error when it does not come."""
    buffer = b''
    while b'\n' not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or proc.poll() is not None and not select.select(
                [proc.stdout], [], [], 0)[0]:
            break
        ready, _, _ = select.select([proc.stdout], [], [], min(remaining, 0.5))
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buffer += chunk
    if b'\n' not in buffer:
        tail = ''
        with contextlib.suppress(OSError), open(log_path, errors='replace') as f:
            tail = f.read()[-3000:]
        raise WorldError(f'{what} did not start (exit status {proc.poll()}); '
                         f'{log_path}:\n{tail}')
    return json.loads(buffer.split(b'\n', 1)[0])


def serve(spec_path):
    """world.py _serve SPEC: runs inside the namespace until stdin ends or a signal comes."""
    with open(spec_path) as f:
        config = json.load(f)
    spec = config['spec']
    workdir = config['workdir']
    deadline = time.monotonic() + START_TIMEOUT
    children = []
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    try:
        # the test-bed: its stdin is ours to close
        testbed_log = os.path.join(workdir, 'ms-testbed.log')
        with open(testbed_log, 'wb') as log:
            testbed = subprocess.Popen(
                [config['testbed'], '--standard-ports', '--json',
                 '--extra-names', ','.join(config['cert_names']),
                 '--user-domains', ','.join(config['user_domains'])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                env=dict(os.environ, TMPDIR='/tmp'))
        children.append(testbed)
        bed = read_json_line(testbed, deadline, 'ms-testbed', testbed_log)
        cert = bed['certificates']['valid']

        dnsmasq_conf = os.path.join(workdir, 'dnsmasq.conf')
        dnsmasq_log = os.path.join(workdir, 'dnsmasq.log')
        with open(dnsmasq_conf, 'w') as f:
            f.write(config['dnsmasq'])
        dnsmasq = subprocess.Popen(
            ['dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--no-poll',
             f'--listen-address={DNS}', '--bind-interfaces', '--port=53', '--pid-file=',
             '--user=root', '--cache-size=0', f'--conf-file={dnsmasq_conf}', '--log-queries',
             f'--log-facility={dnsmasq_log}'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(workdir, 'dnsmasq.err'), 'wb'))
        children.append(dnsmasq)
        wait_for_tcp(DNS, 53, deadline, 'dnsmasq')

        web_log = JsonLog(os.path.join(workdir, 'web.log'))
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert['cert-file'], cert['key-file'])
        https_routes, http_routes = {}, {}
        for zone in spec['zones'].values():
            https_routes.update(zone['https'])
            http_routes.update(zone['http'])
        servers = [
            WebServer(WEB, 443, 'https', https_routes, spec['ispdb'], web_log, tls),
            WebServer(WEB, 80, 'http', http_routes, {}, web_log),
            WebServer(WEB_HTTP_ONLY, 80, 'http', http_routes, {}, web_log),
        ]
        for server in servers:
            threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.1},
                             daemon=True).start()

        hole_log = JsonLog(os.path.join(workdir, 'black-hole.log'))
        holes = [BlackHole(address, port, hole_log) for address, port in spec['black_holes']]

        description = {
            'testbed': bed,
            'dnsmasq_log': dnsmasq_log,
            'web_log': web_log.file.name,
            'black_hole_log': hole_log.file.name,
            'supervisor_pid': os.getpid(),
        }
        sys.stdout.write(json.dumps(description) + '\n')
        sys.stdout.flush()

        # Until the parent closes our stdin (or dies) or a signal comes.
        while not stop.is_set():
            with contextlib.suppress(InterruptedError):
                ready, _, _ = select.select([sys.stdin], [], [], 0.2)
                if ready and not os.read(sys.stdin.fileno(), 4096):
                    break

        for server in servers:
            server.shutdown()
            server.server_close()
        for hole in holes:
            hole.sock.close()
            for conn in hole.connections:
                with contextlib.suppress(OSError):
                    conn.close()
    except WorldError as e:
        sys.stderr.write(f'world: {e}\n')
        return 1
    finally:
        # ms-testbed stops at the end of its input; dnsmasq at SIGTERM.
        for child in reversed(children):
            with contextlib.suppress(OSError):
                if child.stdin:
                    child.stdin.close()
                else:
                    child.terminate()
        for child in reversed(children):
            try:
                child.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return 0


# ------------------------------------------------------------------------------------------
# Outside: the World
# ------------------------------------------------------------------------------------------

def check_available():
    """Raises Unavailable with the reason when a world cannot run here."""
    if os.geteuid() != 0:
        raise Unavailable('needs root (network namespaces, ports below 1024, the test-bed)')
    for program in ('ip', 'dnsmasq', 'dovecot', 'postfix', 'openssl'):
        if shutil.which(program, path=os.environ.get('PATH', '') + ':/usr/sbin:/sbin') is None:
            raise Unavailable(f'{program} is missing: run tools/install-deps --test')
    probe = f'{NETNS_PREFIX}probe-{os.getpid()}'
    result = subprocess.run(['ip', 'netns', 'add', probe], capture_output=True, text=True)
    if result.returncode != 0:
        raise Unavailable(f'cannot create a network namespace: {result.stderr.strip()}')
    subprocess.run(['ip', 'netns', 'delete', probe], capture_output=True)


class World:
    """A running world; see the module's documentation. Use as a context manager."""

    def __init__(self, testbed, spec=None, keep=False):
        self.testbed_tool = os.path.abspath(testbed)
        self.spec = spec or standard_spec()
        self.keep = keep or bool(os.environ.get('WORLD_KEEP'))
        self.name = None
        self.workdir = None
        self.supervisor = None
        self.description = None
        self.extra = []

    # lifecycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        check_available()
        self.workdir = tempfile.mkdtemp(prefix='ms-world-', dir='/tmp')
        os.chmod(self.workdir, 0o755)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        # ms-world-PID-SUFFIX, with the work directory's suffix: cleanup_stale() knows by the pid
        # whether the world's maker still runs
        suffix = os.path.basename(self.workdir)[len('ms-world-'):]
        self.name = f'{NETNS_PREFIX}{os.getpid()}-{suffix}'
        self._ip('netns', 'add', self.name)
        self._ip('-n', self.name, 'link', 'set', 'lo', 'up')
        # getaddrinfo with AI_ADDRCONFIG (GLib asks that way, for IPv4 and IPv6 apart) finds
        # nothing where the only IPv4 addresses are 127.x: give the namespace one more.
        self._ip('-n', self.name, 'addr', 'add', f'{ADDRCONFIG_ADDRESS}/32', 'dev', 'lo')
        etc = f'/etc/netns/{self.name}'
        os.makedirs(etc)
        with open(f'{etc}/resolv.conf', 'w') as f:
            f.write(f'nameserver {DNS}\noptions timeout:2 attempts:1\n')
        with open(f'{etc}/nsswitch.conf', 'w') as f:
            f.write('passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n')
        with open(f'{etc}/hosts', 'w') as f:
            f.write('127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n')

        self.providers_dir = os.path.join(self.workdir, 'providers')
        os.makedirs(self.providers_dir)
        for zone in self.spec.zones.values():
            for name, text in zone.providers.items():
                with open(os.path.join(self.providers_dir, name), 'w') as f:
                    f.write(text)

        config = {
            'spec': self.spec.to_json(),
            'workdir': self.workdir,
            'testbed': self.testbed_tool,
            'cert_names': self.spec.cert_names(),
            'user_domains': self.spec.user_domains(),
            'dnsmasq': dnsmasq_config(self.spec),
        }
        spec_path = os.path.join(self.workdir, 'world.json')
        with open(spec_path, 'w') as f:
            json.dump(config, f, indent=1)

        log_path = os.path.join(self.workdir, 'supervisor.log')
        with open(log_path, 'wb') as log:
            self.supervisor = subprocess.Popen(
                self.command(['/usr/bin/python3', os.path.abspath(__file__), '_serve',
                              spec_path]),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                start_new_session=True)
        self.description = read_json_line(self.supervisor, time.monotonic() + START_TIMEOUT,
                                          'the world', log_path)
        self.description.update({
            'netns': self.name,
            'workdir': self.workdir,
            'ca_file': self.ca_file,
            'providers_dir': self.providers_dir,
            'ispdb_url': ISPDB_URL,
            'password': PASSWORD,
            'cases': {d: {'address': z.address, 'about': z.about}
                      for d, z in self.spec.zones.items()},
        })
        with open(os.path.join(self.workdir, 'description.json'), 'w') as f:
            json.dump(self.description, f, indent=1)

    def stop(self):
        """Idempotent; never raises for what is already gone."""
        if self.supervisor is not None:
            with contextlib.suppress(OSError):
                self.supervisor.stdin.close()
            try:
                self.supervisor.wait(STOP_TIMEOUT + 5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(self.supervisor.pid, signal.SIGKILL)
                self.supervisor.wait()
            self.supervisor = None
        for proc in self.extra:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self.extra = []
        if self.name is not None:
            kill_namespace_processes(self.name)
            subprocess.run(['ip', 'netns', 'delete', self.name], capture_output=True)
            shutil.rmtree(f'/etc/netns/{self.name}', ignore_errors=True)
            self.name = None
        if self.workdir is not None and not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    @staticmethod
    def _ip(*args):
        result = subprocess.run(['ip', *args], capture_output=True, text=True)
        if result.returncode != 0:
            raise WorldError(f'ip {" ".join(args)}: {result.stderr.strip()}')

    # using it

    @property
    def testbed(self):
        return self.description['testbed']

    @property
    def ca_file(self):
        return self.testbed['ca-file']

    def command(self, argv):
        return ['ip', 'netns', 'exec', self.name] + list(argv)

    def run(self, argv, input=None, timeout=60, env=None):
        """Runs ARGV inside the namespace; a CompletedProcess with text stdout/stderr."""
        return subprocess.run(self.command(argv), input=input, capture_output=True, text=True,
                              timeout=timeout, env=env)

    def popen(self, argv, **kwargs):
        """Starts ARGV inside the namespace; stopped (killed) with the world."""
        proc = subprocess.Popen(self.command(argv), **kwargs)
        self.extra.append(proc)
        return proc

    def log_paths(self):
        bed = self.testbed['dir']
        return {
            'dovecot': os.path.join(bed, 'dovecot', 'dovecot.log'),
            'postfix': os.path.join(bed, 'postfix', 'maillog'),
            'web': self.description['web_log'],
            'black_hole': self.description['black_hole_log'],
            'dns': self.description['dnsmasq_log'],
        }

    def mark(self):
        """Where each log ends now; lines_since(mark) gives what came after."""
        marks = {}
        for name, path in self.log_paths().items():
            try:
                marks[name] = os.path.getsize(path)
            except OSError:
                marks[name] = 0
        return marks

    def wait_quiet(self, logs=('dovecot', 'postfix'), settle=0.25, limit=5.0):
        """Waits until none of LOGS has grown for SETTLE seconds: the servers log
        asynchronously, a little after the client is done."""
        paths = [self.log_paths()[log] for log in logs]
        last, quiet_since = None, time.monotonic()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            sizes = [os.path.getsize(p) if os.path.exists(p) else 0 for p in paths]
            if sizes != last:
                last, quiet_since = sizes, time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                return
            time.sleep(0.05)

    def lines_since(self, mark, log, settle=None):
        """LOG's lines written after MARK (see mark()); with SETTLE, once LOG has been quiet
        that long (or call wait_quiet() first, for several logs at once)."""
        if settle:
            self.wait_quiet((log,), settle)
        path = self.log_paths()[log]
        if not os.path.exists(path):
            return []
        with open(path, 'rb') as f:
            f.seek(mark.get(log, 0))
            return f.read().decode('utf-8', 'replace').splitlines()


def kill_namespace_processes(name):
    """SIGKILLs what still runs in the world's namespace (by pid; normally nothing)."""
    for _ in range(50):
        result = subprocess.run(['ip', 'netns', 'pids', name], capture_output=True, text=True)
        pids = [int(p) for p in result.stdout.split()] if result.returncode == 0 else []
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def cleanup_stale():
    """Removes the namespaces of worlds whose creating process is gone."""
    result = subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True)
    removed = []
    for line in result.stdout.splitlines():
        name = line.split()[0] if line.split() else ''
        m = re.match(re.escape(NETNS_PREFIX) + r'(\d+)-(\w+)$', name)
        if not m or os.path.exists(f'/proc/{m.group(1)}'):
            continue
        kill_namespace_processes(name)
        subprocess.run(['ip', 'netns', 'delete', name], capture_output=True)
        shutil.rmtree(f'/etc/netns/{name}', ignore_errors=True)
        # the work directory is named after the namespace (World._start)
        shutil.rmtree(f'/tmp/ms-world-{m.group(2)}', ignore_errors=True)
        removed.append(name)
    return removed


@contextlib.contextmanager
def signals_raise():
    """SIGTERM and SIGHUP end the program like Ctrl-C: through every `finally`."""
    def raise_interrupt(signum, frame):
        raise KeyboardInterrupt(f'signal {signum}')

    old = {s: signal.signal(s, raise_interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--testbed', default=os.environ.get('MS_TESTBED'),
                        help='the ms-testbed tool (default: $MS_TESTBED)')
    parser.add_argument('--keep', action='store_true', help='keep the work directory')
    sub = parser.add_subparsers(dest='command', required=True)
    sub.add_parser('up', help='start, print the description, wait for Ctrl-C or end of input')
    run_parser = sub.add_parser('run', help='run a command inside a fresh world')
    run_parser.add_argument('argv', nargs=argparse.REMAINDER)
    sub.add_parser('cases', help='list the case domains')
    sub.add_parser('cleanup', help='remove namespaces left by dead worlds')
    serve_parser = sub.add_parser('_serve')
    serve_parser.add_argument('spec')
    args = parser.parse_args()

    if args.command == '_serve':
        return serve(args.spec)
    if args.command == 'cases':
        spec = standard_spec()
        for zone in spec.zones.values():
            print(f'{zone.address:32} {zone.about}')
        return 0
    if args.command == 'cleanup':
        for name in cleanup_stale():
            print(f'removed {name}')
        return 0
    if not args.testbed:
        parser.error('--testbed (or $MS_TESTBED) is needed')

    with signals_raise():
        try:
            with World(args.testbed, keep=args.keep) as world:
                path = os.path.join(world.workdir, 'description.json')
                if args.command == 'up':
                    print(json.dumps(world.description, indent=1), flush=True)
                    print(f'Running in namespace {world.name}: ip netns exec {world.name} ...; '
                          'stop with Ctrl-C or the end of input.', file=sys.stderr)
                    with contextlib.suppress(KeyboardInterrupt):
                        while sys.stdin.read(4096):
                            pass
                    return 0
                argv = args.argv[1:] if args.argv[:1] == ['--'] else args.argv
                if not argv:
                    parser.error('run needs a command')
                env = dict(os.environ, WORLD_JSON=path)
                return subprocess.run(world.command(argv), env=env).returncode
        except Unavailable as e:
            print(f'world: cannot run here: {e}', file=sys.stderr)
            return 77
        except WorldError as e:
            print(f'world: {e}', file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 130


if __name__ == '__main__':
    sys.exit(main())
