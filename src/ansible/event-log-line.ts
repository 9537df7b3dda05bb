import type { z } from 'zod';
import type { itemEvent, RunnerEvent } from './ansible-events.js';

export type LogLevel = 'info' | 'warn' | 'error';

const WORD: Record<RunnerEvent['status'], string> = { ok: 'ok', changed: 'changed', failed: 'failed', skipped: 'skipping', unreachable: 'unreachable' };
const MSG_IN_LINE = 500;

/**
 * One step-log line per host and task, in Ansible's own words so people who know its output read it
 * at a glance: `ok: [web1] Install nginx`, `failed: [web2] Install nginx: No package matching ...`.
 */
export function runnerLogLine(e: RunnerEvent): { level: LogLevel; message: string } {
  const host = e.delegatedTo ? `[${e.host} -> ${e.delegatedTo}]` : `[${e.host}]`;
  const base = `${WORD[e.status]}: ${host} ${e.task}`;
  if (e.status === 'failed' || e.status === 'unreachable') {
    const why = failureMessage(e);
    const line = `${base}${why ? `: ${why}` : ''}`;
    if (e.ignoreErrors) return { level: 'warn', message: `${line} (ignored)` };
    return { level: 'error', message: line };
  }
  return { level: 'info', message: base };
}

export function itemLogLine(e: z.infer<typeof itemEvent>): { level: LogLevel; message: string } {
  const base = `${e.status === 'skipped' ? 'skipping' : e.status}: [${e.host}] ${e.task} (item=${e.item ?? ''})`;
  if (e.status === 'failed') return { level: 'warn', message: e.msg ? `${base}: ${oneLine(e.msg)}` : base };
  return { level: 'info', message: base };
}

/** The most useful one-line reason a task failed: msg, else the last stderr line, else the exit code. */
export function failureMessage(e: Pick<RunnerEvent, 'msg' | 'stderr' | 'rc'>): string {
  // Ansible's generic messages say less than stderr or the exit code.
  if (e.msg && !GENERIC_MESSAGES.has(e.msg) && !e.msg.startsWith('MODULE FAILURE')) return oneLine(e.msg);
  const stderrTail = e.stderr?.trim().split('\n').pop();
  if (stderrTail) return oneLine(stderrTail);
  if (e.rc !== undefined) return `exit code ${e.rc}`;
  return oneLine(e.msg ?? '');
}

const GENERIC_MESSAGES = new Set(['non-zero return code', 'All items completed']);

function oneLine(s: string): string {
  const flat = s.trim().replace(/\s*\n\s*/g, ' | ');
  return flat.length > MSG_IN_LINE ? `${flat.slice(0, MSG_IN_LINE)}...` : flat;
}
