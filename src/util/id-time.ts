import { encodeTime } from 'ulid';

/**
 * The smallest id (ULID, lowercase) created at or after `ms`. Ids sort by creation time, so a
 * time range becomes an id range and uses the primary key index: `id >= idFloor(since)` and
 * `id < idFloor(until)`.
 */
export function idFloor(ms: number): string {
  const t = Math.min(Math.max(Math.floor(ms), 0), 2 ** 48 - 1);
  return `${encodeTime(t, 10).toLowerCase()}${'0'.repeat(16)}`;
}
