import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import { NonRetryableError } from '../errors/index.js';

/** Steps name stored inventories as `store:NAME` or `store:NAME@VERSION` (in the run's namespace). */
export const STORED_INVENTORY_PREFIX = 'store:';

/** Writes a stored inventory into a step's work directory and returns the file's path. */
export interface InventoryResolver {
  materialize(ref: string, opts: { namespace: string; dir: string; log?: (message: string) => void }): Promise<string>;
}

export function isStoredInventoryRef(inventory: string): boolean {
  return inventory.startsWith(STORED_INVENTORY_PREFIX);
}

/**
 * Resolves `store:` references from Patrol's store, so a run finds its inventory on any worker:
 * the content is read from the database and written into the attempt's private work directory.
 */
export function storeInventoryResolver(store: Store): InventoryResolver {
  return {
    async materialize(ref, opts) {
      const m = /^store:([a-z0-9]([-a-z0-9.]*[a-z0-9])?)(@(\d+))?$/.exec(ref);
      if (!m) throw new NonRetryableError(`inventory "${ref}": a stored inventory is store:NAME or store:NAME@VERSION`, { code: 'inventory-not-found', details: { field: 'inventory' } });
      const name = m[1]!;
      const version = m[4] === undefined ? undefined : Number(m[4]);
      const inv = await store.inventories.get(opts.namespace, name, version);
      if (!inv) {
        throw new NonRetryableError(`stored inventory ${opts.namespace}/${name}${version !== undefined ? ` version ${version}` : ''} not found (patrol inventories, or POST /api/v1/inventories)`, {
          code: 'inventory-not-found',
          details: { field: 'inventory', inventory: ref },
        });
      }
      const dir = join(opts.dir, 'inventories');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `${name}-v${inv.version}.${inv.format === 'yaml' ? 'yml' : 'ini'}`);
      await writeFile(file, inv.content, { mode: 0o600 });
      opts.log?.(`inventory ${ref}: ${opts.namespace}/${name} version ${inv.version} (${inv.format})`);
      return file;
    },
  };
}

/** Replaces `store:` references in a list of inventories by files; other entries pass through. */
export async function materializeInventories(list: readonly string[], resolver: InventoryResolver | undefined, opts: { namespace: string; dir: string; log?: (message: string) => void }): Promise<string[]> {
  const out: string[] = [];
  for (const inv of list) {
    if (!isStoredInventoryRef(inv)) out.push(inv);
    else if (!resolver) throw new NonRetryableError(`inventory "${inv}" is stored in Patrol, but this step type was built without access to the store`, { code: 'inventory-not-found', details: { field: 'inventory' } });
    else out.push(await resolver.materialize(inv, opts));
  }
  return out;
}
