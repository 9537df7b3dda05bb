import type { Severity } from '../../../findings/finding.js';
import { defineCheck, levelSeverity, type FindingDraft } from '../../check.js';
import { jobsSection, type JobsSection } from '../../collectors/app/app-sections.js';
import type { HistoryPoint } from '../../history.js';
import { formatSeconds as coarseSeconds } from '../format.js';
import { appTargets, formatAge, iso, median, numberParam, round, severityParam, worst } from './app-check-util.js';

type Item = JobsSection['items'][number];

/** Seconds as people read job durations: exact below 10 minutes. */
function formatSeconds(s: number): string {
  return s < 600 ? `${round(s)} s` : coarseSeconds(s);
}

const SUCCESS = new Set(['success', 'succeeded', 'ok', 'completed']);
const FAILED = new Set(['failed', 'failure', 'error', 'errored']);

function evidence(it: Item): { command: string; raw: string } {
  return { command: `cat ${it.statusFile}  # on ${it.host}`, raw: it.raw };
}

function notMeasured(it: Item, t: string): FindingDraft {
  return { target: t, labels: { host: it.host }, severity: 'error', message: `job ${it.name} on ${it.host}: not measured: ${it.error}`, evidence: evidence(it) };
}

export const appJobStatus = defineCheck({
  id: 'app.job.status',
  category: 'app',
  title: 'Batch job last run status',
  description: 'The `status` a batch job wrote into its status file: success (also succeeded, ok, completed) is ok, running is ok, failed (failure, error) is critical, anything else a warning. A status file without a status is reported as info.',
  source: { collector: 'app', section: 'jobs', schema: jobsSection },
  defaults: { severity: 'critical' },
  remediation: "Read the job's log for the failed run, fix the cause, and re-run it; make sure whatever consumes its output knows it is stale until then.",
  reference: 'Kubernetes anchors: Job failed (kube-state-metrics KubeJobFailed)',
  evaluate({ data, target, settings }) {
    return data.items.map((it): FindingDraft => {
      const t = appTargets.job(target.name, it.name, it.host);
      if (it.error !== null) return notMeasured(it, t);
      const base = { target: t, labels: { host: it.host }, evidence: evidence(it) };
      if (it.status === null) return { ...base, severity: 'info', message: `job ${it.name} on ${it.host}: ${it.statusFile} has no "status"` };
      const written = it.mtime !== null ? ` (status file written ${iso(it.mtime)})` : '';
      if (SUCCESS.has(it.status) || it.status === 'running') return { ...base, severity: 'ok', value: it.status, message: `job ${it.name} on ${it.host}: last run ${it.status === 'running' ? 'is running' : 'succeeded'}${written}` };
      if (FAILED.has(it.status)) return { ...base, severity: severityParam(settings(t)), value: it.status, message: `job ${it.name} on ${it.host}: last run failed${written}` };
      return { ...base, severity: 'warning', value: it.status, message: `job ${it.name} on ${it.host}: unknown status "${it.status}" (expected success, failed or running)${written}` };
    });
  },
});

export const appJobDuration = defineCheck({
  id: 'app.job.duration',
  category: 'app',
  title: 'Batch job duration against its SLA or its own history',
  description:
    "durationSeconds of the job's last run. Longer than the job's maxDuration (SLA) is critical. Independently, against the job's own baseline, the median of its durations in earlier runs of this check (at least minHistory of them): 1.5x the median is a warning, 3x critical.",
  source: { collector: 'app', section: 'jobs', schema: jobsSection },
  defaults: { warning: 1.5, critical: 3, minHistory: 3 },
  unit: 's',
  remediation: 'Find what made the run slow: more data than usual, a slow query or lock wait, a saturated host, a downstream service. If the growth is expected, raise maxDuration or reschedule so the job still ends in time.',
  reference: 'Patrol anchors: batch duration against its own baseline is checked by none of the anchor tools; Kubernetes "Job running > 12 h"',
  async evaluate({ data, target, settings, history }) {
    const out: FindingDraft[] = [];
    for (const it of data.items) {
      const t = appTargets.job(target.name, it.name, it.host);
      if (it.error !== null) {
        out.push(notMeasured(it, t));
        continue;
      }
      if (it.durationSeconds === null) {
        out.push({ target: t, labels: { host: it.host }, severity: 'info', message: `job ${it.name} on ${it.host}: ${it.statusFile} has no "durationSeconds"`, evidence: evidence(it) });
        continue;
      }
      const s = settings(t);
      const d = it.durationSeconds;
      const minHistory = Math.max(1, Math.floor(numberParam(s, 'minHistory', 3)));
      const parts: string[] = [];
      let severity: Severity = 'ok';
      if (it.maxDurationSeconds !== null) {
        const over = d > it.maxDurationSeconds;
        if (over) severity = 'critical';
        parts.push(`${over ? 'over' : 'within'} its ${formatSeconds(it.maxDurationSeconds)} maxDuration`);
      }
      const earlier = (await history('app.job.duration', t, 30)).map((p) => p.value);
      let ratio: number | undefined;
      if (earlier.length >= minHistory) {
        const m = median(earlier);
        if (m > 0) {
          ratio = d / m;
          const rs = levelSeverity(ratio, s);
          severity = worst(severity, rs);
          parts.push(`${ratio.toFixed(1)}x its median of ${formatSeconds(m)} over ${earlier.length} earlier runs`);
        }
      } else parts.push(`${earlier.length} earlier run${earlier.length === 1 ? '' : 's'}, need ${minHistory} for a baseline`);
      out.push({
        target: t,
        labels: { host: it.host },
        severity,
        value: d,
        threshold: { maxDurationSeconds: it.maxDurationSeconds, warningFactor: s.warning, criticalFactor: s.critical },
        message: `job ${it.name} on ${it.host}: last run took ${formatSeconds(d)}, ${parts.join('; ')}`,
        details: { ...(ratio !== undefined ? { ratio: round(ratio, 2), medianSeconds: median(earlier) } : {}), earlierRuns: earlier.length },
        evidence: evidence(it),
      });
    }
    return out;
  },
});

