#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``integration`` suite's discovery test: ``mail-setup-cli discover`` in a small Internet.

world.py builds the Internet: a network namespace with dnsmasq, HTTPS/HTTP servers for
autoconfig and the ISPDB, black holes, and the real Dovecot/Postfix test-bed on the standard
ports, one domain per case. Each case runs, inside the namespace::

  mail-setup-cli discover alice@D --json --verify --password-stdin --ca-file CA \\
      --ispdb-url https://ispdb.example.net/v1.1/ --providers-dir DIR --timeout 15 [...]

with the password on standard input, and asserts what a user would see: the exit status, the
chosen servers (host, port, security, source, trust), the login outcome, and from the servers'
own logs where a password went (never to a certificate for another name, never to an untrusted
server without --accept-untrusted, never on to a second server after a wrong password) and that
the address never went over plain http.

Output is TAP. Needs root (network namespaces, ports below 1024); exits 77 (skip) saying why
when it cannot run. By hand, from the source root after building::

  /usr/bin/python3 tests/discovery-world/test-discover-world.py \\
      --cli BUILD/src/cli/mail-setup-cli --testbed BUILD/tests/testbed/ms-testbed
  ... --case 'black-holed*' --verbose      (shell patterns, repeatable; --list shows the names)

MAIL_SETUP_CLI / MS_TESTBED in the environment stand in for --cli / --testbed. WORLD_KEEP=1
keeps the world's work directory (logs, generated configs) for a look afterwards.
"""

import argparse
import fnmatch
import json
import os
import re
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import world as W  # noqa: E402  (path set up above)

# The prober's step timeout; the black-holed cases must finish far below it.
STEP_TIMEOUT = 15
BLACK_HOLE_BOUND_MS = 5000
SOURCE_NAMES = {'provider-db', 'autoconfig', 'well-known', 'autoconfig-http', 'well-known-http',
                'ispdb', 'mx', 'srv', 'guess'}
CANDIDATE_SOURCES = {'provider-db', 'autoconfig', 'ispdb', 'srv', 'mx', 'guess'}
SRV_SERVICES = ('_submissions', '_submission', '_imaps', '_imap', '_pop3s', '_pop3')
OUTCOMES = {'ok', 'failed', 'needs-confirmation', 'no-candidate', 'oauth2-only', 'not-run'}
# Where the test-bed presents a certificate for another name, an expired or a not-yet-valid
# one (MsTestbedCert): no password may ever arrive there.
BAD_CERT_ADDRESSES = ('127.0.0.2', '127.0.0.4', '127.0.0.5')


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def expect_equal(actual, expected, what):
    if actual != expected:
        raise CheckFailed(f'{what}: expected {expected!r}, got {actual!r}')


# ------------------------------------------------------------------------------------------
# Running the CLI and reading the servers' logs
# ------------------------------------------------------------------------------------------

class Run:
    """One `discover` run and what the world logged meanwhile."""

    def __init__(self, world, cli, address, password=W.PASSWORD, extra=(), json_output=True,
                 verify=True):
        self.address = address
        argv = [cli, 'discover', address, '--ca-file', world.ca_file,
                '--ispdb-url', W.ISPDB_URL, '--providers-dir', world.providers_dir,
                '--timeout', str(STEP_TIMEOUT)]
        if json_output:
            argv.append('--json')
        if verify:
            argv += ['--verify', '--password-stdin']
        argv += list(extra)
        self.argv = argv
        mark = world.mark()
        start = time.monotonic()
        proc = world.run(argv, input=password + '\n' if verify else None,
                         timeout=STEP_TIMEOUT * 4)
        self.wall = time.monotonic() - start
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.data = None
        if json_output:
            try:
                self.data = json.loads(proc.stdout)
            except ValueError:
                pass
        world.wait_quiet()
        # Invariant 5: the password appears in no output, whatever the outcome.
        for name, text in (('stdout', self.stdout), ('stderr', self.stderr)):
            if verify and password in text:
                raise AssertionError(f'the password appears on {name}')
        self.dovecot = world.lines_since(mark, 'dovecot')
        self.postfix = world.lines_since(mark, 'postfix')
        self.web = [json.loads(line) for line in world.lines_since(mark, 'web')]
        self.black_hole = [json.loads(line) for line in world.lines_since(mark, 'black_hole')]

    # what the servers saw

    def dovecot_logins(self):
        """Every login attempt Dovecot logged: (user, local address, succeeded)."""
        attempts = []
        for line in self.dovecot:
            m = re.search(r'-login: Info: (.*?): user=<([^>]*)>.*?lip=([0-9.]+)', line)
            if m and m.group(2) and 'no auth attempts' not in m.group(1):
                attempts.append((m.group(2), m.group(3), m.group(1).startswith('Login')))
        return attempts

    def dovecot_auth_lines(self):
        return [line for line in self.dovecot if ' auth: ' in line or 'passwd-file(' in line]

    def postfix_auths(self):
        """Every connection with SMTP AUTH that Postfix logged: (service, line, succeeded),
        from its "disconnect from ... auth=1" (or auth=0/1) line. The service names the address
        (submissions-127.0.0.2, ...; the ones on 127.0.0.1 have no suffix)."""
        auths = []
        for line in self.postfix:
            m = re.search(r'postfix/(\S+?)/smtpd\[\d+\]: disconnect from .*\bauth=(\d+)(/\d+)?',
                          line)
            if m:
                auths.append((m.group(1), line, m.group(3) is None and m.group(2) != '0'))
        return auths

    def describe(self):
        lines = [f'command: {" ".join(self.argv)}',
                 f'exit status {self.returncode}, {self.wall:.2f} s']
        if self.data is not None:
            d = self.data
            lines.append(f'elapsed_ms {d.get("elapsed_ms")}')
            for direction in ('incoming', 'outgoing'):
                lines.append(f'chosen {direction}: {summary(d.get("chosen", {}).get(direction))}')
                verify = (d.get('verify') or {}).get(direction) or {}
                result = verify.get('result') or {}
                lines.append(f'verify {direction}: {verify.get("outcome")} '
                             f'{result.get("host")}:{result.get("port")} '
                             f'{result.get("diagnosis")} user {result.get("username_used")}')
                for c in d.get(direction, []):
                    probe = c.get('probe') or {}
                    lines.append(f'  {summary(c)} probe {probe.get("diagnosis")}')
            for s in d.get('sources', []):
                lines.append(f'source {s.get("name")} {s.get("url_or_query")}: ok {s.get("ok")}'
                             f' trusted {s.get("trusted")} {s.get("elapsed_ms")} ms '
                             f'{s.get("error") or ""}')
        else:
            lines.append('stdout: ' + self.stdout[-3000:])
        lines.append('stderr (end): ' + self.stderr[-1500:])
        lines += ['dovecot: ' + line for line in self.dovecot if 'user=<>' not in line][-20:]
        lines += ['postfix: ' + line for line in self.postfix if 'auth' in line][-20:]
        lines += [f'web: {e["scheme"]}://{e["host"]}{e["path"]} {e["status"]}' for e in self.web]
        lines += [f'black hole: {e["address"]}:{e["port"]}' for e in self.black_hole]
        return lines


def summary(candidate):
    if not candidate:
        return 'none'
    return (f'{candidate.get("protocol")} {candidate.get("host")}:{candidate.get("port")} '
            f'{candidate.get("security")} from {candidate.get("source")}, '
            f'{"trusted" if candidate.get("trusted") else "untrusted"}')


# ------------------------------------------------------------------------------------------
# Checks shared by the cases
# ------------------------------------------------------------------------------------------

def check_shape(run):
    """The JSON object of the CLI contract."""
    d = run.data
    expect(d is not None, f'stdout is not one JSON object: {run.stdout[:500]!r}')
    for key in ('address', 'domain', 'sources', 'incoming', 'outgoing', 'chosen', 'hints',
                'elapsed_ms'):
        expect(key in d, f'no "{key}" in the JSON')
    expect_equal(d['address'], run.address, 'address')
    expect_equal(d['domain'], run.address.split('@')[1], 'domain')
    for source in d['sources']:
        for key in ('name', 'url_or_query', 'ok', 'trusted', 'error', 'elapsed_ms'):
            expect(key in source, f'source without "{key}": {source}')
        expect(source['name'] in SOURCE_NAMES, f'unknown source name {source["name"]!r}')
    for direction, protocols in (('incoming', {'imap', 'pop3'}), ('outgoing', {'smtp'})):
        for c in d[direction]:
            for key in ('protocol', 'host', 'port', 'security', 'username', 'source', 'trusted',
                        'probe'):
                expect(key in c, f'{direction} candidate without "{key}": {c}')
            expect(c['protocol'] in protocols, f'{direction} candidate {summary(c)}')
            expect(c['source'] in CANDIDATE_SOURCES, f'unknown candidate source {c["source"]}')
            expect(c['security'] in ('tls', 'starttls'),
                   f'{summary(c)}: discovery never proposes plaintext')
            expect(c['port'] != 25, f'{summary(c)}: discovery never proposes port 25')
            expect(c['probe'] is None or ('ok' in c['probe'] and 'diagnosis' in c['probe']),
                   f'{summary(c)}: probe {c["probe"]}')
    if '--verify' in run.argv:
        expect('verify' in d, 'no "verify" with --verify')
        for direction in ('incoming', 'outgoing'):
            verify = d['verify'][direction]
            expect(verify['outcome'] in OUTCOMES, f'verify {direction}: {verify}')


def check_chosen(run, direction, protocol, host, port, security, source, trusted=True):
    chosen = run.data['chosen'][direction]
    expect(chosen is not None, f'no {direction} server chosen')
    got = (chosen['protocol'], chosen['host'], chosen['port'], chosen['security'])
    expect_equal(got, (protocol, host, port, security), f'chosen {direction} server')
    if isinstance(source, str):
        source = (source,)
    expect(chosen['source'] in source,
           f'chosen {direction} server came from {chosen["source"]}, expected {source}')
    expect_equal(chosen['trusted'], trusted, f'chosen {direction} server trusted')
    # the chosen one is among the ranked candidates, and its probe passed
    same = [c for c in run.data[direction]
            if (c['protocol'], c['host'], c['port'], c['security']) == got]
    expect(same, f'the chosen {direction} server is not in the "{direction}" list')
    expect(chosen['probe'] and chosen['probe']['ok'],
           f'the chosen {direction} server\'s probe: {chosen["probe"]}')


def check_verified(run):
    expect_equal(run.returncode, 0, 'exit status')
    for direction in ('incoming', 'outgoing'):
        verify = run.data['verify'][direction]
        expect_equal(verify['outcome'], 'ok', f'verify {direction} outcome')
        result = verify['result']
        expect(result and result['ok'] and result['diagnosis'] == 'ok',
               f'verify {direction} result: {result and result.get("diagnosis")}')
        chosen = run.data['chosen'][direction]
        expect_equal((result['host'], result['port']), (chosen['host'], chosen['port']),
                     f'verify {direction} went to')
    # the servers agree: a successful login with the case's address
    logins = [a for a in run.dovecot_logins() if a[2]]
    expect(logins, 'Dovecot logged no successful login')
    expect(any(user.endswith('@' + run.address.split('@')[1]) or user == W.LOCAL_PART
               for user, _, _ in logins), f'Dovecot logins: {logins}')
    expect(any(ok for _, _, ok in run.postfix_auths()), 'Postfix logged no successful AUTH')


def check_source(run, name, ok, url_or_query=None, trusted=None):
    sources = [s for s in run.data['sources'] if s['name'] == name and
               (url_or_query is None or s['url_or_query'] == url_or_query)]
    expect(sources, f'no source {name} {url_or_query or ""} in "sources"')
    for source in sources:
        expect_equal(source['ok'], ok, f'source {name} {source["url_or_query"]} ok')
        expect(ok or source['error'], f'source {name} failed without an error: {source}')
        if trusted is not None:
            expect_equal(source['trusted'], trusted, f'source {name} trusted')
    return sources[0]


def check_fast(run, bound_ms=BLACK_HOLE_BOUND_MS):
    elapsed = run.data['elapsed_ms']
    expect(elapsed < bound_ms,
           f'took {elapsed} ms with a black-holed better candidate (bound {bound_ms} ms, '
           f'step timeout {STEP_TIMEOUT} s): the grace window did not end the wait')
    expect(run.wall * 1000 < bound_ms + 2000, f'the CLI ran {run.wall:.1f} s')


def check_no_password_sent(run):
    """No login attempt reached Dovecot or Postfix during RUN."""
    expect(not run.dovecot_logins(), f'Dovecot saw logins: {run.dovecot_logins()}')
    expect(not run.dovecot_auth_lines(), f'Dovecot auth: {run.dovecot_auth_lines()}')
    expect(not run.postfix_auths(), f'Postfix saw AUTH: {run.postfix_auths()}')


def check_invariants(run):
    """What must hold in every run, whatever the case."""
    for entry in run.web:
        if entry['scheme'] == 'http':
            path = entry['path'].lower()
            expect('@' not in path and '%40' not in path and W.LOCAL_PART not in path and
                   'emailaddress' not in path,
                   f'the address went over plain http: http://{entry["host"]}{entry["path"]}')
    for user, local, _ in run.dovecot_logins():
        expect(local not in BAD_CERT_ADDRESSES,
               f'Dovecot on {local} (a bad certificate) received a login for {user}')
    for service, line, _ in run.postfix_auths():
        expect(not any(service.endswith(address) for address in BAD_CERT_ADDRESSES),
               f'Postfix behind a bad certificate received AUTH: {line}')


# ------------------------------------------------------------------------------------------
# The cases
# ------------------------------------------------------------------------------------------

def address(domain):
    return f'{W.LOCAL_PART}@{domain}'


def case_srv(world, cli):
    run = Run(world, cli, address(W.SRV))
    yield run
    check_shape(run)
    check_chosen(run, 'incoming', 'imap', f'in.{W.SRV}', 993, 'tls', 'srv')
    check_chosen(run, 'outgoing', 'smtp', f'out.{W.SRV}', 465, 'tls', 'srv')
    check_verified(run)
    # one lookup per SRV service, with its record name
    for service in SRV_SERVICES:
        check_source(run, 'srv', service != '_pop3', f'{service}._tcp.{W.SRV}', trusted=True)
    for name in ('autoconfig', 'well-known', 'ispdb', 'mx', 'provider-db'):
        check_source(run, name, False)


def case_autoconfig(world, cli):
    run = Run(world, cli, address(W.AUTOCONFIG))
    yield run
    check_shape(run)
    check_chosen(run, 'incoming', 'imap', f'in.{W.AUTOCONFIG}', 993, 'tls', 'autoconfig')
    check_chosen(run, 'outgoing', 'smtp', f'out.{W.AUTOCONFIG}', 465, 'tls', 'autoconfig')
    check_verified(run)
    check_source(run, 'autoconfig', True, trusted=True)
    check_source(run, 'well-known', False)
    requests = [e for e in run.web if e['host'] == f'autoconfig.{W.AUTOCONFIG}']
    expect(requests and all(e['scheme'] == 'https' for e in requests),
           f'requests to autoconfig.{W.AUTOCONFIG}: {requests}')
    expect(any(f'emailaddress={W.LOCAL_PART}%40{W.AUTOCONFIG}' in e['path'] or
               f'emailaddress={address(W.AUTOCONFIG)}' in e['path'] for e in requests),
           f'the https autoconfig request did not carry ?emailaddress=: {requests}')


def case_well_known(world, cli):
    run = Run(world, cli, address(W.WELL_KNOWN))
    yield run
    check_shape(run)
    check_chosen(run, 'incoming', 'imap', f'in.{W.WELL_KNOWN}', 993, 'tls', 'autoconfig')
    check_chosen(run, 'outgoing', 'smtp', f'out.{W.WELL_KNOWN}', 465, 'tls', 'autoconfig')
    check_verified(run)
    check_source(run, 'well-known', True, trusted=True)
    check_source(run, 'autoconfig', False)
    expect(any(e['scheme'] == 'https' and e['host'] == W.WELL_KNOWN and
               e['path'] == W.WELL_KNOWN_PATH and e['status'] == 200 for e in run.web),
           'no https request for the .well-known document')


def case_ispdb(world, cli):
    run = Run(world, cli, address(W.ISPDB))
    yield run
    check_shape(run)
    check_chosen(run, 'incoming', 'imap', f'in.{W.ISPDB}', 993, 'tls', 'ispdb')
    check_chosen(run, 'outgoing', 'smtp', f'out.{W.ISPDB}', 465, 'tls', 'ispdb')
    check_verified(run)
    check_source(run, 'ispdb', True, W.ISPDB_URL + W.ISPDB, trusted=True)
    for name in ('autoconfig', 'well-known'):
        check_source(run, name, False)


def case_mx_provider(world, cli):
    run = Run(world, cli, address(W.MX))
    yield run
    check_shape(run)
    # an MX result that lands on a provider-database entry is trusted
    check_chosen(run, 'incoming', 'imap', f'imap.{W.PROVIDER}', 993, 'tls', ('mx', 'provider-db'))
    check_chosen(run, 'outgoing', 'smtp', f'smtp.{W.PROVIDER}', 465, 'tls', ('mx', 'provider-db'))
    check_verified(run)
    check_source(run, 'mx', True)
    hints = json.dumps(run.data['hints'])
    expect(W.PROVIDER_NOTE in hints, f'the provider\'s note is not in the hints: {hints}')


def case_guess(world, cli):
    run = Run(world, cli, address(W.GUESS))
    yield run
    check_shape(run)
    check_chosen(run, 'incoming', 'imap', f'imap.{W.GUESS}', 993, 'tls', 'guess')
    check_chosen(run, 'outgoing', 'smtp', f'smtp.{W.GUESS}', 465, 'tls', 'guess')
    check_verified(run)
    for name in ('autoconfig', 'well-known', 'ispdb', 'mx'):
        check_source(run, name, False)


def case_wildcard(world, cli):
    run = Run(world, cli, address(W.WILDCARD))
    yield run
    check_shape(run)
    # the guesses on implicit TLS rank higher, fail on the certificate and are passed over
    check_chosen(run, 'incoming', 'imap', f'box.{W.WILDCARD}', 143, 'starttls', 'srv')
    check_chosen(run, 'outgoing', 'smtp', f'box.{W.WILDCARD}', 587, 'starttls', 'srv')
    check_verified(run)
    wrong = [c for c in run.data['incoming'] + run.data['outgoing']
             if c['host'] != f'box.{W.WILDCARD}' and c['probe'] is not None]
    expect(wrong, 'no wildcard guess was probed')
    for c in wrong:
        expect(not c['probe']['ok'], f'{summary(c)} passed its probe on the wrong certificate')
    expect(any(c['probe']['diagnosis'].startswith('certificate') for c in wrong),
           'no wildcard guess failed on its certificate')
    for direction in ('incoming', 'outgoing'):
        result = run.data['verify'][direction]['result']
        expect(not result['diagnosis'].startswith('certificate'),
               f'the account\'s {direction} error is the wildcard\'s certificate')


def case_wildcard_wrong_password(world, cli):
    run = Run(world, cli, address(W.WILDCARD), password='not-' + W.PASSWORD)
    yield run
    check_shape(run)
    expect_equal(run.returncode, 1, 'exit status')
    for direction in ('incoming', 'outgoing'):
        verify = run.data['verify'][direction]
        expect_equal(verify['outcome'], 'failed', f'verify {direction} outcome')
        # the account's error is the password, at the real server: not the wildcard's certificate
        expect_equal(verify['result']['diagnosis'], 'auth-failed', f'verify {direction} diagnosis')
        expect_equal(verify['result']['host'], f'box.{W.WILDCARD}', f'verify {direction} host')


def case_black_holed_srv(world, cli):
    run = Run(world, cli, address(W.BLACK_HOLED))
    yield run
    check_shape(run)
    check_chosen(run, 'incoming', 'imap', f'box.{W.BLACK_HOLED}', 143, 'starttls', 'srv')
    check_chosen(run, 'outgoing', 'smtp', f'box.{W.BLACK_HOLED}', 587, 'starttls', 'srv')
    check_verified(run)
    check_fast(run)
    holes = {(e['address'], e['port']) for e in run.black_hole}
    expect({(W.BLACK_HOLE, 993), (W.BLACK_HOLE, 465)} <= holes,
           f'the better (black-holed) candidates were not tried: {holes}')


def case_black_holed_guess(world, cli):
    run = Run(world, cli, address(W.BLACK_HOLED_GUESS))
    yield run
    check_shape(run)
    check_chosen(run, 'incoming', 'imap', f'mail.{W.BLACK_HOLED_GUESS}', 993, 'tls', 'guess')
    check_chosen(run, 'outgoing', 'smtp', f'mail.{W.BLACK_HOLED_GUESS}', 465, 'tls', 'guess')
    check_verified(run)
    check_fast(run)
    holes = {(e['address'], e['port']) for e in run.black_hole}
    expect({(W.BLACK_HOLE, 993), (W.BLACK_HOLE, 465)} <= holes,
           f'imap.D / smtp.D (black-holed) were not tried: {holes}')


def check_http_only_found(run):
    check_shape(run)
    for direction, protocol, port in (('incoming', 'imap', 993), ('outgoing', 'smtp', 465)):
        check_chosen(run, direction, protocol, f'mx7.{W.HTTP_ONLY}', port, 'tls', 'autoconfig',
                     trusted=False)
    source = check_source(run, 'autoconfig-http', True, trusted=False)
    expect(source['url_or_query'].startswith('http://'), f'autoconfig-http: {source}')
    for name in ('autoconfig', 'well-known'):
        check_source(run, name, False, trusted=True)
    expect(any(e['scheme'] == 'http' and e['host'] == f'autoconfig.{W.HTTP_ONLY}' and
               e['status'] == 200 for e in run.web), 'the http autoconfig was not fetched')


def case_http_only(world, cli):
    run = Run(world, cli, address(W.HTTP_ONLY))
    yield run
    check_http_only_found(run)
    expect_equal(run.returncode, 1, 'exit status without --accept-untrusted')
    for direction in ('incoming', 'outgoing'):
        expect_equal(run.data['verify'][direction]['outcome'], 'needs-confirmation',
                     f'verify {direction} outcome')
    check_no_password_sent(run)


def case_http_only_accepted(world, cli):
    run = Run(world, cli, address(W.HTTP_ONLY), extra=['--accept-untrusted'])
    yield run
    check_http_only_found(run)
    check_verified(run)


def case_srv_dot(world, cli):
    run = Run(world, cli, address(W.SRV_DOT))
    yield run
    check_shape(run)
    check_chosen(run, 'incoming', 'pop3', f'in.{W.SRV_DOT}', 995, 'tls', 'srv')
    check_chosen(run, 'outgoing', 'smtp', f'out.{W.SRV_DOT}', 465, 'tls', 'srv')
    check_verified(run)
    imap = [summary(c) for c in run.data['incoming'] if c['protocol'] == 'imap']
    expect(not imap, f'IMAP proposed although SRV says the domain has none: {imap}')
    expect(not any(e['port'] in (143, 993) for e in run.black_hole), 'IMAP was tried')


def case_wrong_password(world, cli):
    run = Run(world, cli, address(W.WRONG_PASSWORD), password='not-' + W.PASSWORD)
    yield run
    check_shape(run)
    check_chosen(run, 'incoming', 'imap', f'in.{W.WRONG_PASSWORD}', 993, 'tls', 'srv')
    check_chosen(run, 'outgoing', 'smtp', f'in.{W.WRONG_PASSWORD}', 465, 'tls', 'srv')
    expect_equal(run.returncode, 1, 'exit status')
    for direction, port in (('incoming', 993), ('outgoing', 465)):
        verify = run.data['verify'][direction]
        expect_equal(verify['outcome'], 'failed', f'verify {direction} outcome')
        result = verify['result']
        expect_equal(result['diagnosis'], 'auth-failed', f'verify {direction} diagnosis')
        expect_equal((result['host'], result['port']), (f'in.{W.WRONG_PASSWORD}', port),
                     f'verify {direction} reported')
    # the second server (alt., on 127.0.0.3) never got the password
    logins = run.dovecot_logins()
    expect(logins, 'Dovecot saw no login attempt')
    expect(all(local == W.MAIL and not ok for _, local, ok in logins),
           f'Dovecot login attempts: {logins}')
    auths = run.postfix_auths()
    expect(auths, 'Postfix saw no AUTH')
    expect(all(service == 'submissions' and not ok for service, _, ok in auths),
           'AUTH went beyond the chosen server: ' + '; '.join(line for _, line, _ in auths))


def check_nothing(run):
    for name in SOURCE_NAMES:
        expect(any(s['name'] == name for s in run.data['sources']),
               f'source {name} is not listed (what was tried)')
    for service in SRV_SERVICES:
        check_source(run, 'srv', False, f'{service}._tcp.{W.NOTHING}')
    for source in run.data['sources']:
        if source['name'] != 'guess':
            expect(not source['ok'] and source['error'],
                   f'source {source["name"]} {source["url_or_query"]}: ok {source["ok"]}, '
                   f'error {source["error"]!r}')
    # guessing makes names, not lookups: each name's own probe failed
    for c in run.data['incoming'] + run.data['outgoing']:
        expect(c['source'] == 'guess' and c['probe'] is not None and not c['probe']['ok'],
               f'{summary(c)}: probe {c["probe"]}')


def case_nothing(world, cli):
    run = Run(world, cli, address(W.NOTHING))
    yield run
    check_shape(run)
    expect_equal(run.returncode, 1, 'exit status')
    expect_equal(run.data['chosen'], {'incoming': None, 'outgoing': None}, 'chosen')
    for direction in ('incoming', 'outgoing'):
        expect_equal(run.data['verify'][direction]['outcome'], 'no-candidate',
                     f'verify {direction} outcome')
    check_nothing(run)
    check_no_password_sent(run)

    # in words: what was not found, and every lookup that was tried, with its error
    text = Run(world, cli, address(W.NOTHING), json_output=False, verify=False)
    yield text
    expect_equal(text.returncode, 1, 'exit status (text)')
    for source in run.data['sources']:
        expect(source['url_or_query'] in text.stdout + text.stderr,
               f'the text output does not say that {source["url_or_query"]} was tried')
    expect(W.NOTHING in text.stdout, 'the text output does not name the domain')


CASES = [
    ('srv-only', case_srv),
    ('autoconfig-only', case_autoconfig),
    ('well-known-only', case_well_known),
    ('ispdb-only', case_ispdb),
    ('mx-to-provider-database', case_mx_provider),
    ('guessing-only', case_guess),
    ('wildcard-dns-wrong-certificate', case_wildcard),
    ('wildcard-dns-wrong-password', case_wildcard_wrong_password),
    ('black-holed-srv', case_black_holed_srv),
    ('black-holed-guess', case_black_holed_guess),
    ('http-only-untrusted', case_http_only),
    ('http-only-accept-untrusted', case_http_only_accepted),
    ('srv-dot-target', case_srv_dot),
    ('wrong-password', case_wrong_password),
    ('nothing-at-all', case_nothing),
]


# ------------------------------------------------------------------------------------------
# TAP
# ------------------------------------------------------------------------------------------

def run_case(number, name, function, world, cli, verbose):
    runs = []
    failure = None
    try:
        for run in function(world, cli):
            runs.append(run)
        for run in runs:
            check_invariants(run)
    except CheckFailed as e:
        failure = str(e)
    except Exception:  # a bug in the test or the world: report it as this case's failure
        failure = traceback.format_exc()
    wall = sum(r.wall for r in runs)
    print(f'{"not ok" if failure else "ok"} {number} - {name} ({wall:.1f} s)', flush=True)
    if failure or verbose:
        if failure:
            for line in failure.splitlines():
                print(f'# {line}')
        for run in runs:
            for line in run.describe():
                print(f'#   {line}')
        sys.stdout.flush()
    return failure is None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--cli', default=os.environ.get('MAIL_SETUP_CLI'))
    parser.add_argument('--testbed', default=os.environ.get('MS_TESTBED'))
    parser.add_argument('--case', action='append', default=[], metavar='PATTERN')
    parser.add_argument('--list', action='store_true')
    parser.add_argument('--verbose', action='store_true')
    args = parser.parse_args()

    cases = [(n, f) for n, f in CASES
             if not args.case or any(fnmatch.fnmatchcase(n, p) for p in args.case)]
    if args.list:
        for name, _ in cases:
            print(name)
        return 0
    if not args.cli or not args.testbed:
        parser.error('--cli and --testbed (or $MAIL_SETUP_CLI and $MS_TESTBED) are needed')

    try:
        W.check_available()
    except W.Unavailable as e:
        print(f'1..0 # SKIP {e}')
        return 77

    failed = 0
    try:
        # SIGTERM (meson's timeout) and Ctrl-C stop the world on the way out
        with W.signals_raise(), W.World(args.testbed) as world:
            print(f'1..{len(cases)}')
            print(f'# world {world.name}: test-bed {world.testbed["dir"]}, work '
                  f'{world.workdir}', flush=True)
            for number, (name, function) in enumerate(cases, 1):
                if not run_case(number, name, function, world, args.cli, args.verbose):
                    failed += 1
    except KeyboardInterrupt:
        print('Bail out! interrupted', flush=True)
        return 130
    except W.WorldError as e:
        print(f'Bail out! the world did not start: {e}', flush=True)
        return 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
