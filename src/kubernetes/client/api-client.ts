import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ClusterConnection } from './connection.js';
import { classifyNetworkError, codeForStatus, KubeApiError, parseStatus } from './api-error.js';
import { Limiter, sleep } from './limiter.js';

export interface ApiClientOptions {
  /** Requests in flight at once against this cluster. @defaultValue 4 */
  concurrency?: number;
  /** A request fails when no byte arrives for this long (headers or body). @defaultValue 30000 */
  timeoutMs?: number;
  /** Retries of a request answered 429 (API Priority and Fairness) or 5xx, or reset. @defaultValue 5 */
  maxRetries?: number;
  /** Longest Retry-After honoured; longer values are capped. @defaultValue 60000 */
  maxRetryAfterMs?: number;
  /** Ask for gzip, as kubectl/client-go do (the API server compresses responses over 128 KiB). @defaultValue true */
  compression?: boolean;
  /** After this many timeouts in a row the server counts as not responding; later requests fail at once. @defaultValue 3 */
  timeoutsBeforeGivingUp?: number;
  signal?: AbortSignal;
  /** Called before each retry (for logs). */
  onRetry?: (info: { path: string; status?: number; code: string; waitMs: number; attempt: number }) => void;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A 2xx response whose body is read as a stream (see KubeApiClient.open). */
export interface StreamedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  stream: Readable;
  /** Stops reading (destroys the request) and frees the concurrency slot. */
  close(): void;
}

export interface ApiClientStats {
  requests: number;
  retries: number;
  throttled: number;
  bytes: number;
}

const USER_AGENT = `patrol/0.1.0 (${process.platform}/${process.arch}) kubernetes-inspection`;
/** Throttling and server-side failures that a later attempt may not meet. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const HEADER_REFRESH_MS = 60_000;

/**
 * GET requests to one API server: keep-alive connections with the TLS material and credentials of
 * the kubeconfig (resolved by @kubernetes/client-node, refreshed every minute and after a 401),
 * bounded concurrency, per-request idle timeouts, retries that honour 429 + Retry-After and back
 * off on 5xx, and a breaker that stops waiting on a server that no longer answers.
 */
export class KubeApiClient {
  readonly server: URL;
  readonly stats: ApiClientStats = { requests: 0, retries: 0, throttled: 0, bytes: 0 };
  private readonly limiter: Limiter;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly compression: boolean;
  private readonly timeoutsBeforeGivingUp: number;
  private headers: Record<string, string> = {};
  private headersAt = 0;
  private consecutiveTimeouts = 0;
  private agent!: http.Agent;
  private tls: https.AgentOptions = {};

  private constructor(
    readonly conn: ClusterConnection,
    private readonly opts: ApiClientOptions,
  ) {
    this.server = new URL(conn.server);
    this.limiter = new Limiter(opts.concurrency ?? 4);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxRetries = opts.maxRetries ?? 5;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
    this.compression = opts.compression ?? true;
    this.timeoutsBeforeGivingUp = opts.timeoutsBeforeGivingUp ?? 3;
  }

  static async create(conn: ClusterConnection, opts: ApiClientOptions = {}): Promise<KubeApiClient> {
    const c = new KubeApiClient(conn, opts);
    await c.init();
    return c;
  }

