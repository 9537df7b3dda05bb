import { createRequire } from 'node:module';
import { errorField } from './error-fields.js';

// ssh2 ships no type declarations (and node-ssh's refer to the missing @types/ssh2), so its key
// parser is loaded untyped and checked at runtime instead of being cast. Loaded on first use:
// ssh2 is heavy and most Patrol commands never parse a key.
let loaded: unknown;

function parseKeyFunction(): (key: string, passphrase?: string) => unknown {
  loaded ??= createRequire(import.meta.url)('ssh2');
  if (typeof loaded === 'object' && loaded !== null && 'utils' in loaded) {
    const utils: unknown = loaded.utils;
    if (typeof utils === 'object' && utils !== null && 'parseKey' in utils && typeof utils.parseKey === 'function') {
      const parseKey = utils.parseKey;
      return (key, passphrase) => parseKey(key, passphrase);
    }
  }
  throw new Error('ssh2 does not export utils.parseKey; is the installed ssh2 1.x?');
}

/** ssh2's parsed private key: opaque here, handed back to ssh2 for public key authentication. */
export interface ParsedPrivateKey {
  readonly parsed: object;
  readonly type: string;
}

/**
 * Parses (and, with a passphrase, decrypts) a private key once per step, in memory. Decrypting
 * an OpenSSH key runs bcrypt (~200 ms of CPU), so doing it once instead of per host matters for
 * a fleet; and a bad key or passphrase fails the step once, clearly. Returns why it cannot be
 * used otherwise.
 */
export function parsePrivateKey(privateKey: string, passphrase: string | undefined): ParsedPrivateKey | string {
  let result = parseKeyFunction()(privateKey, passphrase);
  // Files with several keys parse to a list; OpenSSH's format holds one key, the first.
  if (Array.isArray(result)) result = result[0];
  if (typeof result !== 'object' || result === null) return 'not a private key';
  // ssh2 returns (not throws) an Error; checked by shape, as it comes from another realm under jest.
  if (!('isPrivateKey' in result) || typeof result.isPrivateKey !== 'function') return errorField(result, 'message') ?? 'not a private key';
  if (!result.isPrivateKey()) return 'the key is a public key, not a private key';
  const type = 'type' in result && typeof result.type === 'string' ? result.type : 'unknown';
  return { parsed: result, type };
}
