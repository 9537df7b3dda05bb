import { defineCheck, levelSeverity, thresholdOf, type FindingDraft } from '../../check.js';
import { processesSection, type ProcessesSection } from '../../collectors/app/app-sections.js';
import { formatBytes } from '../format.js';
import { appTargets, numberParam, round } from './app-check-util.js';

type Item = ProcessesSection['items'][number];

/** What selects the item, for messages: `processes matching /re/` or `cgroup /x`. */
export function describeSelector(it: Item): string {
  return it.kind === 'cgroup' ? `cgroup ${it.selector}` : `processes matching /${it.selector}/`;
}

/** Memory at the last sample, bytes (null when nothing matched then). */
export function lastMemory(it: Item): number | null {
  return it.total.length > 0 ? (it.total[it.total.length - 1] ?? null) : null;
}

/** Evidence of one item: how it was sampled and what was seen. */
export function processEvidence(it: Item): { command: string; raw: string } {
  const lines = it.processes.slice(0, 10).map((p) => `${p.pid} ${p.comm} rss=${p.rss.map((r) => (r === null ? '-' : formatBytes(r))).join(',')}  ${p.cmdline.slice(0, 160)}`);
  const totals = `total per sample: ${it.total.map((v) => (v === null ? '-' : formatBytes(v))).join(' -> ')}`;
  return {
    command: it.kind === 'cgroup' ? `cat /sys/fs/cgroup/...${it.selector}/memory.current memory.stat  # on ${it.host}` : `ps -eo pid,rss,args | grep -E '${it.selector}'  # on ${it.host}`,
    raw: [totals, ...lines].join('\n'),
  };
}

export const appProcessRunning = defineCheck({
  id: 'app.process.running',
  category: 'app',
  title: 'Application processes running',
  description: 'Each configured process (regex on the command line) or cgroup has at least `minCount` processes on every host of the application, at the last memory sample.',
  source: { collector: 'app', section: 'processes', schema: processesSection },
  defaults: { minCount: 1 },
  unit: 'processes',
  remediation: 'Start the application (systemctl start UNIT, docker start NAME) and find out why it stopped: its logs, `journalctl -u UNIT`, OOM kills (app.process.oom_kills), exit codes.',
  evaluate({ data, target, settings }) {
    return data.items.map((it): FindingDraft => {
      const t = appTargets.process(target.name, it.name, it.host);
      if (it.error !== null) return { target: t, labels: { host: it.host }, severity: 'error', message: `${it.name} on ${it.host}: not measured: ${it.error}` };
      const min = numberParam(settings(t), 'minCount', 1);
      const ok = it.count >= min;
      return {
        target: t,
        labels: { host: it.host },
        severity: ok ? 'ok' : 'critical',
        value: it.count,
        threshold: { minCount: min },
        message: `${it.name} on ${it.host}: ${it.count} process${it.count === 1 ? '' : 'es'} (${describeSelector(it)})${ok ? '' : `, expected at least ${min}`}`,
        evidence: processEvidence(it),
      };
    });
  },
});

export const appProcessMemory = defineCheck({
  id: 'app.process.memory',
  category: 'app',
  title: 'Application memory (RSS or cgroup working set)',
  description:
    'Memory of each configured process (summed RSS of the matching processes) or cgroup (working set: usage minus inactive file cache, as kubelet counts it), in MiB at the last sample. No thresholds by default: set warning/critical in MiB to judge it. Its history across runs feeds app.process.memory_leak.',
  source: { collector: 'app', section: 'processes', schema: processesSection },
  defaults: {},
  unit: 'MiB',
  remediation: 'Compare with what the application is configured to use (JVM -Xmx, worker counts, caches); if it keeps growing see app.process.memory_leak.',
  evaluate({ data, target, settings }) {
    return data.items.map((it): FindingDraft => {
      const t = appTargets.process(target.name, it.name, it.host);
      if (it.error !== null) return { target: t, labels: { host: it.host }, severity: 'error', message: `${it.name} on ${it.host}: not measured: ${it.error}` };
      const bytes = lastMemory(it);
      if (bytes === null) return { target: t, labels: { host: it.host }, severity: 'info', message: `${it.name} on ${it.host}: not running, no memory measured (${describeSelector(it)})` };
      const s = settings(t);
      const mib = round(bytes / 1048576);
      const limit = it.limitBytes !== null ? `, ${((bytes / it.limitBytes) * 100).toFixed(0)}% of its ${formatBytes(it.limitBytes)} limit` : '';
      return {
        target: t,
        labels: { host: it.host },
        severity: levelSeverity(mib, s),
        value: mib,
        threshold: thresholdOf(s),
        message: `${it.name} on ${it.host}: ${formatBytes(bytes)} ${it.kind === 'cgroup' ? 'working set' : `RSS in ${it.count} process${it.count === 1 ? '' : 'es'}`}${limit}`,
        details: { bytes, limitBytes: it.limitBytes, count: it.count },
        evidence: processEvidence(it),
      };
    });
  },
});
