import type { Store } from '../store/store.js';
import type { RunRecord, StepRecord } from '../store/records.js';
import type { Dispatcher, EngineTask } from '../queue/dispatcher.js';
import type { Logger } from '../logging/logger.js';
import type { CompiledWorkflow, CompiledStep } from '../workflow/compile-workflow.js';
import { renderValue } from '../workflow/expressions/template.js';
import { ExpressionError } from '../workflow/expressions/cel.js';
import { serializeError, type SerializedError } from '../errors/index.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import { isTerminalRun, isTerminalStep, type RunStatus, type StepStatus } from './run-states.js';
import type { RunEvents } from './run-events.js';
import { expressionContext, stepViews } from './expression-context.js';
import { runOutcome } from './run-outcome.js';
import type { WaitResolver } from './wait-resolver.js';

/** Reason prefix of steps skipped because something upstream failed: their dependents skip too. */
export const UPSTREAM_FAILED = 'upstream failed';

export interface OrchestratorDeps {
  store: Store;
  dispatcher: Dispatcher;
  events: RunEvents;
  logger: Logger;
  clock: () => number;
  /** The compiled workflow of a run (cached by the engine). */
  workflowOf(run: RunRecord, db?: Store): Promise<CompiledWorkflow>;
  /** Stops attempts of this run running in this process. */
  abortRun(runId: string, reason: 'cancelled' | 'timed-out'): void;
  /** Called once a run reached a terminal state (after commit). */
  onRunFinished(run: RunRecord): void;
  /** Resolvers of waiting steps, by wait kind. */
  waitResolvers: ReadonlyMap<string, WaitResolver>;
}

interface Pending {
  tasks: { task: EngineTask; delayMs?: number }[];
  emits: (() => void)[];
  abort?: 'cancelled' | 'timed-out';
  finished?: RunRecord;
}

/**
 * The DAG state machine. `advance` looks at a run's stored state, decides which steps become
 * ready, skipped or cancelled, and whether the run is done; it writes those decisions in one
 * transaction and only then dispatches work. It is idempotent: anyone may call it at any time
 * (after a step ends, on a timer, after a restart) and it does only what is still due.
 */
export class Orchestrator {
  private readonly mutex = new KeyedMutex();

  constructor(private readonly deps: OrchestratorDeps) {}

  /**
   * Re-evaluates a run. `changedStep` (an instance name) limits the work to what that step's
   * change can affect; without it every step is looked at.
   */
  advance(runId: string, changedStep?: string): Promise<void> {
    return this.mutex.run(runId, () => this.advanceLocked(runId, changedStep));
  }

