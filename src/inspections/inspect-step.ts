import { z } from 'zod';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineStepType, type StepContext, type StepType } from '../steps/step-type.js';
import { ansibleStepInputSchema, type AnsibleStepInput } from '../ansible/ansible-step-input.js';
import type { AnsibleStepOutput } from '../ansible/ansible-step-output.js';
import { listInventoryHosts, type InventoryHost } from '../ansible/inventory-hosts.js';
import { NonRetryableError } from '../errors/index.js';
import { SEVERITIES, type Severity } from '../findings/finding.js';
import { parseDuration } from '../util/duration.js';
import type { CheckCatalog } from './check-catalog.js';
import { INSPECTION_KINDS, type CollectRequest, type CollectorRegistry } from './collectors/collector.js';
import { mergeAnsibleOutputs } from './collectors/merge-ansible-outputs.js';
import { inspectionConfigFor } from './config/load-inspection-config.js';
import { YamlFileInvalidError } from '../config/load-yaml-file.js';
import { evaluateChecks } from './evaluate-checks.js';
import type { FindingHistory } from './history.js';
import { scoreFindings } from './score.js';
import { materializeInventories, type InventoryResolver } from '../inventories/stored-inventory.js';

export interface InspectStepDeps {
  catalog: CheckCatalog;
  collectors: CollectorRegistry;
  /** The ansible step type, whose run() collectors reuse (one implementation of Ansible handling). */
  ansible: StepType<AnsibleStepInput, AnsibleStepOutput>;
  /** Earlier findings, for trends; without it, trend checks see no history. */
  history?: FindingHistory;
  playbooksDir: string;
  /** Writes `store:NAME` inventories (stored in Patrol) into the work directory. */
  inventories?: InventoryResolver;
}

const noHistory: FindingHistory = { values: async () => [], last: async () => undefined };

/** The step's context with another (created) work directory. */
function withWorkDir(ctx: StepContext, dir: string): StepContext {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return Object.create(ctx, { workDir: { value: dir, enumerable: true } }) as StepContext;
}

const inputSchema = z
  .object({
    /** What to inspect: host, node (cluster nodes over SSH), app or db. */
    kind: z.enum(INSPECTION_KINDS),
    /** Ansible inventory file(s) or directory. */
    inventory: z.union([z.string(), z.array(z.string().min(1))]).optional(),
    /** InspectionConfig YAML (thresholds, overrides, exemptions, applications, databases). "" = defaults. */
    config: z.string().optional(),
    /** Ansible --limit pattern ("" = all hosts). */
    limit: z.string().optional(),
  })
  .strict();

const counts = z.record(z.enum(SEVERITIES), z.number());

/**
 * The `inspect` step type: collects measurements for one inspection kind (through Ansible or
 * directly), judges them with the check catalog, and reports the findings. It fails only when the
 * tool itself cannot work (bad config, no Ansible); problems found are findings, not failures.
 */
