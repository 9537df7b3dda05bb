import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepTypeRegistry } from '../steps/step-type-registry.js';
import type { WorkflowDefinition } from '../workflow/workflow-schema.js';
import { loadWorkflowFile } from '../workflow/validate-workflow.js';
import { NotFoundError } from '../errors/index.js';

/** Finds a workflow definition by name: stored ones (API) first, then the built-ins in workflows/. */
export interface WorkflowResolver {
  resolve(namespace: string, name: string, version?: number | null): Promise<WorkflowDefinition>;
}

/** Built-in workflows: workflows/*.yaml, by metadata.name. */
export function builtinWorkflowResolver(dir: string, registry: StepTypeRegistry, stored?: WorkflowResolver): WorkflowResolver {
  let cache: Map<string, string> | undefined;
  return {
    async resolve(namespace, name, version) {
      if (stored) {
        try {
          return await stored.resolve(namespace, name, version);
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
      if (!cache) {
        cache = new Map();
        for (const f of await readdir(dir)) {
          if (!/\.ya?ml$/.test(f)) continue;
          const def = await loadWorkflowFile(join(dir, f), registry);
          cache.set(def.metadata.name, join(dir, f));
        }
      }
      const file = cache.get(name);
      if (!file) throw new NotFoundError(`workflow "${name}" not found (stored workflows in ${namespace}, built-ins: ${[...cache.keys()].join(', ')})`, { workflow: name });
      return loadWorkflowFile(file, registry);
    },
  };
}
