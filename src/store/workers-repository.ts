import type { Kysely, Selectable } from 'kysely';
import type { Database, WorkersTable } from './database.js';

export interface WorkerRecord {
  id: string;
  role: 'server' | 'worker';
  host: string;
  pid: number;
  accepts: { stepTypes: string[]; advance: boolean };
  concurrency: number;
  running: number;
  version: string;
  startedAt: number;
  heartbeatAt: number;
  stoppedAt: number | null;
}

/** Servers and workers of the distributed mode and their heartbeats (liveness of attempts). */
export class WorkerRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async heartbeat(w: Omit<WorkerRecord, 'stoppedAt'>): Promise<void> {
    await this.db
      .insertInto('workers')
      .values({
        id: w.id,
        role: w.role,
        host: w.host,
        pid: w.pid,
        accepts: JSON.stringify(w.accepts),
        concurrency: w.concurrency,
        running: w.running,
        version: w.version,
        started_at: w.startedAt,
        heartbeat_at: w.heartbeatAt,
        stopped_at: null,
      })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: w.heartbeatAt, running: w.running, stopped_at: null }))
      .execute();
  }

  async markStopped(id: string, at: number): Promise<void> {
    await this.db.updateTable('workers').set({ stopped_at: at }).where('id', '=', id).execute();
  }

  /** Processes that beat since `since` and did not stop. */
  async live(since: number): Promise<WorkerRecord[]> {
    const rows = await this.db.selectFrom('workers').selectAll().where('heartbeat_at', '>=', since).where('stopped_at', 'is', null).execute();
    return rows.map(toWorker);
  }

  async list(limit = 200): Promise<WorkerRecord[]> {
    const rows = await this.db.selectFrom('workers').selectAll().orderBy('heartbeat_at', 'desc').limit(limit).execute();
    return rows.map(toWorker);
  }

  /** Forget processes gone for longer than `before` (keeps the table small). */
  async prune(before: number): Promise<void> {
    await this.db.deleteFrom('workers').where('heartbeat_at', '<', before).execute();
  }
}

function toWorker(r: Selectable<WorkersTable>): WorkerRecord {
  return {
    id: r.id,
    role: r.role as WorkerRecord['role'],
    host: r.host,
    pid: Number(r.pid),
    accepts: JSON.parse(r.accepts) as WorkerRecord['accepts'],
    concurrency: Number(r.concurrency),
    running: Number(r.running),
    version: r.version,
    startedAt: Number(r.started_at),
    heartbeatAt: Number(r.heartbeat_at),
    stoppedAt: r.stopped_at === null ? null : Number(r.stopped_at),
  };
}
