import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import cookieParser from 'cookie-parser';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { randomUUID } from 'node:crypto';
import type { ApiDeps } from './deps.js';
import { isStream, routeKey, type AnyRoute, type AuditNote, type RouteContext } from './route.js';
import { errorMiddleware, toHttpError, validatePart } from './errors.js';
import { buildOpenApi, type OpenApiDocument } from './openapi.js';
import type { Actor } from '../auth/actor.js';
import { authorize } from '../auth/actor.js';
import { isPermission } from '../auth/permissions.js';
import type { From } from '../auth/auth-service.js';
import { AccessDeniedError, InputError, PatrolError, RateLimitedError, UnauthenticatedError } from '../errors/index.js';
import { allRoutes } from './routes/index.js';
import { SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER } from './cookies.js';

export { SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER };

export interface ApiApp {
  app: express.Express;
  routes: readonly AnyRoute[];
  openapi: OpenApiDocument;
}

const UNSAFE = new Set(['post', 'put', 'patch', 'delete']);

/**
 * The HTTP API as an express app built from injected dependencies. Each route comes from the
 * declarative route table (src/api/routes), which also generates the OpenAPI document. Per
 * request: authenticate (token or session + CSRF), check the route's permission, validate path,
 * query and body, run the handler, parse the response with its schema, audit unsafe actions.
 */
export function createApiApp(deps: ApiDeps): ApiApp {
  const settings = deps.settings ?? {};
  const routes = allRoutes(deps, () => openapi);
  const seen = new Set<string>();
  for (const r of routes) {
    if (seen.has(routeKey(r))) throw new Error(`route ${routeKey(r)} is declared twice`);
    seen.add(routeKey(r));
    if (UNSAFE.has(r.method) && !r.audit && !r.changesNothing) throw new Error(`route ${routeKey(r)} changes something but declares no audit action`);
  }
  const openapi = buildOpenApi(routes, { version: deps.version });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', settings.trustProxy ?? false);
  app.set('etag', false);
  app.use(helmet());
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    res.locals.requestId = given && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    res.set('X-Request-Id', String(res.locals.requestId));
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(cookieParser());
  app.use(
    express.json({
      limit: settings.bodyLimitBytes ?? 1024 * 1024,
      strict: true,
      type: ['application/json', 'application/*+json'],
    }),
  );
  app.use(refuseNonJsonBodies);

  const loginLimiter = rateLimit({
    windowMs: 60_000,
    limit: settings.loginAttemptsPerMinute ?? 10,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${typeof req.body?.username === 'string' ? req.body.username.toLowerCase().slice(0, 64) : ''}`,
    handler: (req, res, next) => next(new RateLimitedError('too many login attempts; wait a minute', { retryAfterSeconds: 60 })),
  });
  app.post('/api/v1/auth/login', loginLimiter);

  for (const route of routes) app[route.method](route.path, handlerFor(route, deps));

  // Unknown paths and wrong methods, in the error format.
  const matchers = routes.map((r) => ({ method: r.method.toUpperCase(), re: pathRegex(r.path) }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const allowed = [...new Set(matchers.filter((m) => m.re.test(req.path)).map((m) => m.method))];
    if (allowed.length > 0) {
      res.set('Allow', allowed.join(', '));
      next(new PatrolError(`${req.method} is not allowed here; use ${allowed.join(', ')}`, { code: 'method-not-allowed', retryable: false }));
    } else next(new PatrolError(`no such endpoint: ${req.method} ${req.path.slice(0, 200)} (see /api/v1/openapi.json)`, { code: 'route-not-found', retryable: false }));
  });
  app.use(errorMiddleware(deps.logger));
  return { app, routes, openapi };
}

/** A body that is not JSON would be ignored silently: refuse it instead. */
function refuseNonJsonBodies(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && UNSAFE.has(req.method.toLowerCase()) && !req.is(['application/json', 'application/*+json'])) {
    next(new PatrolError('send the request body as JSON (Content-Type: application/json)', { code: 'unsupported-media-type', retryable: false }));
    return;
  }
  next();
}

function pathRegex(path: string): RegExp {
  return new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '[^/]+')}/?$`);
}

/** Query values as strings: a repeated parameter becomes one comma-separated value. */
function normalizeQuery(q: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((q ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(v)) out[k] = v.map(String).join(',');
    else if (typeof v === 'string') out[k] = v;
    else throw new InputError(`query parameter "${k}" has an unsupported form`, { field: `query.${k}` });
  }
  return out;
}

async function authenticate(req: Request, deps: ApiDeps): Promise<Actor | undefined> {
  const header = req.get('authorization');
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new UnauthenticatedError('unsupported Authorization header; send "Bearer <API token>"');
    return deps.auth.authenticateToken(m[1]!);
  }
  const sid: unknown = req.cookies?.[SESSION_COOKIE];
  if (typeof sid === 'string' && sid.length > 0 && sid.length < 200) return deps.auth.authenticateSession(sid);
  return undefined;
}

function handlerFor(route: AnyRoute, deps: ApiDeps) {
  const unsafe = UNSAFE.has(route.method);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const from: From = { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null };
    const note: AuditNote = {};
    let actor: Actor | undefined;
    let statusOverride: number | undefined;
    try {
      if (route.access !== 'public') {
        actor = await authenticate(req, deps);
        if (!actor) throw new UnauthenticatedError('sign in (POST /api/v1/auth/login) or send an API token (Authorization: Bearer ptk_...)');
        if (actor.via === 'session' && unsafe && !deps.auth.checkCsrf(actor, req.get(CSRF_HEADER))) {
          throw new AccessDeniedError(`missing or wrong CSRF token: send the ${CSRF_HEADER} header with the value of the ${CSRF_COOKIE} cookie`, {}, 'csrf-failed');
        }
        if (isPermission(route.access) && !actor.grants.any(route.access)) {
          throw new AccessDeniedError(`${actor.name} lacks permission ${route.access}`, { permission: route.access });
        }
      }
      const params = route.params ? validatePart(route.params, req.params, 'path') : {};
      const query = route.query ? validatePart(route.query, normalizeQuery(req.query), 'query') : {};
      const body = route.body ? validatePart(route.body, req.body ?? {}, 'body') : undefined;
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
        from,
        authorize: (p, ns) => {
          if (!who) throw new UnauthenticatedError('sign in first');
          authorize(who, p, ns);
        },
        audit: note,
        setStatus: (status) => {
          statusOverride = status;
        },
        req,
        res,
      };
      const result = await route.handler(ctx);
      if (route.audit) await writeAudit(deps, route, actor, from, note, 'success', route.status ?? (route.response === null ? 204 : 200), req.params);
      if (isStream(route.response)) {
        if (!res.writableEnded) res.end();
        return;
      }
      if (route.response === null) {
        res.status(204).end();
        return;
      }
      const parsed = route.response.safeParse(result);
      if (!parsed.success) {
        deps.logger.error({ route: routeKey(route), issues: parsed.error.issues.slice(0, 5) }, 'response does not match its schema');
        throw new Error(`response of ${routeKey(route)} does not match its schema`);
      }
      res.status(statusOverride ?? route.status ?? 200).json(parsed.data);
    } catch (err) {
      if (route.audit && !(err instanceof UnauthenticatedError && note.actor === undefined)) {
        const mapped = toHttpError(err, '');
        await writeAudit(deps, route, actor, from, note, mapped.status === 403 ? 'denied' : 'failure', mapped.status, req.params, mapped.body.error);
      }
      next(err);
    }
  };
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
