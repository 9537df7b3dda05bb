import { StepTypeRegistry } from '../step-type-registry.js';
import { noopStepType } from './noop.js';
import { sleepStepType } from './sleep.js';
import { shellStepType } from './shell.js';

/**
 * Every built-in step type, registered in one place. Adding a type is one new module in this
 * folder plus one line here (see docs/step-types.md).
 */
export function registerBuiltinStepTypes(registry: StepTypeRegistry): StepTypeRegistry {
  return registry.register(noopStepType).register(sleepStepType).register(shellStepType);
}

export function builtinRegistry(): StepTypeRegistry {
  return registerBuiltinStepTypes(new StepTypeRegistry());
}
