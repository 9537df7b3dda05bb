import { defineCheck, levelSeverity, thresholdOf, type FindingDraft } from '../../check.js';
import { processesSection, type ProcessesSection } from '../../collectors/host/host-sections.js';
import { globMatches, numberParam, stringListParam, round2 } from './settings.js';

type Stuck = ProcessesSection['zombies'][number];

/** "python3[812] x3, bash[90]": who holds the stuck processes. */
function byParent(list: readonly Stuck[]): string {
  const groups = new Map<string, number>();
  for (const p of list) groups.set(`${p.parent ?? '?'}[${p.ppid}]`, (groups.get(`${p.parent ?? '?'}[${p.ppid}]`) ?? 0) + 1);
  return [...groups].map(([k, n]) => (n > 1 ? `${k} x${n}` : k)).join(', ');
}

/** Zombie processes present at both ends of the sampling window (Lynis PROC-3612). */
export const hostProcZombies = defineCheck({
  id: 'host.proc.zombies',
  category: 'host',
  title: 'Zombie processes',
  description: 'Processes that exited but were not reaped by their parent (state Z), counted only when present at both ends of the collection module\'s sampling window (a passing zombie is normal). `ignore` lists process-name globs not counted.',
  source: { collector: 'host', section: 'processes', schema: processesSection },
  defaults: { warning: 1, critical: 100, sampleSeconds: 1, ignore: [] },
  remediation: 'A zombie holds only a pid; its parent is at fault (it does not wait() for children). Restart or fix the parent named in the message (`ps -o pid,stat,comm --ppid PARENT`); killing the zombie itself does nothing. Many zombies can exhaust pid_max.',
  reference: 'Lynis PROC-3612 (any zombie); critical 100 is Patrol\'s',
  evaluate({ data, target, settings }) {
    const s = settings();
    const ignore = stringListParam(s, 'ignore');
    const list = data.zombies.filter((z) => !globMatches(ignore, z.comm));
    const n = ignore.length ? list.length : data.zombieCount;
    return [
      {
        target: target.name,
        severity: levelSeverity(n, s),
        value: n,
        threshold: thresholdOf(s),
        message: n === 0 ? `no zombie processes (${data.total} processes)` : `${n} zombie process${n === 1 ? '' : 'es'} for more than ${data.sampleSeconds.toFixed(1)} s: ${list.slice(0, 5).map((z) => `${z.comm}[${z.pid}]`).join(', ')}${n > 5 ? ' ...' : ''}; parents not reaping them: ${byParent(list)}`,
        details: { zombies: list.slice(0, 20) },
      },
    ];
  },
});

/** Processes in uninterruptible sleep at both ends of the window (Lynis PROC-3614). */
export const hostProcDState = defineCheck({
  id: 'host.proc.dstate',
  category: 'host',
  title: 'Processes stuck in D state',
  description: 'Processes in uninterruptible sleep (state D: waiting on IO, a hung NFS/FUSE mount, a frozen cgroup) at both ends of the sampling window, with the kernel function they wait in (wchan). They raise the load average without using CPU. `ignore` lists process-name globs not counted.',
  source: { collector: 'host', section: 'processes', schema: processesSection },
  defaults: { warning: 1, critical: 10, ignore: [] },
  remediation: 'Find what they wait on: `cat /proc/PID/wchan`, `cat /proc/PID/stack` (root), `dmesg` for hung tasks or IO errors. Usual causes: a dead NFS server (check `mount -t nfs`), failing storage, a stuck FUSE daemon. Fix the storage or mount; the processes continue or die when it answers (umount -f / -l for a dead NFS server).',
  reference: 'Lynis PROC-3614 (processes waiting on IO); critical 10 is Patrol\'s',
  evaluate({ data, target, settings }) {
    const s = settings();
    const ignore = stringListParam(s, 'ignore');
    const list = data.dstate.filter((p) => !globMatches(ignore, p.comm));
    const n = ignore.length ? list.length : data.dstateCount;
    const waits = [...new Set(list.map((p) => p.wchan).filter(Boolean))].slice(0, 3).join(', ');
    return [
      {
        target: target.name,
        severity: levelSeverity(n, s),
        value: n,
        threshold: thresholdOf(s),
        message: n === 0 ? `no processes stuck in D state (${data.total} processes)` : `${n} process${n === 1 ? '' : 'es'} in D state for more than ${data.sampleSeconds.toFixed(1)} s: ${list.slice(0, 5).map((p) => `${p.comm}[${p.pid}]`).join(', ')}${n > 5 ? ' ...' : ''}${waits ? ` (waiting in ${waits})` : ''}`,
        details: { dstate: list.slice(0, 20) },
      },
    ];
  },
});

/** File descriptors: the system table and processes against their own limit. */
export const hostFdUsage = defineCheck({
  id: 'host.fd.usage',
  category: 'host',
  title: 'File descriptor usage',
  description: 'System-wide: allocated file handles / fs.file-max (/proc/sys/fs/file-nr), target HOST. Per process: open descriptors / its soft RLIMIT_NOFILE, target HOST:fd:NAME (the worst process of that name), for the `topProcesses` highest (default 3) and any at or above the warning level. A process at its limit fails with "Too many open files".',
  source: { collector: 'host', section: 'processes', schema: processesSection },
  defaults: { warning: 70, critical: 90, topProcesses: 3 },
  unit: '%',
  remediation: 'For a process near its limit: raise LimitNOFILE= in its systemd unit (or `ulimit -n` / limits.conf) if the usage is legitimate, or find the descriptor leak (`ls -l /proc/PID/fd | awk \'{print $NF}\' | sort | uniq -c | sort -rn | head`). System-wide: raise fs.file-max.',
  reference: 'kubernetes node-mixin NodeFileDescriptorLimit: > 70 % (warning), > 90 % (critical)',
  evaluate({ data, target, settings }) {
    const s = settings();
    const sysPct = data.fd.max > 0 ? (100 * data.fd.allocated) / data.fd.max : 0;
    const out: FindingDraft[] = [
      {
        target: target.name,
        severity: levelSeverity(sysPct, s),
        value: round2(sysPct),
        threshold: thresholdOf(s),
        message: `${data.fd.allocated} of ${data.fd.max} system file handles allocated (${sysPct.toFixed(2)}%)`,
      },
    ];
    const top = Math.max(0, Math.floor(numberParam(s, 'topProcesses', 3)));
    const seen = new Set<string>();
    data.fdTop.forEach((p, i) => {
      const t = `${target.name}:fd:${p.comm}`;
      if (seen.has(t)) return;
      const st = settings(t);
      const sev = levelSeverity(p.percent, st);
      if (i >= top && sev === 'ok') return;
      seen.add(t);
      out.push({
        target: t,
        severity: sev,
        value: round2(p.percent),
        threshold: thresholdOf(st),
        message: `${p.comm} (pid ${p.pid}) has ${p.fds} of its ${p.limit} open files in use (${p.percent.toFixed(1)}%)`,
        evidence: { command: `ls /proc/${p.pid}/fd | wc -l; grep 'Max open files' /proc/${p.pid}/limits`, raw: `${p.fds} open, soft limit ${p.limit}` },
      });
    });
    return out;
  },
});
