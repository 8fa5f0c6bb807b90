#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``servers`` suite: ``mail-setup-cli test`` against scripted, misbehaving servers.

Each case starts a scripted IMAP / POP3 / SMTP server on 127.0.0.1 (see scripted_server.py),
runs ``mail-setup-cli test ... --user U --password-stdin --json --transcript --ca-file CA
--timeout S`` against it, and asserts:

  (a) the diagnosis nick, ``ok`` and the exit code (0 passed, 1 failed);
  (b) no credential byte reached the server outside validated TLS: every cleartext byte the
      server received (and, when the certificate was not trusted, every byte received inside
      TLS too) is searched for the password, base64 of "\\0user\\0password" for both username
      forms, and base64 of the password;
  (c) the run ended within ``--timeout`` + 0.5 s (wall clock of the CLI process);
  (d) case-specific facts about what the client sent (which SASL mechanism, CAPABILITY re-fetched
      inside TLS, no AUTH after a refused STARTTLS, never MAIL FROM, ...).

Certificates come from ``ms-testbed --certs-only DIR --json`` (the test CA plus the variants
valid / self-signed / wrong-host / expired / not-yet-valid).

Output is TAP, so meson registers it with ``protocol: 'tap'``. Run by hand (from the source root,
after ``ninja -C _build``)::

  /usr/bin/python3 tests/servers/test_servers.py --list
  /usr/bin/python3 tests/servers/test_servers.py \\
      --cli _build/src/cli/mail-setup-cli --testbed _build/tests/testbed/ms-testbed
  /usr/bin/python3 tests/servers/test_servers.py --cli ... --testbed ... \\
      --case imap-starttls-injection-same-write --verbose
  /usr/bin/python3 tests/servers/test_servers.py ... --case 'smtp-*' --protocol smtp

``--case`` takes a name or a shell pattern and may be repeated; ``--verbose`` prints the
diagnostics (client JSON, what the server received per connection) for passing cases too.
``--serve NAME`` only starts that case's server and prints its port, for poking at it with
``openssl s_client`` or ``curl``. ``--openssl-certs`` generates equivalent certificates with
openssl(1) instead of ms-testbed (development only). ``MAIL_SETUP_CLI`` / ``MS_TESTBED`` in the
environment stand in for ``--cli`` / ``--testbed``; ``MS_SERVERS_TIME_SLACK`` (seconds, default
0.5) widens the timing bound for slow setups such as valgrind.
"""

import argparse
import base64
import concurrent.futures
import dataclasses
import fnmatch
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scripted_server import (  # noqa: E402  (path set up above)
    Behaviour, Certs, after_client_hello, close, flood, make_server, plaintext_on_tls_port,
    reset, send, send_huge_line, send_then, stall, starttls_with_injection, tls_alert,
    tls_garbage,
)

USER = 'tester@example.test'
LOCAL_PART = 'tester'
PASSWORD = 'S3cret!pass'
DEFAULT_TIMEOUT = 5.0
STALL_TIMEOUT = 1.5
TIME_SLACK = float(os.environ.get('MS_SERVERS_TIME_SLACK', '0.5'))

ALL_DIAGNOSES = {
    'ok', 'dns-not-found', 'connection-refused', 'timeout', 'network-unreachable',
    'tls-handshake-failed', 'certificate-untrusted', 'certificate-hostname-mismatch',
    'certificate-expired', 'certificate-not-yet-valid', 'starttls-unavailable',
    'starttls-injection', 'auth-failed', 'auth-mechanism-unsupported', 'app-password-required',
    'login-disabled', 'server-unavailable', 'protocol-error', 'cancelled',
}
# Failures that, per the contract, happen before any credential may leave the client.
PRE_AUTH_DIAGNOSES = {
    'connection-refused', 'tls-handshake-failed', 'certificate-untrusted',
    'certificate-hostname-mismatch', 'certificate-expired', 'certificate-not-yet-valid',
    'starttls-unavailable', 'starttls-injection', 'auth-mechanism-unsupported',
    'login-disabled', 'protocol-error',
}
CREDENTIAL_DIAGNOSES = {'ok', 'auth-failed', 'app-password-required'}
AUTH_COMMANDS = {
    'imap': {'AUTHENTICATE', 'LOGIN'},
    'pop3': {'AUTH', 'USER', 'PASS', 'APOP'},
    'smtp': {'AUTH'},
}
JSON_KEYS = ('protocol', 'host', 'port', 'security', 'ok', 'diagnosis', 'message', 'server_text',
             'capabilities', 'auth_mechanisms', 'auth_used', 'username_used', 'tls',
             'elapsed_ms', 'transcript')


class CheckFailed(AssertionError):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    description: str
    protocol: str
    security: str                       # 'tls' or 'starttls'
    expect: str                         # diagnosis nick
    behaviour: Behaviour = field(default_factory=Behaviour)
    user: str | None = USER
    password: str = PASSWORD
    timeout: float = DEFAULT_TIMEOUT
    host: str = 'localhost'
    pin: str | None = None              # certificate variant whose fingerprint is pinned
    checks: tuple = ()                  # callables(Run) raising CheckFailed
    credentials: bool | None = None     # may credentials be sent? None: derive from `expect`
    listen: bool = True                 # False: nothing listens (connection refused)

    @property
    def implicit_tls(self):
        return self.security == 'tls'

    @property
    def certificate_trusted(self):
        """Whether the server's certificate should validate (so TLS bytes may hold secrets)."""
        if self.pin is not None:
            return self.pin == self.behaviour.cert
        return self.behaviour.cert == 'valid'

    @property
    def credentials_expected(self):
        if self.user is None:
            return False
        if self.credentials is not None:
            return self.credentials
        if self.expect in PRE_AUTH_DIAGNOSES:
            return False
        if self.expect in CREDENTIAL_DIAGNOSES:
            return True
        return None


def case(protocol, name, description, security, expected, checks=(), **kwargs):
    behaviour_fields = {f.name for f in dataclasses.fields(Behaviour)}
    behaviour = Behaviour(**{k: v for k, v in kwargs.items() if k in behaviour_fields})
    rest = {k: v for k, v in kwargs.items() if k not in behaviour_fields}
    if not behaviour.accounts:
        behaviour.accounts = {USER: PASSWORD}
    return Case(f'{protocol}-{name}', description, protocol, security, expected, behaviour,
                checks=tuple(checks), **rest)


def stall_case(protocol, name, description, security, step, handler=stall, **kwargs):
    steps = {step: handler}
    return case(protocol, name, description, security, 'timeout', steps=steps,
                timeout=STALL_TIMEOUT, **kwargs)


# -- checks on a finished run ----------------------------------------------------------------

def auth_commands(run, channel=None):
    names = AUTH_COMMANDS[run.case.protocol]
    found = []
    for conn in run.connections:
        for ch, line in conn.commands:
            if channel is not None and ch != channel:
                continue
            if command_name(run.case.protocol, line) in names:
                found.append((conn.index, ch, line))
    return found


