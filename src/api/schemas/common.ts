import { z } from 'zod';

/** The one error format of the API. */
export const errorSchema = z
  .object({
    error: z
      .object({
        /** Stable machine-readable code: invalid-input, unauthenticated, forbidden, not-found, conflict, ... */
        code: z.string(),
        /** For people; may change. */
        message: z.string(),
        /** The request field at fault, as a path: `body.params.count`, `query.limit`. */
        field: z.string().optional(),
        /** Further problems (workflow validation issues, every invalid field). */
        issues: z.array(z.object({ field: z.string().optional(), message: z.string(), line: z.number().optional(), column: z.number().optional(), rule: z.string().optional() })).optional(),
        /** Correlates with the server log for internal errors. */
        requestId: z.string().optional(),
      })
      .meta({ id: 'ErrorBody' }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorSchema>;

/** A page of a list: `next` is the opaque cursor of the following page, null on the last. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().nullable() });
}

// ---- query string values (always strings on the wire)

const INT = /^-?\d+$/;

/** An integer in the query string. */
export function qInt(min: number, max: number) {
  return z
    .string()
    .regex(INT, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

/** Comma-separated values from a fixed set (a repeated parameter is joined with commas). */
export function qList<T extends string>(values: readonly [T, ...T[]]) {
  return z
    .string()
    .meta({ description: `comma-separated, any of: ${values.join(', ')}` })
    .transform((s) => s.split(',').map((v) => v.trim()).filter((v) => v !== ''))
    .pipe(z.array(z.enum(values)).min(1, 'give at least one value'));
}

/** true/false in the query string. */
export const qBool = z.enum(['true', 'false']).transform((v) => v === 'true');

/** A time: RFC 3339 (2024-05-01T10:00:00Z) or epoch milliseconds. */
export const qTime = z
  .string()
  .meta({ description: 'RFC 3339 time or epoch milliseconds' })
  .transform((s, ctx) => {
    const n = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 time or epoch milliseconds' });
      return z.NEVER;
    }
    return n;
  });

/** Paging parameters of every list. */
export const pagingQuery = {
  /** Items per page. @defaultValue 50 */
  limit: qInt(1, 500).optional().meta({ description: 'items per page (1-500, default 50)' }),
  /** The `next` of the previous page. */
  cursor: z.string().max(512).optional().meta({ description: 'the `next` value of the previous page' }),
};

// ---- path and body values

export const namespaceName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-"').max(63);
export const resourceName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be lowercase letters, digits, "-" or "."').max(253);
export const idParam = z.string().regex(/^[0-9a-z]{4,26}$/, 'must be an id (or a unique prefix of at least 4 characters)');
/** A check id or target with `*` as a wildcard (`host.disk.*`, `web-*`). */
export const globQuery = z.string().min(1).max(253).regex(/^[^%\\]+$/, 'letters, digits, ".", "-", "/", ":" and * as a wildcard');
export const ulidParam = z.string().regex(/^[0-9a-z]{26}$/, 'must be an id (26 lowercase letters and digits)');
/** Epoch milliseconds. */
export const epochMs = z.number().int().meta({ description: 'epoch milliseconds' });

/** A JSON object of unknown shape (params, outputs, labels). */
export const jsonObject = z.record(z.string(), z.unknown());

export const emptyObject = z.object({}).strict();
export const okSchema = z.object({ ok: z.literal(true) });
