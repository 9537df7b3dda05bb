import type { Store } from '../store/store.js';
import type { AttemptRecord, RunRecord, StepRecord } from '../store/records.js';
import type { Dispatcher, EngineTask } from '../queue/dispatcher.js';
import { InProcessDispatcher } from '../queue/in-process-dispatcher.js';
import type { StepTypeRegistry } from '../steps/step-type-registry.js';
import type { Logger } from '../logging/logger.js';
import { silentLogger } from '../logging/logger.js';
import type { Credential } from '../credentials/credential.js';
import { workflowSchema, type ConcurrencyPolicy, type WorkflowDefinition } from '../workflow/workflow-schema.js';
import { compileWorkflow, type CompiledWorkflow } from '../workflow/compile-workflow.js';
import { resolveParams } from '../workflow/params.js';
import { renderValue } from '../workflow/expressions/template.js';
import { ConflictError, NotFoundError, PatrolError } from '../errors/index.js';
import { newId } from '../util/ids.js';
import { parseDuration } from '../util/duration.js';
import { isTerminalRun, type RunStatus } from './run-states.js';
import { RunEvents } from './run-events.js';
import { LogSink, type LogSinkOptions } from './log-sink.js';
import { Orchestrator } from './orchestrator.js';
import { StepExecutor } from './step-executor.js';
import { expressionContext } from './expression-context.js';
import { newOwnerId, ownerAlive } from './owner.js';
import type { WaitResolver } from './wait-resolver.js';
import { interruptAttempt } from './interrupt-attempt.js';
import { hostname } from 'node:os';

export interface EngineSettings {
  /** Timeout of a step whose definition and type set none. @defaultValue 1h */
  defaultStepTimeout?: string;
  /** How often this process proves it is alive and checks for cancel requests. @defaultValue 1000 ms */
  heartbeatIntervalMs?: number;
  /** A run whose owner has not beaten for this long is adopted by recovery. @defaultValue 30000 ms */
  ownerLeaseMs?: number;
  /** An interrupted retry-safe step is re-run at most this many times. @defaultValue 3 */
  maxInterruptions?: number;
  log?: LogSinkOptions;
  keepWorkDirs?: boolean;
}

export interface EngineDeps {
  store: Store;
  registry: StepTypeRegistry;
  /** Root of scratch directories for step attempts. */
  workRoot: string;
  dispatcher?: Dispatcher;
  logger?: Logger;
  /** Decrypts credentials for steps; without it steps that need credentials fail clearly. */
  secrets?: { reveal(name: string): Promise<Credential>; secretValues(c: Credential): string[] };
  clock?: () => number;
  ownerId?: string;
  settings?: EngineSettings;
  /** How waiting steps (approvals, ...) learn their outcome. */
  waitResolvers?: readonly WaitResolver[];
  /**
   * embedded: this process drives the runs it starts (recovery by owner liveness).
   * distributed: runs have no owner; servers and workers share them through the store and the
   * queue, and liveness is per attempt (worker heartbeats; see Reconciler). @defaultValue embedded
   */
  mode?: 'embedded' | 'distributed';
  /** In the distributed mode: this process's role and what it accepts, for the worker registry. */
  role?: { kind: 'server' | 'worker'; accepts: { stepTypes: string[]; advance: boolean }; concurrency: number; version: string };
}

export interface TriggerOptions {
  params?: Record<string, unknown>;
  /** Params are command-line strings to convert to their declared types. */
  paramsFromStrings?: boolean;
  trigger?: string;
  triggeredBy?: string;
  dryRun?: boolean;
  labels?: Record<string, string>;
  /** For retry-from-failed: the run whose successful steps are reused. */
  retryOf?: RunRecord;
  /** The inspection this run belongs to (its runs are compared with each other). */
  inspection?: string;
  /** Overrides the workflow's concurrency (a schedule's overlap policy). */
  concurrency?: { key: string; policy: ConcurrencyPolicy };
  /** Input fields merged over steps' rendered `with`, by step name. */
  stepOverrides?: Record<string, Record<string, unknown>>;
  /** Called with the stored run before its first step can start (to attach live views). */
  onCreated?: (run: RunRecord, workflow: CompiledWorkflow) => void;
}

