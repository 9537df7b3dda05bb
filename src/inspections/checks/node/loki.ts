import { defineCheck, levelSeverity, thresholdOf } from '../../check.js';
import { nodeLokiSection } from '../../collectors/node/node-sections.js';
import { formatBytes, parseBytes } from '../format.js';
import { round1, severityParam } from '../host/settings.js';
import { nodeSettingsOf } from './node-settings-of.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** A Prometheus/Loki model duration ("744h", "31d", "1w2d", "0s") in ms; undefined when it is none. */
export function lokiDuration(text: string | null): number | undefined {
  if (text === null) return undefined;
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) === 0 ? 0 : undefined;
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== t) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
}

const truthy = (v: unknown) => v === true || v === 'true';

/** Loki deletes old logs: compactor retention (or the deprecated table manager) with a period. */
export const nodeLokiRetention = defineCheck({
  id: 'node.loki.retention',
  category: 'cluster',
  title: 'Loki retention configured',
  description:
    'Reads Loki\'s config file (spec.nodes.loki.configFile) on the node. Retention works when compactor.retention_enabled is true and limits_config.retention_period is above 0 (Loki 3 also needs compactor.delete_request_store), or with the deprecated table_manager.retention_deletes_enabled and a table_manager.retention_period. Otherwise Loki keeps every log forever until its disk fills: reported at `severity` (default warning). A missing or unparsable file is an error.',
  source: { collector: 'node', section: 'loki', schema: nodeLokiSection.nullable() },
  defaults: { severity: 'warning' },
  remediation: 'Set compactor.retention_enabled: true, compactor.delete_request_store (your object store, e.g. filesystem or s3) and limits_config.retention_period (e.g. 744h), then restart Loki; or run the loki-retention runbook.',
  remediationWorkflow: 'loki-retention',
  reference: 'Grafana Loki docs: retention with the compactor (retention_enabled, retention_period); Patrol anchors: Loki retention (no inspection tool checks it)',
  evaluate({ data, target, settings }) {
    if (data === null) return [{ target: target.name, severity: 'info', message: 'Loki is not configured for this inspection (spec.nodes.loki)' }];
    const t = `${target.name}:${data.configFile}`;
    if (!data.configExists) return [{ target: t, severity: 'error', message: `Loki config ${data.configFile} not found on ${target.name}; set spec.nodes.loki.configFile, or disable node.loki.* for nodes without Loki` }];
    if (data.parseError || !data.retention) return [{ target: t, severity: 'error', message: `cannot read Loki config ${data.configFile}: ${data.parseError ?? 'no settings'}` }];
    const r = data.retention;
    const sev = severityParam(settings(), 'severity', 'warning');
    const period = lokiDuration(r.retentionPeriod);
    const tmPeriod = lokiDuration(r.tableManagerPeriod);
    const details = { ...r, parser: data.parser };
    if (truthy(r.compactorRetentionEnabled) && period !== undefined && period > 0) {
      const store = r.deleteRequestStore ? `, delete requests in ${String(r.deleteRequestStore)}` : '; note: Loki 3 also needs compactor.delete_request_store';
      return [{ target: t, severity: 'ok', value: round1(period / 86_400_000), unit: 'days', message: `Loki deletes logs older than ${r.retentionPeriod} (compactor retention${store}${r.retentionStreams ? `, ${r.retentionStreams} per-stream rules` : ''})`, details }];
    }
    if (truthy(r.tableManagerDeletes) && tmPeriod !== undefined && tmPeriod > 0) {
      return [{ target: t, severity: 'ok', value: round1(tmPeriod / 86_400_000), unit: 'days', message: `Loki deletes logs older than ${r.tableManagerPeriod} (table manager retention, deprecated: move to the compactor)`, details }];
    }
    const why = truthy(r.compactorRetentionEnabled)
      ? `compactor.retention_enabled is true but limits_config.retention_period is ${r.retentionPeriod === null ? 'not set' : `${r.retentionPeriod}`} (0 = keep forever)`
      : period !== undefined && period > 0
        ? `limits_config.retention_period is ${r.retentionPeriod} but compactor.retention_enabled is not true: nothing is deleted`
        : 'no retention is configured (compactor.retention_enabled and limits_config.retention_period)';
    return [{ target: t, severity: sev, value: 0, unit: 'days', message: `Loki keeps logs forever: ${why}`, details }];
  },
});

/** Size of Loki's data directory against spec.nodes.loki.maxSize. */
export const nodeLokiDataSize = defineCheck({
  id: 'node.loki.data_size',
  category: 'cluster',
  title: 'Loki data size',
  description: 'Disk used by Loki\'s data directory (spec.nodes.loki.dataDir, du -s) as a percentage of spec.nodes.loki.maxSize: `warning`/`critical` percent. Without maxSize the size is reported as info. A missing data directory is an error.',
  source: { collector: 'node', section: 'loki', schema: nodeLokiSection.nullable() },
  defaults: { warning: 85, critical: 100 },
  unit: '%',
  remediation: 'Shorten the retention (limits_config.retention_period) and make sure the compactor runs, or give Loki more disk and raise spec.nodes.loki.maxSize.',
  remediationWorkflow: 'loki-retention',
  reference: 'Patrol anchors: Loki retention and log volume size',
  evaluate({ data, target, settings }) {
    if (data === null) return [{ target: target.name, severity: 'info', message: 'Loki is not configured for this inspection (spec.nodes.loki)' }];
    const t = `${target.name}:${data.dataDir}`;
    if (!data.dataDirExists || data.dataBytes === null) return [{ target: t, severity: 'error', message: `Loki data directory ${data.dataDir} not found on ${target.name}; set spec.nodes.loki.dataDir` }];
    const max = nodeSettingsOf(target).loki?.maxSize;
    if (max === undefined) return [{ target: t, severity: 'info', value: data.dataBytes, unit: 'bytes', message: `Loki data ${data.dataDir} holds ${formatBytes(data.dataBytes)} (no limit set: spec.nodes.loki.maxSize)` }];
    const s = settings(t);
    const limit = parseBytes(max);
    const pct = (100 * data.dataBytes) / limit;
    return [{ target: t, severity: levelSeverity(pct, s), value: round1(pct), threshold: thresholdOf(s), message: `Loki data ${data.dataDir} holds ${formatBytes(data.dataBytes)}, ${round1(pct)}% of its ${formatBytes(limit)} limit`, details: { bytes: data.dataBytes, limitBytes: limit } }];
  },
});
