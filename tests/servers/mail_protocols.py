# SPDX-License-Identifier: GPL-3.0-or-later
"""IMAP4rev1, POP3 and SMTP submission dialogues for the scripted servers.

Just enough of each protocol for an account check (greeting, capabilities, STARTTLS, SASL PLAIN /
LOGIN / CRAM-MD5, the IMAP LOGIN command with quoted strings and literals, POP3 USER/PASS, logout);
every step goes through ``ScriptedServer.step`` so a case can replace it.
"""

import re

from scripted_server import (
    MAX_CLIENT_LINE, AuthAttempt, Command, Hangup, ScriptedServer,
)


# --------------------------------------------------------------------------------------------
# IMAP4rev1
# --------------------------------------------------------------------------------------------

class ImapServer(ScriptedServer):
    protocol = 'imap'
    default_caps_plain = ['IMAP4rev1', 'LITERAL+', 'ID', 'ENABLE', 'STARTTLS', 'LOGINDISABLED']
    default_caps_tls = ['IMAP4rev1', 'LITERAL+', 'ID', 'ENABLE', 'SASL-IR', 'AUTH=PLAIN',
                        'AUTH=LOGIN']

    @staticmethod
    def parse(line):
        parts = line.split(b' ', 2)
        tag = parts[0]
        name = parts[1].decode('latin-1').upper() if len(parts) > 1 else ''
        args = parts[2] if len(parts) > 2 else b''
        return Command(line, tag, name, args)

    def starttls_reply(self, cmd):
        return cmd.tag + b' OK Begin TLS negotiation now\r\n'

    def default_greeting(self, conn, cmd):
        if self.behaviour.greeting is not None:
            conn.send(self.behaviour.greeting)
            return
        code = ''
        if self.behaviour.greeting_capabilities:
            code = '[CAPABILITY ' + ' '.join(self.current_caps(conn)) + '] '
        conn.send(f'* OK {code}Scripted IMAP server ready.\r\n'.encode())

    def dialogue(self, conn):
        while True:
            cmd = self.parse(conn.read_command())
            if cmd.name == 'CAPABILITY':
                self.step(conn, self.capability_step(conn), cmd)
            elif cmd.name == 'STARTTLS':
                self.step(conn, 'starttls', cmd)
            elif cmd.name in ('AUTHENTICATE', 'LOGIN'):
                self.step(conn, 'auth', cmd)
            elif cmd.name == 'LOGOUT':
                self.step(conn, 'logout', cmd)
            elif cmd.name in ('NOOP', 'ID', 'ENABLE', 'LIST', 'LSUB'):
                if cmd.name == 'ID':
                    conn.send(b'* ID NIL\r\n')
                conn.send(cmd.tag + b' OK ' + cmd.name.encode() + b' completed\r\n')
            else:
                conn.send(cmd.tag + b' BAD Unknown command\r\n')

    def default_capability(self, conn, cmd):
        caps = ' '.join(self.current_caps(conn)).encode()
        conn.send(b'* CAPABILITY ' + caps + b'\r\n' + cmd.tag + b' OK CAPABILITY completed\r\n')

    default_capability_tls = default_capability

    def default_starttls(self, conn, cmd):
        if conn.in_tls or 'STARTTLS' not in self.caps_plain:
            conn.send(cmd.tag + b' BAD STARTTLS not available\r\n')
            return
        self.do_starttls(conn, cmd, self.starttls_reply(cmd))

    def _prompt(self, conn):
        def prompt(challenge):
            conn.send(b'+ ' + challenge + b'\r\n')
            return conn.read_command().strip()
        return prompt

    def default_auth(self, conn, cmd):
        caps = self.current_caps(conn)
        if cmd.name == 'LOGIN':
            if 'LOGINDISABLED' in caps:
                conn.send(cmd.tag + b' NO [PRIVACYREQUIRED] LOGIN is disabled\r\n')
                return
            values = self.read_astrings(conn, cmd.args, 2)
            attempt = AuthAttempt('LOGIN-COMMAND', None, None, conn.in_tls)
            conn.auth_attempts.append(attempt)
            if values is None:
                conn.send(cmd.tag + b' BAD Invalid arguments\r\n')
                return
            attempt.username = values[0].decode('utf-8', 'replace')
            attempt.password = values[1].decode('utf-8', 'replace')
            attempt.success = self.check_password(attempt.username, attempt.password)
        else:
            words = cmd.args.split(b' ')
            mechanism = words[0].decode('latin-1').upper()
            initial = words[1] if len(words) > 1 else None
            if 'AUTH=' + mechanism not in caps:
                conn.auth_attempts.append(AuthAttempt(mechanism, None, None, conn.in_tls))
                conn.send(cmd.tag + b' NO Unsupported authentication mechanism\r\n')
                return
            attempt = self.sasl(conn, cmd, mechanism, initial, self._prompt(conn))
            if attempt is None:
                conn.send(cmd.tag + b' BAD Authentication cancelled\r\n')
                return
        cmd.attempt = attempt
        self.step(conn, 'auth-response', cmd)

    def default_auth_response(self, conn, cmd):
        if cmd.attempt.success:
            conn.send(cmd.tag + b' OK Logged in\r\n')
        elif self.behaviour.auth_failure is not None:
            conn.send(cmd.tag + b' ' + self.behaviour.auth_failure)
        else:
            conn.send(cmd.tag + b' NO [AUTHENTICATIONFAILED] Authentication failed.\r\n')

    def default_logout(self, conn, cmd):
        conn.send(b'* BYE Logging out\r\n' + cmd.tag + b' OK Logout completed.\r\n')
        conn.finish()
        raise Hangup('logout')

    @staticmethod
    def read_astrings(conn, data, count):
        """Parses ``count`` IMAP astrings (atom, quoted or literal) starting in ``data``."""
        values = []
        pos = 0
        while len(values) < count:
            while pos < len(data) and data[pos:pos + 1] == b' ':
                pos += 1
            if pos >= len(data):
                return None
            if data[pos:pos + 1] == b'"':
                pos += 1
                value = bytearray()
                while pos < len(data) and data[pos:pos + 1] != b'"':
                    if data[pos:pos + 1] == b'\\':
                        pos += 1
                    value += data[pos:pos + 1]
                    pos += 1
                if pos >= len(data):
                    return None
                pos += 1
                values.append(bytes(value))
                continue
            literal = re.match(rb'\{(\d+)(\+?)\}$', data[pos:])
            if literal:
                size = int(literal.group(1))
                if size > MAX_CLIENT_LINE:
                    return None
                if not literal.group(2):
                    conn.send(b'+ Ready for literal data\r\n')
                values.append(conn.read_exact(size))
                data = conn.read_line()
                conn.commands.append((conn.channel, '<literal continuation> ' +
                                      data.decode('latin-1')))
                pos = 0
                continue
            end = data.find(b' ', pos)
            end = len(data) if end < 0 else end
            values.append(data[pos:end])
            pos = end
        return values