export interface RunDetail {
  run: RunRecord;
  steps: StepRecord[];
  attempts: AttemptRecord[];
}

/**
 * Patrol's workflow engine: the composition of the orchestrator (decides), the step executor
 * (runs attempts) and a dispatcher (carries work between them). The store is the source of truth;
 * every decision is committed before it is acted on.
 */
export class Engine {
  readonly events = new RunEvents();
  readonly ownerId: string;
  readonly store: Store;
  readonly registry: StepTypeRegistry;
  readonly dispatcher: Dispatcher;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly orchestrator: Orchestrator;
  private readonly executor: StepExecutor;
  private readonly logSink: LogSink;
  private readonly compiled = new Map<string, CompiledWorkflow>();
  private readonly settings: Required<Omit<EngineSettings, 'log'>>;
  private heartbeat: NodeJS.Timeout | undefined;
  private started = false;
  readonly mode: 'embedded' | 'distributed';
  private readonly role: EngineDeps['role'];
  private readonly startedAt = Date.now();

  constructor(deps: EngineDeps) {
    this.store = deps.store;
    this.registry = deps.registry;
    this.dispatcher = deps.dispatcher ?? new InProcessDispatcher();
    this.logger = deps.logger ?? silentLogger();
    this.clock = deps.clock ?? Date.now;
    this.ownerId = deps.ownerId ?? newOwnerId();
    this.mode = deps.mode ?? 'embedded';
    this.role = deps.role;
    this.settings = {
      defaultStepTimeout: deps.settings?.defaultStepTimeout ?? '1h',
      heartbeatIntervalMs: deps.settings?.heartbeatIntervalMs ?? 1000,
      ownerLeaseMs: deps.settings?.ownerLeaseMs ?? 30_000,
      maxInterruptions: deps.settings?.maxInterruptions ?? 3,
      keepWorkDirs: deps.settings?.keepWorkDirs ?? false,
    };
    this.logSink = new LogSink(this.store, this.events, this.logger, deps.settings?.log);
    const secrets = deps.secrets ?? {
      reveal: async (name: string): Promise<Credential> => {
        throw new PatrolError(`credential "${name}" requested but no credential store is configured`, { code: 'no-credentials', retryable: false });
      },
      secretValues: () => [],
    };
    const workflowOf = (run: RunRecord, db?: Store) => this.workflowOf(run, db);
    this.orchestrator = new Orchestrator({
      store: this.store,
      dispatcher: this.dispatcher,
      events: this.events,
      logger: this.logger,
      clock: this.clock,
      workflowOf,
      abortRun: (runId, reason) => this.executor.abortRun(runId, reason),
      onRunFinished: (run) => this.onRunFinished(run),
      waitResolvers: new Map((deps.waitResolvers ?? []).map((r) => [r.kind, r])),
    });
    this.executor = new StepExecutor({
      store: this.store,
      dispatcher: this.dispatcher,
      events: this.events,
      logger: this.logger,
      logSink: this.logSink,
      clock: this.clock,
      ownerId: this.ownerId,
      workRoot: deps.workRoot,
      defaultStepTimeoutMs: parseDuration(this.settings.defaultStepTimeout, 'defaultStepTimeout'),
      workflowOf,
      reveal: (name) => secrets.reveal(name),
      secretValues: (c) => secrets.secretValues(c),
      advance: (runId, step) => this.orchestrator.advance(runId, step),
      keepWorkDirs: this.settings.keepWorkDirs,
    });
  }

