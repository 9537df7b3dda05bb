import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { HealthChecks } from '../api/health.js';
import { InputError } from '../errors/index.js';
import type { Runtime } from '../runtime/open-runtime.js';
import type { Logger } from '../logging/logger.js';
import type { Dispatcher } from '../queue/dispatcher.js';

export interface WorkerHealthOptions {
  /** `host:port` or `port` (all interfaces). */
  listen: string;
  runtime: Pick<Runtime, 'store' | 'engine'>;
  logger: Logger;
  version: string;
}

export interface WorkerHealth {
  url: string;
  close(): Promise<void>;
}

function listenAddress(listen: string): { host: string; port: number } {
  const m = /^(?:(\[[^\]]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new InputError(`--health-listen ${listen}: use host:port or port (e.g. 0.0.0.0:8081)`, { field: '--health-listen' });
  return { host: (m[1] ?? '0.0.0.0').replace(/^\[|\]$/g, ''), port };
}

/**
 * The worker's probe endpoints for Kubernetes, Docker and systemd watchdogs (a worker serves no
 * API): GET /healthz answers while the process runs; GET /readyz checks the database and, in the
 * distributed mode, Redis (503 with the failing check otherwise).
 */
export async function startWorkerHealth(opts: WorkerHealthOptions): Promise<WorkerHealth> {
  const { host, port } = listenAddress(opts.listen);
  const checks = new HealthChecks();
  checks.addReadinessCheck('database', async () => {
    await sql`select 1`.execute(opts.runtime.store.db);
  });
  const dispatcher = opts.runtime.engine.dispatcher as Dispatcher & { ping?: () => Promise<boolean> };
  if (typeof dispatcher.ping === 'function') {
    const ping = dispatcher.ping.bind(dispatcher);
    checks.addReadinessCheck('redis', async () => {
      if (!(await ping())) throw new Error('Redis does not answer PING');
    });
  }
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: { code: 'method-not-allowed', message: 'GET only' } });
    if (path === '/healthz') return send(200, { status: 'ok', version: opts.version });
    if (path === '/readyz') {
      checks.run().then(
        (r) => send(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not-ready', checks: r.checks }),
        (err: unknown) => send(503, { status: 'not-ready', error: err instanceof Error ? err.message : String(err) }),
      );
      return;
    }
    send(404, { error: { code: 'not-found', message: 'the worker serves /healthz and /readyz only' } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  opts.logger.info({ url }, 'worker health endpoints listening (/healthz, /readyz)');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
