import type { z } from 'zod';
import type { hostSummary } from './ansible-events.js';

/** Per-host counts in Patrol's outputs: Ansible's PLAY RECAP, with `failures` named `failed`. */
export interface HostRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export function emptyRecap(): HostRecap {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

export function recapFromSummary(s: z.infer<typeof hostSummary>): HostRecap {
  return { ok: s.ok, changed: s.changed, unreachable: s.unreachable, failed: s.failures, skipped: s.skipped, rescued: s.rescued, ignored: s.ignored };
}
