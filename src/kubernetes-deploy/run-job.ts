import { NonRetryableError, StepError } from '../errors/index.js';
import { formatDuration } from '../util/duration.js';
import { plain, readObject } from './apply-objects.js';
import { kubeFailure, kubeStepError, platformRefusal } from './kube-failure.js';
import type { KubeSession } from './kube-session.js';
import type { Manifest } from './manifests.js';
import { describeProblem, listPods, podProblems, type PodProblem } from './pod-diagnosis.js';
import { followPodLog } from './pod-log-stream.js';
import { rolloutStatus } from './rollout-status.js';
import { sleep } from './wait-until.js';

type Obj = Record<string, unknown>;

export interface JobLog {
  info(message: string): void;
  warn(message: string): void;
  stdout(line: string): void;
}

export interface RunJobOptions {
  /** Fail when a pod stays unschedulable (or the Job cannot create pods) this long. */
  pendingTimeoutMs: number;
  intervalMs: number;
  signal: AbortSignal;
  log: JobLog;
}

export interface JobOutcome {
  job: string;
  pods: string[];
  durationMs: number;
}

/**
 * Submits a Job, streams its pods' logs into the step log and waits for the outcome, telling
 * apart: rejected by the platform (the Job refused, or its pods refused by quota/admission:
 * FailedCreate), waiting because unschedulable (the scheduler's message, failing after the
 * pending timeout), and failed (exit code, OOMKilled, deadline).
 */
export async function runJob(session: KubeSession, job: Manifest, opts: RunJobOptions): Promise<JobOutcome> {
  const namespace = String(job.metadata.namespace);
  let created: Obj;
  try {
    created = plain(await session.objects.create(job));
  } catch (err) {
    const f = kubeFailure(err);
    throw kubeStepError(`submit Job ${namespace}/${job.metadata.name ?? (job.metadata as { generateName?: string }).generateName ?? ''}`, err, { rejected: f.code.startsWith('rejected') || f.code === 'forbidden' });
  }
  const name = String((created.metadata as { name: string }).name);
  const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace, name };
  const started = Date.now();
  opts.log.info(`Job ${namespace}/${name} submitted`);
  const streams = new Map<string, { done: Promise<void>; stop: () => void }>();
  const reported = new Set<string>();
  let pendingSince: number | undefined;
  try {
    for (;;) {
      opts.signal.throwIfAborted();
      const live = await readObject(session, ref);
      if (!live) throw new StepError(`Job ${namespace}/${name} was deleted while running`, { code: 'job-deleted' });
      const pods = await listPods(session, namespace, { 'batch.kubernetes.io/job-name': name }).catch(() => [] as Obj[]);
      for (const pod of pods) followWhenStarted(session, namespace, pod, streams, opts.log);
      const problems = pods.flatMap(podProblems);
      for (const p of problems) {
        const key = `${p.pod}/${p.kind}/${p.reason}`;
        if (!reported.has(key)) opts.log.warn(describeProblem(p));
        reported.add(key);
      }
      const status = rolloutStatus('Job', live)!;
      if (status.done) {
        await settle(streams);
        opts.log.info(status.message);
        return { job: name, pods: podNames(pods), durationMs: Date.now() - started };
      }
      if (status.failed) {
        await settle(streams);
        throw failedJob(name, namespace, status.failed, problems, podNames(pods));
      }
      const refused = await createFailures(session, namespace, name);
      if (refused) {
        throw new NonRetryableError(`Job ${namespace}/${name} rejected by the platform: its pods cannot be created: ${refused}`, { code: platformRefusal(refused) ?? 'rejected', details: { job: name, rejected: true } });
      }
      const unschedulable = problems.find((p) => p.kind === 'unschedulable');
      const waiting = pods.length === 0 || pods.every((p) => (p.status as { phase?: string } | undefined)?.phase === 'Pending');
      if (waiting && unschedulable) {
        pendingSince ??= Date.now();
        if (Date.now() - pendingSince >= opts.pendingTimeoutMs) {
          throw new StepError(`Job ${namespace}/${name} is unschedulable: pending for ${formatDuration(Date.now() - pendingSince)} (pending timeout ${formatDuration(opts.pendingTimeoutMs)}): ${unschedulable.message || unschedulable.reason}`, { code: 'unschedulable', retryable: true, details: { job: name, scheduler: unschedulable.message, pods: podNames(pods) } });
        }
      } else pendingSince = undefined;
      await sleep(opts.intervalMs, opts.signal);
    }
  } finally {
    for (const s of streams.values()) s.stop();
  }
}

function podNames(pods: Obj[]): string[] {
  return pods.map((p) => String((p.metadata as { name: string }).name));
}

function followWhenStarted(session: KubeSession, namespace: string, pod: Obj, streams: Map<string, { done: Promise<void>; stop: () => void }>, log: JobLog): void {
  const name = String((pod.metadata as { name: string }).name);
  const statuses = ((pod.status as { containerStatuses?: { name: string; state?: { running?: unknown; terminated?: unknown } }[] } | undefined)?.containerStatuses ?? []);
  for (const c of statuses) {
    const key = `${name}/${c.name}`;
    if (streams.has(key) || (!c.state?.running && !c.state?.terminated)) continue;
    const multi = statuses.length > 1;
    streams.set(key, followPodLog(session, namespace, name, c.name, (line) => log.stdout(multi ? `[${c.name}] ${line}` : line)));
  }
}

/** Lets the log streams deliver their last lines (they end with their containers), within reason. */
async function settle(streams: Map<string, { done: Promise<void> }>): Promise<void> {
  const cap = new AbortController();
  await Promise.race([Promise.all([...streams.values()].map((s) => s.done)), sleep(3000, cap.signal)]);
  cap.abort();
}

/** The job controller's FailedCreate events: its pods refused by quota or admission. */
async function createFailures(session: KubeSession, namespace: string, job: string): Promise<string | undefined> {
  try {
    const events = (await session.objects.list('v1', 'Event', namespace, undefined, undefined, undefined, `involvedObject.kind=Job,involvedObject.name=${job}`)).items.map(plain);
    const e = events.find((x) => x.reason === 'FailedCreate');
    return e ? String(e.message).replace(/^Error creating: /, '') : undefined;
  } catch {
    return undefined;
  }
}

function failedJob(name: string, namespace: string, why: string, problems: PodProblem[], pods: string[]): StepError {
  const term = problems.filter((p) => p.kind === 'terminated');
  const oom = term.find((p) => p.reason === 'OOMKilled');
  const last = oom ?? term[term.length - 1];
  const detail = last ? `: ${describeProblem(last)}` : '';
  return new StepError(`Job ${namespace}/${name} failed${detail} (${why})`, {
    code: oom ? 'oom-killed' : 'job-failed',
    retryable: false,
    details: { job: name, pods, ...(last?.exitCode !== undefined ? { exitCode: last.exitCode } : {}), ...(last ? { reason: last.reason } : {}) },
  });
}
