import { z } from 'zod';
import { epochMs } from './common.js';
import type { WorkflowDocument, WorkflowEntry } from '../../workflow-library/workflow-library.js';

export const workflowEntrySchema = z
  .object({
    namespace: z.string(),
    name: z.string(),
    /** Stored workflows count from 1; built-in ones are version 0 (read-only). */
    version: z.number().int(),
    source: z.enum(['stored', 'builtin']),
    description: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: epochMs.nullable(),
  })
  .meta({ id: 'WorkflowSummary' });

export const workflowDocSchema = workflowEntrySchema
  .extend({
    yaml: z.string(),
    /** Declared params (a console builds its run form from these). */
    params: z.array(z.object({ name: z.string(), type: z.string(), required: z.boolean(), default: z.unknown().optional(), description: z.string().optional(), secret: z.boolean(), enum: z.array(z.union([z.string(), z.number()])).optional() })),
    steps: z.array(z.object({ name: z.string(), type: z.string(), phase: z.enum(['main', 'finally']), needs: z.array(z.string()), description: z.string().optional() })),
  })
  .meta({ id: 'Workflow' });

export const validationIssueSchema = z
  .object({ path: z.string(), rule: z.string(), message: z.string(), line: z.number().int().optional(), column: z.number().int().optional(), formatted: z.string() })
  .meta({ id: 'ValidationIssue' });

export function workflowEntryJson(e: WorkflowEntry): z.infer<typeof workflowEntrySchema> {
  return { namespace: e.namespace, name: e.name, version: e.version, source: e.source, description: e.description, createdBy: e.createdBy, createdAt: e.createdAt };
}

export function workflowDocJson(d: WorkflowDocument): z.infer<typeof workflowDocSchema> {
  const spec = d.definition.spec;
  return {
    ...workflowEntryJson(d),
    yaml: d.yaml,
    params: spec.params.map((p) => ({
      name: p.name,
      type: p.type,
      required: p.required,
      ...(p.default !== undefined ? { default: p.default } : {}),
      ...(p.description ? { description: p.description } : {}),
      secret: p.secret,
      ...(p.enum ? { enum: p.enum } : {}),
    })),
    steps: [...spec.steps.map((s) => ({ s, phase: 'main' as const })), ...spec.finally.map((s) => ({ s, phase: 'finally' as const }))].map(({ s, phase }) => ({ name: s.name, type: s.type, phase, needs: s.needs, ...(s.description ? { description: s.description } : {}) })),
  };
}