# --------------------------------------------------------------------------------------------
# POP3
# --------------------------------------------------------------------------------------------

class Pop3Server(ScriptedServer):
    protocol = 'pop3'
    default_caps_plain = ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'STLS']
    default_caps_tls = ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'USER', 'SASL PLAIN LOGIN']

    @staticmethod
    def parse(line):
        name, _, args = line.partition(b' ')
        return Command(line, None, name.decode('latin-1').upper(), args)

    def starttls_reply(self, cmd):
        return b'+OK Begin TLS negotiation\r\n'

    def default_greeting(self, conn, cmd):
        conn.send(self.behaviour.greeting or b'+OK Scripted POP3 server ready.\r\n')

    def dialogue(self, conn):
        pending_user = None
        while True:
            cmd = self.parse(conn.read_command())
            if cmd.name == 'CAPA':
                self.step(conn, self.capability_step(conn), cmd)
            elif cmd.name == 'STLS':
                self.step(conn, 'starttls', cmd)
            elif cmd.name == 'AUTH':
                self.step(conn, 'auth', cmd)
            elif cmd.name == 'USER':
                pending_user = cmd.args
                self.step(conn, 'auth', cmd)
            elif cmd.name == 'PASS':
                attempt = AuthAttempt('USER', None, None, conn.in_tls)
                conn.auth_attempts.append(attempt)
                if pending_user is None:
                    conn.send(b'-ERR USER first\r\n')
                    continue
                attempt.username = pending_user.decode('utf-8', 'replace')
                attempt.password = cmd.args.decode('utf-8', 'replace')
                attempt.success = self.check_password(attempt.username, attempt.password)
                pending_user = None
                cmd.attempt = attempt
                self.step(conn, 'auth-response', cmd)
            elif cmd.name == 'QUIT':
                self.step(conn, 'logout', cmd)
            elif cmd.name == 'NOOP':
                conn.send(b'+OK\r\n')
            elif cmd.name in ('LIST', 'UIDL', 'STAT'):
                conn.send(b'+OK 0 0\r\n' if cmd.name == 'STAT' else b'+OK\r\n.\r\n')
            else:
                conn.send(b'-ERR Unknown command\r\n')

    def default_capability(self, conn, cmd):
        lines = [b'+OK Capability list follows'] + [c.encode() for c in self.current_caps(conn)]
        conn.send(b'\r\n'.join(lines) + b'\r\n.\r\n')

    default_capability_tls = default_capability

    def default_starttls(self, conn, cmd):
        if conn.in_tls or 'STLS' not in self.caps_plain:
            conn.send(b'-ERR STLS not available\r\n')
            return
        self.do_starttls(conn, cmd, self.starttls_reply(cmd))

    def _prompt(self, conn):
        def prompt(challenge):
            conn.send(b'+ ' + challenge + b'\r\n')
            return conn.read_command().strip()
        return prompt

    def _sasl_mechanisms(self, conn):
        for cap in self.current_caps(conn):
            if cap.upper().startswith('SASL '):
                return cap.upper().split()[1:]
        return []

    def default_auth(self, conn, cmd):
        if cmd.name == 'USER':
            if 'USER' not in self.current_caps(conn):
                conn.auth_attempts.append(AuthAttempt('USER', cmd.args.decode('utf-8', 'replace'),
                                                      None, conn.in_tls))
                conn.send(b'-ERR USER not allowed here\r\n')
            else:
                conn.send(b'+OK\r\n')
            return
        words = cmd.args.split(b' ')
        mechanism = words[0].decode('latin-1').upper()
        if not mechanism:
            conn.send(b'+OK\r\n' + b''.join(m.encode() + b'\r\n'
                                            for m in self._sasl_mechanisms(conn)) + b'.\r\n')
            return
        initial = words[1] if len(words) > 1 else None
        if mechanism not in self._sasl_mechanisms(conn):
            conn.auth_attempts.append(AuthAttempt(mechanism, None, None, conn.in_tls))
            conn.send(b'-ERR Unsupported mechanism\r\n')
            return
        attempt = self.sasl(conn, cmd, mechanism, initial, self._prompt(conn))
        if attempt is None:
            conn.send(b'-ERR Authentication cancelled\r\n')
            return
        cmd.attempt = attempt
        self.step(conn, 'auth-response', cmd)

    def default_auth_response(self, conn, cmd):
        if cmd.attempt.success:
            conn.send(b'+OK Logged in.\r\n')
        else:
            conn.send(self.behaviour.auth_failure or b'-ERR [AUTH] Authentication failed.\r\n')

    def default_logout(self, conn, cmd):
        conn.send(b'+OK Logging out.\r\n')
        conn.finish()
        raise Hangup('quit')


