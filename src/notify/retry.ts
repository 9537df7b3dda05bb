import type { RetryPolicy } from '../config/patrol-config.js';

/** A failed delivery try; `permanent` ones (bad auth, rejected recipient, HTTP 4xx) are not retried. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly response?: string,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface RetryResult<T> {
  ok: boolean;
  value?: T;
  error?: string;
  attempts: number;
}

/** The wait before try `attempt + 1` (attempt counts from 1): delay * factor^(attempt-1), capped, ±10% jitter. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.delayMs * policy.factor ** (attempt - 1));
  return Math.max(0, Math.round(base * (0.9 + 0.2 * random())));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, fails permanently, or the tries run out, waiting with exponential
 * backoff in between. Never throws for a delivery failure: the caller records the outcome. An
 * abort (step timeout, cancel) ends the waiting and counts as a failure.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy, opts: { signal?: AbortSignal; onRetry?: (attempt: number, error: string, waitMs: number) => void } = {}): Promise<RetryResult<T>> {
  let attempt = 0;
  for (;;) {
    attempt++;
    try {
      return { ok: true, value: await fn(attempt), attempts: attempt };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const permanent = err instanceof DeliveryError && err.permanent;
      if (permanent || attempt >= policy.attempts || opts.signal?.aborted) return { ok: false, error: message, attempts: attempt };
      const wait = backoffMs(policy, attempt);
      opts.onRetry?.(attempt, message, wait);
      try {
        await sleep(wait, opts.signal);
      } catch {
        return { ok: false, error: `${message} (then stopped: ${opts.signal?.reason instanceof Error ? opts.signal.reason.message : 'aborted'})`, attempts: attempt };
      }
    }
  }
}
