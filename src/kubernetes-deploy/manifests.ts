import { readFile } from 'node:fs/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { InputError } from '../errors/index.js';
import { renderValue } from '../workflow/expressions/template.js';

/** Where manifests come from; `params` fill `${{ params.NAME }}` templates in files and inline YAML. */
export interface ManifestSource {
  files?: string[];
  /** Multi-document YAML text, or objects. */
  manifests?: string | Record<string, unknown>[];
  params?: Record<string, unknown>;
}

/** An object with what the API needs to address it (checked here, so the API never sees a nameless object). */
export type Manifest = KubernetesObject & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } };

/**
 * Reads every manifest (files in order, then inline), renders templates, drops empty documents
 * and `List` wrappers, and puts namespaced-looking objects without a namespace into
 * `defaultNamespace` (the API server decides namespacing; cluster-scoped kinds are listed here).
 */
export async function loadManifests(src: ManifestSource, defaultNamespace: string): Promise<Manifest[]> {
  const out: Manifest[] = [];
  const context = { params: src.params ?? {} };
  for (const file of src.files ?? []) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new InputError(`manifest file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
    }
    out.push(...parseDocs(text, file).map((o, i) => checkManifest(renderValue(o, context), `${file} document ${i + 1}`, defaultNamespace)));
  }
  const inline = src.manifests;
  const objs = typeof inline === 'string' ? parseDocs(inline, 'manifests') : (inline ?? []);
  out.push(...objs.map((o, i) => checkManifest(renderValue(o, context), `manifests[${i}]`, defaultNamespace)));
  return out;
}

function parseDocs(text: string, where: string): unknown[] {
  const docs = parseAllDocuments(text);
  const values: unknown[] = [];
  for (const [i, d] of (Array.isArray(docs) ? docs : [docs]).entries()) {
    if (d.errors.length > 0) throw new InputError(`${where} document ${i + 1}: YAML error: ${d.errors[0]!.message.split('\n')[0]}`, { where });
    const v: unknown = d.toJS();
    if (v === null || v === undefined) continue;
    const items = (v as { kind?: unknown }).kind === 'List' ? ((v as { items?: unknown[] }).items ?? []) : [v];
    values.push(...items);
  }
  return values;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'IngressClass', 'GatewayClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);

function checkManifest(v: unknown, where: string, defaultNamespace: string): Manifest {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InputError(`${where}: a manifest must be a mapping with apiVersion, kind and metadata.name`);
  const o = v as Record<string, unknown>;
  const meta = o.metadata as Record<string, unknown> | undefined;
  for (const [field, value] of [['apiVersion', o.apiVersion], ['kind', o.kind], ['metadata.name', meta?.name]] as const) {
    if (typeof value !== 'string' || value === '') throw new InputError(`${where}: ${field} is required (a non-empty string)`);
  }
  const m = o as unknown as Manifest;
  if (!CLUSTER_SCOPED.has(m.kind) && !m.metadata.namespace) m.metadata.namespace = defaultNamespace;
  return m;
}
