import { InputError, NotFoundError } from '../errors/index.js';
import type { Store } from '../store/store.js';

/** Accepts a full run id or a unique prefix of one (like git). */
export async function resolveRunId(store: Store, idOrPrefix: string): Promise<string> {
  const id = idOrPrefix.trim().toLowerCase();
  if (id.length < 4) throw new InputError(`run id "${idOrPrefix}" is too short; give at least 4 characters`, { field: 'run' });
  const matches = await store.runs.resolveRunId(id);
  if (matches.length === 0) throw new NotFoundError(`no run with id ${idOrPrefix} (see: patrol runs list)`, { run: idOrPrefix });
  if (matches.length > 1 && !matches.includes(id)) throw new InputError(`run id prefix "${idOrPrefix}" is ambiguous; give more characters`, { field: 'run' });
  return matches.includes(id) ? id : matches[0]!;
}
