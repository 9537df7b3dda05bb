import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../errors/index.js';

/** A 256-bit key for credentials at rest, and a short id so rows record which key sealed them. */
export interface SecretKey {
  id: string;
  key: Buffer;
}

export interface SecretKeySource {
  /** Base64 (44 chars) or hex (64 chars) key, e.g. PATROL_SECRET_KEY. */
  value?: string;
  /** A file holding the key, e.g. PATROL_SECRET_KEY_FILE (Kubernetes Secret mounts). */
  file?: string;
  /** Where the embedded mode keeps a generated key when neither is given. */
  generatedFile?: string;
}

export function parseKey(text: string, where: string): SecretKey {
  const t = text.trim();
  let key: Buffer;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else key = Buffer.from(t, 'base64');
  if (key.length !== 32) throw new InputError(`${where}: the secret key must be 32 bytes, base64 or hex encoded (got ${key.length} bytes)`, { field: where });
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 12), key };
}

/**
 * Loads the key from env or file; in the embedded mode, creates one (mode 0600) on first use so
 * credentials are never stored unencrypted.
 */
export function loadSecretKey(src: SecretKeySource): SecretKey {
  if (src.value) return parseKey(src.value, 'PATROL_SECRET_KEY');
  if (src.file) {
    if (!existsSync(src.file)) throw new InputError(`secret key file ${src.file} does not exist`, { field: 'PATROL_SECRET_KEY_FILE' });
    return parseKey(readFileSync(src.file, 'utf8'), src.file);
  }
  if (!src.generatedFile) throw new InputError('no secret key: set PATROL_SECRET_KEY or PATROL_SECRET_KEY_FILE', { field: 'PATROL_SECRET_KEY' });
  if (existsSync(src.generatedFile)) return parseKey(readFileSync(src.generatedFile, 'utf8'), src.generatedFile);
  mkdirSync(dirname(src.generatedFile), { recursive: true, mode: 0o700 });
  writeFileSync(src.generatedFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return parseKey(readFileSync(src.generatedFile, 'utf8'), src.generatedFile);
}
