import type { Grants } from './grants.js';
import type { Permission } from './permissions.js';
import { AccessDeniedError } from '../errors/index.js';

/** Who is calling: an authenticated user (through a session cookie or an API token) and what they may do. */
export interface Actor {
  userId: string;
  name: string;
  groups: string[];
  via: 'session' | 'token';
  /** Set for token callers. */
  tokenId?: string;
  /** Set for session callers: the CSRF token unsafe requests must echo. */
  csrfToken?: string;
  sessionIdHash?: string;
  grants: Grants;
}

/** Throws AccessDeniedError unless the actor holds `p` (in `namespace`, or globally without one). */
export function authorize(actor: Actor, p: Permission, namespace?: string): void {
  if (!actor.grants.can(p, namespace)) {
    throw new AccessDeniedError(`${actor.name} lacks permission ${p}${namespace !== undefined ? ` in namespace ${namespace}` : ''}`, { permission: p, ...(namespace !== undefined ? { namespace } : {}) });
  }
}
