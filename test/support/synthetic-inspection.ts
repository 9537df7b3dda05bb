import { fingerprintOf, type Finding, type Severity } from '../../src/findings/finding.js';
import type { RunRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { newId } from '../../src/util/ids.js';

export interface SyntheticRunOptions {
  inspection: string;
  hosts: number;
  checks: number;
  /** Run start (epoch ms). */
  at: number;
  /** Changes which checks fail, so consecutive runs differ (new, resolved, regressed). */
  seed: number;
  status?: RunRecord['status'];
  labels?: Record<string, string>;
  /** Raw evidence characters on problems. @defaultValue 300 */
  evidenceChars?: number;
}

/** Deterministic 0..1 from integers (no shared RNG state, so runs are reproducible). */
function hash01(...n: number[]): number {
  let h = 2166136261;
  for (const x of n) {
    h ^= x;
    h = Math.imul(h, 16777619) >>> 0;
    h ^= h >>> 13;
  }
  return ((h >>> 0) % 100000) / 100000;
}

/** Mostly ok; 1 in 10 cells is a problem, and the seed shifts which. */
export function syntheticSeverity(host: number, check: number, seed: number): Severity {
  const stable = hash01(host, check);
  const drift = hash01(host, check, seed);
  const r = stable < 0.92 ? stable : drift < 0.5 ? stable : drift;
  if (r < 0.86) return 'ok';
  if (r < 0.87) return 'info';
  if (r < 0.955) return 'warning';
  if (r < 0.99) return 'critical';
  return 'error';
}

/**
 * A finished inspection run with hosts x checks findings, inserted through the store as the
 * engine would (the same tables and repositories): a large, real data path for reports.
 */
export async function insertSyntheticRun(store: Store, o: SyntheticRunOptions): Promise<RunRecord> {
  const id = newId();
  const run: RunRecord = {
    id,
    workflow: 'inspect-hosts',
    namespace: 'default',
    params: { inventory: 'synthetic.ini', config: '', limit: '' },
    status: o.status ?? 'succeeded',
    reason: null,
    error: null,
    concurrencyKey: null,
    trigger: 'schedule',
    triggeredBy: null,
    retryOf: null,
    inspection: o.inspection,
    labels: { 'patrol.dev/kind': 'host', ...(o.labels ?? {}) },
    createdAt: o.at,
    startedAt: o.at,
    finishedAt: o.at + 95_000,
    deadlineAt: null,
    cancelRequestedAt: null,
    cancelReason: null,
    owner: null,
    heartbeatAt: null,
    dryRun: false,
    overrides: {},
  };
  await store.runs.insertRun(run, {});
  const evidence = 'x'.repeat(o.evidenceChars ?? 300);
  const findings: Finding[] = [];
  for (let h = 0; h < o.hosts; h++) {
    const host = `node-${String(h + 1).padStart(3, '0')}`;
    for (let c = 0; c < o.checks; c++) {
      const sev = syntheticSeverity(h, c, o.seed);
      const check = `host.synth.check_${String(c + 1).padStart(2, '0')}`;
      const target = c % 7 === 0 ? `${host}:/data${c}` : host;
      const problem = sev !== 'ok' && sev !== 'info';
      const value = Math.round(hash01(h, c, o.seed, 7) * 1000) / 10;
      findings.push({
        id: newId(),
        runId: id,
        step: 'host',
        check,
        category: 'host',
        target,
        host,
        severity: sev,
        value,
        unit: '%',
        threshold: { direction: 'above', warning: 80, critical: 90 },
        message: problem ? `${check} on ${target}: ${value} % is over the limit` : `${value} % is fine`,
        ...(problem ? { evidence: { command: `cat /proc/synthetic/${c}`, raw: `${evidence}\nline 2 of the evidence for ${target}` }, remediation: `Reduce the usage of ${target} or raise the limit for ${check}.` } : {}),
        ...(problem && c % 5 === 0 ? { remediationWorkflow: 'cleanup-disk' } : {}),
        labels: { team: h % 2 === 0 ? 'infra' : 'platform' },
        fingerprint: fingerprintOf(check, target),
        createdAt: o.at + 60_000,
      });
    }
  }
  await store.findings.insert(findings);
  return run;
}

/** `runs` finished runs of one inspection, a day apart, oldest first. */
export async function insertSyntheticHistory(store: Store, o: Omit<SyntheticRunOptions, 'at' | 'seed'> & { runs: number; start: number }): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for (let i = 0; i < o.runs; i++) out.push(await insertSyntheticRun(store, { ...o, at: o.start + i * 86_400_000, seed: i + 1 }));
  return out;
}

/** An older finished run known only by its recorded score (what the report step stores), for long histories. */
export async function insertScoredRun(store: Store, o: { inspection: string; at: number; score: number }): Promise<RunRecord> {
  const run = await insertSyntheticRun(store, { inspection: o.inspection, hosts: 0, checks: 0, at: o.at, seed: 0 });
  const grade = o.score >= 90 ? 'A' : o.score >= 80 ? 'B' : o.score >= 70 ? 'C' : o.score >= 60 ? 'D' : 'F';
  await store.reports.upsert({ runId: run.id, inspection: o.inspection, score: o.score, grade, counts: { bySeverity: { ok: 0, info: 0, warning: 0, critical: 0, error: 0 }, findings: 0, targets: 0 }, status: 'succeeded', files: {}, createdAt: o.at });
  return run;
}