def command_name(protocol, line):
    words = line.split(' ')
    if protocol == 'imap':
        return words[1].upper() if len(words) > 1 else ''
    if protocol == 'smtp' and words[0].upper() in ('MAIL', 'RCPT'):
        return line.upper().split(':', 1)[0]
    return words[0].upper()


def sent_command(name, channel=None, connection=None):
    """The client sent command ``name`` (on ``channel``: 'plain' or 'tls')."""
    def check(run):
        for conn in run.connections:
            if connection is not None and conn.index != connection:
                continue
            for ch, line in conn.commands:
                if command_name(run.case.protocol, line) == name and channel in (None, ch):
                    return
        where = f' inside {channel}' if channel else ''
        raise CheckFailed(f'client never sent {name}{where}')
    check.__name__ = f'sent {name} {channel or ""}'
    return check


def never_sent(name, channel=None):
    def check(run):
        for conn in run.connections:
            for ch, line in conn.commands:
                if command_name(run.case.protocol, line) == name and channel in (None, ch):
                    raise CheckFailed(f'client sent {name} on {ch} (connection {conn.index}): '
                                      f'{redact_for_report(line, run.case)!r}')
    check.__name__ = f'never sent {name}'
    return check


def matching_command(pattern, channel=None):
    """Some client command line matches the regex (secrets are matched, never printed)."""
    regex = re.compile(pattern)

    def check(run):
        for conn in run.connections:
            for ch, line in conn.commands:
                if channel in (None, ch) and regex.search(line):
                    return
        raise CheckFailed(f'no client command matched /{pattern}/')
    return check


def authenticated_with(mechanism, json_name=None):
    """The server saw a successful ``mechanism`` exchange inside TLS; JSON auth_used agrees."""
    def check(run):
        attempts = [a for conn in run.connections for a in conn.auth_attempts]
        expect(attempts, 'the server saw no authentication at all')
        good = [a for a in attempts if a.mechanism == mechanism and a.success]
        expect(good, f'the server saw no successful {mechanism}; it saw '
               f'{[(a.mechanism, a.username, a.success) for a in attempts]}')
        expect(all(a.in_tls for a in attempts), 'an authentication happened outside TLS')
        if json_name is not None:
            expect(run.json.get('auth_used') == json_name,
                   f'auth_used is {run.json.get("auth_used")!r}, expected {json_name!r}')
        else:
            expect(run.json.get('auth_used'), 'auth_used is empty after a successful login')
    return check


def used_sasl_ir(run):
    """PLAIN went out as an initial response on the command line (no extra round trip)."""
    matching_command(r'^\S+ AUTHENTICATE PLAIN \S+$', 'tls')(run)


def waited_for_continuation(run):
    """PLAIN without SASL-IR: the command had no initial response."""
    matching_command(r'^\S+ AUTHENTICATE PLAIN$', 'tls')(run)


def mechanism_never(mechanism):
    def check(run):
        used = [a.mechanism for conn in run.connections for a in conn.auth_attempts]
        expect(mechanism not in used, f'client tried {mechanism} ({used})')
    return check


def usernames_tried(*names):
    def check(run):
        tried = [a.username for conn in run.connections for a in conn.auth_attempts]
        expect(tried == list(names), f'usernames tried {tried}, expected {list(names)}')
    return check


def username_used(name):
    def check(run):
        expect(run.json.get('username_used') == name,
               f'username_used is {run.json.get("username_used")!r}, expected {name!r}')
    return check


def connection_count(count):
    def check(run):
        expect(len(run.connections) == count,
               f'{len(run.connections)} connections, expected {count}')
    return check


def capabilities_refetched_in_tls(run):
    """After STARTTLS the client asked for capabilities again, inside TLS."""
    name = {'imap': 'CAPABILITY', 'pop3': 'CAPA', 'smtp': 'EHLO'}[run.case.protocol]
    sent_command(name, 'tls')(run)


def reported_capabilities(present=(), absent=()):
    """JSON capabilities hold the post-TLS set (pre-TLS ones forgotten)."""
    def check(run):
        caps = [str(c).upper() for c in run.json.get('capabilities') or []]
        for cap in present:
            expect(any(cap.upper() == c or c.startswith(cap.upper() + ' ') for c in caps),
                   f'capability {cap} missing from {caps}')
        for cap in absent:
            expect(not any(cap.upper() == c or c.startswith(cap.upper() + ' ') for c in caps),
                   f'pre-TLS capability {cap} still reported: {caps}')
    return check


def no_auth_used(run):
    expect(run.json.get('auth_used') is None,
           f'auth_used is {run.json.get("auth_used")!r} without credentials')


def tls_details(run):
    """A passed TLS check reports the protocol version, cipher and a clean certificate."""
    tls = run.json.get('tls')
    expect(isinstance(tls, dict), f'tls is {tls!r}')
    expect(tls.get('version'), 'tls.version is empty')
    expect(tls.get('cipher'), 'tls.cipher is empty')
    cert = tls.get('certificate') or {}
    expect(cert.get('errors') == [], f'tls.certificate.errors is {cert.get("errors")!r}')
    expect(normalise_fingerprint(cert.get('sha256')) == run.certs.sha256('valid'),
           'tls.certificate.sha256 is not the server certificate\'s fingerprint')


def fingerprint_reported(variant):
    """The JSON carries the presented certificate's SHA-256 (so the user can pin it)."""
    def check(run):
        tls = run.json.get('tls') or {}
        cert = tls.get('certificate') or {}
        got = normalise_fingerprint(cert.get('sha256'))
        expect(got == run.certs.sha256(variant),
               f'tls.certificate.sha256 {cert.get("sha256")!r} != {run.certs.sha256(variant)}')
        expect(cert.get('errors'), 'tls.certificate.errors is empty for a rejected certificate')
    return check


def transcript_redacted(run):
    """The transcript shows the authentication, with the payload as <redacted>."""
    transcript = run.json.get('transcript')
    expect(isinstance(transcript, list) and transcript, 'transcript missing or empty')
    expect(any('<redacted>' in str(line) for line in transcript),
           'no <redacted> line in the transcript of a login')


def normalise_fingerprint(value):
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    if value.startswith('sha256:'):
        value = value[len('sha256:'):]
    return value.replace(':', '').replace(' ', '')


HAPPY = (tls_details, transcript_redacted)


# -- the case list ---------------------------------------------------------------------------

