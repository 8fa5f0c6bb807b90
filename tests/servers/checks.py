# SPDX-License-Identifier: GPL-3.0-or-later
"""Assertions about a finished run of ``mail-setup-cli test`` against a scripted server.

A check is a callable taking the run (``run.case``, ``run.json``, ``run.connections`` as
recorded by the scripted server, ``run.certs``) and raising ``CheckFailed`` with a message that
says what the client did wrong.
"""

import base64
import re

USER = 'tester@example.test'
LOCAL_PART = 'tester'
PASSWORD = 'S3cret!pass'

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
    """The client under test broke the contract (not a bug in the suite)."""


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


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
