#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``servers`` suite: ``mail-setup-cli test`` against scripted, misbehaving servers.

Each case (cases.py) starts a scripted IMAP / POP3 / SMTP server on 127.0.0.1
(scripted_server.py, mail_protocols.py), runs ``mail-setup-cli test ... --user U
--password-stdin --json --transcript --ca-file CA --timeout S`` against it, and asserts
(checks.py):

  (a) the diagnosis nick, ``ok`` and the exit code (0 passed, 1 failed);
  (b) no credential byte reached the server outside validated TLS: every cleartext byte the
      server received (and, when the certificate was not trusted, every byte received inside
      TLS too) is searched for the password, base64 of "\\0user\\0password" for both username
      forms, and base64 of the password;
  (c) the check ended within its ``--timeout`` (the engine's elapsed_ms, + 250 ms for timer
      dispatch) and the CLI process within ``--timeout`` + 1 s (wall clock);
  (d) case-specific facts about what the client sent (which SASL mechanism, CAPABILITY re-fetched
      inside TLS, no AUTH after a refused STARTTLS, never MAIL FROM, ...).

Certificates come from ``ms-testbed --certs-only DIR --json`` (the test CA plus the variants
valid / self-signed / wrong-host / expired / not-yet-valid; certificates.py).

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
1.0) widens the timing bound for slow setups such as valgrind.
"""

import argparse
import concurrent.futures
import fnmatch
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cases import Case, all_cases  # noqa: E402  (path set up above)
from certificates import Certs  # noqa: E402
from checks import (  # noqa: E402
    JSON_KEYS, CheckFailed, auth_commands, expect, redact_for_report, secret_forms,
)
from mail_protocols import make_server  # noqa: E402

TIME_SLACK = float(os.environ.get('MS_SERVERS_TIME_SLACK', '1.0'))
# how far past its timeout the engine's own clock may run (timer dispatch on a busy machine)
ENGINE_SLACK_MS = 250
# Sanitizer builds run TLS handshakes several times slower: every case's --timeout (and so
# every bound derived from it) is scaled by this factor there.
TIMEOUT_SCALE = float(os.environ.get('MS_SERVERS_TIMEOUT_SCALE', '1'))


def case_timeout(case):
    """The --timeout the CLI gets for CASE, in seconds."""
    return case.timeout * TIMEOUT_SCALE

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


def free_port():
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def build_argv(cli, case, port, certs):
    argv = [cli, 'test', '--protocol', case.protocol, '--host', case.host, '--port', str(port),
            '--security', case.security, '--ca-file', certs.ca_file,
            '--timeout', f'{case_timeout(case):g}', '--transcript', '--json']
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
                                 timeout=case_timeout(case) + 15, check=False)
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

    # (c) bounded time: the check itself (the engine's elapsed_ms) ends within its timeout plus
    # a timer's granularity; the whole process, which also starts up and loads the CA file on
    # a machine that may be busy, within the timeout plus TIME_SLACK.
    limit = case_timeout(case) + TIME_SLACK
    if run.exit_code is None:
        failures.append(f'CLI still running after {run.elapsed:.1f} s (killed)')
    elif run.elapsed > limit:
        failures.append(f'CLI took {run.elapsed:.2f} s, limit {limit:.1f} s')
    try:
        engine_ms = json.loads(run.stdout.decode('utf-8')).get('elapsed_ms')
    except (ValueError, UnicodeDecodeError, AttributeError):
        engine_ms = None
    if isinstance(engine_ms, int) and engine_ms > case_timeout(case) * 1000 + ENGINE_SLACK_MS:
        failures.append(f'the check took {engine_ms} ms, '
                        f'timeout {case_timeout(case) * 1000:.0f} ms')

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
    default_jobs = int(os.environ.get('MS_SERVERS_JOBS', min(8, 2 * (os.cpu_count() or 1))))
    parser.add_argument('--jobs', type=int, default=default_jobs,
                        help='cases run at once (default: MS_SERVERS_JOBS, or twice the CPUs, '
                             'at most 8)')
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
