import { defineCheck, levelSeverity, thresholdOf } from '../../check.js';
import { memorySection } from '../../collectors/host/host-sections.js';
import { formatBytes } from '../format.js';
import { round2 } from './settings.js';

const topText = (top: { comm: string; pid: number; rssBytes: number }[]) => top.slice(0, 3).map((t) => `${t.comm} ${formatBytes(t.rssBytes)}`).join(', ');

/** Memory in use: total minus MemAvailable (what the kernel can hand out without swapping). */
export const hostMemoryUsage = defineCheck({
  id: 'host.memory.usage',
  category: 'host',
  title: 'Memory usage',
  description: 'Share of RAM not available to new allocations: (MemTotal - MemAvailable) / MemTotal from /proc/meminfo. Page cache that can be dropped counts as available.',
  source: { collector: 'host', section: 'memory', schema: memorySection },
  defaults: { warning: 90, critical: 95 },
  unit: '%',
  remediation: 'Find the largest consumers (ps -eo pid,comm,rss --sort=-rss | head), look for leaks (RSS growing run after run), set memory limits on containers, or add RAM.',
  reference: 'kubernetes node-mixin: memory > 90 % (warning); critical 95 % is Patrol\'s',
  evaluate({ data, target, settings }) {
    const s = settings();
    return [
      {
        target: target.name,
        severity: levelSeverity(data.usedPercent, s),
        value: round2(data.usedPercent),
        threshold: thresholdOf(s),
        message: `memory ${data.usedPercent.toFixed(1)}% used (${formatBytes(data.totalBytes - data.availableBytes)} of ${formatBytes(data.totalBytes)}, ${formatBytes(data.availableBytes)} available); largest: ${topText(data.top)}`,
        details: { totalBytes: data.totalBytes, availableBytes: data.availableBytes, top: data.top },
      },
    ];
  },
});

/** Swap in use. A host without swap is fine (and what Kubernetes nodes want). */
export const hostSwapUsage = defineCheck({
  id: 'host.swap.usage',
  category: 'host',
  title: 'Swap usage',
  description: 'Share of swap space in use (SwapTotal - SwapFree). Hosts without swap report ok.',
  source: { collector: 'host', section: 'memory', schema: memorySection },
  defaults: { warning: 80, critical: 90 },
  unit: '%',
  remediation: 'Heavy swap use means memory is overcommitted: find the consumers (smem -s swap, or grep VmSwap /proc/*/status), reduce them or add RAM. On Kubernetes nodes disable swap (vm.swappiness=0, swapoff -a) unless the kubelet is configured for it.',
  reference: 'lework/Ansible-roles os-check: bad >= 80 %, critical >= 90 %',
  evaluate({ data, target, settings }) {
    const s = settings();
    if (data.swapTotalBytes === 0) return [{ target: target.name, severity: 'ok', value: 0, threshold: thresholdOf(s), message: 'no swap configured' }];
    const used = data.swapTotalBytes - data.swapFreeBytes;
    return [
      {
        target: target.name,
        severity: levelSeverity(data.swapUsedPercent, s),
        value: round2(data.swapUsedPercent),
        threshold: thresholdOf(s),
        message: `swap ${data.swapUsedPercent.toFixed(1)}% used (${formatBytes(used)} of ${formatBytes(data.swapTotalBytes)}); memory ${data.usedPercent.toFixed(1)}% used`,
        details: { swapTotalBytes: data.swapTotalBytes, swapUsedBytes: used },
      },
    ];
  },
});
