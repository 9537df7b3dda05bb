import { parse } from 'yaml';
import type { Store } from '../store/store.js';
import type { InventoryFormat, StoredInventory, StoredInventorySummary } from '../store/inventories-repository.js';
import type { Page } from '../store/records.js';
import { InputError, NotFoundError, ConflictError } from '../errors/index.js';

/** Largest inventory accepted (a few thousand hosts with variables). */
export const MAX_INVENTORY_BYTES = 1024 * 1024;

/**
 * Ansible inventories stored in Patrol (INI or YAML), versioned: every change is a new version and
 * runs record which one they used. Steps refer to them as `store:NAME` (or `store:NAME@VERSION`).
 */
export class InventoryService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now,
  ) {}

  list(opts: { namespaces?: readonly string[]; after?: { namespace: string; name: string }; limit: number }): Promise<Page<StoredInventorySummary>> {
    return this.store.inventories.listLatest(opts);
  }

  async get(namespace: string, name: string, version?: number): Promise<StoredInventory> {
    const inv = await this.store.inventories.get(namespace, name, version);
    if (!inv) throw new NotFoundError(version === undefined ? `inventory ${namespace}/${name} not found` : `inventory ${namespace}/${name} has no version ${version}`, { inventory: `${namespace}/${name}` });
    return inv;
  }

  async versions(namespace: string, name: string, opts: { before?: number; limit: number }): Promise<Page<StoredInventorySummary>> {
    const page = await this.store.inventories.versions(namespace, name, opts);
    if (page.items.length === 0 && opts.before === undefined) throw new NotFoundError(`inventory ${namespace}/${name} not found`, { inventory: `${namespace}/${name}` });
    return page;
  }

  async create(input: { namespace: string; name: string; format: InventoryFormat; content: string; description?: string | null }, by: string | null): Promise<StoredInventory> {
    checkInventory(input.format, input.content);
    return this.store.transaction(async (tx) => {
      if ((await tx.inventories.latestVersion(input.namespace, input.name)) !== undefined) throw new ConflictError(`inventory ${input.namespace}/${input.name} already exists; PUT adds a version`, { field: 'body.name' });
      const inv: StoredInventory = { namespace: input.namespace, name: input.name, version: 1, format: input.format, content: input.content, description: input.description ?? null, createdBy: by, createdAt: this.clock() };
      await tx.inventories.insert(inv);
      return inv;
    });
  }

  /** Adds a version (creating the inventory when needed); identical content adds nothing. */
  async update(namespace: string, name: string, input: { format: InventoryFormat; content: string; description?: string | null }, by: string | null): Promise<StoredInventory & { created: boolean }> {
    checkInventory(input.format, input.content);
    return this.store.transaction(async (tx) => {
      const latest = await tx.inventories.get(namespace, name);
      if (latest && latest.content === input.content && latest.format === input.format && (input.description === undefined || input.description === latest.description)) return { ...latest, created: false };
      const inv: StoredInventory = {
        namespace,
        name,
        version: (latest?.version ?? 0) + 1,
        format: input.format,
        content: input.content,
        description: input.description === undefined ? (latest?.description ?? null) : input.description,
        createdBy: by,
        createdAt: this.clock(),
      };
      await tx.inventories.insert(inv);
      return { ...inv, created: true };
    });
  }

  async delete(namespace: string, name: string): Promise<number> {
    const n = await this.store.inventories.deleteAll(namespace, name);
    if (n === 0) throw new NotFoundError(`inventory ${namespace}/${name} not found`, { inventory: `${namespace}/${name}` });
    return n;
  }
}

/**
 * Structural checks that catch a wrong format early (Ansible itself parses the file at run time):
 * YAML must be a mapping of groups; INI lines must be sections, hosts or variables.
 */
export function checkInventory(format: InventoryFormat, content: string): void {
  if (Buffer.byteLength(content) > MAX_INVENTORY_BYTES) throw new InputError(`inventory content is larger than ${MAX_INVENTORY_BYTES / 1024} KiB`, { field: 'body.content' });
  if (content.trim() === '') throw new InputError('inventory content is empty', { field: 'body.content' });
  if (format === 'yaml') {
    let v: unknown;
    try {
      v = parse(content, { maxAliasCount: 100 });
    } catch (err) {
      throw new InputError(`inventory is not valid YAML: ${(err as Error).message.split('\n')[0]}`, { field: 'body.content' });
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InputError('a YAML inventory is a mapping of groups (all: {hosts: ..., children: ...})', { field: 'body.content' });
    for (const [group, body] of Object.entries(v)) {
      if (body !== null && (typeof body !== 'object' || Array.isArray(body))) throw new InputError(`group ${group}: expected a mapping with hosts, children or vars`, { field: 'body.content' });
    }
    return;
  }
  content.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    if (line.startsWith('[')) {
      if (!/^\[[^\]\s]+\]$/.test(line)) throw new InputError(`line ${i + 1}: a section header looks like [group], [group:vars] or [group:children]`, { field: 'body.content' });
      return;
    }
    if (/^\S+(\s+\S+=.*)*$/.test(line) || /^[\w.-]+\s*=/.test(line)) return;
    throw new InputError(`line ${i + 1}: expected a host (name [key=value ...]), a variable (key=value) or a [section]`, { field: 'body.content' });
  });
}