  private async advanceLocked(runId: string, changedStep?: string): Promise<void> {
    const { store, clock } = this.deps;
    const out: Pending = { tasks: [], emits: [] };
    await store.transaction(async (tx) => {
      await tx.runs.lockRun(runId, tx.dialect);
      const loaded = await tx.runs.getRun(runId);
      if (!loaded || isTerminalRun(loaded.status)) return;
      let run: RunRecord = loaded;
      const wf = await this.deps.workflowOf(run, tx);
      const now = clock();

      if (run.status === 'queued') {
        if (run.cancelRequestedAt !== null) {
          await this.finalize(tx, run, wf, 'cancelled', run.cancelReason ?? 'cancelled before it started', out);
          const rows = await tx.runs.getSteps(runId);
          for (const r of rows) if (!isTerminalStep(r.status)) await tx.runs.updateStep(runId, r.name, { status: 'cancelled', reason: 'run cancelled before it started', finishedAt: now });
          return;
        }
        if (!(await this.slotFree(tx, run))) return;
        const deadlineAt = wf.timeoutMs !== undefined ? now + wf.timeoutMs : null;
        await tx.runs.updateRun(runId, { status: 'running', startedAt: now, deadlineAt, reason: null }, ['queued']);
        run = { ...run, status: 'running', startedAt: now, deadlineAt, reason: null };
        out.emits.push(() => this.deps.events.emit('run', { runId, status: 'running', reason: null, at: now }));
        if (deadlineAt !== null) out.tasks.push({ task: { kind: 'advance', runId }, delayMs: deadlineAt - now + 5 });
        changedStep = undefined;
      }

      const stopping: 'cancelled' | 'timed-out' | undefined =
        run.cancelRequestedAt !== null ? 'cancelled' : run.deadlineAt !== null && now >= run.deadlineAt ? 'timed-out' : undefined;
      if (stopping) {
        out.abort = stopping;
        changedStep = undefined;
      }

      const state = new RunState(tx, run, wf);
      const work: string[] = [];
      const queued = new Set<string>();
      const push = (base: string) => {
        if (!queued.has(base)) {
          queued.add(base);
          work.push(base);
        }
      };
      if (changedStep === undefined) {
        for (const n of wf.mainOrder) push(n);
      } else {
        const base = baseName(changedStep);
        const step = wf.steps.get(base);
        if (step?.forEach) push(base);
        for (const d of step?.dependents ?? []) push(d);
      }

      // One query for the rows this advance looks at first, not one per step: a fan-out's first
      // advance evaluates hundreds of steps.
      if (work.length > 1) await state.parents([...new Set(work.flatMap((n) => [n, ...wf.steps.get(n)!.needs, ...wf.steps.get(n)!.reads]))]);
      // Drain the main phase; once every main step is terminal, open the finally phase (once).
      let finallyOpened = false;
      for (;;) {
        while (work.length > 0) {
          const base = work.shift()!;
          queued.delete(base);
          const becameTerminal = await this.evaluate(state, wf.steps.get(base)!, stopping, now, out);
          if (becameTerminal) for (const d of wf.steps.get(base)!.dependents) push(d);
        }
        await state.flushQueued(now);
        if (finallyOpened || wf.finallyOrder.length === 0 || !(await state.mainDone())) break;
        finallyOpened = true;
        for (const n of wf.finallyOrder) push(n);
      }

      await state.flushQueued(now);
      if (!(await tx.runs.hasUnfinished(runId))) {
        const outcome = await runOutcome(tx, run, wf, now);
        await this.finalize(tx, run, wf, outcome.status, outcome.reason, out, outcome.error);
      } else if (run.status === 'running' || run.status === 'waiting') {
        // A run waits when its only unfinished work is waiting for people (approvals).
        const busy = await tx.runs.hasAttemptsIn(runId, ['queued', 'running']);
        const waiting = !busy && (await tx.runs.hasStepsIn(runId, ['waiting']));
        const next = waiting ? 'waiting' : 'running';
        if (next !== run.status) {
          const reason = waiting ? 'waiting for a decision' : null;
          await tx.runs.updateRun(runId, { status: next, reason }, ['running', 'waiting']);
          out.emits.push(() => this.deps.events.emit('run', { runId, status: next, reason, at: now }));
        }
      }
    });
    for (const emit of out.emits) emit();
    if (out.abort) this.deps.abortRun(runId, out.abort);
    const immediate = out.tasks.filter((t) => t.delayMs === undefined).map((t) => t.task);
    if (immediate.length > 1 && this.deps.dispatcher.dispatchMany) await this.deps.dispatcher.dispatchMany(immediate);
    else for (const t of immediate) await this.deps.dispatcher.dispatch(t);
    for (const t of out.tasks) if (t.delayMs !== undefined) await this.deps.dispatcher.dispatch(t.task, { delayMs: t.delayMs });
    if (out.finished) this.deps.onRunFinished(out.finished);
  }

