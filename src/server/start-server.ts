import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import { readFileSync } from 'node:fs';
import { openRuntime, type Runtime } from '../runtime/open-runtime.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createApiApp, type ApiApp } from '../api/create-api-app.js';
import type { ApiSettings, ReportSender } from '../api/deps.js';
import { HealthChecks } from '../api/health.js';
import { AuthService, type AuthSettings } from '../auth/auth-service.js';
import { RbacService } from '../auth/rbac-service.js';
import { AuthCache } from '../auth/auth-cache.js';
import { AuditService } from '../audit/audit-service.js';
import { ApprovalService } from '../approvals/approval-service.js';
import { ApprovalAnnouncer, logApprovalNotifier, type ApprovalNotifier } from '../approvals/approval-announcer.js';
import { WorkflowLibrary } from '../workflow-library/workflow-library.js';
import { InventoryService } from '../inventories/inventory-service.js';
import { ScheduleService } from '../schedules/schedule-service.js';
import { InputError } from '../errors/index.js';
import { PATROL_VERSION } from '../config/version.js';
import { loadPatrolConfig, type PatrolSettings } from '../config/patrol-config.js';
import { channelApprovalNotifier } from '../approvals/channel-approval-notifier.js';
import { createReportSender } from '../reports/report-sender.js';

/**
 * Where the distributed mode, the scheduler and metrics plug in. Every hook is optional; the
 * embedded mode needs none.
 */
export interface ServerHooks {
  /**
   * Mount extra routes (e.g. /metrics, the console) before the API (they bypass its
   * authentication; `api.invoker` calls API routes with their checks and audit).
   */
  mount?(app: express.Express, server: PatrolServerParts & { api: ApiApp }): void;
  /** After the server listens (start the scheduler, subscribe to Redis, ...). */
  started?(server: PatrolServer): Promise<void> | void;
  /** Before the runtime closes (stop the scheduler, ...). */
  stopping?(server: PatrolServer): Promise<void> | void;
  /** Sends reports again (POST /reports/:runId/send). @defaultValue email through the Patrol config's SMTP */
  reports?: ReportSender;
  /** Announces approval requests with a link; default: the server log. */
  approvalNotifier?: ApprovalNotifier;
}

export interface ServerOptions {
  /** host:port, :port or port. @defaultValue PATROL_LISTEN or 127.0.0.1:8080 */
  listen?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** An already open runtime (tests); otherwise one is opened from env and closed on close(). */
  runtime?: Runtime;
  /**
   * Run workflows in this process (embedded mode): start the engine and adopt runs left by a
   * stopped process. Off for API-only servers in the distributed mode. @defaultValue true
   */
  runEngine?: boolean;
  auth?: AuthSettings;
  api?: ApiSettings;
  hooks?: ServerHooks;
}

/** The services of a running server, for hooks and tests. */
export interface PatrolServerParts {
  runtime: Runtime;
  auth: AuthService;
  rbac: RbacService;
  audit: AuditService;
  approvals: ApprovalService;
  workflows: WorkflowLibrary;
  inventories: InventoryService;
  schedules: ScheduleService;
  health: HealthChecks;
  logger: Logger;
}

export interface PatrolServer extends PatrolServerParts {
  api: ApiApp;
  http: http.Server;
  url: string;
  host: string;
  port: number;
  /** Stops accepting requests, ends open streams, stops the engine and closes the store. */
  close(): Promise<void>;
}

/** `host:port`, `:port` or `port` -> host and port. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:(\[[^\]]+\]|[^:]*):)?(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new InputError(`--listen ${listen}: use host:port, :port or port (e.g. 127.0.0.1:8080)`, { field: '--listen' });
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '') || '127.0.0.1';
  return { host, port };
}

/** PATROL_TRUST_PROXY: true, a hop count, or addresses/subnets of the proxies (express "trust proxy"). */
function trustProxyOf(v: string): boolean | number | string {
  if (v === 'true') return true;
  if (v === 'false') return false;
  return /^\d+$/.test(v) ? Number(v) : v;
}

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InputError(`${name} must be a non-negative number`, { field: name });
  return n;
}

function adminPassword(env: NodeJS.ProcessEnv): string | undefined {
  if (env.PATROL_ADMIN_PASSWORD) return env.PATROL_ADMIN_PASSWORD;
  if (env.PATROL_ADMIN_PASSWORD_FILE) return readFileSync(env.PATROL_ADMIN_PASSWORD_FILE, 'utf8').replace(/\r?\n$/, '');
  return undefined;
}

/**
 * Approval announcements on the channels of the Patrol config named by PATROL_APPROVAL_CHANNELS
 * (comma-separated channel names), or undefined when it is not set.
 */
