import { Cron } from 'croner';
import type { Store } from '../store/store.js';
import type { MisfirePolicy, OverlapPolicy, ScheduleRecord } from '../store/schedules-repository.js';
import type { Page } from '../store/records.js';
import { ConflictError, InputError, NotFoundError } from '../errors/index.js';
import { newId } from '../util/ids.js';

export interface ScheduleInput {
  namespace: string;
  name: string;
  workflow: string;
  workflowVersion?: number | null;
  cron: string;
  timezone?: string;
  params?: Record<string, unknown>;
  enabled?: boolean;
  description?: string | null;
  misfire?: MisfirePolicy;
  overlap?: OverlapPolicy;
  inspection?: string | null;
  labels?: Record<string, string>;
}

/** Called after a schedule was created, changed or deleted (the scheduler re-reads it). */
export type ScheduleListener = (id: string) => void;

/**
 * Schedules: a cron expression in a time zone triggers a workflow (a version, or the latest) with
 * params. Stored here, fired by the scheduler (which reads `due` schedules and sets next/last run).
 */
export class ScheduleService {
  private readonly listeners: ScheduleListener[] = [];

  constructor(
    private readonly store: Store,
    /** Whether a workflow exists in a namespace (stored or built-in). */
    private readonly workflowExists: (namespace: string, name: string, version?: number) => Promise<boolean>,
    private readonly clock: () => number = Date.now,
  ) {}

  onChange(listener: ScheduleListener): void {
    this.listeners.push(listener);
  }

  list(opts: { namespaces?: readonly string[]; after?: string; limit: number }): Promise<Page<ScheduleRecord>> {
    return this.store.schedules.list(opts);
  }

  async get(id: string): Promise<ScheduleRecord> {
    const s = await this.store.schedules.get(id);
    if (!s) throw new NotFoundError(`schedule ${id} not found`, { schedule: id });
    return s;
  }

  async create(input: ScheduleInput, by: string | null): Promise<ScheduleRecord> {
    const timezone = input.timezone ?? 'UTC';
    const nextRunAt = nextRun(input.cron, timezone, this.clock());
    await this.checkWorkflow(input.namespace, input.workflow, input.workflowVersion ?? undefined);
    if (await this.store.schedules.byName(input.namespace, input.name)) throw new ConflictError(`schedule ${input.namespace}/${input.name} already exists`, { field: 'body.name' });
    const now = this.clock();
    const s: ScheduleRecord = {
      id: newId(),
      namespace: input.namespace,
      name: input.name,
      workflow: input.workflow,
      workflowVersion: input.workflowVersion ?? null,
      cron: input.cron,
      timezone,
      params: input.params ?? {},
      enabled: input.enabled ?? true,
      description: input.description ?? null,
      createdBy: by,
      createdAt: now,
      updatedAt: now,
      nextRunAt: input.enabled === false ? null : nextRunAt,
      lastRunAt: null,
      lastRunId: null,
      misfire: input.misfire ?? 'run-once',
      overlap: input.overlap ?? 'skip',
      inspection: input.inspection ?? null,
      labels: input.labels ?? {},
    };
    await this.store.schedules.insert(s);
    this.changed(s.id);
    return s;
  }

  async update(id: string, patch: Partial<Omit<ScheduleInput, 'namespace' | 'name'>>): Promise<ScheduleRecord> {
    const s = await this.get(id);
    const next = { ...s, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as ScheduleRecord;
    if (patch.workflow !== undefined || patch.workflowVersion !== undefined) await this.checkWorkflow(s.namespace, next.workflow, next.workflowVersion ?? undefined);
    const nextRunAt = next.enabled ? nextRun(next.cron, next.timezone, this.clock()) : null;
    await this.store.schedules.update(
      id,
      {
        workflow: next.workflow,
        workflowVersion: next.workflowVersion,
        cron: next.cron,
        timezone: next.timezone,
        params: next.params,
        enabled: next.enabled,
        description: next.description,
        misfire: next.misfire,
        overlap: next.overlap,
        inspection: next.inspection,
        labels: next.labels,
        nextRunAt,
      },
      this.clock(),
    );
    this.changed(id);
    return this.get(id);
  }

  async delete(id: string): Promise<ScheduleRecord> {
    const s = await this.get(id);
    await this.store.schedules.delete(id);
    this.changed(id);
    return s;
  }

  private async checkWorkflow(namespace: string, workflow: string, version?: number): Promise<void> {
    if (!(await this.workflowExists(namespace, workflow, version))) {
      throw new InputError(`workflow ${namespace}/${workflow}${version !== undefined ? ` version ${version}` : ''} does not exist`, { field: 'body.workflow' });
    }
  }

  private changed(id: string): void {
    for (const l of this.listeners) l(id);
  }
}

/** The next time a cron expression fires after `now`; throws InputError naming the bad field. */
export function nextRun(cron: string, timezone: string, now: number): number | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new InputError(`unknown time zone "${timezone}" (use an IANA name such as UTC or Europe/Paris)`, { field: 'body.timezone' });
  }
  let job: Cron;
  try {
    job = new Cron(cron, { timezone, paused: true });
  } catch (err) {
    throw new InputError(`invalid cron expression: ${(err as Error).message}`, { field: 'body.cron' });
  }
  const next = job.nextRun(new Date(now));
  job.stop();
  return next ? next.getTime() : null;
}
