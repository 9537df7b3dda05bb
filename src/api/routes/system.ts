import { z } from 'zod';
import { sql } from 'kysely';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { OpenApiDocument } from '../openapi.js';
import { V1 } from './helpers.js';
import { PERMISSIONS } from '../../auth/permissions.js';

/** Liveness, readiness (with checks the composition root adds), the OpenAPI document, the permission list. */
export function systemRoutes(deps: ApiDeps, openapi: () => OpenApiDocument): AnyRoute[] {
  deps.health.addReadinessCheck('store', async () => {
    await sql`select 1`.execute(deps.store.db);
  });
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      tag: 'system',
      summary: 'Liveness: the process answers',
      access: 'public',
      response: z.object({ status: z.literal('ok'), version: z.string() }),
      async handler() {
        return { status: 'ok' as const, version: deps.version };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      tag: 'system',
      summary: 'Readiness: every dependency answers (503 otherwise)',
      description: 'exclude leaves checks out by name (repeat it or separate names with commas), e.g. /readyz?exclude=workers for a Kubernetes readiness probe of a distributed server. Names that match no check are ignored (as kube-apiserver does), so one probe fits the embedded and the distributed mode.',
      access: 'public',
      query: z.object({ exclude: z.union([z.string(), z.array(z.string())]).optional() }).strict(),
      response: z.object({ status: z.enum(['ready', 'not-ready']), checks: z.record(z.string(), z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() })) }),
      async handler({ query, setStatus }) {
        const exclude = [query.exclude ?? []].flat().flatMap((e) => e.split(',')).map((e) => e.trim()).filter(Boolean);
        const r = await deps.health.run(exclude);
        if (!r.ready) setStatus(503);
        return { status: r.ready ? ('ready' as const) : ('not-ready' as const), checks: r.checks };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/openapi.json`,
      tag: 'system',
      summary: 'This API as an OpenAPI 3.1 document',
      access: 'public',
      response: z.record(z.string(), z.unknown()),
      async handler() {
        return openapi() as unknown as Record<string, unknown>;
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/permissions`,
      tag: 'roles',
      summary: 'Every permission with what it allows',
      access: 'authenticated',
      response: z.object({ items: z.array(z.object({ name: z.string(), description: z.string() })) }),
      async handler() {
        return { items: Object.entries(PERMISSIONS).map(([name, description]) => ({ name, description })) };
      },
    }),
  ];
}