  /** Starts executing tasks and the heartbeat (cancel requests, queued runs, liveness). */
  start(): this {
    if (this.started) return this;
    this.started = true;
    this.dispatcher.start((task) => this.handle(task));
    this.heartbeat = setInterval(() => void this.beat(), this.settings.heartbeatIntervalMs);
    return this;
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    await this.dispatcher.close();
    await this.logSink.flush();
    if (this.mode === 'distributed' && this.started) await this.store.workers.markStopped(this.ownerId, this.clock()).catch(() => undefined);
    this.started = false;
  }

  /** Step attempts running in this process right now. */
  runningCount(): number {
    let n = 0;
    for (const steps of this.executor.runningSteps().values()) n += steps.length;
    return n;
  }

  /** Handles one dispatched task; exposed for distributed workers. */
  async handle(task: EngineTask): Promise<void> {
    try {
      if (task.kind === 'advance') await this.orchestrator.advance(task.runId);
      else await this.executor.execute(task);
    } catch (err) {
      this.logger.error({ err, task }, 'engine task failed');
      throw err;
    }
  }

  /** Compiles, resolves params, applies the concurrency policy and starts (or queues) a run. */
  async trigger(def: WorkflowDefinition, opts: TriggerOptions = {}): Promise<RunRecord> {
    const wf = compileWorkflow(def, this.registry);
    const params = resolveParams(def.spec.params, opts.params ?? {}, { fromStrings: opts.paramsFromStrings ?? false });
    const now = this.clock();
    const id = newId();
    const base: RunRecord = {
      id,
      workflow: def.metadata.name,
      namespace: def.metadata.namespace,
      params,
      status: 'queued',
      reason: null,
      error: null,
      concurrencyKey: null,
      trigger: opts.trigger ?? 'manual',
      triggeredBy: opts.triggeredBy ?? null,
      retryOf: opts.retryOf?.id ?? null,
      inspection: opts.inspection ?? opts.retryOf?.inspection ?? null,
      labels: opts.labels ?? {},
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      deadlineAt: null,
      cancelRequestedAt: null,
      cancelReason: null,
      // Distributed runs belong to no process: whoever holds the run's row lock advances it.
      owner: this.mode === 'embedded' ? this.ownerId : null,
      heartbeatAt: now,
      dryRun: opts.dryRun ?? false,
      overrides: opts.stepOverrides ?? {},
    };
    const concurrency = opts.concurrency ?? wf.concurrency;
    if (concurrency) base.concurrencyKey = String(renderValue(concurrency.key, expressionContext(base, {})));
    const reuse = opts.retryOf ? await this.reusableSteps(opts.retryOf, wf) : new Map<string, StepRecord>();
    const steps: StepRecord[] = [];
    for (const s of wf.steps.values()) {
      const prev = reuse.get(s.name);
      steps.push({
        runId: id,
        name: s.name,
        base: s.name,
        idx: null,
        phase: s.phase,
        status: prev ? 'succeeded' : 'pending',
        attempts: 0,
        outputs: prev?.outputs ?? null,
        error: null,
        item: null,
        reason: prev ? `reused from run ${prev.runId}` : null,
        reusedFrom: prev?.runId ?? null,
        nextAttemptAt: null,
        startedAt: prev?.startedAt ?? null,
        finishedAt: prev?.finishedAt ?? null,
        pendingNeeds: s.needs.filter((n) => !reuse.has(n)).length,
        wait: null,
      });
      if (prev && s.forEach) {
        for (const inst of await this.store.runs.getInstances(prev.runId, s.name)) steps.push({ ...inst, runId: id, attempts: 0, reusedFrom: prev.runId, reason: `reused from run ${prev.runId}` });
      }
    }
    const older: string[] = [];
    const run = await this.store.transaction(async (tx) => {
      const r = { ...base };
      if (r.concurrencyKey && concurrency) {
        const active = await tx.runs.activeRunsWithKey(r.concurrencyKey);
        if (active.length > 0) {
          if (concurrency.policy === 'skip') {
            r.status = 'cancelled';
            r.reason = `skipped: run ${active[0]!.id} with concurrency key "${r.concurrencyKey}" is still active`;
            r.finishedAt = now;
            for (const s of steps) if (s.status === 'pending') Object.assign(s, { status: 'skipped', reason: 'run skipped by its concurrency policy' });
          } else if (concurrency.policy === 'queue') {
            r.reason = `waiting for run ${active[active.length - 1]!.id} (concurrency key "${r.concurrencyKey}")`;
          } else {
            for (const a of active) {
              await tx.runs.updateRun(a.id, { cancelRequestedAt: now, cancelReason: `superseded by run ${id} (concurrency key "${r.concurrencyKey}")` }, ['queued', 'running', 'waiting']);
              older.push(a.id);
            }
            r.reason = `waiting for ${active.length} older run(s) to stop (concurrency key "${r.concurrencyKey}")`;
          }
        }
      }
      await tx.runs.insertRun(r, def);
      await tx.runs.insertSteps(steps);
      return r;
    });
    this.compiled.set(id, wf);
    opts.onCreated?.(run, wf);
    this.events.emit('run', { runId: id, status: run.status, reason: run.reason, at: now });
    for (const o of older) await this.orchestrator.advance(o);
    if (run.status === 'queued') await this.orchestrator.advance(id);
    return (await this.store.runs.getRun(id))!;
  }

