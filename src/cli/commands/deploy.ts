import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { driveRun } from '../drive-run.js';
import { EXIT } from '../exit-codes.js';
import { printJson } from '../output.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { loadApplicationFile } from '../../applications/load-application.js';
import { compileApplication } from '../../applications/compile-application.js';
import { componentReports, formatPlan, formatReports } from '../../applications/deploy-report.js';
import { validateWorkflowValue, WorkflowInvalidError } from '../../workflow/validate-workflow.js';

interface DeployOptions {
  dryRun?: boolean;
  kubeconfig?: string;
  context?: string;
  json?: boolean;
}

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description('deploy an Application (kind: Application): compile it into a workflow, show the plan, run it and report per component (exit 0 deployed, 1 failed or rolled back, 2 invalid input)')
    .argument('<file>', 'Application YAML file')
    .option('--dry-run', 'server-side dry run: show what would change, change nothing')
    .option('--kubeconfig <file>', 'kubeconfig (overrides spec.cluster.kubeconfig)')
    .option('--context <name>', 'kubeconfig context (overrides spec.cluster.context)')
    .option('--json', 'print the plan, the run and the per-component result as JSON on stdout')
    .action(
      action(async (file: string, opts: DeployOptions) => {
        const app = await loadApplicationFile(file);
        const { workflow, plan } = compileApplication(app, { ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), ...(opts.context ? { context: opts.context } : {}) });
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          // The compiled workflow goes through the same checks as a hand-written one.
          const checked = validateWorkflowValue(workflow, rt.registry);
          if (!checked.workflow) throw new WorkflowInvalidError(checked.issues);
          const dryRun = opts.dryRun ?? false;
          if (!opts.json) process.stderr.write(`${formatPlan(app.metadata.name, app.metadata.namespace, plan, dryRun)}\n`);
          rt.engine.start();
          let runId = '';
          const code = await driveRun(
            rt,
            (onCreated) =>
              rt.engine.trigger(checked.workflow!, {
                trigger: 'cli',
                dryRun,
                onCreated: (run, wf) => {
                  runId = run.id;
                  onCreated(run, wf);
                },
                ...(process.env.USER ? { triggeredBy: process.env.USER } : {}),
              }),
            { json: false, quiet: opts.json ?? false, silent: true },
          );
          const detail = await rt.engine.detail(runId);
          const reports = componentReports(plan, detail.steps);
          if (opts.json) printJson({ application: app.metadata.name, namespace: app.metadata.namespace, dryRun, run: { id: detail.run.id, status: detail.run.status, reason: detail.run.reason }, plan, components: reports });
          else process.stderr.write(`application ${app.metadata.name}: ${detail.run.status}${dryRun ? ' (dry run)' : ''}\n${formatReports(reports)}\ndetails: patrol runs show ${detail.run.id}   logs: patrol logs ${detail.run.id}\n`);
          return code === EXIT.ok ? EXIT.ok : EXIT.failed;
        } finally {
          await rt.close();
        }
      }),
    );
}