  /** Decides what happens to one step definition; returns true when its parent row just became terminal. */
  private async evaluate(state: RunState, step: CompiledStep, stopping: 'cancelled' | 'timed-out' | undefined, now: number, out: Pending): Promise<boolean> {
    const parent = await state.parent(step.name);
    if (!parent || isTerminalStep(parent.status)) return false;
    const runId = state.run.id;

    if (step.phase === 'finally' && !(await state.mainDone())) return false;

    if (parent.status === 'pending') {
      if (parent.pendingNeeds > 0) return false;
      const needs = await state.parents(step.needs);
      if (needs.some((n) => !isTerminalStep(n.status))) return false;
      if (stopping && step.phase === 'main') {
        return this.setStep(state, parent, 'cancelled', out, { reason: stopping === 'cancelled' ? 'run cancelled before the step started' : 'run timed out before the step started' });
      }
      const blocker = needs.find((n) => this.blocks(state.wf, n));
      if (blocker) {
        return this.setStep(state, parent, 'skipped', out, { reason: `${UPSTREAM_FAILED}: step "${blocker.name}" ${blocker.status === 'skipped' ? 'was skipped because its upstream failed' : blocker.status}` });
      }
      if (step.when) {
        let pass: unknown;
        try {
          pass = step.when.evaluate(await state.context(step));
        } catch (err) {
          return this.setStep(state, parent, 'failed', out, { error: serializeError(err), reason: 'when expression failed' });
        }
        if (typeof pass !== 'boolean') {
          return this.setStep(state, parent, 'failed', out, {
            error: new ExpressionError(`when "${step.when.source}" must yield true or false, got ${JSON.stringify(pass)}`, step.when.source).toJSON(),
            reason: 'when expression failed',
          });
        }
        if (!pass) return this.setStep(state, parent, 'skipped', out, { reason: `when "${step.when.source}" was false` });
      }
      if (!step.forEach) {
        await this.queueAttempt(state, parent, 1, now, out);
        return false;
      }
      // forEach: expand into instances, then fall through to dispatch the first batch.
      let items: unknown;
      try {
        items = renderValue(step.forEach.items, await state.context(step));
      } catch (err) {
        return this.setStep(state, parent, 'failed', out, { error: serializeError(err), reason: 'forEach items failed' });
      }
      if (!Array.isArray(items)) {
        return this.setStep(state, parent, 'failed', out, {
          error: { name: 'ExpressionError', code: 'expression', message: `forEach items must be a list, got ${JSON.stringify(items)?.slice(0, 200)}`, retryable: false },
          reason: 'forEach items failed',
        });
      }
      if (items.length === 0) return this.setStep(state, parent, 'succeeded', out, { outputs: { results: [] }, reason: 'forEach over an empty list' });
      const reused = await this.reusableInstances(state, step.name, items);
      const rows: StepRecord[] = items.map((item, idx) => {
        const prev = reused.get(idx);
        return {
          runId,
          name: `${step.name}[${idx}]`,
          base: step.name,
          idx,
          phase: step.phase,
          status: prev ? 'succeeded' : 'pending',
          attempts: 0,
          outputs: prev?.outputs ?? null,
          error: null,
          item,
          reason: prev ? `reused from run ${state.run.retryOf}` : null,
          reusedFrom: prev ? state.run.retryOf : null,
          nextAttemptAt: null,
          startedAt: prev?.startedAt ?? null,
          finishedAt: prev?.finishedAt ?? null,
          pendingNeeds: 0,
          wait: null,
        };
      });
      await state.tx.runs.insertSteps(rows);
      state.addInstances(step.name, rows);
      await state.tx.runs.updateStep(runId, parent.name, { status: 'running', startedAt: now }, ['pending']);
      parent.status = 'running';
      parent.startedAt = now;
      out.emits.push(() => this.deps.events.emit('step', { runId, step: parent.name, status: 'running', attempt: 0, at: now }));
    }

    if (parent.status === 'waiting') return this.resolveWait(state, parent, step.phase === 'main' ? stopping : undefined, now, out);

    if (parent.status === 'running' && step.forEach) {
      const inst = await state.instances(step.name);
      for (const i of inst) if (i.status === 'waiting') await this.resolveWait(state, i, step.phase === 'main' ? stopping : undefined, now, out);
      const fe = step.forEach;
      const failedOf = (list: StepRecord[]) => list.filter((x) => x.status === 'failed' || x.status === 'cancelled');
      // Blast radius: a canary batch must succeed before the rest; too many failures halt the fan-out.
      const canary = inst.slice(0, Math.min(fe.canary, inst.length));
      const canaryFinished = canary.every((x) => isTerminalStep(x.status));
      const canaryFailed = canaryFinished && failedOf(canary).length > 0;
      const finished = inst.filter((x) => isTerminalStep(x.status) && x.status !== 'skipped');
      const failurePercent = finished.length === 0 ? 0 : (100 * failedOf(finished).length) / finished.length;
      const halted = fe.maxFailurePercent < 100 && finished.length > 0 && failurePercent > fe.maxFailurePercent;
      for (const i of inst) {
        if (i.status !== 'pending') continue;
        if (stopping && step.phase === 'main') await this.setStep(state, i, 'cancelled', out, { reason: stopping === 'cancelled' ? 'run cancelled before the instance started' : 'run timed out before the instance started' });
        else if (fe.failFast && failedOf(inst).length > 0) await this.setStep(state, i, 'skipped', out, { reason: 'failFast: an earlier instance failed' });
        else if (canaryFailed) await this.setStep(state, i, 'skipped', out, { reason: `blast radius: the canary batch (${canary.length}) did not all succeed` });
        else if (halted) await this.setStep(state, i, 'skipped', out, { reason: `blast radius: ${failedOf(finished).length} of ${finished.length} finished instances failed (${failurePercent.toFixed(0)}% > ${fe.maxFailurePercent}%)` });
      }
      let active = inst.filter((i) => i.status === 'queued' || i.status === 'running' || i.status === 'waiting').length;
      for (const i of inst) {
        if (active >= fe.concurrency) break;
        if (i.status !== 'pending') continue;
        // Until the canary batch has finished, only canary instances start.
        if (!canaryFinished && i.idx! >= canary.length) break;
        await this.queueAttempt(state, i, 1, now, out);
        active++;
      }
      if (inst.every((i) => isTerminalStep(i.status))) {
        const bad = inst.filter((i) => i.status === 'failed' || i.status === 'cancelled');
        const outputs = { results: inst.map((i) => i.outputs ?? null) };
        if (bad.length === 0) return this.setStep(state, parent, 'succeeded', out, { outputs });
        const first = bad[0]!;
        return this.setStep(state, parent, stopping && bad.every((b) => b.status === 'cancelled') ? 'cancelled' : 'failed', out, {
          outputs,
          error: { name: 'StepError', code: 'foreach-failed', message: `${bad.length} of ${inst.length} instances did not succeed; first: ${first.name}: ${first.error?.message ?? first.status}`, retryable: false },
        });
      }
      return false;
    }

    if (stopping && step.phase === 'main' && parent.status === 'queued') {
      // Queued but not started: cancel here; the executor drops the stale task when it arrives.
      await state.tx.runs.updateAttempt(runId, parent.name, parent.attempts, { status: 'cancelled', finishedAt: now }, ['queued']);
      return this.setStep(state, parent, 'cancelled', out, { reason: stopping === 'cancelled' ? 'run cancelled' : 'run timed out' });
    }
    return false;
  }

