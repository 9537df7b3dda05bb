/**
 * What kube-apiserver does to an object before storing it, for the kinds Patrol writes: defaulting
 * (the fields a dry run or a later GET shows although nobody set them), validation (422 Invalid with
 * field paths) and immutability of Job templates and PVC specs.
 */
import { randomUUID } from 'node:crypto';
import type { FieldError } from './api-status.js';
import type { ServerResource } from './resources.js';

type Obj = Record<string, unknown>;
const isMap = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const m = (o: Obj, k: string): Obj => {
  if (!isMap(o[k])) o[k] = {};
  return o[k] as Obj;
};
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

let serviceIps = 10;

/** Server-side defaults (a subset of the API's defaulting functions). `created` is true on create. */
export function applyDefaults(res: ServerResource, obj: Obj, created: boolean): void {
  const spec = m(obj, 'spec');
  const podSpec = (tmpl: unknown) => {
    if (!isMap(tmpl)) return;
    const ps = m(tmpl, 'spec');
    ps.restartPolicy ??= 'Always';
    ps.dnsPolicy ??= 'ClusterFirst';
    ps.terminationGracePeriodSeconds ??= 30;
    for (const c of (ps.containers as Obj[] | undefined) ?? []) {
      c.imagePullPolicy ??= String(c.image ?? '').endsWith(':latest') || !String(c.image ?? '').includes(':') ? 'Always' : 'IfNotPresent';
      c.terminationMessagePath ??= '/dev/termination-log';
      for (const p of (c.ports as Obj[] | undefined) ?? []) p.protocol ??= 'TCP';
    }
  };
  switch (res.kind) {
    case 'Deployment':
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      podSpec(spec.template);
      break;
    case 'StatefulSet':
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.podManagementPolicy ??= 'OrderedReady';
      spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
      podSpec(spec.template);
      break;
    case 'DaemonSet':
      spec.revisionHistoryLimit ??= 10;
      spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } };
      podSpec(spec.template);
      break;
    case 'Job': {
      spec.backoffLimit ??= 6;
      spec.completions ??= 1;
      spec.parallelism ??= 1;
      spec.completionMode ??= 'NonIndexed';
      spec.suspend ??= false;
      podSpec(spec.template);
      if (created && isMap(spec.template)) {
        const uid = String((obj.metadata as Obj).uid ?? ((obj.metadata as Obj).uid = randomUUID()));
        const name = String((obj.metadata as Obj).name);
        const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
        spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
        const tm = m(spec.template, 'metadata');
        tm.labels = { ...(tm.labels as Obj | undefined), ...labels };
      }
      break;
    }
    case 'Service': {
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      if (created && spec.clusterIP === undefined) {
        serviceIps++;
        spec.clusterIP = `10.96.${Math.floor(serviceIps / 250)}.${(serviceIps % 250) + 1}`;
        spec.clusterIPs = [spec.clusterIP];
      }
      for (const p of (spec.ports as Obj[] | undefined) ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      break;
    }
    case 'PersistentVolumeClaim':
      spec.storageClassName ??= 'standard';
      spec.volumeMode ??= 'Filesystem';
      break;
    case 'Secret': {
      // kube-apiserver folds stringData into data (base64) and never stores stringData.
      if (isMap(obj.stringData)) {
        const data = m(obj, 'data');
        for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
        delete obj.stringData;
      }
      obj.type ??= 'Opaque';
      delete obj.spec;
      break;
    }
    default:
      if (Object.keys(spec).length === 0) delete obj.spec;
  }
}

/** Field errors of an object (empty when valid). */
export function validateObject(res: ServerResource, obj: Obj): FieldError[] {
  const errors: FieldError[] = [];
  const meta = (obj.metadata ?? {}) as Obj;
  const name = String(meta.name ?? '');
  if (!DNS1123.test(name) || name.length > 253) {
    errors.push({ field: 'metadata.name', reason: 'FieldValueInvalid', detail: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')` });
  }
  const spec = (obj.spec ?? {}) as Obj;
  const template = (spec.template ?? {}) as Obj;
  const podSpec = (template.spec ?? {}) as Obj;
  const containers = (podSpec.containers ?? []) as Obj[];
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(res.kind)) {
    if (containers.length === 0) errors.push({ field: 'spec.template.spec.containers', reason: 'FieldValueRequired', detail: 'Required value' });
    containers.forEach((c, i) => {
      if (!c.name) errors.push({ field: `spec.template.spec.containers[${i}].name`, reason: 'FieldValueRequired', detail: 'Required value' });
      if (!c.image) errors.push({ field: `spec.template.spec.containers[${i}].image`, reason: 'FieldValueRequired', detail: 'Required value' });
    });
  }
  if (['Deployment', 'StatefulSet', 'DaemonSet'].includes(res.kind)) {
    const sel = ((spec.selector ?? {}) as Obj).matchLabels as Record<string, string> | undefined;
    const labels = (((template.metadata ?? {}) as Obj).labels ?? {}) as Record<string, string>;
    if (!sel || Object.keys(sel).length === 0) errors.push({ field: 'spec.selector', reason: 'FieldValueRequired', detail: 'Required value' });
    else if (!Object.entries(sel).every(([k, v]) => labels[k] === v)) {
      errors.push({ field: 'spec.template.metadata.labels', reason: 'FieldValueInvalid', detail: `Invalid value: ${goMap(labels)}: \`selector\` does not match template \`labels\`` });
    }
  }
  if (res.kind === 'Job') {
    const rp = podSpec.restartPolicy;
    if (rp !== 'Never' && rp !== 'OnFailure') errors.push({ field: 'spec.template.spec.restartPolicy', reason: 'FieldValueInvalid', detail: `Unsupported value: "${String(rp)}": supported values: "OnFailure", "Never"` });
  }
  return errors;
}

/** Errors for changes the API forbids after creation. */
export function immutableChanges(res: ServerResource, before: Obj, after: Obj): FieldError[] {
  const spec = (o: Obj) => (o.spec ?? {}) as Obj;
  if (res.kind === 'Job' && JSON.stringify(spec(before).template) !== JSON.stringify(spec(after).template)) {
    return [{ field: 'spec.template', reason: 'FieldValueInvalid', detail: 'Invalid value: core.PodTemplateSpec{...}: field is immutable' }];
  }
  if (res.kind === 'PersistentVolumeClaim') {
    const strip = (o: Obj) => JSON.stringify({ ...spec(o), resources: undefined, volumeAttributesClassName: undefined });
    if (strip(before) !== strip(after)) return [{ field: 'spec', reason: 'FieldValueForbidden', detail: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims' }];
  }
  return [];
}

function goMap(labels: Record<string, string>): string {
  return `map[string]string{${Object.entries(labels)
    .map(([k, v]) => `"${k}":"${v}"`)
    .join(', ')}}`;
}
