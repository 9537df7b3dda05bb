import type { StepContext } from '../../steps/step-type.js';
import type { AnsibleStepInput } from '../../ansible/ansible-step-input.js';
import type { AnsibleStepOutput } from '../../ansible/ansible-step-output.js';
import type { InventoryHost } from '../../ansible/inventory-hosts.js';
import type { InspectionConfig } from '../config/inspection-config.js';
import type { TargetMeasurements } from '../measurement.js';

export const INSPECTION_KINDS = ['host', 'node', 'app', 'db'] as const;
export type InspectionKind = (typeof INSPECTION_KINDS)[number];

/** What a collector gets to do its work. */
export interface CollectRequest {
  ctx: StepContext;
  config: InspectionConfig;
  /** Inventory files/directories given to the inspection (may be empty for db/app-only runs). */
  inventory: string[];
  limit?: string;
  /**
   * Runs a playbook through the ansible step with the inspection's defaults (forks sized to the
   * inventory, pipelining, credentials from the config). Failed and unreachable hosts do not
   * throw: they are in the outputs for the collector to turn into `error` measurements.
   */
  runPlaybook(input: Omit<AnsibleStepInput, 'inventory'> & { inventory?: string[] }): Promise<AnsibleStepOutput>;
  /** Inventory hosts and their groups after `limit` (cached). */
  inventoryHosts(): Promise<InventoryHost[]>;
  /** Patrol's playbooks/ directory. */
  playbooksDir: string;
}

/**
 * Gathers raw measurements for one inspection kind. Collectors never judge: they return sections
 * of data (or why a section could not be measured) for the check catalog to evaluate.
 */
export interface Collector {
  kind: InspectionKind;
  /** Names of the measurement sets it produces (what checks name as source.collector). */
  produces: string[];
  collect(req: CollectRequest): Promise<TargetMeasurements[]>;
}

/** One collector per kind, looked up by kind; no kind-specific branching elsewhere. */
export class CollectorRegistry {
  private readonly byKind = new Map<InspectionKind, Collector>();

  register(c: Collector): this {
    if (this.byKind.has(c.kind)) throw new Error(`a collector for "${c.kind}" is already registered`);
    this.byKind.set(c.kind, c);
    return this;
  }

  get(kind: InspectionKind): Collector {
    const c = this.byKind.get(kind);
    if (!c) throw new Error(`no collector for inspection kind "${kind}" (known: ${[...this.byKind.keys()].join(', ')})`);
    return c;
  }

  kinds(): InspectionKind[] {
    return [...this.byKind.keys()];
  }
}
