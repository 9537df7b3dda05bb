import { PatrolError } from './patrol-error.js';

/**
 * A step that ran and failed. `code` classifies the failure so `retries.on` can select which
 * failures retry (`exit-code`, `timeout`, `unreachable`, `assertion`, `connection`, ...).
 */
export class StepError extends PatrolError {
  constructor(message: string, opts: { code: string; retryable?: boolean; details?: Record<string, unknown>; cause?: unknown }) {
    super(message, opts);
  }
}

/** A failure that no retry can fix (bad credentials, a missing binary, invalid input). */
export class NonRetryableError extends StepError {
  constructor(message: string, opts: { code?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { code: opts.code ?? 'non-retryable', retryable: false, details: opts.details, cause: opts.cause });
  }
}

/** Missing prerequisite on this machine (e.g. ansible-playbook not installed). Says how to fix it. */
export class MissingDependencyError extends NonRetryableError {
  constructor(what: string, install: string) {
    super(`${what} is not installed. Install it with: ${install}`, { code: 'missing-dependency', details: { what, install } });
  }
}