  /** Ends a wait when its resolver has an outcome, its time is up, or the run is stopping. */
  private async resolveWait(state: RunState, row: StepRecord, stopping: 'cancelled' | 'timed-out' | undefined, now: number, out: Pending): Promise<boolean> {
    const runId = state.run.id;
    const w = row.wait;
    const resolver = w ? this.deps.waitResolvers.get(w.kind) : undefined;
    if (stopping) {
      if (w && resolver?.cancel) await resolver.cancel(w.ref, state.tx);
      await state.tx.runs.updateAttempt(runId, row.name, row.attempts, { status: 'cancelled', finishedAt: now }, ['waiting']);
      return this.setStep(state, row, 'cancelled', out, { reason: stopping === 'cancelled' ? 'run cancelled while waiting' : 'run timed out while waiting' });
    }
    let outcome: Awaited<ReturnType<WaitResolver['check']>>;
    if (!w || !resolver) {
      outcome = { status: 'failed', error: { name: 'StepError', code: 'wait-unknown', message: `nothing can end this wait (${w ? `no resolver for "${w.kind}"` : 'no wait recorded'})`, retryable: false } };
    } else {
      outcome = await resolver.check(w.ref, state.tx);
      if (!outcome && w.expiresAt !== null && now >= w.expiresAt) outcome = await resolver.timeout(w.ref, state.tx);
    }
    if (!outcome) return false;
    if (outcome.status === 'succeeded') {
      await state.tx.runs.updateAttempt(runId, row.name, row.attempts, { status: 'succeeded', finishedAt: now, outputs: outcome.outputs }, ['waiting']);
      return this.setStep(state, row, 'succeeded', out, { outputs: outcome.outputs });
    }
    await state.tx.runs.updateAttempt(runId, row.name, row.attempts, { status: 'failed', finishedAt: now, error: outcome.error }, ['waiting']);
    return this.setStep(state, row, 'failed', out, { error: outcome.error, reason: outcome.error.message });
  }

