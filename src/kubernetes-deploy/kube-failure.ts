import { StepError } from '../errors/index.js';

/**
 * Why a write was refused, as steps report it: `rejected-quota`, `rejected-admission` and
 * `forbidden` (RBAC) are the platform saying no (no retry helps); `conflict` is another field
 * manager owning a field; `invalid` a manifest the API server does not accept.
 */
export type KubeFailureCode = 'rejected-quota' | 'rejected-admission' | 'forbidden' | 'conflict' | 'invalid' | 'not-found' | 'already-exists' | 'api-error' | 'connection';

export interface KubeFailure {
  code: KubeFailureCode;
  status?: number;
  reason?: string;
  message: string;
}

const NOT_RETRYABLE = new Set<KubeFailureCode>(['rejected-quota', 'rejected-admission', 'forbidden', 'conflict', 'invalid', 'already-exists']);

/** Reads the API's Status out of the client library's ApiException (its body is a JSON string or object). */
export function kubeFailure(err: unknown): KubeFailure {
  const e = err as { code?: unknown; body?: unknown; message?: string };
  if (typeof e?.code !== 'number') return { code: 'connection', message: err instanceof Error ? err.message : String(err) };
  const status = e.code;
  let body: { reason?: string; message?: string } = {};
  try {
    const parsed: unknown = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    if (parsed && typeof parsed === 'object') body = parsed as typeof body;
  } catch {
    body = { message: String(e.body) };
  }
  const message = body.message ?? `HTTP ${status}`;
  const base = { status, message, ...(body.reason ? { reason: body.reason } : {}) };
  const refusal = platformRefusal(message);
  if (refusal) return { code: refusal, ...base };
  if (status === 403) return { code: 'forbidden', ...base };
  if (status === 409) return { code: body.reason === 'AlreadyExists' ? 'already-exists' : 'conflict', ...base };
  if (status === 422 || status === 400) return { code: 'invalid', ...base };
  if (status === 404) return { code: 'not-found', ...base };
  return { code: 'api-error', ...base };
}

/** Quota and admission refusals by their message (also as FailedCreate events of controllers). */
export function platformRefusal(message: string): 'rejected-quota' | 'rejected-admission' | undefined {
  if (/exceeded quota/.test(message)) return 'rejected-quota';
  if (/admission webhook .* denied the request/.test(message)) return 'rejected-admission';
  return undefined;
}

export function isNotFound(err: unknown): boolean {
  return kubeFailure(err).code === 'not-found';
}

const HINTS: Partial<Record<KubeFailureCode, string>> = {
  'rejected-quota': 'rejected by the platform (ResourceQuota)',
  'rejected-admission': 'rejected by the platform (admission)',
  forbidden: 'forbidden (RBAC): grant the verb to Patrol\'s service account (the opt-in deploy role)',
  conflict: 'conflict with another field manager',
};

/** A StepError naming what was being done and why the API server refused it. */
export function kubeStepError(what: string, err: unknown, details: Record<string, unknown> = {}): StepError {
  const f = kubeFailure(err);
  const hint = HINTS[f.code];
  return new StepError(`${what}: ${hint ? `${hint}: ` : ''}${f.message}`, { code: f.code, retryable: !NOT_RETRYABLE.has(f.code), details: { ...details, ...(f.status ? { status: f.status } : {}) }, cause: err });
}
