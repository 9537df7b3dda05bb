import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { resolveRunId } from '../run-ids.js';
import { runJson } from '../run-json.js';
import { elapsed, paint, printJson, statusText, table, useColor, when } from '../output.js';
import { staleRuns } from '../stale-runs.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { InputError } from '../../errors/index.js';
import { RUN_STATUSES, type RunStatus } from '../../engine/run-states.js';
import { deliverySummary } from '../../notify/delivery.js';
import { deliveriesTable } from '../deliveries-output.js';
import { clientFromEnv } from '../../api-client/api-client.js';
import { remoteRunsList, remoteRunsShow } from '../remote/remote-commands.js';

export function registerRuns(program: Command): void {
  const runs = program.command('runs').description('list and inspect runs');
  runs
    .command('list')
    .description('runs, newest first')
    .option('--status <status>', `only runs in this state (${RUN_STATUSES.join(', ')}); repeat with commas`)
    .option('--workflow <name>', 'only runs of this workflow')
    .option('--limit <n>', 'how many', '20')
    .option('--before <id>', 'page: runs older than this id')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { status?: string; workflow?: string; limit: string; before?: string; json?: boolean }) => {
        const statuses = opts.status?.split(',').map((s) => s.trim()) ?? [];
        for (const s of statuses) if (!(RUN_STATUSES as readonly string[]).includes(s)) throw new InputError(`--status ${s}: not one of ${RUN_STATUSES.join(', ')}`);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new InputError('--limit must be a positive integer');
        const client = clientFromEnv();
        if (client) return remoteRunsList(client, { statuses, limit, ...(opts.workflow ? { workflow: opts.workflow } : {}), ...(opts.before ? { before: opts.before } : {}), ...(opts.json ? { json: true } : {}) });
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const page = await rt.store.runs.listRuns({
            limit,
            ...(statuses.length ? { status: statuses as RunStatus[] } : {}),
            ...(opts.workflow ? { workflow: opts.workflow } : {}),
            ...(opts.before ? { before: opts.before } : {}),
          });
          const stale = new Set(await staleRuns(rt));
          if (opts.json) {
            printJson({ items: page.items.map((r) => ({ id: r.id, workflow: r.workflow, status: r.status, reason: r.reason, interrupted: stale.has(r.id), createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt })), next: page.next ?? null });
            return;
          }
          const color = useColor();
          const rows = page.items.map((r) => [
            r.id,
            r.workflow,
            statusText(r.status, color) + (stale.has(r.id) ? paint(' (interrupted)', 'yellow', color) : ''),
            when(r.startedAt ?? r.createdAt),
            elapsed(r.startedAt, r.finishedAt),
            r.reason ?? '',
          ]);
          process.stdout.write(`${table(['ID', 'WORKFLOW', 'STATUS', 'STARTED', 'DURATION', 'REASON'], rows)}\n`);
          if (page.next) process.stdout.write(paint(`more: patrol runs list --before ${page.next}\n`, 'gray', color));
        } finally {
          await rt.close();
        }
      }),
    );
  runs
    .command('show')
    .description('a run with its steps and attempts')
    .argument('<id>', 'run id (or a unique prefix)')
    .option('--json', 'JSON output')
    .action(
      action(async (idArg: string, opts: { json?: boolean }) => {
        const client = clientFromEnv();
        if (client) return remoteRunsShow(client, idArg, opts);
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const id = await resolveRunId(rt.store, idArg);
          const d = await rt.engine.detail(id);
          const deliveries = await rt.store.deliveries.listByRun(id);
          if (opts.json) {
            printJson({ ...runJson(d), attempts: d.attempts, deliveries: deliveries.map(deliverySummary) });
            return;
          }
          const color = useColor();
          const r = d.run;
          process.stdout.write(`run       ${r.id}\nworkflow  ${r.namespace}/${r.workflow}\nstatus    ${statusText(r.status, color)}${r.reason ? `  ${r.reason}` : ''}\nstarted   ${when(r.startedAt)}   duration ${elapsed(r.startedAt, r.finishedAt)}\nparams    ${JSON.stringify(r.params)}\n${r.retryOf ? `retry of  ${r.retryOf}\n` : ''}\n`);
          const rows = d.steps.map((s) => [
            s.name,
            statusText(s.status, color),
            String(s.attempts),
            elapsed(s.startedAt, s.finishedAt),
            s.error ? `${s.error.code}: ${s.error.message}` : (s.reason ?? ''),
          ]);
          process.stdout.write(`${table(['STEP', 'STATUS', 'ATTEMPTS', 'DURATION', 'DETAIL'], rows, 100)}\n`);
          if (deliveries.length > 0) process.stdout.write(`\ndeliveries (reports and alert notifications)\n${deliveriesTable(deliveries, color)}\n`);
        } finally {
          await rt.close();
        }
      }),
    );
}
