import type { K8sObject } from './helm.js';

/**
 * Checks Kubernetes objects against the Kubernetes API's own schemas, offline (no API server
 * here): the ajv validators that `kubernetes-models` generates from the Kubernetes OpenAPI
 * document (types, required fields, enums, formats) plus an unknown-field check like
 * `kubectl --validate=strict`, from the field lists @kubernetes/client-node generates from the
 * same document (the ajv validators accept unknown fields, so a typo such as `readinessProb`
 * would otherwise pass).
 */

interface AttributeType {
  baseName: string;
  type: string;
}
type ModelClass = { getAttributeTypeMap(): AttributeType[] };
type Validatable = new (data: unknown) => { validate(): void };

let clientModels: Promise<Record<string, unknown>> | undefined;

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

async function modelClass(apiVersion: string, kind: string): Promise<Validatable | undefined> {
  const { group, version } = splitApiVersion(apiVersion);
  const path = group === '' ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
  try {
    const mod = (await import(path)) as Record<string, unknown>;
    return mod[kind] as Validatable | undefined;
  } catch {
    return undefined;
  }
}

/** Fields of `value` that the type does not declare, recursively (JSON paths). */
function unknownFields(value: unknown, type: string, models: Record<string, unknown>, path: string): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, array[1]!, models, `${path}[${i}]`)) : [];
  const model = models[type] as ModelClass | undefined;
  if (!model || typeof model.getAttributeTypeMap !== 'function' || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const t = attrs.get(k);
    if (t === undefined) out.push(`${path}.${k}: unknown field (${type} has ${[...attrs.keys()].join(', ')})`);
    else out.push(...unknownFields(v, t, models, `${path}.${k}`));
  }
  return out;
}

/** Problems of one object against the Kubernetes schemas: [] when it is valid. */
export async function kubernetesSchemaProblems(obj: K8sObject): Promise<string[]> {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return ['apiVersion and kind are required'];
  const Model = await modelClass(obj.apiVersion, obj.kind);
  if (!Model) return [`${obj.apiVersion} ${obj.kind} is not a kind the Kubernetes API serves (kubernetes-models has no schema for it)`];
  const problems: string[] = [];
  try {
    new Model(obj).validate();
  } catch (err) {
    problems.push(`schema: ${err instanceof Error ? err.message : String(err)}`);
  }
  clientModels ??= import('@kubernetes/client-node') as Promise<Record<string, unknown>>;
  const models = await clientModels;
  const { version } = splitApiVersion(obj.apiVersion);
  const typeName = `${version.charAt(0).toUpperCase()}${version.slice(1)}${obj.kind}`;
  if (!models[typeName]) problems.push(`no field list for ${typeName} in @kubernetes/client-node`);
  else problems.push(...unknownFields(obj, typeName, models, '$'));
  return problems;
}
