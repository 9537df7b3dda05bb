import type { Ctx } from './console-context.js';

/** Links of a keyset-paged list: the next page (same filters, the cursor the API returned) and back to the first. */
export function pagerLinks(c: Ctx, next: string | null): { next: string | null; first: string | null } {
  const base = new URLSearchParams();
  for (const [k, v] of Object.entries(c.req.query)) if (typeof v === 'string' && v !== '' && k !== 'cursor' && k !== 'msg') base.set(k, v);
  const link = (cursor?: string) => {
    const q = new URLSearchParams(base);
    if (cursor) q.set('cursor', cursor);
    const s = q.toString();
    return `${c.req.path}${s ? `?${s}` : ''}`;
  };
  return { next: next ? link(next) : null, first: c.q('cursor') ? link() : null };
}
