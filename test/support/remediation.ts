import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.js';

/** What a runbook's approval shows: the request and the dry run's plan. */
export interface PendingApproval {
  id: string;
  plan: string | null;
  message: string;
}

/**
 * Waits for the approval a `patrol remediate` child process asks for (read from its SQLite store
 * in `home`); fails with the CLI's stderr when it ended first, so a broken runbook says why.
 */
export async function pendingApproval(home: string, proc: PromiseLike<{ exitCode?: number; stderr: unknown }>): Promise<PendingApproval> {
  let ended: { exitCode?: number; stderr: unknown } | undefined;
  void proc.then((r) => (ended = r));
  for (let i = 0; i < 600; i++) {
    if (ended) throw new Error(`patrol remediate ended (exit ${ended.exitCode}) before asking for approval:\n${String(ended.stderr)}`);
    const store = await openStore({ url: join(home, 'patrol.db'), migrate: false });
    try {
      const p = await store.approvals.list({ status: ['pending'] });
      if (p.items[0]) return p.items[0];
    } finally {
      await store.close();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no approval was requested');
}

/** The id of the stored finding of a check and target (the newest when there are several). */
export async function storedFindingId(home: string, check: string, target: string): Promise<string> {
  const store = await openStore({ url: join(home, 'patrol.db'), migrate: false });
  try {
    const f = (await store.findings.query({ check, limit: 500 })).items.find((x) => x.target === target);
    if (!f) throw new Error(`no stored ${check} finding for ${target}`);
    return f.id;
  } finally {
    await store.close();
  }
}

/** The final run `patrol remediate --json` prints, and one step of it by name. */
export interface RemediationRun {
  status: string;
  reason: string | null;
  steps: { name: string; status: string; outputs: Record<string, unknown>; error?: string | null }[];
}

export function stepOf(run: RemediationRun, name: string): RemediationRun['steps'][number] {
  const s = run.steps.find((x) => x.name === name);
  if (!s) throw new Error(`the run has no step ${name}; steps: ${run.steps.map((x) => x.name).join(', ')}`);
  return s;
}
