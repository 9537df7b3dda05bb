import type { Runtime } from '../runtime/open-runtime.js';
import { ownerAlive } from '../engine/owner.js';

/** Runs left active by a process that died; `patrol recover` (or `patrol serve`) resumes them. */
export async function staleRuns(rt: Runtime): Promise<string[]> {
  const now = Date.now();
  return (await rt.store.runs.activeRuns()).filter((r) => !ownerAlive(r.owner, r.heartbeatAt, { now, leaseMs: 30_000 })).map((r) => r.id);
}

export async function staleRunsHint(rt: Runtime): Promise<void> {
  const stale = await staleRuns(rt);
  if (stale.length > 0) process.stderr.write(`note: ${stale.length} run(s) were interrupted by a stopped process (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}); \`patrol recover\` resumes them\n`);
}