  /** A need that ends in failure stops its dependents unless it was allowed to fail. */
  private blocks(wf: CompiledWorkflow, need: StepRecord): boolean {
    if (need.status === 'failed') return !wf.steps.get(need.base)!.continueOnError;
    if (need.status === 'cancelled') return true;
    if (need.status === 'skipped') return need.reason?.startsWith(UPSTREAM_FAILED) ?? false;
    return false;
  }

  /** Queues a first attempt; written in one batch with the others of this advance (see flushQueued). */
  private async queueAttempt(state: RunState, row: StepRecord, attempt: 1, now: number, out: Pending): Promise<void> {
    const runId = state.run.id;
    state.toQueue.push(row.name);
    row.status = 'queued';
    row.attempts = attempt;
    out.tasks.push({ task: { kind: 'step', runId, step: row.name, attempt, type: state.wf.steps.get(row.base)!.stepType.type } });
    out.emits.push(() => this.deps.events.emit('step', { runId, step: row.name, status: 'queued', attempt, at: now }));
  }

  private async setStep(
    state: RunState,
    row: StepRecord,
    status: StepStatus,
    out: Pending,
    extra: { reason?: string; error?: SerializedError; outputs?: Record<string, unknown> } = {},
  ): Promise<boolean> {
    const now = this.deps.clock();
    await state.tx.runs.updateStep(state.run.id, row.name, {
      status,
      finishedAt: now,
      ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
      ...(extra.error !== undefined ? { error: extra.error } : {}),
      ...(extra.outputs !== undefined ? { outputs: extra.outputs } : {}),
    });
    row.status = status;
    row.finishedAt = now;
    if (row.phase === 'main') state.invalidateMainDone();
    if (row.idx === null) await state.releaseDependents(row.base);
    if (extra.reason !== undefined) row.reason = extra.reason;
    if (extra.outputs !== undefined) row.outputs = extra.outputs;
    const runId = state.run.id;
    out.emits.push(() =>
      this.deps.events.emit('step', {
        runId,
        step: row.name,
        status,
        attempt: row.attempts,
        at: now,
        reason: extra.reason ?? null,
        ...(extra.error ? { error: extra.error.message } : {}),
      }),
    );
    return row.idx === null;
  }

  /** Whether a queued run may start: no other started run holds its concurrency key. */
  private async slotFree(tx: Store, run: RunRecord): Promise<boolean> {
    if (!run.concurrencyKey) return true;
    const active = await tx.runs.activeRunsWithKey(run.concurrencyKey);
    if (active.some((r) => r.id !== run.id && r.status !== 'queued')) return false;
    const firstQueued = active.find((r) => r.status === 'queued');
    return firstQueued?.id === run.id;
  }

  private async finalize(tx: Store, run: RunRecord, _wf: CompiledWorkflow, status: RunStatus, reason: string | null, out: Pending, error?: SerializedError): Promise<void> {
    const now = this.deps.clock();
    const ok = await tx.runs.updateRun(run.id, { status, reason, finishedAt: now, ...(error ? { error } : {}) }, ['queued', 'running', 'waiting']);
    if (!ok) return;
    out.finished = { ...run, status, reason, finishedAt: now, error: error ?? run.error };
    out.emits.push(() => this.deps.events.emit('run', { runId: run.id, status, reason, at: now, startedAt: run.startedAt }));
  }

