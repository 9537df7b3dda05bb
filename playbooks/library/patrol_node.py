#!/usr/bin/python3
# -*- coding: utf-8 -*-
# Patrol cluster-node collection module: measures, never judges (thresholds live in Patrol's catalog).
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: patrol_node
short_description: Collect raw Kubernetes-node measurements for Patrol inspections
description:
  - Returns C(patrol.sections), one entry per section with ok, data, error, command, raw, durationMs.
  - Sections - certs (kubeadm PKI and kubeconfig client certificates), etcd_backup (newest snapshot
    and whether it is readable), services (systemd state of the kubelet, the container runtimes and
    required services), images (container images no container uses), registry (HTTP ping of the
    registry's /v2/ and Harbor's health), loki (retention settings and data directory size).
  - Sections run in parallel threads, each under section_timeout. Python 3 standard library only
    (PyYAML is used for Loki's config when the node has it).
options:
  section_timeout:
    description: Seconds each section may take.
    type: int
    default: 20
  sections:
    description: Sections to collect (default all).
    type: list
    elements: str
  params:
    description: Per-section parameters, e.g. {certs: {pki_dir: /etc/kubernetes/pki}, etcd_backup: {dir: /var/backups/etcd}}.
    type: dict
    default: {}
'''

import base64
import fnmatch
import glob
import hashlib
import json
import os
import re
import ssl
import struct
import tempfile
import time

from urllib.request import Request, build_opener, HTTPSHandler, HTTPHandler
from urllib.error import HTTPError, URLError

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.patrol_sections import (SECTION_ARGS, SectionError, cert_file, iso, main_exit, num, parse_show, read, run,
                                                  run_sections, str_list, which)

SECTIONS = {}


def section(name):
    def register(fn):
        SECTIONS[name] = fn
        return fn
    return register


# ---------------------------------------------------------------------------------------------
# kubeadm certificates: every certificate under the PKI directory (etcd/ included) and the
# client certificates embedded in (or referenced by) the kubeconfigs kubeadm writes.

KUBECONFIGS = ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf']
KUBECONFIG_KEYS = re.compile(r'^\s*(client-certificate-data|client-certificate|certificate-authority-data)\s*:\s*["\']?([^"\'\s#]+)', re.M)


def kubeconfig_entry(path, timeout, raw):
    text = read(path)
    if text is None:
        return {'path': path, 'kind': 'kubeconfig', 'format': None, 'certs': [], 'sources': [], 'error': 'cannot read the file'}
    entry = {'path': path, 'kind': 'kubeconfig', 'format': 'kubeconfig', 'certs': [], 'sources': []}
    errors = []
    for key, value in KUBECONFIG_KEYS.findall(text):
        try:
            if key.endswith('-data'):
                certs, why = cert_bytes(base64.b64decode(value), timeout)
                if certs is None:
                    errors.append('%s: %s' % (key, why))
                    continue
                for c in certs:
                    c['source'] = key
                entry['certs'] += certs
                entry['sources'].append('%s (embedded %s)' % (path, key))
            else:
                ref = value if os.path.isabs(value) else os.path.join(os.path.dirname(path), value)
                f, why = cert_file(ref, timeout, [])
                if f is None or f.get('error'):
                    errors.append('%s %s: %s' % (key, ref, why or f.get('error')))
                    continue
                for c in f['certs']:
                    c['source'] = '%s %s' % (key, ref)
                entry['certs'] += f['certs']
                entry['sources'].append(ref)
        except (ValueError, TypeError) as e:
            errors.append('%s: %s' % (key, e))
    if errors:
        entry['error'] = '; '.join(errors)
    for c in entry['certs']:
        raw.append('%s [%s]: %s notAfter=%s' % (path, c['source'], c['subject'], iso(c['notAfter'])))
    return entry


def cert_bytes(content, timeout):
    """Certificates in decoded bytes (a PEM bundle): (certs, None) or (None, why)."""
    fd, tmp = tempfile.mkstemp(prefix='patrol-kubeconfig-', suffix='.pem')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(content)
        entry, why = cert_file(tmp, timeout, [])
        if entry is None:
            return None, why
        if entry.get('error'):
            return None, entry['error']
        return entry['certs'], None
    finally:
        os.unlink(tmp)


@section('certs')
def certs(params, timeout):
    pki = params.get('pki_dir') or '/etc/kubernetes/pki'
    conf_dir = params.get('kubeconfig_dir') or '/etc/kubernetes'
    names = str_list(params, 'kubeconfigs', KUBECONFIGS)
    t = min(timeout, 5)
    files, skipped, raw = [], [], []
    for path in sorted(glob.glob(os.path.join(pki, '**', '*.crt'), recursive=True)):
        entry, why = cert_file(path, t, raw)
        if entry is None:
            skipped.append({'path': path, 'reason': why})
        else:
            entry['kind'] = 'pki'
            files.append(entry)
    kubeconfigs = []
    for name in names:
        path = name if os.path.isabs(name) else os.path.join(conf_dir, name)
        if os.path.isfile(path):
            kubeconfigs.append(path)
            files.append(kubeconfig_entry(path, t, raw))
    data = {'pkiDir': pki, 'pkiDirExists': os.path.isdir(pki), 'kubeconfigDir': conf_dir, 'kubeconfigs': kubeconfigs, 'files': files, 'skipped': skipped[:50]}
    command = 'kubeadm certs check-expiration; for f in %s/**/*.crt; do openssl x509 -noout -subject -enddate -in "$f"; done' % pki
    return data, command, '\n'.join(raw) or 'no certificates under %s and no kubeconfigs in %s' % (pki, conf_dir)


# ---------------------------------------------------------------------------------------------
# etcd backups: the newest snapshot in the backup directory, and whether it is a readable
# snapshot (etcdutl / etcdctl snapshot status, else the bbolt header and etcd's trailing hash).

BOLT_MAGIC = 0xED0CDAED
ETCD_MANIFEST = '/etc/kubernetes/manifests/etcd.yaml'


def etcd_presence():
    """Why this node runs etcd (a static pod manifest, a data directory, a process), or None."""
    if os.path.isfile(ETCD_MANIFEST):
        return 'static pod manifest %s' % ETCD_MANIFEST
    if os.path.isdir('/var/lib/etcd/member'):
        return 'data directory /var/lib/etcd/member'
    for pid in os.listdir('/proc'):
        if pid.isdigit() and (read('/proc/%s/comm' % pid) or '').strip() == 'etcd':
            return 'etcd process %s' % pid
    return None


def fnv64a(data):
    h = 0xcbf29ce484222325
    for b in bytearray(data):
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def bolt_meta(buf):
    """One bbolt meta page (page header + meta): a dict, or None when it is not a valid meta page."""
    if len(buf) < 80:
        return None
    flags = struct.unpack_from('<H', buf, 8)[0]
    magic, version, page, _mflags, _root, _seq, _freelist, pgid, txid, checksum = struct.unpack_from('<IIIIQQQQQQ', buf, 16)
    if magic != BOLT_MAGIC or version != 2 or not flags & 0x04 or fnv64a(buf[16:72]) != checksum:
        return None
    return {'pageSize': page, 'pgid': pgid, 'txid': txid}


def bolt_header(path, size, hash_limit):
    """Validates a bbolt file's two meta pages (magic, version, FNV-64a checksum), that the file holds
    every page the newest meta counts (a copy cut short at a page boundary is caught), and, when
    present, etcd's trailing sha256 of the snapshot."""
    with open(path, 'rb') as f:
        head = f.read(80)
        if len(head) < 80:
            return {'ok': False, 'error': 'too small for a bbolt database (%d bytes)' % size}
        flags = struct.unpack_from('<H', head, 8)[0]
        magic, version, page = struct.unpack_from('<III', head, 16)
        if magic != BOLT_MAGIC:
            return {'ok': False, 'error': 'not a bbolt database: magic 0x%08x, expected 0x%08x' % (magic, BOLT_MAGIC)}
        if version != 2 or not flags & 0x04 or page < 512 or page > 65536 or page & (page - 1):
            return {'ok': False, 'error': 'bbolt meta page is invalid (version %d, flags 0x%x, page size %d)' % (version, flags, page)}
        if size < 2 * page:
            return {'ok': False, 'error': 'truncated: %d bytes is less than two pages of %d' % (size, page)}
        f.seek(page)
        metas = [m for m in (bolt_meta(head), bolt_meta(f.read(80))) if m]
        if not metas:
            return {'ok': False, 'error': 'both bbolt meta pages fail their checksum (corrupt)'}
        meta = max(metas, key=lambda m: m['txid'])
        rest = size % page
        db_size = size - 32 if rest == 32 else size
        if rest not in (0, 32):
            return {'ok': False, 'error': 'truncated: size %d is not a whole number of %d-byte pages' % (size, page)}
        if meta['pgid'] * page > db_size:
            return {'ok': False, 'error': 'truncated: the database has %d pages of %d bytes but the file holds %d' % (meta['pgid'], page, db_size // page)}
        out = {'ok': True, 'pageSize': page}
        if rest == 32:
            # etcd appends the sha256 of the database to a snapshot (etcdctl snapshot save).
            if size > hash_limit:
                out['hash'] = 'not verified (file larger than %d bytes)' % hash_limit
                return out
            f.seek(0)
            h = hashlib.sha256()
            remaining = db_size
            while remaining > 0:
                chunk = f.read(min(1 << 20, remaining))
                if not chunk:
                    break
                h.update(chunk)
                remaining -= len(chunk)
            trailer = f.read(32)
            if h.digest() != trailer:
                return {'ok': False, 'error': 'the snapshot\'s sha256 does not match its content (corrupt or truncated)'}
            out['hash'] = 'sha256 matches'
        else:
            out['hash'] = 'no trailing hash (a copied database file, not etcdctl snapshot save)'
        return out


def snapshot_tool(choice):
    """(method, argv prefix) for `snapshot status`, following the configured choice."""
    if choice in ('auto', 'etcdutl'):
        p = which('etcdutl')
        if p:
            return 'etcdutl', [p]
        if choice == 'etcdutl':
            raise SectionError('verify is etcdutl but etcdutl is not installed on this node')
    if choice in ('auto', 'etcdctl'):
        p = which('etcdctl')
        if p:
            return 'etcdctl', [p]
        if choice == 'etcdctl':
            raise SectionError('verify is etcdctl but etcdctl is not installed on this node')
    return 'header', None


def verify_snapshot(path, size, method, tool, timeout, hash_limit):
    if method == 'header':
        r = bolt_header(path, size, hash_limit)
        r['method'] = 'header'
        r['command'] = 'od -A d -t x4 -j 16 -N 12 %s  # bbolt magic ed0cdaed, version 2, page size' % path
        return r
    env = dict(os.environ, ETCDCTL_API='3')
    argv = tool + ['snapshot', 'status', path, '-w', 'json']
    rc, out, err = run(argv, timeout, env=env)
    r = {'method': method, 'command': 'ETCDCTL_API=3 %s snapshot status %s -w json' % (os.path.basename(tool[0]), path)}
    if rc != 0:
        msg = [l for l in (err or out).strip().splitlines() if l.startswith('Error')] or (err or out).strip().splitlines()[-1:] or ['exit %d' % rc]
        r.update({'ok': False, 'error': msg[0][:300]})
        return r
    try:
        st = json.loads(out.strip().splitlines()[-1])
        r.update({'ok': True, 'revision': st.get('revision'), 'totalKey': st.get('totalKey'), 'totalSize': st.get('totalSize'), 'hash': st.get('hash')})
    except (ValueError, IndexError) as e:
        r.update({'ok': False, 'error': 'unexpected output of snapshot status: %s' % e})
    return r


@section('etcd_backup')
def etcd_backup(params, timeout):
    d = params.get('dir') or '/var/backups/etcd'
    patterns = str_list(params, 'patterns', ['*'])
    method, tool = snapshot_tool(params.get('verify') or 'auto')
    hash_limit = int(num(params, 'hash_limit_bytes', 4 << 30, 0))
    etcd = etcd_presence()
    data = {'dir': d, 'dirExists': os.path.isdir(d), 'etcd': etcd, 'method': method, 'files': 0, 'totalBytes': 0, 'newest': None, 'checked': []}
    if not data['dirExists']:
        return data, 'ls -l %s' % d, '%s does not exist; etcd on this node: %s' % (d, etcd or 'none found')
    entries = []
    for root, _dirs, names in os.walk(d):
        for n in names:
            if not any(fnmatch.fnmatch(n, p) for p in patterns) or n.endswith('.part'):
                continue
            p = os.path.join(root, n)
            try:
                st = os.stat(p)
            except OSError:
                continue
            entries.append({'path': p, 'mtime': int(st.st_mtime * 1000), 'size': st.st_size})
    entries.sort(key=lambda e: e['mtime'], reverse=True)
    data['files'] = len(entries)
    data['totalBytes'] = sum(e['size'] for e in entries)
    raw = ['%s %d bytes modified %s' % (e['path'], e['size'], iso(e['mtime'])) for e in entries[:5]]
    # The newest first; when it is unreadable, up to two older ones tell how old the newest good one is.
    deadline = time.time() + timeout * 0.8
    for e in entries[:3]:
        if time.time() > deadline:
            break
        v = verify_snapshot(e['path'], e['size'], method, tool, max(1, min(timeout, deadline - time.time())), hash_limit)
        checked = dict(e, verify=v)
        data['checked'].append(checked)
        raw.append('%s: %s %s' % (e['path'], v['method'], 'ok' if v.get('ok') else 'FAILED: %s' % v.get('error')))
        if v.get('ok'):
            break
    data['newest'] = data['checked'][0] if data['checked'] else None
    command = data['newest']['verify']['command'] if data['newest'] else 'ls -lt %s' % d
    return data, 'ls -lt %s; %s' % (d, command), '\n'.join(raw) or 'no snapshot files in %s' % d


# ---------------------------------------------------------------------------------------------
# systemd state of the kubelet, the container runtimes and the required services

SHOW_PROPS = 'Id,LoadState,ActiveState,SubState,Result,UnitFileState,NRestarts,ExecMainCode,ExecMainStatus,Description'


@section('services')
def services(params, timeout):
    if not os.path.isdir('/run/systemd/system'):
        raise SectionError('systemd is not running on this node (PID 1 is %s)' % (read('/proc/1/comm') or '?').strip())
    if not which('systemctl'):
        raise SectionError('systemctl is not installed')
    names = []
    for n in str_list(params, 'units', ['kubelet', 'containerd', 'crio', 'docker']):
        u = n if '.' in n else n + '.service'
        if u not in names:
            names.append(u)
    rc, out, err = run(['systemctl', 'show', '--no-pager', '-p', SHOW_PROPS] + names, min(timeout, 10))
    if rc != 0 and not out:
        raise SectionError('systemctl show: %s' % (err.strip() or 'exit %d' % rc))
    units = []
    for u in parse_show(out):
        units.append({
            'unit': u.get('Id', '?'), 'load': u.get('LoadState'), 'active': u.get('ActiveState'), 'sub': u.get('SubState'),
            'result': u.get('Result'), 'unitFileState': u.get('UnitFileState') or None,
            'restarts': int(u['NRestarts']) if (u.get('NRestarts') or '').isdigit() else 0,
            'exitStatus': main_exit(u)[0], 'signal': main_exit(u)[1],
            'description': u.get('Description', ''),
        })
    raw = '\n'.join('%(unit)s load=%(load)s active=%(active)s/%(sub)s result=%(result)s enabled=%(unitFileState)s restarts=%(restarts)d' % u for u in units)
    return {'units': units}, 'systemctl show -p %s %s' % (SHOW_PROPS, ' '.join(names)), raw


# ---------------------------------------------------------------------------------------------
# Container images that no container uses (crictl, ctr or docker, whichever answers)

def human_size(text):
    m = re.match(r'^\s*([\d.]+)\s*([kKMGT]?i?B)\s*$', text or '')
    if not m:
        return None
    mult = {'B': 1, 'kB': 1000, 'KB': 1000, 'KiB': 1024, 'MB': 1000 ** 2, 'MiB': 1024 ** 2, 'GB': 1000 ** 3, 'GiB': 1024 ** 3, 'TB': 1000 ** 4, 'TiB': 1024 ** 4}
    return int(float(m.group(1)) * mult.get(m.group(2), 1))


def images_crictl(tool, endpoint, timeout):
    base = [tool] + (['--runtime-endpoint', endpoint, '--image-endpoint', endpoint] if endpoint else [])
    rc, out, err = run(base + ['images', '-o', 'json'], timeout)
    if rc != 0:
        raise SectionError('crictl images: %s' % (err.strip() or 'exit %d' % rc)[:300])
    rc2, out2, err2 = run(base + ['ps', '-a', '-o', 'json'], timeout)
    if rc2 != 0:
        raise SectionError('crictl ps -a: %s' % (err2.strip() or 'exit %d' % rc2)[:300])
    used = set()
    for c in json.loads(out2 or '{}').get('containers') or []:
        used.add(c.get('imageRef') or '')
        used.add((c.get('image') or {}).get('image') or '')
    images = []
    for i in json.loads(out or '{}').get('images') or []:
        refs = (i.get('repoTags') or []) + (i.get('repoDigests') or [])
        images.append({'ref': refs[0] if refs else i.get('id', '?'), 'id': i.get('id', ''), 'size': int(i.get('size') or 0),
                       'used': i.get('id') in used or any(r in used for r in refs), 'pinned': bool(i.get('pinned'))})
    return images, '%s images -o json; %s ps -a -o json' % (' '.join(base), ' '.join(base))


def images_ctr(tool, endpoint, timeout):
    address = endpoint or '/run/containerd/containerd.sock'
    if not os.path.exists(address):
        raise SectionError('ctr: no containerd socket at %s' % address)
    base = [tool, '--address', address, '--connect-timeout', '5s']
    rc, out, err = run(base + ['namespaces', 'list', '-q'], timeout)
    if rc != 0:
        raise SectionError('ctr namespaces list: %s' % (err.strip() or 'exit %d' % rc)[:300])
    images = []
    for ns in [n for n in out.split() if n]:
        rc, cout, err = run(base + ['-n', ns, 'containers', 'list'], timeout)
        if rc != 0:
            raise SectionError('ctr -n %s containers list: %s' % (ns, (err.strip() or 'exit %d' % rc)[:300]))
        used = set(l.split()[1] for l in cout.splitlines()[1:] if len(l.split()) >= 2)
        rc, iout, err = run(base + ['-n', ns, 'images', 'list'], timeout)
        if rc != 0:
            raise SectionError('ctr -n %s images list: %s' % (ns, (err.strip() or 'exit %d' % rc)[:300]))
        # REF TYPE DIGEST SIZE PLATFORMS LABELS; SIZE is two words ("5.0 MiB"). One image may have
        # several refs (a tag and the CRI's sha256:ID alias): grouped by manifest digest.
        by_digest = {}
        for line in iout.splitlines()[1:]:
            f = line.split()
            if len(f) < 5:
                continue
            img = by_digest.setdefault(f[2], {'ref': f[0], 'id': f[2], 'size': human_size(f[3] + ' ' + f[4]) or 0, 'used': False, 'namespace': ns})
            if img['ref'].startswith('sha256:') and not f[0].startswith('sha256:'):
                img['ref'] = f[0]
            img['used'] = img['used'] or f[0] in used
        images += list(by_digest.values())
    return images, '%s namespaces list; %s -n NS images list; %s -n NS containers list' % (' '.join(base), ' '.join(base), ' '.join(base))


def images_docker(tool, endpoint, timeout):
    env = dict(os.environ, DOCKER_HOST=endpoint if '://' in endpoint else 'unix://' + endpoint) if endpoint else None
    rc, out, err = run([tool, 'image', 'ls', '--no-trunc', '--format', '{{json .}}'], timeout, env=env)
    if rc != 0:
        raise SectionError('docker image ls: %s' % (err.strip() or 'exit %d' % rc)[:300])
    rc2, out2, err2 = run([tool, 'ps', '-a', '--no-trunc', '--format', '{{.Image}}'], timeout, env=env)
    if rc2 != 0:
        raise SectionError('docker ps -a: %s' % (err2.strip() or 'exit %d' % rc2)[:300])
    used = set(l.strip() for l in out2.splitlines() if l.strip())
    images = []
    for line in out.splitlines():
        try:
            i = json.loads(line)
        except ValueError:
            continue
        ref = '%s:%s' % (i.get('Repository'), i.get('Tag'))
        images.append({'ref': ref if i.get('Repository') != '<none>' else i.get('ID', '?'), 'id': i.get('ID', ''),
                       'size': human_size(i.get('Size')) or 0, 'used': ref in used or i.get('ID') in used or i.get('Repository') in used})
    return images, 'docker image ls; docker ps -a --format {{.Image}}  (docker system df shows the reclaimable total)'


IMAGE_TOOLS = [('crictl', images_crictl), ('ctr', images_ctr), ('docker', images_docker)]


@section('images')
def images(params, timeout):
    choice = params.get('cli') or 'auto'
    endpoint = params.get('endpoint') or ''
    attempts = []
    for name, fn in IMAGE_TOOLS:
        if choice not in ('auto', name):
            continue
        tool = which(name)
        if not tool:
            attempts.append('%s: not installed' % name)
            continue
        try:
            imgs, command = fn(tool, endpoint, min(timeout, 15))
        except SectionError as e:
            attempts.append(str(e))
            continue
        unused = [i for i in imgs if not i['used'] and not i.get('pinned')]
        data = {'tool': name, 'endpoint': endpoint or None, 'images': len(imgs), 'totalBytes': sum(i['size'] for i in imgs),
                'unused': sorted(unused, key=lambda i: -i['size'])[:50], 'unusedCount': len(unused), 'unusedBytes': sum(i['size'] for i in unused),
                'attempts': attempts}
        raw = '\n'.join('%s %s %d bytes%s' % ('unused' if not i['used'] else 'in use', i['ref'], i['size'], ' (%s)' % i['namespace'] if i.get('namespace') else '') for i in imgs[:40])
        return data, command, raw or 'no images'
    raise SectionError('no container runtime answered (%s)' % '; '.join(attempts or ['cli %s is not one of crictl, ctr, docker' % choice]))


# ---------------------------------------------------------------------------------------------
# Image registry health, from the node: GET /v2/ (200, or 401 asking for a token) and Harbor's
# /api/v2.0/health when the registry is a Harbor.

def http_get(url, timeout, ca_cert, insecure):
    ctx = None
    if url.startswith('https:'):
        ctx = ssl.create_default_context(cafile=ca_cert) if ca_cert else ssl.create_default_context()
        if insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
    opener = build_opener(HTTPSHandler(context=ctx), HTTPHandler()) if ctx else build_opener(HTTPHandler())
    started = time.time()
    req = Request(url, headers={'User-Agent': 'patrol-node-inspection', 'Accept': 'application/json'})
    try:
        resp = opener.open(req, timeout=timeout)
        status, headers, body = resp.getcode(), resp.headers, resp.read(65536)
    except HTTPError as e:
        status, headers, body = e.code, e.headers, e.read(65536) if hasattr(e, 'read') else b''
    except (URLError, OSError, ssl.SSLError) as e:
        reason = getattr(e, 'reason', e)
        return {'status': None, 'latencyMs': int((time.time() - started) * 1000), 'error': str(reason)[:300]}
    return {'status': status, 'latencyMs': int((time.time() - started) * 1000), 'headers': dict((k.lower(), v) for k, v in headers.items()) if headers else {},
            'body': body.decode('utf-8', 'replace')}


@section('registry')
def registry(params, timeout):
    url = (params.get('url') or '').rstrip('/')
    if not url:
        raise SectionError('no registry url given')
    t = min(timeout, num(params, 'timeout', 10, 1, 60))
    ca, insecure = params.get('ca_cert') or None, bool(params.get('insecure'))
    v2 = http_get(url + '/v2/', t, ca, insecure)
    data = {'url': url, 'v2': {'status': v2['status'], 'latencyMs': v2['latencyMs'], 'error': v2.get('error'),
                                'apiVersion': (v2.get('headers') or {}).get('docker-distribution-api-version')}, 'harbor': None}
    raw = ['GET %s/v2/ -> %s in %d ms%s' % (url, v2['status'] if v2['status'] is not None else 'no response', v2['latencyMs'], ': %s' % v2['error'] if v2.get('error') else '')]
    if params.get('harbor'):
        h = http_get(url + '/api/v2.0/health', t, ca, insecure)
        harbor = {'status': h['status'], 'latencyMs': h['latencyMs'], 'error': h.get('error'), 'overall': None, 'components': []}
        if h['status'] is not None:
            try:
                doc = json.loads(h.get('body') or '{}')
                harbor['overall'] = doc.get('status')
                harbor['components'] = [{'name': c.get('name', '?'), 'status': c.get('status', '?'), 'error': c.get('error')} for c in doc.get('components') or []]
            except ValueError:
                harbor['error'] = harbor['error'] or 'the health endpoint did not return JSON: %s' % (h.get('body') or '')[:120]
        data['harbor'] = harbor
        raw.append('GET %s/api/v2.0/health -> %s in %d ms: %s' % (url, h['status'], h['latencyMs'], (h.get('body') or h.get('error') or '')[:600]))
    command = 'curl -sS -o /dev/null -w "%%{http_code} %%{time_total}s" %s/v2/%s' % (url, ' && curl -sS %s/api/v2.0/health' % url if params.get('harbor') else '')
    return data, command, '\n'.join(raw)


# ---------------------------------------------------------------------------------------------
# Loki: retention settings from its config file, and the size of its data directory

def parse_yaml(text):
    """Loki's config: PyYAML when the node has it, else a small parser for block-style maps."""
    try:
        import yaml
        return yaml.safe_load(text) or {}, 'pyyaml'
    except ImportError:
        pass
    root, stack = {}, [(-1, None)]
    stack[0] = (-1, root)
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith('#') or line.strip() in ('---', '...'):
            continue
        indent = len(line) - len(line.lstrip(' '))
        m = re.match(r'^\s*(-\s+)?([A-Za-z0-9_.\-"\']+)\s*:\s*(.*?)\s*$', line)
        if not m or m.group(1):
            continue  # lists (e.g. schema_config.configs) are not needed for retention
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else root
        if not isinstance(parent, dict):
            continue
        key, value = m.group(2).strip('"\''), re.sub(r'\s+#.*$', '', m.group(3)).strip().strip('"\'')
        if value == '':
            parent[key] = {}
            stack.append((indent, parent[key]))
        else:
            parent[key] = {'true': True, 'false': False}.get(value.lower(), value)
    return root, 'builtin'


def dir_bytes(path, timeout):
    rc, out, err = run(['du', '-s', '-B1', path], timeout)
    if rc == 0 and out.split():
        return int(out.split()[0]), 'du -s -B1 %s' % path
    raise SectionError('du %s: %s' % (path, (err.strip() or 'exit %d' % rc)[:200]))


@section('loki')
def loki(params, timeout):
    path = params.get('config_file') or '/etc/loki/config.yaml'
    data_dir = params.get('data_dir') or '/var/lib/loki'
    text = read(path)
    data = {'configFile': path, 'configExists': text is not None, 'parser': None, 'parseError': None, 'retention': None,
            'dataDir': data_dir, 'dataDirExists': os.path.isdir(data_dir), 'dataBytes': None}
    raw = []
    if text is not None:
        try:
            cfg, data['parser'] = parse_yaml(text)
            if not isinstance(cfg, dict):
                raise ValueError('the top level is not a map')
            comp = cfg.get('compactor') if isinstance(cfg.get('compactor'), dict) else {}
            limits = cfg.get('limits_config') if isinstance(cfg.get('limits_config'), dict) else {}
            tm = cfg.get('table_manager') if isinstance(cfg.get('table_manager'), dict) else {}
            streams = limits.get('retention_stream')
            data['retention'] = {
                'compactorRetentionEnabled': comp.get('retention_enabled'),
                'deleteRequestStore': comp.get('delete_request_store'),
                'retentionPeriod': None if limits.get('retention_period') is None else str(limits.get('retention_period')),
                'retentionStreams': len(streams) if isinstance(streams, list) else 0,
                'tableManagerDeletes': tm.get('retention_deletes_enabled'),
                'tableManagerPeriod': None if tm.get('retention_period') is None else str(tm.get('retention_period')),
            }
            raw.append('%s (%s): compactor.retention_enabled=%s compactor.delete_request_store=%s limits_config.retention_period=%s retention_stream=%d table_manager.retention_deletes_enabled=%s table_manager.retention_period=%s' % (
                path, data['parser'], *[data['retention'][k] for k in ('compactorRetentionEnabled', 'deleteRequestStore', 'retentionPeriod', 'retentionStreams', 'tableManagerDeletes', 'tableManagerPeriod')]))
        except Exception as e:
            data['parseError'] = '%s: %s' % (type(e).__name__, str(e)[:300])
            raw.append('%s: cannot parse: %s' % (path, data['parseError']))
    else:
        raw.append('%s: not found' % path)
    command = "grep -nE 'retention|delete_request_store' %s" % path
    if data['dataDirExists']:
        data['dataBytes'], du = dir_bytes(data_dir, min(timeout, 15))
        raw.append('%s: %d bytes' % (data_dir, data['dataBytes']))
        command += '; %s' % du
    else:
        raw.append('%s: not found' % data_dir)
    return data, command, '\n'.join(raw)


def main():
    run_sections(AnsibleModule(argument_spec=SECTION_ARGS, supports_check_mode=True), SECTIONS)


if __name__ == '__main__':
    main()
