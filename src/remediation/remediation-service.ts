import type { Store } from '../store/store.js';
import type { Engine, TriggerOptions } from '../engine/engine.js';
import type { RunRecord } from '../store/records.js';
import type { Finding } from '../findings/finding.js';
import type { CheckCatalog } from '../inspections/check-catalog.js';
import type { WorkflowResolver } from '../scheduler/workflow-resolver.js';
import { ConflictError, InputError, NotFoundError } from '../errors/index.js';
import { databaseParam } from './database-param.js';
import { kubernetesParams } from './kubernetes-params.js';

export interface RemediationRequest {
  findingId: string;
  /** Inventory for the runbook; default: the inventory of the inspection that found it. */
  inventory?: string;
  /** InspectionConfig for the re-check; default: the one of the inspection that found it. */
  config?: string;
  /** Skip the approval (only for automatic remediations that a rule allows to run unattended). */
  autoApprove?: boolean;
  /** Runbook params as command-line strings (converted to their declared types). */
  params?: Record<string, string>;
  startedBy?: string;
  automatic?: boolean;
  /** Limits of the circuit breaker for this automatic remediation; default: the service's. */
  breaker?: CircuitBreaker;
  dryRun?: boolean;
  onCreated?: TriggerOptions['onCreated'];
}

export interface CircuitBreaker {
  /** Automatic remediations allowed per target per window. @defaultValue 3 */
  maxRuns: number;
  /** @defaultValue 24 h */
  windowMs: number;
}

/** The finding as a runbook sees it (params.finding). */
export function findingParam(f: Finding): Record<string, unknown> {
  return {
    id: f.id,
    check: f.check,
    category: f.category,
    target: f.target,
    host: f.host ?? f.target,
    severity: f.severity,
    value: f.value ?? null,
    unit: f.unit ?? null,
    threshold: typeof f.threshold === 'object' && f.threshold !== null ? f.threshold : {},
    message: f.message,
    fingerprint: f.fingerprint,
    details: f.details ?? {},
    runId: f.runId,
  };
}

/**
 * Starts the runbook that fixes a finding, scoped to its target: the check names its runbook
 * (workflows/), which by convention takes `finding`, `host`, `inventory`, `config` and
 * `autoApprove` params and runs dry run -> approval with the plan and evidence -> change ->
 * re-check. Automatic remediations go through a circuit breaker per target.
 */
export class RemediationService {
  constructor(
    private readonly deps: { store: Store; engine: Engine; catalog: CheckCatalog; workflows: WorkflowResolver; clock?: () => number; breaker?: CircuitBreaker },
  ) {}

  async resolveFindingId(idOrPrefix: string): Promise<string> {
    const id = idOrPrefix.trim().toLowerCase();
    const matches = await this.deps.store.findings.resolveId(id);
    if (matches.length === 0) throw new NotFoundError(`no finding with id ${idOrPrefix} (see: patrol inspect ... --json, or the report)`, { finding: idOrPrefix });
    if (matches.length > 1 && !matches.includes(id)) throw new InputError(`finding id prefix "${idOrPrefix}" is ambiguous`, { field: 'finding' });
    return matches.includes(id) ? id : matches[0]!;
  }

  async start(req: RemediationRequest): Promise<RunRecord> {
    const now = (this.deps.clock ?? Date.now)();
    const finding = await this.deps.store.findings.get(req.findingId);
    if (!finding) throw new NotFoundError(`finding ${req.findingId} not found`, { finding: req.findingId });
    if (finding.severity === 'ok' || finding.severity === 'info') throw new ConflictError(`finding ${finding.id} (${finding.check} on ${finding.target}) is ${finding.severity}: there is nothing to fix`, { finding: finding.id });
    const check = this.deps.catalog.has(finding.check) ? this.deps.catalog.get(finding.check) : undefined;
    const workflowName = finding.remediationWorkflow ?? check?.remediationWorkflow;
    if (!workflowName) throw new NotFoundError(`check ${finding.check} has no remediation runbook; fix it by hand: ${finding.remediation ?? check?.remediation ?? 'no hint'}`, { check: finding.check });
    if (req.automatic) {
      const b = req.breaker ?? this.deps.breaker ?? { maxRuns: 3, windowMs: 86_400_000 };
      const recent = await this.deps.store.remediations.countForTarget(finding.target, now - b.windowMs, { automaticOnly: true });
      if (recent >= b.maxRuns) throw new ConflictError(`circuit breaker: ${recent} automatic remediations of ${finding.target} in the last ${Math.round(b.windowMs / 3_600_000)} h (limit ${b.maxRuns}); a person has to look at it`, { target: finding.target, recent });
    }
    const source = await this.deps.store.runs.getRun(finding.runId);
    const sourceParams = source?.params ?? {};
    const def = await this.deps.workflows.resolve(source?.namespace ?? 'default', workflowName);
    const declared = new Set(def.spec.params.map((p) => p.name));
    const candidates: Record<string, unknown> = {
      finding: findingParam(finding),
      host: finding.host ?? finding.target,
      inventory: req.inventory ?? (typeof sourceParams.inventory === 'string' ? sourceParams.inventory : ''),
      config: req.config ?? (typeof sourceParams.config === 'string' ? sourceParams.config : ''),
      autoApprove: req.autoApprove ?? false,
    };
    if (declared.has('database')) candidates.database = await databaseParam(finding, String(candidates.config), this.deps.catalog);
    // Kubernetes runbooks (they declare `workload`): the pod's namespace and workload, and the cluster the inspection read.
    if (declared.has('workload')) {
      const kind = req.params?.kind ?? def.spec.params.find((p) => p.name === 'kind')?.default;
      Object.assign(candidates, kubernetesParams(finding, typeof kind === 'string' ? kind : 'Deployment', sourceParams, req.params));
    }
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(candidates)) if (declared.has(k)) params[k] = v;
    for (const [k, v] of Object.entries(req.params ?? {})) params[k] = v;
    const run = await this.deps.engine.trigger(def, {
      params,
      paramsFromStrings: true,
      trigger: req.automatic ? 'auto-remediation' : 'remediation',
      ...(req.startedBy ? { triggeredBy: req.startedBy } : {}),
      labels: { 'patrol.dev/remediates': finding.fingerprint, 'patrol.dev/check': finding.check },
      dryRun: req.dryRun ?? false,
      ...(req.onCreated ? { onCreated: req.onCreated } : {}),
    });
    await this.deps.store.remediations.insert({ runId: run.id, findingId: finding.id, fingerprint: finding.fingerprint, check: finding.check, target: finding.target, workflow: workflowName, automatic: req.automatic ?? false, startedBy: req.startedBy ?? null, startedAt: now });
    return run;
  }
}
