# -*- coding: utf-8 -*-
# Shared by Patrol's collection modules (playbooks/library/patrol_*.py): sections measured in
# parallel threads, each under its own time limit, commands run without a shell under a hard
# timeout, capped raw output kept as evidence. Ansible ships this file with the module (a
# module_utils directory beside the playbooks), so the modules stay runnable with plain
# ansible-playbook. Python 3 standard library only.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import signal
import ssl
import subprocess
import tempfile
import threading
import time

RAW_LIMIT = 2048


class SectionError(Exception):
    """A section that could not be measured: its message becomes the checks' `error` finding."""


def run(argv, timeout, input_text=None, env=None):
    """Runs argv (no shell) with a hard timeout; returns (rc, stdout, stderr)."""
    try:
        p = subprocess.run(['timeout', '--signal=KILL', str(max(1, int(timeout)))] + list(argv), input=input_text,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout + 5,
                           env=env)
    except subprocess.TimeoutExpired:
        return 137, '', 'timed out'
    except OSError as e:
        return 127, '', str(e)
    return p.returncode, p.stdout, p.stderr


def which(name, extra=('/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin', '/bin')):
    if os.path.isabs(name):
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    for d in os.environ.get('PATH', '').split(':') + list(extra):
        p = os.path.join(d, name)
        if d and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def cap(text, limit=RAW_LIMIT):
    if text is None:
        return None
    return text if len(text) <= limit else text[:limit] + '\n... [%d more characters]' % (len(text) - limit)


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return default


def num(params, key, default, lo=None, hi=None):
    """A numeric parameter (users write them in YAML), clamped to [lo, hi]."""
    try:
        v = float(params.get(key, default))
    except (TypeError, ValueError):
        v = float(default)
    if lo is not None:
        v = max(lo, v)
    if hi is not None:
        v = min(hi, v)
    return v


def str_list(params, key, default):
    v = params.get(key, default)
    if isinstance(v, str):
        v = [v]
    return [str(x) for x in (v or []) if str(x) != '']


def iso(epoch_ms):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch_ms / 1000))


def parse_show(text):
    """`systemctl show` output -> one dict per unit (records are separated by blank lines)."""
    units, cur = [], {}
    for line in text.splitlines() + ['']:
        if not line.strip():
            if cur:
                units.append(cur)
                cur = {}
            continue
        if '=' in line:
            k, v = line.split('=', 1)
            cur[k] = v
    return units


# ---------------------------------------------------------------------------------------------
# Certificates

# ExecMainCode is the main process's si_code: 1 exited (ExecMainStatus is its exit status), 2 killed and
# 3 dumped core (ExecMainStatus is the signal number, e.g. 15 after a plain `systemctl stop`).
KILLED, DUMPED = '2', '3'


def main_exit(u):
    """(exit status, signal name) of the unit's last main process; either may be None."""
    code, status = u.get('ExecMainCode') or '', u.get('ExecMainStatus') or ''
    if not status.lstrip('-').isdigit():
        return None, None
    if code in (KILLED, DUMPED):
        try:
            return None, signal.Signals(int(status)).name
        except ValueError:
            return None, 'signal %s' % status
    return int(status), None


PEM_CERT = re.compile(b'-----BEGIN (?:TRUSTED )?CERTIFICATE-----.+?-----END (?:TRUSTED )?CERTIFICATE-----', re.S)


def name_of(rdns):
    parts = []
    for rdn in rdns or ():
        for k, v in rdn:
            if k in ('commonName', 'organizationName', 'organizationalUnitName'):
                parts.append('%s=%s' % ({'commonName': 'CN', 'organizationName': 'O', 'organizationalUnitName': 'OU'}[k], v))
    return ', '.join(parts)


def decode_pem_cert(pem_bytes, timeout):
    """A PEM certificate -> {subject, issuer, notBefore, notAfter (epoch ms), serial}."""
    decoder = getattr(getattr(ssl, '_ssl', None), '_test_decode_cert', None)
    fd, tmp = tempfile.mkstemp(prefix='patrol-cert-', suffix='.pem')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(pem_bytes + b'\n')
        if decoder is not None:
            c = decoder(tmp)
            return {'subject': name_of(c.get('subject')), 'issuer': name_of(c.get('issuer')), 'serial': c.get('serialNumber'),
                    'notBefore': int(ssl.cert_time_to_seconds(c['notBefore']) * 1000), 'notAfter': int(ssl.cert_time_to_seconds(c['notAfter']) * 1000)}
        rc, out, err = run(['openssl', 'x509', '-noout', '-startdate', '-enddate', '-subject', '-issuer', '-serial', '-nameopt', 'RFC2253', '-in', tmp], timeout)
        if rc != 0:
            raise ValueError((err or out).strip()[:200] or 'openssl x509 failed')
        kv = dict(l.split('=', 1) for l in out.splitlines() if '=' in l)
        return {'subject': kv.get('subject', ''), 'issuer': kv.get('issuer', ''), 'serial': kv.get('serial'),
                'notBefore': int(ssl.cert_time_to_seconds(kv['notBefore']) * 1000), 'notAfter': int(ssl.cert_time_to_seconds(kv['notAfter']) * 1000)}
    finally:
        os.unlink(tmp)


