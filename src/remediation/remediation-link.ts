import type { WorkflowDefinition } from '../workflow/workflow-schema.js';
import type { Engine, TriggerOptions } from '../engine/engine.js';
import type { RunRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { CheckCatalog } from '../inspections/check-catalog.js';
import type { WorkflowResolver } from '../scheduler/workflow-resolver.js';
import { builtinCatalog } from '../inspections/checks/index.js';
import { RemediationService } from './remediation-service.js';

/**
 * What the auto-remediation step types need from the engine, which is built after the step
 * registry: the composition root (openRuntime) fills it in once the engine exists.
 */
export interface RemediationLink {
  service?: RemediationService;
  trigger?: (def: WorkflowDefinition, opts: TriggerOptions) => Promise<RunRecord>;
  waitFor?: (runId: string) => Promise<RunRecord>;
  /** Time for the circuit breaker's window (tests move it). @defaultValue Date.now */
  clock?: () => number;
}

/** Fills in the link once the engine exists (the composition root calls this). */
export function linkRemediation(link: RemediationLink, deps: { store: Store; engine: Engine; workflows: WorkflowResolver; catalog?: CheckCatalog }): RemediationLink {
  link.service = new RemediationService({ store: deps.store, engine: deps.engine, catalog: deps.catalog ?? builtinCatalog(), workflows: deps.workflows, ...(link.clock ? { clock: link.clock } : {}) });
  link.trigger = (def, opts) => deps.engine.trigger(def, opts);
  link.waitFor = (runId) => deps.engine.waitFor(runId);
  return link;
}
