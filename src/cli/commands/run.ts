import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { collectParam, readParams } from '../params-option.js';
import { driveRun } from '../drive-run.js';
import { staleRunsHint } from '../stale-runs.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { loadWorkflowFile } from '../../workflow/validate-workflow.js';
import { silentLogger } from '../../logging/logger.js';
import { clientFromEnv } from '../../api-client/api-client.js';
import { remoteRun } from '../remote/remote-commands.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a workflow in the embedded mode with live progress (exit 0 succeeded, 1 failed, 2 invalid input)')
    .argument('<file>', 'workflow YAML file')
    .option('-p, --param <key=value>', 'set a param (repeatable)', collectParam, [])
    .option('--params-file <file>', 'YAML or JSON file of params')
    .option('--dry-run', 'run steps in dry-run mode (ansible --check --diff, nothing changed)')
    .option('--json', 'print the final run as JSON on stdout')
    .action(
      action(async (file: string, opts: { param: string[]; paramsFile?: string; dryRun?: boolean; json?: boolean }) => {
        const client = clientFromEnv();
        if (client) return remoteRun(client, file, opts);
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const def = await loadWorkflowFile(file, rt.registry);
          const { typed, strings } = await readParams(opts.param, opts.paramsFile);
          await staleRunsHint(rt);
          rt.engine.start();
          return await driveRun(
            rt,
            (onCreated) =>
              rt.engine.trigger(def, { params: { ...typed, ...strings }, paramsFromStrings: true, trigger: 'cli', dryRun: opts.dryRun ?? false, onCreated, ...(process.env.USER ? { triggeredBy: process.env.USER } : {}) }),
            { json: opts.json ?? false },
          );
        } finally {
          await rt.close();
        }
      }),
    );
}
