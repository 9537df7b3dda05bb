import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { writeFileSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * A small HTTP application for the application-inspection tests, with everything the checks read
 * under the test's control:
 * - health endpoints (GET /health by default; any path can be added) with a settable status,
 *   latency and body (JSON or text);
 * - GET /metrics in the Prometheus text format: HikariCP gauges per pool
 *   (hikaricp_connections_active/idle/pending/max/min{pool="..."}) that the test sets, among
 *   the usual noise of a JVM exporter (histograms, NaN, +Inf, escaped label values, timestamps);
 * - optional HTTPS with a key and certificate (makeTestCertificates makes them with openssl).
 * Listens on 127.0.0.1 (a free port unless given).
 */

export interface HealthRoute {
  status: number;
  /** Delay before the response headers. */
  latencyMs: number;
  /** An object or array is sent as JSON; a string as text/plain. */
  body: unknown;
}

export interface PoolGauges {
  active: number;
  idle: number;
  pending: number;
  max: number;
  min: number;
}

export interface TestApp {
  url: string;
  port: number;
  /** Requests served, by path. */
  hits: Record<string, number>;
  /** Sets (part of) a health route; creates it when new. */
  setHealth(path: string, route: Partial<HealthRoute>): void;
  /** Sets (part of) a pool's gauges; creates the pool when new. */
  setPool(name: string, gauges: Partial<PoolGauges>): void;
  /** Status of /metrics (200 by default; e.g. 503 to break it). */
  setMetricsStatus(status: number): void;
  /** The current /metrics page. */
  metrics(): string;
  close(): Promise<void>;
}

export const DEFAULT_HEALTH: HealthRoute = { status: 200, latencyMs: 0, body: { status: 'UP', components: { db: { status: 'UP' }, diskSpace: { status: 'UP' } } } };
export const DEFAULT_POOL: PoolGauges = { active: 2, idle: 8, pending: 0, max: 10, min: 2 };

/** The /metrics page for these pools: HikariCP gauges plus exporter noise the parser must survive. */
export function metricsPage(pools: ReadonlyMap<string, PoolGauges>): string {
  const lines: string[] = [
    '# HELP jvm_memory_used_bytes The amount of used memory',
    '# TYPE jvm_memory_used_bytes gauge',
    'jvm_memory_used_bytes{area="heap",id="G1 Eden Space",} 1.2582912E7',
    'jvm_memory_used_bytes{area="nonheap",id="Metaspace",} 4.5123456E7',
    '# HELP http_server_requests_seconds Duration of HTTP server request handling',
    '# TYPE http_server_requests_seconds histogram',
    'http_server_requests_seconds_bucket{method="GET",uri="/health",le="0.005"} 10',
    'http_server_requests_seconds_bucket{method="GET",uri="/health",le="+Inf"} 12',
    'http_server_requests_seconds_count{method="GET",uri="/health"} 12',
    'http_server_requests_seconds_sum{method="GET",uri="/health"} 0.0421',
    '# HELP app_info Build information',
    '# TYPE app_info gauge',
    'app_info{version="1.4.2",description="first line\\nsecond \\"quoted\\" back\\\\slash"} 1',
    'cache_hit_ratio NaN',
    'queue_capacity +Inf',
    'legacy_requests_total 1027 1700000000000',
  ];
  const gauges: (keyof PoolGauges)[] = ['active', 'idle', 'pending', 'max', 'min'];
  const help: Record<keyof PoolGauges, string> = {
    active: 'Active connections',
    idle: 'Idle connections',
    pending: 'Pending threads',
    max: 'Max connections',
    min: 'Min connections',
  };
  for (const g of gauges) {
    lines.push(`# HELP hikaricp_connections_${g} ${help[g]}`, `# TYPE hikaricp_connections_${g} gauge`);
    for (const [name, p] of pools) lines.push(`hikaricp_connections_${g}{pool="${name}",} ${p[g].toFixed(1)}`);
  }
  lines.push('# HELP hikaricp_connections Total connections', '# TYPE hikaricp_connections gauge');
  for (const [name, p] of pools) lines.push(`hikaricp_connections{pool="${name}",} ${(p.active + p.idle).toFixed(1)}`);
  return `${lines.join('\n')}\n`;
}

export async function startTestApp(opts: { tls?: { key: string; cert: string }; port?: number } = {}): Promise<TestApp> {
  const routes = new Map<string, HealthRoute>([['/health', { ...DEFAULT_HEALTH }]]);
  const pools = new Map<string, PoolGauges>([['main', { ...DEFAULT_POOL }]]);
  let metricsStatus = 200;
  const hits: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits[path] = (hits[path] ?? 0) + 1;
    if (path === '/metrics') {
      res.writeHead(metricsStatus, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(metricsStatus === 200 ? metricsPage(pools) : 'metrics unavailable\n');
      return;
    }
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    const send = () => {
      const json = typeof route.body !== 'string';
      res.writeHead(route.status, { 'content-type': json ? 'application/json' : 'text/plain' });
      res.end(req.method === 'HEAD' ? undefined : json ? JSON.stringify(route.body) : String(route.body));
    };
    if (route.latencyMs > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, route.latencyMs);
      timers.add(t);
    } else send();
  };

  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    hits,
    setHealth(path, route) {
      routes.set(path, { ...(routes.get(path) ?? DEFAULT_HEALTH), ...route });
    },
    setPool(name, gauges) {
      pools.set(name, { ...(pools.get(name) ?? DEFAULT_POOL), ...gauges });
    },
    setMetricsStatus(status) {
      metricsStatus = status;
    },
    metrics: () => metricsPage(pools),
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface TestCertificates {
  /** PEM file of the CA that signed every leaf. */
  caFile: string;
  leaf(name: string): { key: string; cert: string };
}

/**
 * A private CA (valid a year) and leaf certificates for 127.0.0.1/localhost signed by it, each
 * valid for `days` from now (a negative number makes one that expired that many days ago), made
 * with the openssl CLI in `dir`.
 */
export async function makeTestCertificates(dir: string, leaves: { name: string; days: number }[]): Promise<TestCertificates> {
  const openssl = (...args: string[]) => execa('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(join(dir, 'leaf.ext'), 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '365', '-subj', '/O=Patrol Test/CN=Patrol Test App CA');
  await Promise.all(
    leaves.map(async ({ name, days }) => {
      await openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}.patrol.test`);
      await openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(1000 + Math.floor(Math.random() * 1e6)), '-days', String(days), '-extfile', 'leaf.ext', '-out', `${name}.pem`);
    }),
  );
  return {
    caFile: join(dir, 'ca.pem'),
    leaf: (name) => ({ key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.pem`), 'utf8') }),
  };
}
