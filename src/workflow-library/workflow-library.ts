import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import type { StepTypeRegistry } from '../steps/step-type-registry.js';
import type { StoredWorkflowSummary } from '../store/workflows-repository.js';
import type { Page } from '../store/records.js';
import type { Logger } from '../logging/logger.js';
import { ConflictError, InputError, NotFoundError, UnprocessableError } from '../errors/index.js';
import { validateWorkflowText } from '../workflow/validate-workflow.js';
import type { ValidationIssue } from '../workflow/validation-issue.js';
import { formatIssue } from '../workflow/validation-issue.js';
import type { WorkflowDefinition } from '../workflow/workflow-schema.js';

export type WorkflowSource = 'stored' | 'builtin';

export interface WorkflowEntry {
  namespace: string;
  name: string;
  /** Stored workflows count from 1; built-in ones are version 0 and read-only. */
  version: number;
  source: WorkflowSource;
  description: string | null;
  createdBy: string | null;
  createdAt: number | null;
}

export interface WorkflowDocument extends WorkflowEntry {
  yaml: string;
  definition: WorkflowDefinition;
}

/** Largest workflow text accepted. */
export const MAX_WORKFLOW_BYTES = 512 * 1024;

/**
 * Workflows the server can run: stored ones (created through the API, every change a new
 * version) and the built-in ones shipped in workflows/ (read-only). Text is validated exactly as
 * `patrol validate` does before it is stored, so a stored workflow always compiles.
 */
export class WorkflowLibrary {
  private builtinCache: Map<string, WorkflowDocument> | undefined;

