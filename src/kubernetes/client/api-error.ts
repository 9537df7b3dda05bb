import type { ApiStatus } from '../model/types.js';

/**
 * Why a request to the API server failed, as the checks report it. `unreachable`, `timeout`,
 * `unauthorized` and `tls` concern the whole cluster; `forbidden` and `not-found` one kind.
 */
export type ApiErrorCode = 'unreachable' | 'timeout' | 'tls' | 'unauthorized' | 'forbidden' | 'not-found' | 'gone' | 'throttled' | 'server-error' | 'bad-response' | 'aborted' | 'http';

export class KubeApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number | undefined;
  readonly apiStatus: ApiStatus | undefined;
  readonly path: string | undefined;

  constructor(code: ApiErrorCode, message: string, opts: { status?: number; apiStatus?: ApiStatus; path?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KubeApiError';
    this.code = code;
    this.status = opts.status;
    this.apiStatus = opts.apiStatus;
    this.path = opts.path;
  }

  /** True when no other request to this cluster can succeed either. */
  get clusterWide(): boolean {
    return this.code === 'unreachable' || this.code === 'timeout' || this.code === 'tls' || this.code === 'unauthorized' || this.code === 'aborted';
  }
}

const NETWORK_UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
const NETWORK_TRANSIENT = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Classifies a Node network/TLS error. `transient` errors are retried before they are reported. */
export function classifyNetworkError(err: NodeJS.ErrnoException, server: string): { code: ApiErrorCode; transient: boolean; message: string } {
  const code = err.code ?? '';
  if (NETWORK_UNREACHABLE.has(code)) return { code: 'unreachable', transient: false, message: `API server ${server} is unreachable: ${code} (${err.message})` };
  if (NETWORK_TRANSIENT.has(code) || /socket hang up/i.test(err.message)) return { code: 'unreachable', transient: true, message: `connection to ${server} failed: ${code || err.message}` };
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code) || /certificate|SSL routines|TLS/i.test(err.message)) {
    return { code: 'tls', transient: false, message: `TLS with ${server} failed: ${err.message}${code ? ` (${code})` : ''}; check certificate-authority-data in the kubeconfig` };
  }
  return { code: 'unreachable', transient: false, message: `request to ${server} failed: ${err.message}${code ? ` (${code})` : ''}` };
}

/** The error code for an HTTP status of the API server. */
export function codeForStatus(status: number): ApiErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 410) return 'gone';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server-error';
  return 'http';
}

/** The API's Status body of an error response, when it is one. */
export function parseStatus(body: Buffer | string): ApiStatus | undefined {
  try {
    const v = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as ApiStatus;
    return v && typeof v === 'object' && v.kind === 'Status' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A short human reason for an API error, with the RBAC hint for 403s. */
export function describeApiError(err: unknown): string {
  if (err instanceof KubeApiError) {
    if (err.code === 'forbidden') return `forbidden (RBAC): ${err.message}; grant it in the ClusterRole (deploy/rbac/patrol-inspector-clusterrole.yaml)`;
    if (err.code === 'unauthorized') return `unauthorized (401): the API server rejected the credentials: ${err.message}`;
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
