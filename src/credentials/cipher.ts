import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PatrolError } from '../errors/index.js';
import type { SecretKey } from './secret-key.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM; output is base64(iv | tag | ciphertext). `aad` binds the ciphertext to its row. */
export function seal(key: SecretKey, plaintext: string, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
}

export function open(key: SecretKey, sealed: string, aad: string): string {
  const buf = Buffer.from(sealed, 'base64');
  const iv = buf.subarray(0, IV_BYTES);
  const tag = buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const ct = buf.subarray(IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new PatrolError(`cannot decrypt credential "${aad}": wrong secret key or corrupted data`, { code: 'decrypt-failed', retryable: false, cause: err });
  }
}
