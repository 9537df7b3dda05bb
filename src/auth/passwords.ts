import bcrypt from 'bcryptjs';
import { InputError } from '../errors/index.js';

/** A hash of a password nobody has, compared against when the user does not exist (same timing). */
let dummyHash: string | undefined;

export async function hashPassword(password: string, rounds: number): Promise<string> {
  return bcrypt.hash(password, rounds);
}

export async function verifyPassword(password: string, hash: string | null, rounds: number): Promise<boolean> {
  if (hash === null) {
    dummyHash ??= await bcrypt.hash('patrol-dummy-password', rounds);
    await bcrypt.compare(password, dummyHash);
    return false;
  }
  return bcrypt.compare(password, hash);
}

/** At least `min` characters, not all the same character; bcrypt reads at most 72 bytes. */
export function checkPasswordPolicy(password: string, min: number, field = 'password'): void {
  if (password.length < min) throw new InputError(`${field} must be at least ${min} characters`, { field });
  if (Buffer.byteLength(password) > 72) throw new InputError(`${field} must be at most 72 bytes (bcrypt ignores the rest)`, { field });
  if (/^(.)\1*$/.test(password)) throw new InputError(`${field} must not be one repeated character`, { field });
}