  /** For retry-from-failed: instances of the previous run that succeeded with the same item. */
  private async reusableInstances(state: RunState, base: string, items: unknown[]): Promise<Map<number, StepRecord>> {
    const out = new Map<number, StepRecord>();
    if (!state.run.retryOf) return out;
    const prev = await state.tx.runs.getInstances(state.run.retryOf, base);
    for (const p of prev) {
      if (p.status === 'succeeded' && p.idx !== null && p.idx < items.length && JSON.stringify(p.item) === JSON.stringify(items[p.idx])) out.set(p.idx, p);
    }
    return out;
  }
}

export function baseName(instance: string): string {
  const i = instance.indexOf('[');
  return i < 0 ? instance : instance.slice(0, i);
}

/** Rows of one run loaded lazily during one advance, kept consistent with the writes it makes. */
class RunState {
  private readonly parentRows = new Map<string, StepRecord>();
  private readonly instanceRows = new Map<string, StepRecord[]>();
  private mainDoneMemo: boolean | undefined;
  /** Steps queued during this advance, written together before anything reads their state. */
  readonly toQueue: string[] = [];

  async flushQueued(now: number): Promise<void> {
    if (this.toQueue.length === 0) return;
    await this.tx.runs.queueFirstAttempts(this.run.id, this.toQueue, now);
    this.toQueue.length = 0;
  }

  constructor(
    readonly tx: Store,
    readonly run: RunRecord,
    readonly wf: CompiledWorkflow,
  ) {}

  async parent(name: string): Promise<StepRecord | undefined> {
    if (!this.parentRows.has(name)) await this.loadParents([name]);
    return this.parentRows.get(name);
  }

  async parents(names: readonly string[]): Promise<StepRecord[]> {
    const missing = names.filter((n) => !this.parentRows.has(n));
    if (missing.length > 0) await this.loadParents(missing);
    return names.map((n) => this.parentRows.get(n)!).filter(Boolean);
  }

  async instances(base: string): Promise<StepRecord[]> {
    let rows = this.instanceRows.get(base);
    if (!rows) {
      rows = await this.tx.runs.getInstances(this.run.id, base);
      this.instanceRows.set(base, rows);
    }
    return rows;
  }

  addInstances(base: string, rows: StepRecord[]): void {
    this.instanceRows.set(base, rows);
  }

  invalidateMainDone(): void {
    this.mainDoneMemo = undefined;
  }

  async mainDone(): Promise<boolean> {
    if (this.mainDoneMemo === undefined) this.mainDoneMemo = !(await this.tx.runs.hasUnfinished(this.run.id, 'main'));
    return this.mainDoneMemo;
  }

  /** Expression context with the steps this step reads (and, in finally, the provisional run status). */
  async context(step: CompiledStep): Promise<Record<string, unknown>> {
    const rows: StepRecord[] = [];
    for (const name of step.reads) {
      const p = await this.parent(name);
      if (p) rows.push(p);
      if (this.wf.steps.get(name)?.forEach) rows.push(...(await this.instances(name)));
    }
    const runStatus = step.phase === 'finally' ? (await runOutcome(this.tx, this.run, this.wf, Date.now())).status : undefined;
    return expressionContext(this.run, stepViews(rows), runStatus ? { runStatus } : {});
  }

  /** A step ended: its dependents wait for one need less, in the store and in rows loaded here. */
  async releaseDependents(base: string): Promise<void> {
    const dependents = this.wf.steps.get(base)!.dependents;
    await this.tx.runs.decrementPendingNeeds(this.run.id, dependents);
    for (const d of dependents) {
      const cached = this.parentRows.get(d);
      if (cached) cached.pendingNeeds -= 1;
    }
  }

  private async loadParents(names: readonly string[]): Promise<void> {
    for (const r of await this.tx.runs.getParents(this.run.id, names)) this.parentRows.set(r.name, r);
  }
}
