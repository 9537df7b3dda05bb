import { PatrolError } from '../errors/index.js';
import type { RunDetailJson, RunJson, RunSummaryJson, LogLineJson } from '../api/schemas/runs.js';

/** An error answered by the server, with its code, HTTP status and offending field. */
export class ApiError extends PatrolError {
  constructor(
    message: string,
    readonly status: number,
    code: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, { code, retryable: status >= 500 || status === 429, details });
  }
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface ClientOptions {
  /** The server, e.g. http://patrol.example:8080 (PATROL_SERVER). */
  baseUrl: string;
  /** An API token (PATROL_TOKEN). */
  token?: string;
  /** Per request. @defaultValue 30 s */
  timeoutMs?: number;
  userAgent?: string;
}

export type Query = Record<string, string | number | boolean | undefined | readonly string[]>;

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Thin typed client of the Patrol REST API, used by the CLI in client mode and by tests. */
export class PatrolClient {
  readonly baseUrl: string;

  constructor(private readonly opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', 'user-agent': this.opts.userAgent ?? 'patrol-cli', ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}), ...extra };
  }

  url(path: string, query: Query = {}): string {
    const u = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      u.searchParams.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    return u.toString();
  }

  async request<T>(method: string, path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 30_000);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(this.url(path, opts.query), {
        method,
        headers: this.headers(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal,
      });
    } catch (err) {
      throw new ApiError(`cannot reach the Patrol server at ${this.baseUrl}: ${causeOf(err)}`, 0, 'server-unreachable');
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) throw errorOf(res.status, body, text);
    return body as T;
  }

  /**
   * Server-Sent Events of `path`; reconnects with Last-Event-ID after a dropped connection (up to
   * `retries` times in a row) and ends when the server ends the stream after an `end` event.
   */
  async *events(path: string, opts: { query?: Query; signal?: AbortSignal; lastEventId?: string; retries?: number } = {}): AsyncGenerator<SseEvent> {
    let lastId = opts.lastEventId;
    let failures = 0;
    for (;;) {
      let ended = false;
      try {
        const res = await fetch(this.url(path, opts.query), { headers: this.headers({ accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) }), ...(opts.signal ? { signal: opts.signal } : {}) });
        if (!res.ok) {
          const text = await res.text();
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          throw errorOf(res.status, body, text);
        }
        failures = 0;
        for await (const ev of parseSse(res.body!)) {
          if (ev.id !== undefined) lastId = ev.id;
          yield ev;
          if (ev.event === 'end') ended = true;
        }
        if (ended) return;
      } catch (err) {
        if (err instanceof ApiError && err.status > 0) throw err;
        if (opts.signal?.aborted) return;
        if (++failures > (opts.retries ?? 5)) throw new ApiError(`lost the event stream from ${this.baseUrl}: ${causeOf(err)}`, 0, 'server-unreachable');
      }
      await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** failures, 5000)));
    }
  }

  // ---- typed helpers for what the CLI uses

  listRuns(query: Query): Promise<Page<RunSummaryJson>> {
    return this.request('GET', '/api/v1/runs', { query });
  }

  run(id: string): Promise<RunDetailJson> {
    return this.request('GET', `/api/v1/runs/${encodeURIComponent(id)}`);
  }

  trigger(body: Record<string, unknown>): Promise<RunJson> {
    return this.request('POST', '/api/v1/runs', { body });
  }

  cancel(id: string, reason?: string): Promise<RunJson> {
    return this.request('POST', `/api/v1/runs/${encodeURIComponent(id)}/cancel`, { body: reason ? { reason } : {} });
  }

  retry(id: string, onlyFailedTargets: boolean): Promise<RunJson> {
    return this.request('POST', `/api/v1/runs/${encodeURIComponent(id)}/retry`, { body: { onlyFailedTargets } });
  }

  logs(id: string, query: Query): Promise<Page<LogLineJson>> {
    return this.request('GET', `/api/v1/runs/${encodeURIComponent(id)}/logs`, { query });
  }
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function errorOf(status: number, body: unknown, text: string): ApiError {
  const e = (body as { error?: { code?: unknown; message?: unknown; field?: unknown; issues?: unknown } } | undefined)?.error;
  if (e && typeof e.message === 'string') {
    return new ApiError(e.message, status, typeof e.code === 'string' ? e.code : 'error', { ...(typeof e.field === 'string' ? { field: e.field } : {}), ...(Array.isArray(e.issues) ? { issues: e.issues } : {}) });
  }
  return new ApiError(`the server answered HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`, status, 'http-error');
}

/** Parses an event stream (text/event-stream) into events. */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  let id: string | undefined;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r?\n/)) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer[nl] === '\r' ? 2 : 1));
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n'), ...(id !== undefined ? { id } : {}) };
        event = 'message';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i === -1 ? line : line.slice(0, i);
      const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
  }
}

/** The client of PATROL_SERVER (with PATROL_TOKEN), or undefined in the embedded mode. */
export function clientFromEnv(env: NodeJS.ProcessEnv = process.env): PatrolClient | undefined {
  const server = env.PATROL_SERVER?.trim();
  if (!server) return undefined;
  if (!/^https?:\/\//.test(server)) throw new PatrolError(`PATROL_SERVER must be an http(s) URL, e.g. http://patrol.example:8080 (is "${server}")`, { code: 'invalid-input', retryable: false });
  return new PatrolClient({ baseUrl: server, ...(env.PATROL_TOKEN ? { token: env.PATROL_TOKEN.trim() } : {}) });
}