export function createInspectStepType(deps: InspectStepDeps) {
  return defineStepType({
    type: 'inspect',
    description: 'Runs an inspection (host, node, app or db): collects measurements through Ansible playbooks and clients, judges them with the check catalog and reports findings with evidence.',
    input: inputSchema,
    output: z.object({
      kind: z.string(),
      inspection: z.string(),
      targets: z.number(),
      findings: z.number(),
      bySeverity: counts,
      score: z.number(),
      grade: z.string(),
    }),
    defaults: { timeout: '2h' },
    // Collection only reads: an interrupted inspection can run again.
    retrySafe: true,
    examples: [{ description: 'Inspect hosts of an inventory with a config', with: { kind: 'host', inventory: 'inventories/prod.ini', config: 'patrol.yaml' } }],
    async run(ctx, input) {
      // Workflows pass optional params as "" (a param always has a value): treat it as absent.
      const listed = (input.inventory === undefined ? [] : Array.isArray(input.inventory) ? input.inventory : [input.inventory]).filter((i) => i !== '');
      const inventory = await materializeInventories(listed, deps.inventories, { namespace: ctx.run.namespace, dir: ctx.workDir, log: (m) => ctx.log.info(m) });
      if (input.config === '') delete input.config;
      if (input.limit === '') delete input.limit;
      let config;
      try {
        config = await inspectionConfigFor({ ...(input.config ? { config: input.config } : {}), inventory, kind: input.kind, catalog: deps.catalog });
      } catch (err) {
        if (err instanceof YamlFileInvalidError) throw new NonRetryableError(err.message, { code: 'invalid-config' });
        throw err;
      }
      let hostsCache: Promise<InventoryHost[]> | undefined;
      const inventoryHosts = () => (hostsCache ??= inventory.length === 0 ? Promise.resolve([]) : listInventoryHosts(inventory, { ...(input.limit ? { limit: input.limit } : {}), signal: ctx.signal }));
      const coll = config.spec.collection;
      let ansibleRuns = 0;
      const runPlaybook: CollectRequest['runPlaybook'] = async (req) => {
        const hosts = await inventoryHosts();
        // A collector's own host list (e.g. one pseudo-host per database) sizes its forks itself.
        const forks = coll.forks ?? req.forks ?? Math.min(Math.max(hosts.length, 1), 50);
        const inv = req.inventory ?? inventory;
        const base: Record<string, unknown> = {
          ...req,
          // An empty list is no inventory (db/app runs without one use `hosts` only).
          inventory: inv.length > 0 ? inv : undefined,
          forks,
          allowFailedHosts: true,
          // Collection playbooks are one task per host (with pipelining one SSH connection): a
          // ControlPersist master would only be set up and then closed (0.2-0.6 s per run, measured).
          sshControlPersist: false,
          ...(coll.credential ? { credential: coll.credential } : {}),
          ...(coll.becomeCredential ? { becomeCredential: coll.becomeCredential } : {}),
          ...(coll.become !== undefined ? { become: coll.become } : {}),
          env: { PATROL_EVENT_RESULT_LIMIT: String(4 * 1024 * 1024), ...(req.env ?? {}) },
          // Collection results are the measurements: keep them all (the step's default keeps 1 MiB).
          registeredLimit: 256 * 1024 * 1024,
        };
        // Slicing splits the inventory; a collector that lists its own hosts (databases) runs whole.
        const slices = req.hosts ? 1 : Math.min(coll.slices ?? 1, Math.max(1, hosts.length));
        const limits: (string | undefined)[] =
          slices > 1 ? Array.from({ length: slices }, (_, i) => hosts.filter((_, j) => j % slices === i).map((h) => h.name).join(',')) : [input.limit];
        const parts = await Promise.all(
          limits.map(async (limit) => {
            const parsed = ansibleStepInputSchema.parse({ ...base, ...(limit ? { limit } : {}), ...(slices > 1 ? { forks: Math.max(1, Math.ceil(forks / slices)) } : {}) });
            // Each ansible-playbook run gets a work directory of its own (extra vars, ansible.cfg,
            // SSH control sockets): runs at the same time (slices, a collector's parallel runs)
            // must not overwrite each other's files or close each other's SSH masters.
            const n = ansibleRuns++;
            return deps.ansible.run(n === 0 ? ctx : withWorkDir(ctx, join(ctx.workDir, `ansible-run-${n}`)), parsed);
          }),
        );
        return mergeAnsibleOutputs(parts);
      };
      const collector = deps.collectors.get(input.kind);
      ctx.log.info(`inspection ${config.metadata.name}: collecting ${input.kind} measurements (section timeout ${parseDuration(coll.sectionTimeout)} ms)`);
      const measurements = await collector.collect({ ctx, config, inventory, ...(input.limit ? { limit: input.limit } : {}), runPlaybook, inventoryHosts, playbooksDir: deps.playbooksDir });
      const findings = await evaluateChecks({ catalog: deps.catalog, config, measurements, history: deps.history ?? noHistory, now: Date.now() });
      ctx.findings.report(findings);
      const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
      for (const f of findings) if (!f.exemption) bySeverity[f.severity]++;
      const score = scoreFindings(findings);
      ctx.log.info(`inspection ${config.metadata.name}: ${measurements.length} targets, ${findings.length} findings, score ${score.overall.value} (${score.overall.grade})`);
      return {
        kind: input.kind,
        inspection: config.metadata.name,
        targets: measurements.length,
        findings: findings.length,
        bySeverity,
        score: score.overall.value,
        grade: score.overall.grade,
      };
    },
  });
}
