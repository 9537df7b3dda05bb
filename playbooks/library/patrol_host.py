#!/usr/bin/python3
# -*- coding: utf-8 -*-
# Patrol host collection module: measures, never judges (thresholds live in Patrol's catalog).
# Each section runs under its own time limit; risky filesystem calls run in killable child
# processes so a hung NFS mount cannot hang the task.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: patrol_host
short_description: Collect raw host measurements for Patrol inspections
description:
  - Returns C(patrol.sections), one entry per section with ok, data, error, command, raw, durationMs.
  - Sections run in parallel threads; sampled sections (cpu, io, network, processes) measure over a
    short window (params.SECTION.sample_seconds, default 1 s), so the task takes about the slowest section.
  - Python 3 standard library only.
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
    description: Per-section parameters, e.g. {disks: {mount_timeout: 5}, time: {servers: [ntp1]}, certs: {paths: ['/etc/ssl/x/*.crt']}}.
    type: dict
    default: {}
'''

import errno
import fnmatch
import glob
import hashlib
import json
import os
import re
import socket
import struct
import subprocess
import threading
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.patrol_sections import (SECTION_ARGS, SectionError, cert_file, main_exit, num, parse_show, read,
                                                  run, run_sections, str_list, which)

SECTIONS = {}

# Filesystems that hold no data of their own (as node_exporter excludes them).
PSEUDO_FS = set('''autofs binfmt_misc bpf cgroup cgroup2 configfs debugfs devpts devtmpfs fusectl hugetlbfs
iso9660 mqueue nsfs overlay proc procfs pstore rpc_pipefs securityfs selinuxfs squashfs sysfs tracefs
fuse.lxcfs fuse.gvfsd-fuse ramfs efivarfs'''.split())
PSEUDO_PREFIXES = ('/proc', '/sys', '/dev/', '/run/credentials', '/var/lib/docker/', '/var/lib/containers/', '/var/lib/kubelet/pods/', '/run/containerd/', '/run/netns', '/snap/')


def section(name):
    def register(fn):
        SECTIONS[name] = fn
        return fn
    return register


def read_int(path, default=None):
    v = read(path)
    try:
        return int(v.strip()) if v is not None else default
    except ValueError:
        return default


def unescape_mount(path):
    # /proc/mounts escapes spaces and tabs as octal.
    return path.replace('\\040', ' ').replace('\\011', '\t').replace('\\012', '\n').replace('\\134', '\\')


def sample_window(params, default=1.0):
    return num(params, 'sample_seconds', default, 0.1, 30)


# ---------------------------------------------------------------------------------------------
# Processes: one scan of /proc shared by the sections that need it (cached per module run).

_proc_lock = threading.Lock()
_proc_cache = {}


def parse_stat(text):
    """/proc/PID/stat -> (comm, state, ppid, starttime); comm may hold spaces and parentheses."""
    lp, rp = text.index('('), text.rindex(')')
    comm = text[lp + 1:rp]
    rest = text[rp + 2:].split()
    return comm, rest[0], int(rest[1]), int(rest[19])


def scan_processes():
    """{pid: {comm, state, ppid, start}} of every process visible here."""
    out = {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        text = read('/proc/%s/stat' % name)
        if not text:
            continue
        try:
            comm, state, ppid, start = parse_stat(text)
        except (ValueError, IndexError):
            continue
        out[int(name)] = {'comm': comm, 'state': state, 'ppid': ppid, 'start': start}
    return out


def processes():
    with _proc_lock:
        if 'procs' not in _proc_cache:
            _proc_cache['procs'] = scan_processes()
        return _proc_cache['procs']


def cmdline(pid):
    raw = read('/proc/%d/cmdline' % pid, '') or ''
    return [a for a in raw.split('\0') if a != '']


def running(names):
    """Names (comm) of processes running among `names`, with one pid each."""
    found = {}
    for pid, p in processes().items():
        if p['comm'] in names and p['state'] != 'Z' and p['comm'] not in found:
            found[p['comm']] = pid
    return found


# ---------------------------------------------------------------------------------------------
# CPU and load

def cpu_times():
    with open('/proc/stat') as f:
        for line in f:
            if line.startswith('cpu '):
                return [int(x) for x in line.split()[1:]]
    raise SectionError('/proc/stat has no cpu line')


def online_cpus():
    text = (read('/sys/devices/system/cpu/online') or '').strip()
    if text:
        return len(parse_cpulist(text))
    return os.cpu_count() or 1


def parse_cpulist(text):
    cpus = []
    for part in text.strip().split(','):
        if not part:
            continue
        if '-' in part:
            a, b = part.split('-', 1)
            cpus.extend(range(int(a), int(b) + 1))
        else:
            cpus.append(int(part))
    return cpus


@section('cpu')
def cpu(params, timeout):
    window = sample_window(params)
    a = cpu_times()
    t0 = time.time()
    time.sleep(window)
    b = cpu_times()
    elapsed = time.time() - t0
    d = [y - x for x, y in zip(a, b)]
    # user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user).
    d += [0] * (8 - len(d))
    total = sum(d[:8])
    idle = d[3] + d[4]
    pct = (lambda v: round(100.0 * v / total, 2) if total > 0 else 0.0)
    load = (read('/proc/loadavg') or '0 0 0 0/0 0').split()
    running_, total_tasks = load[3].split('/')
    n = online_cpus()
    data = {
        'cpus': n,
        'sampleSeconds': round(elapsed, 3),
        'usagePercent': pct(total - idle),
        'userPercent': pct(d[0] + d[1]),
        'systemPercent': pct(d[2] + d[5] + d[6]),
        'iowaitPercent': pct(d[4]),
        'stealPercent': pct(d[7]),
        'load1': float(load[0]), 'load5': float(load[1]), 'load15': float(load[2]),
        'runnable': int(running_), 'tasks': int(total_tasks),
    }
    raw = 'cpu jiffies over %.2fs: %s\n/proc/loadavg: %s\nonline cpus: %d' % (elapsed, ' '.join(str(x) for x in d), ' '.join(load), n)
    return data, "grep '^cpu ' /proc/stat (twice, %gs apart); cat /proc/loadavg; nproc" % window, raw


# ---------------------------------------------------------------------------------------------
# Memory and swap

def meminfo():
    out = {}
    for line in (read('/proc/meminfo') or '').splitlines():
        parts = line.split()
        if len(parts) >= 2:
            try:
                out[parts[0].rstrip(':')] = int(parts[1]) * (1024 if len(parts) > 2 and parts[2] == 'kB' else 1)
            except ValueError:
                pass
    return out


def top_rss(limit=5):
    page = os.sysconf('SC_PAGE_SIZE')
    rows = []
    for pid, p in processes().items():
        text = read('/proc/%d/statm' % pid)
        if not text:
            continue
        try:
            rss = int(text.split()[1]) * page
        except (IndexError, ValueError):
            continue
        rows.append((rss, pid, p['comm']))
    rows.sort(reverse=True)
    return [{'comm': c, 'pid': pid, 'rssBytes': rss} for rss, pid, c in rows[:limit]]


@section('memory')
def memory(params, timeout):
    m = meminfo()
    if 'MemTotal' not in m:
        raise SectionError('/proc/meminfo has no MemTotal')
    total = m['MemTotal']
    avail = m.get('MemAvailable', m.get('MemFree', 0) + m.get('Buffers', 0) + m.get('Cached', 0))
    stotal, sfree = m.get('SwapTotal', 0), m.get('SwapFree', 0)
    data = {
        'totalBytes': total, 'availableBytes': avail,
        'usedPercent': round(100.0 * (total - avail) / total, 2) if total else 0.0,
        'swapTotalBytes': stotal, 'swapFreeBytes': sfree,
        'swapUsedPercent': round(100.0 * (stotal - sfree) / stotal, 2) if stotal else 0.0,
        'top': top_rss(),
    }
    keys = ('MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SwapTotal', 'SwapFree', 'Shmem', 'Slab')
    raw = '\n'.join('%s: %d kB' % (k, m[k] // 1024) for k in keys if k in m)
    raw += '\ntop RSS: ' + ', '.join('%s[%d] %d MiB' % (t['comm'], t['pid'], t['rssBytes'] // 1048576) for t in data['top'])
    return data, 'cat /proc/meminfo; ps -eo pid,comm,rss --sort=-rss | head -6', raw


# ---------------------------------------------------------------------------------------------
# Disks, inodes, IO

@section('disks')
def disks(params, timeout):
    per_mount = int(max(1, min(num(params, 'mount_timeout', 5), timeout)))
    exclude_fs = set(str_list(params, 'exclude_fstypes', [])) | PSEUDO_FS
    exclude_mounts = tuple(str_list(params, 'exclude_mounts', []))
    seen = set()
    todo = []
    with open('/proc/self/mounts') as f:
        lines = f.read().splitlines()
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        device, mount, fstype = parts[0], unescape_mount(parts[1]), parts[2]
        if fstype in exclude_fs or mount.startswith(PSEUDO_PREFIXES) or (exclude_mounts and mount.startswith(exclude_mounts)) or mount in seen:
            continue
        if fstype == 'tmpfs' and (mount.startswith('/run') or mount == '/dev/shm'):
            continue
        seen.add(mount)
        todo.append((device, mount, fstype))
    # statvfs in child processes, up to 16 at once: a hung mount blocks its child, which is killed
    # at the limit; the other mounts are not delayed by it.
    children = []
    pending, running_ = list(todo), []
    while pending or running_:
        while pending and len(running_) < 16:
            device, mount, fstype = pending.pop(0)
            try:
                p = subprocess.Popen(['timeout', '--signal=KILL', str(per_mount), 'stat', '-f', '-c', '%b %f %a %S %c %d', '--', mount],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
            except OSError as e:
                children.append((device, mount, fstype, None, str(e)))
                continue
            running_.append((device, mount, fstype, p))
        still = []
        for entry in running_:
            if entry[3].poll() is None:
                still.append(entry)
            else:
                children.append(entry + (None,))
        running_ = still
        if running_:
            time.sleep(0.01)
    order = dict((m, i) for i, (_, m, _) in enumerate(todo))
    children.sort(key=lambda c: order.get(c[1], 0))
    mounts, failed, raw = [], [], []
    for device, mount, fstype, p, err0 in children:
        if p is None:
            failed.append({'mount': mount, 'fstype': fstype, 'error': err0})
            continue
        out, err = p.communicate()
        rc = p.returncode
        raw.append('%s %s %s: %s' % (device, mount, fstype, (out or err).strip()))
        if rc != 0:
            failed.append({'mount': mount, 'fstype': fstype, 'error': 'timed out after %ds (hung mount?)' % per_mount if rc in (137, -9) else (err.strip() or 'stat failed (exit %d)' % rc)})
            continue
        try:
            blocks, bfree, bavail, bsize, files, ffree = [int(x) for x in out.split()]
        except ValueError:
            failed.append({'mount': mount, 'fstype': fstype, 'error': 'unexpected stat output: %r' % out[:200]})
            continue
        size = blocks * bsize
        avail = bavail * bsize
        used = (blocks - bfree) * bsize
        # Like df: used / (used + available to unprivileged users).
        denom = used + avail
        mounts.append({
            'mount': mount, 'device': device, 'fstype': fstype,
            'sizeBytes': size, 'usedBytes': used, 'availBytes': avail,
            'usedPercent': round(100.0 * used / denom, 2) if denom > 0 else 0.0,
            'inodesTotal': files, 'inodesUsed': files - ffree,
            'inodesUsedPercent': round(100.0 * (files - ffree) / files, 2) if files > 0 else 0.0,
        })
    return {'mounts': mounts, 'failed': failed}, "stat -f -c '%b %f %a %S %c %d' MOUNT  (for each mount in /proc/self/mounts)", '\n'.join(raw)


def diskstats():
    out = {}
    for line in (read('/proc/diskstats') or '').splitlines():
        f = line.split()
        if len(f) < 14:
            continue
        try:
            v = [int(x) for x in f[3:]]
        except ValueError:
            continue
        # reads, reads merged, sectors read, ms reading, writes, merged, sectors written, ms writing,
        # in flight, ms doing IO (io_ticks), weighted ms (time_in_queue); 4.18+: discards (4), 5.5+: flushes (2).
        out[f[2]] = v
    return out


@section('io')
def io(params, timeout):
    window = sample_window(params)
    include = str_list(params, 'devices', [])
    exclude = str_list(params, 'exclude', ['ram*', 'loop*', 'zram*', 'sr*', 'fd*', 'nbd*'])
    try:
        whole = set(os.listdir('/sys/block'))
    except OSError:
        whole = None

    def wanted(dev):
        if include:
            return any(fnmatch.fnmatch(dev, g) for g in include)
        if whole is not None and dev not in whole:
            return False  # a partition: its disk is reported
        return not any(fnmatch.fnmatch(dev, g) for g in exclude)

    a = diskstats()
    t0 = time.time()
    time.sleep(window)
    b = diskstats()
    dt = time.time() - t0
    devices, raw = [], []
    for dev in sorted(b):
        if dev not in a or not wanted(dev):
            continue
        x, y = a[dev], b[dev]
        d = [q - p for p, q in zip(x, y)]
        reads, writes = d[0], d[4]
        ios = reads + writes
        busy_ms = d[9]
        data = {
            'device': dev,
            'utilPercent': round(min(100.0, 100.0 * busy_ms / (dt * 1000.0)), 2),
            'avgQueue': round(d[10] / (dt * 1000.0), 3),
            'awaitMs': round((d[3] + d[7]) / float(ios), 2) if ios > 0 else None,
            'readAwaitMs': round(d[3] / float(reads), 2) if reads > 0 else None,
            'writeAwaitMs': round(d[7] / float(writes), 2) if writes > 0 else None,
            'readsPerSec': round(reads / dt, 2), 'writesPerSec': round(writes / dt, 2),
            'readBytesPerSec': round(d[2] * 512 / dt), 'writeBytesPerSec': round(d[6] * 512 / dt),
            'inFlight': y[8], 'ios': ios,
        }
        devices.append(data)
        raw.append('%s: %s -> %s' % (dev, ' '.join(str(v) for v in x[:11]), ' '.join(str(v) for v in y[:11])))
    return {'sampleSeconds': round(dt, 3), 'devices': devices}, 'cat /proc/diskstats (twice, %gs apart); iostat -x %g 2 shows the same' % (window, window), '\n'.join(raw)


# ---------------------------------------------------------------------------------------------
# Network

def net_dev():
    out = {}
    for line in (read('/proc/net/dev') or '').splitlines()[2:]:
        if ':' not in line:
            continue
        name, rest = line.split(':', 1)
        v = rest.split()
        if len(v) < 16:
            continue
        v = [int(x) for x in v]
        out[name.strip()] = {'rxPackets': v[1], 'rxErrors': v[2], 'rxDropped': v[3],
                             'txPackets': v[9], 'txErrors': v[10], 'txDropped': v[11]}
    return out


def hex_addr(text):
    host, port = text.split(':')
    port = int(port, 16)
    b = bytes.fromhex(host)
    if len(b) == 4:
        return socket.inet_ntop(socket.AF_INET, b[::-1]), port
    # IPv6: four little-endian 32-bit words.
    words = [b[i:i + 4][::-1] for i in range(0, 16, 4)]
    return socket.inet_ntop(socket.AF_INET6, b''.join(words)), port


def listening_sockets():
    out = []
    for proto, path, state in (('tcp', '/proc/net/tcp', '0A'), ('tcp6', '/proc/net/tcp6', '0A'), ('udp', '/proc/net/udp', '07'), ('udp6', '/proc/net/udp6', '07')):
        for line in (read(path) or '').splitlines()[1:]:
            f = line.split()
            if len(f) < 10 or f[3] != state:
                continue
            try:
                addr, port = hex_addr(f[1])
                _, rport = hex_addr(f[2])
            except (ValueError, OSError):
                continue
            if proto.startswith('udp') and rport != 0:
                continue  # a connected UDP socket, not a listener
            out.append({'proto': proto[:3], 'family': 6 if proto.endswith('6') else 4, 'address': addr, 'port': port, 'inode': int(f[9])})
    return out


def socket_owners(inodes, max_fds=200000):
    """inode -> process name for the given socket inodes (stops early when all are found)."""
    want = set('socket:[%d]' % i for i in inodes)
    owners = {}
    seen = 0
    for pid, p in processes().items():
        if not want:
            break
        d = '/proc/%d/fd' % pid
        try:
            fds = os.listdir(d)
        except OSError:
            continue
        for fd in fds:
            seen += 1
            try:
                link = os.readlink(d + '/' + fd)
            except OSError:
                continue
            if link in want:
                owners[int(link[8:-1])] = p['comm']
                want.discard(link)
        if seen > max_fds:
            break
    return owners


@section('network')
def network(params, timeout):
    window = sample_window(params)
    a = net_dev()
    t0 = time.time()
    time.sleep(window)
    b = net_dev()
    dt = time.time() - t0
    interfaces, raw = [], []
    for name in sorted(b):
        base = '/sys/class/net/%s/' % name
        flags = read(base + 'flags')
        try:
            flags = int(flags.strip(), 16) if flags else None
        except ValueError:
            flags = None
        cur, prev = b[name], a.get(name, b[name])
        delta = dict((k, cur[k] - prev[k]) for k in cur)
        carrier = read_int(base + 'carrier')
        iface = {
            'name': name,
            'operstate': (read(base + 'operstate') or 'unknown').strip(),
            'adminUp': bool(flags & 0x1) if flags is not None else None,
            'carrier': None if carrier is None else carrier == 1,
            'loopback': name == 'lo' or (flags is not None and bool(flags & 0x8)),
            'virtual': os.path.exists('/sys/devices/virtual/net/%s' % name),
            'kind': 'bridge' if os.path.isdir(base + 'bridge') else 'bond' if os.path.isdir(base + 'bonding') else None,
            'mtu': read_int(base + 'mtu'),
            'speedMbps': read_int(base + 'speed') if carrier == 1 else None,
            'totals': cur,
            'window': delta,
        }
        interfaces.append(iface)
        # Evidence for the interfaces worth a look (down, errors, drops), and the first few others:
        # a Kubernetes node has a veth per pod.
        notable = (iface['adminUp'] and iface['operstate'] in ('down', 'lowerlayerdown')) or any(cur[k] for k in ('rxErrors', 'rxDropped', 'txErrors', 'txDropped'))
        if not notable and len(raw) >= 8:
            continue
        raw.append('%s %s admin=%s carrier=%s rx %d pkts %d err %d drop, tx %d pkts %d err %d drop; window rx %d/%d/%d tx %d/%d/%d' % (
            name, iface['operstate'], 'up' if iface['adminUp'] else 'down', iface['carrier'],
            cur['rxPackets'], cur['rxErrors'], cur['rxDropped'], cur['txPackets'], cur['txErrors'], cur['txDropped'],
            delta['rxPackets'], delta['rxErrors'], delta['rxDropped'], delta['txPackets'], delta['txErrors'], delta['txDropped']))
    if len(raw) < len(interfaces):
        raw.append('(%d more interfaces without errors or drops)' % (len(interfaces) - len(raw)))
    socks = listening_sockets()
    owners = socket_owners([s['inode'] for s in socks])
    listening = {}
    for s in socks:
        key = (s['proto'], s['address'], s['port'])
        if key in listening:
            continue
        listening[key] = {'proto': s['proto'], 'address': s['address'], 'port': s['port'], 'process': owners.get(s['inode'])}
    listening = sorted(listening.values(), key=lambda x: (x['proto'], x['port'], x['address']))
    raw.append('listening: ' + ', '.join('%s %s:%d (%s)' % (l['proto'], l['address'], l['port'], l['process'] or '?') for l in listening))
    count = read_int('/proc/sys/net/netfilter/nf_conntrack_count')
    cmax = read_int('/proc/sys/net/netfilter/nf_conntrack_max')
    conntrack = {'count': count, 'max': cmax} if count is not None and cmax else None
    raw.append('conntrack: %s' % ('%d/%d' % (count, cmax) if conntrack else 'not loaded'))
    bonds = []
    for name in sorted(os.listdir('/proc/net/bonding')) if os.path.isdir('/proc/net/bonding') else []:
        slaves, cur_slave = [], None
        for line in (read('/proc/net/bonding/' + name) or '').splitlines():
            if line.startswith('Slave Interface:'):
                cur_slave = {'name': line.split(':', 1)[1].strip(), 'mii': None}
                slaves.append(cur_slave)
            elif line.startswith('MII Status:') and cur_slave is not None and cur_slave['mii'] is None:
                cur_slave['mii'] = line.split(':', 1)[1].strip()
        bonds.append({'name': name, 'slaves': slaves})
        raw.append('bond %s: %s' % (name, ', '.join('%s %s' % (x['name'], x['mii']) for x in slaves)))
    ports = (read('/proc/sys/net/ipv4/ip_local_port_range') or '32768 60999').split()
    data = {'sampleSeconds': round(dt, 3), 'interfaces': interfaces, 'bonds': bonds, 'listening': listening, 'conntrack': conntrack,
            'ephemeralPorts': [int(ports[0]), int(ports[1])]}
    return data, 'cat /proc/net/dev (twice, %gs apart); ip -s link; ss -lntu; cat /proc/sys/net/netfilter/nf_conntrack_{count,max}' % window, '\n'.join(raw)


# ---------------------------------------------------------------------------------------------
# Cron

CRON_SPECIAL = ('@reboot', '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly')
ENV_LINE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*\s*=')


def parse_crontab(path, text, with_user, default_user=None):
    jobs = []
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith('#') or ENV_LINE.match(s):
            continue
        f = s.split()
        if f[0].startswith('@'):
            sched, rest = f[0], f[1:]
        else:
            sched, rest = ' '.join(f[:5]), f[5:]
        if with_user:
            user, cmd = (rest[0] if rest else ''), ' '.join(rest[1:])
        else:
            user, cmd = default_user, ' '.join(rest)
        jobs.append({'file': path, 'line': n, 'user': user, 'schedule': sched, 'command': cmd})
    return jobs


@section('cron')
def cron(params, timeout):
    files, jobs, raw = [], [], []

    def add(path, with_user, user=None):
        try:
            with open(path, 'rb') as f:
                content = f.read(1024 * 1024)
        except OSError:
            return
        text = content.decode('utf-8', 'replace')
        files.append({'path': path, 'sha256': hashlib.sha256(content).hexdigest()})
        found = parse_crontab(path, text, with_user, user)
        jobs.extend(found)
        raw.extend('%s:%d %s' % (path, j['line'], ' '.join(x for x in (j['schedule'], j['user'] if with_user else None, j['command']) if x)) for j in found)

    if os.path.isfile('/etc/crontab'):
        add('/etc/crontab', True)
    for d in ('/etc/cron.d',):
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            p = os.path.join(d, name)
            # cron ignores files with dots or ending in ~ (Debian's run-parts naming rules).
            if os.path.isfile(p) and not name.startswith('.') and not name.endswith('~'):
                add(p, True)
    for d in ('/var/spool/cron/crontabs', '/var/spool/cron'):
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            p = os.path.join(d, name)
            if os.path.isfile(p) and not name.startswith('.'):
                add(p, False, name)
    for period in ('hourly', 'daily', 'weekly', 'monthly'):
        d = '/etc/cron.' + period
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            p = os.path.join(d, name)
            if os.path.isfile(p) and os.access(p, os.X_OK) and not name.startswith('.') and name != '.placeholder':
                with open(p, 'rb') as f:
                    digest = hashlib.sha256(f.read(1024 * 1024)).hexdigest()
                files.append({'path': p, 'sha256': digest})
                jobs.append({'file': p, 'line': 0, 'user': 'root', 'schedule': '@' + period, 'command': p})
                raw.append('%s (run-parts @%s)' % (p, period))
    at_jobs = []
    for d in ('/var/spool/cron/atjobs', '/var/spool/at'):
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if os.path.isfile(os.path.join(d, name)) and not name.startswith('.'):
                at_jobs.append(os.path.join(d, name))
    daemons = running(('cron', 'crond', 'cronie', 'fcron', 'busybox-crond'))
    data = {'files': files, 'jobs': jobs[:500], 'jobCount': len(jobs), 'atJobs': at_jobs[:100],
            'daemon': sorted(daemons)[0] if daemons else None,
            # Who runs /etc/cron.{daily,...}: /etc/crontab's run-parts lines or anacron.
            'runParts': os.path.isfile('/etc/crontab') or os.path.isfile('/etc/anacrontab'),
            'systemd': os.path.isdir('/run/systemd/system')}
    return data, 'cat /etc/crontab /etc/cron.d/* /var/spool/cron/crontabs/*; ls /etc/cron.{hourly,daily,weekly,monthly}; pgrep -l cron', '\n'.join(raw)


# ---------------------------------------------------------------------------------------------
# Kernel parameters

@section('sysctl')
def sysctl(params, timeout):
    keys = str_list(params, 'keys', [])
    values, raw = {}, []
    for key in keys:
        rel = key.replace('.', '/') if '/' not in key else key
        path = os.path.normpath('/proc/sys/' + rel)
        if not path.startswith('/proc/sys/'):
            values[key] = None
            continue
        v = read(path)
        values[key] = None if v is None else ' '.join(v.split())
        raw.append('%s = %s' % (key, values[key] if v is not None else '(not present)'))
    return {'values': values}, 'sysctl ' + ' '.join(keys[:20]) + (' ...' if len(keys) > 20 else ''), '\n'.join(raw)


# ---------------------------------------------------------------------------------------------
# Time

NTP_EPOCH = 2208988800


def sntp(server, port, timeout):
    """One SNTP exchange: (offset s, delay s, stratum, leap, refid)."""
    addr = socket.getaddrinfo(server, port, 0, socket.SOCK_DGRAM)[0]
    s = socket.socket(addr[0], socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        t1 = time.time()
        sec = int(t1) + NTP_EPOCH
        frac = int((t1 - int(t1)) * 2 ** 32) & 0xffffffff
        pkt = struct.pack('!B B B b 11I', (0 << 6) | (4 << 3) | 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, sec, frac)
        s.sendto(pkt, addr[4])
        while True:
            data, _ = s.recvfrom(512)
            t4 = time.time()
            if len(data) >= 48 and data[24:32] == pkt[40:48]:
                break
    finally:
        s.close()
    li_vn_mode, stratum = data[0], data[1]
    leap = li_vn_mode >> 6
    refid = data[12:16]

    def ts(off):
        a, b = struct.unpack('!II', data[off:off + 8])
        return a - NTP_EPOCH + b / 2.0 ** 32
    t2, t3 = ts(32), ts(40)
    if stratum == 0 or (t3 == -NTP_EPOCH):
        raise ValueError('server answered kiss-o-death or no time (stratum 0, refid %r)' % refid.decode('ascii', 'replace'))
    offset = ((t2 - t1) + (t3 - t4)) / 2.0
    delay = (t4 - t1) - (t3 - t2)
    return offset, delay, stratum, leap


def adjtimex_state():
    """The kernel's NTP state (what timedatectl's 'System clock synchronized' reads)."""
    try:
        import ctypes
        buf = ctypes.create_string_buffer(256)
        libc = ctypes.CDLL(None, use_errno=True)
        state = libc.adjtimex(buf)
        if state < 0:
            return None
        _, offset, _, maxerror, esterror, status = struct.unpack_from('<I4xqqqqi', buf.raw, 0)
        unsync = bool(status & 0x0040)
        return {'state': state, 'synchronised': state != 5 and not unsync, 'maxErrorUs': maxerror, 'estErrorUs': esterror, 'status': status}
    except Exception:
        return None


def chrony_tracking(timeout):
    sockets = ['/run/chrony/chronyd.sock', '/var/run/chrony/chronyd.sock']
    sock = next((s for s in sockets if os.path.exists(s)), None)
    exe = which('chronyc')
    if not exe or not sock:
        return None
    rc, out, err = run([exe, '-h', sock, '-n', '-c', 'tracking'], min(timeout, 5))
    if rc != 0 or not out.strip():
        return {'error': (err or out).strip() or 'chronyc exit %d' % rc}
    f = out.strip().split(',')
    # refid, ref name, stratum, ref time, system time (s, + = slow), last offset, rms offset, freq,
    # resid freq, skew, root delay, root dispersion, update interval, leap status
    try:
        return {'refid': f[0], 'source': f[1], 'stratum': int(f[2]), 'systemTimeSeconds': float(f[4]),
                'lastOffsetSeconds': float(f[5]), 'rootDelay': float(f[10]), 'rootDispersion': float(f[11]), 'leap': f[13], 'raw': out.strip()}
    except (IndexError, ValueError):
        return {'error': 'unexpected chronyc output: %s' % out.strip()[:200]}


def ntpq_peers(timeout):
    exe = which('ntpq')
    if not exe:
        return None
    rc, out, err = run([exe, '-pn'], min(timeout, 5))
    if rc != 0:
        return {'error': (err or out).strip() or 'ntpq exit %d' % rc}
    for line in out.splitlines():
        if line.startswith('*'):
            f = line[1:].split()
            try:
                return {'source': f[0], 'stratum': int(f[2]), 'offsetSeconds': float(f[8]) / 1000.0, 'raw': line}
            except (IndexError, ValueError):
                break
    return {'source': None, 'raw': out.strip()[-500:]}


def timedatectl(timeout):
    if not os.path.isdir('/run/systemd/system') or not which('timedatectl'):
        return None
    rc, out, err = run(['timedatectl', 'show'], min(timeout, 5))
    if rc != 0:
        return {'error': (err or out).strip()}
    kv = dict(line.split('=', 1) for line in out.splitlines() if '=' in line)
    res = {'ntp': kv.get('NTP') == 'yes', 'synchronised': kv.get('NTPSynchronized') == 'yes'}
    rc, out, _ = run(['timedatectl', 'timesync-status'], min(timeout, 5))
    m = re.search(r'Offset:\s*([+-]?[\d.]+)(us|ms|s)\b', out or '')
    if rc == 0 and m:
        res['offsetSeconds'] = float(m.group(1)) / {'us': 1e6, 'ms': 1e3, 's': 1}[m.group(2)]
    return res


@section('time')
def time_section(params, timeout):
    servers = str_list(params, 'servers', [])
    port = int(num(params, 'port', 123, 1, 65535))
    per = num(params, 'timeout', 1, 0.1, 10)
    samples = int(num(params, 'samples', 3, 1, 8))
    results, raw = [], []
    for server in servers:
        best, errors = None, []
        for _ in range(samples):
            try:
                r = sntp(server, port, per)
                if best is None or r[1] < best[1]:
                    best = r
            except Exception as e:
                errors.append(str(e) or type(e).__name__)
        if best:
            results.append({'server': server, 'offsetSeconds': round(best[0], 6), 'delaySeconds': round(best[1], 6), 'stratum': best[2], 'leap': best[3]})
            raw.append('sntp %s:%d offset %+.6fs delay %.6fs stratum %d' % (server, port, best[0], best[1], best[2]))
        else:
            results.append({'server': server, 'error': errors[-1] if errors else 'no answer'})
            raw.append('sntp %s:%d: %s' % (server, port, errors[-1] if errors else 'no answer'))
    daemons = running(('chronyd', 'ntpd', 'ntpsec', 'systemd-timesyncd', 'openntpd', 'ptp4l', 'phc2sys', 'timemaster'))
    data = {
        'servers': results,
        'daemons': sorted(daemons),
        'kernel': adjtimex_state(),
        'chrony': chrony_tracking(timeout),
        'ntpd': ntpq_peers(timeout) if ('ntpd' in daemons or 'ntpsec' in daemons) else None,
        'timedatectl': timedatectl(timeout),
    }
    for k in ('chrony', 'ntpd'):
        if data[k] and 'raw' in data[k]:
            raw.append('%s: %s' % (k, data[k].pop('raw')))
    if data['kernel']:
        raw.append('adjtimex: state %(state)d status 0x%(status)x maxerror %(maxErrorUs)dus' % data['kernel'])
    raw.append('daemons: %s' % (', '.join(data['daemons']) or 'none'))
    cmd = 'chronyc -n tracking; ntpq -pn; timedatectl show; adjtimex' + ('; SNTP query to %s port %d' % (', '.join(servers), port) if servers else '')
    return data, cmd, '\n'.join(raw)


# ---------------------------------------------------------------------------------------------
# systemd

SHOW_PROPS = 'Id,Type,LoadState,ActiveState,SubState,Result,UnitFileState,NRestarts,ExecMainCode,ExecMainStatus,ConditionResult,TriggeredBy,Description'


@section('systemd')
def systemd(params, timeout):
    if not os.path.isdir('/run/systemd/system'):
        init = (read('/proc/1/comm') or '?').strip()
        raise SectionError('systemd is not running on this host (PID 1 is %s)' % init)
    if not which('systemctl'):
        raise SectionError('systemctl is not installed')
    t = min(timeout, 10)
    rc, state, err = run(['systemctl', 'is-system-running'], t)
    state = state.strip() or err.strip()
    rc, out, err = run(['systemctl', 'list-units', '--failed', '--all', '--plain', '--no-legend', '--no-pager'], t)
    if rc != 0:
        raise SectionError('systemctl list-units --failed: %s' % (err.strip() or 'exit %d' % rc))
    failed = []
    for line in out.splitlines():
        f = line.split(None, 4)
        if len(f) >= 4:
            failed.append({'unit': f[0].lstrip('●* '), 'load': f[1], 'active': f[2], 'sub': f[3], 'description': f[4] if len(f) > 4 else ''})
    rc, lf, err = run(['systemctl', 'list-unit-files', '--type=service', '--state=enabled', '--plain', '--no-legend', '--no-pager'], t)
    enabled = [l.split()[0] for l in lf.splitlines() if l.split() and '@.' not in l.split()[0]]
    expected = str_list(params, 'expected', [])
    names = sorted(set(enabled) | set(n if '.' in n else n + '.service' for n in expected))
    services = []
    if names:
        rc, out, err = run(['systemctl', 'show', '--no-pager', '-p', SHOW_PROPS] + names, t)
        if rc != 0 and not out:
            raise SectionError('systemctl show: %s' % (err.strip() or 'exit %d' % rc))
        for u in parse_show(out):
            exit_status, killed_by = main_exit(u)
            services.append({
                'unit': u.get('Id', '?'), 'type': u.get('Type'), 'load': u.get('LoadState'), 'active': u.get('ActiveState'),
                'sub': u.get('SubState'), 'result': u.get('Result'), 'unitFileState': u.get('UnitFileState'),
                'restarts': int(u['NRestarts']) if (u.get('NRestarts') or '').isdigit() else 0,
                'exitStatus': exit_status, 'signal': killed_by,
                'conditionResult': u.get('ConditionResult') != 'no', 'description': u.get('Description', ''),
                'triggeredBy': (u.get('TriggeredBy') or '').split(),
                'expected': u.get('Id') in set(n if '.' in n else n + '.service' for n in expected),
            })
    raw = 'is-system-running: %s\nfailed:\n%s\nservices:\n%s' % (
        state, '\n'.join('%(unit)s %(load)s %(active)s %(sub)s' % f for f in failed) or '(none)',
        '\n'.join('%s %s/%s result=%s file=%s restarts=%d' % (s['unit'], s['active'], s['sub'], s['result'], s['unitFileState'], s['restarts']) for s in services))
    return {'state': state, 'failed': failed, 'services': services}, 'systemctl --failed; systemctl list-unit-files --state=enabled; systemctl show -p %s UNIT...' % SHOW_PROPS, raw


# ---------------------------------------------------------------------------------------------
# Processes: zombies, D state, file descriptors

def nofile_limit(pid):
    for line in (read('/proc/%d/limits' % pid) or '').splitlines():
        if line.startswith('Max open files'):
            f = line.split()
            try:
                return int(f[3])
            except (IndexError, ValueError):
                return None  # unlimited
    return None


@section('processes')
def processes_section(params, timeout):
    window = sample_window(params)
    first = scan_processes()
    t0 = time.time()
    # File descriptors per process while the window runs (the process list is taken before).
    fd_rows = []
    for pid, p in first.items():
        if p['state'] == 'Z':
            continue
        try:
            n = len(os.listdir('/proc/%d/fd' % pid))
        except OSError:
            continue
        limit = nofile_limit(pid)
        if limit:
            fd_rows.append((100.0 * n / limit, n, limit, pid, p['comm']))
    rest = window - (time.time() - t0)
    if rest > 0:
        time.sleep(rest)
    second = scan_processes()
    with _proc_lock:
        _proc_cache.setdefault('procs', second)

    def stuck(state):
        # In the state at both ends of the window (same pid and start time): not a passing moment.
        out = []
        for pid, p in second.items():
            q = first.get(pid)
            if p['state'] == state and q and q['state'] == state and q['start'] == p['start']:
                parent = second.get(p['ppid'], {}).get('comm')
                row = {'pid': pid, 'comm': p['comm'], 'ppid': p['ppid'], 'parent': parent}
                if state == 'D':
                    row['wchan'] = (read('/proc/%d/wchan' % pid) or '').strip() or None
                out.append(row)
        return out
    zombies, dstate = stuck('Z'), stuck('D')
    file_nr = (read('/proc/sys/fs/file-nr') or '0 0 0').split()
    fd_rows.sort(reverse=True)
    top = [{'comm': c, 'pid': pid, 'fds': n, 'limit': lim, 'percent': round(pct, 2)} for pct, n, lim, pid, c in fd_rows[:int(num(params, 'top', 5, 1, 100))]]
    data = {
        'sampleSeconds': round(time.time() - t0, 3), 'total': len(second),
        'zombies': zombies[:200], 'zombieCount': len(zombies),
        'dstate': dstate[:200], 'dstateCount': len(dstate),
        'fd': {'allocated': int(file_nr[0]), 'max': int(file_nr[2])},
        'fdTop': top,
    }
    raw = ['processes: %d; zombies %d; D state %d; file-nr %s' % (len(second), len(zombies), len(dstate), ' '.join(file_nr))]
    raw += ['Z %(pid)d %(comm)s (parent %(ppid)d %(parent)s)' % z for z in zombies[:20]]
    raw += ['D %(pid)d %(comm)s wchan=%(wchan)s' % d for d in dstate[:20]]
    raw += ['fd %(comm)s[%(pid)d] %(fds)d of %(limit)d' % t for t in top[:5]]
    return data, "ps -eo pid,ppid,stat,wchan,comm | awk '$3 ~ /^[ZD]/' (twice, %gs apart); cat /proc/sys/fs/file-nr; ls /proc/PID/fd | wc -l vs /proc/PID/limits" % window, '\n'.join(raw)


# ---------------------------------------------------------------------------------------------
# Reboot required

def kernel_key(name):
    return [int(x) if x.isdigit() else x for x in re.split(r'(\d+)', name)]


@section('reboot')
def reboot(params, timeout):
    flags = str_list(params, 'flag_files', ['/var/run/reboot-required', '/run/reboot-required'])
    flag = next((f for f in flags if os.path.exists(f)), None)
    pkgs = []
    if flag:
        pkgs = [l.strip() for l in (read(flag + '.pkgs') or '').splitlines() if l.strip()][:50]
    running_kernel = os.uname().release
    installed = sorted((n[len('vmlinuz-'):] for n in (os.listdir('/boot') if os.path.isdir('/boot') else []) if n.startswith('vmlinuz-')), key=kernel_key)
    needs = None
    exe = which('needs-restarting')
    if exe:
        rc, out, err = run([exe, '-r'], min(timeout, 15))
        needs = {'exitCode': rc, 'output': (out or err).strip()[:500]}
    data = {'flagFile': flag, 'packages': pkgs, 'runningKernel': running_kernel, 'installedKernels': installed[-10:],
            'needsRestarting': needs}
    raw = 'flag file: %s%s\nrunning kernel: %s\ninstalled kernels: %s\nneeds-restarting -r: %s' % (
        flag or 'none', (' (' + ', '.join(pkgs) + ')') if pkgs else '', running_kernel, ', '.join(installed) or 'none in /boot',
        'exit %d: %s' % (needs['exitCode'], needs['output']) if needs else 'not installed')
    return data, 'ls /var/run/reboot-required*; uname -r; ls /boot/vmlinuz-*; needs-restarting -r', raw


# ---------------------------------------------------------------------------------------------
# Kernel log: OOM kills, hung tasks, filesystem errors (node-problem-detector's patterns)

KLOG_PATTERNS = [
    ('oom', re.compile(r'(?:(Memory cgroup) out of memory|Out of memory(?: \(oom_kill_allocating_task\))?): Killed process (\d+) \((.*?)\)')),
    ('hung', re.compile(r'INFO: task (.+):(\d+) blocked for more than (\d+) seconds')),
    ('fs', re.compile(r'(EXT4-fs error|EXT4-fs \(\S+\): Remounting filesystem read-only|XFS \(\S+\): (?:Corruption|.*[Ss]hut(?:ting)? down)|BTRFS (?:error|critical)|Buffer I/O error on dev|Remounting filesystem read-only|I/O error, dev \S+)')),
    ('oops', re.compile(r'(BUG: unable to handle|Kernel panic|general protection fault|kernel BUG at|Oops: )')),
]
OOM_DETAIL = re.compile(r'oom-kill:constraint=(\w+).*?task_memcg=([^,]*),task=([^,]*),pid=(\d+)')


def read_kmsg(max_records=200000):
    """[(usec since boot, message)] from /dev/kmsg, oldest first (non-blocking)."""
    fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
    out = []
    try:
        while len(out) < max_records:
            try:
                rec = os.read(fd, 8192)
            except OSError as e:
                if e.errno == errno.EAGAIN:
                    break
                if e.errno == errno.EPIPE:
                    continue  # overwritten while reading: go on with the next record
                raise
            if not rec:
                break
            text = rec.decode('utf-8', 'replace')
            head, _, msg = text.partition(';')
            fields = head.split(',')
            try:
                usec = int(fields[2])
            except (IndexError, ValueError):
                continue
            out.append((usec, msg.split('\n', 1)[0]))
    finally:
        os.close(fd)
    return out


@section('kernel_log')
def kernel_log(params, timeout):
    now = time.time()
    source = '/dev/kmsg'
    try:
        mono = time.clock_gettime(time.CLOCK_MONOTONIC)
        records = [(now - (mono - usec / 1e6), msg) for usec, msg in read_kmsg()]
    except OSError as e:
        if not which('journalctl'):
            raise SectionError('cannot read the kernel log: /dev/kmsg: %s (and no journalctl)' % e.strerror)
        hours = num(params, 'lookback_hours', 48, 1, 24 * 30)
        rc, out, err = run(['journalctl', '-k', '--no-pager', '-o', 'short-unix', '--since', '-%dh' % int(hours)], min(timeout, 15))
        if rc != 0:
            raise SectionError('cannot read the kernel log: /dev/kmsg: %s; journalctl -k: %s' % (e.strerror, (err or out).strip()[:200]))
        source = 'journalctl -k'
        records = []
        for line in out.splitlines():
            m = re.match(r'^(\d+\.\d+) \S+ kernel: (.*)$', line)
            if m:
                records.append((float(m.group(1)), m.group(2)))
        if not records:
            # A container's journal holds no kernel messages: not seeing any is not "none happened".
            raise SectionError('cannot read the kernel log: /dev/kmsg: %s, and journalctl -k has no kernel messages (a container?)' % e.strerror)
    events = {'oom': [], 'hung': [], 'fs': [], 'oops': []}
    oom_details = {}
    # Only messages of the window the checks judge (default: everything the log holds).
    since = now - num(params, 'since_hours', 0, 0, 24 * 365) * 3600 if params.get('since_hours') else 0
    for at, msg in records:
        if at < since:
            continue
        m = OOM_DETAIL.search(msg)
        if m:
            oom_details[m.group(4)] = {'constraint': m.group(1), 'memcg': m.group(2)}
        for kind, rx in KLOG_PATTERNS:
            m = rx.search(msg)
            if not m:
                continue
            ev = {'at': int(at * 1000), 'message': msg[:240]}
            if kind == 'oom':
                ev.update({'pid': int(m.group(2)), 'process': m.group(3), 'memcg': bool(m.group(1))})
                d = oom_details.get(m.group(2))
                if d:
                    ev['constraint'], ev['cgroup'] = d['constraint'], d['memcg']
            elif kind == 'hung':
                ev.update({'process': m.group(1), 'pid': int(m.group(2)), 'seconds': int(m.group(3))})
            events[kind].append(ev)
            break
    limit = int(num(params, 'max_events', 20, 1, 500))
    data = {'source': source, 'records': len(records), 'oldestAt': int(records[0][0] * 1000) if records else None,
            'sinceAt': int(since * 1000) if since else None}
    raw = []
    for kind in events:
        data[kind] = events[kind][-limit:]
        data[kind + 'Total'] = len(events[kind])
        raw += ['%s %s' % (time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(e['at'] / 1000)), e['message']) for e in events[kind][-5:]]
    return data, 'dmesg -T | grep -E "Killed process|blocked for more than|EXT4-fs error|I/O error|Remounting filesystem read-only"', '\n'.join(raw) or '(no matching kernel messages in %d records)' % len(records)


# ---------------------------------------------------------------------------------------------
# Certificates

DEFAULT_CERT_PATHS = ['/etc/kubernetes/pki/*.crt', '/etc/kubernetes/pki/etcd/*.crt', '/var/lib/kubelet/pki/*.crt',
                      '/var/lib/kubelet/pki/kubelet-client-current.pem', '/etc/letsencrypt/live/*/cert.pem']


@section('certs')
def certs(params, timeout):
    patterns = str_list(params, 'paths', DEFAULT_CERT_PATHS)
    max_files = int(num(params, 'max_files', 200, 1, 5000))
    files, skipped, unmatched, raw = [], [], [], []
    seen = set()
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, recursive=True))
        if not matches:
            unmatched.append(pattern)
        for path in matches:
            if path in seen or not os.path.isfile(path) or len(files) >= max_files:
                continue
            seen.add(path)
            entry, why = cert_file(path, min(timeout, 5), raw)
            if entry is None:
                skipped.append({'path': path, 'reason': why})
            else:
                files.append(entry)
    data = {'patterns': patterns, 'files': files, 'skipped': skipped[:50], 'unmatched': unmatched}
    return data, 'openssl x509 -noout -subject -enddate -in FILE  (for each file matching %s)' % ' '.join(patterns), '\n'.join(raw) or 'no certificate files matched'


# ---------------------------------------------------------------------------------------------
# NUMA topology and the kubelet's CPU / topology manager

def node_meminfo(path):
    out = {}
    for line in (read(path) or '').splitlines():
        m = re.match(r'Node \d+ (\w+):\s+(\d+)\s*(kB)?', line)
        if m:
            out[m.group(1)] = int(m.group(2)) * (1024 if m.group(3) else 1)
    return out


@section('numa')
def numa(params, timeout):
    base = '/sys/devices/system/node'
    nodes = []
    if os.path.isdir(base):
        for name in sorted(os.listdir(base), key=kernel_key):
            if not re.match(r'^node\d+$', name):
                continue
            cpus = parse_cpulist(read(os.path.join(base, name, 'cpulist')) or '')
            mem = node_meminfo(os.path.join(base, name, 'meminfo'))
            nodes.append({'id': int(name[4:]), 'cpus': len(cpus), 'cpuList': (read(os.path.join(base, name, 'cpulist')) or '').strip(),
                          'memTotalBytes': mem.get('MemTotal', 0), 'memFreeBytes': mem.get('MemFree', 0)})
    packages, cores = set(), set()
    cpu_base = '/sys/devices/system/cpu'
    for name in os.listdir(cpu_base) if os.path.isdir(cpu_base) else []:
        if re.match(r'^cpu\d+$', name):
            pkg = read_int(os.path.join(cpu_base, name, 'topology/physical_package_id'))
            core = read_int(os.path.join(cpu_base, name, 'topology/core_id'))
            if pkg is not None:
                packages.add(pkg)
                cores.add((pkg, core))
    online = online_cpus()
    data = {'numaSupported': bool(nodes), 'nodes': nodes, 'sockets': len(packages) or None, 'cores': len(cores) or None, 'cpus': online}
    raw = '\n'.join('node%(id)d cpus %(cpuList)s mem %(memTotalBytes)d bytes (%(memFreeBytes)d free)' % n for n in nodes) or 'no /sys/devices/system/node (kernel without NUMA)'
    raw += '\nsockets %s, cores %s, online cpus %d' % (data['sockets'], data['cores'], online)
    return data, 'lscpu; cat /sys/devices/system/node/node*/cpulist /sys/devices/system/node/node*/meminfo', raw


def parse_simple_yaml(text):
    """Top-level scalars and one level of nested maps of a kubelet config (YAML or JSON)."""
    s = text.strip()
    if s.startswith('{'):
        return json.loads(s)
    out, current = {}, None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith('#') or line.strip() == '---':
            continue
        indent = len(line) - len(line.lstrip(' '))
        m = re.match(r'^\s*([A-Za-z0-9_.\-"\']+)\s*:\s*(.*?)\s*$', line)
        if not m:
            continue
        key, value = m.group(1).strip('"\''), m.group(2)
        if value.startswith('#'):
            value = ''
        value = re.sub(r'\s+#.*$', '', value).strip().strip('"\'')
        if indent == 0:
            if value == '':
                out[key] = {}
                current = key
            else:
                out[key] = value
                current = None
        elif current is not None and isinstance(out.get(current), dict):
            out[current][key] = value
    return out


FLAG_NAMES = {
    '--cpu-manager-policy': 'cpuManagerPolicy', '--topology-manager-policy': 'topologyManagerPolicy',
    '--topology-manager-scope': 'topologyManagerScope', '--memory-manager-policy': 'memoryManagerPolicy',
    '--reserved-cpus': 'reservedSystemCPUs', '--kube-reserved': 'kubeReserved', '--system-reserved': 'systemReserved',
    '--config': 'config', '--cpu-manager-policy-options': 'cpuManagerPolicyOptions',
}


def parse_flags(args):
    out = {}
    i = 0
    while i < len(args):
        a = args[i]
        name, value = (a.split('=', 1) + [None])[:2]
        if name in FLAG_NAMES:
            if value is None and i + 1 < len(args) and not args[i + 1].startswith('--'):
                value = args[i + 1]
                i += 1
            if value is not None:
                key = FLAG_NAMES[name]
                if key in ('kubeReserved', 'systemReserved'):
                    value = dict(kv.split('=', 1) for kv in value.split(',') if '=' in kv)
                out[key] = value
        i += 1
    return out


def env_file_args(path):
    args = []
    for line in (read(path) or '').splitlines():
        m = re.match(r'^\s*(?:export\s+)?KUBELET_\w*ARGS\s*=\s*(.*)$', line)
        if m:
            args += m.group(1).strip().strip('"\'').split()
    return args


@section('kubelet')
def kubelet(params, timeout):
    config_path = params.get('config_file') or '/var/lib/kubelet/config.yaml'
    state_file = params.get('cpu_manager_state') or '/var/lib/kubelet/cpu_manager_state'
    procs = running(('kubelet',))
    binary = which('kubelet')
    sources, flags = [], {}
    if 'kubelet' in procs:
        args = cmdline(procs['kubelet'])[1:]
        flags = parse_flags(args)
        sources.append('process %d: %s' % (procs['kubelet'], ' '.join(args)[:600]))
    else:
        for env_path in ('/var/lib/kubelet/kubeadm-flags.env', '/etc/default/kubelet', '/etc/sysconfig/kubelet'):
            args = env_file_args(env_path)
            if args:
                flags.update(parse_flags(args))
                sources.append('%s: %s' % (env_path, ' '.join(args)[:600]))
    if flags.get('config'):
        config_path = flags['config']
    config, config_error = None, None
    if os.path.isfile(config_path):
        try:
            config = parse_simple_yaml(read(config_path) or '')
            sources.append('%s: %s' % (config_path, ', '.join('%s=%s' % (k, v) for k, v in sorted(config.items()) if k in (
                'cpuManagerPolicy', 'topologyManagerPolicy', 'topologyManagerScope', 'reservedSystemCPUs', 'kubeReserved', 'systemReserved', 'memoryManagerPolicy'))))
        except Exception as e:
            config_error = '%s: %s' % (config_path, e)
    state = None
    if os.path.isfile(state_file):
        try:
            st = json.loads(read(state_file) or '{}')
            state = {'policyName': st.get('policyName'), 'defaultCpuSet': st.get('defaultCpuSet'), 'entries': len(st.get('entries') or {})}
            sources.append('%s: %s' % (state_file, json.dumps(state)))
        except ValueError as e:
            state = {'error': str(e)}
    present = bool(procs.get('kubelet') or binary or config is not None or config_error)
    node_base = '/sys/devices/system/node'
    numa_nodes = len([n for n in os.listdir(node_base) if re.match(r'^node\d+$', n)]) if os.path.isdir(node_base) else 0
    keys = ('cpuManagerPolicy', 'topologyManagerPolicy', 'topologyManagerScope', 'memoryManagerPolicy', 'reservedSystemCPUs', 'kubeReserved', 'systemReserved', 'cpuManagerPolicyOptions')
    data = {
        'present': present, 'running': 'kubelet' in procs, 'binary': binary, 'configFile': config_path if config is not None or config_error else None,
        'configError': config_error,
        'config': dict((k, config[k]) for k in keys if config and k in config),
        'flags': dict((k, v) for k, v in flags.items() if k in keys),
        'cpuManagerState': state,
        'numaNodes': max(1, numa_nodes), 'cpus': online_cpus(),
    }
    return data, 'cat %s; ps -o args -C kubelet; cat %s' % (config_path, state_file), '\n'.join(sources) or 'no kubelet (no process, binary or %s)' % config_path


# ---------------------------------------------------------------------------------------------

def main():
    run_sections(AnsibleModule(argument_spec=SECTION_ARGS, supports_check_mode=True), SECTIONS)


if __name__ == '__main__':
    main()
