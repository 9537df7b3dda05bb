import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type PatrolServer, type ServerOptions } from '../../src/server/start-server.js';
import { openRuntime } from '../../src/runtime/open-runtime.js';
import { silentLogger, type Logger } from '../../src/logging/logger.js';
import { Grants } from '../../src/auth/grants.js';
import { PERMISSION_NAMES } from '../../src/auth/permissions.js';
import type { Actor } from '../../src/auth/actor.js';

export interface TestServer {
  server: PatrolServer;
  url: string;
  home: string;
  /** An admin user's API token. */
  adminToken: string;
  /** Creates a user bound to roles ("role" or "role:namespace") and returns an API token for them. */
  userWithRoles(name: string, roles: string[], opts?: { password?: string; groups?: string[] }): Promise<string>;
  call(method: string, path: string, opts?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers; text: string }>;
  close(): Promise<void>;
}

/** A Patrol server in this process on a random port, over a fresh SQLite home (fast bcrypt). */
export async function startTestServer(opts: Partial<ServerOptions> & { env?: Record<string, string>; logger?: Logger } = {}): Promise<TestServer> {
  const home = mkdtempSync(join(tmpdir(), 'patrol-api-'));
  const env = { ...process.env, PATROL_HOME: home, PATROL_SECRET_KEY: randomBytes(32).toString('base64'), ...opts.env };
  const logger = opts.logger ?? silentLogger();
  const runtime = await openRuntime({ env, logger, settings: { heartbeatIntervalMs: 200 } });
  const server = await startServer({ listen: '127.0.0.1:0', env, logger, runtime, auth: { bcryptRounds: 4, ...opts.auth }, ...(opts.api ? { api: opts.api } : {}), ...(opts.hooks ? { hooks: opts.hooks } : {}), ...(opts.runEngine !== undefined ? { runEngine: opts.runEngine } : {}) });
  const system: Actor = { userId: '', name: 'test', groups: [], via: 'token', grants: new Grants([{ role: 'admin', namespace: '*' }], new Map([['admin', PERMISSION_NAMES]])) };
  const userWithRoles = async (name: string, roles: string[], o: { password?: string; groups?: string[] } = {}) => {
    const user = await server.auth.createUser({ name, password: o.password ?? null, groups: o.groups ?? [] });
    for (const spec of roles) {
      const [role, namespace = '*'] = spec.split(':');
      await server.rbac.bind({ subjectKind: 'user', subject: name, role: role!, namespace }, 'test');
    }
    return (await server.auth.createToken(user, { name: 'test', expiresInDays: 1 }, system)).token;
  };
  const adminToken = await userWithRoles('admin', ['admin']);
  const call: TestServer['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined = o.rawBody;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  };
  return {
    server,
    url: server.url,
    home,
    adminToken,
    userWithRoles,
    call,
    async close() {
      await server.close();
      await runtime.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
