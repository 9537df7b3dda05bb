import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { ApiApp } from '../api/create-api-app.js';
import type { RouteKey } from '../api/execute-route.js';
import { toHttpError } from '../api/errors.js';
import { authorize, type Actor } from '../auth/actor.js';
import type { Permission } from '../auth/permissions.js';
import type { From } from '../auth/auth-service.js';
import type { Logger } from '../logging/logger.js';
import { AccessDeniedError, UnauthenticatedError } from '../errors/index.js';
import type { ViewEngine } from './view-engine.js';
import { navFor } from './nav.js';
import { flashText } from './messages.js';

/** Console settings; every field has a default. */
export interface ConsoleSettings {
  /** Log lines a run page keeps in the browser (older ones are paged in on demand). @defaultValue 1000 */
  logLines?: number;
  /** How often the page of an active run refreshes its status, graph and steps. @defaultValue 2000 ms */
  refreshMs?: number;
  /** Console login attempts per client address and user name per minute. @defaultValue 10 */
  loginAttemptsPerMinute?: number;
}

export interface ConsoleDeps {
  /** The API: its route invoker (checks, validation, audit) and its services. */
  api: ApiApp;
  logger: Logger;
  views: ViewEngine;
  settings: Required<ConsoleSettings>;
}

/** What a form posted (urlencoded): strings, or lists of strings for repeated fields. */
export class Form {
  constructor(private readonly body: unknown) {}

  private raw(name: string): unknown {
    return this.body !== null && typeof this.body === 'object' ? (this.body as Record<string, unknown>)[name] : undefined;
  }

  /** The field's value ("" when absent; the last one when repeated). */
  str(name: string): string {
    const v = this.raw(name);
    if (Array.isArray(v)) return typeof v[v.length - 1] === 'string' ? (v[v.length - 1] as string) : '';
    return typeof v === 'string' ? v : '';
  }

  /** Trimmed value, or undefined when empty. */
  opt(name: string): string | undefined {
    const v = this.str(name).trim();
    return v === '' ? undefined : v;
  }

  list(name: string): string[] {
    const v = this.raw(name);
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
    return typeof v === 'string' ? [v] : [];
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }
}

/** A problem with what a form sent, shown next to the form (and the field when known). */
export interface FormProblem {
  status: number;
  message: string;
  /** The form field at fault (`comment`, `params.count`), without the API's `body.` prefix. */
  field?: string;
}

/**
 * The problem to show in a form for an error from a route call: invalid input, conflicts,
 * refused workflows, rate limits. Undefined for anything else (403, 404, 500: error pages).
 */
export function formProblem(err: unknown): FormProblem | undefined {
  const mapped = toHttpError(err, '');
  if (![400, 409, 413, 415, 422, 429].includes(mapped.status)) return undefined;
  const e = mapped.body.error;
  const field = e.field?.replace(/^(body|query|path)\./, '');
  return { status: mapped.status, message: e.message, ...(field ? { field } : {}) };
}

/** One console request of a signed-in user: permission checks, route calls, rendering. */
export class Ctx {
  readonly from: From;

  constructor(
    readonly req: Request,
    readonly res: Response,
    readonly actor: Actor,
    private readonly deps: ConsoleDeps,
  ) {
    this.from = { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null };
  }

  get api(): ApiApp['deps'] {
    return this.deps.api.deps;
  }

  get settings(): Required<ConsoleSettings> {
    return this.deps.settings;
  }

  /** Whether the user holds `p` in `namespace` (globally without one): shows or hides a button. */
  can(p: Permission, namespace?: string): boolean {
    return this.actor.grants.can(p, namespace);
  }

  /** Whether the user holds `p` in some namespace (a menu entry, a list page). */
  any(p: Permission): boolean {
    return this.actor.grants.any(p);
  }

  /** Throws AccessDeniedError (the 403 page) unless the user holds `p` somewhere. */
  requireAny(p: Permission): void {
    if (!this.any(p)) throw new AccessDeniedError(`${this.actor.name} lacks permission ${p}`, { permission: p });
  }

  require(p: Permission, namespace?: string): void {
    authorize(this.actor, p, namespace);
  }

  /** Calls an API route as this user (its permission checks, validation and audit apply). */
  call<T extends z.ZodType>(key: RouteKey, input: { params?: Record<string, string>; query?: Record<string, string | undefined>; body?: unknown }, schema: T): Promise<z.output<T>> {
    return this.deps.api.invoker.call(key, { ...input, actor: this.actor, from: this.from, req: this.req, res: this.res }, schema);
  }

  /** Calls an API route that answers without a body. */
  run(key: RouteKey, input: { params?: Record<string, string>; query?: Record<string, string | undefined>; body?: unknown }): Promise<void> {
    return this.deps.api.invoker.run(key, { ...input, actor: this.actor, from: this.from, req: this.req, res: this.res });
  }

  /**
   * A filtered list page's items: a filter the API refuses (a bad time, an unknown status) comes
   * back as a problem shown above an empty list, not as an error page.
   */
  async list<T extends z.ZodType<{ items: unknown[]; next: string | null }>>(key: RouteKey, filters: Record<string, string>, limit: number, schema: T): Promise<{ list: z.output<T> | { items: []; next: null }; problem?: FormProblem }> {
    try {
      return { list: await this.call(key, { query: { ...filters, cursor: this.q('cursor'), limit: String(limit) } }, schema) };
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      return { list: { items: [], next: null }, problem };
    }
  }

