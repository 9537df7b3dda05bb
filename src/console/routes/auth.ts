import type { Request, Response, Router } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { loginResponseSchema, meSchema } from '../../api/schemas/auth.js';
import { toHttpError } from '../../api/errors.js';
import { randomSecret, safeEqual } from '../../auth/secrets.js';
import { RateLimitedError } from '../../errors/index.js';
import { actorOf, formProblem, page, renderError, safeNext, type ConsoleDeps, type Ctx } from '../console-context.js';
import { flashText } from '../messages.js';

/** A pre-session CSRF token for the login form (double submit: this cookie and a hidden field). */
const LOGIN_CSRF_COOKIE = 'patrol_login_csrf';

/** Sign in, sign out, and the user's own account (permissions, password). */
export function authPages(router: Router, deps: ConsoleDeps): void {
  const secure = (req: Request) => deps.api.deps.settings?.secureCookies ?? (deps.api.deps.settings?.publicUrl?.startsWith('https:') || req.secure);
  const loginForm = (req: Request, res: Response, model: { username?: string; error?: string; next: string; noUsers?: boolean }, status = 200) => {
    const token = randomSecret(24);
    res.cookie(LOGIN_CSRF_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: secure(req), path: '/login', maxAge: 3_600_000 });
    const flash = flashText(typeof req.query.msg === 'string' ? req.query.msg : '');
    res.status(status).type('html').send(deps.views.render('login', { ...model, token, layout: { title: 'Sign in', bare: true, flash } }));
  };
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: deps.settings.loginAttemptsPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${typeof req.body?.username === 'string' ? req.body.username.toLowerCase().slice(0, 64) : ''}`,
    handler: (req, res) => loginForm(req, res, { next: safeNext(String(req.body?.next ?? '')), error: new RateLimitedError('Too many sign-in attempts: wait a minute and try again.').message }, 429),
  });

  router.get('/login', async (req, res, fail) => {
    const next = safeNext(typeof req.query.next === 'string' ? req.query.next : '/');
    if (actorOf(res)) return res.redirect(303, next);
    try {
      // A fresh install has nobody to sign in as: say how to create the first administrator.
      loginForm(req, res, { next, noUsers: (await deps.api.deps.store.users.count()) === 0 });
    } catch (err) {
      fail(err);
    }
  });

  router.post('/login', limiter, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const next = safeNext(str('next'));
    const cookie: unknown = req.cookies?.[LOGIN_CSRF_COOKIE];
    if (typeof cookie !== 'string' || !safeEqual(cookie, str('_csrf'))) {
      loginForm(req, res, { next, username: str('username'), error: 'The sign-in form expired: try again.' }, 403);
      return;
    }
    try {
      await deps.api.invoker.call('POST /api/v1/auth/login', { actor: undefined, from: { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null }, req, res, body: { username: str('username'), password: str('password') } }, loginResponseSchema);
      res.clearCookie(LOGIN_CSRF_COOKIE, { path: '/login', httpOnly: true, sameSite: 'strict', secure: secure(req) });
      res.redirect(303, next);
    } catch (err) {
      const status = toHttpError(err, '').status;
      if ([400, 401, 403, 429].includes(status)) {
        const p = formProblem(err);
        const message = status === 401 ? 'Wrong user name or password.' : status === 400 ? 'Give your user name and password.' : (p?.message ?? toHttpError(err, '').body.error.message);
        loginForm(req, res, { next, username: str('username'), error: message }, status);
      } else renderError(deps, req, res, err);
    }
  });

  router.post(
    '/logout',
    page(deps, async (c) => {
      await c.run('POST /api/v1/auth/logout', { body: {} });
      c.res.redirect(303, '/login?msg=signed-out');
    }),
  );

  const account = async (c: Ctx, problem?: { message: string; field?: string }, status = 200) => {
    const me = await c.call('GET /api/v1/me', {}, meSchema);
    const permissions = Object.entries(me.permissions).map(([p, where]) => ({ permission: p, where: where === '*' ? 'every namespace' : where.join(', ') }));
    const roles = Object.entries(me.roles).map(([ns, rs]) => ({ namespace: ns === '*' ? '* (every namespace)' : ns, roles: rs.join(', ') }));
    c.render('account', { title: 'Account', section: 'account', me: me.user, permissions, roles, problem }, status);
  };
  router.get('/account', page(deps, (c) => account(c)));
  router.post(
    '/account/password',
    page(deps, async (c) => {
      const f = c.form;
      if (!f.str('currentPassword')) return account(c, { message: 'Give your current password.', field: 'currentPassword' }, 400);
      if (!f.str('newPassword')) return account(c, { message: 'Give a new password.', field: 'newPassword' }, 400);
      if (f.str('newPassword') !== f.str('confirmPassword')) return account(c, { message: 'The new passwords differ.', field: 'confirmPassword' }, 400);
      try {
        await c.run('PUT /api/v1/me/password', { body: { currentPassword: f.str('currentPassword'), newPassword: f.str('newPassword') } });
      } catch (err) {
        const p = formProblem(err);
        if (toHttpError(err, '').status === 401) return account(c, { message: 'The current password is wrong.', field: 'currentPassword' }, 400);
        if (!p) throw err;
        return account(c, { message: p.message, field: p.field === 'newPassword' || p.field === 'password' ? 'newPassword' : (p.field ?? 'newPassword') }, p.status);
      }
      // A new password ends every session of the user, this one included.
      c.res.redirect(303, '/login?msg=password-changed');
    }),
  );
}
