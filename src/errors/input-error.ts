import { PatrolError } from './patrol-error.js';

/** Bad input from a user: a workflow file, a parameter, a request body. Never retried. */
export class InputError extends PatrolError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, { code: 'invalid-input', retryable: false, details });
  }
}
