import { levelSeverity } from '../../inspections/check.js';
import { formatSeconds } from '../../inspections/checks/format.js';
import { fireTimesBetween, parseCron, validTimeZone } from '../model/cron.js';
import { conditionOf, type CronJob, type Job } from '../model/types.js';
import { defineClusterCheck, numParam, severityParam, stringListParam, thresholds } from './cluster-check.js';

const ts = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);

export const cronJobMissed = defineClusterCheck({
  info: {
    id: 'k8s.cronjob.missed',
    category: 'cluster',
    title: 'CronJobs without a recent successful run',
    description:
      'For each CronJob that is not suspended: the scheduled times (spec.schedule in spec.timeZone, else `defaultTimeZone`) between its last successful run (status.lastSuccessfulTime, else its creation) and now minus `graceMinutes` (the time a run may take). Each is a run that should have succeeded by now: warning at `warning` missed runs, critical at `critical`.',
    defaults: { warning: 1, critical: 3, graceMinutes: 60, defaultTimeZone: 'UTC', ignoreNamespaces: [], maxFindings: 100 },
    unit: 'missed runs',
    remediation: 'kubectl get jobs -n NS (the last runs and their pods): failed runs (see k8s.job.failed), concurrencyPolicy Forbid blocked by a hung run, startingDeadlineSeconds missed, or the controller-manager was down.',
    reference: 'KubeEye/Popeye CronJob never ran; kube-state-metrics kube_cronjob_status_last_successful_time',
  },
  kinds: ['cronjobs'],
  start(env) {
    const problems = env.problems();
    const base = env.settings();
    const ignore = new Set(stringListParam(base, 'ignoreNamespaces', []));
    const defaultTz = typeof base.defaultTimeZone === 'string' ? base.defaultTimeZone : 'UTC';
    return {
      visit: {
        cronjobs: (cj: CronJob) => {
          const ns = cj.metadata.namespace ?? '';
          if (ignore.has(ns) || cj.spec?.suspend) return;
          problems.checked++;
          const t = `${env.cluster.name}/${ns}/${cj.metadata.name}`;
          const s = env.settings(t);
          if (!s.enabled) return;
          const evidence = { command: `${env.cluster.kubectl} -n ${ns} get cronjob ${cj.metadata.name} -o yaml; ${env.cluster.kubectl} -n ${ns} get jobs` };
          const tz = cj.spec?.timeZone ?? defaultTz;
          let sched;
          try {
            sched = parseCron(cj.spec?.schedule ?? '');
          } catch (err) {
            problems.add({ target: t, group: ns, severity: 'error', message: `CronJob ${ns}/${cj.metadata.name}: schedule "${cj.spec?.schedule}" cannot be read: ${(err as Error).message}`, evidence });
            return;
          }
          if (!validTimeZone(tz)) {
            problems.add({ target: t, group: ns, severity: 'error', message: `CronJob ${ns}/${cj.metadata.name}: unknown time zone "${tz}"`, evidence });
            return;
          }
          const last = ts(cj.status?.lastSuccessfulTime);
          const from = Number.isFinite(last) ? last : ts(cj.metadata.creationTimestamp);
          if (!Number.isFinite(from)) return;
          const to = env.now - numParam(s, 'graceMinutes', 60) * 60_000;
          const critical = numParam(s, 'critical', 3);
          const { count, latest } = fireTimesBetween(sched, tz, from, to, Math.max(critical, numParam(s, 'warning', 1)) + 1);
          const severity = levelSeverity(count, s);
          if (severity === 'ok') return;
          const since = formatSeconds((env.now - from) / 1000);
          problems.add({
            target: t,
            group: ns,
            severity,
            value: count,
            rank: count * 1e10 + (env.now - from),
            threshold: thresholds(s),
            message: `CronJob ${ns}/${cj.metadata.name} ("${cj.spec?.schedule}"${cj.spec?.timeZone ? ` ${cj.spec.timeZone}` : ''}) ${Number.isFinite(last) ? `last succeeded ${since} ago` : `never succeeded (created ${since} ago)`}: ${count > critical ? `more than ${critical}` : count} scheduled run${count === 1 ? '' : 's'} since then should have succeeded${latest ? ` (latest due ${new Date(latest).toISOString()})` : ''}`,
            details: { schedule: cj.spec?.schedule, timeZone: tz, lastSuccessfulTime: cj.status?.lastSuccessfulTime ?? null, lastScheduleTime: cj.status?.lastScheduleTime ?? null, active: cj.status?.active?.length ?? 0 },
            evidence,
          });
        },
      },
      finish: () => problems.findings({ ok: `all ${problems.checked} active CronJobs succeeded on schedule`, noun: 'CronJobs behind schedule', unit: 'cronjobs', evidence: { command: `${env.cluster.kubectl} get cronjobs -A` } }),
    };
  },
});