/** Successes closer than this are one success seen by several runs (the finding time is not exactly the evaluation time). */
export const SAME_SUCCESS_MS = 30_000;

/**
 * Successive successes of a job seen by earlier runs: each earlier finding's value is the age in
 * hours at its time, so success = time - age. Sorted; times within SAME_SUCCESS_MS merged.
 */
export function successTimes(points: readonly HistoryPoint[], current?: number): number[] {
  const all = points.map((p) => p.at - p.value * 3_600_000);
  if (current !== undefined) all.push(current);
  all.sort((a, b) => a - b);
  const out: number[] = [];
  for (const t of all) if (out.length === 0 || t - out[out.length - 1]! > SAME_SUCCESS_MS) out.push(t);
  // The newest reading of the latest success is the most exact.
  if (current !== undefined && out.length > 0 && Math.abs(out[out.length - 1]! - current) <= SAME_SUCCESS_MS) out[out.length - 1] = current;
  return out;
}

export const appJobLastSuccess = defineCheck({
  id: 'app.job.last_success',
  category: 'app',
  title: 'Batch job last success age',
  description:
    "Time since the job's lastSuccess. Older than its maxAge (SLA) is critical; no success recorded at all is critical. Independently, against the job's own rhythm: the median interval between the successive successes earlier runs saw (at least minHistory intervals): an age of 1.5x that interval is a warning, 3x critical.",
  source: { collector: 'app', section: 'jobs', schema: jobsSection },
  defaults: { warning: 1.5, critical: 3, minHistory: 2 },
  unit: 'h',
  remediation: 'The job has not succeeded when it should have: is it scheduled (crontab -l, systemctl list-timers, the CronJob), did its last runs fail (app.job.status), is it stuck running? Run it by hand once the cause is fixed.',
  reference: 'Kubernetes anchors: CronJob never ran / suspended; here against a configured SLA or the job\'s own rhythm',
  async evaluate({ data, target, settings, history, now }) {
    const out: FindingDraft[] = [];
    for (const it of data.items) {
      const t = appTargets.job(target.name, it.name, it.host);
      if (it.error !== null) {
        out.push(notMeasured(it, t));
        continue;
      }
      const s = settings(t);
      if (it.lastSuccess === null) {
        out.push({ target: t, labels: { host: it.host }, severity: 'critical', message: `job ${it.name} on ${it.host}: no successful run recorded (${it.statusFile} has no "lastSuccess")`, evidence: evidence(it) });
        continue;
      }
      const ageMs = Math.max(0, now - it.lastSuccess);
      const minHistory = Math.max(1, Math.floor(numberParam(s, 'minHistory', 2)));
      const parts: string[] = [];
      let severity: Severity = 'ok';
      if (it.maxAgeSeconds !== null) {
        const over = ageMs > it.maxAgeSeconds * 1000;
        if (over) severity = 'critical';
        parts.push(`${over ? 'older than' : 'within'} its ${formatSeconds(it.maxAgeSeconds)} maxAge`);
      }
      const times = successTimes(await history('app.job.last_success', t, 60), it.lastSuccess);
      const intervals = times.slice(1).map((x, i) => x - times[i]!);
      let ratio: number | undefined;
      if (intervals.length >= minHistory) {
        const m = median(intervals);
        if (m > 0) {
          ratio = ageMs / m;
          severity = worst(severity, levelSeverity(ratio, s));
          parts.push(`${ratio.toFixed(1)}x its usual ${formatAge(m)} between successes`);
        }
      } else parts.push(`${intervals.length} interval${intervals.length === 1 ? '' : 's'} between successes seen, need ${minHistory} for a rhythm`);
      out.push({
        target: t,
        labels: { host: it.host },
        severity,
        value: round(ageMs / 3_600_000, 5),
        threshold: { maxAgeSeconds: it.maxAgeSeconds, warningFactor: s.warning, criticalFactor: s.critical },
        message: `job ${it.name} on ${it.host}: last success ${iso(it.lastSuccess)}, ${formatAge(ageMs)} ago; ${parts.join('; ')}`,
        details: { lastSuccess: iso(it.lastSuccess), ...(ratio !== undefined ? { ratio: round(ratio, 2), usualIntervalMs: median(intervals) } : {}) },
        evidence: evidence(it),
      });
    }
    return out;
  },
});
