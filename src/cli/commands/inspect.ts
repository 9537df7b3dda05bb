import { join } from 'node:path';
import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { EXIT } from '../exit-codes.js';
import { InputError } from '../../errors/index.js';
import { severityRank, type Severity } from '../../findings/finding.js';
import { prefetchInventoryHosts } from '../../ansible/inventory-hosts.js';

/** commander collector for a repeatable option (--context a --context b). */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The engine, the workflow and the inspection modules: loaded in the action, after the inventory
 * resolution has started (`ansible-inventory` runs while these load, ~0.3 s each).
 */
const loadEngineParts = () =>
  Promise.all([
    import('../drive-run.js'),
    import('../output.js'),
    import('../inspection-output.js'),
    import('../stale-runs.js'),
    import('../deliveries-output.js'),
    import('../../runtime/open-runtime.js'),
    import('../../workflow/validate-workflow.js'),
    import('../../logging/logger.js'),
    import('../../inspections/checks/index.js'),
    import('../../inspections/config/load-inspection-config.js'),
    import('../../inspections/inspection-summary.js'),
    import('../../kubernetes/cli-options.js'),
  ]);

const WORKFLOWS: Record<string, string> = { host: 'inspect-hosts.yaml', node: 'inspect-cluster-nodes.yaml', app: 'inspect-apps.yaml', db: 'inspect-databases.yaml', cluster: 'inspect-cluster.yaml', all: 'inspect-all.yaml' };
const FAIL_ON = ['warning', 'critical', 'never'] as const;

interface InspectOptions {
  inventory?: string;
  config?: string;
  limit?: string;
  failOn: string;
  json?: boolean;
  reportTo?: string;
  kubeconfig?: string;
  context?: string[];
  inCluster?: boolean;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('inspect hosts, cluster nodes, applications, databases or Kubernetes clusters; prints a summary (exit 0 nothing at/above --fail-on, 1 findings, 2 bad input or tool failure)')
    .argument('<kind>', `what to inspect: ${Object.keys(WORKFLOWS).join(' | ')}`)
    .option('-i, --inventory <file>', 'Ansible inventory file or directory')
    .option('-c, --config <file>', 'InspectionConfig YAML (thresholds, overrides, exemptions, applications, databases)')
    .option('-l, --limit <pattern>', 'Ansible --limit pattern')
    .option('--kubeconfig <file>', 'kubeconfig for `cluster` (and `all`); default $KUBECONFIG or ~/.kube/config')
    .option('--context <name>', 'kubeconfig context to inspect, repeatable (one cluster each); default the current context', collect)
    .option('--in-cluster', 'inspect the cluster Patrol runs in with its service account')
    .option('--fail-on <severity>', `exit 1 when a finding is at or above: ${FAIL_ON.join(' | ')}`, 'critical')
    .option('--report-to <addresses>', 'email the report to these comma-separated addresses (instead of the configured recipients)')
    .option('--json', 'print the result as JSON on stdout')
    .action(
      action(async (kind: string, opts: InspectOptions) => {
        const file = WORKFLOWS[kind];
        if (!file) throw new InputError(`unknown inspection kind "${kind}"; use one of ${Object.keys(WORKFLOWS).join(', ')}`);
        if (!(FAIL_ON as readonly string[]).includes(opts.failOn)) throw new InputError(`--fail-on ${opts.failOn}: use one of ${FAIL_ON.join(', ')}`);
        if (!opts.inventory && (kind === 'host' || kind === 'node')) throw new InputError(`patrol inspect ${kind} needs --inventory (an Ansible inventory file or directory)`);
        // A host or node inspection resolves these same inventories first thing; the CLI starts that now.
        const stopPrefetch = opts.inventory && (kind === 'host' || kind === 'node') ? prefetchInventoryHosts([opts.inventory], opts.limit ? { limit: opts.limit } : {}) : () => undefined;
        try {
          return await inspect(kind, file, opts);
        } finally {
          stopPrefetch();
        }
      }),
    );
}

async function inspect(kind: string, file: string, opts: InspectOptions): Promise<number> {
  const [{ driveRun }, { printJson }, { inspectionJson, printInspectionSummary }, { staleRunsHint }, { printReportOutcome }, { openRuntime }, { loadWorkflowFile }, { silentLogger }, { builtinCatalog }, { inspectionConfigFor }, { summarizeInspection }, { clusterCliParams }] = await loadEngineParts();
  // Kubernetes options are checked before anything starts (bad kubeconfig or context: exit 2).
  const k8s = kind === 'cluster' || kind === 'all' ? await clusterCliParams(kind, opts) : { params: {} as Record<string, unknown>, name: undefined };
  const rt = await openRuntime({ logger: silentLogger() });
  try {
    // Validate the config before anything runs (exit 2 on a bad file), and name the inspection.
    const config = await inspectionConfigFor({ ...(opts.config ? { config: opts.config } : {}), inventory: opts.inventory ? [opts.inventory] : k8s.name ? [k8s.name] : [], kind, catalog: builtinCatalog() });
    const def = await loadWorkflowFile(join(rt.paths.workflows, file), rt.registry);
    await staleRunsHint(rt);
    rt.engine.start();
    const params = { ...(kind === 'cluster' ? {} : { inventory: opts.inventory ?? '', limit: opts.limit ?? '' }), config: opts.config ?? '', ...k8s.params, ...(opts.reportTo ? { reportTo: opts.reportTo.split(',').map((a) => a.trim()).filter(Boolean) } : {}) };
    let runId = '';
    await driveRun(
      rt,
      (onCreated) =>
        rt.engine.trigger(def, {
          params,
          trigger: 'cli',
          inspection: config.metadata.name,
          labels: { 'patrol.dev/kind': kind, ...config.metadata.labels },
          onCreated: (run, wf) => {
            runId = run.id;
            onCreated(run, wf);
          },
        }),
      { json: true, quiet: opts.json ?? false, silent: true },
    );
    const summary = await summarizeInspection(rt.store, runId);
    if (summary.run.status !== 'succeeded') {
      // The inspection itself broke (not findings): say why and exit 2.
      process.stderr.write(`inspection ${summary.run.status}: ${summary.run.reason ?? 'unknown reason'}\n(patrol logs ${runId} shows the details)\n`);
      if (opts.json) printJson(inspectionJson(summary, kind));
      await printReportOutcome(rt.store, runId);
      return EXIT.invalid;
    }
    if (opts.json) printJson(inspectionJson(summary, kind));
    else printInspectionSummary(summary);
    await printReportOutcome(rt.store, runId);
    if (opts.failOn === 'never') return EXIT.ok;
    const limit = severityRank(opts.failOn as Severity);
    return summary.findings.some((f) => !f.exemption && f.severity !== 'info' && severityRank(f.severity) >= limit) ? EXIT.failed : EXIT.ok;
  } finally {
    await rt.close();
  }
}
