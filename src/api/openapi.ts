import { z } from 'zod';
import { isStream, openApiPath, type AnyRoute } from './route.js';
import { errorSchema } from './schemas/common.js';
import { PERMISSIONS } from '../auth/permissions.js';

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: Json;
  servers: Json[];
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; securitySchemes: Json; responses: Json };
  tags: Json[];
  'x-permissions': Record<string, string>;
}

/**
 * The OpenAPI 3.1 document, generated from the same route table as the express handlers, so the
 * two cannot drift. Schemas with a zod `id` become components; error responses share one schema.
 */
export function buildOpenApi(routes: readonly AnyRoute[], info: { version: string; serverUrl?: string }): OpenApiDocument {
  const components: Record<string, Json> = {};
  const convert = (schema: z.ZodType, io: 'input' | 'output'): Json => {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as Json;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, Json>;
    delete json.$defs;
    const renamed = new Map<string, string>();
    for (const [id, def] of Object.entries(defs)) {
      let name = id;
      const existing = components[name];
      if (existing && JSON.stringify(existing) !== JSON.stringify(rewriteRefs(def, renamed))) name = `${id}${io === 'input' ? 'Input' : 'Output'}`;
      renamed.set(id, name);
    }
    for (const [id, def] of Object.entries(defs)) components[renamed.get(id)!] = rewriteRefs(def, renamed) as Json;
    return rewriteRefs(json, renamed) as Json;
  };
  const errorJson = convert(errorSchema, 'output');

  const paths: Record<string, Record<string, Json>> = {};
  const tags = new Set<string>();
  for (const r of routes) {
    tags.add(r.tag);
    const parameters: Json[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const obj = convert(schema, 'input');
      const props = (obj.properties ?? {}) as Record<string, Json>;
      const required = new Set((obj.required ?? []) as string[]);
      for (const [name, s] of Object.entries(props)) {
        const description = typeof s.description === 'string' ? s.description : undefined;
        parameters.push({ name, in: where, required: where === 'path' || required.has(name), schema: s, ...(description ? { description } : {}) });
      }
    }
    const op: Json = {
      operationId: operationId(r),
      tags: [r.tag],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      'x-permission': r.access,
      security: r.access === 'public' ? [] : [{ bearerToken: [] }, { sessionCookie: [] }],
      ...(parameters.length ? { parameters } : {}),
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: convert(r.body, 'input') } } };
    const responses: Json = {};
    if (r.response === null) responses['204'] = { description: 'done' };
    else if (isStream(r.response)) responses[String(r.status ?? 200)] = { description: r.response.description, content: { [r.response.stream]: { schema: { type: 'string' } } } };
    else responses[String(r.status ?? 200)] = { description: 'success', content: { 'application/json': { schema: convert(r.response, 'output') } } };
    if (r.params || r.query || r.body) responses['400'] = { $ref: '#/components/responses/InvalidInput' };
    if (r.access !== 'public') responses['401'] = { $ref: '#/components/responses/Unauthenticated' };
    if (r.access !== 'public' && r.access !== 'authenticated') responses['403'] = { $ref: '#/components/responses/Forbidden' };
    responses.default = { $ref: '#/components/responses/Error' };
    op.responses = responses;
    (paths[openApiPath(r.path)] ??= {})[r.method] = op;
  }

  const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorJson } } });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Patrol API',
      version: info.version,
      description:
        'Inspections, findings, reports and runbooks on one workflow engine. Every error is {"error": {"code", "message", "field"?}}; every list is paged with ?limit=&cursor= and answers {"items", "next"}. Authenticate with an API token (Authorization: Bearer ptk_...) or a console session cookie (unsafe methods then need the X-CSRF-Token header). Each operation names the permission it needs in x-permission.',
    },
    servers: [{ url: info.serverUrl ?? '/' }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token (ptk_...), created with POST /api/v1/me/tokens' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'patrol_session', description: 'Console session from POST /api/v1/auth/login; unsafe methods need X-CSRF-Token' },
      },
      responses: {
        Error: errorResponse('an error'),
        InvalidInput: errorResponse('invalid input: code invalid-input or malformed-json, field names the offending field'),
        Unauthenticated: errorResponse('no, expired or invalid credentials'),
        Forbidden: errorResponse('the caller lacks the permission in x-permission (or the CSRF token is missing)'),
      },
    },
    tags: [...tags].sort().map((name) => ({ name })),
    'x-permissions': { ...PERMISSIONS },
  };
}

function rewriteRefs(v: unknown, renamed: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(v)) return v.map((x) => rewriteRefs(x, renamed));
  if (v !== null && typeof v === 'object') {
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/')) {
        const id = x.slice('#/$defs/'.length);
        out[k] = `#/components/schemas/${renamed.get(id) ?? id}`;
      } else out[k] = rewriteRefs(x, renamed);
    }
    return out;
  }
  return v;
}

/** getRuns, postRunsIdCancel, getRunsIdLogsStream, ... */
export function operationId(r: Pick<AnyRoute, 'method' | 'path'>): string {
  const words = r.path
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean)
    .map((p) => (p.startsWith(':') ? `by-${p.slice(1)}` : p))
    .join('-')
    .split(/[-_.]/)
    .filter(Boolean);
  return r.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}