  /**
   * Requests a cancel: persisted first, then acted on here (if this process drives the run) or
   * by the owning process's heartbeat within a second.
   */
  async cancel(runId: string, reason = 'cancelled by user'): Promise<RunRecord> {
    const run = await this.store.runs.getRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`, { runId });
    if (isTerminalRun(run.status)) throw new ConflictError(`run ${runId} already ${run.status}`, { runId, status: run.status });
    await this.store.runs.updateRun(runId, { cancelRequestedAt: this.clock(), cancelReason: reason }, ['queued', 'running', 'waiting']);
    // Attempts on other workers notice the request at their next heartbeat and stop.
    if (run.owner === this.ownerId || run.owner === null) await this.orchestrator.advance(runId);
    return (await this.store.runs.getRun(runId))!;
  }

  /** Retry from failed: a new run of the same definition and params reusing what succeeded. */
  async retry(runId: string, opts: { triggeredBy?: string; onCreated?: TriggerOptions['onCreated']; onlyFailedTargets?: boolean } = {}): Promise<RunRecord> {
    const run = await this.store.runs.getRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`, { runId });
    if (!isTerminalRun(run.status)) throw new ConflictError(`run ${runId} is still ${run.status}; retry it once it ended`, { runId, status: run.status });
    if (run.status === 'succeeded') throw new ConflictError(`run ${runId} succeeded; there is nothing to retry`, { runId });
    const def = workflowSchema.parse(await this.store.runs.getDefinition(run.id));
    const stepOverrides = { ...run.overrides };
    if (opts.onlyFailedTargets) {
      // Narrow each failed step whose type knows how (ansible: --limit to the failed hosts).
      const wf = await this.workflowOf(run);
      for (const s of await this.store.runs.getUnsuccessfulParents(run.id)) {
        const narrowed = wf.steps.get(s.base)?.stepType.rerunInput?.({ outputs: s.outputs });
        if (narrowed) stepOverrides[s.name] = { ...(stepOverrides[s.name] ?? {}), ...narrowed };
      }
      if (Object.keys(stepOverrides).length === Object.keys(run.overrides).length) {
        throw new ConflictError(`run ${runId} has no failed step that can be narrowed to its failed targets; use a plain retry`, { runId });
      }
    }
    return this.trigger(def, {
      stepOverrides,
      params: run.params,
      trigger: 'retry',
      retryOf: run,
      dryRun: run.dryRun,
      labels: run.labels,
      ...(opts.triggeredBy ? { triggeredBy: opts.triggeredBy } : {}),
      ...(opts.onCreated ? { onCreated: opts.onCreated } : {}),
    });
  }

  /** Resolves when the run ends (events from this process, polling for runs driven elsewhere). */
  async waitFor(runId: string, opts: { pollMs?: number; timeoutMs?: number } = {}): Promise<RunRecord> {
    const first = await this.store.runs.getRun(runId);
    if (!first) throw new NotFoundError(`run ${runId} not found`, { runId });
    if (isTerminalRun(first.status)) return first;
    return new Promise<RunRecord>((resolve, reject) => {
      let done = false;
      const finish = async () => {
        const r = await this.store.runs.getRun(runId);
        if (r && isTerminalRun(r.status) && !done) {
          done = true;
          cleanup();
          await this.logSink.flush();
          resolve(r);
        }
      };
      const onRun = (e: { runId: string; status: RunStatus }) => {
        if (e.runId === runId && isTerminalRun(e.status)) void finish();
      };
      const poll = setInterval(() => void finish().catch(() => undefined), opts.pollMs ?? 1000);
      const timeout = opts.timeoutMs ? setTimeout(() => {
        cleanup();
        reject(new PatrolError(`run ${runId} did not finish within ${opts.timeoutMs} ms`, { code: 'wait-timeout' }));
      }, opts.timeoutMs) : undefined;
      const cleanup = () => {
        this.events.off('run', onRun);
        clearInterval(poll);
        if (timeout) clearTimeout(timeout);
      };
      this.events.on('run', onRun);
    });
  }

  async detail(runId: string): Promise<RunDetail> {
    const run = await this.store.runs.getRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`, { runId });
    const [steps, attempts] = await Promise.all([this.store.runs.getSteps(runId), this.store.runs.listAttempts(runId)]);
    const order = new Map<string, number>();
    const wf = await this.workflowOf(run);
    [...wf.mainOrder, ...wf.finallyOrder].forEach((n, i) => order.set(n, i));
    steps.sort((a, b) => (order.get(a.base) ?? 0) - (order.get(b.base) ?? 0) || (a.idx ?? -1) - (b.idx ?? -1));
    return { run, steps, attempts };
  }

  /**
   * Adopts runs whose driving process died: running attempts become `interrupted` and are
   * retried only when their step type is safe to repeat; queued work is dispatched again.
   * Returns the ids of adopted runs.
   */
  async recover(): Promise<string[]> {
    const now = this.clock();
    const adopted: string[] = [];
    for (const run of await this.store.runs.activeRuns()) {
      // Unowned runs belong to the distributed mode: the reconciler looks after them.
      if (run.owner === this.ownerId || run.owner === null) continue;
      if (ownerAlive(run.owner, run.heartbeatAt, { now, leaseMs: this.settings.ownerLeaseMs })) continue;
      const tasks: { task: EngineTask; delayMs?: number }[] = [];
      const ok = await this.store.transaction(async (tx) => {
        if (!(await tx.runs.takeOver(run.id, run.owner, this.ownerId, now))) return false;
        const wf = await this.workflowOf(run, tx);
        for (const a of await tx.runs.attemptsInStatus(run.id, ['running', 'queued'])) {
          if (a.status === 'queued') {
            // Never started: no side effects happened, so it is simply dispatched again.
            const step = await tx.runs.getStep(run.id, a.step);
            if (!step) continue;
            const delay = step.nextAttemptAt !== null ? Math.max(0, step.nextAttemptAt - now) : 0;
            tasks.push({ task: { kind: 'step', runId: run.id, step: a.step, attempt: a.attempt, type: wf.steps.get(step.base)!.stepType.type }, delayMs: delay });
            continue;
          }
          const task = await interruptAttempt(tx, run, wf, a, { now, maxInterruptions: this.settings.maxInterruptions });
          if (task) tasks.push({ task });
        }
        return true;
      });
      if (!ok) continue;
      adopted.push(run.id);
      this.logger.info({ runId: run.id, previousOwner: run.owner }, 'adopted run from a stopped process');
      for (const t of tasks) await this.dispatcher.dispatch(t.task, t.delayMs ? { delayMs: t.delayMs } : {});
      if (run.deadlineAt !== null && run.deadlineAt > now) await this.dispatcher.dispatch({ kind: 'advance', runId: run.id }, { delayMs: run.deadlineAt - now + 5 });
      await this.orchestrator.advance(run.id);
    }
    return adopted;
  }

  /** Re-evaluates a run now (after a decision was recorded, for example). */
  reevaluate(runId: string): Promise<void> {
    return this.orchestrator.advance(runId);
  }

  /**
   * Attempts running here whose run was cancelled or timed out elsewhere (another server, the
   * API, a CLI) stop within one heartbeat.
   */
  private async stopLocalAttemptsOfStoppingRuns(now: number): Promise<void> {
    const local = [...this.executor.runningSteps().keys()];
    if (local.length === 0) return;
    for (const r of await this.store.runs.stopState(local)) {
      if (r.cancelRequestedAt !== null) this.executor.abortRun(r.id, 'cancelled');
      else if (r.deadlineAt !== null && now >= r.deadlineAt) this.executor.abortRun(r.id, 'timed-out');
    }
  }

  /** Flushes buffered step logs (for readers in other processes). */
  flushLogs(): Promise<void> {
    return this.logSink.flush();
  }

  /** The compiled workflow of a run, cached while the run is active. */
  async workflowOf(run: Pick<RunRecord, 'id'>, db: Store = this.store): Promise<CompiledWorkflow> {
    let wf = this.compiled.get(run.id);
    if (!wf) {
      // Inside a transaction pass its store: SQLite has one connection, held by the transaction.
      wf = compileWorkflow(workflowSchema.parse(await db.runs.getDefinition(run.id)), this.registry);
      this.compiled.set(run.id, wf);
    }
    return wf;
  }

  private async reusableSteps(prev: RunRecord, wf: CompiledWorkflow): Promise<Map<string, StepRecord>> {
    const out = new Map<string, StepRecord>();
    for (const s of await this.store.runs.getSteps(prev.id)) {
      if (s.idx === null && s.status === 'succeeded' && wf.steps.get(s.base)?.phase === 'main') out.set(s.name, s);
    }
    return out;
  }

  private onRunFinished(run: RunRecord): void {
    this.compiled.delete(run.id);
    void this.logSink.flush();
    if (run.concurrencyKey) {
      void this.store.runs
        .activeRunsWithKey(run.concurrencyKey)
        .then(async (rows) => {
          const next = rows.find((r) => r.status === 'queued');
          if (next && (next.owner === this.ownerId || next.owner === null)) await this.orchestrator.advance(next.id);
        })
        .catch((err: unknown) => this.logger.error({ err }, 'failed to start the next queued run'));
    }
  }

  private beating = false;

  /** Liveness, cancel requests from other processes, and queued runs waiting for a slot. */
  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const now = this.clock();
      if (this.mode === 'embedded') {
        await this.store.runs.touchOwned(this.ownerId, now);
        for (const r of await this.store.runs.ownedActiveRuns(this.ownerId)) {
          // Cancel requests and decisions on waiting steps may come from other processes.
          if (r.cancelRequestedAt !== null || r.status === 'queued' || r.status === 'waiting') await this.orchestrator.advance(r.id);
        }
      } else if (this.role) {
        await this.store.workers.heartbeat({ id: this.ownerId, role: this.role.kind, host: hostname(), pid: process.pid, accepts: this.role.accepts, concurrency: this.role.concurrency, running: this.runningCount(), version: this.role.version, startedAt: this.startedAt, heartbeatAt: now });
      }
      await this.stopLocalAttemptsOfStoppingRuns(now);
      await this.logSink.flush();
    } catch (err) {
      this.logger.warn({ err }, 'heartbeat failed');
    } finally {
      this.beating = false;
    }
  }
}
