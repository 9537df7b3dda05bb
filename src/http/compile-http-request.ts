import { parseDuration } from '../util/duration.js';
import { toBodyAssertion } from './body-assertion.js';
import type { HttpExpectations } from './http-expectations.js';
import type { HttpMethod, HttpStepInput } from './http-step-input.js';
import { DEFAULT_STATUS_PATTERNS } from './status-pattern.js';

export const DEFAULT_TIMEOUT = '10s';
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const MAX_REDIRECTS = 5;

/** A validated `http` input with every default applied: what the request code works from. */
export interface HttpRequestPlan {
  url: URL;
  method: HttpMethod;
  /** Lower-case names. Authorization is added later from the credential. */
  headers: Record<string, string>;
  body: Buffer | undefined;
  timeoutMs: number;
  insecureSkipVerify: boolean;
  /** 0 when redirects are not followed. */
  maxRedirects: number;
  maxBodyBytes: number;
  expect: HttpExpectations;
}

/** The one place raw input becomes a plan: defaults, durations, header names, body encoding. */
export function compileHttpRequest(input: HttpStepInput): HttpRequestPlan {
  const headers: Record<string, string> = { 'user-agent': 'patrol-http-step' };
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value;
  let body: Buffer | undefined;
  if (input.json !== undefined) {
    body = Buffer.from(JSON.stringify(input.json), 'utf8');
    headers['content-type'] ??= 'application/json';
  } else if (input.body !== undefined) {
    body = Buffer.from(input.body, 'utf8');
  }
  if (body !== undefined) headers['content-length'] = String(body.length);
  const expect = input.expect ?? {};
  return {
    url: new URL(input.url),
    method: input.method ?? 'GET',
    headers,
    body,
    timeoutMs: parseDuration(input.timeout ?? DEFAULT_TIMEOUT, 'with.timeout'),
    insecureSkipVerify: input.insecureSkipVerify ?? false,
    maxRedirects: input.followRedirects === false ? 0 : MAX_REDIRECTS,
    maxBodyBytes: input.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    expect: {
      status: expect.status ?? DEFAULT_STATUS_PATTERNS,
      ...(expect.maxLatency !== undefined ? { maxLatencyMs: parseDuration(expect.maxLatency, 'with.expect.maxLatency') } : {}),
      body: (expect.body ?? []).map(toBodyAssertion),
      ...(expect.certificate ? { minDaysRemaining: expect.certificate.minDaysRemaining } : {}),
    },
  };
}