export const cronJobSuspended = defineClusterCheck({
  info: {
    id: 'k8s.cronjob.suspended',
    category: 'cluster',
    title: 'Suspended CronJobs',
    description: 'CronJobs with spec.suspend: true run nothing; often left suspended after an incident.',
    defaults: { severity: 'warning', ignoreNamespaces: [], maxFindings: 100 },
    remediation: 'Resume it (kubectl patch cronjob NAME -p \'{"spec":{"suspend":false}}\') or delete it if it is no longer needed; exempt it with a reason if the suspension is intended.',
    reference: 'KubeEye CronJob suspended',
  },
  kinds: ['cronjobs'],
  start(env) {
    const problems = env.problems();
    const base = env.settings();
    const sev = severityParam(base, 'severity', 'warning');
    const ignore = new Set(stringListParam(base, 'ignoreNamespaces', []));
    return {
      visit: {
        cronjobs: (cj: CronJob) => {
          const ns = cj.metadata.namespace ?? '';
          if (ignore.has(ns)) return;
          problems.checked++;
          if (!cj.spec?.suspend) return;
          const t = `${env.cluster.name}/${ns}/${cj.metadata.name}`;
          const s = env.settings(t);
          if (!s.enabled) return;
          const last = ts(cj.status?.lastScheduleTime);
          problems.add({ target: t, group: ns, severity: severityParam(s, 'severity', sev), value: true, rank: Number.isFinite(last) ? env.now - last : 0, message: `CronJob ${ns}/${cj.metadata.name} ("${cj.spec.schedule}") is suspended${Number.isFinite(last) ? `; last scheduled ${formatSeconds((env.now - last) / 1000)} ago` : ''}` });
        },
      },
      finish: () => problems.findings({ ok: `no suspended CronJob among ${problems.checked}`, noun: 'suspended CronJobs', unit: 'cronjobs' }),
    };
  },
});

export const jobFailed = defineClusterCheck({
  info: {
    id: 'k8s.job.failed',
    category: 'cluster',
    title: 'Failed Jobs',
    description: 'Jobs with the Failed condition (BackoffLimitExceeded, DeadlineExceeded, PodFailurePolicy...). Only Jobs that finished within the last `hours` count (older failures are history).',
    defaults: { severity: 'warning', hours: 168, ignoreNamespaces: [], maxFindings: 100 },
    remediation: 'kubectl logs job/NAME (or the failed pods) for the error; fix and re-run (kubectl create job --from=cronjob/NAME).',
    reference: 'KubeEye/Popeye failed Jobs; kubernetes-mixin KubeJobFailed',
  },
  kinds: ['jobs'],
  start(env) {
    const base = env.settings();
    const sev = severityParam(base, 'severity', 'warning');
    const hours = numParam(base, 'hours', 168);
    const ignore = new Set(stringListParam(base, 'ignoreNamespaces', []));
    // Jobs of a CronJob have volatile names: they are reported on their CronJob (one finding, the latest failure).
    const failures = new Map<string, { ns: string; job: Job; at: number; reason?: string; message?: string; owner?: string; count: number }>();
    let checked = 0;
    return {
      visit: {
        jobs: (j: Job) => {
          const ns = j.metadata.namespace ?? '';
          if (ignore.has(ns)) return;
          checked++;
          const failed = conditionOf(j.status?.conditions, 'Failed');
          if (failed?.status !== 'True') return;
          const at = ts(failed.lastTransitionTime);
          if (Number.isFinite(at) && env.now - at > hours * 3_600_000) return;
          const owner = j.metadata.ownerReferences?.[0];
          const t = jobTarget(env.cluster.name, j);
          const prev = failures.get(t);
          if (prev) {
            prev.count++;
            if (!(at <= prev.at)) Object.assign(prev, { job: j, at, ...(failed.reason ? { reason: failed.reason } : {}), ...(failed.message ? { message: failed.message } : {}) });
            return;
          }
          if (failures.size >= 20_000) return;
          failures.set(t, { ns, job: j, at, ...(failed.reason ? { reason: failed.reason } : {}), ...(failed.message ? { message: failed.message } : {}), ...(owner ? { owner: `${owner.kind} ${owner.name}` } : {}), count: 1 });
        },
      },
      finish() {
        const problems = env.problems();
        problems.checked = checked;
        for (const [t, f] of failures) {
          const s = env.settings(t);
          if (!s.enabled) continue;
          const j = f.job;
          problems.add({
            target: t,
            group: f.ns,
            severity: severityParam(s, 'severity', sev),
            value: f.count,
            rank: Number.isFinite(f.at) ? f.at : 0,
            message: `Job ${f.ns}/${j.metadata.name}${f.owner ? ` (of ${f.owner})` : ''} failed${Number.isFinite(f.at) ? ` ${formatSeconds((env.now - f.at) / 1000)} ago` : ''}: ${f.reason ?? ''}${f.message ? ` (${f.message})` : ''}, ${j.status?.failed ?? 0} failed pods${f.count > 1 ? `; ${f.count} failed runs in the window` : ''}`,
            details: { job: j.metadata.name, reason: f.reason ?? null, failedPods: j.status?.failed ?? 0, owner: f.owner ?? null, failedJobs: f.count },
            evidence: { command: `${env.cluster.kubectl} -n ${f.ns} describe job ${j.metadata.name}` },
          });
        }
        return problems.findings({ ok: `no failed Job in the last ${hours} h among ${checked}`, noun: `failed Jobs (last ${hours} h)`, unit: 'jobs', evidence: { command: `${env.cluster.kubectl} get jobs -A` } });
      },
    };
  },
});

