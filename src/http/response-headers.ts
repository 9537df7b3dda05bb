import type { IncomingHttpHeaders } from 'node:http';

/** Longest header value kept in outputs. */
export const MAX_HEADER_VALUE_CHARS = 2048;

/** Headers that carry credentials or sessions, by name: never stored or logged, whatever the server echoes. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|api-?key|password/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

export const REDACTED_VALUE = '[redacted]';

/** Response headers for outputs: lower-case names, repeated headers joined, long values cut, secrets redacted. */
export function outputHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (isSecretHeader(key)) {
      out[key] = REDACTED_VALUE;
      continue;
    }
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    out[key] = text.length > MAX_HEADER_VALUE_CHARS ? `${text.slice(0, MAX_HEADER_VALUE_CHARS)}… (${text.length - MAX_HEADER_VALUE_CHARS} more characters)` : text;
  }
  return out;
}

/** Request headers for a log line: values of credential headers replaced. */
export function loggableHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, isSecretHeader(k) ? REDACTED_VALUE : v]));
}
