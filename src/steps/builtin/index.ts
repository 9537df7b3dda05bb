import { StepTypeRegistry } from '../step-type-registry.js';
import type { PatrolPaths } from '../../config/paths.js';
import { noopStepType } from './noop.js';
import { sleepStepType } from './sleep.js';
import { shellStepType } from './shell.js';

/** What built-in step types may depend on; passed in by the composition root. */
export interface BuiltinStepDeps {
  paths: PatrolPaths;
}

/**
 * Every built-in step type, registered in one place. Adding a type is one new module in this
 * folder plus one line here (see docs/step-types.md).
 */
export function registerBuiltinStepTypes(registry: StepTypeRegistry, _deps: BuiltinStepDeps): StepTypeRegistry {
  return registry.register(noopStepType).register(sleepStepType).register(shellStepType);
}

export function builtinRegistry(deps: BuiltinStepDeps): StepTypeRegistry {
  return registerBuiltinStepTypes(new StepTypeRegistry(), deps);
}
