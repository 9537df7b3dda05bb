import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

/** Time-ordered, URL-safe ids (ULID). Sorting by id sorts by creation time. */
export function newId(): string {
  return next().toLowerCase();
}
