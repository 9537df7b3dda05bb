import type { Store } from '../store/store.js';
import type { LeaseHolder } from '../store/leases-repository.js';
import { PatrolError } from '../errors/index.js';

export interface BreakerLimits {
  maxRuns: number;
  windowMs: number;
}

const LEASE_MS = 60_000;

/** "26h", "90m", "45s": a window for messages. */
export function formatWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/**
 * Runs `fn` only while the circuit breaker of `target` is closed: fewer than maxRuns automatic
 * remediations of the target started within the window. The count and the start happen under a
 * lease on the target's breaker, so two servers (or two fan-out instances) cannot both take the
 * last slot. The count is read from the store's remediation records: it survives restarts and is
 * shared by every server on the same database.
 */
export async function throughBreaker<T>(
  store: Store,
  args: { target: string; limits: BreakerLimits; holder: LeaseHolder; now: number; signal?: AbortSignal },
  fn: () => Promise<T>,
): Promise<{ open: true; reason: string; recent: number } | { open: false; value: T }> {
  const lease = `remediation-breaker:${args.target}`;
  for (let i = 0; ; i++) {
    const blocked = await store.leases.acquire([lease], args.holder, Date.now(), Date.now() + LEASE_MS);
    if (!blocked) break;
    if (i >= 300 || args.signal?.aborted) throw new PatrolError(`the circuit breaker of ${args.target} stayed locked by run ${blocked.runId} (step ${blocked.step})`, { code: 'breaker-busy' });
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    const { maxRuns, windowMs } = args.limits;
    const recent = await store.remediations.countForTarget(args.target, args.now - windowMs, { automaticOnly: true });
    if (recent >= maxRuns) {
      return { open: true, recent, reason: `circuit breaker open: ${recent} automatic remediations of ${args.target} in the last ${formatWindow(windowMs)} (limit ${maxRuns}); a person has to look at it` };
    }
    return { open: false, value: await fn() };
  } finally {
    await store.leases.release(args.holder);
  }
}
