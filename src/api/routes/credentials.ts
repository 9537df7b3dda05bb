import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { epochMs, pageOf, pagingQuery } from '../schemas/common.js';
import { DEFAULT_LIMIT, V1 } from './helpers.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { CREDENTIAL_TYPES, type CredentialMetadata } from '../../credentials/credential.js';
import { NotFoundError } from '../../errors/index.js';

export const credentialSchema = z
  .object({ name: z.string(), type: z.enum(CREDENTIAL_TYPES), description: z.string().optional(), username: z.string().optional(), fieldNames: z.array(z.string()), createdAt: epochMs, updatedAt: epochMs })
  .meta({ id: 'Credential', description: 'Metadata only: secret values are never returned' });

const nameParam = z.object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, '1-128 letters, digits, "_", "." or "-"') }).strict();
const fields = z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'field names are letters, digits, "_", "." or "-"'), z.string().max(256 * 1024)).meta({ description: 'secret fields (write-only): never returned, logged or audited' });

function json(m: CredentialMetadata): z.infer<typeof credentialSchema> {
  return m;
}

/**
 * Credentials, write-only: metadata can be read (credentials.read), values can be written
 * (credentials.write) and are never returned, logged, audited or echoed in errors.
 */
export function credentialRoutes(deps: ApiDeps): AnyRoute[] {
  const put = async (name: string, body: { type: string; fields: Record<string, string>; description?: string | undefined }) =>
    deps.credentials.put({ name, type: body.type, fields: body.fields, ...(body.description !== undefined ? { description: body.description } : {}) });
  return [
    defineRoute({
      method: 'get',
      path: `${V1}/credentials`,
      tag: 'credentials',
      summary: 'Credential metadata by name (never secret values)',
      access: 'credentials.read',
      query: z.object({ ...pagingQuery }).strict(),
      response: pageOf(credentialSchema),
      async handler({ query }) {
        const after = decodeCursor(query.cursor);
        const limit = query.limit ?? DEFAULT_LIMIT;
        const all = (await deps.credentials.list()).filter((c) => after === undefined || c.name > after);
        const items = all.slice(0, limit);
        return { items: items.map(json), next: all.length > limit ? encodeCursor(items[items.length - 1]!.name) : null };
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/credentials`,
      tag: 'credentials',
      summary: 'Create or replace a credential (its values are write-only)',
      access: 'credentials.write',
      body: z.object({ name: nameParam.shape.name, type: z.enum(CREDENTIAL_TYPES), fields, description: z.string().max(1000).optional() }).strict(),
      response: credentialSchema,
      status: 201,
      audit: { action: 'credentials.write', resourceType: 'credential' },
      async handler({ body, audit }) {
        audit.resourceId = body.name;
        audit.details = { type: body.type, fieldNames: Object.keys(body.fields).sort() };
        return json(await put(body.name, body));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/credentials/:name`,
      tag: 'credentials',
      summary: 'Metadata of a credential (never its values)',
      access: 'credentials.read',
      params: nameParam,
      response: credentialSchema,
      async handler({ params }) {
        const m = await deps.credentials.metadata(params.name);
        if (!m) throw new NotFoundError(`credential ${params.name} not found`, { credential: params.name });
        return json(m);
      },
    }),
    defineRoute({
      method: 'put',
      path: `${V1}/credentials/:name`,
      tag: 'credentials',
      summary: 'Create or replace a credential by name (its values are write-only)',
      access: 'credentials.write',
      params: nameParam,
      body: z.object({ type: z.enum(CREDENTIAL_TYPES), fields, description: z.string().max(1000).optional() }).strict(),
      response: credentialSchema,
      audit: { action: 'credentials.write', resourceType: 'credential' },
      async handler({ params, body, audit }) {
        audit.resourceId = params.name;
        audit.details = { type: body.type, fieldNames: Object.keys(body.fields).sort() };
        return json(await put(params.name, body));
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${V1}/credentials/:name`,
      tag: 'credentials',
      summary: 'Delete a credential (steps that use it then fail clearly)',
      access: 'credentials.write',
      params: nameParam,
      response: null,
      audit: { action: 'credentials.delete', resourceType: 'credential' },
      async handler({ params, audit }) {
        audit.resourceId = params.name;
        if (!(await deps.credentials.delete(params.name))) throw new NotFoundError(`credential ${params.name} not found`, { credential: params.name });
      },
    }),
  ];
}
