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
    description: Per-section parameters.
    type: dict
    default: {}
'''

import os
import subprocess
import threading
import time

from ansible.module_utils.basic import AnsibleModule

RAW_LIMIT = 4096
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


class SectionError(Exception):
    pass


def run(argv, timeout, input_text=None):
    """Runs argv (no shell) with a hard timeout; returns (rc, stdout, stderr)."""
    try:
        p = subprocess.run(['timeout', '--signal=KILL', str(max(1, int(timeout))) ] + list(argv), input=input_text,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout + 5)
    except subprocess.TimeoutExpired:
        return 137, '', 'timed out'
    except OSError as e:
        return 127, '', str(e)
    return p.returncode, p.stdout, p.stderr


def cap(text, limit=RAW_LIMIT):
    if text is None:
        return None
    return text if len(text) <= limit else text[:limit] + '\n... [%d more characters]' % (len(text) - limit)


def unescape_mount(path):
    # /proc/mounts escapes spaces and tabs as octal.
    return path.replace('\\040', ' ').replace('\\011', '\t').replace('\\012', '\n').replace('\\134', '\\')


@section('disks')
def disks(params, timeout):
    per_mount = max(1, min(int(params.get('mount_timeout', 5)), int(timeout)))
    exclude_fs = set(params.get('exclude_fstypes', [])) | PSEUDO_FS
    exclude_mounts = tuple(params.get('exclude_mounts', []))
    seen = set()
    mounts, failed, raw = [], [], []
    with open('/proc/self/mounts') as f:
        lines = f.read().splitlines()
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        device, mount, fstype = parts[0], unescape_mount(parts[1]), parts[2]
        if fstype in exclude_fs or mount.startswith(PSEUDO_PREFIXES) or mount.startswith(exclude_mounts) or mount in seen:
            continue
        if fstype == 'tmpfs' and (mount.startswith('/run') or mount == '/dev/shm'):
            continue
        seen.add(mount)
        # statvfs in a child process: a hung mount blocks the child, which is killed, not us.
        rc, out, err = run(['stat', '-f', '-c', '%b %f %a %S %c %d', '--', mount], per_mount)
        raw.append('%s %s %s: %s' % (device, mount, fstype, (out or err).strip()))
        if rc != 0:
            failed.append({'mount': mount, 'fstype': fstype, 'error': 'timed out after %ds (hung mount?)' % per_mount if rc == 137 else (err.strip() or 'stat failed (exit %d)' % rc)})
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


def collect(name, fn, params, timeout):
    started = time.time()
    box = {}

    def target():
        try:
            data, command, raw = fn(params, timeout)
            box['result'] = {'ok': True, 'data': data, 'command': command, 'raw': cap(raw)}
        except SectionError as e:
            box['result'] = {'ok': False, 'error': str(e)}
        except Exception as e:  # a bug or an odd host must not lose the other sections
            box['result'] = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}

    t = threading.Thread(target=target)
    t.daemon = True
    t.start()
    t.join(timeout)
    res = box.get('result') or {'ok': False, 'error': 'timed out after %ss' % timeout}
    res['durationMs'] = int((time.time() - started) * 1000)
    return res


def main():
    module = AnsibleModule(argument_spec=dict(
        section_timeout=dict(type='int', default=20),
        sections=dict(type='list', elements='str'),
        params=dict(type='dict', default={}),
    ), supports_check_mode=True)
    wanted = module.params['sections'] or sorted(SECTIONS)
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        module.fail_json(msg='unknown sections: %s (known: %s)' % (', '.join(unknown), ', '.join(sorted(SECTIONS))))
    timeout = module.params['section_timeout']
    params = module.params['params'] or {}
    results = {}
    # Sections run in parallel threads: the slowest, not the sum, bounds the task.
    threads = []
    for name in wanted:
        def work(n=name):
            results[n] = collect(n, SECTIONS[n], params.get(n, {}), timeout)
        t = threading.Thread(target=work)
        t.daemon = True
        t.start()
        threads.append(t)
    deadline = time.time() + timeout + 2
    for t in threads:
        t.join(max(0, deadline - time.time()))
    for name in wanted:
        results.setdefault(name, {'ok': False, 'error': 'timed out after %ss' % timeout, 'durationMs': timeout * 1000})
    module.exit_json(changed=False, patrol={'version': 1, 'sections': results})


if __name__ == '__main__':
    main()
