import type { DispatchOptions, Dispatcher, EngineTask, TaskHandler } from './dispatcher.js';
import { setLongTimeout, type LongTimeout } from '../util/long-timeout.js';

export interface InProcessDispatcherOptions {
  /** Step attempts running at once in this process. @defaultValue 16 */
  concurrency?: number;
}

/**
 * The embedded mode's dispatcher: a FIFO with a concurrency limit for step tasks. `advance`
 * tasks bypass the limit (they are short and must not wait behind long steps).
 */
export class InProcessDispatcher implements Dispatcher {
  private readonly queue: EngineTask[] = [];
  private head = 0;
  private running = 0;
  private handler: TaskHandler | undefined;
  private readonly timers = new Set<LongTimeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  readonly concurrency: number;

  constructor(opts: InProcessDispatcherOptions = {}) {
    this.concurrency = opts.concurrency ?? 16;
  }

  async dispatch(task: EngineTask, opts: DispatchOptions = {}): Promise<void> {
    if (this.closed) return;
    if (opts.delayMs && opts.delayMs > 0) {
      const t = setLongTimeout(() => {
        this.timers.delete(t);
        this.enqueue(task);
      }, opts.delayMs);
      this.timers.add(t);
      return;
    }
    this.enqueue(task);
  }

  start(handler: TaskHandler): void {
    this.handler = handler;
    this.pump();
  }

  depth(): number {
    return this.queue.length - this.head;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) t.clear();
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private enqueue(task: EngineTask): void {
    if (this.closed) return;
    if (task.kind === 'advance') {
      this.run(task, false);
      return;
    }
    this.queue.push(task);
    this.pump();
  }

  private pump(): void {
    if (!this.handler) return;
    while (this.running < this.concurrency && this.head < this.queue.length) {
      const task = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.run(task, true);
    }
  }

  private run(task: EngineTask, counted: boolean): void {
    if (!this.handler) {
      this.queue.push(task);
      return;
    }
    if (counted) this.running++;
    const p = this.handler(task)
      .catch(() => {
        // Handlers record their own failures in the store; nothing to do here.
      })
      .finally(() => {
        this.inFlight.delete(p);
        if (counted) {
          this.running--;
          this.pump();
        }
      });
    this.inFlight.add(p);
  }
}
