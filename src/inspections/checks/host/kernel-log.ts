import { defineCheck, levelSeverity, thresholdOf, type CheckSettings } from '../../check.js';
import { kernelLogSection, type KernelLogEvent, type KernelLogSection } from '../../collectors/host/host-sections.js';
import { formatSeconds } from '../format.js';
import { numberParam } from './settings.js';

/** Events of the last `windowHours` (default 24: a daily inspection sees each event once or twice). */
function recent(events: readonly KernelLogEvent[], s: CheckSettings, now: number): { list: KernelLogEvent[]; hours: number } {
  const hours = numberParam(s, 'windowHours', 24);
  if (hours <= 0) throw new Error('parameter "windowHours" must be greater than 0');
  return { list: events.filter((e) => e.at >= now - hours * 3_600_000 && e.at <= now + 60_000), hours };
}

const span = (hours: number) => formatSeconds(hours * 3600);
const when = (at: number, now: number) => `${formatSeconds(Math.max(0, now - at) / 1000)} ago`;
const coverage = (d: KernelLogSection, hours: number, now: number) =>
  d.oldestAt !== null && d.oldestAt > now - hours * 3_600_000 ? ` (the kernel log only reaches back ${formatSeconds((now - d.oldestAt) / 1000)}, to the oldest message kept)` : '';

function evidence(list: readonly KernelLogEvent[], command: string) {
  return { command, raw: list.slice(-10).map((e) => `${new Date(e.at).toISOString()} ${e.message}`).join('\n') };
}

/** Processes killed by the OOM killer (node-problem-detector OOMKilling). */
export const hostKernelOomKills = defineCheck({
  id: 'host.kernel.oom_kills',
  category: 'host',
  title: 'OOM kills',
  description: 'Processes the kernel\'s OOM killer killed in the last `windowHours` (default 24), from the kernel log. A kill inside a memory cgroup (a container or service hitting its own limit) counts toward the warning/critical counts; a system-wide OOM (the host itself ran out of memory) is always critical.',
  source: { collector: 'host', section: 'kernel_log', schema: kernelLogSection },
  defaults: { warning: 1, critical: 10, windowHours: 24 },
  remediation: 'For cgroup OOMs raise the limit of the container or unit named in the message or fix its memory growth; for system OOMs find what filled RAM (host.memory.usage top processes, `dmesg | grep -A20 "invoked oom-killer"` for the task list) and add memory limits or RAM.',
  reference: 'node-problem-detector kernel-monitor OOMKilling ("Killed process N (name) total-vm...")',
  evaluate({ data, target, settings, now }) {
    const s = settings();
    const { list, hours } = recent(data.oom, s, now);
    const global = list.filter((e) => !e.memcg && e.constraint !== 'CONSTRAINT_MEMCG');
    let severity = levelSeverity(list.length, s);
    if (global.length > 0) severity = 'critical';
    const names = [...new Set(list.map((e) => e.process ?? '?'))];
    const last = list[list.length - 1];
    return [
      {
        target: target.name,
        severity,
        value: list.length,
        threshold: thresholdOf(s),
        message:
          list.length === 0
            ? `no OOM kills in the last ${span(hours)}${coverage(data, hours, now)}`
            : `${list.length} OOM kill${list.length === 1 ? '' : 's'} in the last ${span(hours)} (${global.length} system-wide, ${list.length - global.length} in memory cgroups): ${names.slice(0, 5).join(', ')}; last ${when(last!.at, now)}: ${last!.process}[${last!.pid}]${last!.cgroup ? ` in ${last!.cgroup}` : ''}`,
        details: { kills: list.slice(-10).map((e) => ({ at: e.at, process: e.process, pid: e.pid, memcg: e.memcg, cgroup: e.cgroup })) },
        ...(list.length ? { evidence: evidence(list, 'dmesg -T | grep -E "Killed process|oom-kill:"') } : {}),
      },
    ];
  },
});

