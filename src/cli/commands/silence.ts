import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { printJson, table, when } from '../output.js';
import { collectParam } from '../params-option.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { InputError, NotFoundError } from '../../errors/index.js';
import { parseDuration } from '../../util/duration.js';
import { newId } from '../../util/ids.js';
import { formatMatcher, parseMatcher, silenceMatches, silenceState, type Silence } from '../../alerts/silence.js';
import { EXIT } from '../exit-codes.js';

function parseTime(value: string, field: string): number {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new InputError(`${field} "${value}" is not a time (use ISO 8601, e.g. 2026-05-01T08:00:00Z)`, { field });
  return t;
}

function silenceJson(s: Silence, now: number, matching?: number): Record<string, unknown> {
  return {
    id: s.id,
    state: silenceState(s, now),
    matchers: s.matchers,
    startsAt: new Date(s.startsAt).toISOString(),
    endsAt: new Date(s.endsAt).toISOString(),
    createdBy: s.createdBy,
    comment: s.comment,
    ...(matching !== undefined ? { firingAlertsMatched: matching } : {}),
  };
}

export function registerSilence(program: Command): void {
  const cmd = program.command('silence').description('silences: mute alert notifications matching labels for a time (findings stay visible)');
  cmd
    .command('add')
    .description('add a silence; matchers as in Alertmanager: name=value, name!=value, name=~regex, name!~regex')
    .requiredOption('-m, --matcher <matcher>', 'a label matcher; repeat for more (all must hold)', collectParam, [])
    .option('-d, --duration <duration>', 'how long from the start, e.g. 2h, 1d12h')
    .option('--start <time>', 'ISO 8601 start (default now)')
    .option('--end <time>', 'ISO 8601 end (instead of --duration)')
    .option('-a, --author <name>', 'who adds it (default: the current user)')
    .requiredOption('-c, --comment <text>', 'why (a ticket, a maintenance window)')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { matcher: string[]; duration?: string; start?: string; end?: string; author?: string; comment: string; json?: boolean }) => {
        if (opts.matcher.length === 0) throw new InputError('give at least one --matcher', { field: '--matcher' });
        const matchers = opts.matcher.map(parseMatcher);
        if (matchers.every((m) => (m.op === '=~' && /^(\.\*)?$/.test(m.value)) || (m.op === '=' && m.value === '')))
          throw new InputError('these matchers match every alert; name something specific (e.g. -m inspection=prod-hosts)', { field: '--matcher' });
        if (!opts.duration === !opts.end) throw new InputError('give exactly one of --duration and --end', { field: '--duration' });
        const now = Date.now();
        const start = opts.start ? parseTime(opts.start, '--start') : now;
        const end = opts.end ? parseTime(opts.end, '--end') : start + parseDuration(opts.duration!, '--duration');
        if (end <= start) throw new InputError('the silence must end after it starts', { field: '--end' });
        if (end <= now) throw new InputError('the silence would already have ended', { field: '--end' });
        if (!opts.comment.trim()) throw new InputError('--comment must not be empty', { field: '--comment' });
        const author = opts.author ?? process.env.USER ?? userInfo().username;
        const s: Silence = { id: newId(), matchers, startsAt: start, endsAt: end, createdBy: author, comment: opts.comment, createdAt: now, updatedAt: now };
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          await rt.store.silences.insert(s);
          const firing = (await rt.store.alerts.list({ state: 'firing', limit: 5000 })).filter((a) => silenceMatches({ ...s, startsAt: Math.min(s.startsAt, now) }, a.labels, now)).length;
          if (opts.json) printJson(silenceJson(s, now, firing));
          else process.stdout.write(`silence ${s.id} ${silenceState(s, now)} until ${when(s.endsAt)}: ${matchers.map(formatMatcher).join(', ')} (matches ${firing} firing alerts now)\n`);
        } finally {
          await rt.close();
        }
      }),
    );
  cmd
    .command('list')
    .description('active and pending silences (--all: expired ones too)')
    .option('--all', 'include expired silences')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { all?: boolean; json?: boolean }) => {
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const now = Date.now();
          const list = await rt.store.silences.list({ now, all: opts.all ?? false });
          const firing = await rt.store.alerts.list({ state: 'firing', limit: 5000 });
          const matched = (s: Silence) => firing.filter((a) => silenceMatches({ ...s, startsAt: Math.min(s.startsAt, now) }, a.labels, now)).length;
          if (opts.json) {
            printJson({ items: list.map((s) => silenceJson(s, now, matched(s))) });
            return;
          }
          if (list.length === 0) {
            process.stdout.write(opts.all ? 'no silences\n' : 'no active silences (--all shows expired ones)\n');
            return;
          }
          const rows = list.map((s) => [s.id, silenceState(s, now), s.matchers.map(formatMatcher).join(', '), when(s.startsAt), when(s.endsAt), s.createdBy, String(matched(s)), s.comment]);
          process.stdout.write(`${table(['ID', 'STATE', 'MATCHERS', 'STARTS', 'ENDS', 'AUTHOR', 'FIRING', 'COMMENT'], rows)}\n`);
        } finally {
          await rt.close();
        }
      }),
    );
  cmd
    .command('expire')
    .description('end a silence now')
    .argument('<id>', 'silence id (or a unique prefix)')
    .action(
      action(async (idArg: string) => {
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const prefix = idArg.trim().toLowerCase();
          if (prefix.length < 4) throw new InputError('give at least 4 characters of the silence id', { field: 'id' });
          const ids = await rt.store.silences.resolveId(prefix);
          if (ids.length === 0) throw new NotFoundError(`no silence with id ${idArg} (see: patrol silence list --all)`);
          if (ids.length > 1 && !ids.includes(prefix)) throw new InputError(`silence id prefix "${idArg}" is ambiguous`, { field: 'id' });
          const id = ids.includes(prefix) ? prefix : ids[0]!;
          const ok = await rt.store.silences.expire(id, Date.now());
          if (!ok) {
            process.stderr.write(`silence ${id} had already expired\n`);
            return EXIT.ok;
          }
          process.stdout.write(`silence ${id} expired\n`);
        } finally {
          await rt.close();
        }
      }),
    );
}
