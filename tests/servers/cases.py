# SPDX-License-Identifier: GPL-3.0-or-later
"""The scenarios of the ``servers`` suite: one ``Case`` per misbehaviour, with the diagnosis the
contract of ``mail-setup-cli test`` demands and the extra facts to check."""

import dataclasses
from dataclasses import dataclass, field

from checks import (
    CREDENTIAL_DIAGNOSES, LOCAL_PART, PASSWORD, PRE_AUTH_DIAGNOSES, USER, ALL_DIAGNOSES,
    authenticated_with, capabilities_refetched_in_tls, connection_count, fingerprint_reported,
    matching_command, mechanism_never, never_sent, no_auth_used, reported_capabilities,
    sent_command, tls_details, transcript_redacted, used_sasl_ir, username_used,
    usernames_tried, waited_for_continuation,
)
from scripted_server import (
    Behaviour, after_client_hello, close, flood, plaintext_on_tls_port, reset, send,
    send_huge_line, send_then, stall, starttls_with_injection, tls_alert, tls_garbage,
)

DEFAULT_TIMEOUT = 5.0
STALL_TIMEOUT = 1.5
# What every successful login must also show.
HAPPY = (tls_details, transcript_redacted)


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