function approvalChannels(env: NodeJS.ProcessEnv, config: PatrolSettings, runtime: Runtime): ApprovalNotifier | undefined {
  const names = (env.PATROL_APPROVAL_CHANNELS ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  if (names.length === 0) return undefined;
  const channels = names.map((n) => {
    const c = config.alerting.channels.find((x) => x.name === n);
    if (!c) throw new InputError(`PATROL_APPROVAL_CHANNELS names channel "${n}", which alerting.channels of the Patrol config does not define`, { field: 'PATROL_APPROVAL_CHANNELS' });
    return c;
  });
  return channelApprovalNotifier(channels, (name) => runtime.credentials.reveal(name));
}

/**
 * `patrol serve`: the runtime (store, engine, credentials), the server's services, the API and
 * the HTTP listener, composed in one place. In the embedded mode the engine runs here too.
 */
export async function startServer(opts: ServerOptions = {}): Promise<PatrolServer> {
  const env = opts.env ?? process.env;
  const logger = opts.logger ?? createLogger();
  const { host, port } = parseListen(opts.listen ?? env.PATROL_LISTEN ?? '127.0.0.1:8080');
  const runtime = opts.runtime ?? (await openRuntime({ env, logger }));
  const ownRuntime = opts.runtime === undefined;
  try {
    const { store, engine } = runtime;
    const authCache = new AuthCache(envNumber(env, 'PATROL_AUTH_CACHE_MS') ?? 2000);
    const rbac = new RbacService(store, Date.now, authCache);
    await rbac.ensureBuiltinRoles();
    const auth = new AuthService(store, rbac, {
      ...(envNumber(env, 'PATROL_BCRYPT_ROUNDS') !== undefined ? { bcryptRounds: envNumber(env, 'PATROL_BCRYPT_ROUNDS') } : {}),
      ...(envNumber(env, 'PATROL_LOGIN_MAX_FAILURES') !== undefined ? { maxFailedLogins: envNumber(env, 'PATROL_LOGIN_MAX_FAILURES') } : {}),
      ...(envNumber(env, 'PATROL_LOGIN_LOCKOUT_SECONDS') !== undefined ? { lockoutMs: envNumber(env, 'PATROL_LOGIN_LOCKOUT_SECONDS')! * 1000 } : {}),
      ...opts.auth,
    }, Date.now, authCache);
    const audit = new AuditService(store, logger);
    const approvals = new ApprovalService(store, (runId) => engine.reevaluate(runId));
    const workflows = new WorkflowLibrary(store, runtime.registry, runtime.paths.workflows, logger);
    const inventories = new InventoryService(store);
    const schedules = new ScheduleService(store, async (ns, name, version) => {
      try {
        await workflows.get(ns, name, version);
        return true;
      } catch {
        return false;
      }
    });
    const health = new HealthChecks();
    const parts: PatrolServerParts = { runtime, auth, rbac, audit, approvals, workflows, inventories, schedules, health, logger };

    const password = adminPassword(env);
    if (password) {
      const admin = await auth.bootstrapAdmin(env.PATROL_ADMIN_USER || 'admin', password);
      if (admin) {
        logger.info({ user: admin.name }, 'created the first administrator from PATROL_ADMIN_PASSWORD');
        await audit.record({ actor: 'system', actorKind: 'system', action: 'users.create', resourceType: 'user', resourceId: admin.name, outcome: 'success', details: { bootstrap: true, role: 'admin' } });
      }
    } else if ((await store.users.count()) === 0) {
      logger.warn('no users yet: create an administrator with `patrol users add NAME --admin` or start with PATROL_ADMIN_PASSWORD set');
    }

    const config = await loadPatrolConfig(env);
    const approvalNotifier = opts.hooks?.approvalNotifier ?? approvalChannels(env, config, runtime) ?? logApprovalNotifier(logger);
    // Completed once listening (the port may be chosen by the system): routes read it per request.
    const publicUrl = env.PATROL_PUBLIC_URL ?? config.baseUrl;
    const apiSettings: ApiSettings = { ...(publicUrl ? { publicUrl } : {}), ...(env.PATROL_TRUST_PROXY ? { trustProxy: trustProxyOf(env.PATROL_TRUST_PROXY) } : {}), ...opts.api };
    const api = createApiApp({
      store,
      engine,
      registry: runtime.registry,
      credentials: runtime.credentials,
      auth,
      rbac,
      audit,
      approvals,
      workflows,
      inventories,
      schedules,
      health,
      logger,
      version: PATROL_VERSION,
      settings: apiSettings,
      reports: opts.hooks?.reports ?? createReportSender({ store, credentials: runtime.credentials, env, logger }),
    });
    const root = express();
    root.disable('x-powered-by');
    opts.hooks?.mount?.(root, { ...parts, api });
    root.use(api.app);

    if (opts.runEngine ?? true) {
      engine.start();
      const adopted = await engine.recover();
      if (adopted.length > 0) logger.info({ runs: adopted }, `resumed ${adopted.length} run(s) left by a stopped process`);
    }

    const sockets = new Set<Socket>();
    const server = http.createServer({ requestTimeout: 60_000, headersTimeout: 30_000, keepAliveTimeout: 5_000 }, root);
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    apiSettings.publicUrl ??= url;
    const announcer = new ApprovalAnnouncer({ store, notifier: approvalNotifier, audit, logger, publicUrl: apiSettings.publicUrl }).start();
    const onStep = (e: { status: string }) => e.status === 'waiting' && announcer.poke();
    engine.events.on('step', onStep);
    let closing: Promise<void> | undefined;
    const patrol: PatrolServer = {
      ...parts,
      api,
      http: server,
      url,
      host: address.address,
      port: address.port,
      close() {
        closing ??= (async () => {
          announcer.stop();
          engine.events.off('step', onStep);
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          // Streams (SSE) never end on their own: give requests in flight a moment, then cut.
          const grace = setTimeout(() => {
            for (const s of sockets) s.destroy();
          }, 2_000);
          await closed;
          clearTimeout(grace);
          await opts.hooks?.stopping?.(patrol);
          if (ownRuntime) await runtime.close();
          else await engine.stop();
        })();
        return closing;
      },
    };
    logger.info({ url, version: PATROL_VERSION, engine: opts.runEngine ?? true }, `Patrol API listening on ${url}`);
    await opts.hooks?.started?.(patrol);
    return patrol;
  } catch (err) {
    if (ownRuntime) await runtime.close();
    throw err;
  }
}
