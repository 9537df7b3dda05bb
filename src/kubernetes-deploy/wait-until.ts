import { StepError } from '../errors/index.js';
import { formatDuration } from '../util/duration.js';

/**
 * Polls `check` every `intervalMs` until it returns a value, honouring the step's signal. On
 * timeout the error says what was awaited and the last state seen (the reason to look at).
 */
export async function waitUntil<T>(what: string, check: () => Promise<{ value?: T; state: string }>, opts: { timeoutMs: number; intervalMs: number; signal: AbortSignal; onState?: (state: string) => void }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    opts.signal.throwIfAborted();
    const r = await check();
    if (r.value !== undefined) return r.value;
    if (r.state !== last) opts.onState?.(r.state);
    last = r.state;
    if (Date.now() >= deadline) throw new StepError(`timed out after ${formatDuration(opts.timeoutMs)} waiting for ${what}: ${last}`, { code: 'timeout', retryable: true, details: { lastState: last } });
    await sleep(Math.min(opts.intervalMs, Math.max(0, deadline - Date.now())), opts.signal);
  }
}

/** Resolves after ms, or at once when the signal fires (the caller then sees the abort). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
