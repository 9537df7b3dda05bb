/**
 * The write-side Status bodies of kube-apiserver (k8s.io/apimachinery/pkg/api/errors), worded as
 * the real server words them: conflicts, already exists, invalid, forbidden by admission.
 */
import type { ServerResource } from './resources.js';
import type { Status } from './status.js';

const qualified = (res: ServerResource) => (res.group ? `${res.resource}.${res.group}` : res.resource);
const kindQualified = (res: ServerResource) => (res.group ? `${res.kind}.${res.group}` : res.kind);

function st(code: number, reason: string, message: string, details?: Status['details']): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export const alreadyExists = (res: ServerResource, name: string) => st(409, 'AlreadyExists', `${qualified(res)} "${name}" already exists`, { name, ...(res.group ? { group: res.group } : {}), kind: res.resource });

export const modified = (res: ServerResource, name: string) =>
  st(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(res)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, ...(res.group ? { group: res.group } : {}), kind: res.resource });

export const applyConflict = (message: string, causes: { field: string; message: string }[]) => st(409, 'Conflict', message, { causes: causes.map((c) => ({ reason: 'FieldManagerConflict', ...c })) });

export interface FieldError {
  field: string;
  /** "Invalid value: ...: reason", "Required value", "Forbidden: ..." */
  detail: string;
  reason: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden';
}

export function invalid(res: ServerResource, name: string, errors: FieldError[]): Status {
  const list = errors.map((e) => `${e.field}: ${e.detail}`);
  const message = `${kindQualified(res)} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`;
  return st(422, 'Invalid', message, { name, ...(res.group ? { group: res.group } : {}), kind: res.kind, causes: errors.map((e) => ({ reason: e.reason, message: e.detail, field: e.field })) });
}

/** An admission plugin's refusal (quota, PodSecurity): 403 Forbidden. */
export const forbiddenByAdmission = (res: ServerResource, name: string, why: string) => st(403, 'Forbidden', `${qualified(res)} "${name}" is forbidden: ${why}`, { name, ...(res.group ? { group: res.group } : {}), kind: res.resource });

/** A validating webhook's refusal (apiserver's webhookerrors.ToStatusErr: 400 unless the webhook sets a code). */
export const webhookDenied = (webhook: string, message: string, code = 400, reason = '') => st(code, reason, `admission webhook "${webhook}" denied the request: ${message}`);

export const badRequestMessage = (message: string) => st(400, 'BadRequest', message);

export const unsupportedMediaType = (type: string) => st(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got ${type}`);

export const namespaceNotFound = (ns: string) => st(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });

export function success(res: ServerResource, name: string, uid: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, ...(res.group ? { group: res.group } : {}), kind: res.resource, uid } };
}
