import { ALL_NAMESPACES, NAMESPACED_PERMISSIONS, type Permission } from './permissions.js';

export interface Binding {
  role: string;
  namespace: string;
}

/**
 * What one caller may do where: the union of the permissions of the roles bound to the user (or
 * the user's groups) per namespace, intersected with a token's scopes. Non-namespaced permissions
 * count only from "*" bindings.
 */
export class Grants {
  /** permission -> namespaces granted (or "*"). */
  private readonly where = new Map<Permission, Set<string>>();
  /** namespace (or "*") -> role names bound there. */
  private readonly roles = new Map<string, Set<string>>();

  constructor(bindings: readonly Binding[], rolePermissions: ReadonlyMap<string, readonly string[]>, scopes: readonly string[] | null = null) {
    const scopeSet = scopes ? new Set(scopes) : null;
    for (const b of bindings) {
      const perms = rolePermissions.get(b.role);
      if (!perms) continue;
      (this.roles.get(b.namespace) ?? this.roles.set(b.namespace, new Set()).get(b.namespace)!).add(b.role);
      for (const p of perms as readonly Permission[]) {
        if (scopeSet && !scopeSet.has(p)) continue;
        if (b.namespace !== ALL_NAMESPACES && !NAMESPACED_PERMISSIONS.has(p)) continue;
        (this.where.get(p) ?? this.where.set(p, new Set()).get(p)!).add(b.namespace);
      }
    }
  }

  /** Whether `p` is granted in `namespace`; without a namespace (global resources), only from "*". */
  can(p: Permission, namespace?: string): boolean {
    const ns = this.where.get(p);
    if (!ns) return false;
    return ns.has(ALL_NAMESPACES) || (namespace !== undefined && ns.has(namespace));
  }

  /** Granted in at least one namespace (what a route checks before it knows the resource). */
  any(p: Permission): boolean {
    return (this.where.get(p)?.size ?? 0) > 0;
  }

  /** Where `p` is granted: "*" (everywhere) or the namespaces. */
  namespaces(p: Permission): '*' | string[] {
    const ns = this.where.get(p);
    if (!ns) return [];
    return ns.has(ALL_NAMESPACES) ? ALL_NAMESPACES : [...ns].sort();
  }

  /** Role names held in a namespace (including "*" bindings). */
  rolesIn(namespace: string): string[] {
    return [...new Set([...(this.roles.get(ALL_NAMESPACES) ?? []), ...(this.roles.get(namespace) ?? [])])].sort();
  }

  /** Every permission with where it is granted, for /me and the console. */
  toJSON(): Record<string, '*' | string[]> {
    const out: Record<string, '*' | string[]> = {};
    for (const p of [...this.where.keys()].sort()) out[p] = this.namespaces(p);
    return out;
  }

  /** Every permission granted somewhere. */
  permissions(): Permission[] {
    return [...this.where.keys()].sort();
  }
}
