import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { pipeline, type Readable } from 'node:stream';
import { rootCertificates, TLSSocket } from 'node:tls';
import zlib from 'node:zlib';
import { StepError } from '../errors/index.js';
import { certificateInfo, type CertificateInfo } from './certificate-info.js';
import type { HttpRequestPlan } from './compile-http-request.js';
import { readCappedBody, type CappedBody } from './read-capped-body.js';
import { connectionFailure, timeoutFailure } from './request-failure.js';

/** What came back: the final response after redirects. */
export interface HttpExchange {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  body: CappedBody;
  certificate: CertificateInfo | null;
  latencyMs: number;
  totalMs: number;
  redirects: string[];
}

export interface SendOptions {
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots. */
  ca?: string;
  /** The step's signal: timeout of the step, cancel, run timeout. Destroys the request at once. */
  signal: AbortSignal;
  /** Told about each redirect followed. */
  onRedirect?: (status: number, to: URL) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

class ExchangeTimeout extends Error {}

/**
 * Sends the request with node:http/https (not fetch, whose responses do not expose the TLS
 * socket and so the certificate). One fresh connection per hop: no pooled socket skews latency
 * or hides the handshake. `plan.timeoutMs` bounds everything from connect to the last body byte.
 */
export async function sendHttpRequest(plan: HttpRequestPlan, opts: SendOptions): Promise<HttpExchange> {
  const started = performance.now();
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new ExchangeTimeout()), plan.timeoutMs);
  const onAbort = () => stop.abort(opts.signal.reason);
  if (opts.signal.aborted) onAbort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });
  let url = plan.url;
  let method: string = plan.method;
  let phase = 'connecting or waiting for the response headers';
  try {
    let headers = { ...plan.headers };
    let body = plan.body;
    const redirects: string[] = [];
    for (;;) {
      const { res, certificate } = await requestOnce(url, method, headers, body, plan, opts.ca, stop.signal);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECTS.has(status) && location !== undefined && plan.maxRedirects > 0) {
        res.destroy();
        const next = new URL(location, url);
        if (redirects.length >= plan.maxRedirects) {
          throw new StepError(`${plan.method} ${plan.url.href}: stopped after ${plan.maxRedirects} redirects (the next was to ${next.href})`, { code: 'too-many-redirects', retryable: false, details: { redirects } });
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new StepError(`${method} ${url.href}: redirected to ${next.href}, which is not http or https`, { code: 'connection', retryable: false, details: { redirects } });
        }
        // As browsers do: 303 (and 301/302 after a POST) turn into a GET without a body.
        if (status === 303 || ((status === 301 || status === 302) && method !== 'GET' && method !== 'HEAD')) {
          method = status === 303 && method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
          const { 'content-type': _t, 'content-length': _l, ...rest } = headers;
          headers = rest;
        }
        // Credentials go only to the origin they were meant for.
        if (next.origin !== url.origin) {
          const { authorization: _a, ...rest } = headers;
          headers = rest;
        }
        redirects.push(next.href);
        opts.onRedirect?.(status, next);
        url = next;
        continue;
      }
      const latencyMs = round(performance.now() - started);
      phase = 'reading the body';
      const capped = await readCappedBody(decodedBody(res, method, status, stop.signal), plan.maxBodyBytes);
      return { url, status, headers: res.headers, body: capped, certificate, latencyMs, totalMs: round(performance.now() - started), redirects };
    }
  } catch (err) {
    if (stop.signal.aborted) {
      if (stop.signal.reason instanceof ExchangeTimeout) throw timeoutFailure(method, url, plan.timeoutMs, phase);
      // Stopped by the engine (cancel, step or run timeout): it records why.
      throw opts.signal.reason;
    }
    if (err instanceof StepError) throw err;
    throw connectionFailure(method, url, err);
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', onAbort);
  }
}

/** Resolves at the response headers, with the certificate of the socket that carried them. */
function requestOnce(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, plan: HttpRequestPlan, ca: string | undefined, signal: AbortSignal): Promise<{ res: IncomingMessage; certificate: CertificateInfo | null }> {
  return new Promise((resolve, reject) => {
    const common = { method, headers, signal, agent: false as const };
    const req =
      url.protocol === 'https:'
        ? https.request(url, { ...common, rejectUnauthorized: !plan.insecureSkipVerify, ...(ca !== undefined ? { ca: [...rootCertificates, ca] } : {}) })
        : http.request(url, common);
    // `on`, not `once`: a second error (e.g. a reset after an abort) must not crash the process.
    req.on('error', reject);
    req.once('response', (res) => {
      const socket = res.socket;
      resolve({ res, certificate: socket instanceof TLSSocket ? certificateInfo(socket) : null });
    });
    req.end(body);
  });
}

/**
 * The body as a stream of decoded bytes. We never send Accept-Encoding, but some servers
 * compress anyway, and assertions must see text. The signal destroys the stream (and socket).
 */
function decodedBody(res: IncomingMessage, method: string, status: number, signal: AbortSignal): Readable {
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const empty = method === 'HEAD' || status === 204 || status === 304 || res.headers['content-length'] === '0';
  const decoder = empty ? undefined : encoding === 'gzip' || encoding === 'x-gzip' ? zlib.createGunzip() : encoding === 'deflate' ? zlib.createInflate() : encoding === 'br' ? zlib.createBrotliDecompress() : undefined;
  const out: Readable = decoder ? pipeline(res, decoder, () => undefined) : res;
  const onAbort = () => out.destroy(new Error('aborted'));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  out.once('close', () => signal.removeEventListener('abort', onAbort));
  return out;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
