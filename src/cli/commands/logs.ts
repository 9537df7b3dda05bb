import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { resolveRunId } from '../run-ids.js';
import { paint, useColor } from '../output.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { isTerminalRun } from '../../engine/run-states.js';
import type { LogRecord } from '../../store/records.js';
import { clientFromEnv } from '../../api-client/api-client.js';
import { remoteLogs } from '../remote/remote-commands.js';

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description('step logs of a run (paged from the store; --follow tails a live run)')
    .argument('<id>', 'run id (or a unique prefix)')
    .option('--step <name>', 'only this step (e.g. collect or scan[2])')
    .option('-f, --follow', 'keep printing new lines until the run ends')
    .option('--json', 'one JSON object per line')
    .action(
      action(async (idArg: string, opts: { step?: string; follow?: boolean; json?: boolean }) => {
        const color = useColor();
        const print = (l: LogRecord) => {
          if (opts.json) process.stdout.write(`${JSON.stringify(l)}\n`);
          else {
            const prefix = paint(`${new Date(l.ts).toISOString().slice(11, 23)} ${l.step}${l.attempt > 1 ? `#${l.attempt}` : ''}`, 'gray', color);
            const body = l.stream === 'stderr' || l.stream === 'error' ? paint(l.message, 'red', color) : l.stream === 'warn' || l.stream === 'system' ? paint(l.message, 'yellow', color) : l.message;
            process.stdout.write(`${prefix} ${body}\n`);
          }
        };
        const client = clientFromEnv();
        if (client) return remoteLogs(client, idArg, opts, print);
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const runId = await resolveRunId(rt.store, idArg);
          let after: number | undefined;
          for (;;) {
            // Page through what is stored; never load a whole log at once.
            for (;;) {
              const page = await rt.store.logs.read({ runId, ...(opts.step ? { step: opts.step } : {}), ...(after !== undefined ? { after } : {}), limit: 2000 });
              for (const l of page.items) print(l);
              if (page.items.length > 0) after = page.items[page.items.length - 1]!.id;
              if (!page.next) break;
            }
            if (!opts.follow) break;
            const run = await rt.store.runs.getRun(runId);
            if (!run || isTerminalRun(run.status)) {
              // One last read: the writer flushes its final lines as the run ends.
              const page = await rt.store.logs.read({ runId, ...(opts.step ? { step: opts.step } : {}), ...(after !== undefined ? { after } : {}), limit: 10_000 });
              for (const l of page.items) print(l);
              break;
            }
            await new Promise((r) => setTimeout(r, 300));
          }
        } finally {
          await rt.close();
        }
      }),
    );
}
