/**
 * metav1.Status bodies exactly as kube-apiserver writes them for each error (messages and
 * reasons copied from k8s.io/apimachinery/pkg/api/errors and the RBAC authorizer).
 */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { continue?: string };
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message: string; field?: string }[]; retryAfterSeconds?: number };
  code: number;
}

const st = (code: number, reason: string, message: string, details?: Status['details'], metadata: Status['metadata'] = {}): Status => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata,
  status: 'Failure',
  message,
  reason,
  ...(details ? { details } : {}),
  code,
});

export const unauthorized = () => st(401, 'Unauthorized', 'Unauthorized');

/** RBAC denial, worded as the authorizer does for each scope. */
export function forbidden(a: { user: string; verb: string; group: string; resource: string; subresource?: string; namespace?: string; name?: string; path?: string }): Status {
  if (a.path !== undefined) return st(403, 'Forbidden', `forbidden: User "${a.user}" cannot ${a.verb} path "${a.path}"`, {});
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  const what = a.name ? `${qualified} "${a.name}"` : qualified;
  return st(403, 'Forbidden', `${what} is forbidden: User "${a.user}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${scope}`, {
    ...(a.name ? { name: a.name } : {}),
    ...(a.group ? { group: a.group } : {}),
    kind: a.resource,
  });
}

export const notFoundPath = () => st(404, 'NotFound', 'the server could not find the requested resource', {});

export function notFound(group: string, resource: string, name: string): Status {
  const qualified = group ? `${resource}.${group}` : resource;
  return st(404, 'NotFound', `${qualified} "${name}" not found`, { name, ...(group ? { group } : {}), kind: resource });
}

export const EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** 410 for an expired continue token; `freshContinue` is the API server's "inconsistent" token. */
export const expired = (freshContinue?: string) => st(410, 'Expired', EXPIRED_MESSAGE, undefined, freshContinue ? { continue: freshContinue } : {});

export const tooManyRequests = (retryAfterSeconds: number) => st(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });

export const badRequest = (message: string) => st(400, 'BadRequest', message);

export const methodNotAllowed = () => st(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});

export const internalError = (message: string) => st(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });

export const serviceUnavailable = (message: string) => st(503, 'ServiceUnavailable', message);
