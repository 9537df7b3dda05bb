import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import cookieParser from 'cookie-parser';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { randomUUID } from 'node:crypto';
import type { ApiDeps } from './deps.js';
import { routeKey, type AnyRoute } from './route.js';
import { errorMiddleware } from './errors.js';
import { executeRoute, RouteInvoker } from './execute-route.js';
import { buildOpenApi, type OpenApiDocument } from './openapi.js';
import type { Actor } from '../auth/actor.js';
import { AccessDeniedError, PatrolError, RateLimitedError, UnauthenticatedError } from '../errors/index.js';
import { allRoutes } from './routes/index.js';
import { SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER } from './cookies.js';

export { SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER };

export interface ApiApp {
  app: express.Express;
  routes: readonly AnyRoute[];
  openapi: OpenApiDocument;
  /** Calls routes inside the server as a signed-in user (the console): same checks, same audit. */
  invoker: RouteInvoker;
  deps: ApiDeps;
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
  return { app, routes, openapi, invoker: new RouteInvoker(deps, routes), deps };
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
    try {
      const r = await executeRoute(deps, route, {
        actor: () => authenticate(req, deps),
        verify: (actor) => {
          if (actor.via === 'session' && unsafe && !deps.auth.checkCsrf(actor, req.get(CSRF_HEADER))) {
            throw new AccessDeniedError(`missing or wrong CSRF token: send the ${CSRF_HEADER} header with the value of the ${CSRF_COOKIE} cookie`, {}, 'csrf-failed');
          }
        },
        from: { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null },
        params: req.params,
        query: req.query,
        body: req.body,
        req,
        res,
      });
      if (r.streamed) {
        if (!res.writableEnded) res.end();
      } else if (r.status === 204) res.status(204).end();
      else res.status(r.status).json(r.data);
    } catch (err) {
      next(err);
    }
  };
}