  get form(): Form {
    return new Form(this.req.body);
  }

  /** A query string value ("" when absent or repeated). */
  q(name: string): string {
    const v = this.req.query[name];
    return typeof v === 'string' ? v : '';
  }

  /** Renders a page inside the layout (navigation for this user, CSRF token for forms, flash message). */
  render(view: string, model: Record<string, unknown> & { title: string; section?: string }, status = 200): void {
    const flash = flashText(this.q('msg'));
    const layout = {
      title: model.title,
      user: this.actor.name,
      csrf: this.actor.csrfToken ?? '',
      nav: navFor(this, model.section ?? view),
      flash,
    };
    this.res.status(status).type('html').send(this.deps.views.render(view, { ...model, layout }));
  }

  /** After a change: back to a page (POST-redirect-GET), with a message from the fixed list. */
  redirect(path: string, msg?: string): void {
    const sep = path.includes('?') ? '&' : '?';
    this.res.redirect(303, msg ? `${path}${sep}msg=${encodeURIComponent(msg)}` : path);
  }
}

/** The signed-in user of a console request, set by the session middleware. */
export function actorOf(res: Response): Actor | undefined {
  const a: unknown = res.locals.consoleActor;
  return a && typeof a === 'object' ? (a as Actor) : undefined;
}

/**
 * Wraps a page handler: requires a session (else the login page, coming back afterwards),
 * checks the CSRF token of every POST, and turns errors into the console's error pages.
 */
export function page(deps: ConsoleDeps, handler: (c: Ctx) => Promise<void>): RequestHandler {
  return async (req: Request, res: Response) => {
    const actor = actorOf(res);
    if (!actor) {
      const back = req.method === 'GET' ? req.originalUrl : (req.get('referer') ?? '/');
      res.redirect(303, `/login?next=${encodeURIComponent(safeNext(back))}`);
      return;
    }
    const c = new Ctx(req, res, actor, deps);
    try {
      if (req.method === 'POST' && !deps.api.deps.auth.checkCsrf(actor, c.form.str('_csrf') || undefined)) {
        await deps.api.deps.audit.record({
          actor: actor.name,
          actorKind: 'session',
          action: 'console.post',
          resourceType: 'console',
          resourceId: req.path.slice(0, 200),
          ip: c.from.ip,
          userAgent: c.from.userAgent,
          outcome: 'denied',
          details: { status: 403, error: { code: 'csrf-failed', message: 'missing or wrong CSRF token' } },
        });
        throw new AccessDeniedError('This form was refused: its security token is missing or out of date. Reload the page and try again.', {}, 'csrf-failed');
      }
      await handler(c);
    } catch (err) {
      renderError(deps, req, res, err, c);
    }
  };
}

/** Only local paths (never another site) after login. */
export function safeNext(path: string | undefined): string {
  if (!path) return '/';
  try {
    const u = new URL(path, 'http://console.invalid');
    if (u.origin !== 'http://console.invalid' || !u.pathname.startsWith('/') || u.pathname.startsWith('//') || u.pathname.startsWith('/login')) return '/';
    return `${u.pathname}${u.search}`;
  } catch {
    return '/';
  }
}

const TITLES: Record<number, string> = { 400: 'Bad request', 401: 'Sign in', 403: 'Forbidden', 404: 'Not found', 409: 'Conflict', 413: 'Too large', 422: 'Cannot be used', 429: 'Too many requests', 500: 'Something went wrong', 501: 'Not available', 503: 'Unavailable' };

/** The error page: the message of a known error, never a stack trace; internal errors are logged with a request id. */
export function renderError(deps: ConsoleDeps, req: Request, res: Response, err: unknown, c?: Ctx): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (err instanceof UnauthenticatedError && !actorOf(res)) {
    res.redirect(303, `/login?next=${encodeURIComponent(safeNext(req.originalUrl))}`);
    return;
  }
  const requestId = String(res.locals.requestId ?? '');
  const mapped = toHttpError(err, requestId);
  const actor = actorOf(res);
  if (!c && actor) c = new Ctx(req, res, actor, deps);
  if (mapped.status >= 500) deps.logger.error({ err, requestId, method: req.method, path: req.path }, 'console request failed');
  const title = TITLES[mapped.status] ?? (mapped.status >= 500 ? 'Something went wrong' : 'Error');
  const model = { title, status: mapped.status, message: mapped.body.error.message, code: mapped.body.error.code, section: 'error', back: refererPath(req) };
  if (c) c.render('error', model, mapped.status);
  else res.status(mapped.status).type('html').send(deps.views.render('error', { ...model, layout: { title, bare: true } }));
}

/** The page the user came from, when it is on this server (a "Back" link on error pages). */
function refererPath(req: Request): string | null {
  const ref = req.get('referer');
  if (!ref) return null;
  try {
    const u = new URL(ref);
    if (u.host !== req.get('host')) return null;
    const p = safeNext(`${u.pathname}${u.search}`);
    return p === req.originalUrl ? null : p;
  } catch {
    return null;
  }
}
