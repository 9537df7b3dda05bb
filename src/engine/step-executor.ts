import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import type { RunRecord, StepRecord } from '../store/records.js';
import type { Dispatcher } from '../queue/dispatcher.js';
import type { Logger } from '../logging/logger.js';
import type { CompiledWorkflow, CompiledStep } from '../workflow/compile-workflow.js';
import { renderValue } from '../workflow/expressions/template.js';
import { flattenZodIssues } from '../workflow/zod-issues.js';
import { formatPath } from '../workflow/validation-issue.js';
import { Masker } from '../credentials/masker.js';
import type { Credential } from '../credentials/credential.js';
import { NonRetryableError, StepError, serializeError, type SerializedError } from '../errors/index.js';
import type { Finding } from '../findings/finding.js';
import { isTerminalRun } from './run-states.js';
import type { RunEvents } from './run-events.js';
import type { LogSink } from './log-sink.js';
import { expressionContext, stepViews } from './expression-context.js';
import { runOutcome } from './run-outcome.js';
import { backoffDelay, shouldRetry } from './retry-policy.js';
import { createStepContext } from './step-context.js';
import { baseName } from './orchestrator.js';
import { SuspendSignal } from './wait-resolver.js';
import { setLongTimeout, type LongTimeout } from '../util/long-timeout.js';
import type { StepWait } from '../store/records.js';

export interface StepExecutorDeps {
  store: Store;
  dispatcher: Dispatcher;
  events: RunEvents;
  logger: Logger;
  logSink: LogSink;
  clock: () => number;
  ownerId: string;
  /** Root of per-attempt scratch directories. */
  workRoot: string;
  /** Applied when neither the step nor its type sets a timeout. */
  defaultStepTimeoutMs: number;
  workflowOf(run: RunRecord): Promise<CompiledWorkflow>;
  reveal(name: string): Promise<Credential>;
  secretValues(c: Credential): string[];
  /** Re-evaluates the run after a step changed (the orchestrator). */
  advance(runId: string, step: string): Promise<void>;
  /** Keep scratch directories for debugging. @defaultValue false */
  keepWorkDirs?: boolean;
}

type StopReason = { kind: 'cancelled' } | { kind: 'run-timeout' } | { kind: 'step-timeout'; ms: number };

class StopSignal extends Error {
  constructor(readonly stop: StopReason) {
    super(stop.kind === 'step-timeout' ? `step timed out after ${stop.ms} ms` : stop.kind === 'run-timeout' ? 'run timed out' : 'cancelled');
  }
}

interface Outcome {
  status: 'succeeded' | 'failed' | 'timed-out' | 'cancelled' | 'waiting';
  wait?: StepWait;
  outputs: Record<string, unknown> | null;
  error: SerializedError | null;
  findings: Finding[];
}

/**
 * Runs one attempt of one step: claims it (fencing against duplicate deliveries), renders its
 * input, runs the step type under a timeout and the run's cancel signal, then records the
 * outcome and any retry in one transaction before telling the orchestrator.
 */
export class StepExecutor {
  private readonly controllers = new Map<string, Map<string, { controller: AbortController; phase: 'main' | 'finally' }>>();

  constructor(private readonly deps: StepExecutorDeps) {}

  /**
   * Aborts the run's main-phase attempts running in this process. Finally steps keep running:
   * they are the cleanup a cancel or timeout needs (each still bounded by its own timeout).
   */
  abortRun(runId: string, reason: 'cancelled' | 'timed-out'): void {
    for (const { controller, phase } of this.controllers.get(runId)?.values() ?? []) {
      if (phase === 'main' && !controller.signal.aborted) controller.abort(new StopSignal(reason === 'cancelled' ? { kind: 'cancelled' } : { kind: 'run-timeout' }));
    }
  }

  /** Attempts running in this process (run id -> step names). */
  runningSteps(): Map<string, string[]> {
    return new Map([...this.controllers].map(([r, m]) => [r, [...m.keys()]]));
  }

