import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { ApiDeps } from './deps.js';
import { isStream, routeKey, type AnyRoute, type AuditNote, type RouteContext } from './route.js';
import { toHttpError, validatePart } from './errors.js';
import { authorize, type Actor } from '../auth/actor.js';
import { isPermission } from '../auth/permissions.js';
import type { From } from '../auth/auth-service.js';
import { AccessDeniedError, InputError, UnauthenticatedError } from '../errors/index.js';

/** One call of a route, from HTTP (the API) or from inside the server (the console). */
export interface RouteCall {
  /**
   * Who is calling. Authentication and `verify` (CSRF) run inside the call, so a refusal is
   * audited like any other failure of an audited route.
   */
  actor: () => Promise<Actor | undefined>;
  /** Throws when the authenticated caller's request must be refused (a missing CSRF token). */
  verify?: (actor: Actor) => void;
  from: From;
  /** Path parameters as matched (strings). */
  params: Record<string, string | string[] | undefined>;
  /** The query as parsed (strings; a repeated parameter is an array). */
  query: unknown;
  body: unknown;
  req: Request;
  res: Response;
}

export interface RouteResult {
  status: number;
  /** The response body, parsed with the route's schema (undefined for 204 and streams). */
  data: unknown;
  /** The handler wrote the response itself (a stream). */
  streamed: boolean;
}

/**
 * Runs one route: the route's permission, validation of path, query and body, the handler, the
 * response parsed with its schema (nothing undeclared leaves the server), and the audit entry of
 * an unsafe route (success, failure or denied). Both the HTTP API and the console call routes
 * through here, so an action is checked and audited the same way whichever surface it came from.
 */
export async function executeRoute(deps: ApiDeps, route: AnyRoute, call: RouteCall): Promise<RouteResult> {
  const note: AuditNote = {};
  let actor: Actor | undefined;
  let statusOverride: number | undefined;
  try {
    if (route.access !== 'public') {
      actor = await call.actor();
      if (!actor) throw new UnauthenticatedError('sign in (POST /api/v1/auth/login) or send an API token (Authorization: Bearer ptk_...)');
      call.verify?.(actor);
      if (isPermission(route.access) && !actor.grants.any(route.access)) {
        throw new AccessDeniedError(`${actor.name} lacks permission ${route.access}`, { permission: route.access });
      }
    }
    const params = route.params ? validatePart(route.params, call.params, 'path') : {};
    const query = route.query ? validatePart(route.query, normalizeQuery(call.query), 'query') : {};
    const body = route.body ? validatePart(route.body, call.body ?? {}, 'body') : undefined;
    const who = actor;
    const ctx: RouteContext<unknown, unknown, unknown> = {
      params,
      query,
      body,
      get actor(): Actor {
        if (!who) throw new UnauthenticatedError('sign in first');
        return who;
      },
      maybeActor: who,
      from: call.from,
      authorize: (p, ns) => {
        if (!who) throw new UnauthenticatedError('sign in first');
        authorize(who, p, ns);
      },
      audit: note,
      setStatus: (status) => {
        statusOverride = status;
      },
      req: call.req,
      res: call.res,
    };
    const result = await route.handler(ctx);
    const status = statusOverride ?? route.status ?? (route.response === null ? 204 : 200);
    if (route.audit) await writeAudit(deps, route, actor, call.from, note, 'success', status, call.params);
    if (isStream(route.response)) return { status, data: undefined, streamed: true };
    if (route.response === null) return { status: 204, data: undefined, streamed: false };
    const parsed = route.response.safeParse(result);
    if (!parsed.success) {
      deps.logger.error({ route: routeKey(route), issues: parsed.error.issues.slice(0, 5) }, 'response does not match its schema');
      throw new Error(`response of ${routeKey(route)} does not match its schema`);
    }
    return { status, data: parsed.data, streamed: false };
  } catch (err) {
    if (route.audit && !(err instanceof UnauthenticatedError && note.actor === undefined && actor === undefined)) {
      const mapped = toHttpError(err, '');
      await writeAudit(deps, route, actor, call.from, note, mapped.status === 403 ? 'denied' : 'failure', mapped.status, call.params, mapped.body.error);
    }
    throw err;
  }
}

