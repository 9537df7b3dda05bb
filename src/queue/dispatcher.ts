/**
 * Work the engine hands to a dispatcher. `step` runs one attempt of one step; `advance`
 * re-evaluates a run (after a delay, for deadlines and queued runs). Delivery is at least once:
 * handlers check the stored state before acting (see StepExecutor's fencing).
 */
export type EngineTask =
  /** `type` routes the task to workers that accept that step type. */
  | { kind: 'step'; runId: string; step: string; attempt: number; type: string }
  | { kind: 'advance'; runId: string };

export type TaskHandler = (task: EngineTask) => Promise<void>;

export interface DispatchOptions {
  /** Deliver no sooner than this many milliseconds from now. */
  delayMs?: number;
}

/**
 * Carries engine tasks to whoever executes them: the in-process dispatcher in the embedded mode,
 * BullMQ on Redis in the distributed mode. The database stays the source of truth.
 */
export interface Dispatcher {
  dispatch(task: EngineTask, opts?: DispatchOptions): Promise<void>;
  /** Many tasks at once (a fan-out); dispatchers that can batch (BullMQ addBulk) do. */
  dispatchMany?(tasks: readonly EngineTask[]): Promise<void>;
  /** Starts delivering tasks to `handler` (a worker). */
  start(handler: TaskHandler): void;
  /** Stops delivering; resolves when tasks in flight have finished. */
  close(): Promise<void>;
  /** Tasks accepted but not started (for metrics and backlog alerts). */
  depth(): number;
}
