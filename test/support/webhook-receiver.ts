import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path and query. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent (signatures are computed over it). */
  body: string;
  json: unknown;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Requests to a path (without the query). */
  at(path: string): ReceivedRequest[];
  /** Answer the next `n` requests to `path` with `status` (a receiver that is down or failing). */
  failNext(path: string, n: number, status?: number): void;
  waitFor(path: string, n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 that records every request. Chat robot paths answer like the real
 * services: DingTalk and WeCom with {"errcode":0,"errmsg":"ok"}, Slack with "ok".
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const failures = new Map<string, { n: number; status: number }>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const u = new URL(req.url ?? '/', 'http://x');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        // Not JSON.
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, body, json, at: Date.now() });
      const f = failures.get(u.pathname);
      if (f && f.n > 0) {
        f.n--;
        res.writeHead(f.status, { 'content-type': 'text/plain' }).end('unavailable');
        return;
      }
      if (u.pathname.startsWith('/robot') || u.pathname.startsWith('/cgi-bin')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    at: (path) => requests.filter((r) => r.path === path),
    failNext(path, n, status = 503) {
      failures.set(path, { n, status });
    },
    async waitFor(path, n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = requests.filter((r) => r.path === path);
        if (got.length >= n) return got;
        if (Date.now() > deadline) throw new Error(`expected ${n} requests to ${path}, got ${got.length}: ${requests.map((r) => r.path).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
