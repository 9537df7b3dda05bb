import { PatrolError } from './patrol-error.js';

export class ConflictError extends PatrolError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, { code: 'conflict', retryable: false, details });
  }
}
