/**
 * Exit codes shared by every command. "The tool failed" (2) is never confused with "the work
 * found problems" (1).
 */
export const EXIT = {
  /** The run succeeded / nothing at or above --fail-on. */
  ok: 0,
  /** The run failed, was cancelled or timed out / findings at or above --fail-on. */
  failed: 1,
  /** Invalid input (workflow file, params, unknown run) or Patrol itself failed. */
  invalid: 2,
} as const;
