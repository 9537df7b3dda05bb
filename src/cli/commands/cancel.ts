import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { resolveRunId } from '../run-ids.js';
import { statusText, useColor } from '../output.js';
import { EXIT } from '../exit-codes.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { isTerminalRun } from '../../engine/run-states.js';
import { clientFromEnv } from '../../api-client/api-client.js';
import { remoteCancel } from '../remote/remote-commands.js';
import { cliAudit } from '../cli-audit.js';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description('cancel a run: its processes are stopped within seconds; finally steps still run')
    .argument('<id>', 'run id (or a unique prefix)')
    .option('--reason <text>', 'why (recorded on the run)', 'cancelled by user')
    .option('--no-wait', 'return once the cancel is recorded')
    .action(
      action(async (idArg: string, opts: { reason: string; wait: boolean }) => {
        const client = clientFromEnv();
        if (client) return remoteCancel(client, idArg, opts);
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const id = await resolveRunId(rt.store, idArg);
          const cancelled = await rt.engine.cancel(id, opts.reason);
          await cliAudit(rt.store, { action: 'runs.cancel', resourceType: 'run', resourceId: id, namespace: cancelled.namespace, details: { reason: opts.reason } });
          process.stderr.write(`cancel requested for ${id}\n`);
          if (!opts.wait) return EXIT.ok;
          // The process driving the run acts on the request at its next heartbeat.
          const deadline = Date.now() + 60_000;
          for (;;) {
            const run = await rt.store.runs.getRun(id);
            if (run && isTerminalRun(run.status)) {
              process.stdout.write(`${id} ${statusText(run.status, useColor())}\n`);
              return EXIT.ok;
            }
            if (Date.now() > deadline) {
              process.stderr.write(`${id} has not stopped after 60 s; is the process driving it still alive? (patrol runs list)\n`);
              return EXIT.failed;
            }
            await new Promise((r) => setTimeout(r, 250));
          }
        } finally {
          await rt.close();
        }
      }),
    );
}