def imap_cases():
    imap = 'imap'
    inject = b'* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\n'
    huge_literal = b'* CAPABILITY {70000}\r\n' + b'A' * 70000 + b'\r\n{tag} OK done\r\n'
    return [
        # Happy paths and mechanism choice
        case(imap, 'tls-plain-sasl-ir', 'implicit TLS, SASL-IR + AUTH=PLAIN: one-line '
             'AUTHENTICATE PLAIN, LOGOUT', 'tls', 'ok',
             [authenticated_with('PLAIN', 'PLAIN'), used_sasl_ir, sent_command('LOGOUT'),
              username_used(USER), *HAPPY]),
        case(imap, 'tls-plain-continuation', 'AUTH=PLAIN without SASL-IR: client waits for "+"',
             'tls', 'ok', [authenticated_with('PLAIN', 'PLAIN'), waited_for_continuation],
             caps_tls=['IMAP4rev1', 'AUTH=PLAIN']),
        case(imap, 'tls-authenticate-login', 'only AUTH=LOGIN offered: AUTHENTICATE LOGIN',
             'tls', 'ok', [authenticated_with('LOGIN', 'LOGIN'), mechanism_never('PLAIN')],
             caps_tls=['IMAP4rev1', 'AUTH=LOGIN']),
        case(imap, 'tls-login-command', 'no AUTH= at all: the LOGIN command', 'tls', 'ok',
             [authenticated_with('LOGIN-COMMAND'), never_sent('AUTHENTICATE')],
             caps_tls=['IMAP4rev1', 'ID']),
        case(imap, 'tls-login-command-quoting', 'LOGIN with a password needing quoting or a '
             'literal (quote, backslash, space, non-ASCII) arrives intact', 'tls', 'ok',
             [authenticated_with('LOGIN-COMMAND')], caps_tls=['IMAP4rev1'],
             password='p"a\\ss wörd', accounts={USER: 'p"a\\ss wörd'}),
        case(imap, 'tls-ip-address-host', 'host given as 127.0.0.1 validates against the IP '
             'SAN', 'tls', 'ok', [authenticated_with('PLAIN', 'PLAIN'), tls_details],
             host='127.0.0.1'),
        case(imap, 'tls-no-credentials', 'no --user: reachability, TLS and capabilities only',
             'tls', 'ok', [no_auth_used, reported_capabilities(['IMAP4rev1', 'AUTH=PLAIN']),
                           tls_details, sent_command('CAPABILITY', 'tls')], user=None),
        case(imap, 'starttls-ok', 'STARTTLS, capabilities fetched again inside TLS, pre-TLS '
             'set forgotten', 'starttls', 'ok',
             [capabilities_refetched_in_tls, authenticated_with('PLAIN', 'PLAIN'),
              reported_capabilities(['XPOSTTLS'], ['XPRETLS', 'STARTTLS', 'LOGINDISABLED']),
              *HAPPY],
             caps_plain=['IMAP4rev1', 'XPRETLS', 'STARTTLS', 'LOGINDISABLED'],
             caps_tls=['IMAP4rev1', 'XPOSTTLS', 'SASL-IR', 'AUTH=PLAIN']),
        case(imap, 'starttls-caps-change', 'pre-TLS AUTH=PLAIN, post-TLS only AUTH=LOGIN: '
             'AUTHENTICATE LOGIN', 'starttls', 'ok',
             [authenticated_with('LOGIN', 'LOGIN'), mechanism_never('PLAIN')],
             caps_plain=['IMAP4rev1', 'STARTTLS', 'SASL-IR', 'AUTH=PLAIN'],
             caps_tls=['IMAP4rev1', 'AUTH=LOGIN']),
        case(imap, 'starttls-greeting-capabilities', '[CAPABILITY] in the greeting: no '
             'cleartext CAPABILITY, but CAPABILITY again inside TLS', 'starttls', 'ok',
             [never_sent('CAPABILITY', 'plain'), capabilities_refetched_in_tls,
              authenticated_with('PLAIN', 'PLAIN')],
             greeting_capabilities=True),
        case(imap, 'starttls-logindisabled-before-tls-only', 'LOGINDISABLED before TLS only, '
             'no AUTH=: LOGIN command inside TLS', 'starttls', 'ok',
             [authenticated_with('LOGIN-COMMAND')],
             caps_plain=['IMAP4rev1', 'STARTTLS', 'LOGINDISABLED'], caps_tls=['IMAP4rev1']),
        case(imap, 'starttls-alert-greeting', '[ALERT] in the cleartext greeting is tolerated',
             'starttls', 'ok', [authenticated_with('PLAIN', 'PLAIN')],
             greeting=b'* OK [ALERT] Maintenance tonight at 22:00 UTC\r\n'),
        case(imap, 'tls-invalid-utf8-greeting', 'invalid UTF-8 in the greeting text is '
             'tolerated; JSON stays valid UTF-8', 'tls', 'ok',
             [authenticated_with('PLAIN', 'PLAIN')],
             greeting=b'* OK Caf\xe9 \xff\xfe\xc3( server ready\r\n'),
        # Username retry
        case(imap, 'tls-wrong-password-retry', 'NO for the address, NO for the local part: '
             'auth-failed after one retry', 'tls', 'auth-failed',
             [usernames_tried(USER, LOCAL_PART), connection_count(2)],
             accounts={USER: 'other-password', LOCAL_PART: 'other-password'}),
        case(imap, 'tls-wrong-password-no-retry', 'NO for a plain user name: auth-failed, no '
             'retry', 'tls', 'auth-failed', [usernames_tried(LOCAL_PART)],
             user=LOCAL_PART, accounts={LOCAL_PART: 'other-password'}),
        case(imap, 'tls-retry-local-part-works', 'address refused, local part accepted: ok with '
             'username_used = local part', 'tls', 'ok',
             [usernames_tried(USER, LOCAL_PART), username_used(LOCAL_PART),
              authenticated_with('PLAIN', 'PLAIN')],
             accounts={LOCAL_PART: PASSWORD}),
        # Login refused by policy
        case(imap, 'starttls-logindisabled-after-tls', 'LOGINDISABLED still advertised after '
             'TLS, no AUTH=: login-disabled', 'starttls', 'login-disabled',
             [never_sent('LOGIN'), never_sent('AUTHENTICATE')],
             caps_plain=['IMAP4rev1', 'STARTTLS', 'LOGINDISABLED'],
             caps_tls=['IMAP4rev1', 'LOGINDISABLED']),
        case(imap, 'tls-logindisabled', 'implicit TLS with LOGINDISABLED and no AUTH=',
             'tls', 'login-disabled', caps_tls=['IMAP4rev1', 'LOGINDISABLED']),
        case(imap, 'tls-unusable-mechanisms', 'only AUTH=XOAUTH2 AUTH=GSSAPI: '
             'auth-mechanism-unsupported, nothing sent', 'tls', 'auth-mechanism-unsupported',
             [never_sent('LOGIN'), never_sent('AUTHENTICATE')],
             caps_tls=['IMAP4rev1', 'SASL-IR', 'AUTH=XOAUTH2', 'AUTH=GSSAPI']),
        # STARTTLS attacks and refusals
        case(imap, 'starttls-injection-same-write', 'fake CAPABILITY in the same segment as '
             'the STARTTLS OK', 'starttls', 'starttls-injection',
             steps={'starttls': starttls_with_injection(inject, 'same-write')}),
        case(imap, 'starttls-injection-separate-write', 'fake CAPABILITY in a second segment '
             'right after the STARTTLS OK', 'starttls', 'starttls-injection',
             steps={'starttls': starttls_with_injection(inject, 'separate-write')}),
        case(imap, 'starttls-injection-after-client-hello', 'cleartext injected after the '
             'ClientHello, before the ServerHello', 'starttls', 'starttls-injection',
             steps={'starttls': starttls_with_injection(inject, 'after-client-hello')}),
        case(imap, 'starttls-preauth', '* PREAUTH greeting on a connection that must upgrade',
             'starttls', 'starttls-unavailable',
             greeting=b'* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] Logged in as tester\r\n'),
        case(imap, 'starttls-not-advertised', 'no STARTTLS capability (AUTH=PLAIN offered in '
             'cleartext): starttls-unavailable', 'starttls', 'starttls-unavailable',
             caps_plain=['IMAP4rev1', 'SASL-IR', 'AUTH=PLAIN']),
        case(imap, 'starttls-refused-no', 'STARTTLS answered NO', 'starttls',
             'starttls-unavailable', [sent_command('STARTTLS')],
             steps={'starttls': send(b'{tag} NO [UNAVAILABLE] TLS not available now\r\n')}),
        case(imap, 'starttls-refused-bad', 'STARTTLS answered BAD', 'starttls',
             'starttls-unavailable', [sent_command('STARTTLS')],
             steps={'starttls': send(b'{tag} BAD Unknown command\r\n')}),
        # Greeting problems
        case(imap, 'tls-bye-greeting', '* BYE greeting: server-unavailable', 'tls',
             'server-unavailable', credentials=False,
             steps={'greeting': send_then(b'* BYE Too many connections, try later\r\n',
                                          close)}),
        case(imap, 'starttls-garbage-greeting', 'an HTTP answer instead of a greeting',
             'starttls', 'protocol-error',
             greeting=b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
        case(imap, 'starttls-reset-before-greeting', 'RST right after accept',
             'starttls', 'server-unavailable', credentials=False, steps={'accept': reset}),
        case(imap, 'starttls-reset-mid-greeting', 'half a greeting, then RST',
             'starttls', 'server-unavailable', credentials=False,
             steps={'greeting': send_then(b'* OK Scripted IMA', reset)}),
        case(imap, 'starttls-close-before-greeting', 'orderly close before any greeting',
             'starttls', 'server-unavailable', credentials=False, steps={'accept': close}),
        # Resets and closes later on
        case(imap, 'tls-reset-in-handshake', 'implicit TLS: RST after the ClientHello',
             'tls', 'tls-handshake-failed', steps={'tls-handshake': after_client_hello(reset)}),
        case(imap, 'starttls-reset-in-handshake', 'STARTTLS OK, then RST after the ClientHello',
             'starttls', 'tls-handshake-failed',
             steps={'tls-handshake': after_client_hello(reset)}),
        case(imap, 'tls-reset-at-capability', 'RST when CAPABILITY arrives inside TLS',
             'tls', 'server-unavailable', credentials=False,
             steps={'capability-tls': reset}),
        case(imap, 'starttls-close-at-auth', 'orderly close when AUTHENTICATE arrives inside '
             'TLS', 'starttls', 'server-unavailable', steps={'auth': close}),
        # Stalls
        stall_case(imap, 'starttls-stall-greeting', 'accept, never greet', 'starttls',
                   'greeting', credentials=False),
        stall_case(imap, 'tls-stall-handshake', 'read the ClientHello, never answer', 'tls',
                   'tls-handshake', credentials=False),
        stall_case(imap, 'tls-stall-capability', 'no answer to CAPABILITY inside TLS', 'tls',
                   'capability-tls', credentials=False),
        stall_case(imap, 'starttls-stall-starttls', 'no answer to STARTTLS', 'starttls',
                   'starttls', credentials=False),
        stall_case(imap, 'tls-stall-auth', 'credentials received, no answer', 'tls',
                   'auth-response'),
        # Bounded input
        case(imap, 'starttls-huge-greeting', '1 MiB greeting without a newline',
             'starttls', 'protocol-error', steps={'greeting': send_huge_line(b'* OK ')}),
        case(imap, 'tls-nul-in-capability', 'NUL byte inside the CAPABILITY response', 'tls',
             'protocol-error', steps={'capability-tls': send(
                 b'* CAPABILITY IMAP4rev1 AUTH=PLAIN\x00 SASL-IR\r\n{tag} OK done\r\n')}),
        case(imap, 'tls-absurd-literal', '* CAPABILITY {999999999}', 'tls', 'protocol-error',
             steps={'capability-tls': send_then(b'* CAPABILITY {999999999}\r\n', stall)}),
        case(imap, 'tls-literal-over-64k', 'a 70000-byte literal in the CAPABILITY response',
             'tls', 'protocol-error', steps={'capability-tls': send(huge_literal)}),
        case(imap, 'tls-untagged-flood', 'endless untagged * OK lines after CAPABILITY',
             'tls', 'protocol-error',
             steps={'capability-tls': flood(b'', b'* OK still thinking\r\n')}),
        # TLS failures
        case(imap, 'tls-garbage-handshake', 'ClientHello answered with non-TLS bytes', 'tls',
             'tls-handshake-failed', steps={'tls-handshake': tls_garbage}),
        case(imap, 'tls-alert-handshake', 'ClientHello answered with a fatal TLS alert',
             'tls', 'tls-handshake-failed', steps={'tls-handshake': tls_alert}),
        case(imap, 'tls-plaintext-port', 'implicit TLS requested, server greets in cleartext',
             'tls', 'tls-handshake-failed', steps={
                 'tls-handshake': plaintext_on_tls_port(b'* OK IMAP4rev1 ready\r\n')}),
        # Certificates
        case(imap, 'tls-self-signed', 'self-signed certificate: certificate-untrusted, '
             'fingerprint reported', 'tls', 'certificate-untrusted',
             [fingerprint_reported('self-signed')], cert='self-signed'),
        case(imap, 'starttls-self-signed', 'self-signed certificate after STARTTLS',
             'starttls', 'certificate-untrusted', [fingerprint_reported('self-signed')],
             cert='self-signed'),
        case(imap, 'tls-wrong-host', 'certificate for another host name', 'tls',
             'certificate-hostname-mismatch', cert='wrong-host'),
        case(imap, 'tls-expired', 'expired certificate', 'tls', 'certificate-expired',
             cert='expired'),
        case(imap, 'tls-not-yet-valid', 'certificate not valid yet', 'tls',
             'certificate-not-yet-valid', cert='not-yet-valid'),
        case(imap, 'tls-self-signed-pinned', 'self-signed certificate whose SHA-256 is pinned: '
             'ok', 'tls', 'ok', [authenticated_with('PLAIN', 'PLAIN')],
             cert='self-signed', pin='self-signed'),
        case(imap, 'tls-self-signed-wrong-pin', 'self-signed certificate, another pin: '
             'certificate-untrusted', 'tls', 'certificate-untrusted',
             [fingerprint_reported('self-signed')], cert='self-signed', pin='valid'),
        # Nothing there
        case(imap, 'connection-refused', 'nothing listens on the port', 'tls',
             'connection-refused', listen=False),
    ]


def pop3_cases():
    pop3 = 'pop3'
    return [
        case(pop3, 'tls-sasl-plain', 'SASL PLAIN offered: AUTH PLAIN with initial response',
             'tls', 'ok', [authenticated_with('PLAIN', 'PLAIN'),
                           matching_command(r'^AUTH PLAIN \S+$', 'tls'), sent_command('QUIT'),
                           *HAPPY]),
        case(pop3, 'tls-sasl-login', 'only SASL LOGIN (and USER): AUTH LOGIN', 'tls', 'ok',
             [authenticated_with('LOGIN', 'LOGIN'), never_sent('USER')],
             caps_tls=['USER', 'SASL LOGIN', 'UIDL']),
        case(pop3, 'tls-user-pass', 'no SASL: USER/PASS', 'tls', 'ok',
             [authenticated_with('USER'), never_sent('AUTH')], caps_tls=['USER', 'UIDL']),
        case(pop3, 'stls-ok', 'STLS, CAPA again inside TLS, pre-TLS capabilities forgotten',
             'starttls', 'ok',
             [capabilities_refetched_in_tls, authenticated_with('PLAIN', 'PLAIN'),
              reported_capabilities(['X-POSTTLS'], ['X-PRETLS', 'STLS']), *HAPPY],
             caps_plain=['UIDL', 'X-PRETLS', 'STLS'],
             caps_tls=['UIDL', 'X-POSTTLS', 'USER', 'SASL PLAIN']),
        case(pop3, 'stls-caps-change', 'pre-TLS SASL PLAIN, post-TLS only USER: USER/PASS',
             'starttls', 'ok', [authenticated_with('USER'), never_sent('AUTH')],
             caps_plain=['STLS', 'USER', 'SASL PLAIN'], caps_tls=['USER', 'UIDL']),
        case(pop3, 'tls-invalid-utf8-greeting', 'invalid UTF-8 in the +OK greeting is '
             'tolerated', 'tls', 'ok', [authenticated_with('PLAIN', 'PLAIN')],
             greeting=b'+OK Caf\xe9 \xff\xfe ready\r\n'),
        case(pop3, 'tls-wrong-password', '-ERR for both username forms: auth-failed', 'tls',
             'auth-failed', [usernames_tried(USER, LOCAL_PART)],
             accounts={USER: 'other-password'}),
        case(pop3, 'stls-injection-same-write', 'fake +OK in the same segment as the STLS '
             '+OK', 'starttls', 'starttls-injection',
             steps={'starttls': starttls_with_injection(b'+OK injected\r\n', 'same-write')}),
        case(pop3, 'stls-injection-after-client-hello', 'cleartext injected after the '
             'ClientHello', 'starttls', 'starttls-injection',
             steps={'starttls': starttls_with_injection(b'+OK injected\r\n',
                                                        'after-client-hello')}),
        case(pop3, 'stls-refused', 'STLS answered -ERR: no USER/PASS/AUTH afterwards',
             'starttls', 'starttls-unavailable', [sent_command('STLS')],
             steps={'starttls': send(b'-ERR TLS not available right now\r\n')}),
        case(pop3, 'stls-not-advertised', 'no STLS in CAPA (USER offered in cleartext)',
             'starttls', 'starttls-unavailable', caps_plain=['USER', 'SASL PLAIN', 'UIDL']),
        case(pop3, 'err-greeting', '-ERR greeting: server-unavailable', 'starttls',
             'server-unavailable', credentials=False,
             steps={'greeting': send_then(b'-ERR [SYS/TEMP] Server busy\r\n', close)}),
        case(pop3, 'garbage-greeting', 'an SSH banner instead of +OK', 'starttls',
             'protocol-error', greeting=b'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'),
        case(pop3, 'nul-greeting', 'NUL byte in the greeting', 'starttls', 'protocol-error',
             greeting=b'+OK ready\x00 now\r\n'),
        case(pop3, 'huge-greeting', '1 MiB greeting without a newline', 'tls',
             'protocol-error', steps={'greeting': send_huge_line(b'+OK ')}),
        case(pop3, 'tls-capa-flood', 'CAPA list that never ends', 'tls', 'protocol-error',
             steps={'capability-tls': flood(b'+OK Capability list follows\r\n',
                                            b'X-FILLER\r\n')}),
        case(pop3, 'close-mid-greeting', 'half a greeting, then an orderly close',
             'starttls', 'server-unavailable', credentials=False,
             steps={'greeting': send_then(b'+OK Scrip', close)}),
        case(pop3, 'tls-reset-at-capa', 'RST when CAPA arrives inside TLS', 'tls',
             'server-unavailable', credentials=False, steps={'capability-tls': reset}),
        case(pop3, 'stls-reset-at-auth', 'RST when AUTH/USER arrives inside TLS', 'starttls',
             'server-unavailable', steps={'auth': reset}),
        stall_case(pop3, 'tls-stall-capa', 'no answer to CAPA', 'tls', 'capability-tls',
                   credentials=False),
        stall_case(pop3, 'stls-stall-handshake', 'STLS +OK, then never answer the ClientHello',
                   'starttls', 'tls-handshake', credentials=False),
        case(pop3, 'tls-self-signed', 'self-signed certificate', 'tls',
             'certificate-untrusted', [fingerprint_reported('self-signed')],
             cert='self-signed'),
        case(pop3, 'stls-expired', 'expired certificate after STLS', 'starttls',
             'certificate-expired', cert='expired'),
        case(pop3, 'tls-garbage-handshake', 'ClientHello answered with non-TLS bytes', 'tls',
             'tls-handshake-failed', steps={'tls-handshake': tls_garbage}),
    ]


def smtp_cases():
    smtp = 'smtp'
    never_mail = (never_sent('MAIL FROM'), never_sent('RCPT TO'), never_sent('DATA'))
    inject = b'250-scripted.localhost\r\n250 AUTH PLAIN LOGIN\r\n'
    return [
        case(smtp, 'tls-plain', 'AUTH PLAIN with initial response, QUIT, never MAIL FROM',
             'tls', 'ok', [authenticated_with('PLAIN', 'PLAIN'),
                           matching_command(r'^AUTH PLAIN \S+$', 'tls'), sent_command('QUIT'),
                           *HAPPY]),
        case(smtp, 'tls-login', 'only AUTH LOGIN offered', 'tls', 'ok',
             [authenticated_with('LOGIN', 'LOGIN')], caps_tls=['PIPELINING', 'AUTH LOGIN']),
        case(smtp, 'tls-cram-md5-only', 'only CRAM-MD5 offered: CRAM-MD5 (password never '
             'sent)', 'tls', 'ok', [authenticated_with('CRAM-MD5', 'CRAM-MD5')],
             caps_tls=['PIPELINING', 'AUTH CRAM-MD5']),
        case(smtp, 'tls-prefers-plain-over-cram-md5', 'CRAM-MD5 and PLAIN offered: PLAIN',
             'tls', 'ok', [authenticated_with('PLAIN', 'PLAIN'), mechanism_never('CRAM-MD5')],
             caps_tls=['AUTH CRAM-MD5 PLAIN']),
        case(smtp, 'tls-no-credentials', 'no --user: EHLO and TLS only', 'tls', 'ok',
             [no_auth_used, reported_capabilities(['AUTH']), tls_details], user=None),
        case(smtp, 'starttls-ok', 'STARTTLS, EHLO again inside TLS, pre-TLS set forgotten',
             'starttls', 'ok',
             [capabilities_refetched_in_tls, authenticated_with('PLAIN', 'PLAIN'),
              reported_capabilities(['X-POSTTLS'], ['X-PRETLS', 'STARTTLS']), *HAPPY],
             caps_plain=['PIPELINING', 'X-PRETLS', 'STARTTLS'],
             caps_tls=['PIPELINING', 'X-POSTTLS', 'AUTH PLAIN LOGIN']),
        case(smtp, 'starttls-caps-change', 'pre-TLS AUTH PLAIN LOGIN, post-TLS only AUTH LOGIN',
             'starttls', 'ok', [authenticated_with('LOGIN', 'LOGIN'),
                                mechanism_never('PLAIN')],
             caps_plain=['STARTTLS', 'AUTH PLAIN LOGIN'], caps_tls=['AUTH LOGIN']),
        case(smtp, 'starttls-multiline-greeting', 'three-line 220 greeting', 'starttls', 'ok',
             [authenticated_with('PLAIN', 'PLAIN')],
             greeting=b'220-scripted.localhost ESMTP\r\n220-No UCE\r\n220 Ready\r\n'),
        case(smtp, 'tls-invalid-utf8-greeting', 'invalid UTF-8 in the 220 text is tolerated',
             'tls', 'ok', [authenticated_with('PLAIN', 'PLAIN')],
             greeting=b'220 caf\xe9.example \xff\xfe ESMTP\r\n'),
        case(smtp, 'tls-wrong-password', '535 for both username forms: auth-failed', 'tls',
             'auth-failed', [usernames_tried(USER, LOCAL_PART)],
             accounts={USER: 'other-password'}),
        case(smtp, 'tls-app-password-required', '534 5.7.9 application-specific password '
             'required', 'tls', 'app-password-required',
             auth_failure=b'534-5.7.9 Application-specific password required. Learn more\r\n'
                          b'534 5.7.9 at https://support.example.test/app-passwords\r\n',
             accounts={USER: 'app-password'}),
        case(smtp, 'tls-unusable-mechanisms', 'only AUTH XOAUTH2 GSSAPI', 'tls',
             'auth-mechanism-unsupported', caps_tls=['PIPELINING', 'AUTH XOAUTH2 GSSAPI']),
        case(smtp, 'starttls-injection-same-write', 'fake EHLO answer in the same segment as '
             '220 Ready', 'starttls', 'starttls-injection',
             steps={'starttls': starttls_with_injection(inject, 'same-write')}),
        case(smtp, 'starttls-injection-separate-write', 'fake EHLO answer in a second segment',
             'starttls', 'starttls-injection',
             steps={'starttls': starttls_with_injection(inject, 'separate-write')}),
        case(smtp, 'starttls-refused-454', 'STARTTLS answered 454', 'starttls',
             'starttls-unavailable', [sent_command('STARTTLS')],
             steps={'starttls': send(b'454 4.7.0 TLS not available due to local problem\r\n')}),
        case(smtp, 'starttls-refused-502', 'STARTTLS answered 502', 'starttls',
             'starttls-unavailable', [sent_command('STARTTLS')],
             steps={'starttls': send(b'502 5.5.1 Command not implemented\r\n')}),
        case(smtp, 'starttls-not-advertised', 'no STARTTLS in EHLO (AUTH offered in '
             'cleartext)', 'starttls', 'starttls-unavailable',
             caps_plain=['PIPELINING', 'AUTH PLAIN LOGIN']),
        case(smtp, '421-greeting', '421 greeting: server-unavailable', 'starttls',
             'server-unavailable', credentials=False, steps={'greeting': send_then(
                 b'421 4.3.2 Service not available, closing channel\r\n', close)}),
        case(smtp, 'garbage-greeting', 'an IMAP greeting on the SMTP port', 'starttls',
             'protocol-error', greeting=b'* OK IMAP4rev1 ready\r\n'),
        case(smtp, 'reset-mid-greeting', 'half a 220, then RST', 'starttls',
             'server-unavailable', credentials=False,
             steps={'greeting': send_then(b'220 scripted.loc', reset)}),
        case(smtp, 'tls-close-at-ehlo', 'orderly close when EHLO arrives inside TLS', 'tls',
             'server-unavailable', credentials=False, steps={'capability-tls': close}),
        stall_case(smtp, 'tls-stall-ehlo', 'no answer to EHLO', 'tls', 'capability-tls',
                   credentials=False),
        stall_case(smtp, 'starttls-stall-handshake', '220 Ready, then never answer the '
                   'ClientHello', 'starttls', 'tls-handshake', credentials=False),
        stall_case(smtp, 'tls-stall-auth', 'AUTH received, never answered', 'tls', 'auth'),
        case(smtp, 'tls-huge-ehlo-line', '1 MiB EHLO line without a newline', 'tls',
             'protocol-error', steps={'capability-tls': send_huge_line(b'250-')}),
        case(smtp, 'tls-ehlo-flood', 'EHLO answer with endless 250- lines', 'tls',
             'protocol-error', steps={'capability-tls': flood(b'', b'250-X-FILLER\r\n')}),
        case(smtp, 'tls-nul-in-ehlo', 'NUL byte inside the EHLO answer', 'tls',
             'protocol-error', steps={'capability-tls': send(
                 b'250-scripted.localhost\r\n250-AUTH PLAIN\x00LOGIN\r\n250 8BITMIME\r\n')}),
        case(smtp, 'tls-alert-handshake', 'ClientHello answered with a fatal TLS alert', 'tls',
             'tls-handshake-failed', steps={'tls-handshake': tls_alert}),
        case(smtp, 'tls-plaintext-port', 'implicit TLS requested, server sends a cleartext 220',
             'tls', 'tls-handshake-failed', steps={
                 'tls-handshake': plaintext_on_tls_port(b'220 scripted.localhost ESMTP\r\n')}),
        case(smtp, 'tls-expired', 'expired certificate', 'tls', 'certificate-expired',
             cert='expired'),
        case(smtp, 'starttls-wrong-host', 'certificate for another host after STARTTLS',
             'starttls', 'certificate-hostname-mismatch', cert='wrong-host'),
        case(smtp, 'tls-not-yet-valid', 'certificate not valid yet', 'tls',
             'certificate-not-yet-valid', cert='not-yet-valid'),
        case(smtp, 'starttls-self-signed', 'self-signed certificate after STARTTLS',
             'starttls', 'certificate-untrusted', [fingerprint_reported('self-signed')],
             cert='self-signed'),
    ], never_mail


def all_cases():
    smtp, never_mail = smtp_cases()
    for item in smtp:
        item.checks = item.checks + never_mail
    cases = imap_cases() + pop3_cases() + smtp
    names = [c.name for c in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RuntimeError(f'duplicate case names: {duplicates}')
    for item in cases:
        assert item.expect in ALL_DIAGNOSES, item.name
    return cases


# --------------------------------------------------------------------------------------------
# Running a case
# --------------------------------------------------------------------------------------------

@dataclass
class Run:
    case: Case
    certs: Certs
    argv: list
    exit_code: int | None = None
    stdout: bytes = b''
    stderr: bytes = b''
    elapsed: float = 0.0
    json: dict = field(default_factory=dict)
    connections: list = field(default_factory=list)
    server_errors: list = field(default_factory=list)
    port: int = 0


def secret_forms(case):
    """Byte strings that must never appear where the password is not protected."""
    password = case.password.encode('utf-8')
    quoted = b'"' + password.replace(b'\\', b'\\\\').replace(b'"', b'\\"') + b'"'
    forms = {'password': password,
             'base64(password)': base64.b64encode(password).rstrip(b'='),
             'IMAP-quoted password': quoted}
    if case.user:
        for user in {case.user, case.user.split('@')[0]}:
            plain = b'\0' + user.encode('utf-8') + b'\0' + password
            forms[f'PLAIN(\\0{user}\\0password)'] = base64.b64encode(plain)
            forms[f'PLAIN({user}\\0{user}\\0password)'] = base64.b64encode(
                user.encode('utf-8') + plain)
    return forms


def redact_for_report(line, case=None):
    """Command lines hold credentials (inside TLS); keep them out of the test log."""
    forms = secret_forms(case).values() if case is not None else [PASSWORD.encode()]
    for secret in sorted(forms, key=len, reverse=True):
        line = line.replace(secret.decode('utf-8', 'replace'), '<secret>')
    return line


def free_port():
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def build_argv(cli, case, port, certs):
    argv = [cli, 'test', '--protocol', case.protocol, '--host', case.host, '--port', str(port),
            '--security', case.security, '--ca-file', certs.ca_file,
            '--timeout', f'{case.timeout:g}', '--transcript', '--json']
    if case.user is not None:
        argv += ['--user', case.user, '--password-stdin']
    if case.pin is not None:
        argv += ['--pin', 'sha256:' + certs.sha256(case.pin)]
    return argv


def run_case(case, cli, certs):
    server = None
    if case.listen:
        server = make_server(case.protocol, case.behaviour, certs, case.implicit_tls).start()
        port = server.port
    else:
        port = free_port()
    run = Run(case, certs, build_argv(cli, case, port, certs), port=port)
    stdin = (case.password + '\n').encode('utf-8') if case.user is not None else b''
    started = time.monotonic()
    try:
        process = subprocess.run(run.argv, input=stdin, capture_output=True,
                                 timeout=case.timeout + 15, check=False)
        run.exit_code, run.stdout, run.stderr = (process.returncode, process.stdout,
                                                 process.stderr)
    except subprocess.TimeoutExpired as timeout:
        run.stdout, run.stderr = timeout.stdout or b'', timeout.stderr or b''
    finally:
        run.elapsed = time.monotonic() - started
        if server is not None:
            server.stop()
            run.connections = list(server.connections)
            run.server_errors = list(server.errors)
    return run


def evaluate(run):
    """Returns a list of failure messages (empty when the case passed)."""
    case = run.case
    failures = []

    def attempt(check):
        try:
            check()
        except CheckFailed as failure:
            failures.append(str(failure))
        except Exception as error:      # a check crashing on odd JSON is a failure too
            failures.append(f'{getattr(check, "__name__", check)}: {type(error).__name__}: '
                            f'{error}')

    # The scripted server itself must have behaved.
    for error in run.server_errors:
        failures.append('scripted server error: ' + error.strip().splitlines()[-1])

    # (c) bounded time
    limit = case.timeout + TIME_SLACK
    if run.exit_code is None:
        failures.append(f'CLI still running after {run.elapsed:.1f} s (killed)')
    elif run.elapsed > limit:
        failures.append(f'CLI took {run.elapsed:.2f} s, limit {limit:.1f} s')

    # (a) the JSON, the diagnosis and the exit code
    def parse_json():
        try:
            text = run.stdout.decode('utf-8')
        except UnicodeDecodeError as error:
            raise CheckFailed(f'stdout is not valid UTF-8: {error}') from None
        try:
            run.json = json.loads(text)
        except json.JSONDecodeError as error:
            raise CheckFailed(f'stdout is not one JSON object: {error}') from None
        expect(isinstance(run.json, dict), 'stdout JSON is not an object')
        try:    # \udcXX escapes would decode but are not Unicode text
            json.dumps(run.json, ensure_ascii=False).encode('utf-8')
        except UnicodeEncodeError as error:
            raise CheckFailed(f'JSON holds a string that is not valid Unicode: {error}') \
                from None
    attempt(parse_json)
    if not isinstance(run.json, dict) or not run.json:
        run.json = {}
    else:
        def check_core():
            got = run.json.get('diagnosis')
            expect(got == case.expect, f'diagnosis {got!r}, expected {case.expect!r} '
                   f'(message: {run.json.get("message")!r})')
        attempt(check_core)

        def check_exit():
            wanted = 0 if case.expect == 'ok' else 1
            expect(run.exit_code == wanted, f'exit code {run.exit_code}, expected {wanted}')
            expect(run.json.get('ok') is (case.expect == 'ok'),
                   f'"ok" is {run.json.get("ok")!r}')
        attempt(check_exit)

        def check_shape():
            missing = [k for k in JSON_KEYS if k not in run.json]
            expect(not missing, f'JSON lacks {missing}')
            expect(run.json.get('protocol') == case.protocol, 'JSON protocol differs')
            expect(run.json.get('host') == case.host, 'JSON host differs')
            expect(run.json.get('port') == run.port, 'JSON port differs')
            expect(run.json.get('security') == case.security, 'JSON security differs')
            for key in ('capabilities', 'auth_mechanisms', 'transcript'):
                expect(isinstance(run.json.get(key), list), f'JSON {key} is not an array')
        attempt(check_shape)
    if run.exit_code not in (0, 1):
        failures.append(f'exit code {run.exit_code}; stderr: '
                        f'{run.stderr.decode("utf-8", "replace").strip()[:300]}')

    # (b) credentials never outside validated TLS; never in our own output
    forms = secret_forms(case)
    plain = b''.join(conn.bytes_on('plain') for conn in run.connections)
    handshake = b''.join(conn.bytes_on('tls-wire') for conn in run.connections)
    inside = b''.join(conn.bytes_on('tls') for conn in run.connections)
    for label, secret in forms.items():
        if secret in plain:
            failures.append(f'{label} reached the server in cleartext')
        if secret in handshake and not case.certificate_trusted:
            failures.append(f'{label} found in raw TLS records')
        if secret in inside and not case.certificate_trusted:
            failures.append(f'{label} sent inside TLS with an untrusted certificate')
        if secret in run.stdout or secret in run.stderr:
            failures.append(f'{label} appears in the CLI output (transcript not redacted?)')

    # (d) what the client sent
    sent_auth = auth_commands(run)
    if case.credentials_expected is False and sent_auth:
        failures.append('client sent authentication although it must not have: '
                        f'{[(i, ch, redact_for_report(line, case)) for i, ch, line in sent_auth]}')
    if case.credentials_expected is True:
        if not sent_auth and not any(c.auth_attempts for c in run.connections):
            failures.append('client never tried to authenticate')
    if any(ch == 'plain' for _, ch, _ in sent_auth):
        failures.append('client sent an authentication command in cleartext')

    for check in case.checks:
        attempt(lambda check=check: check(run))
    return failures


def describe(run, failures):
    """Diagnostic lines for TAP (prefixed with '# ' by the caller)."""
    lines = [f'case: {run.case.description}']
    lines += [f'FAIL: {failure}' for failure in failures]
    argv = ' '.join(run.argv[1:])
    lines.append(f'cli: mail-setup-cli {argv}   (port {run.port}, exit {run.exit_code}, '
                 f'{run.elapsed:.2f} s)')
    if run.json:
        summary = {k: run.json.get(k) for k in ('diagnosis', 'message', 'server_text',
                                                 'auth_used', 'username_used')}
        lines.append('json: ' + json.dumps(summary, ensure_ascii=False))
        for entry in (run.json.get('transcript') or [])[:40]:
            lines.append('  transcript: ' + str(entry)[:200])
    else:
        lines.append('stdout: ' + run.stdout.decode('utf-8', 'replace')[:500])
    stderr = run.stderr.decode('utf-8', 'replace').strip()
    if stderr:
        lines += ['stderr: ' + line for line in stderr.splitlines()[:10]]
    for conn in run.connections:
        events = ','.join(conn.events) or '-'
        lines.append(f'server connection {conn.index}: events {events}'
                     + (f', tls error: {conn.tls_error}' if conn.tls_error else ''))
        for channel, line in conn.commands[:30]:
            lines.append(f'  client [{channel}] {redact_for_report(line, run.case)[:160]}')
    return lines


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def select_cases(cases, patterns, protocols):
    chosen = [c for c in cases if not protocols or c.protocol in protocols]
    if patterns:
        chosen = [c for c in chosen if any(fnmatch.fnmatchcase(c.name, p) for p in patterns)]
    return chosen


def load_certs(args, directory):
    if args.openssl_certs:
        return Certs.from_openssl(directory)
    testbed = args.testbed or os.environ.get('MS_TESTBED')
    if not testbed:
        raise RuntimeError('no ms-testbed: pass --testbed PATH or set MS_TESTBED '
                           '(or --openssl-certs while developing)')
    return Certs.from_testbed(testbed, directory)


def serve_forever(case, certs):
    server = make_server(case.protocol, case.behaviour, certs, case.implicit_tls).start()
    print(f'{case.name}: {case.description}')
    print(f'listening on 127.0.0.1:{server.port} ({case.security}); CA file {certs.ca_file}')
    print('Ctrl-C stops the server.', flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        for conn in server.connections:
            print(f'connection {conn.index}: {conn.events}')
            for channel, line in conn.commands:
                print(f'  [{channel}] {line}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--cli', help='mail-setup-cli (default: $MAIL_SETUP_CLI)')
    parser.add_argument('--testbed', help='ms-testbed (default: $MS_TESTBED)')
    parser.add_argument('--case', action='append', default=[],
                        help='run only this case (name or shell pattern; repeatable)')
    parser.add_argument('--protocol', action='append', choices=['imap', 'pop3', 'smtp'],
                        default=[], help='run only this protocol\'s cases (repeatable)')
    parser.add_argument('--list', action='store_true', help='list the cases and exit')
    parser.add_argument('--jobs', type=int, default=8, help='cases run at once (default 8)')
    parser.add_argument('--verbose', action='store_true',
                        help='print diagnostics for passing cases too')
    parser.add_argument('--serve', metavar='NAME', help='only run NAME\'s server, print its port')
    parser.add_argument('--openssl-certs', action='store_true',
                        help='generate certificates with openssl instead of ms-testbed '
                             '(development only)')
    args = parser.parse_args()

    cases = select_cases(all_cases(), args.case, args.protocol)
    if args.list:
        for item in cases:
            print(f'{item.name:48} {item.expect:30} {item.description}')
        return 0

    with tempfile.TemporaryDirectory(prefix='ms-servers-') as directory:
        try:
            certs = load_certs(args, os.path.join(directory, 'certs'))
        except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as error:
            print(f'Bail out! certificates: {error}', flush=True)
            return 1

        if args.serve:
            chosen = [c for c in cases if c.name == args.serve]
            if not chosen:
                print(f'no case named {args.serve}', file=sys.stderr)
                return 2
            serve_forever(chosen[0], certs)
            return 0

        cli = args.cli or os.environ.get('MAIL_SETUP_CLI')
        if not cli or not os.access(cli, os.X_OK):
            print(f'Bail out! mail-setup-cli not found ({cli!r}); pass --cli or set '
                  'MAIL_SETUP_CLI', flush=True)
            return 1
        if not cases:
            print('1..0 # SKIP no case matches', flush=True)
            return 0

        print(f'1..{len(cases)}', flush=True)
        lock = threading.Lock()
        number = 0
        failed = 0

        def report(run):
            nonlocal number, failed
            failures = evaluate(run)
            with lock:
                number += 1
                status = 'ok' if not failures else 'not ok'
                failed += bool(failures)
                print(f'{status} {number} - {run.case.name}  [{run.elapsed:.2f} s]')
                if failures or args.verbose:
                    for line in describe(run, failures):
                        print('# ' + line)
                sys.stdout.flush()

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(run_case, item, cli, certs) for item in cases]
            for future in concurrent.futures.as_completed(futures):
                report(future.result())
        print(f'# {len(cases) - failed}/{len(cases)} passed', flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
