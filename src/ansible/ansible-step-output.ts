import { z } from 'zod';
import type { AnsibleRunTracker } from './ansible-run-tracker.js';

const count = z.number().int().min(0);
export const hostRecapSchema = z.object({ ok: count, changed: count, unreachable: count, failed: count, skipped: count, rescued: count, ignored: count });

/** Outputs of the `ansible` step type (also attached to its errors, so a failed run keeps them). */
export const ansibleStepOutputSchema = z.object({
  /** PLAY RECAP per host. */
  recap: z.record(z.string(), hostRecapSchema),
  /** Every host the playbook ran against. */
  hosts: z.array(z.string()),
  failedHosts: z.array(z.string()),
  unreachableHosts: z.array(z.string()),
  /** What failed where, in order (capped at 200 entries). */
  failures: z.array(z.object({ host: z.string(), task: z.string(), status: z.enum(['failed', 'unreachable']), msg: z.string() })),
  /** set_stats data of the run (per_host: false, Ansible's default). */
  stats: z.record(z.string(), z.unknown()),
  /** set_stats data with per_host: true, by host. */
  hostStats: z.record(z.string(), z.record(z.string(), z.unknown())),
  /** Registered task results by host and variable name (each capped at 64 KiB, all at 1 MiB). */
  registered: z.record(z.string(), z.record(z.string(), z.unknown())),
  /** Whether the run was in check mode (input `check` or a dry run). */
  check: z.boolean(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().int().min(0),
  /** ansible-playbook's own (human-readable) output, capped. */
  stdout: z.string(),
  /** Names of outputs that hit a cap and are incomplete. */
  truncated: z.array(z.string()),
});

export type AnsibleStepOutput = z.infer<typeof ansibleStepOutputSchema>;

/** Builds outputs from what the event stream told and how the process ended. */
export function buildAnsibleOutputs(tracker: AnsibleRunTracker, run: { exitCode: number | null; durationMs: number; stdout: string; stdoutTruncated: boolean; check: boolean }): AnsibleStepOutput {
  const recap = tracker.recap();
  const hosts = Object.keys(recap);
  const custom = tracker.stats?.custom ?? {};
  const stats = isRecord(custom._run) ? custom._run : {};
  const hostStats: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(custom)) if (k !== '_run' && isRecord(v)) hostStats[k] = v;
  const truncated = new Set(tracker.truncated);
  if (run.stdoutTruncated) truncated.add('stdout');
  if (custom._patrol_truncated === true) truncated.add('stats');
  return {
    recap,
    hosts,
    failedHosts: hosts.filter((h) => recap[h]!.failed > 0),
    unreachableHosts: hosts.filter((h) => recap[h]!.unreachable > 0),
    failures: tracker.failures,
    stats,
    hostStats,
    registered: tracker.registered,
    check: run.check || tracker.checkMode,
    exitCode: run.exitCode,
    durationMs: run.durationMs,
    stdout: run.stdout,
    truncated: [...truncated].sort(),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
