import { defineCheck, levelSeverity, thresholdOf, type FindingDraft } from '../../check.js';
import { logsSection, type LogsSection } from '../../collectors/app/app-sections.js';
import { formatBytes } from '../format.js';
import { appTargets, formatAge, round } from './app-check-util.js';

type Item = LogsSection['items'][number];

function evidence(it: Item, lines: string[]): { command: string; raw: string } {
  return { command: `${it.command ?? `find ${it.path}/ -xdev -type f`}  # on ${it.host}`, raw: [`${it.files} files, ${formatBytes(it.totalBytes)}, ${it.rotatedFiles} rotated`, ...lines].join('\n') };
}

function notMeasured(it: Item, target: string, what: string): FindingDraft {
  return { target, labels: { host: it.host }, severity: 'error', message: `${it.path} on ${it.host}: ${what} not measured: ${it.error}` };
}

/** A walk cut short by its time limit proves a problem when the partial numbers already exceed, never that all is well. */
function partialBelow(it: Item, target: string, what: string): FindingDraft {
  return { target, labels: { host: it.host }, severity: 'error', message: `${it.path} on ${it.host}: ${what}: the directory walk stopped at the section time limit after ${it.files} files; raise collection.sectionTimeout` };
}

export const appLogsSize = defineCheck({
  id: 'app.logs.size',
  category: 'app',
  title: 'Log directory size',
  description: "Total size of a log directory (all files, recursively, not crossing filesystems) as a percentage of its configured maxSize: 80 % warning, 100 % critical. Without a maxSize the size is reported, not judged.",
  source: { collector: 'app', section: 'logs', schema: logsSection },
  defaults: { warning: 80, critical: 100 },
  unit: '%',
  remediation: 'Delete or compress old logs, shorten retention (logrotate rotate/maxage, the logging framework\'s max history), lower the log level, or ship logs off the host.',
  reference: 'Patrol anchors: log size/rotation is checked by none of the anchor tools',
  evaluate({ data, target, settings }) {
    return data.items.map((it): FindingDraft => {
      const t = appTargets.logDir(target.name, it.path, it.host);
      if (it.error !== null) return notMeasured(it, t, 'size');
      const s = settings(t);
      const size = `${formatBytes(it.totalBytes)} in ${it.files} file${it.files === 1 ? '' : 's'}`;
      const note = it.note ? ` (${it.note})` : '';
      if (it.maxSizeBytes === null) return { target: t, labels: { host: it.host }, severity: 'ok', message: `${it.path} on ${it.host}: ${size}; no maxSize configured${note}`, details: { bytes: it.totalBytes, files: it.files }, evidence: evidence(it, []) };
      const p = (it.totalBytes / it.maxSizeBytes) * 100;
      const severity = levelSeverity(p, s);
      if (it.partial && severity === 'ok') return partialBelow(it, t, 'size');
      return {
        target: t,
        labels: { host: it.host },
        severity,
        value: round(p),
        threshold: { ...thresholdOf(s), maxSizeBytes: it.maxSizeBytes },
        message: `${it.path} on ${it.host}: ${size}, ${p.toFixed(1)}% of its ${formatBytes(it.maxSizeBytes)} limit${note}`,
        details: { bytes: it.totalBytes, files: it.files, maxSizeBytes: it.maxSizeBytes, largest: it.largest },
        evidence: evidence(it, it.largest.map((f) => `${formatBytes(f.bytes)}  ${f.path}`)),
      };
    });
  },
});

