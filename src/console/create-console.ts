import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import cookieParser from 'cookie-parser';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ApiApp } from '../api/create-api-app.js';
import { SESSION_COOKIE } from '../api/cookies.js';
import type { Logger } from '../logging/logger.js';
import type { ServerHooks } from '../server/start-server.js';
import { NotFoundError } from '../errors/index.js';
import { consoleDir, ViewEngine } from './view-engine.js';
import { renderError, type ConsoleDeps, type ConsoleSettings } from './console-context.js';
import { authPages } from './routes/auth.js';
import { dashboardPages } from './routes/dashboard.js';
import { runPages } from './routes/runs.js';
import { workflowPages } from './routes/workflows.js';
import { approvalPages } from './routes/approvals.js';
import { findingPages } from './routes/findings.js';
import { reportPages } from './routes/reports.js';
import { schedulePages } from './routes/schedules.js';
import { alertPages } from './routes/alerts.js';
import { credentialPages } from './routes/credentials.js';
import { userPages } from './routes/users.js';
import { auditPages } from './routes/audit.js';

export interface ConsoleOptions {
  logger: Logger;
  settings?: ConsoleSettings;
  /** Views from another directory, or recompiled on change (development). */
  views?: ViewEngine;
  /** Where the Patrol config is read from (report templates, links). @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/** Paths the console leaves to the API and the server (it handles every other path). */
export function isConsolePath(path: string): boolean {
  return !(path === '/api' || path.startsWith('/api/') || path === '/healthz' || path === '/readyz' || path === '/metrics');
}

/**
 * The web console: server-rendered pages (Handlebars) over the API's own routes, called in
 * process as the signed-in user, so every page and button has the API's permission checks,
 * validation and audit. Sessions are the API's (login sets the same httpOnly SameSite=Strict
 * cookie); every POST carries the session's CSRF token. A little script (console/static)
 * follows live logs and refreshes the status and step graph of active runs.
 */
export function createConsole(api: ApiApp, opts: ConsoleOptions): express.Router {
  const deps: ConsoleDeps = {
    api,
    logger: opts.logger,
    views: opts.views ?? new ViewEngine(),
    settings: {
      logLines: opts.settings?.logLines ?? 1000,
      refreshMs: opts.settings?.refreshMs ?? 2000,
      loginAttemptsPerMinute: opts.settings?.loginAttemptsPerMinute ?? api.deps.settings?.loginAttemptsPerMinute ?? 10,
    },
  };
  const router = express.Router();
  router.use((req, _res, next) => (isConsolePath(req.path) ? next() : next('router')));
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          frameSrc: ["'self'"],
          frameAncestors: ["'self'"],
          formAction: ["'self'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  router.use((_req, res, next) => {
    res.locals.requestId ??= randomUUID();
    res.set('X-Request-Id', String(res.locals.requestId));
    next();
  });
  router.use('/static', express.static(join(consoleDir(), 'static'), { index: false, maxAge: '1h', redirect: false }));
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(cookieParser());
  router.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 2000 }));
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const sid: unknown = req.cookies?.[SESSION_COOKIE];
      if (typeof sid === 'string' && sid.length > 0 && sid.length < 200) res.locals.consoleActor = await api.deps.auth.authenticateSession(sid);
      next();
    } catch (err) {
      next(err);
    }
  });

  authPages(router, deps);
  dashboardPages(router, deps);
  runPages(router, deps);
  workflowPages(router, deps);
  approvalPages(router, deps);
  findingPages(router, deps);
  reportPages(router, deps, opts.env ?? process.env);
  schedulePages(router, deps);
  alertPages(router, deps);
  credentialPages(router, deps);
  userPages(router, deps);
  auditPages(router, deps);

  router.use((req: Request, res: Response) => renderError(deps, req, res, new NotFoundError(`There is no page at ${req.path.slice(0, 200)}.`)));
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => renderError(deps, req, res, err));
  return router;
}

/** Mounts the console on the server (in the `mount` hook of startServer). */
export function mountConsole(app: express.Express, server: { api: ApiApp; logger: Logger }, opts: Omit<ConsoleOptions, 'logger'> = {}): void {
  app.use(createConsole(server.api, { logger: server.logger, ...opts }));
}

/** Server hooks with the console mounted after the hooks' own routes (/metrics). */
export function withConsole<H extends ServerHooks>(hooks: H, opts: Omit<ConsoleOptions, 'logger'> = {}): H {
  return {
    ...hooks,
    mount(app: express.Express, server: Parameters<NonNullable<ServerHooks['mount']>>[1]) {
      hooks.mount?.(app, server);
      mountConsole(app, server, opts);
    },
  };
}