# --------------------------------------------------------------------------------------------
# SMTP submission
# --------------------------------------------------------------------------------------------

class SmtpServer(ScriptedServer):
    protocol = 'smtp'
    default_caps_plain = ['PIPELINING', 'SIZE 10240000', 'ENHANCEDSTATUSCODES', '8BITMIME',
                          'STARTTLS']
    default_caps_tls = ['PIPELINING', 'SIZE 10240000', 'ENHANCEDSTATUSCODES', '8BITMIME',
                        'AUTH PLAIN LOGIN']

    @staticmethod
    def parse(line):
        name, _, args = line.partition(b' ')
        name = name.decode('latin-1').upper()
        if name in ('MAIL', 'RCPT'):
            name = line.decode('latin-1').upper().split(':', 1)[0]
        return Command(line, None, name, args)

    def starttls_reply(self, cmd):
        return b'220 2.0.0 Ready to start TLS\r\n'

    def default_greeting(self, conn, cmd):
        conn.send(self.behaviour.greeting or b'220 scripted.localhost ESMTP ready\r\n')

    def dialogue(self, conn):
        while True:
            cmd = self.parse(conn.read_command())
            if cmd.name in ('EHLO', 'HELO'):
                self.step(conn, self.capability_step(conn), cmd)
            elif cmd.name == 'STARTTLS':
                self.step(conn, 'starttls', cmd)
            elif cmd.name == 'AUTH':
                self.step(conn, 'auth', cmd)
            elif cmd.name == 'QUIT':
                self.step(conn, 'logout', cmd)
            elif cmd.name in ('NOOP', 'RSET'):
                conn.send(b'250 2.0.0 OK\r\n')
            elif cmd.name == 'HELP':
                conn.send(b'214 2.0.0 Scripted SMTP server\r\n')
            elif cmd.name in ('MAIL FROM', 'RCPT TO'):
                conn.send(b'250 2.1.0 OK\r\n')
            elif cmd.name == 'DATA':
                conn.send(b'554 5.5.1 No valid recipients\r\n')
            else:
                conn.send(b'502 5.5.2 Command not recognised\r\n')

    def default_capability(self, conn, cmd):
        if cmd.name == 'HELO':
            conn.send(b'250 scripted.localhost\r\n')
            return
        lines = ['scripted.localhost'] + self.current_caps(conn)
        out = b''.join(b'250-' + line.encode() + b'\r\n' for line in lines[:-1])
        conn.send(out + b'250 ' + lines[-1].encode() + b'\r\n')

    default_capability_tls = default_capability

    def default_starttls(self, conn, cmd):
        if conn.in_tls or 'STARTTLS' not in self.caps_plain:
            conn.send(b'502 5.5.1 STARTTLS not available\r\n')
            return
        self.do_starttls(conn, cmd, self.starttls_reply(cmd))

    def _prompt(self, conn):
        def prompt(challenge):
            conn.send(b'334 ' + challenge + b'\r\n')
            return conn.read_command().strip()
        return prompt

    def _auth_mechanisms(self, conn):
        for cap in self.current_caps(conn):
            if cap.upper().startswith('AUTH ') or cap.upper().startswith('AUTH='):
                return cap.upper()[5:].split()
        return []

    def default_auth(self, conn, cmd):
        words = cmd.args.split(b' ')
        mechanism = words[0].decode('latin-1').upper()
        initial = words[1] if len(words) > 1 else None
        if mechanism not in self._auth_mechanisms(conn):
            conn.auth_attempts.append(AuthAttempt(mechanism, None, None, conn.in_tls))
            conn.send(b'504 5.5.4 Unrecognized authentication type\r\n')
            return
        attempt = self.sasl(conn, cmd, mechanism, initial, self._prompt(conn))
        if attempt is None:
            conn.send(b'501 5.7.0 Authentication aborted\r\n')
            return
        cmd.attempt = attempt
        self.step(conn, 'auth-response', cmd)

    def default_auth_response(self, conn, cmd):
        if cmd.attempt.success:
            conn.send(b'235 2.7.0 Authentication successful\r\n')
        else:
            conn.send(self.behaviour.auth_failure or
                      b'535 5.7.8 Error: authentication failed: bad credentials\r\n')

    def default_logout(self, conn, cmd):
        conn.send(b'221 2.0.0 Bye\r\n')
        conn.finish()
        raise Hangup('quit')


SERVER_CLASSES = {'imap': ImapServer, 'pop3': Pop3Server, 'smtp': SmtpServer}


def make_server(protocol, behaviour, certs, implicit_tls):
    return SERVER_CLASSES[protocol](behaviour, certs, implicit_tls)
