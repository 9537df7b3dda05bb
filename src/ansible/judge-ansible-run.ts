import type { AnsibleRunTracker } from './ansible-run-tracker.js';
import type { AnsibleStepOutput } from './ansible-step-output.js';

export type AnsibleVerdict =
  | { kind: 'ok' }
  /** Ansible stopped before running any task: syntax error, bad inventory, bad option. */
  | { kind: 'not-started' }
  | { kind: 'failed'; code: 'ansible-failed' | 'unreachable' | 'ansible-error'; message: string };

/** ansible-playbook's exit codes when hosts failed (2), were unreachable (4) or broke a play (8). */
const HOST_FAILURE_EXITS = new Set([0, 2, 4, 8]);
const HOSTS_NAMED = 5;

/**
 * Decides how a finished run ends. Ansible's exit code alone is ambiguous (4 means unreachable
 * hosts after a run, but also a parse error before it), so the event stream decides: the final
 * stats say a run happened, the recap says who failed.
 */
export function judgeAnsibleRun(tracker: AnsibleRunTracker, out: AnsibleStepOutput, run: { exitCode: number | null; signal: string | null; allowFailedHosts: boolean; errorText: string }): AnsibleVerdict {
  const exit = run.exitCode ?? run.signal ?? 'unknown';
  if (!tracker.stats) {
    if (tracker.resultCount === 0 && run.exitCode !== 0) return { kind: 'not-started' };
    if (run.exitCode === 0) {
      return { kind: 'failed', code: 'ansible-error', message: "ansible-playbook succeeded but Patrol's event callback (patrol_events) reported no results: check that it loads (see the step log) and that callbacks are not disabled" };
    }
    return { kind: 'failed', code: 'ansible-error', message: `ansible-playbook stopped before the end of the playbook (exit code ${exit}): ${run.errorText}` };
  }
  const bad = out.failedHosts.length + out.unreachableHosts.length;
  if (bad > 0) {
    if (run.allowFailedHosts && run.exitCode !== null && HOST_FAILURE_EXITS.has(run.exitCode)) return { kind: 'ok' };
    if (run.allowFailedHosts) return { kind: 'failed', code: 'ansible-error', message: `ansible-playbook failed (exit code ${exit}): ${run.errorText}` };
    const parts: string[] = [];
    if (out.failedHosts.length > 0) parts.push(`${plural(out.failedHosts.length, 'host')} failed: ${describe(out.failedHosts, out, 'failed')}`);
    if (out.unreachableHosts.length > 0) parts.push(`${plural(out.unreachableHosts.length, 'host')} unreachable: ${describe(out.unreachableHosts, out, 'unreachable')}`);
    return { kind: 'failed', code: out.failedHosts.length > 0 ? 'ansible-failed' : 'unreachable', message: parts.join('; ') };
  }
  if (run.exitCode === 0) return { kind: 'ok' };
  return { kind: 'failed', code: 'ansible-error', message: `ansible-playbook failed (exit code ${exit}) although no host failed: ${run.errorText}` };
}

function describe(hosts: string[], out: AnsibleStepOutput, status: 'failed' | 'unreachable'): string {
  const named = hosts.slice(0, HOSTS_NAMED).map((h) => {
    const f = [...out.failures].reverse().find((x) => x.host === h && x.status === status);
    return f ? `${h} (${f.task}: ${f.msg})` : h;
  });
  const more = hosts.length > HOSTS_NAMED ? ` and ${hosts.length - HOSTS_NAMED} more` : '';
  return `${named.join(', ')}${more}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Ansible's own explanation: the "ERROR!" line and the context it prints after it (file, line,
 * the offending YAML), else the last lines of stderr.
 */
export function ansibleErrorText(stderr: string, stdout: string): string {
  for (const text of [stderr, stdout]) {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('ERROR!'));
    if (at >= 0) return cap(lines.slice(at, at + 12).map((l) => l.trim()).filter(Boolean).join(' '));
  }
  const tail = stderr.trim().split('\n').slice(-5).join(' ').trim();
  return cap(tail || 'no error message (see the step log)');
}

function cap(s: string): string {
  return s.length > 2000 ? `${s.slice(0, 2000)}...` : s;
}