/** Tasks blocked for more than the hung-task timeout (node-problem-detector TaskHung). */
export const hostKernelHungTasks = defineCheck({
  id: 'host.kernel.hung_tasks',
  category: 'host',
  title: 'Hung tasks',
  description: 'Kernel "INFO: task NAME:PID blocked for more than N seconds" reports in the last `windowHours` (default 24): tasks stuck in uninterruptible sleep past kernel.hung_task_timeout_secs, usually on storage or a hung network filesystem.',
  source: { collector: 'host', section: 'kernel_log', schema: kernelLogSection },
  defaults: { warning: 1, critical: 10, windowHours: 24 },
  remediation: 'Read the stack dumped after the message (`dmesg -T | grep -A30 "blocked for more than"`): it names the wait (NFS, journal commit, a device). Check the storage and network filesystems behind it; see host.proc.dstate for processes still stuck.',
  reference: 'node-problem-detector kernel-monitor TaskHung ("task X:N blocked for more than N seconds")',
  evaluate({ data, target, settings, now }) {
    const s = settings();
    const { list, hours } = recent(data.hung, s, now);
    const last = list[list.length - 1];
    return [
      {
        target: target.name,
        severity: levelSeverity(list.length, s),
        value: list.length,
        threshold: thresholdOf(s),
        message: list.length === 0 ? `no hung tasks reported in the last ${span(hours)}${coverage(data, hours, now)}` : `${list.length} hung task report${list.length === 1 ? '' : 's'} in the last ${span(hours)}: ${[...new Set(list.map((e) => e.process))].slice(0, 5).join(', ')}; last ${when(last!.at, now)}: ${last!.process}:${last!.pid} blocked for more than ${last!.seconds} s`,
        ...(list.length ? { evidence: evidence(list, 'dmesg -T | grep -A30 "blocked for more than"') } : {}),
      },
    ];
  },
});

/** Filesystem and block IO errors (node-problem-detector Ext4Error, IOError, ReadonlyFilesystem). */
export const hostKernelFsErrors = defineCheck({
  id: 'host.kernel.fs_errors',
  category: 'host',
  title: 'Filesystem and IO errors',
  description: 'Kernel reports of ext4 / XFS / btrfs errors, block IO errors and filesystems remounted read-only in the last `windowHours` (default 24). A read-only remount is always critical: writes on that filesystem fail.',
  source: { collector: 'host', section: 'kernel_log', schema: kernelLogSection },
  defaults: { warning: 1, critical: 10, windowHours: 24 },
  remediation: 'Check the device (`smartctl -a`, `dmesg -T | grep -i error`), back up what matters, then unmount and repair (`fsck -f` / `xfs_repair`) in a maintenance window; replace failing disks.',
  reference: 'node-problem-detector kernel-monitor Ext4Error, IOError, ReadonlyFilesystem (permanent)',
  evaluate({ data, target, settings, now }) {
    const s = settings();
    const { list, hours } = recent(data.fs, s, now);
    const readonly = list.filter((e) => /read-only/i.test(e.message));
    let severity = levelSeverity(list.length, s);
    if (readonly.length > 0) severity = 'critical';
    const last = list[list.length - 1];
    return [
      {
        target: target.name,
        severity,
        value: list.length,
        threshold: thresholdOf(s),
        message: list.length === 0 ? `no filesystem or IO errors in the last ${span(hours)}${coverage(data, hours, now)}` : `${list.length} filesystem/IO error${list.length === 1 ? '' : 's'} in the last ${span(hours)}${readonly.length ? ` (${readonly.length} read-only remount${readonly.length === 1 ? '' : 's'})` : ''}; last ${when(last!.at, now)}: ${last!.message}`,
        ...(list.length ? { evidence: evidence(list, 'dmesg -T | grep -E "EXT4-fs error|I/O error|Remounting filesystem read-only|XFS .*(Corruption|shut)"') } : {}),
      },
    ];
  },
});
