import { InputError } from '../errors/index.js';

/** Cursors are opaque to clients: the repository's key, base64url-encoded. */
export function encodeCursor(key: string | undefined): string | null {
  return key === undefined ? null : Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InputError('cursor is not a value returned as `next` by this list', { field: 'query.cursor' });
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

/** A cursor holding [namespace, name] (lists ordered by both). */
export function decodePairCursor(cursor: string | undefined): { namespace: string; name: string } | undefined {
  const raw = decodeCursor(cursor);
  if (raw === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return { namespace: v[0], name: v[1] };
  } catch {
    // Falls through to the error.
  }
  throw new InputError('cursor is not a value returned as `next` by this list', { field: 'query.cursor' });
}

/** A cursor holding a number (versions). */
export function decodeNumberCursor(cursor: string | undefined): number | undefined {
  const raw = decodeCursor(cursor);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new InputError('cursor is not a value returned as `next` by this list', { field: 'query.cursor' });
  return n;
}
