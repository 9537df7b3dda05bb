import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Actor } from '../auth/actor.js';
import type { Permission } from '../auth/permissions.js';
import type { From } from '../auth/auth-service.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call a route: holders of one permission, any signed-in user, or anyone. */
export type Access = Permission | 'authenticated' | 'public';

/** What the automatic audit entry of an unsafe route records. */
export interface AuditSpec {
  /** e.g. runs.trigger, credentials.write */
  action: string;
  resourceType: string;
}

/** Facts a handler adds to its route's audit entry (who, what, where is filled in for it). */
export interface AuditNote {
  resourceId?: string;
  namespace?: string;
  details?: Record<string, unknown>;
  /** For routes without an authenticated caller (login): the name the caller gave. */
  actor?: string;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The caller; throws UnauthenticatedError on public routes without credentials. */
  readonly actor: Actor;
  readonly maybeActor: Actor | undefined;
  from: From;
  /** Throws AccessDeniedError unless the caller holds `p` in `namespace` (globally without one). */
  authorize(p: Permission, namespace?: string): void;
  audit: AuditNote;
  /** Answers with this status instead of the route's (e.g. 503 from a failed readiness check). */
  setStatus(status: number): void;
  req: Request;
  res: Response;
}

/** A streamed response (SSE, JSON lines, CSV): the handler writes to ctx.res itself. */
export interface StreamResponse {
  stream: 'text/event-stream' | 'application/x-ndjson' | 'text/csv' | 'text/html';
  description: string;
}

export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType | null | StreamResponse> {
  method: HttpMethod;
  /** Express-style path below /api/v1: `/runs/:id/logs`. */
  path: string;
  /** OpenAPI tag (the resource). */
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** The response body schema (responses are parsed with it: nothing undeclared leaves the server), null for 204, or a stream. */
  response: R;
  /** @defaultValue 200 (204 when response is null) */
  status?: 200 | 201 | 202;
  /** Required for unsafe methods: every change is audited. */
  audit?: AuditSpec;
  /** For unsafe methods that change nothing (validation): no audit entry. */
  changesNothing?: true;
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<R extends z.ZodType ? z.input<R> : void>;
}

/** A route with its types erased, as the app and the OpenAPI generator see it. */
export interface AnyRoute {
  method: HttpMethod;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType | null | StreamResponse;
  status?: 200 | 201 | 202;
  audit?: AuditSpec;
  changesNothing?: true;
  handler(ctx: RouteContext<unknown, unknown, unknown>): Promise<unknown>;
}

/** Declares a route; the types of params, query, body and result follow from its schemas. */
export function defineRoute<P extends z.ZodType = z.ZodType<Record<string, never>>, Q extends z.ZodType = z.ZodType<Record<string, never>>, B extends z.ZodType = z.ZodType<undefined>, R extends z.ZodType | null | StreamResponse = z.ZodType>(
  def: RouteDef<P, Q, B, R>,
): AnyRoute {
  return def as unknown as AnyRoute;
}

export function isStream(r: AnyRoute['response']): r is StreamResponse {
  return r !== null && typeof r === 'object' && 'stream' in r && typeof (r as StreamResponse).stream === 'string';
}

/** `/runs/:id` -> `/runs/{id}` (OpenAPI). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export function routeKey(r: Pick<AnyRoute, 'method' | 'path'>): string {
  return `${r.method.toUpperCase()} ${r.path}`;
}
