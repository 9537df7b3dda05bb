import { PatrolError } from './patrol-error.js';

/** No or invalid credentials (HTTP 401). */
export class UnauthenticatedError extends PatrolError {
  /** `code` refines why: invalid-credentials, token-expired, ... @defaultValue unauthenticated */
  constructor(message: string, opts: { code?: string } = {}) {
    super(message, { code: opts.code ?? 'unauthenticated', retryable: false });
  }
}

/** Authenticated, but not allowed to do this (HTTP 403). */
export class AccessDeniedError extends PatrolError {
  constructor(message: string, details: Record<string, unknown> = {}, code = 'forbidden') {
    super(message, { code, retryable: false, details });
  }
}

/** Too many requests or a locked account (HTTP 429); `retryAfterSeconds` becomes Retry-After. */
export class RateLimitedError extends PatrolError {
  constructor(message: string, opts: { code?: string; retryAfterSeconds?: number } = {}) {
    super(message, { code: opts.code ?? 'rate-limited', retryable: true, details: opts.retryAfterSeconds !== undefined ? { retryAfterSeconds: opts.retryAfterSeconds } : {} });
  }
}

/** Well-formed input that cannot be used (an invalid workflow, HTTP 422). */
export class UnprocessableError extends PatrolError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, { code: 'unprocessable', retryable: false, details });
  }
}