export const appLogsRetention = defineCheck({
  id: 'app.logs.retention',
  category: 'app',
  title: 'Log files kept beyond retention',
  description: "Files in a log directory older than its retentionDays (by modification time): retention is not being enforced. One such file is a warning by default (set `critical` to escalate above a count). Without retentionDays the oldest file's age is reported, not judged.",
  source: { collector: 'app', section: 'logs', schema: logsSection },
  defaults: { warning: 1 },
  unit: 'files',
  remediation: 'Enforce retention: logrotate `maxage`/`rotate`, the logging framework\'s maxHistory, or a cleanup job (find DIR -type f -mtime +DAYS -delete); check that the cleanup job actually runs.',
  evaluate({ data, target, settings, now }) {
    return data.items.map((it): FindingDraft => {
      const t = appTargets.logDir(target.name, it.path, it.host);
      if (it.error !== null) return notMeasured(it, t, 'retention');
      const oldest = it.oldest ? `oldest file ${it.oldest.path} is ${formatAge(now - it.oldest.mtime)} old` : 'no files';
      if (it.retentionDays === null) return { target: t, labels: { host: it.host }, severity: 'ok', message: `${it.path} on ${it.host}: ${oldest}; no retentionDays configured` };
      const s = settings(t);
      const n = it.expired.count;
      const severity = levelSeverity(n, s);
      if (it.partial && severity === 'ok') return partialBelow(it, t, 'retention');
      return {
        target: t,
        labels: { host: it.host },
        severity,
        value: n,
        threshold: { ...thresholdOf(s), retentionDays: it.retentionDays },
        message:
          n === 0
            ? `${it.path} on ${it.host}: no files older than ${it.retentionDays} days (${oldest})`
            : `${it.path} on ${it.host}: ${n} file${n === 1 ? '' : 's'} older than the ${it.retentionDays}-day retention (${formatBytes(it.expired.bytes)}); ${oldest}`,
        details: { retentionDays: it.retentionDays, expiredBytes: it.expired.bytes, examples: it.expired.examples },
        evidence: evidence(it, it.expired.examples.map((f) => `${new Date(f.mtime).toISOString()}  ${formatBytes(f.bytes)}  ${f.path}`)),
      };
    });
  },
});

export const appLogsRotation = defineCheck({
  id: 'app.logs.rotation',
  category: 'app',
  title: 'Log rotation missing (a huge single file)',
  description: "The largest file of a log directory against its maxFileSize (1 GiB unless configured), in percent: at 100 % a warning, at 200 % critical. A log file that big means rotation is missing or broken; the message says how many rotated files (app.log.1, .gz, dated names) exist.",
  source: { collector: 'app', section: 'logs', schema: logsSection },
  defaults: { warning: 100, critical: 200 },
  unit: '%',
  remediation: 'Set up rotation by size and time (logrotate with size/maxsize and copytruncate or a reopen signal, or the logging framework\'s rolling policy), then compress or remove the oversized file.',
  evaluate({ data, target, settings }) {
    return data.items.map((it): FindingDraft => {
      const t = appTargets.logDir(target.name, it.path, it.host);
      if (it.error !== null) return notMeasured(it, t, 'rotation');
      const s = settings(t);
      const big = it.largest[0];
      if (!big) return { target: t, labels: { host: it.host }, severity: it.partial ? 'error' : 'ok', message: `${it.path} on ${it.host}: ${it.partial ? 'the walk stopped before finding any file' : 'no files'}` };
      const p = (big.bytes / it.maxFileSizeBytes) * 100;
      const severity = levelSeverity(p, s);
      if (it.partial && severity === 'ok') return partialBelow(it, t, 'rotation');
      const rotated = it.rotatedFiles === 0 ? 'no rotated files: rotation looks missing' : `${it.rotatedFiles} rotated file${it.rotatedFiles === 1 ? '' : 's'}`;
      return {
        target: t,
        labels: { host: it.host },
        severity,
        value: round(p),
        threshold: { ...thresholdOf(s), maxFileSizeBytes: it.maxFileSizeBytes },
        message: `${it.path} on ${it.host}: largest file ${big.path} is ${formatBytes(big.bytes)} (${p.toFixed(1)}% of the ${formatBytes(it.maxFileSizeBytes)} maxFileSize); ${rotated}`,
        details: { largest: it.largest, rotatedFiles: it.rotatedFiles, maxFileSizeBytes: it.maxFileSizeBytes },
        evidence: evidence(it, it.largest.map((f) => `${formatBytes(f.bytes)}  ${f.path}`)),
      };
    });
  },
});
