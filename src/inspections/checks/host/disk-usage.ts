import { defineCheck, levelSeverity, thresholdOf, type FindingDraft } from '../../check.js';
import { disksSection } from '../../collectors/host/host-sections.js';
import { formatBytes } from '../format.js';

/** Disk space per mount. Thresholds as lework's os-check (80/90 % used). */
export const hostDiskUsage = defineCheck({
  id: 'host.disk.usage',
  category: 'host',
  title: 'Disk space used per mount',
  description: 'Percentage of each filesystem used (as df counts it: used / (used + available)). Pseudo filesystems (proc, overlay, squashfs, container and kubelet pod mounts, /run tmpfs ...) are skipped, as are `excludeFstypes` and mounts under `excludeMounts`. Every mount is measured in its own child process killed after `mountTimeout` seconds (default 5), all at once: a mount that does not answer (a hung NFS or FUSE mount) is an error for that mount and holds up nothing else.',
  source: { collector: 'host', section: 'disks', schema: disksSection },
  defaults: { warning: 80, critical: 90, mountTimeout: 5, excludeFstypes: [], excludeMounts: [] },
  unit: '%',
  remediation: 'Free space: remove old logs and rotated files, vacuum the journal (journalctl --vacuum-time=7d), prune unused container images, or grow the filesystem.',
  remediationWorkflow: 'disk-cleanup',
  reference: 'lework/Ansible-roles os-check: bad >= 80 %, critical >= 90 %',
  evaluate({ data, target, settings }) {
    const out: FindingDraft[] = data.mounts.map((m) => {
      const t = `${target.name}:${m.mount}`;
      const s = settings(t);
      return {
        target: t,
        severity: levelSeverity(m.usedPercent, s),
        value: m.usedPercent,
        threshold: thresholdOf(s),
        message: `${m.mount} is ${m.usedPercent.toFixed(1)}% full (${formatBytes(m.usedBytes)} used, ${formatBytes(m.availBytes)} free of ${formatBytes(m.sizeBytes)}, ${m.fstype})`,
        details: { device: m.device, fstype: m.fstype, sizeBytes: m.sizeBytes, availBytes: m.availBytes },
      };
    });
    for (const f of data.failed) out.push({ target: `${target.name}:${f.mount}`, severity: 'error', message: `${f.mount} (${f.fstype}) could not be measured: ${f.error}` });
    return out;
  },
});

/** Inodes per mount: a filesystem can be "full" with free blocks. */
export const hostDiskInodes = defineCheck({
  id: 'host.disk.inodes',
  category: 'host',
  title: 'Inodes used per mount',
  description: 'Percentage of inodes used on each filesystem that has inodes.',
  source: { collector: 'host', section: 'disks', schema: disksSection },
  defaults: { warning: 80, critical: 90 },
  unit: '%',
  remediation: 'Find directories with many small files (e.g. `find / -xdev -printf "%h\\n" | sort | uniq -c | sort -rn | head`), clean them up, or recreate the filesystem with more inodes.',
  reference: 'node-mixin / lework: same thresholds as disk space',
  evaluate({ data, target, settings }) {
    return data.mounts
      .filter((m) => m.inodesTotal > 0)
      .map((m) => {
        const t = `${target.name}:${m.mount}`;
        const s = settings(t);
        return {
          target: t,
          severity: levelSeverity(m.inodesUsedPercent, s),
          value: m.inodesUsedPercent,
          threshold: thresholdOf(s),
          message: `${m.mount}: ${m.inodesUsedPercent.toFixed(1)}% of inodes used (${m.inodesUsed} of ${m.inodesTotal})`,
        };
      });
  },
});
