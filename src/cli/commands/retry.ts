import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { resolveRunId } from '../run-ids.js';
import { driveRun } from '../drive-run.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { clientFromEnv } from '../../api-client/api-client.js';
import { remoteRetry } from '../remote/remote-commands.js';

export function registerRetry(program: Command): void {
  program
    .command('retry')
    .description('retry a failed run from where it failed: a new run that reuses the outputs of steps that succeeded')
    .argument('<id>', 'run id (or a unique prefix)')
    .option('--failed-hosts', 'rerun failed steps only on the targets that failed (ansible: --limit to failed and unreachable hosts)')
    .option('--json', 'print the final run as JSON on stdout')
    .action(
      action(async (idArg: string, opts: { json?: boolean; failedHosts?: boolean }) => {
        const client = clientFromEnv();
        if (client) return remoteRetry(client, idArg, opts);
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const id = await resolveRunId(rt.store, idArg);
          rt.engine.start();
          return await driveRun(rt, (onCreated) => rt.engine.retry(id, { onCreated, onlyFailedTargets: opts.failedHosts ?? false, ...(process.env.USER ? { triggeredBy: process.env.USER } : {}) }), { json: opts.json ?? false });
        } finally {
          await rt.close();
        }
      }),
    );
}
