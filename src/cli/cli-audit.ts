import { hostname } from 'node:os';
import type { Store } from '../store/store.js';
import { AuditService, type AuditEvent } from '../audit/audit-service.js';

/**
 * Audits a change made by the embedded CLI (straight on the store, no server): the local user
 * is the actor and the host is where it came from. Never fails the command.
 */
export async function cliAudit(store: Store, e: Omit<AuditEvent, 'actor' | 'actorKind' | 'outcome' | 'userAgent'> & { outcome?: AuditEvent['outcome'] }): Promise<void> {
  await new AuditService(store).record({ ...e, actor: process.env.USER || 'local', actorKind: 'cli', outcome: e.outcome ?? 'success', userAgent: `patrol-cli@${hostname()}` });
}
