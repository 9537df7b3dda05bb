import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { DispatchOptions, Dispatcher, EngineTask, TaskHandler } from './dispatcher.js';
import type { Logger } from '../logging/logger.js';

export interface BullMqDispatcherOptions {
  /** Redis connection: REDIS_URL, e.g. redis://:password@redis:6379/0. */
  redisUrl: string;
  /** Key prefix; isolates installations (and tests) sharing a Redis. @defaultValue "patrol" */
  prefix?: string;
  /** Every step type that exists (queues are per step type). */
  stepTypes: readonly string[];
  /** What this process executes: step types (default: none) and whether it runs engine advances. */
  accept?: { stepTypes?: readonly string[]; advance?: boolean };
  /** Step attempts this process runs at once, per accepted step type queue. @defaultValue 8 */
  concurrency?: number;
  logger?: Logger;
}

/**
 * The distributed mode's dispatcher: engine tasks travel as BullMQ jobs on Redis, one queue per
 * step type (so workers can take only the types they are set up for) plus one queue for engine
 * advances. Step jobs get the id run.step.attempt, so dispatching the same attempt twice adds it
 * once. BullMQ delivers at least once; the executor's fencing drops duplicates, and the
 * reconciler re-queues from the database what Redis lost.
 */
export class BullMqDispatcher implements Dispatcher {
  private readonly connection: ConnectionOptions;
  private readonly prefix: string;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private lastDepth = 0;
  private depthTimer: NodeJS.Timeout | undefined;
  private pinger: Redis | undefined;

  constructor(private readonly opts: BullMqDispatcherOptions) {
    this.connection = connectionFromUrl(opts.redisUrl);
    this.prefix = opts.prefix ?? 'patrol';
  }

  static queueFor(task: EngineTask): string {
    return task.kind === 'advance' ? 'engine' : `step-${task.type}`;
  }

  static jobIdFor(task: EngineTask): string | undefined {
    // BullMQ job ids may not contain ':'; step instance names may contain '[' and ']'.
    return task.kind === 'step' ? `${task.runId}.${task.step}.${task.attempt}` : undefined;
  }

  async dispatch(task: EngineTask, opts: DispatchOptions = {}): Promise<void> {
    const jobId = BullMqDispatcher.jobIdFor(task);
    await this.queue(BullMqDispatcher.queueFor(task)).add(task.kind, task, {
      ...(jobId ? { jobId } : {}),
      ...(opts.delayMs && opts.delayMs > 0 ? { delay: Math.round(opts.delayMs) } : {}),
      // The database keeps the history; Redis only needs what is in flight.
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    });
  }

  async dispatchMany(tasks: readonly EngineTask[]): Promise<void> {
    const byQueue = new Map<string, EngineTask[]>();
    for (const t of tasks) {
      const name = BullMqDispatcher.queueFor(t);
      const list = byQueue.get(name);
      if (list) list.push(t);
      else byQueue.set(name, [t]);
    }
    for (const [name, list] of byQueue) {
      await this.queue(name).addBulk(
        list.map((task) => {
          const jobId = BullMqDispatcher.jobIdFor(task);
          return { name: task.kind, data: task, opts: { ...(jobId ? { jobId } : {}), removeOnComplete: true, removeOnFail: { count: 1000 } } };
        }),
      );
    }
  }

  start(handler: TaskHandler): void {
    const accept = this.opts.accept ?? {};
    const names = [...(accept.advance ? ['engine'] : []), ...(accept.stepTypes ?? []).map((t) => `step-${t}`)];
    for (const name of names) {
      const worker = new Worker(
        name,
        async (job: Job<EngineTask>) => {
          await handler(job.data);
        },
        {
          connection: this.connection,
          prefix: this.prefix,
          concurrency: name === 'engine' ? Math.max(4, this.opts.concurrency ?? 8) : (this.opts.concurrency ?? 8),
          // A crashed worker's job comes back after the lock lapses; fencing makes that harmless.
          lockDuration: 30_000,
          maxStalledCount: 3,
        },
      );
      worker.on('error', (err) => this.opts.logger?.warn({ err, queue: name }, 'queue worker error'));
      this.workers.push(worker);
    }
    this.depthTimer = setInterval(() => void this.refreshDepth(), 5000);
    this.depthTimer.unref();
  }

  /** Tasks waiting or delayed over all queues, refreshed every few seconds. */
  depth(): number {
    return this.lastDepth;
  }

  /** Whether Redis still holds the job of a queued step attempt (the reconciler asks). */
  async hasJob(task: EngineTask): Promise<boolean> {
    const id = BullMqDispatcher.jobIdFor(task);
    if (!id) return false;
    const job = await this.queue(BullMqDispatcher.queueFor(task)).getJob(id);
    if (!job) return false;
    const state = await job.getState();
    return state !== 'failed' && state !== 'completed' && state !== 'unknown';
  }

  /** Readiness: can we reach Redis right now (within a second)? */
  async ping(): Promise<boolean> {
    this.pinger ??= new Redis({ ...(this.connection as RedisOptions), lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, enableOfflineQueue: false });
    try {
      if (this.pinger.status === 'wait' || this.pinger.status === 'end') await this.pinger.connect();
      return (await this.pinger.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.depthTimer) clearInterval(this.depthTimer);
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.pinger?.disconnect();
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix });
      q.on('error', (err) => this.opts.logger?.warn({ err, queue: name }, 'queue error'));
      this.queues.set(name, q);
    }
    return q;
  }

  private async refreshDepth(): Promise<void> {
    try {
      let n = 0;
      for (const t of ['engine', ...this.opts.stepTypes.map((x) => `step-${x}`)]) {
        const c = await this.queue(t).getJobCounts('waiting', 'delayed', 'prioritized');
        n += (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
      }
      this.lastDepth = n;
    } catch {
      // Redis down: keep the last value; readiness reports Redis separately.
    }
  }
}

/** redis://[user:password@]host:port[/db] to BullMQ's connection options. */
export function connectionFromUrl(url: string): ConnectionOptions {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`REDIS_URL must be redis:// or rediss://, got ${u.protocol}`);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ workers need blocking commands to wait forever and reconnect on their own.
    maxRetriesPerRequest: null,
  };
}
