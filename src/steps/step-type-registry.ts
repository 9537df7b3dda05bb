import { ConflictError, NotFoundError } from '../errors/index.js';
import type { AnyStepType } from './step-type.js';

/** The one place step types are looked up. Duplicate and unknown names are errors that say what exists. */
export class StepTypeRegistry {
  private readonly types = new Map<string, AnyStepType>();

  register(stepType: AnyStepType): this {
    if (this.types.has(stepType.type)) {
      throw new ConflictError(`step type "${stepType.type}" is already registered`, { type: stepType.type });
    }
    this.types.set(stepType.type, stepType);
    return this;
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  get(type: string): AnyStepType {
    const found = this.types.get(type);
    if (!found) {
      throw new NotFoundError(`unknown step type "${type}"; known types: ${this.names().join(', ')}`, { type, known: this.names() });
    }
    return found;
  }

  names(): string[] {
    return [...this.types.keys()].sort();
  }

  list(): AnyStepType[] {
    return this.names().map((n) => this.types.get(n)!);
  }
}
