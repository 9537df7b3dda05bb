import { StepError } from '../errors/index.js';

/** Error codes Node and OpenSSL give certificate and handshake failures. */
const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/;
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);

/**
 * A request that never produced a usable response: DNS, connect, TLS, reset, bad HTTP. Code
 * `connection`, retryable (the service may be restarting); the message names the URL and the
 * underlying error as Node/OpenSSL worded it (`certificate has expired`, `connect ECONNREFUSED`).
 */
export function connectionFailure(method: string, url: URL, err: unknown): StepError {
  const { message, code } = errorParts(err);
  const stage = code && DNS_CODES.has(code) ? `DNS lookup of ${url.hostname} failed` : code && TLS_CODE.test(code) ? 'TLS handshake failed' : 'request failed';
  const why = code && !message.includes(code) ? `${message} (${code})` : message;
  const hint = code && TLS_CODE.test(code) && url.protocol === 'https:' ? tlsHint(code) : '';
  return new StepError(`${method} ${url.href}: ${stage}: ${why}${hint}`, { code: 'connection', retryable: true, details: { url: url.href, cause: code ?? 'error' }, cause: err });
}

/**
 * Message and code of anything thrown. Duck-typed on purpose: errors made by Node's internals
 * may come from another realm (vm contexts, test runners) and fail `instanceof Error`.
 */
export function errorParts(err: unknown): { message: string; code: string | undefined } {
  if (typeof err === 'object' && err !== null) {
    const message = 'message' in err && typeof err.message === 'string' ? err.message : String(err);
    const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
    return { message, code };
  }
  return { message: String(err), code: undefined };
}

function tlsHint(code: string): string {
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY') {
    return '; if the server uses a private CA, set caCert to that CA';
  }
  return '';
}

/** The whole exchange outlived `with.timeout`. Retryable: a slow moment may pass. */
export function timeoutFailure(method: string, url: URL, timeoutMs: number, phase: string): StepError {
  return new StepError(`${method} ${url.href}: timed out after ${timeoutMs} ms (with.timeout) while ${phase}`, { code: 'timeout', retryable: true, details: { url: url.href, timeoutMs, phase } });
}