  constructor(
    private readonly store: Store,
    private readonly registry: StepTypeRegistry,
    private readonly builtinDir: string | undefined,
    private readonly logger?: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Same issues as `patrol validate`; positions are line:column in the given text. */
  validate(yaml: string): { workflow?: WorkflowDefinition; issues: ValidationIssue[] } {
    if (Buffer.byteLength(yaml) > MAX_WORKFLOW_BYTES) return { issues: [{ path: '(root)', rule: 'size', message: `workflow text is larger than ${MAX_WORKFLOW_BYTES / 1024} KiB` }] };
    return validateWorkflowText(yaml, this.registry);
  }

  /** Throws UnprocessableError (422) listing every issue when the text is not a valid workflow. */
  parse(yaml: string): WorkflowDefinition {
    const res = this.validate(yaml);
    if (!res.workflow) {
      const first = res.issues[0];
      throw new UnprocessableError(`workflow is invalid: ${first ? formatIssue(first) : 'unknown problem'}${res.issues.length > 1 ? ` (and ${res.issues.length - 1} more)` : ''}`, {
        field: 'body.yaml',
        issues: res.issues.map((i) => ({ field: i.path, message: i.message, rule: i.rule, ...(i.line !== undefined ? { line: i.line, column: i.column } : {}) })),
      });
    }
    return res.workflow;
  }

  builtins(): Map<string, WorkflowDocument> {
    if (this.builtinCache) return this.builtinCache;
    const out = new Map<string, WorkflowDocument>();
    let files: string[] = [];
    try {
      files = this.builtinDir ? readdirSync(this.builtinDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
    } catch {
      files = [];
    }
    for (const f of files) {
      const yaml = readFileSync(join(this.builtinDir!, f), 'utf8');
      const res = validateWorkflowText(yaml, this.registry, f);
      if (!res.workflow) {
        this.logger?.warn({ file: f, issues: res.issues.map(formatIssue) }, 'built-in workflow is invalid; not offered');
        continue;
      }
      const def = res.workflow;
      out.set(key(def.metadata.namespace, def.metadata.name), {
        namespace: def.metadata.namespace,
        name: def.metadata.name,
        version: 0,
        source: 'builtin',
        description: def.metadata.description ?? null,
        createdBy: null,
        createdAt: null,
        yaml,
        definition: def,
      });
    }
    this.builtinCache = out;
    return out;
  }

  /** Built-in and stored workflows (latest versions) ordered by namespace and name; `next` is JSON [namespace, name]. */
  async list(opts: { namespaces?: readonly string[]; after?: { namespace: string; name: string }; limit: number }): Promise<Page<WorkflowEntry>> {
    const stored = await this.store.workflows.listLatest(opts);
    const inScope = (ns: string) => !opts.namespaces || opts.namespaces.includes(ns);
    const afterKey = opts.after ? key(opts.after.namespace, opts.after.name) : '';
    const lastStored = stored.items[stored.items.length - 1];
    const upper = stored.next && lastStored ? key(lastStored.namespace, lastStored.name) : undefined;
    const builtins = [...this.builtins().values()].filter((b) => inScope(b.namespace) && key(b.namespace, b.name) > afterKey && (upper === undefined || key(b.namespace, b.name) <= upper));
    const all: WorkflowEntry[] = [...stored.items.map(entryOf), ...builtins.map(({ yaml: _y, definition: _d, ...e }) => e)].sort((a, b) => (key(a.namespace, a.name) < key(b.namespace, b.name) ? -1 : 1));
    const items = all.slice(0, opts.limit);
    const more = Boolean(stored.next) || all.length > opts.limit;
    const last = items[items.length - 1];
    return more && last ? { items, next: JSON.stringify([last.namespace, last.name]) } : { items };
  }

  /** A workflow (the latest version, or the one asked for) with its text and definition. */
  async get(namespace: string, name: string, version?: number): Promise<WorkflowDocument> {
    const builtin = this.builtins().get(key(namespace, name));
    if (builtin) {
      if (version !== undefined && version !== 0) throw new NotFoundError(`built-in workflow ${namespace}/${name} has only version 0`, { field: 'version' });
      return builtin;
    }
    const w = await this.store.workflows.get(namespace, name, version);
    if (!w) throw new NotFoundError(version === undefined ? `workflow ${namespace}/${name} not found` : `workflow ${namespace}/${name} has no version ${version}`, { workflow: `${namespace}/${name}` });
    const res = this.validate(w.yaml);
    if (!res.workflow) throw new UnprocessableError(`stored workflow ${namespace}/${name} v${w.version} no longer validates (a step type changed?): ${res.issues.map(formatIssue).join('; ')}`);
    return { ...entryOf(w), yaml: w.yaml, definition: res.workflow };
  }

  async versions(namespace: string, name: string, opts: { before?: number; limit: number }): Promise<Page<WorkflowEntry>> {
    const builtin = this.builtins().get(key(namespace, name));
    if (builtin) {
      const { yaml: _y, definition: _d, ...e } = builtin;
      return { items: opts.before === undefined ? [e] : [] };
    }
    const page = await this.store.workflows.versions(namespace, name, opts);
    if (page.items.length === 0 && opts.before === undefined) throw new NotFoundError(`workflow ${namespace}/${name} not found`, { workflow: `${namespace}/${name}` });
    return { items: page.items.map(entryOf), ...(page.next ? { next: page.next } : {}) };
  }

  /** Stores a new workflow (version 1); 409 when it exists. */
  async create(yaml: string, by: string | null): Promise<WorkflowDocument> {
    const def = this.parse(yaml);
    const { namespace, name } = def.metadata;
    this.refuseBuiltin(namespace, name);
    return this.store.transaction(async (tx) => {
      if ((await tx.workflows.latestVersion(namespace, name)) !== undefined) throw new ConflictError(`workflow ${namespace}/${name} already exists; PUT /api/v1/workflows/${namespace}/${name} adds a version`, { field: 'body.yaml' });
      const w = { namespace, name, version: 1, yaml, description: def.metadata.description ?? null, createdBy: by, createdAt: this.clock() };
      await tx.workflows.insert(w);
      return { ...entryOf(w), yaml, definition: def };
    });
  }

  /**
   * Adds a version (creating the workflow when needed). The text must name the same workflow as
   * the path. Text identical to the latest version adds nothing (`created` false).
   */
  async update(namespace: string, name: string, yaml: string, by: string | null): Promise<WorkflowDocument & { created: boolean }> {
    const def = this.parse(yaml);
    if (def.metadata.namespace !== namespace || def.metadata.name !== name) {
      throw new InputError(`the workflow text is ${def.metadata.namespace}/${def.metadata.name}, the path says ${namespace}/${name}`, { field: 'body.yaml' });
    }
    return this.saveVersion(def, yaml, by);
  }

  /** For runs of posted text (`patrol run FILE` against a server): stored as a version first, so every run has its text on record. */
  async saveForRun(yaml: string, by: string | null): Promise<WorkflowDocument & { created: boolean }> {
    const def = this.parse(yaml);
    return this.saveVersion(def, yaml, by);
  }

  async delete(namespace: string, name: string): Promise<number> {
    this.refuseBuiltin(namespace, name);
    const n = await this.store.workflows.deleteAll(namespace, name);
    if (n === 0) throw new NotFoundError(`workflow ${namespace}/${name} not found`, { workflow: `${namespace}/${name}` });
    return n;
  }

  private async saveVersion(def: WorkflowDefinition, yaml: string, by: string | null): Promise<WorkflowDocument & { created: boolean }> {
    const { namespace, name } = def.metadata;
    this.refuseBuiltin(namespace, name);
    return this.store.transaction(async (tx) => {
      const latest = await tx.workflows.get(namespace, name);
      if (latest && latest.yaml === yaml) return { ...entryOf(latest), yaml, definition: def, created: false };
      const w = { namespace, name, version: (latest?.version ?? 0) + 1, yaml, description: def.metadata.description ?? null, createdBy: by, createdAt: this.clock() };
      await tx.workflows.insert(w);
      return { ...entryOf(w), yaml, definition: def, created: true };
    });
  }

  private refuseBuiltin(namespace: string, name: string): void {
    if (this.builtins().has(key(namespace, name))) throw new ConflictError(`${namespace}/${name} is a built-in workflow and cannot be changed; copy it under another name`, { field: 'body.yaml' });
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}\u0000${name}`;
}

function entryOf(w: StoredWorkflowSummary): WorkflowEntry {
  return { namespace: w.namespace, name: w.name, version: w.version, source: 'stored', description: w.description, createdBy: w.createdBy, createdAt: w.createdAt };
}