  private async init(): Promise<void> {
    const o = await this.requestOptions();
    const cluster = this.conn.kc.getCurrentCluster();
    this.tls = {
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.cert ? { cert: o.cert } : {}),
      ...(o.key ? { key: o.key } : {}),
      ...(o.pfx ? { pfx: o.pfx } : {}),
      ...(o.passphrase ? { passphrase: o.passphrase } : {}),
      ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
      ...(o.servername ? { servername: o.servername } : {}),
    };
    const sockets = (this.opts.concurrency ?? 4) + 2;
    if (cluster?.proxyUrl && o.agent) this.agent = o.agent as http.Agent; // the library's proxy agent
    else if (this.server.protocol === 'http:') this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
    else this.agent = new https.Agent({ keepAlive: true, maxSockets: sockets, ...this.tls });
  }

  /** The kubeconfig's TLS options (CA, client certificate, server name), for the certificate probe. */
  tlsOptions(): https.AgentOptions {
    return { ...this.tls };
  }

  /** Headers and TLS options from the client library: bearer tokens, exec plugins, basic auth, impersonation. */
  private async requestOptions(): Promise<https.RequestOptions> {
    const o: https.RequestOptions = { headers: {} };
    await this.conn.kc.applyToHTTPSOptions(o);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    if (o.auth) headers.Authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
    this.headers = headers;
    this.headersAt = Date.now();
    return o;
  }

  private async authHeaders(force = false): Promise<Record<string, string>> {
    if (force || Date.now() - this.headersAt > HEADER_REFRESH_MS) await this.requestOptions();
    return this.headers;
  }

  /** GET a path; non-2xx answers are returned (not thrown) after retries of 429/5xx. */
  async get(path: string, query: Record<string, string | undefined> = {}, opts: { accept?: string; timeoutMs?: number; retries?: number; breaker?: boolean; answers?: number[] } = {}): Promise<RawResponse> {
    const r = await this.send(path, query, { ...opts, stream: false });
    return r as RawResponse;
  }

  /**
   * GET a path and hand back the body as a stream (decompressed) for 2xx answers; other answers
   * come back read, as from get(). The request keeps its concurrency slot until the stream ends
   * or `close()` is called, so streams count against `concurrency` like any request.
   */
  async open(path: string, query: Record<string, string | undefined> = {}, opts: { accept?: string; timeoutMs?: number } = {}): Promise<StreamedResponse | RawResponse> {
    return this.send(path, query, { ...opts, stream: true });
  }

  /**
   * `answers`: statuses that are the answer rather than a transient failure, never retried
   * (a failing /readyz is HTTP 500 with the failed checks in its body).
   */
  private async send(path: string, query: Record<string, string | undefined>, opts: { accept?: string; timeoutMs?: number; retries?: number; breaker?: boolean; answers?: number[]; stream: boolean }): Promise<StreamedResponse | RawResponse> {
    const maxRetries = opts.retries ?? this.maxRetries;
    const url = new URL(this.server.href);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, v);
    let refreshedAuth = false;
    for (let attempt = 1; ; attempt++) {
      this.throwIfAborted(path);
      if (this.consecutiveTimeouts >= this.timeoutsBeforeGivingUp) {
        throw new KubeApiError('timeout', `API server ${this.server.host} is not responding (${this.consecutiveTimeouts} requests in a row got no answer within ${Math.round(this.timeoutMs / 1000)} s)`, { path });
      }
      let res: StreamedResponse | RawResponse;
      try {
        const headers = await this.authHeaders();
        const release = await this.limiter.acquire();
        try {
          res = await this.once(url, headers, opts.accept ?? 'application/json', opts.timeoutMs ?? this.timeoutMs, path, opts.stream, release);
        } catch (err) {
          release();
          throw err;
        }
        if (!('stream' in res)) release();
      } catch (err) {
        if (err instanceof KubeApiError) {
          // Optional requests (kubelet configz through the node proxy) do not count towards the breaker.
          if (err.code === 'timeout' && opts.breaker !== false) this.consecutiveTimeouts++;
          throw err;
        }
        const net = classifyNetworkError(err as NodeJS.ErrnoException, this.server.host);
        if (net.transient && attempt <= Math.min(maxRetries, 3)) {
          const waitMs = backoffMs(attempt);
          this.retrying(path, undefined, net.code, waitMs, attempt);
          await sleep(waitMs, this.opts.signal);
          continue;
        }
        throw new KubeApiError(net.code, net.message, { path, cause: err });
      }
      if (opts.breaker !== false) this.consecutiveTimeouts = 0;
      if ('stream' in res) return res;
      if (res.status === 401 && !refreshedAuth) {
        // Tokens rotate (exec plugins, projected service account tokens): refresh once and retry.
        refreshedAuth = true;
        await this.authHeaders(true);
        continue;
      }
      const retryable = RETRYABLE.has(res.status) && !opts.answers?.includes(res.status);
      if (retryable && attempt <= maxRetries) {
        if (res.status === 429) this.stats.throttled++;
        const after = retryAfterMs(res.headers['retry-after']);
        const waitMs = Math.min(after ?? backoffMs(attempt), this.maxRetryAfterMs);
        this.retrying(path, res.status, res.status === 429 ? 'throttled' : 'server-error', waitMs, attempt);
        await sleep(waitMs, this.opts.signal);
        continue;
      }
      return res;
    }
  }

  /** GET and parse JSON; any non-2xx becomes a KubeApiError with the API's Status message. */
  async getJson<T>(path: string, query: Record<string, string | undefined> = {}, opts: { timeoutMs?: number; retries?: number; breaker?: boolean } = {}): Promise<T> {
    const res = await this.get(path, query, opts);
    if (res.status < 200 || res.status >= 300) throw errorFor(res, path);
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch (err) {
      throw new KubeApiError('bad-response', `${path}: the API server answered ${res.status} with a body that is not JSON: ${(err as Error).message}`, { status: res.status, path });
    }
  }

  /** GET a text endpoint (/readyz?verbose): the body is returned whatever the status (500 lists failed checks). */
  async getText(path: string, query: Record<string, string | undefined> = {}, opts: { answers?: number[] } = {}): Promise<{ status: number; text: string }> {
    const res = await this.get(path, query, { accept: 'text/plain, application/json', ...opts });
    return { status: res.status, text: res.body.toString('utf8') };
  }

  private retrying(path: string, status: number | undefined, code: string, waitMs: number, attempt: number): void {
    this.stats.retries++;
    this.opts.onRetry?.({ path, ...(status !== undefined ? { status } : {}), code, waitMs, attempt });
  }

  private throwIfAborted(path: string): void {
    if (this.opts.signal?.aborted) throw new KubeApiError('aborted', `inspection of ${this.conn.name} was cancelled or timed out`, { path });
  }

  private once(url: URL, auth: Record<string, string>, accept: string, timeoutMs: number, path: string, stream: boolean, release: () => void): Promise<StreamedResponse | RawResponse> {
    this.stats.requests++;
    return new Promise<StreamedResponse | RawResponse>((resolve, reject) => {
      const mod = url.protocol === 'http:' ? http : https;
      let settled = false;
      const finish = (err: unknown, res?: StreamedResponse | RawResponse) => {
        if (settled) return;
        settled = true;
        if (err) {
          this.opts.signal?.removeEventListener('abort', onAbort);
          reject(err);
        } else {
          if (!res || !('stream' in res)) this.opts.signal?.removeEventListener('abort', onAbort);
          resolve(res!);
        }
      };
      const req = mod.request(url, {
        method: 'GET',
        agent: this.agent,
        headers: { ...auth, Accept: accept, 'Accept-Encoding': this.compression ? 'gzip' : 'identity', 'User-Agent': USER_AGENT },
      });
      const aborted = () => new KubeApiError('aborted', `inspection of ${this.conn.name} was cancelled or timed out`, { path });
      const onAbort = () => req.destroy(aborted());
      this.opts.signal?.addEventListener('abort', onAbort, { once: true });
      req.setTimeout(timeoutMs, () => req.destroy(new KubeApiError('timeout', `${path}: no answer from ${url.host} within ${formatSeconds(timeoutMs)}`, { path })));
      req.on('error', (err) => finish(err));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const gz = res.headers['content-encoding'] === 'gzip';
        if (stream && status >= 200 && status < 300) {
          const body: Readable = gz ? res.pipe(createGunzip({ chunkSize: 64 * 1024 })) : res;
          if (gz) res.on('error', (e) => body.destroy(e));
          // A request destroyed by its timeout or abort must fail the stream too.
          req.on('error', (e) => body.destroy(e));
          let done = false;
          const close = () => {
            if (done) return;
            done = true;
            this.opts.signal?.removeEventListener('abort', onAbort);
            release();
          };
          body.once('end', close);
          body.once('error', close);
          body.once('close', close);
          finish(undefined, {
            status,
            headers: res.headers,
            stream: body,
            close: () => {
              if (!done) req.destroy();
              close();
            },
          });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const body = gz ? res.pipe(createGunzip()) : res;
        body.on('data', (c: Buffer) => {
          chunks.push(c);
          size += c.length;
        });
        body.on('end', () => {
          this.stats.bytes += size;
          finish(undefined, { status, headers: res.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
        });
        body.on('error', (err) => finish(err));
        res.on('error', (err) => finish(err));
        res.on('aborted', () => finish(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
      });
      req.end();
    });
  }

  close(): void {
    this.agent?.destroy();
  }
}

/** The KubeApiError for a non-2xx response, with the API Status message when there is one. */
export function errorFor(res: RawResponse, path: string): KubeApiError {
  const st = parseStatus(res.body);
  const text = st?.message ?? (res.body.length > 0 ? res.body.toString('utf8').slice(0, 300).trim() : `HTTP ${res.status}`);
  return new KubeApiError(codeForStatus(res.status), text, { status: res.status, path, ...(st ? { apiStatus: st } : {}) });
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function backoffMs(attempt: number): number {
  return Math.min(500 * 2 ** (attempt - 1), 8000);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
