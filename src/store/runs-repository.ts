import { sql, type Kysely, type QueryCreator, type Selectable, type Updateable } from 'kysely';
import type { Database, RunsTable, StepAttemptsTable, StepsTable } from './database.js';
import type { AttemptRecord, Page, RunRecord, StepRecord } from './records.js';
import { ACTIVE_RUN_STATUSES, TERMINAL_STEP_STATUSES, type AttemptStatus, type RunStatus, type StepStatus } from '../engine/run-states.js';
import type { SerializedError } from '../errors/index.js';
import { fromJson, toJson } from './json.js';
import { idFloor } from '../util/id-time.js';
import type { DialectName } from './dialect.js';

export type RunPatch = Partial<Omit<RunRecord, 'id' | 'params' | 'labels'>>;
export type StepPatch = Partial<Omit<StepRecord, 'runId' | 'name' | 'base' | 'idx' | 'phase' | 'item' | 'pendingNeeds'>>;
export type AttemptPatch = Partial<Omit<AttemptRecord, 'runId' | 'step' | 'attempt' | 'processes'>>;

export interface RunFilter {
  status?: RunStatus[];
  workflow?: string;
  namespace?: string;
  /** Only runs created before this id (for paging newest-first). */
  before?: string;
  limit?: number;
  /** Only runs in one of these namespaces (what a caller may read); empty = none. */
  namespaces?: readonly string[];
  inspection?: string;
  trigger?: string;
  /** Created at or after (epoch ms). */
  since?: number;
  /** Created before (epoch ms). */
  until?: number;
}

