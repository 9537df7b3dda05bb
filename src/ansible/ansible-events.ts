import { z } from 'zod';

/**
 * The JSON lines written by playbooks/plugins/callback/patrol_events.py. This is the edge between
 * Ansible (any version, any plugin edit) and Patrol, so every line is validated here; unknown event
 * kinds are ignored rather than rejected so a newer plugin cannot break an older Patrol.
 */

const ts = z.number().optional();
const text = z.string().nullish();

export const playbookStartEvent = z.object({
  event: z.literal('playbook_start'),
  playbook: text,
  check: z.boolean().default(false),
  diff: z.boolean().default(false),
  pid: z.number().int().optional(),
  ts,
});

export const playStartEvent = z.object({
  event: z.literal('play_start'),
  play: z.string().default(''),
  playId: z.string().optional(),
  pattern: z.union([z.string(), z.array(z.string())]).optional(),
  hostCount: z.number().int().nullish(),
  hosts: z.array(z.string()).nullish(),
  ts,
});

export const taskStartEvent = z.object({
  event: z.literal('task_start'),
  task: z.string().default(''),
  taskId: z.string(),
  action: z.string().optional(),
  handler: z.boolean().default(false),
  play: text,
  ts,
});

export const RESULT_STATUSES = ['ok', 'changed', 'failed', 'skipped', 'unreachable'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

export const runnerEvent = z.object({
  event: z.literal('runner'),
  status: z.enum(RESULT_STATUSES),
  host: z.string(),
  task: z.string().default(''),
  taskId: z.string().optional(),
  action: z.string().optional(),
  register: z.string().optional(),
  ignoreErrors: z.boolean().default(false),
  delegatedTo: z.string().optional(),
  msg: text,
  stderr: text,
  rc: z.number().int().optional(),
  /** Present for registered, failed and unreachable results (size-capped by the plugin). */
  result: z.record(z.string(), z.unknown()).optional(),
  ts,
});

export const itemEvent = z.object({
  event: z.literal('item'),
  status: z.enum(['ok', 'changed', 'failed', 'skipped']),
  host: z.string(),
  task: z.string().default(''),
  taskId: z.string().optional(),
  item: text,
  msg: text,
  ts,
});

export const retryEvent = z.object({
  event: z.literal('retry'),
  host: z.string(),
  task: z.string().default(''),
  taskId: z.string().optional(),
  attempt: z.number().int().nullish(),
  retries: z.number().int().nullish(),
  ts,
});

export const noHostsEvent = z.object({
  event: z.enum(['no_hosts_matched', 'no_hosts_remaining']),
  play: text,
  ts,
});

/** Ansible's summarize(): note `failures`, which Patrol's outputs call `failed`. */
export const hostSummary = z.object({
  ok: z.number().int(),
  failures: z.number().int(),
  unreachable: z.number().int(),
  changed: z.number().int(),
  skipped: z.number().int(),
  rescued: z.number().int().default(0),
  ignored: z.number().int().default(0),
});

export const statsEvent = z.object({
  event: z.literal('stats'),
  hosts: z.record(z.string(), hostSummary),
  /** set_stats data: `_run` for run-wide data, host names for `per_host: true`. */
  custom: z.record(z.string(), z.unknown()).default({}),
  ts,
});

export const ansibleEventSchema = z.discriminatedUnion('event', [playbookStartEvent, playStartEvent, taskStartEvent, runnerEvent, itemEvent, retryEvent, noHostsEvent, statsEvent]);

export type AnsibleEvent = z.infer<typeof ansibleEventSchema>;
export type RunnerEvent = z.infer<typeof runnerEvent>;
export type StatsEvent = z.infer<typeof statsEvent>;

export type ParsedLine = { kind: 'event'; event: AnsibleEvent } | { kind: 'unknown'; event: string } | { kind: 'invalid'; error: string };

const KNOWN = new Set<string>(['playbook_start', 'play_start', 'task_start', 'runner', 'item', 'retry', 'no_hosts_matched', 'no_hosts_remaining', 'stats']);

/** Parses one line of the event stream. Never throws: a bad line is reported, not fatal. */
export function parseAnsibleEventLine(line: string): ParsedLine {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    return { kind: 'invalid', error: `not JSON: ${(err as Error).message}` };
  }
  const name = raw !== null && typeof raw === 'object' && 'event' in raw ? (raw as { event: unknown }).event : undefined;
  if (typeof name !== 'string') return { kind: 'invalid', error: 'no "event" field' };
  if (!KNOWN.has(name)) return { kind: 'unknown', event: name };
  const parsed = ansibleEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { kind: 'invalid', error: `${name}: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { kind: 'event', event: parsed.data };
}
