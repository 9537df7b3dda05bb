import type { Actor } from './actor.js';

/**
 * Who a token belongs to and what it may do, kept for a moment so a busy client costs one lookup
 * per `ttlMs` instead of four queries per request. Changes made through this process (revoking,
 * disabling, rebinding) clear it at once; other servers see them within `ttlMs`.
 */
export class AuthCache {
  private readonly entries = new Map<string, { actor: Actor; until: number }>();

  constructor(
    /** @defaultValue 2000 ms; 0 disables the cache */
    private readonly ttlMs = 2000,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, now: number): Actor | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.actor;
  }

  /** Keeps `actor` until the TTL passes or `expiresAt` (the token's own expiry), whichever is first. */
  set(key: string, actor: Actor, now: number, expiresAt: number | null): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { actor, until: Math.min(now + this.ttlMs, expiresAt ?? Number.MAX_SAFE_INTEGER) });
  }

  clear(): void {
    this.entries.clear();
  }
}
