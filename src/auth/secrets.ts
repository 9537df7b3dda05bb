import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random secret, base64url (256 bits by default). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** sha256 hex: how tokens and session ids are stored (a leaked table gives no usable secret). */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** API tokens are recognisable (secret scanners, logs): `ptk_` + 43 base64url characters. */
export const TOKEN_PREFIX = 'ptk_';

export function newApiToken(): string {
  return `${TOKEN_PREFIX}${randomSecret(32)}`;
}
