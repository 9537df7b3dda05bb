const MASK = '********';
const MIN_SECRET_LENGTH = 4;

/**
 * Replaces every registered secret in text. Values shorter than 4 characters are not masked
 * (masking "a" would destroy every log line); multi-line secrets (keys) are masked line by line too,
 * because tools echo them one line at a time.
 */
export class Masker {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  add(value: string | undefined | null): void {
    if (!value) return;
    const candidates = [value, ...value.split(/\r?\n/).map((l) => l.trim())];
    let changed = false;
    for (const c of candidates) {
      if (c.length >= MIN_SECRET_LENGTH && !this.secrets.has(c)) {
        this.secrets.add(c);
        changed = true;
      }
    }
    if (changed) this.pattern = undefined;
  }

  get size(): number {
    return this.secrets.size;
  }

  mask(text: string): string {
    if (this.secrets.size === 0 || text.length === 0) return text;
    if (!this.pattern) {
      // Longest first so a secret containing another is replaced whole.
      const parts = [...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = new RegExp(parts.join('|'), 'g');
    }
    return text.replace(this.pattern, MASK);
  }

  /** Masks strings anywhere inside a JSON-like value. */
  maskValue<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    return walk(value, (s) => this.mask(s)) as T;
  }
}

function walk(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, f));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, f);
    return out;
  }
  return value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
