import type { Store } from '../store/store.js';
import type { SerializedError } from '../errors/index.js';
import type { StepSuspension } from '../steps/step-type.js';

/** How a wait ended. */
export type WaitOutcome = { status: 'succeeded'; outputs: Record<string, unknown> } | { status: 'failed'; error: SerializedError };

/**
 * Decides when a suspended step's wait is over. The engine asks it whenever it re-evaluates the
 * run (heartbeat, timer, a decision being recorded); it never knows what an approval is.
 */
export interface WaitResolver {
  kind: string;
  /** The outcome once decided; undefined while still waiting. Runs inside the run's transaction. */
  check(ref: string, tx: Store): Promise<WaitOutcome | undefined>;
  /** The outcome when the wait's time is up (and records that it expired). */
  timeout(ref: string, tx: Store): Promise<WaitOutcome>;
  /** The run was cancelled while waiting. */
  cancel?(ref: string, tx: Store): Promise<void>;
}

/** Thrown by ctx.suspend(); the executor turns it into a waiting step. */
export class SuspendSignal extends Error {
  constructor(readonly wait: StepSuspension) {
    super(`suspended: waiting for ${wait.kind} ${wait.ref}`);
  }
}
