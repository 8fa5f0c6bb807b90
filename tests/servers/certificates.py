# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificates for the scripted servers: ``ms-testbed --certs-only`` output, or an equivalent
set generated with openssl(1) while developing."""

import hashlib
import json
import os
import shutil
import ssl
import subprocess
import threading


# --------------------------------------------------------------------------------------------
# Certificates
# --------------------------------------------------------------------------------------------

CERT_VARIANTS = ('valid', 'self-signed', 'wrong-host', 'expired', 'not-yet-valid')


class Certs:
    """The test CA and the server certificate variants (paths), plus cached SSL contexts."""

    def __init__(self, description, directory):
        def absolute(path):     # ms-testbed may name files relative to DIR
            return path if os.path.isabs(path) else os.path.join(directory, path)

        self.ca_file = absolute(description['ca_file'])
        self.variants = {name: {'cert': absolute(paths['cert']), 'key': absolute(paths['key'])}
                         for name, paths in description['certs'].items()}
        self.directory = directory
        self._contexts = {}
        self._lock = threading.Lock()
        missing = [v for v in CERT_VARIANTS if v not in self.variants]
        if missing:
            raise RuntimeError('certificate variants missing: ' + ', '.join(missing))

    @classmethod
    def from_testbed(cls, testbed, directory):
        """Runs ``ms-testbed --certs-only DIR --json`` and reads its description."""
        result = subprocess.run([testbed, '--certs-only', directory, '--json'],
                                stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                                check=False)
        if result.returncode != 0:
            raise RuntimeError(f'{testbed} --certs-only failed ({result.returncode}): '
                               f'{result.stderr.decode(errors="replace").strip()}')
        return cls(json.loads(result.stdout), directory)

    @classmethod
    def from_openssl(cls, directory):
        """Development fallback: generates equivalent certificates with openssl(1)."""
        return cls(generate_openssl_certs(directory), directory)

    def server_context(self, variant):
        with self._lock:
            context = self._contexts.get(variant)
            if context is None:
                paths = self.variants[variant]
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(paths['cert'], paths['key'])
                self._contexts[variant] = context
            return context

    def der(self, variant):
        with open(self.variants[variant]['cert'], encoding='ascii') as pem:
            text = pem.read()
        first = text[:text.index('-----END CERTIFICATE-----') + len('-----END CERTIFICATE-----')]
        return ssl.PEM_cert_to_DER_cert(first[first.index('-----BEGIN CERTIFICATE-----'):])

    def sha256(self, variant):
        return hashlib.sha256(self.der(variant)).hexdigest()


def generate_openssl_certs(directory):
    """Test CA + the five server variants, shaped like ``ms-testbed --certs-only`` output."""
    openssl = shutil.which('openssl') or '/usr/bin/openssl'
    os.makedirs(directory, exist_ok=True)

    def run(*args):
        subprocess.run([openssl, *args], check=True, capture_output=True, cwd=directory,
                       stdin=subprocess.DEVNULL)

    def path(name):
        return os.path.join(directory, name)

    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('ca.key'),
        '-out', path('ca.pem'), '-days', '3650', '-subj', '/CN=Mail Setup Test CA',
        '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    with open(path('index.txt'), 'w', encoding='ascii'):
        pass
    with open(path('serial'), 'w', encoding='ascii') as serial:
        serial.write('1000\n')
    with open(path('ca.cnf'), 'w', encoding='ascii') as config:
        config.write(f"""[ca]
default_ca = test_ca
[test_ca]
dir = {directory}
database = $dir/index.txt
serial = $dir/serial
new_certs_dir = $dir
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
[anything]
commonName = supplied
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
""")
    local_sans = 'subjectAltName=DNS:localhost,IP:127.0.0.1'
    signed = {
        'valid': ('localhost', local_sans, []),
        'wrong-host': ('wrong.example.test', 'subjectAltName=DNS:wrong.example.test', []),
        'expired': ('localhost', local_sans,
                    ['-startdate', '20200101000000Z', '-enddate', '20210101000000Z']),
        'not-yet-valid': ('localhost', local_sans,
                          ['-startdate', '20990101000000Z', '-enddate', '20991231000000Z']),
    }
    certs = {}
    for variant, (common_name, sans, dates) in signed.items():
        key, csr, cert = path(variant + '.key'), path(variant + '.csr'), path(variant + '.pem')
        run('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr,
            '-subj', '/CN=' + common_name, '-addext', sans)
        run('ca', '-batch', '-config', path('ca.cnf'), '-extensions', 'server_ext',
            '-in', csr, '-out', cert, '-notext', *(dates or ['-days', '825']))
        certs[variant] = {'cert': cert, 'key': key}
    key, cert = path('self-signed.key'), path('self-signed.pem')
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
        '-days', '825', '-subj', '/CN=localhost', '-addext', local_sans)
    certs['self-signed'] = {'cert': cert, 'key': key}
    return {'ca_file': path('ca.pem'), 'certs': certs}
