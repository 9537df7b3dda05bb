import { createHash } from 'node:crypto';

/**
 * The key type embedded in an SSH public key blob (RFC 4253 §6.6: a length-prefixed type name
 * comes first), e.g. `ssh-ed25519`. Undefined when the blob is malformed.
 */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  const type = blob.subarray(4, 4 + len).toString('latin1');
  return /^[A-Za-z0-9@._-]+$/.test(type) ? type : undefined;
}

/** `SHA256:<base64 without padding>`, the form `ssh-keygen -lf` and `ssh` print. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** `ssh-ed25519 SHA256:...`, for messages. */
export function describeKey(blob: Buffer): string {
  return `${keyTypeOf(blob) ?? 'unknown-type'} ${fingerprintOf(blob)}`;
}

// Host key signature algorithms ssh2 supports, in its own preference order. RSA keys are one
// key type (`ssh-rsa`) signed with one of three algorithms.
const DEFAULT_HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

function algorithmsFor(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return DEFAULT_HOST_KEY_ALGORITHMS.includes(keyType) ? [keyType] : [];
}

/**
 * Host key algorithms to offer, the types already known for the host first (as OpenSSH does),
 * so a server holding several host keys presents the one known_hosts can verify.
 */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  const first = knownTypes.flatMap(algorithmsFor);
  return [...new Set([...first, ...DEFAULT_HOST_KEY_ALGORITHMS])];
}
