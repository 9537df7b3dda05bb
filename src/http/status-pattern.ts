/**
 * An expected response status: an exact code (404, "404") or a pattern whose trailing digits may
 * be `x` wildcards ("2xx", "30x").
 */
export type StatusPattern = number | string;

/** Exact codes and wildcard patterns, 100-599. */
export const STATUS_PATTERN_RE = /^[1-5](?:[0-9]{2}|[0-9][xX]|[xX]{2})$/;

/** True when `status` fits `pattern`; an unparseable pattern matches nothing. */
export function statusMatches(status: number, pattern: StatusPattern): boolean {
  const text = String(pattern);
  if (!STATUS_PATTERN_RE.test(text)) return false;
  const code = String(status);
  if (code.length !== 3) return false;
  for (let i = 0; i < 3; i++) {
    const p = text[i]!.toLowerCase();
    if (p !== 'x' && p !== code[i]) return false;
  }
  return true;
}

export function statusMatchesAny(status: number, patterns: readonly StatusPattern[]): boolean {
  return patterns.some((p) => statusMatches(status, p));
}

/** The default expectation: anything that is not an error. */
export const DEFAULT_STATUS_PATTERNS: readonly StatusPattern[] = ['2xx', '3xx'];
