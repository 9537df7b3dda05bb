/** Run states. `waiting` means a step waits for a person (approval) or for a concurrency slot. */
export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed-out'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'waiting'];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'timed-out'];

/**
 * Step states. `queued`: handed to the dispatcher, not started; `waiting`: suspended (approval).
 * `cancelled` is a step stopped by a cancel or a run timeout.
 */
export const STEP_STATUSES = ['pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
export const TERMINAL_STEP_STATUSES: readonly StepStatus[] = ['succeeded', 'failed', 'skipped', 'cancelled'];

/** Attempt states; `interrupted` marks an attempt whose process died. */
export const ATTEMPT_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'timed-out', 'cancelled', 'interrupted'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

export function isTerminalRun(s: string): boolean {
  return (TERMINAL_RUN_STATUSES as readonly string[]).includes(s);
}
export function isTerminalStep(s: string): boolean {
  return (TERMINAL_STEP_STATUSES as readonly string[]).includes(s);
}
