import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { namespaceName, pageOf, pagingQuery, qInt, resourceName } from '../schemas/common.js';
import { validationIssueSchema, workflowDocJson, workflowDocSchema, workflowEntryJson, workflowEntrySchema } from '../schemas/workflows.js';
import { DEFAULT_LIMIT, namespacesFor, V1 } from './helpers.js';
import { decodeCursor, decodeNumberCursor, decodePairCursor, encodeCursor } from '../cursor.js';
import { formatIssue } from '../../workflow/validation-issue.js';
import { MAX_WORKFLOW_BYTES } from '../../workflow-library/workflow-library.js';

const stepTypeSchema = z
  .object({
    type: z.string(),
    description: z.string(),
    /** JSON Schema of the step's `with`. */
    input: z.record(z.string(), z.unknown()),
    defaults: z.object({ timeout: z.string().optional(), retries: z.number().int().optional() }),
    examples: z.array(z.object({ description: z.string(), with: z.record(z.string(), z.unknown()) })),
  })
  .meta({ id: 'StepType' });

const wfParams = z.object({ namespace: namespaceName, name: resourceName }).strict();
const yamlBody = z.object({ yaml: z.string().min(1).max(MAX_WORKFLOW_BYTES) }).strict();

/** Workflows: stored ones (versioned, editable) and built-in ones (read-only); validation as in `patrol validate`. */
export function workflowRoutes(deps: ApiDeps): AnyRoute[] {
  let stepTypes: z.infer<typeof stepTypeSchema>[] | undefined;
  return [
    defineRoute({
      method: 'get',
      path: `${V1}/step-types`,
      tag: 'workflows',
      summary: 'Step types a workflow can use, with the JSON Schema of their input and examples (for editors)',
      access: 'workflows.read',
      query: z.object({ ...pagingQuery }).strict(),
      response: pageOf(stepTypeSchema),
      async handler({ query }) {
        stepTypes ??= deps.registry.list().map((t) => ({
          type: t.type,
          description: t.description,
          input: z.toJSONSchema(t.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
          defaults: { ...(t.defaults.timeout ? { timeout: t.defaults.timeout } : {}), ...(t.defaults.retries !== undefined ? { retries: t.defaults.retries } : {}) },
          examples: t.examples.map((e) => ({ description: e.description, with: e.with })),
        }));
        const after = decodeCursor(query.cursor);
        const rest = stepTypes.filter((t) => after === undefined || t.type > after);
        const items = rest.slice(0, query.limit ?? DEFAULT_LIMIT);
        return { items, next: rest.length > items.length ? encodeCursor(items[items.length - 1]!.type) : null };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/workflows`,
      tag: 'workflows',
      summary: 'Workflows (latest versions) by namespace and name, built-in ones included',
      access: 'workflows.read',
      query: z.object({ namespace: namespaceName.optional(), ...pagingQuery }).strict(),
      response: pageOf(workflowEntrySchema),
      async handler({ query, actor }) {
        const namespaces = namespacesFor(actor, 'workflows.read', query.namespace);
        const after = decodePairCursor(query.cursor);
        const page = await deps.workflows.list({ limit: query.limit ?? DEFAULT_LIMIT, ...(namespaces ? { namespaces } : {}), ...(after ? { after } : {}) });
        return { items: page.items.map(workflowEntryJson), next: encodeCursor(page.next) };
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/workflows/validate`,
      tag: 'workflows',
      summary: 'Validate workflow text: the same issues as `patrol validate`, positioned line:column in the text',
      access: 'workflows.read',
      body: yamlBody,
      response: z.object({ valid: z.boolean(), issues: z.array(validationIssueSchema) }),
      changesNothing: true,
      async handler({ body }) {
        const res = deps.workflows.validate(body.yaml);
        return {
          valid: res.workflow !== undefined,
          issues: res.issues.map((i) => ({ path: i.path, rule: i.rule, message: i.message, ...(i.line !== undefined ? { line: i.line, column: i.column ?? 1 } : {}), formatted: formatIssue(i) })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/workflows`,
      tag: 'workflows',
      summary: 'Store a new workflow (version 1); its namespace and name come from its metadata',
      access: 'workflows.edit',
      body: yamlBody,
      response: workflowDocSchema,
      status: 201,
      audit: { action: 'workflows.create', resourceType: 'workflow' },
      async handler({ body, actor, authorize, audit }) {
        const def = deps.workflows.parse(body.yaml);
        audit.namespace = def.metadata.namespace;
        audit.resourceId = `${def.metadata.namespace}/${def.metadata.name}`;
        authorize('workflows.edit', def.metadata.namespace);
        const doc = await deps.workflows.create(body.yaml, actor.name);
        audit.details = { version: doc.version };
        return workflowDocJson(doc);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/workflows/:namespace/:name`,
      tag: 'workflows',
      summary: 'A workflow: its text, params and steps (the latest version, or ?version=N)',
      access: 'workflows.read',
      params: wfParams,
      query: z.object({ version: qInt(0, 1_000_000).optional() }).strict(),
      response: workflowDocSchema,
      async handler({ params, query, authorize }) {
        authorize('workflows.read', params.namespace);
        return workflowDocJson(await deps.workflows.get(params.namespace, params.name, query.version));
      },
    }),
    defineRoute({
      method: 'put',
      path: `${V1}/workflows/:namespace/:name`,
      tag: 'workflows',
      summary: 'Add a version of a workflow (created when new; text identical to the latest adds nothing)',
      access: 'workflows.edit',
      params: wfParams,
      body: yamlBody,
      response: workflowDocSchema.extend({ created: z.boolean() }),
      audit: { action: 'workflows.update', resourceType: 'workflow' },
      async handler({ params, body, actor, authorize, audit }) {
        audit.namespace = params.namespace;
        audit.resourceId = `${params.namespace}/${params.name}`;
        authorize('workflows.edit', params.namespace);
        const doc = await deps.workflows.update(params.namespace, params.name, body.yaml, actor.name);
        audit.details = { version: doc.version, created: doc.created };
        return { ...workflowDocJson(doc), created: doc.created };
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${V1}/workflows/:namespace/:name`,
      tag: 'workflows',
      summary: 'Delete a stored workflow and all its versions (runs keep their copy of the definition)',
      access: 'workflows.edit',
      params: wfParams,
      response: null,
      audit: { action: 'workflows.delete', resourceType: 'workflow' },
      async handler({ params, authorize, audit }) {
        audit.namespace = params.namespace;
        audit.resourceId = `${params.namespace}/${params.name}`;
        authorize('workflows.edit', params.namespace);
        const n = await deps.workflows.delete(params.namespace, params.name);
        audit.details = { versions: n };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/workflows/:namespace/:name/versions`,
      tag: 'workflows',
      summary: 'Versions of a workflow, newest first',
      access: 'workflows.read',
      params: wfParams,
      query: z.object({ ...pagingQuery }).strict(),
      response: pageOf(workflowEntrySchema),
      async handler({ params, query, authorize }) {
        authorize('workflows.read', params.namespace);
        const before = decodeNumberCursor(query.cursor);
        const page = await deps.workflows.versions(params.namespace, params.name, { limit: query.limit ?? DEFAULT_LIMIT, ...(before !== undefined ? { before } : {}) });
        return { items: page.items.map(workflowEntryJson), next: encodeCursor(page.next) };
      },
    }),
  ];
}
