import type { AnsibleStepOutput } from '../../ansible/ansible-step-output.js';

/** Combines the outputs of inventory slices run in parallel into one. */
export function mergeAnsibleOutputs(parts: readonly AnsibleStepOutput[]): AnsibleStepOutput {
  if (parts.length === 1) return parts[0]!;
  const out: AnsibleStepOutput = {
    recap: {},
    hosts: [],
    failedHosts: [],
    unreachableHosts: [],
    failures: [],
    stats: {},
    hostStats: {},
    registered: {},
    check: false,
    exitCode: 0,
    durationMs: 0,
    stdout: '',
    truncated: [],
  };
  for (const p of parts) {
    Object.assign(out.recap, p.recap);
    out.hosts.push(...p.hosts);
    out.failedHosts.push(...p.failedHosts);
    out.unreachableHosts.push(...p.unreachableHosts);
    out.failures.push(...p.failures);
    Object.assign(out.stats, p.stats);
    Object.assign(out.hostStats, p.hostStats);
    Object.assign(out.registered, p.registered);
    out.check ||= p.check;
    // The worst exit code wins (0 ok, 2 failed hosts, 4 unreachable...).
    out.exitCode = Math.max(out.exitCode ?? 0, p.exitCode ?? 0);
    out.durationMs = Math.max(out.durationMs, p.durationMs);
    out.stdout += p.stdout;
    out.truncated = [...new Set([...out.truncated, ...p.truncated])];
  }
  return out;
}
