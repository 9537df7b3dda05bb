import { PatrolError } from '../errors/index.js';
import { WorkflowInvalidError } from '../workflow/validate-workflow.js';
import { formatIssue } from '../workflow/validation-issue.js';
import { EXIT } from './exit-codes.js';
import { paint, useColor } from './output.js';

/**
 * Wraps a command action: any error becomes a one-line message on stderr (stack traces only with
 * PATROL_DEBUG=1) and the exit code 2, so scripts can tell "Patrol failed" from "the run failed".
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (err) {
      reportError(err);
      process.exitCode = EXIT.invalid;
    }
  };
}

export function reportError(err: unknown): void {
  const color = useColor(process.stderr);
  if (err instanceof WorkflowInvalidError) {
    for (const i of err.issues) process.stderr.write(`${paint('error', 'red', color)}: ${formatIssue(i)}\n`);
  } else if (err instanceof PatrolError) {
    process.stderr.write(`${paint('error', 'red', color)}: ${err.message}\n`);
  } else {
    process.stderr.write(`${paint('error', 'red', color)}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  if (process.env.PATROL_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}