/** A Job's target: its CronJob when it has one (Job names of CronJobs change every run). */
function jobTarget(cluster: string, j: Job): string {
  const owner = j.metadata.ownerReferences?.find((o) => o.kind === 'CronJob');
  return owner ? `${cluster}/${j.metadata.namespace}/cronjob/${owner.name}` : `${cluster}/${j.metadata.namespace}/job/${j.metadata.name}`;
}

export const jobLongRunning = defineClusterCheck({
  info: {
    id: 'k8s.job.long_running',
    category: 'cluster',
    title: 'Jobs running too long',
    description: 'Jobs started (status.startTime) and neither complete nor failed for more than `warning` / `critical` hours.',
    defaults: { warning: 12, critical: 48, ignoreNamespaces: [], maxFindings: 100 },
    unit: 'hours',
    remediation: 'Check whether the job is stuck (logs, waiting on a lock or dependency); set activeDeadlineSeconds so hung runs fail instead of blocking the next ones.',
    reference: 'KubeEye/anchors: Job running > 12 h; kubernetes-mixin KubeJobNotCompleted',
  },
  kinds: ['jobs'],
  start(env) {
    const problems = env.problems();
    const ignore = new Set(stringListParam(env.settings(), 'ignoreNamespaces', []));
    return {
      visit: {
        jobs: (j: Job) => {
          const ns = j.metadata.namespace ?? '';
          if (ignore.has(ns)) return;
          problems.checked++;
          if (j.status?.completionTime || j.spec?.suspend) return;
          const done = (j.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed' || c.type === 'SuccessCriteriaMet' || c.type === 'FailureTarget') && c.status === 'True');
          if (done) return;
          const start = ts(j.status?.startTime);
          if (!Number.isFinite(start)) return;
          const hours = Math.round(((env.now - start) / 3_600_000) * 10) / 10;
          const t = jobTarget(env.cluster.name, j);
          const s = env.settings(t);
          if (!s.enabled) return;
          const severity = levelSeverity(hours, s);
          if (severity === 'ok') return;
          problems.add({ target: t, group: ns, severity, value: hours, rank: hours, threshold: thresholds(s), message: `Job ${ns}/${j.metadata.name} has been running for ${hours} h (${j.status?.active ?? 0} active pods${j.spec?.activeDeadlineSeconds ? `, activeDeadlineSeconds ${j.spec.activeDeadlineSeconds}` : ', no activeDeadlineSeconds'})`, evidence: { command: `${env.cluster.kubectl} -n ${ns} describe job ${j.metadata.name}` } });
        },
      },
      finish: () => problems.findings({ ok: `no Job running longer than the threshold among ${problems.checked}`, noun: 'Jobs running too long', unit: 'jobs' }),
    };
  },
});