/** Runs, their steps and every attempt of every step. */
export class RunRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName = 'sqlite',
  ) {}

  /** Inserts a run with the workflow definition it executes (stored once, read only to compile). */
  async insertRun(run: RunRecord, definition: unknown): Promise<void> {
    await this.db
      .insertInto('runs')
      .values({
        id: run.id,
        workflow: run.workflow,
        namespace: run.namespace,
        definition: JSON.stringify(definition),
        params: JSON.stringify(run.params),
        status: run.status,
        reason: run.reason,
        error: toJson(run.error),
        concurrency_key: run.concurrencyKey,
        trigger: run.trigger,
        triggered_by: run.triggeredBy,
        retry_of: run.retryOf,
        inspection: run.inspection,
        labels: JSON.stringify(run.labels),
        created_at: run.createdAt,
        started_at: run.startedAt,
        finished_at: run.finishedAt,
        deadline_at: run.deadlineAt,
        cancel_requested_at: run.cancelRequestedAt,
        cancel_reason: run.cancelReason,
        owner: run.owner,
        heartbeat_at: run.heartbeatAt,
        dry_run: run.dryRun ? 1 : 0,
        overrides: Object.keys(run.overrides).length ? JSON.stringify(run.overrides) : null,
      })
      .execute();
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = await this.db.selectFrom('runs').select(RUN_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toRun(row) : undefined;
  }

  /** The workflow definition of a run (JSON); large, so never part of getRun. */
  async getDefinition(id: string): Promise<unknown> {
    const row = await this.db.selectFrom('runs').select('definition').where('id', '=', id).executeTakeFirst();
    return row ? JSON.parse(row.definition) : undefined;
  }

  /** Resolves a unique id prefix (as typed on the command line) to a run id. */
  async resolveRunId(prefix: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('runs')
      .select('id')
      // Ids are [0-9a-z] only, so the prefix holds no LIKE wildcards.
      .where('id', 'like', `${prefix.replace(/[^0-9a-z]/g, '')}%`)
      .limit(2)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Updates a run; with `onlyIf` the update happens only while the run is in one of those
   * states (compare-and-set), and the result says whether it did.
   */
  async updateRun(id: string, patch: RunPatch, onlyIf?: readonly RunStatus[]): Promise<boolean> {
    let q = this.db.updateTable('runs').set(runPatch(patch)).where('id', '=', id);
    if (onlyIf) q = q.where('status', 'in', [...onlyIf]);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async listRuns(filter: RunFilter = {}): Promise<Page<RunRecord>> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
    let q = this.db.selectFrom('runs').select(RUN_COLUMNS).orderBy('id', 'desc').limit(limit + 1);
    if (filter.status?.length) q = q.where('status', 'in', filter.status);
    if (filter.workflow) q = q.where('workflow', '=', filter.workflow);
    if (filter.namespace) q = q.where('namespace', '=', filter.namespace);
    if (filter.before) q = q.where('id', '<', filter.before);
    if (filter.namespaces) q = q.where('namespace', 'in', filter.namespaces.length ? [...filter.namespaces] : ['\u0000']);
    if (filter.inspection) q = q.where('inspection', '=', filter.inspection);
    if (filter.trigger) q = q.where('trigger', '=', filter.trigger);
    // Ids sort by creation time: a time range is an id range on the primary key.
    if (filter.since !== undefined) q = q.where('id', '>=', idFloor(filter.since));
    if (filter.until !== undefined) q = q.where('id', '<', idFloor(filter.until));
    const rows = await q.execute();
    const items = rows.slice(0, limit).map(toRun);
    return rows.length > limit ? { items, next: items[items.length - 1]!.id } : { items };
  }

  /** The latest finished run of an inspection created before `before` (the run to compare with). */
  async previousInspectionRun(inspection: string, beforeId: string): Promise<RunRecord | undefined> {
    const row = await this.db
      .selectFrom('runs')
      .select(RUN_COLUMNS)
      .where('inspection', '=', inspection)
      .where('id', '<', beforeId)
      .where('status', 'in', ['succeeded', 'failed'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toRun(row) : undefined;
  }

  /** Finished runs of an inspection, newest first (score history). */
  async inspectionRuns(inspection: string, opts: { limit?: number; beforeId?: string } = {}): Promise<RunRecord[]> {
    let q = this.db.selectFrom('runs').select(RUN_COLUMNS).where('inspection', '=', inspection).where('status', 'in', ['succeeded', 'failed']);
    if (opts.beforeId) q = q.where('id', '<=', opts.beforeId);
    const rows = await q.orderBy('id', 'desc').limit(opts.limit ?? 30).execute();
    return rows.map(toRun);
  }

  async activeRunsWithKey(key: string): Promise<RunRecord[]> {
    const rows = await this.db
      .selectFrom('runs')
      .select(RUN_COLUMNS)
      .where('concurrency_key', '=', key)
      .where('status', 'in', [...ACTIVE_RUN_STATUSES])
      .orderBy('id')
      .execute();
    return rows.map(toRun);
  }

  async activeRuns(): Promise<RunRecord[]> {
    const rows = await this.db.selectFrom('runs').select(RUN_COLUMNS).where('status', 'in', [...ACTIVE_RUN_STATUSES]).orderBy('id').execute();
    return rows.map(toRun);
  }

  /** Active runs driven by `owner` (the embedded mode's heartbeat and cancel checks). */
  async ownedActiveRuns(owner: string): Promise<Pick<RunRecord, 'id' | 'status' | 'cancelRequestedAt'>[]> {
    const rows = await this.db
      .selectFrom('runs')
      .select(['id', 'status', 'cancel_requested_at'])
      .where('owner', '=', owner)
      .where('status', 'in', [...ACTIVE_RUN_STATUSES])
      .execute();
    return rows.map((r) => ({ id: r.id, status: r.status as RunStatus, cancelRequestedAt: num(r.cancel_requested_at) }));
  }

  /** Cancel and deadline state of some runs (workers check the runs they execute). */
  async stopState(ids: readonly string[]): Promise<Pick<RunRecord, 'id' | 'cancelRequestedAt' | 'deadlineAt'>[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('runs').select(['id', 'cancel_requested_at', 'deadline_at']).where('id', 'in', [...ids]).execute();
    return rows.map((r) => ({ id: r.id, cancelRequestedAt: num(r.cancel_requested_at), deadlineAt: num(r.deadline_at) }));
  }

  /** Attempts in a state across all runs (the reconciler's view), oldest first. */
  async attemptsAcrossRuns(statuses: readonly AttemptStatus[], opts: { queuedBefore?: number; limit?: number } = {}): Promise<AttemptRecord[]> {
    let q = this.db.selectFrom('step_attempts').selectAll().where('status', 'in', [...statuses]);
    if (opts.queuedBefore !== undefined) q = q.where('queued_at', '<', opts.queuedBefore);
    const rows = await q.orderBy('queued_at').limit(opts.limit ?? 1000).execute();
    return rows.map(toAttempt);
  }

  async touchOwned(owner: string, now: number): Promise<void> {
    await this.db.updateTable('runs').set({ heartbeat_at: now }).where('owner', '=', owner).where('status', 'in', [...ACTIVE_RUN_STATUSES]).execute();
  }

  /** Takes over a run from a dead owner; false if someone else took it first. */
  async takeOver(id: string, from: string | null, to: string, now: number): Promise<boolean> {
    let q = this.db.updateTable('runs').set({ owner: to, heartbeat_at: now }).where('id', '=', id);
    q = from === null ? q.where('owner', 'is', null) : q.where('owner', '=', from);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async insertSteps(steps: StepRecord[]): Promise<void> {
    // SQLite caps bound variables per statement; insert in slices.
    for (let i = 0; i < steps.length; i += 50) {
      await this.db
        .insertInto('steps')
        .values(
          steps.slice(i, i + 50).map((s) => ({
            run_id: s.runId,
            name: s.name,
            base: s.base,
            idx: s.idx,
            phase: s.phase,
            status: s.status,
            attempts: s.attempts,
            outputs: toJson(s.outputs),
            error: toJson(s.error),
            item: toJson(s.item),
            reason: s.reason,
            reused_from: s.reusedFrom,
            next_attempt_at: s.nextAttemptAt,
            started_at: s.startedAt,
            finished_at: s.finishedAt,
            pending_needs: s.pendingNeeds,
            wait: toJson(s.wait),
          })),
        )
        .execute();
    }
  }

  async getStep(runId: string, name: string): Promise<StepRecord | undefined> {
    const row = await this.db.selectFrom('steps').selectAll().where('run_id', '=', runId).where('name', '=', name).executeTakeFirst();
    return row ? toStep(row) : undefined;
  }

  async getSteps(runId: string): Promise<StepRecord[]> {
    const rows = await this.db.selectFrom('steps').selectAll().where('run_id', '=', runId).execute();
    return rows.map(toStep);
  }

  /** Steps of a definition name: the step itself and, for forEach, its instances. */
  async getStepsByBase(runId: string, bases: readonly string[]): Promise<StepRecord[]> {
    if (bases.length === 0) return [];
    const rows = await this.db.selectFrom('steps').selectAll().where('run_id', '=', runId).where('base', 'in', [...bases]).execute();
    return rows.map(toStep);
  }

  async getStepsByStatus(runId: string, statuses: readonly StepStatus[]): Promise<StepRecord[]> {
    const rows = await this.db.selectFrom('steps').selectAll().where('run_id', '=', runId).where('status', 'in', [...statuses]).execute();
    return rows.map(toStep);
  }

  /** Parent rows (one per step definition) by name. */
  async getParents(runId: string, names: readonly string[]): Promise<StepRecord[]> {
    const out: StepRecord[] = [];
    // Chunks keep each statement well under the drivers' bound-parameter limits.
    for (let i = 0; i < names.length; i += 500) {
      const rows = await this.db.selectFrom('steps').selectAll().where('run_id', '=', runId).where('name', 'in', names.slice(i, i + 500)).where('idx', 'is', null).execute();
      for (const r of rows) out.push(toStep(r));
    }
    return out;
  }

  /** forEach instances of a step, in item order. */
  async getInstances(runId: string, base: string): Promise<StepRecord[]> {
    const rows = await this.db.selectFrom('steps').selectAll().where('run_id', '=', runId).where('base', '=', base).where('idx', 'is not', null).orderBy('idx').execute();
    return rows.map(toStep);
  }

  /** Parent rows that ended failed or cancelled (decides the run's outcome). */
  async getUnsuccessfulParents(runId: string): Promise<StepRecord[]> {
    const rows = await this.db
      .selectFrom('steps')
      .selectAll()
      .where('run_id', '=', runId)
      .where('idx', 'is', null)
      .where('status', 'in', ['failed', 'cancelled'])
      .execute();
    return rows.map(toStep);
  }

  /**
   * Locks the run row until the transaction ends, so two processes never advance one run at
   * once (PostgreSQL). SQLite's BEGIN IMMEDIATE already serialises writers.
   */
  async lockRun(id: string, dialect: 'sqlite' | 'postgres'): Promise<void> {
    if (dialect === 'postgres') await this.db.selectFrom('runs').select('id').where('id', '=', id).forUpdate().execute();
  }

  /** Whether any step (of a phase) is not terminal yet; stops at the first one found. */
  async hasUnfinished(runId: string, phase?: 'main' | 'finally'): Promise<boolean> {
    const active = ['pending', 'queued', 'running', 'waiting'];
    let q = this.db.selectFrom('steps').select('name').where('run_id', '=', runId);
    if (phase) q = q.where('phase', '=', phase);
    const row = await q.where('status', 'in', active).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** Whether any step of the run is in one of these states (stops at the first). */
  async hasStepsIn(runId: string, statuses: readonly StepStatus[]): Promise<boolean> {
    const row = await this.db.selectFrom('steps').select('name').where('run_id', '=', runId).where('status', 'in', [...statuses]).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** Whether any attempt of the run is in one of these states. */
  async hasAttemptsIn(runId: string, statuses: readonly AttemptStatus[]): Promise<boolean> {
    const row = await this.db.selectFrom('step_attempts').select('step').where('run_id', '=', runId).where('status', 'in', [...statuses]).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** A need of these steps became terminal. */
  /** A need of these steps became terminal; returns the ones that now have no pending need. */
  async decrementPendingNeeds(runId: string, dependents: readonly string[]): Promise<string[]> {
    const ready: string[] = [];
    for (let i = 0; i < dependents.length; i += 500) {
      const rows = await this.db
        .updateTable('steps')
        .set((eb) => ({ pending_needs: eb('pending_needs', '-', 1) }))
        .where('run_id', '=', runId)
        .where('name', 'in', dependents.slice(i, i + 500))
        .where('idx', 'is', null)
        .returning(['name', 'pending_needs'])
        .execute();
      for (const r of rows) if (Number(r.pending_needs) <= 0) ready.push(r.name);
    }
    return ready;
  }

  /** Queues first attempts of many steps at once (a fan-out): attempts inserted, steps marked. */
  async queueFirstAttempts(runId: string, names: readonly string[], now: number): Promise<void> {
    for (let i = 0; i < names.length; i += 200) {
      const slice = names.slice(i, i + 200);
      await this.db
        .insertInto('step_attempts')
        .values(slice.map((step) => ({ run_id: runId, step, attempt: 1, status: 'queued', owner: null, queued_at: now, started_at: null, finished_at: null, exit_code: null, error: null, outputs: null, processes: null })))
        .execute();
      await this.db.updateTable('steps').set({ status: 'queued', attempts: 1 }).where('run_id', '=', runId).where('name', 'in', slice).where('status', '=', 'pending').execute();
    }
  }

  async updateStep(runId: string, name: string, patch: StepPatch, onlyIf?: readonly StepStatus[]): Promise<boolean> {
    let q = this.db.updateTable('steps').set(stepPatch(patch)).where('run_id', '=', runId).where('name', '=', name);
    if (onlyIf) q = q.where('status', 'in', [...onlyIf]);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async insertAttempt(a: AttemptRecord): Promise<void> {
    await this.db
      .insertInto('step_attempts')
      .values({
        run_id: a.runId,
        step: a.step,
        attempt: a.attempt,
        status: a.status,
        owner: a.owner,
        queued_at: a.queuedAt,
        started_at: a.startedAt,
        finished_at: a.finishedAt,
        exit_code: a.exitCode,
        error: toJson(a.error),
        outputs: toJson(a.outputs),
        processes: a.processes.length ? JSON.stringify(a.processes) : null,
      })
      .execute();
  }

  /**
   * Claims a queued attempt in one statement (no transaction): queued -> running only while its
   * run is active and its step is queued for this attempt and due. Returns when it was queued, or
   * undefined when it cannot start (a duplicate delivery, a finished run, not due yet).
   */
  async claimDueAttempt(runId: string, step: string, attempt: number, owner: string, now: number): Promise<number | undefined> {
    const row = await claimDueAttemptQuery(this.db, runId, step, attempt, owner, now).executeTakeFirst();
    return row ? Number(row.queued_at) : undefined;
  }

  /**
   * Claims a due attempt (claimDueAttempt) and marks its step running (startStep), atomically.
   * On PostgreSQL one statement of data-modifying CTEs: a worker's claim costs one round trip,
   * which is most of a short step's overhead in the distributed mode. On SQLite (in-process, no
   * round trips) the caller runs it inside a transaction.
   */
  async claimAndStart(runId: string, step: string, attempt: number, owner: string, now: number): Promise<{ row: StepRecord; queuedAt: number; run: RunRecord } | undefined> {
    if (this.dialect !== 'postgres') {
      const queuedAt = await this.claimDueAttempt(runId, step, attempt, owner, now);
      if (queuedAt === undefined) return undefined;
      const [row, run] = [await this.startStep(runId, step, now), await this.getRun(runId)];
      return row && run ? { row, queuedAt, run } : undefined;
    }
    const row = await this.db
      .with('claimed', (db) => claimDueAttemptQuery(db, runId, step, attempt, owner, now))
      // The CTE's creator also knows `claimed`; the shared builder only needs the tables.
      .with('started', (db) => startStepQuery(db as unknown as QueryCreator<Database>, runId, step, now).where(sql<boolean>`exists (select 1 from claimed)`))
      .selectFrom(['started', 'claimed'])
      .selectAll('started')
      .select('claimed.queued_at')
      // The run rides along as JSON (its bigint timestamps become JSON numbers): no second query.
      .select(sql<Omit<Selectable<RunsTable>, 'definition'>>`(select row_to_json(r) from (select ${sql.join(RUN_COLUMNS.map((c) => sql.ref(c)))} from runs where id = ${runId}) r)`.as('run_row'))
      .executeTakeFirst();
    if (!row) return undefined;
    const { queued_at, run_row, ...stepRow } = row;
    return { row: toStep(stepRow as Selectable<StepsTable>), queuedAt: Number(queued_at), run: toRun(run_row) };
  }

  /**
   * Records a succeeded attempt whose step holds no leases and produced no findings (the common
   * case), on PostgreSQL only: the attempt and its step end and the step's dependents are
   * released in one statement. Being one auto-committed statement, the row lock a wide fan-in's
   * shared dependent takes is held for microseconds, not for the round trips of a transaction:
   * concurrent completions do not queue behind each other. Returns undefined when the attempt
   * was no longer running (recovery declared it interrupted), else the dependents now ready.
   */
  async succeedInOneStatement(runId: string, step: string, attempt: number, result: { outputs: Record<string, unknown> | null; exitCode: number | null }, now: number, dependents: readonly string[]): Promise<string[] | undefined> {
    if (this.dialect !== 'postgres') throw new Error('succeedInOneStatement is PostgreSQL-only');
    const outputsJson = toJson(result.outputs);
    const q = this.db
      .with('attempt_done', (db) =>
        db
          .updateTable('step_attempts')
          .set({ status: 'succeeded', finished_at: now, error: null, outputs: outputsJson, exit_code: result.exitCode })
          .where('run_id', '=', runId)
          .where('step', '=', step)
          .where('attempt', '=', attempt)
          .where('status', '=', 'running')
          .returning('attempt'),
      )
      .with('step_done', (db) =>
        db
          .updateTable('steps')
          .set({ status: 'succeeded', outputs: outputsJson, error: null, finished_at: now })
          .where('run_id', '=', runId)
          .where('name', '=', step)
          .where('status', '=', 'running')
          .where((eb) => eb.exists(eb.selectFrom('attempt_done').select('attempt')))
          .returning('name'),
      )
      .with('released', (db) =>
        db
          .updateTable('steps')
          .set((eb) => ({ pending_needs: eb('pending_needs', '-', 1) }))
          .where('run_id', '=', runId)
          // No dependents: '' names no step (names are validated non-empty), keeping one statement shape.
          .where('name', 'in', dependents.length ? [...dependents] : [''])
          .where('idx', 'is', null)
          .where((eb) => eb.exists(eb.selectFrom('step_done').select('name')))
          .returning(['name', 'pending_needs']),
      );
    const rows = await q
      .selectFrom('attempt_done')
      .select([sql<string>`'attempt'`.as('kind'), sql<string | null>`null::text`.as('name'), sql<number | null>`null::integer`.as('pending_needs')])
      .unionAll((eb) => eb.selectFrom('released').select([sql<string>`'released'`.as('kind'), 'name', 'pending_needs']))
      .execute();
    if (!rows.some((r) => r.kind === 'attempt')) return undefined;
    return rows.filter((r) => r.kind === 'released' && Number(r.pending_needs) <= 0).map((r) => r.name!);
  }

  /** Marks a claimed step running and returns it. */
  async startStep(runId: string, name: string, now: number): Promise<StepRecord | undefined> {
    const row = await startStepQuery(this.db, runId, name, now).executeTakeFirst();
    return row ? toStep(row) : undefined;
  }

  /** A new attempt waiting to be dispatched. */
  async insertQueuedAttempt(runId: string, step: string, attempt: number, now: number): Promise<void> {
    await this.insertAttempt({ runId, step, attempt, status: 'queued', owner: null, queuedAt: now, startedAt: null, finishedAt: null, exitCode: null, error: null, outputs: null, processes: [] });
  }

  /** Records a process group an attempt started (written before the process can do much). */
  async addAttemptProcess(runId: string, step: string, attempt: number, entry: string): Promise<void> {
    const row = await this.db.selectFrom('step_attempts').select('processes').where('run_id', '=', runId).where('step', '=', step).where('attempt', '=', attempt).executeTakeFirst();
    const list = row?.processes ? (JSON.parse(row.processes) as string[]) : [];
    list.push(entry);
    await this.db.updateTable('step_attempts').set({ processes: JSON.stringify(list) }).where('run_id', '=', runId).where('step', '=', step).where('attempt', '=', attempt).execute();
  }

  async updateAttempt(runId: string, step: string, attempt: number, patch: AttemptPatch, onlyIf?: readonly AttemptStatus[]): Promise<boolean> {
    let q = this.db
      .updateTable('step_attempts')
      .set(attemptPatch(patch))
      .where('run_id', '=', runId)
      .where('step', '=', step)
      .where('attempt', '=', attempt);
    if (onlyIf) q = q.where('status', 'in', [...onlyIf]);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async getAttempt(runId: string, step: string, attempt: number): Promise<AttemptRecord | undefined> {
    const row = await this.db
      .selectFrom('step_attempts')
      .selectAll()
      .where('run_id', '=', runId)
      .where('step', '=', step)
      .where('attempt', '=', attempt)
      .executeTakeFirst();
    return row ? toAttempt(row) : undefined;
  }

  async listAttempts(runId: string, step?: string): Promise<AttemptRecord[]> {
    let q = this.db.selectFrom('step_attempts').selectAll().where('run_id', '=', runId);
    if (step) q = q.where('step', '=', step);
    const rows = await q.orderBy('step').orderBy('attempt').execute();
    return rows.map(toAttempt);
  }

  async attemptsInStatus(runId: string, statuses: readonly AttemptStatus[]): Promise<AttemptRecord[]> {
    const rows = await this.db
      .selectFrom('step_attempts')
      .selectAll()
      .where('run_id', '=', runId)
      .where('status', 'in', [...statuses])
      .execute();
    return rows.map(toAttempt);
  }
}

const RUN_COLUMNS = [
  'id',
  'workflow',
  'namespace',
  'params',
  'status',
  'reason',
  'error',
  'concurrency_key',
  'trigger',
  'triggered_by',
  'retry_of',
  'inspection',
  'labels',
  'created_at',
  'started_at',
  'finished_at',
  'deadline_at',
  'cancel_requested_at',
  'cancel_reason',
  'owner',
  'heartbeat_at',
  'dry_run',
  'overrides',
] as const;

function toRun(r: Omit<Selectable<RunsTable>, 'definition'>): RunRecord {
  return {
    id: r.id,
    workflow: r.workflow,
    namespace: r.namespace,
    params: JSON.parse(r.params) as Record<string, unknown>,
    status: r.status as RunStatus,
    reason: r.reason,
    error: fromJson<SerializedError>(r.error),
    concurrencyKey: r.concurrency_key,
    trigger: r.trigger,
    triggeredBy: r.triggered_by,
    retryOf: r.retry_of,
    inspection: r.inspection,
    labels: JSON.parse(r.labels) as Record<string, string>,
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
    deadlineAt: num(r.deadline_at),
    cancelRequestedAt: num(r.cancel_requested_at),
    cancelReason: r.cancel_reason,
    owner: r.owner,
    heartbeatAt: num(r.heartbeat_at),
    dryRun: Number(r.dry_run) === 1,
    overrides: r.overrides ? (JSON.parse(r.overrides) as RunRecord['overrides']) : {},
  };
}

function toStep(r: Selectable<StepsTable>): StepRecord {
  return {
    runId: r.run_id,
    name: r.name,
    base: r.base,
    idx: r.idx === null ? null : Number(r.idx),
    phase: r.phase as 'main' | 'finally',
    status: r.status as StepStatus,
    attempts: Number(r.attempts),
    outputs: fromJson<Record<string, unknown>>(r.outputs),
    error: fromJson<SerializedError>(r.error),
    item: fromJson<unknown>(r.item),
    reason: r.reason,
    reusedFrom: r.reused_from,
    nextAttemptAt: num(r.next_attempt_at),
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
    pendingNeeds: Number(r.pending_needs),
    wait: fromJson<StepRecord['wait']>(r.wait),
  };
}

function toAttempt(r: Selectable<StepAttemptsTable>): AttemptRecord {
  return {
    runId: r.run_id,
    step: r.step,
    attempt: Number(r.attempt),
    status: r.status as AttemptStatus,
    owner: r.owner,
    queuedAt: Number(r.queued_at),
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
    exitCode: r.exit_code === null ? null : Number(r.exit_code),
    error: fromJson<SerializedError>(r.error),
    outputs: fromJson<Record<string, unknown>>(r.outputs),
    processes: r.processes ? (JSON.parse(r.processes) as string[]) : [],
  };
}

function num(v: number | null): number | null {
  return v === null ? null : Number(v);
}

function runPatch(p: RunPatch): Updateable<RunsTable> {
  const out: Updateable<RunsTable> = {};
  if (p.workflow !== undefined) out.workflow = p.workflow;
  if (p.namespace !== undefined) out.namespace = p.namespace;
  if (p.status !== undefined) out.status = p.status;
  if (p.reason !== undefined) out.reason = p.reason;
  if (p.error !== undefined) out.error = toJson(p.error);
  if (p.concurrencyKey !== undefined) out.concurrency_key = p.concurrencyKey;
  if (p.startedAt !== undefined) out.started_at = p.startedAt;
  if (p.finishedAt !== undefined) out.finished_at = p.finishedAt;
  if (p.deadlineAt !== undefined) out.deadline_at = p.deadlineAt;
  if (p.cancelRequestedAt !== undefined) out.cancel_requested_at = p.cancelRequestedAt;
  if (p.cancelReason !== undefined) out.cancel_reason = p.cancelReason;
  if (p.owner !== undefined) out.owner = p.owner;
  if (p.heartbeatAt !== undefined) out.heartbeat_at = p.heartbeatAt;
  return out;
}

/** queued -> running for one attempt, only while its run is active and its step queued for it and due. */
function claimDueAttemptQuery(db: QueryCreator<Database>, runId: string, step: string, attempt: number, owner: string, now: number) {
  return db
    .updateTable('step_attempts')
    .set({ status: 'running', owner, started_at: now })
    .where('run_id', '=', runId)
    .where('step', '=', step)
    .where('attempt', '=', attempt)
    .where('status', '=', 'queued')
    .where((eb) => eb.exists(eb.selectFrom('runs').select('id').where('id', '=', runId).where('status', 'in', [...ACTIVE_RUN_STATUSES])))
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('steps')
          .select('name')
          .where('run_id', '=', runId)
          .where('name', '=', step)
          .where('status', '=', 'queued')
          .where('attempts', '=', attempt)
          .where((w) => w.or([w('next_attempt_at', 'is', null), w('next_attempt_at', '<=', now + 20)])),
      ),
    )
    .returning('queued_at');
}

/** A queued step turns running (its first start time kept across retries). */
function startStepQuery(db: QueryCreator<Database>, runId: string, name: string, now: number) {
  return db
    .updateTable('steps')
    .set((eb) => ({ status: 'running' as const, started_at: eb.fn.coalesce('started_at', eb.val(now)), next_attempt_at: null }))
    .where('run_id', '=', runId)
    .where('name', '=', name)
    .where('status', '=', 'queued')
    .returningAll();
}

function stepPatch(p: StepPatch): Updateable<StepsTable> {
  const out: Updateable<StepsTable> = {};
  if (p.status !== undefined) out.status = p.status;
  if (p.attempts !== undefined) out.attempts = p.attempts;
  if (p.outputs !== undefined) out.outputs = toJson(p.outputs);
  if (p.error !== undefined) out.error = toJson(p.error);
  if (p.reason !== undefined) out.reason = p.reason;
  if (p.reusedFrom !== undefined) out.reused_from = p.reusedFrom;
  if (p.nextAttemptAt !== undefined) out.next_attempt_at = p.nextAttemptAt;
  if (p.startedAt !== undefined) out.started_at = p.startedAt;
  if (p.finishedAt !== undefined) out.finished_at = p.finishedAt;
  if (p.wait !== undefined) out.wait = toJson(p.wait);
  return out;
}

function attemptPatch(p: AttemptPatch): Updateable<StepAttemptsTable> {
  const out: Updateable<StepAttemptsTable> = {};
  if (p.status !== undefined) out.status = p.status;
  if (p.owner !== undefined) out.owner = p.owner;
  if (p.startedAt !== undefined) out.started_at = p.startedAt;
  if (p.finishedAt !== undefined) out.finished_at = p.finishedAt;
  if (p.exitCode !== undefined) out.exit_code = p.exitCode;
  if (p.error !== undefined) out.error = toJson(p.error);
  if (p.outputs !== undefined) out.outputs = toJson(p.outputs);
  return out;
}
