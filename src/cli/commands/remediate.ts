import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { collectParam } from '../params-option.js';
import { driveRun } from '../drive-run.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { InputError } from '../../errors/index.js';
import { RemediationService } from '../../remediation/remediation-service.js';
import { builtinCatalog } from '../../inspections/checks/index.js';
import { builtinWorkflowResolver } from '../../scheduler/workflow-resolver.js';

export function registerRemediate(program: Command): void {
  program
    .command('remediate')
    .description('fix a finding with its runbook: dry run, approval showing the plan and the evidence, the change, then a re-check (exit 0 fixed, 1 not fixed or rejected)')
    .argument('<finding>', 'finding id (or a unique prefix), from patrol inspect --json or a report')
    .option('-i, --inventory <file>', 'inventory (default: the one of the inspection that found it)')
    .option('-c, --config <file>', 'InspectionConfig for the re-check (default: the inspection\'s)')
    .option('-p, --param <key=value>', 'runbook param (repeatable)', collectParam, [])
    .option('--dry-run', 'only the dry run: change nothing')
    .option('--json', 'print the final run as JSON on stdout')
    .action(
      action(async (findingArg: string, opts: { inventory?: string; config?: string; param: string[]; dryRun?: boolean; json?: boolean }) => {
        const params: Record<string, string> = {};
        for (const p of opts.param) {
          const i = p.indexOf('=');
          if (i <= 0) throw new InputError(`--param "${p}" must be key=value`, { field: '--param' });
          params[p.slice(0, i)] = p.slice(i + 1);
        }
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const service = new RemediationService({ store: rt.store, engine: rt.engine, catalog: builtinCatalog(), workflows: builtinWorkflowResolver(rt.paths.workflows, rt.registry) });
          const findingId = await service.resolveFindingId(findingArg);
          rt.engine.start();
          return await driveRun(
            rt,
            (onCreated) =>
              service.start({
                findingId,
                params,
                onCreated,
                ...(opts.inventory ? { inventory: opts.inventory } : {}),
                ...(opts.config ? { config: opts.config } : {}),
                ...(opts.dryRun ? { dryRun: true } : {}),
                ...(process.env.USER ? { startedBy: process.env.USER } : {}),
              }),
            { json: opts.json ?? false },
          );
        } finally {
          await rt.close();
        }
      }),
    );
}
