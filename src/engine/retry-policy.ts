import type { SerializedError } from '../errors/index.js';
import type { RetryPolicy } from '../workflow/compile-workflow.js';

/** Codes that never retry, whatever the policy says. */
const NEVER_RETRY = new Set(['cancelled', 'invalid-input', 'invalid-output', 'expression', 'missing-dependency']);

/** Whether attempt number `attempt` (1-based) that failed with `error` gets another attempt. */
export function shouldRetry(policy: RetryPolicy, attempt: number, error: SerializedError): boolean {
  if (attempt > policy.limit) return false;
  if (!error.retryable || NEVER_RETRY.has(error.code)) return false;
  if (policy.on && !policy.on.includes(error.code) && !policy.on.includes('any')) return false;
  return true;
}

/** Exponential backoff with jitter: delay * factor^(attempt-1), capped, spread by +-jitter. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.delayMs * Math.pow(policy.factor, Math.max(0, attempt - 1)));
  const spread = base * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(policy.maxDelayMs, base + spread)));
}
