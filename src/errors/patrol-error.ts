/**
 * Base of Patrol's semantic errors. Intent is data: `code` is stable and machine-readable,
 * `retryable` tells the engine whether a retry may help, `details` carries structured context
 * (field paths, hosts, exit codes). Messages are for humans and may change.
 */
export class PatrolError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(message: string, opts: { code?: string; retryable?: boolean; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code ?? 'error';
    this.retryable = opts.retryable ?? true;
    this.details = opts.details ?? {};
  }

  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

/** Turns anything thrown into the serialisable shape stored on attempts and runs. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof PatrolError) return err.toJSON();
  if (err instanceof Error) {
    const code = typeof (err as { code?: unknown }).code === 'string' ? String((err as { code?: unknown }).code) : 'error';
    return { name: err.name, code, message: err.message, retryable: true };
  }
  return { name: 'Error', code: 'error', message: String(err), retryable: true };
}