  async execute(task: { runId: string; step: string; attempt: number; type: string }): Promise<void> {
    const { store, clock } = this.deps;
    const { runId, step: name, attempt } = task;
    // Fencing: one compare-and-set claims only the attempt the store expects, only once, only
    // while the run is active and the step is due; the step row turns running atomically with it
    // so recovery never sees a running attempt under a queued step.
    const now = clock();
    const claimOnce = (s: Store) => s.runs.claimAndStart(runId, name, attempt, this.deps.ownerId, now);
    const claim = store.dialect === 'postgres' ? await claimOnce(store) : await store.transaction(claimOnce);
    if (!claim) {
      // Not claimable: a duplicate, a finished run, or a retry that is not due yet.
      const row = await store.runs.getStep(runId, name);
      if (row?.status === 'queued' && row.attempts === attempt && row.nextAttemptAt !== null && row.nextAttemptAt > now + 20) {
        await this.deps.dispatcher.dispatch({ kind: 'step', runId, step: name, attempt, type: task.type }, { delayMs: row.nextAttemptAt - now });
      }
      return;
    }
    const { row, queuedAt, run } = claim;
    const startedAt = now;
    if (!(await this.takeLeases(run, row, attempt, task.type))) return;
    this.deps.events.emit('step', { runId, step: name, status: 'running', attempt, at: startedAt, type: task.type, queuedAt });
    const outcome = await this.runAttempt(run, row, attempt);
    // Most completions in a wide fan-out unlock nothing; only those that can make progress advance
    // the run (advances of one run are serialised on its row lock).
    if (await this.record(run, row, attempt, outcome, startedAt)) await this.deps.advance(runId, name);
  }

