import { PatrolError } from './patrol-error.js';

export class NotFoundError extends PatrolError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, { code: 'not-found', retryable: false, details });
  }
}
