import { PatrolError } from '../errors/index.js';
import type { Store } from './store.js';

/** PostgreSQL store for the distributed mode; implemented with the server (see docs/distributed.md). */
export async function openPostgresStore(_url: string): Promise<Store> {
  throw new PatrolError('the PostgreSQL store is not available in this build', { code: 'unsupported', retryable: false });
}
