#!/usr/bin/python3
# -*- coding: utf-8 -*-
# Patrol application collection module: measures the host-side parts of applications (process
# memory samples, OOM kills in the kernel log, log directories, batch job status files). It never
# judges: thresholds live in Patrol's check catalog (src/inspections/checks/app/).
# Each section runs in its own thread under its own time limit; anything that can hang on a bad
# filesystem (find, stat, reading status files) runs in a child process killed at the limit.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: patrol_app
short_description: Collect raw application measurements on a host for Patrol inspections
description:
  - Returns C(patrol.sections) with processes, oom, logs and jobs, each with ok, data, error, command, raw, durationMs.
options:
  section_timeout:
    description: Seconds each section may take (the processes section gets its sampling window on top).
    type: int
    default: 20
  sections:
    description: Sections to collect (default all).
    type: list
    elements: str
  params:
    description: >-
      What to measure: samples, sample_interval, processes [{app, name, match|cgroup, comm}],
      logs [{app, path, retention_days}], jobs [{app, name, status_file}].
    type: dict
    default: {}
'''

import heapq
import json
import os
import re
import subprocess
import tempfile
import threading
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.patrol_sections import SECTION_ARGS, SectionError, cap, collect, run

RAW_LIMIT = 4096
SECTIONS = {}
# Extra seconds a section may take beyond section_timeout (the processes sampling window).
EXTRA_TIME = {}


def section(name):
    def register(fn):
        SECTIONS[name] = fn
        return fn
    return register


def now_ms():
    return int(time.time() * 1000)


# ---------------------------------------------------------------- processes

def own_lineage():
    """This module's pid and its ancestors: never count ourselves as the application."""
    pids = set()
    pid = os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        try:
            with open('/proc/%d/status' % pid) as f:
                ppid = [l for l in f if l.startswith('PPid:')][0].split()[1]
            pid = int(ppid)
        except (OSError, IndexError, ValueError):
            break
    return pids


def read_process(pid):
    """(comm, cmdline, rss bytes) of a pid, or None when it is gone or a kernel thread."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            raw = f.read()
        if not raw:
            return None
        cmdline = raw.rstrip(b'\0').replace(b'\0', b' ').decode('utf-8', 'replace')
        with open('/proc/%d/comm' % pid) as f:
            comm = f.read().strip()
        rss = None
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    rss = int(line.split()[1]) * 1024
                    break
        return comm, cmdline, rss if rss is not None else 0
    except (OSError, ValueError):
        return None


def scan_processes(exclude):
    out = {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        pid = int(name)
        if pid in exclude:
            continue
        p = read_process(pid)
        if p is not None:
            out[pid] = p
    return out


def memory_cgroup_dir(path):
    """The directory of a memory cgroup given as in /proc/PID/cgroup (v2 unified or v1 memory)."""
    path = '/' + path.strip('/')
    candidates = []
    if os.path.exists('/sys/fs/cgroup/cgroup.controllers'):
        candidates.append('/sys/fs/cgroup' + path)
    candidates += ['/sys/fs/cgroup/memory' + path, '/sys/fs/cgroup/unified' + path]
    for c in candidates:
        if os.path.isfile(os.path.join(c, 'memory.current')) or os.path.isfile(os.path.join(c, 'memory.usage_in_bytes')):
            return c.rstrip('/')
    raise SectionError('no memory cgroup %s (looked in %s)' % (path, ', '.join(candidates)))


def read_int(path):
    with open(path) as f:
        return f.read().strip()


def cgroup_memory(d):
    """(working set bytes, limit bytes or None, pids): usage minus inactive file cache, as kubelet counts it."""
    stat = {}
    try:
        with open(os.path.join(d, 'memory.stat')) as f:
            for line in f:
                k, _, v = line.partition(' ')
                stat[k] = int(v)
    except (OSError, ValueError):
        pass
    if os.path.isfile(os.path.join(d, 'memory.current')):
        usage = int(read_int(os.path.join(d, 'memory.current')))
        inactive = stat.get('inactive_file', 0)
        limit = read_int(os.path.join(d, 'memory.max'))
        limit = None if limit == 'max' else int(limit)
    else:
        usage = int(read_int(os.path.join(d, 'memory.usage_in_bytes')))
        inactive = stat.get('total_inactive_file', stat.get('inactive_file', 0))
        limit = int(read_int(os.path.join(d, 'memory.limit_in_bytes')))
        if limit >= 1 << 60:
            limit = None
    pids = []
    try:
        with open(os.path.join(d, 'cgroup.procs')) as f:
            pids = [int(x) for x in f.read().split()]
    except (OSError, ValueError):
        pass
    return max(0, usage - inactive), limit, pids


@section('processes')
def processes(params, timeout):
    entries = params.get('processes') or []
    samples = max(1, int(params.get('samples', 3)))
    interval = max(0.0, float(params.get('sample_interval', 2)))
    exclude = own_lineage()
    items = []
    for e in entries:
        item = {'app': e['app'], 'name': e['name'], 'error': None, 'at': [], 'total': [], 'processes': {}, 'limitBytes': None}
        if e.get('cgroup'):
            item['kind'] = 'cgroup'
            item['selector'] = e['cgroup']
            try:
                item['dir'] = memory_cgroup_dir(e['cgroup'])
            except SectionError as err:
                item['error'] = str(err)
        else:
            item['kind'] = 'process'
            item['selector'] = e.get('match', '')
            try:
                item['re'] = re.compile(e.get('match', ''))
            except re.error as err:
                item['error'] = 'invalid regular expression %r: %s' % (e.get('match'), err)
        items.append(item)
    raw = []
    started = time.time()
    for i in range(samples):
        if i > 0:
            time.sleep(max(0.0, started + i * interval - time.time()))
        at = now_ms()
        procs = scan_processes(exclude) if any(it['kind'] == 'process' and not it['error'] for it in items) else {}
        for it in items:
            if it['error']:
                continue
            it['at'].append(at)
            if it['kind'] == 'cgroup':
                try:
                    ws, limit, pids = cgroup_memory(it['dir'])
                except (OSError, ValueError) as err:
                    it['error'] = 'cannot read %s: %s' % (it['dir'], err)
                    continue
                it['total'].append(ws)
                it['limitBytes'] = limit
                it['count'] = len(pids)
                for pid in pids[:20]:
                    p = procs.get(pid) or read_process(pid)
                    if p is None:
                        continue
                    rec = it['processes'].setdefault(pid, {'pid': pid, 'comm': p[0], 'cmdline': p[1][:300], 'rss': [None] * samples})
                    rec['rss'][i] = p[2]
                raw.append('%s %s sample %d: working set %d bytes, %d processes' % (it['app'], it['name'], i + 1, ws, len(pids)))
                continue
            total = 0
            count = 0
            for pid, (comm, cmdline, rss) in procs.items():
                if not it['re'].search(cmdline):
                    continue
                rec = it['processes'].setdefault(pid, {'pid': pid, 'comm': comm, 'cmdline': cmdline[:300], 'rss': [None] * samples})
                rec['rss'][i] = rss
                total += rss
                count += 1
            it['total'].append(total if count else None)
            it['count'] = count
            raw.append('%s %s sample %d: %d processes, RSS %d bytes' % (it['app'], it['name'], i + 1, count, total))
    out = []
    for it in items:
        procs = sorted(it['processes'].values(), key=lambda r: r['pid'])
        out.append({
            'app': it['app'], 'name': it['name'], 'kind': it['kind'], 'selector': it['selector'], 'error': it['error'],
            'at': it['at'], 'total': it['total'], 'count': it.get('count', 0),
            # The 20 largest, so a fork bomb of workers does not blow the result size.
            'processes': sorted(procs, key=lambda r: -(max([x for x in r['rss'] if x is not None] or [0])))[:20],
            'limitBytes': it['limitBytes'],
        })
    command = 'ps -eo pid,rss,args | grep -E REGEX, or the cgroup\'s memory.current/usage_in_bytes minus inactive_file; %d samples %ss apart' % (samples, interval)
    return {'items': out}, command, '\n'.join(raw)


EXTRA_TIME['processes'] = lambda params: max(0, int(params.get('samples', 3)) - 1) * float(params.get('sample_interval', 2))


# ---------------------------------------------------------------- oom

KILLED_RE = re.compile(r'Killed process (\d+) \(([^)]*)\)')
OOM_KILL_RE = re.compile(r'oom-kill:(\S+)')


def read_kmsg():
    """Kernel log records (epoch ms, message) from /dev/kmsg, non-blocking (it cannot hang)."""
    fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
    records = []
    first = None
    from_boot = False
    try:
        mono = time.clock_gettime(time.CLOCK_MONOTONIC)
        wall = time.time()
        while True:
            try:
                buf = os.read(fd, 16384)
            except BlockingIOError:
                break
            except BrokenPipeError:
                # The record was overwritten while we read: go on with the next one.
                continue
            if not buf:
                break
            head, _, msg = buf.decode('utf-8', 'replace').partition(';')
            fields = head.split(',')
            try:
                usec = int(fields[2])
            except (IndexError, ValueError):
                continue
            at = int((wall - (mono - usec / 1e6)) * 1000)
            if first is None:
                first = at
                # The ring buffer still holds the first minutes after boot: nothing this kernel logged is lost.
                from_boot = usec < 300 * 1000000
            msg = msg.split('\n', 1)[0]
            if 'Killed process' in msg or 'oom-kill:' in msg:
                records.append((at, msg))
    finally:
        os.close(fd)
    return records, first, from_boot


def parse_journal(text):
    """Records from `journalctl -k -o short-unix`: "1700000000.123456 host kernel: message"."""
    records = []
    first = None
    for line in text.splitlines():
        parts = line.split(' ', 2)
        if len(parts) < 3:
            continue
        try:
            at = int(float(parts[0]) * 1000)
        except ValueError:
            continue
        if first is None:
            first = at
        msg = parts[2]
        i = msg.find(': ')
        if i >= 0:
            msg = msg[i + 2:]
        if 'Killed process' in msg or 'oom-kill:' in msg:
            records.append((at, msg))
    return records, first, False


def parse_oom_kills(records):
    """OOM kills from kernel log records; the memory cgroup comes from the oom-kill: line before."""
    memcg = {}
    kills = []
    for at, msg in records:
        m = OOM_KILL_RE.search(msg)
        if m:
            kv = dict(x.split('=', 1) for x in m.group(1).split(',') if '=' in x)
            if 'pid' in kv:
                memcg[kv['pid']] = kv.get('task_memcg')
            continue
        m = KILLED_RE.search(msg)
        if m:
            kills.append({'at': at, 'pid': int(m.group(1)), 'process': m.group(2), 'memcg': memcg.get(m.group(1)), 'line': msg[:300]})
    return kills


def read_kernel_log(timeout):
    errors = []
    try:
        records, first, from_boot = read_kmsg()
        return records, first, from_boot, 'kmsg', '/dev/kmsg'
    except OSError as e:
        errors.append('/dev/kmsg: %s' % e.strerror)
    rc, out, err = run(['journalctl', '-k', '-o', 'short-unix', '--no-pager', '-q', '--since', '7 days ago'], timeout)
    if rc == 0:
        records, first, _ = parse_journal(out)
        return records, first, False, 'journal', "journalctl -k -o short-unix --since '7 days ago'"
    errors.append('journalctl -k: %s' % ((err or '').strip()[:200] or 'exit %d' % rc))
    raise SectionError('cannot read the kernel log (%s); run the inspection with become (collection.become: true)' % '; '.join(errors))


def kill_matches(entry, kill, running_comms):
    if entry.get('cgroup'):
        cg = '/' + entry['cgroup'].strip('/')
        mc = kill['memcg']
        return mc is not None and (mc == cg or mc.startswith(cg.rstrip('/') + '/'))
    if entry.get('comm'):
        return re.fullmatch(entry['comm'], kill['process']) is not None
    return re.search(entry['match'], kill['process']) is not None or kill['process'] in running_comms


@section('oom')
def oom(params, timeout):
    entries = params.get('processes') or []
    if not entries:
        return {'source': None, 'since': None, 'fromBoot': False, 'items': []}, 'no processes to match', ''
    records, since, from_boot, source, command = read_kernel_log(timeout)
    kills = parse_oom_kills(records)
    procs = None
    items = []
    for e in entries:
        item = {'app': e['app'], 'name': e['name'], 'error': None, 'kills': []}
        try:
            running = set()
            if not e.get('cgroup') and not e.get('comm') and kills:
                if procs is None:
                    procs = scan_processes(own_lineage())
                rx = re.compile(e['match'])
                running = set(p[0] for p in procs.values() if rx.search(p[1]))
            item['kills'] = [k for k in kills if kill_matches(e, k, running)][-50:]
        except re.error as err:
            item['error'] = 'invalid regular expression: %s' % err
        items.append(item)
    raw = '\n'.join('%s %s' % (time.strftime('%Y-%m-%dT%H:%M:%S', time.localtime(k['at'] / 1000)), k['line']) for k in kills[-30:])
    return {'source': source, 'since': since, 'fromBoot': from_boot, 'items': items}, command + "  (lines with 'Killed process' / 'oom-kill:')", raw or '(no OOM kills in the kernel log)'


# ---------------------------------------------------------------- logs

ROTATED_RE = re.compile(r'(\.\d+(\.(gz|bz2|xz|zst|lz4|z))?$)|(\.(gz|bz2|xz|zst|lz4|zip)$)|([-_.]\d{8}([-_.]\d+)?(\.log)?$)|(\d{4}-\d{2}-\d{2})', re.I)
FIND_FORMAT = '%s\\t%T@\\t%P\\0'


def walk_log_dir(path, retention_days, timeout):
    """Size, age and rotation facts of a directory tree, streamed from find (bounded memory)."""
    rc, out, err = run(['stat', '-L', '-c', '%F', '--', path], min(5, timeout))
    if rc == 137:
        raise SectionError('stat %s timed out (hung filesystem?)' % path)
    if rc != 0:
        raise SectionError((err.strip().replace('stat: ', '') or 'stat failed (exit %d)' % rc))
    if out.strip() != 'directory':
        raise SectionError('%s is a %s, not a directory' % (path, out.strip()))
    now = time.time()
    cutoff = now - retention_days * 86400 if retention_days else None
    stats = {'files': 0, 'totalBytes': 0, 'rotatedFiles': 0}
    largest = []   # min-heap of (bytes, path, mtime)
    expired = []   # max-heap by age: (-age...) keep the 5 oldest -> min-heap of (-mtime)
    expired_count = 0
    expired_bytes = 0
    oldest = None
    errfile = tempfile.TemporaryFile()
    try:
        p = subprocess.Popen(['timeout', '--signal=KILL', str(max(1, int(timeout))), 'find', path + '/', '-xdev', '-type', 'f', '-printf', FIND_FORMAT],
                             stdout=subprocess.PIPE, stderr=errfile)
        rest = b''
        while True:
            chunk = p.stdout.read(65536)
            if not chunk:
                break
            parts = (rest + chunk).split(b'\0')
            rest = parts.pop()
            for rec in parts:
                try:
                    size_s, mtime_s, rel = rec.decode('utf-8', 'replace').split('\t', 2)
                    size = int(size_s)
                    mtime = float(mtime_s)
                except ValueError:
                    continue
                stats['files'] += 1
                stats['totalBytes'] += size
                ref = (size, rel, mtime)
                if len(largest) < 5:
                    heapq.heappush(largest, ref)
                elif size > largest[0][0]:
                    heapq.heapreplace(largest, ref)
                if oldest is None or mtime < oldest[2]:
                    oldest = ref
                if ROTATED_RE.search(os.path.basename(rel)):
                    stats['rotatedFiles'] += 1
                if cutoff is not None and mtime < cutoff:
                    expired_count += 1
                    expired_bytes += size
                    key = (-mtime, rel, size)
                    if len(expired) < 5:
                        heapq.heappush(expired, key)
                    elif -mtime > expired[0][0]:
                        heapq.heapreplace(expired, key)
        rc = p.wait()
        errfile.seek(0)
        err = errfile.read(2000).decode('utf-8', 'replace')
    finally:
        errfile.close()
    ref = lambda size, rel, mtime: {'path': os.path.join(path, rel), 'bytes': size, 'mtime': int(mtime * 1000)}
    return {
        'files': stats['files'], 'totalBytes': stats['totalBytes'], 'rotatedFiles': stats['rotatedFiles'],
        'largest': [ref(*x) for x in sorted(largest, reverse=True)],
        'oldest': ref(*oldest) if oldest else None,
        'expired': {'count': expired_count, 'bytes': expired_bytes,
                    'examples': [ref(size, rel, -negm) for negm, rel, size in sorted(expired, reverse=True)]},
        'partial': rc in (124, 137) or rc < 0,
        'warnings': err.strip()[:500] if rc not in (0, 124, 137) else '',
    }


@section('logs')
def logs(params, timeout):
    entries = params.get('logs') or []
    results = [None] * len(entries)
    limit = max(1, timeout - 1)

    def work(i, e):
        item = {'app': e['app'], 'path': e['path'], 'error': None}
        try:
            item.update(walk_log_dir(e['path'], e.get('retention_days'), limit))
        except SectionError as err:
            item['error'] = str(err)
        except Exception as err:  # one odd directory must not lose the others
            item['error'] = '%s: %s' % (type(err).__name__, err)
        results[i] = item

    threads = [threading.Thread(target=work, args=(i, e)) for i, e in enumerate(entries)]
    for t in threads:
        t.daemon = True
        t.start()
    deadline = time.time() + limit + 1
    for t in threads:
        t.join(max(0, deadline - time.time()))
    items = [r if r is not None else {'app': e['app'], 'path': e['path'], 'error': 'timed out after %ss' % limit} for r, e in zip(results, entries)]
    raw = '\n'.join('%s: %s' % (it['path'], it['error'] or '%d files, %d bytes, largest %s' % (it['files'], it['totalBytes'], it['largest'][0]['path'] if it['largest'] else '-')) for it in items)
    return {'items': items}, "find DIR/ -xdev -type f -printf '%s\\t%T@\\t%P\\0'", raw


# ---------------------------------------------------------------- jobs

@section('jobs')
def jobs(params, timeout):
    entries = params.get('jobs') or []
    items = []
    raw = []
    per_call = max(1, min(5, timeout))
    for e in entries:
        f = e['status_file']
        item = {'app': e['app'], 'name': e['name'], 'statusFile': f, 'error': None, 'mtime': None, 'content': None, 'raw': ''}
        rc, out, err = run(['stat', '-L', '-c', '%Y', '--', f], per_call)
        if rc != 0:
            item['error'] = 'timed out reading %s (hung filesystem?)' % f if rc == 137 else 'status file %s: %s' % (f, err.strip().replace('stat: ', '') or 'exit %d' % rc)
            items.append(item)
            raw.append('%s: %s' % (f, item['error']))
            continue
        try:
            item['mtime'] = int(out.strip()) * 1000
        except ValueError:
            pass
        rc, out, err = run(['head', '-c', '65536', '--', f], per_call)
        item['raw'] = cap(out, 2000)
        raw.append('%s: %s' % (f, out.strip()[:500]))
        if rc != 0:
            item['error'] = 'cannot read %s: %s' % (f, err.strip() or 'exit %d' % rc)
        else:
            try:
                content = json.loads(out)
                if not isinstance(content, dict):
                    raise ValueError('a JSON object is expected, not %s' % type(content).__name__)
                item['content'] = content
            except ValueError as err:
                item['error'] = 'status file %s is not a JSON object: %s' % (f, err)
        items.append(item)
    return {'items': items}, 'cat STATUS_FILE  (for each batch job)', '\n'.join(raw)


# ---------------------------------------------------------------- main

def section_limit(name, params, timeout):
    """Seconds a section may run: section_timeout plus its own extra time (EXTRA_TIME)."""
    return timeout + EXTRA_TIME.get(name, lambda p: 0)(params)


def main():
    module = AnsibleModule(argument_spec=SECTION_ARGS, supports_check_mode=True)
    wanted = module.params['sections'] or sorted(SECTIONS)
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        module.fail_json(msg='unknown sections: %s (known: %s)' % (', '.join(unknown), ', '.join(sorted(SECTIONS))))
    timeout = module.params['section_timeout']
    params = module.params['params'] or {}
    results = {}
    threads = []
    for name in wanted:
        def work(n=name):
            results[n] = collect(SECTIONS[n], params, timeout, limit=section_limit(n, params, timeout), raw_limit=RAW_LIMIT)
        t = threading.Thread(target=work)
        t.daemon = True
        t.start()
        threads.append(t)
    longest = max([section_limit(n, params, timeout) for n in wanted] or [timeout])
    deadline = time.time() + longest + 2
    for t in threads:
        t.join(max(0, deadline - time.time()))
    for name in wanted:
        results.setdefault(name, {'ok': False, 'error': 'timed out after %ss' % timeout, 'durationMs': int(longest * 1000)})
    module.exit_json(changed=False, patrol={'version': 1, 'sections': results})


if __name__ == '__main__':
    main()
