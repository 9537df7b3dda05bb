import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { epochMs, namespaceName, pageOf, pagingQuery, qInt, resourceName } from '../schemas/common.js';
import { DEFAULT_LIMIT, namespacesFor, V1 } from './helpers.js';
import { decodeNumberCursor, decodePairCursor, encodeCursor } from '../cursor.js';
import { INVENTORY_FORMATS, type StoredInventorySummary } from '../../store/inventories-repository.js';
import { MAX_INVENTORY_BYTES } from '../../inventories/inventory-service.js';

export const inventorySummarySchema = z
  .object({
    namespace: z.string(),
    name: z.string(),
    version: z.number().int(),
    format: z.enum(INVENTORY_FORMATS),
    description: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: epochMs,
    /** How steps refer to it: inventory: store:NAME (in the run's namespace). */
    ref: z.string(),
  })
  .meta({ id: 'InventorySummary' });

export const inventorySchema = inventorySummarySchema.extend({ content: z.string() }).meta({ id: 'Inventory' });

const invParams = z.object({ namespace: namespaceName, name: resourceName }).strict();
const content = z.string().min(1).max(MAX_INVENTORY_BYTES);

function summary(i: StoredInventorySummary): z.infer<typeof inventorySummarySchema> {
  return { namespace: i.namespace, name: i.name, version: i.version, format: i.format, description: i.description, createdBy: i.createdBy, createdAt: i.createdAt, ref: `store:${i.name}` };
}

/** Ansible inventories stored in Patrol (INI or YAML, versioned); steps use them as `inventory: store:NAME`. */
export function inventoryRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: `${V1}/inventories`,
      tag: 'inventories',
      summary: 'Inventories (latest versions) by namespace and name',
      access: 'inventories.read',
      query: z.object({ namespace: namespaceName.optional(), ...pagingQuery }).strict(),
      response: pageOf(inventorySummarySchema),
      async handler({ query, actor }) {
        const namespaces = namespacesFor(actor, 'inventories.read', query.namespace);
        const after = decodePairCursor(query.cursor);
        const page = await deps.inventories.list({ limit: query.limit ?? DEFAULT_LIMIT, ...(namespaces ? { namespaces } : {}), ...(after ? { after } : {}) });
        return { items: page.items.map(summary), next: encodeCursor(page.next) };
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/inventories`,
      tag: 'inventories',
      summary: 'Store a new inventory (version 1)',
      access: 'inventories.edit',
      body: z.object({ namespace: namespaceName.default('default'), name: resourceName, format: z.enum(INVENTORY_FORMATS), content, description: z.string().max(1000).nullable().optional() }).strict(),
      response: inventorySchema,
      status: 201,
      audit: { action: 'inventories.create', resourceType: 'inventory' },
      async handler({ body, actor, authorize, audit }) {
        audit.namespace = body.namespace;
        audit.resourceId = `${body.namespace}/${body.name}`;
        authorize('inventories.edit', body.namespace);
        const inv = await deps.inventories.create(body, actor.name);
        audit.details = { version: inv.version, format: inv.format, bytes: Buffer.byteLength(inv.content) };
        return { ...summary(inv), content: inv.content };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/inventories/:namespace/:name`,
      tag: 'inventories',
      summary: 'An inventory with its content (the latest version, or ?version=N)',
      access: 'inventories.read',
      params: invParams,
      query: z.object({ version: qInt(1, 1_000_000).optional() }).strict(),
      response: inventorySchema,
      async handler({ params, query, authorize }) {
        authorize('inventories.read', params.namespace);
        const inv = await deps.inventories.get(params.namespace, params.name, query.version);
        return { ...summary(inv), content: inv.content };
      },
    }),
    defineRoute({
      method: 'put',
      path: `${V1}/inventories/:namespace/:name`,
      tag: 'inventories',
      summary: 'Add a version of an inventory (created when new; unchanged content adds nothing)',
      access: 'inventories.edit',
      params: invParams,
      body: z.object({ format: z.enum(INVENTORY_FORMATS), content, description: z.string().max(1000).nullable().optional() }).strict(),
      response: inventorySchema.extend({ created: z.boolean() }),
      audit: { action: 'inventories.update', resourceType: 'inventory' },
      async handler({ params, body, actor, authorize, audit }) {
        audit.namespace = params.namespace;
        audit.resourceId = `${params.namespace}/${params.name}`;
        authorize('inventories.edit', params.namespace);
        const inv = await deps.inventories.update(params.namespace, params.name, body, actor.name);
        audit.details = { version: inv.version, created: inv.created, format: inv.format, bytes: Buffer.byteLength(inv.content) };
        return { ...summary(inv), content: inv.content, created: inv.created };
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${V1}/inventories/:namespace/:name`,
      tag: 'inventories',
      summary: 'Delete an inventory and all its versions',
      access: 'inventories.edit',
      params: invParams,
      response: null,
      audit: { action: 'inventories.delete', resourceType: 'inventory' },
      async handler({ params, authorize, audit }) {
        audit.namespace = params.namespace;
        audit.resourceId = `${params.namespace}/${params.name}`;
        authorize('inventories.edit', params.namespace);
        audit.details = { versions: await deps.inventories.delete(params.namespace, params.name) };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/inventories/:namespace/:name/versions`,
      tag: 'inventories',
      summary: 'Versions of an inventory, newest first',
      access: 'inventories.read',
      params: invParams,
      query: z.object({ ...pagingQuery }).strict(),
      response: pageOf(inventorySummarySchema),
      async handler({ params, query, authorize }) {
        authorize('inventories.read', params.namespace);
        const before = decodeNumberCursor(query.cursor);
        const page = await deps.inventories.versions(params.namespace, params.name, { limit: query.limit ?? DEFAULT_LIMIT, ...(before !== undefined ? { before } : {}) });
        return { items: page.items.map(summary), next: encodeCursor(page.next) };
      },
    }),
  ];
}
