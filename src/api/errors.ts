import type { ErrorRequestHandler } from 'express';
import type { z } from 'zod';
import { InputError, PatrolError, UnauthenticatedError, AccessDeniedError, RateLimitedError, UnprocessableError } from '../errors/index.js';
import type { Logger } from '../logging/logger.js';
import type { ErrorBody } from './schemas/common.js';

/** HTTP status per error code: the only place semantic errors become HTTP. */
const STATUS_BY_CODE: Record<string, number> = {
  'invalid-input': 400,
  'malformed-json': 400,
  'bad-request': 400,
  unauthenticated: 401,
  'invalid-credentials': 401,
  'token-expired': 401,
  forbidden: 403,
  'csrf-failed': 403,
  'account-disabled': 403,
  'not-found': 404,
  'route-not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  unprocessable: 422,
  'rate-limited': 429,
  'account-locked': 429,
  'not-implemented': 501,
  'database-unavailable': 503,
};

export interface HttpError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** Body-parser failures (err.type) as error codes and messages that never echo the body. */
const BODY_ERRORS: Record<string, { status: number; code: string; message: (err: { limit?: number }) => string }> = {
  'entity.parse.failed': { status: 400, code: 'malformed-json', message: () => 'the request body is not valid JSON' },
  'entity.too.large': { status: 413, code: 'payload-too-large', message: (e) => `the request body is larger than ${formatBytes(e.limit ?? 0)}` },
  'encoding.unsupported': { status: 415, code: 'unsupported-media-type', message: () => 'unsupported content encoding' },
  'charset.unsupported': { status: 415, code: 'unsupported-media-type', message: () => 'unsupported charset; send UTF-8' },
  'request.aborted': { status: 400, code: 'bad-request', message: () => 'the request was aborted' },
  'request.size.invalid': { status: 400, code: 'bad-request', message: () => 'the request body does not match its Content-Length' },
};

/**
 * Maps anything thrown to a status and the API's error body. Semantic errors keep their code and
 * message; anything else is an internal error whose details stay in the server log (no stack
 * traces or internal messages reach clients).
 */
export function toHttpError(err: unknown, requestId: string): HttpError {
  const headers: Record<string, string> = {};
  if (isBodyParserError(err)) {
    const known = BODY_ERRORS[err.type];
    if (known) return { status: known.status, headers, body: { error: { code: known.code, message: known.message(err) } } };
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return { status: err.status, headers, body: { error: { code: 'bad-request', message: 'the request body could not be read' } } };
  }
  if (err instanceof PatrolError) {
    let status = STATUS_BY_CODE[err.code];
    if (err instanceof UnauthenticatedError) status = 401;
    else if (err instanceof AccessDeniedError) status = 403;
    else if (err instanceof RateLimitedError) status = 429;
    else if (err instanceof UnprocessableError) status = 422;
    else if (err instanceof InputError && Array.isArray(err.details.issues) && err.name === 'WorkflowInvalidError') status = 422;
    if (status !== undefined) {
      const body: ErrorBody = { error: { code: err.code, message: err.message } };
      const field = err.details.field;
      if (typeof field === 'string') body.error.field = field;
      const issues = err.details.issues;
      if (Array.isArray(issues)) body.error.issues = issues.slice(0, 100).map(issueOf);
      if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="patrol"';
      const retry = err.details.retryAfterSeconds;
      if (status === 429 && typeof retry === 'number') headers['Retry-After'] = String(retry);
      return { status, headers, body };
    }
  }
  return { status: 500, headers, body: { error: { code: 'internal', message: `internal error; the server log has the details (request id ${requestId})`, requestId } } };
}

function issueOf(i: unknown): NonNullable<ErrorBody['error']['issues']>[number] {
  const o = (i ?? {}) as Record<string, unknown>;
  const out: NonNullable<ErrorBody['error']['issues']>[number] = { message: typeof o.message === 'string' ? o.message : String(i) };
  if (typeof o.field === 'string') out.field = o.field;
  else if (typeof o.path === 'string') out.field = o.path;
  if (typeof o.line === 'number') out.line = o.line;
  if (typeof o.column === 'number') out.column = o.column;
  if (typeof o.rule === 'string') out.rule = o.rule;
  return out;
}

interface BodyParserError {
  type: string;
  status?: number;
  limit?: number;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return err !== null && typeof err === 'object' && typeof (err as { type?: unknown }).type === 'string' && 'expose' in err;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/** The error middleware: logs internal errors (with stack, server side only) and answers in the one format. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    const requestId = String(res.locals.requestId ?? '');
    const mapped = toHttpError(err, requestId);
    if (mapped.status >= 500) logger.error({ err, requestId, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) {
      // A stream already started: all we can do is end it.
      res.end();
      return;
    }
    void next;
    res.status(mapped.status).set(mapped.headers).json(mapped.body);
  };
}

/**
 * Validates one part of a request against its schema; failures become an InputError naming the
 * field (`body.params.count`) and listing every issue. Messages never include the values sent.
 */
export function validatePart<T extends z.ZodType>(schema: T, value: unknown, part: 'path' | 'query' | 'body'): z.output<T> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const issues = res.error.issues.flatMap((i) => {
    const base = [part, ...i.path.map(String)].join('.');
    if (i.code === 'unrecognized_keys') {
      const keys = (i as { keys: string[] }).keys;
      return keys.map((k) => ({ field: `${base}.${k}`, message: part === 'query' ? `unknown query parameter "${k}"` : `unknown field "${k}"` }));
    }
    return [{ field: base, message: i.message }];
  });
  const first = issues[0]!;
  throw new InputError(`${first.field}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, { field: first.field, issues });
}
