import { createHmac, timingSafeEqual } from 'node:crypto';
import { keyTypeOf } from './host-key.js';

/**
 * OpenSSH known_hosts, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" describes it:
 *   [@marker] hostpatterns keytype base64-key [comment]
 * Host patterns are comma-separated names with `*` / `?` wildcards and `!` negation, or
 * `[host]:port` for non-standard ports; a hashed entry (`|1|salt|hash`: HMAC-SHA1 of the name
 * keyed by the salt) hides the name.
 */
export interface KnownHostsEntry {
  file: string;
  /** 1-based line number, for messages. */
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
  hosts: { kind: 'patterns'; patterns: string[] } | { kind: 'hashed'; salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
}

/** A line that could not be used, so callers can report it rather than silently trust less. */
export interface KnownHostsProblem {
  file: string;
  line: number;
  reason: string;
}

export function parseKnownHosts(text: string, file: string): { entries: KnownHostsEntry[]; problems: KnownHostsProblem[] } {
  const entries: KnownHostsEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const parsed = parseLine(lines[i]!.trim());
    if (parsed === undefined) continue;
    if (typeof parsed === 'string') problems.push({ file, line: i + 1, reason: parsed });
    else entries.push({ file, line: i + 1, ...parsed });
  }
  return { entries, problems };
}

/** One line: undefined for blanks and comments, a reason string for unusable lines. */
function parseLine(line: string): Omit<KnownHostsEntry, 'file' | 'line'> | string | undefined {
  if (line === '' || line.startsWith('#')) return undefined;
  const fields = line.split(/\s+/);
  let marker: KnownHostsEntry['marker'];
  if (fields[0]!.startsWith('@')) {
    const m = fields.shift()!;
    if (m === '@revoked') marker = 'revoked';
    else if (m === '@cert-authority') marker = 'cert-authority';
    else return `unknown marker ${m}`;
  }
  const [hostField, keyType, keyText] = fields;
  if (hostField === undefined || keyType === undefined || keyText === undefined) return 'expected: hostpatterns keytype key';
  const hosts = parseHostField(hostField);
  if (typeof hosts === 'string') return hosts;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyText)) return 'the key is not base64';
  const key = Buffer.from(keyText, 'base64');
  const embedded = keyTypeOf(key);
  if (embedded !== keyType) return `key type field ${keyType} does not match the key's own type ${embedded ?? '(unreadable)'}`;
  return { marker, hosts, keyType, key };
}

function parseHostField(field: string): KnownHostsEntry['hosts'] | string {
  if (!field.startsWith('|')) return { kind: 'patterns', patterns: field.split(',').filter((p) => p !== '') };
  const m = /^\|1\|([A-Za-z0-9+/]+={0,2})\|([A-Za-z0-9+/]+={0,2})$/.exec(field);
  if (!m) return 'hashed host field is not |1|salt|hash';
  const salt = Buffer.from(m[1]!, 'base64');
  const hash = Buffer.from(m[2]!, 'base64');
  // HMAC-SHA1: 20-byte salt (the HMAC key) and 20-byte digest.
  if (salt.length !== 20 || hash.length !== 20) return 'hashed host field has a salt or hash of the wrong length';
  return { kind: 'hashed', salt, hash };
}

/** The name known_hosts stores for a host: `host` on port 22, `[host]:port` otherwise. */
export function hostLookupName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** OpenSSH's wildcard match: `*` any run of characters, `?` exactly one; case-insensitive. */
function wildcardMatch(text: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return re.test(text);
}

export function entryMatchesHost(entry: KnownHostsEntry, host: string, port: number): boolean {
  const name = hostLookupName(host, port);
  if (entry.hosts.kind === 'hashed') {
    const digest = createHmac('sha1', entry.hosts.salt).update(name).digest();
    return timingSafeEqual(digest, entry.hosts.hash);
  }
  let matched = false;
  for (const p of entry.hosts.patterns) {
    // A matching negated pattern excludes the host whatever else matches.
    if (p.startsWith('!')) {
      if (wildcardMatch(name, p.slice(1))) return false;
    } else if (wildcardMatch(name, p)) matched = true;
  }
  return matched;
}

export type HostKeyCheck =
  | { status: 'known'; entry: KnownHostsEntry }
  | { status: 'revoked'; entry: KnownHostsEntry }
  /** Entries of the presented key's type exist for the host, none with this key. */
  | { status: 'changed'; expected: KnownHostsEntry[] }
  /** The host is known, but only with keys of other types. */
  | { status: 'other-type'; known: KnownHostsEntry[] }
  | { status: 'unknown' };

/**
 * Verifies the key a server presented against known_hosts entries (of all files, in order).
 * A revoked key loses over any match; certificate authorities are not used (Patrol does not
 * negotiate host certificates), so such lines never vouch for a plain key.
 */
export function checkHostKey(entries: readonly KnownHostsEntry[], host: string, port: number, presented: Buffer): HostKeyCheck {
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e, host, port));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(presented));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const exact = plain.find((e) => e.key.equals(presented));
  if (exact) return { status: 'known', entry: exact };
  const type = keyTypeOf(presented);
  const sameType = plain.filter((e) => e.keyType === type);
  if (sameType.length > 0) return { status: 'changed', expected: sameType };
  if (plain.length > 0) return { status: 'other-type', known: plain };
  return { status: 'unknown' };
}

/** Key types known for a host (non-revoked plain entries), for host key algorithm preference. */
export function knownKeyTypes(entries: readonly KnownHostsEntry[], host: string, port: number): string[] {
  return [...new Set(entries.filter((e) => e.marker === undefined && entryMatchesHost(e, host, port)).map((e) => e.keyType))];
}

/** A plain known_hosts line for a host's key, as `ssh-keyscan` would print it. */
export function knownHostsLine(host: string, port: number, key: Buffer): string {
  const type = keyTypeOf(key) ?? 'unknown';
  return `${hostLookupName(host, port)} ${type} ${key.toString('base64')}`;
}