  private async runAttempt(run: RunRecord, row: StepRecord, attempt: number): Promise<Outcome> {
    const wf = await this.deps.workflowOf(run);
    const step = wf.steps.get(row.base)!;
    const masker = new Masker();
    for (const p of wf.def.spec.params) if (p.secret && typeof run.params[p.name] === 'string') masker.add(run.params[p.name] as string);
    const log = this.deps.logSink.open(run.id, row.name, attempt, masker);
    const logger = this.deps.logger.child({ runId: run.id, step: row.name, attempt });
    const controller = new AbortController();
    this.register(run.id, row.name, controller, step.phase);
    const timers: LongTimeout[] = [];
    const stepTimeout = step.timeoutMs ?? this.deps.defaultStepTimeoutMs;
    timers.push(setLongTimeout(() => controller.abort(new StopSignal({ kind: 'step-timeout', ms: stepTimeout })), stepTimeout));
    if (step.phase === 'main' && run.deadlineAt !== null) {
      timers.push(setLongTimeout(() => controller.abort(new StopSignal({ kind: 'run-timeout' })), Math.max(0, run.deadlineAt - this.deps.clock())));
    }
    if (run.cancelRequestedAt !== null && step.phase === 'main') controller.abort(new StopSignal({ kind: 'cancelled' }));
    const workDir = join(this.deps.workRoot, run.id, `${row.name.replace(/[^A-Za-z0-9_-]/g, '_')}-${attempt}`);
    let findings: Finding[] = [];
    let usedWorkDir = () => false;
    try {
      const input = await this.renderInput(run, wf, step, row);
      const built = createStepContext({
        run,
        stepName: row.name,
        attempt,
        log,
        logger,
        signal: controller.signal,
        workDir,
        masker,
        events: this.deps.events,
        reveal: this.deps.reveal,
        secretValues: this.deps.secretValues,
        processStarted: (pgid) => {
          void this.deps.store.runs.addAttemptProcess(run.id, row.name, attempt, `${hostname()}:${pgid}`).catch((err: unknown) => logger.warn({ err }, 'could not record a child process'));
        },
      });
      findings = built.findings;
      usedWorkDir = built.usedWorkDir;
      const result = await raceAbort(step.stepType.run(built.ctx, input), controller.signal);
      const checked = step.stepType.output.safeParse(result);
      if (!checked.success) {
        const i = flattenZodIssues(checked.error.issues)[0]!;
        throw new NonRetryableError(`step type ${step.stepType.type} returned invalid outputs: ${formatPath(i.path)}: ${i.message}`, { code: 'invalid-output' });
      }
      return { status: 'succeeded', outputs: masker.maskValue(checked.data), error: null, findings };
    } catch (err) {
      if (err instanceof SuspendSignal) {
        const now = this.deps.clock();
        const w = err.wait;
        log.write('info', `waiting: ${w.message ?? `${w.kind} ${w.ref}`}`);
        return { status: 'waiting', outputs: null, error: null, findings, wait: { kind: w.kind, ref: w.ref, since: now, expiresAt: w.timeoutMs !== undefined ? now + w.timeoutMs : null, ...(w.message ? { message: w.message } : {}) } };
      }
      const stop = controller.signal.aborted ? (controller.signal.reason as StopSignal | undefined)?.stop : undefined;
      const outputs = err instanceof StepError && err.details.outputs && typeof err.details.outputs === 'object' ? masker.maskValue(err.details.outputs as Record<string, unknown>) : null;
      let error = serializeError(err);
      if (stop?.kind === 'step-timeout') error = { name: 'StepError', code: 'timeout', message: `step timed out after ${formatMs(stop.ms)}`, retryable: true };
      else if (stop?.kind === 'run-timeout') error = { name: 'StepError', code: 'run-timeout', message: 'stopped: the run exceeded its timeout', retryable: false };
      else if (stop?.kind === 'cancelled') error = { name: 'StepError', code: 'cancelled', message: `stopped: ${run.cancelReason ?? 'the run was cancelled'}`, retryable: false };
      error = { ...error, message: masker.mask(error.message) };
      if (error.details) error.details = masker.maskValue(error.details);
      if (error.details && 'outputs' in error.details) delete error.details.outputs;
      const status = stop?.kind === 'step-timeout' ? 'timed-out' : stop ? 'cancelled' : 'failed';
      log.write('error', `${status}: ${error.message}`);
      return { status, outputs, error, findings };
    } finally {
      for (const t of timers) t.clear();
      this.unregister(run.id, row.name);
      log.end();
      if (!this.deps.keepWorkDirs && usedWorkDir()) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /**
   * Takes the step's target leases (after the claim, before anything runs). When another run holds
   * one, the attempt goes back to the queue and retries shortly; returns false then.
   */
  private async takeLeases(run: RunRecord, row: StepRecord, attempt: number, type: string): Promise<boolean> {
    const wf = await this.deps.workflowOf(run);
    const step = wf.steps.get(row.base)!;
    if (!step.def.leases?.length) return true;
    let targets: string[];
    try {
      const context = await this.context(run, wf, step, row);
      targets = step.def.leases.map((l) => String(renderValue(l, context)));
    } catch {
      // The attempt itself will fail on the same expression with a clear error.
      return true;
    }
    const now = this.deps.clock();
    const holder = { runId: run.id, step: row.name, attempt };
    const expiresAt = now + (step.timeoutMs ?? this.deps.defaultStepTimeoutMs) + 60_000;
    const blocked = await this.deps.store.transaction(async (tx) => {
      const b = await tx.leases.acquire(targets, holder, now, expiresAt);
      if (!b) return undefined;
      // Not ours: put the attempt back in the queue; nothing has run.
      await tx.leases.release(holder);
      await tx.runs.updateAttempt(run.id, row.name, attempt, { status: 'queued', owner: null, startedAt: null }, ['running']);
      await tx.runs.updateStep(run.id, row.name, { status: 'queued', nextAttemptAt: now + LEASE_RETRY_MS, reason: `waiting for the lease on ${b.target}, held by run ${b.runId} step ${b.step}` }, ['running']);
      return b;
    });
    if (!blocked) return true;
    this.deps.events.emit('step', { runId: run.id, step: row.name, status: 'queued', attempt, at: now, reason: `waiting for the lease on ${blocked.target} (run ${blocked.runId})` });
    await this.deps.dispatcher.dispatch({ kind: 'step', runId: run.id, step: row.name, attempt, type }, { delayMs: LEASE_RETRY_MS });
    return false;
  }

  /** The variables the step's expressions see: params, the steps it reads, item, run. */
  private async context(run: RunRecord, wf: CompiledWorkflow, step: CompiledStep, row: StepRecord): Promise<Record<string, unknown>> {
    const rows: StepRecord[] = [];
    for (const n of step.reads) rows.push(...(await this.deps.store.runs.getStepsByBase(run.id, [n])));
    const extra: { item?: unknown; runStatus?: string } = {};
    if (row.idx !== null) extra.item = row.item;
    if (step.phase === 'finally') extra.runStatus = (await runOutcome(this.deps.store, run, wf, this.deps.clock())).status;
    return expressionContext(run, stepViews(rows), extra);
  }

  /** Renders `${{ }}` in the step's `with` and validates the result against the type's input schema. */
  private async renderInput(run: RunRecord, wf: CompiledWorkflow, step: CompiledStep, row: StepRecord): Promise<unknown> {
    const context = await this.context(run, wf, step, row);
    let rendered = renderValue(step.def.with, context);
    const override = run.overrides[row.base];
    if (override && rendered !== null && typeof rendered === 'object') rendered = { ...(rendered as Record<string, unknown>), ...override };
    let parsed = step.stepType.input.safeParse(rendered);
    if (!parsed.success) {
      // A `${{ }}` that yields a number or boolean where the type wants a string (argv lists,
      // headers) is converted, as users of GitHub Actions expect.
      const coerced = coerceScalarsToStrings(rendered, parsed.error.issues);
      if (coerced !== rendered) {
        rendered = coerced;
        parsed = step.stepType.input.safeParse(rendered);
      }
    }
    if (!parsed.success) {
      const msgs = flattenZodIssues(parsed.error.issues).map((i) => `with.${formatPath(i.path)}: ${i.message}`);
      throw new NonRetryableError(`invalid input for step type ${step.stepType.type}: ${msgs.join('; ')}`, { code: 'invalid-input' });
    }
    return parsed.data;
  }

  /** Records the attempt's outcome; returns whether the run should be advanced for it. */
  private async record(run: RunRecord, row: StepRecord, attempt: number, o: Outcome, startedAt: number): Promise<boolean> {
    const { store, clock } = this.deps;
    const wf = await this.deps.workflowOf(run);
    const step = wf.steps.get(row.base)!;
    let retryIn: number | undefined;
    let unlocked = false;
    if (o.status === 'waiting') {
      await store.transaction(async (tx) => {
        if (!(await tx.runs.updateAttempt(run.id, row.name, attempt, { status: 'waiting' }, ['running']))) return;
        await tx.leases.release({ runId: run.id, step: row.name, attempt });
        if (o.findings.length > 0) await tx.findings.insert(o.findings);
        await tx.runs.updateStep(run.id, row.name, { status: 'waiting', wait: o.wait! }, ['running']);
      });
      this.deps.events.emit('step', { runId: run.id, step: row.name, status: 'waiting', attempt, at: clock(), reason: o.wait!.message ?? `waiting for ${o.wait!.kind}` });
      if (o.wait!.expiresAt !== null) await this.deps.dispatcher.dispatch({ kind: 'advance', runId: run.id }, { delayMs: Math.max(0, o.wait!.expiresAt - clock()) + 5 });
      return true;
    }
    const exitCode = typeof o.outputs?.exitCode === 'number' ? (o.outputs.exitCode as number) : null;
    if (o.status === 'succeeded' && store.dialect === 'postgres' && !step.def.leases?.length && o.findings.length === 0) {
      // The common case in one auto-committed statement (see RunRepository.succeedInOneStatement).
      const ready = await store.runs.succeedInOneStatement(run.id, row.name, attempt, { outputs: o.outputs, exitCode }, clock(), row.idx === null ? step.dependents : []);
      if (ready === undefined) return false;
      unlocked = row.idx !== null || ready.length > 0 || step.dependents.length === 0;
      if (!unlocked && wf.mayWait) unlocked = await store.runs.hasStepsIn(run.id, ['waiting']);
      this.deps.events.emit('step', { runId: run.id, step: row.name, status: 'succeeded', attempt, at: clock(), type: step.stepType.type, startedAt, attemptStatus: o.status });
      return unlocked;
    }
    await store.transaction(async (tx) => {
      const now = clock();
      // If recovery declared this attempt interrupted meanwhile, its result is no longer ours to record.
      const mine = await tx.runs.updateAttempt(run.id, row.name, attempt, { status: o.status, finishedAt: now, error: o.error, outputs: o.outputs, exitCode }, ['running']);
      if (!mine) return;
      if (step.def.leases?.length) await tx.leases.release({ runId: run.id, step: row.name, attempt });
      if (o.findings.length > 0) await tx.findings.insert(o.findings);
      // A parent row ending releases its dependents (forEach instances are counted by their parent).
      const release = async () => {
        if (row.idx !== null) {
          unlocked = true;
          return;
        }
        const ready = await tx.runs.decrementPendingNeeds(run.id, step.dependents);
        // Advance when a dependent became ready, or when nothing depends on this step (the run or
        // its main phase may be complete).
        unlocked = ready.length > 0 || step.dependents.length === 0 || o.status === 'cancelled';
        // With a step waiting for a person, the run may now be only waiting: its status changes.
        if (!unlocked && wf.mayWait) unlocked = await tx.runs.hasStepsIn(run.id, ['waiting']);
      };
      if (o.status === 'succeeded') {
        await tx.runs.updateStep(run.id, row.name, { status: 'succeeded', outputs: o.outputs, error: null, finishedAt: now }, ['running']);
        await release();
        return;
      }
      if (o.status === 'cancelled') {
        await tx.runs.updateStep(run.id, row.name, { status: 'cancelled', outputs: o.outputs, error: o.error, finishedAt: now, reason: o.error?.message ?? 'cancelled' }, ['running']);
        await release();
        return;
      }
      const current = await tx.runs.getRun(run.id);
      const stopping = !current || current.cancelRequestedAt !== null || (current.deadlineAt !== null && now >= current.deadlineAt && step.phase === 'main');
      if (!stopping && o.error && shouldRetry(step.retry, attempt, o.error)) {
        const delay = backoffDelay(step.retry, attempt);
        await tx.runs.insertQueuedAttempt(run.id, row.name, attempt + 1, now);
        await tx.runs.updateStep(run.id, row.name, { status: 'queued', attempts: attempt + 1, nextAttemptAt: now + delay, error: o.error, outputs: o.outputs }, ['running']);
        retryIn = delay;
        return;
      }
      await tx.runs.updateStep(run.id, row.name, { status: 'failed', outputs: o.outputs, error: o.error, finishedAt: now }, ['running']);
      await release();
    });
    const at = clock();
    if (retryIn !== undefined) {
      this.deps.events.emit('step', { runId: run.id, step: row.name, status: 'queued', attempt: attempt + 1, at, reason: `retry in ${formatMs(retryIn)} after: ${o.error?.message}`, type: step.stepType.type, startedAt, attemptStatus: o.status });
      await this.deps.dispatcher.dispatch({ kind: 'step', runId: run.id, step: row.name, attempt: attempt + 1, type: step.stepType.type }, { delayMs: retryIn });
      return false;
    }
    const status = o.status === 'succeeded' ? 'succeeded' : o.status === 'cancelled' ? 'cancelled' : 'failed';
    this.deps.events.emit('step', { runId: run.id, step: row.name, status, attempt, at, type: step.stepType.type, startedAt, attemptStatus: o.status, ...(o.error ? { error: o.error.message } : {}) });
    return unlocked;
  }

  private register(runId: string, step: string, c: AbortController, phase: 'main' | 'finally'): void {
    let m = this.controllers.get(runId);
    if (!m) {
      m = new Map();
      this.controllers.set(runId, m);
    }
    m.set(step, { controller: c, phase });
  }

  private unregister(runId: string, step: string): void {
    const m = this.controllers.get(runId);
    m?.delete(step);
    if (m?.size === 0) this.controllers.delete(runId);
  }
}

/**
 * Rejects as soon as the signal fires even if a step type ignores it, so a misbehaving step
 * cannot hold a run past its timeout. Well-behaved types stop their own work on the signal.
 */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      // Give the step a moment to clean up (kill its process group) before giving up on it.
      setTimeout(() => reject(signal.reason), 5000).unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function coerceScalarsToStrings(value: unknown, issues: readonly { code: string; path: PropertyKey[]; expected?: unknown }[]): unknown {
  let out = value;
  for (const issue of issues) {
    if (issue.code !== 'invalid_type' || issue.expected !== 'string' || issue.path.length === 0) continue;
    const parentPath = issue.path.slice(0, -1);
    const key = issue.path[issue.path.length - 1]!;
    let parent: unknown = out === value ? (out = structuredClone(value)) : out;
    for (const k of parentPath) parent = (parent as Record<PropertyKey, unknown> | undefined)?.[k as string];
    if (parent === null || typeof parent !== 'object') continue;
    const container = parent as Record<PropertyKey, unknown>;
    const v = container[key as string];
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') container[key as string] = String(v);
  }
  return out;
}

/** How soon a step blocked by another run's lease tries again. */
const LEASE_RETRY_MS = 2000;

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s` : `${ms}ms`;
}

export { baseName };