def cert_file(path, timeout, raw):
    """A certificate file -> (entry {path, format, certs[, error]}, None) or (None, why it was skipped)."""
    try:
        with open(path, 'rb') as f:
            content = f.read(2 * 1024 * 1024)
    except OSError as e:
        return {'path': path, 'format': None, 'certs': [], 'error': e.strerror}, None
    blocks = PEM_CERT.findall(content)
    entry = {'path': path, 'format': 'PEM' if blocks else 'DER', 'certs': []}
    try:
        if blocks:
            for b in blocks[:20]:
                entry['certs'].append(decode_pem_cert(b, timeout))
        elif b'-----BEGIN' in content:
            return None, 'PEM file without a certificate (a key or request)'
        elif content[:1] == b'\x30':
            entry['certs'].append(decode_pem_cert(ssl.DER_cert_to_PEM_cert(content).encode('ascii'), timeout))
        else:
            return None, 'neither PEM nor DER'
    except Exception as e:
        entry['error'] = 'cannot decode the certificate: %s' % (str(e) or type(e).__name__)
    for c in entry['certs']:
        raw.append('%s: %s notAfter=%s' % (path, c['subject'], iso(c['notAfter'])))
    if entry.get('error'):
        raw.append('%s: %s' % (path, entry['error']))
    return entry, None


# ---------------------------------------------------------------------------------------------
# Sections in parallel

def collect(fn, params, timeout, limit=None, raw_limit=RAW_LIMIT):
    """One section under its own time limit: {ok, data, command, raw, durationMs} or {ok: false, error}.
    fn gets `timeout`; the thread is given up on after `limit` seconds (default: timeout), for a
    section that spends time of its own on top (a sampling window)."""
    limit = timeout if limit is None else limit
    started = time.time()
    box = {}

    def target():
        try:
            data, command, raw = fn(params, timeout)
            box['result'] = {'ok': True, 'data': data, 'command': command, 'raw': cap(raw, raw_limit)}
        except SectionError as e:
            box['result'] = {'ok': False, 'error': str(e)}
        except Exception as e:  # a bug or an odd host must not lose the other sections
            box['result'] = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}

    t = threading.Thread(target=target)
    t.daemon = True
    t.start()
    t.join(limit)
    res = box.get('result') or {'ok': False, 'error': 'timed out after %ss' % limit}
    res['durationMs'] = int((time.time() - started) * 1000)
    return res


def run_sections(module, sections):
    """The module's body: measures the wanted sections in parallel threads and exits with them."""
    wanted = module.params['sections'] or sorted(sections)
    unknown = [s for s in wanted if s not in sections]
    if unknown:
        module.fail_json(msg='unknown sections: %s (known: %s)' % (', '.join(unknown), ', '.join(sorted(sections))))
    timeout = module.params['section_timeout']
    params = module.params['params'] or {}
    results = {}
    # Sections run in parallel threads: the slowest, not the sum, bounds the task.
    threads = []
    for name in wanted:
        def work(n=name):
            p = params.get(n) or {}
            results[n] = collect(sections[n], p if isinstance(p, dict) else {}, timeout)
        t = threading.Thread(target=work)
        t.daemon = True
        t.start()
        threads.append(t)
    deadline = time.time() + timeout + 2
    for t in threads:
        t.join(max(0, deadline - time.time()))
    for name in wanted:
        results.setdefault(name, {'ok': False, 'error': 'timed out after %ss' % timeout, 'durationMs': timeout * 1000})
    module.exit_json(changed=False, patrol={'version': 1, 'sections': dict(results)})


SECTION_ARGS = dict(
    section_timeout=dict(type='int', default=20),
    sections=dict(type='list', elements='str'),
    params=dict(type='dict', default={}),
)