/** Query values as strings: a repeated parameter becomes one comma-separated value. */
export function normalizeQuery(q: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((q ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(v)) out[k] = v.map(String).join(',');
    else if (typeof v === 'string') out[k] = v;
    else throw new InputError(`query parameter "${k}" has an unsupported form`, { field: `query.${k}` });
  }
  return out;
}

/** `METHOD /api/v1/path/:param` of a declared route. */
export type RouteKey = `${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /api/v1/${string}`;

/** What an in-process caller gives for one call. */
export interface InvokeInput {
  /** The signed-in user; undefined only for public routes (login). */
  actor: Actor | undefined;
  from: From;
  req: Request;
  res: Response;
  params?: Record<string, string>;
  /** Empty and undefined values are left out (an empty filter field means no filter). */
  query?: Record<string, string | undefined>;
  body?: unknown;
}

/**
 * Calls API routes inside the server, by their declared key, as a signed-in user: the same
 * permission checks, validation, handler and audit as over HTTP, without a network hop. The
 * console uses it for every action, so nothing it does escapes the API's rules.
 */
export class RouteInvoker {
  private readonly byKey = new Map<string, AnyRoute>();

  constructor(
    private readonly deps: ApiDeps,
    routes: readonly AnyRoute[],
  ) {
    for (const r of routes) this.byKey.set(routeKey(r), r);
  }

  /** Calls a route and returns its body, checked against `schema` (the route's or a narrower one). */
  async call<T extends z.ZodType>(key: RouteKey, input: InvokeInput, schema: T): Promise<z.output<T>> {
    const r = await this.execute(key, input);
    return schema.parse(r.data);
  }

  /** Calls a route that answers without a body (204). */
  async run(key: RouteKey, input: InvokeInput): Promise<void> {
    await this.execute(key, input);
  }

  private execute(key: RouteKey, input: InvokeInput): Promise<RouteResult> {
    const route = this.byKey.get(key);
    if (!route) throw new Error(`no API route ${key}`);
    if (isStream(route.response)) throw new Error(`API route ${key} streams its response; link to it instead`);
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined && v !== '') query[k] = v;
    return executeRoute(this.deps, route, { actor: async () => input.actor, from: input.from, params: input.params ?? {}, query, body: input.body, req: input.req, res: input.res });
  }
}

/** The resource a request names in its path, when the handler did not get as far as saying. */
function resourceFromPath(params: Partial<Record<string, string | string[]>>): string | null {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('/') : v);
  const p = (v: string | string[] | undefined) => one(v)?.slice(0, 200);
  if (params.namespace && params.name) return `${p(params.namespace)}/${p(params.name)}`;
  return p(params.id) ?? p(params.name) ?? p(params.runId) ?? null;
}

async function writeAudit(deps: ApiDeps, route: AnyRoute, actor: Actor | undefined, from: From, note: AuditNote, outcome: 'success' | 'failure' | 'denied', status: number, params: Partial<Record<string, string | string[]>>, error?: { code: string; message: string }): Promise<void> {
  const details: Record<string, unknown> = { ...(note.details ?? {}), status };
  if (actor?.tokenId) details.tokenId = actor.tokenId;
  if (error) details.error = { code: error.code, message: error.message.slice(0, 500) };
  await deps.audit.record({
    actor: actor?.name ?? note.actor ?? 'anonymous',
    actorKind: actor ? actor.via : 'anonymous',
    action: route.audit!.action,
    resourceType: route.audit!.resourceType,
    resourceId: note.resourceId ?? resourceFromPath(params),
    namespace: note.namespace ?? null,
    ip: from.ip,
    userAgent: from.userAgent,
    outcome,
    details,
  });
}
