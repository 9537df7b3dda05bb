import { StepTypeRegistry } from '../step-type-registry.js';
import type { PatrolPaths } from '../../config/paths.js';
import type { FindingHistory } from '../../inspections/history.js';
import type { Store } from '../../store/store.js';
import { compilePatrolConfig, patrolConfigSchema, type PatrolSettings } from '../../config/patrol-config.js';
import { createReportStepType } from '../../reports/report-step.js';
import { createApprovalStepType } from '../../approvals/approval-step.js';
import { createSilenceStepType } from '../../remediation/silence-step.js';
import { createRecheckStepType } from '../../remediation/recheck-step.js';
import { createRemediateStepType } from '../../remediation/remediate-step.js';
import { createAutoRemediateStepType } from '../../remediation/auto-remediate-step.js';
import type { RemediationLink } from '../../remediation/remediation-link.js';
import { createPatrolHealthStepType } from '../../server/health-step.js';
import { noopStepType } from './noop.js';
import { sleepStepType } from './sleep.js';
import { shellStepType } from './shell.js';
import { httpStepType } from './http.js';
import { createSshStepType } from './ssh.js';
import { createAnsibleStepType } from '../../ansible/ansible-step-type.js';
import { createInspectStepType } from '../../inspections/inspect-step.js';
import { builtinCatalog } from '../../inspections/checks/index.js';
import { builtinCollectors } from '../../inspections/collectors/index.js';
import { createInspectClusterStepType } from '../../kubernetes/inspect-cluster-step.js';
import { storeInventoryResolver } from '../../inventories/stored-inventory.js';
import { kubernetesDeployStepTypes } from '../kubernetes/index.js';

/** What built-in step types may depend on; passed in by the composition root. */
export interface BuiltinStepDeps {
  paths: PatrolPaths;
  /** Earlier findings for trend checks (absent when only validating). */
  findingHistory?: FindingHistory;
  /** Patrol's store, for step types that keep state (approvals); absent when only validating. */
  store?: Store;
  /** The global Patrol config (reports, smtp, alerting); default: built-in defaults in paths.home. */
  patrolSettings?: () => Promise<PatrolSettings>;
  /** The engine side of automatic remediation, filled in once the engine exists. */
  remediationLink?: RemediationLink;
}

/**
 * Every built-in step type, registered in one place. Adding a type is one new module plus one
 * line here (see docs/step-types.md).
 */
export function registerBuiltinStepTypes(registry: StepTypeRegistry, deps: BuiltinStepDeps): StepTypeRegistry {
  const inventories = deps.store ? storeInventoryResolver(deps.store) : undefined;
  const ansible = createAnsibleStepType({ pluginsDir: deps.paths.ansiblePlugins, playbooksDir: deps.paths.playbooks, knownHostsFile: deps.paths.knownHosts, ...(inventories ? { inventories } : {}) });
  const inspect = createInspectStepType({
    catalog: builtinCatalog(),
    collectors: builtinCollectors(),
    ansible,
    playbooksDir: deps.paths.playbooks,
    ...(inventories ? { inventories } : {}),
    ...(deps.findingHistory ? { history: deps.findingHistory } : {}),
  });
  // Kubernetes deploy step types (k8s-apply, k8s-wait, k8s-rollback, k8s-job, k8s-delete, helm).
  for (const t of kubernetesDeployStepTypes()) registry.register(t);
  return registry
    .register(noopStepType)
    .register(sleepStepType)
    .register(shellStepType)
    .register(httpStepType)
    .register(createSshStepType({ knownHostsFile: deps.paths.knownHosts }))
    .register(createApprovalStepType({ ...(deps.store ? { store: deps.store } : {}) }))
    .register(ansible)
    .register(createInspectClusterStepType({ catalog: builtinCatalog() }))
    .register(
      createReportStepType({
        ...(deps.store ? { store: deps.store } : {}),
        settings: deps.patrolSettings ?? (async () => compilePatrolConfig(patrolConfigSchema.parse({ apiVersion: 'patrol.dev/v1', kind: 'PatrolConfig' }), { home: deps.paths.home })),
      }),
    )
    .register(inspect)
    .register(createSilenceStepType({ ...(deps.store ? { store: deps.store } : {}) }))
    .register(createRecheckStepType({ inspect }))
    .register(createRemediateStepType({ ...(deps.store ? { store: deps.store } : {}), link: deps.remediationLink ?? {} }))
    .register(createAutoRemediateStepType({ ...(deps.store ? { store: deps.store } : {}), catalog: builtinCatalog(), link: deps.remediationLink ?? {} }))
    .register(createPatrolHealthStepType({ ...(deps.store ? { store: deps.store } : {}) }));
}

export function builtinRegistry(deps: BuiltinStepDeps): StepTypeRegistry {
  return registerBuiltinStepTypes(new StepTypeRegistry(), deps);
}
