/**
 * A small parser for the Prometheus text exposition format (version 0.0.4, and the sample lines
 * of OpenMetrics 1.0 text), enough to read gauges from an application's /metrics page:
 *
 * - `# HELP` / `# TYPE` lines (types are kept), other comments and `# EOF` are skipped;
 * - samples `name{label="value",...} value [timestamp]`, label values with the escapes `\\`,
 *   `\"` and `\n`, a trailing comma in the label set, spaces around tokens;
 * - values as Go's ParseFloat reads them: decimals, exponents, `NaN`, `+Inf`, `-Inf`, `Inf`;
 * - Prometheus 3 quoted names: `{"my.metric", "label.name"="v"}`.
 *
 * A line that does not parse is reported in `errors` (line number and why) and skipped: one odd
 * line of a third-party exporter must not hide the pool gauges on the other lines.
 *
 * (The npm package parse-prometheus-text-format exists but has had no release in years; this is
 * a careful ~200 lines with unit tests instead of a dependency.)
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  timestamp?: number;
  /** 1-based line number in the page. */
  line: number;
}

export interface PromParseResult {
  samples: PromSample[];
  /** Metric types from `# TYPE` lines, by metric family name. */
  types: Record<string, string>;
  errors: { line: number; message: string }[];
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

class ParseError extends Error {}

/** A cursor over one line. */
class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  expect(ch: string): void {
    if (this.peek() !== ch) throw new ParseError(`expected ${ch === '"' ? 'a double-quoted string' : `"${ch}"`} at column ${this.pos + 1}, found ${this.done ? 'end of line' : `"${this.peek()}"`}`);
    this.pos++;
  }

  ident(start: RegExp, rest: RegExp, what: string): string {
    const from = this.pos;
    if (!start.test(this.peek())) throw new ParseError(`expected a ${what} at column ${this.pos + 1}, found ${this.done ? 'end of line' : `"${this.peek()}"`}`);
    this.pos++;
    while (!this.done && rest.test(this.peek())) this.pos++;
    return this.text.slice(from, this.pos);
  }

  /** A double-quoted string with \\, \" and \n escapes (the opening quote is at the cursor). */
  quoted(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      if (this.done) throw new ParseError('unterminated quoted string');
      const ch = this.text[this.pos++]!;
      if (ch === '"') return out;
      if (ch === '\\') {
        const next = this.text[this.pos++];
        if (next === 'n') out += '\n';
        else if (next === '\\') out += '\\';
        else if (next === '"') out += '"';
        // The format defines only these three; keep anything else literally, as Prometheus does.
        else if (next === undefined) throw new ParseError('unterminated quoted string');
        else out += `\\${next}`;
      } else out += ch;
    }
  }

  /** The next run of non-blank characters. */
  token(): string {
    const from = this.pos;
    while (!this.done && this.peek() !== ' ' && this.peek() !== '\t') this.pos++;
    return this.text.slice(from, this.pos);
  }
}

/** Go's strconv.ParseFloat as the format uses it; NaN for what is not a number is an error. */
export function parsePromValue(text: string): number {
  const t = text.toLowerCase();
  if (t === 'nan') return NaN;
  if (t === '+inf' || t === 'inf' || t === '+infinity' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) throw new ParseError(`"${text}" is not a number`);
  return Number(text);
}

/** Labels inside `{...}`: also returns a quoted metric name when the set holds one. */
function parseLabelSet(c: Cursor, allowName: boolean): { labels: Record<string, string>; name?: string } {
  c.expect('{');
  const labels: Record<string, string> = {};
  let name: string | undefined;
  for (;;) {
    c.skipSpaces();
    if (c.peek() === '}') {
      c.pos++;
      return { labels, ...(name !== undefined ? { name } : {}) };
    }
    let label: string;
    if (c.peek() === '"') {
      const q = c.quoted();
      c.skipSpaces();
      // A quoted string not followed by "=" is the metric name (Prometheus 3 UTF-8 names).
      if (c.peek() !== '=') {
        if (!allowName || name !== undefined) throw new ParseError(`unexpected quoted name "${q}" in the label set`);
        name = q;
        c.skipSpaces();
        if (c.peek() === ',') c.pos++;
        continue;
      }
      label = q;
    } else label = c.ident(LABEL_START, LABEL_CHAR, 'label name');
    c.skipSpaces();
    c.expect('=');
    c.skipSpaces();
    if (label in labels) throw new ParseError(`label "${label}" appears twice`);
    labels[label] = c.quoted();
    c.skipSpaces();
    if (c.peek() === ',') c.pos++;
    else if (c.peek() !== '}') throw new ParseError(`expected "," or "}" after the value of label "${label}" at column ${c.pos + 1}`);
  }
}

function parseSampleLine(text: string, line: number): PromSample {
  const c = new Cursor(text);
  c.skipSpaces();
  let name: string | undefined;
  let labels: Record<string, string> = {};
  if (c.peek() !== '{') name = c.ident(NAME_START, NAME_CHAR, 'metric name');
  c.skipSpaces();
  if (c.peek() === '{') {
    const set = parseLabelSet(c, name === undefined);
    labels = set.labels;
    if (set.name !== undefined) name = set.name;
  }
  if (name === undefined) throw new ParseError('the sample has no metric name');
  c.skipSpaces();
  const valueText = c.token();
  if (valueText === '') throw new ParseError('the sample has no value');
  const value = parsePromValue(valueText);
  c.skipSpaces();
  let timestamp: number | undefined;
  if (!c.done) {
    const ts = c.token();
    // OpenMetrics exemplars (`# {...} v`) follow a space and "#": ignore them.
    if (ts.startsWith('#')) return { name, labels, value, line };
    if (!/^-?\d+(\.\d+)?$/.test(ts)) throw new ParseError(`"${ts}" is not a timestamp`);
    timestamp = Number(ts);
    c.skipSpaces();
    if (!c.done && !c.text.slice(c.pos).startsWith('#')) throw new ParseError(`unexpected text after the timestamp: "${c.text.slice(c.pos, c.pos + 20)}"`);
  }
  return { name, labels, value, line, ...(timestamp !== undefined ? { timestamp } : {}) };
}

export function parsePrometheusText(text: string): PromParseResult {
  const samples: PromSample[] = [];
  const types: Record<string, string> = {};
  const errors: PromParseResult['errors'] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const trimmed = raw.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      const m = /^#\s+TYPE\s+(\S+)\s+(\S+)/.exec(trimmed);
      if (m) types[m[1]!] = m[2]!.toLowerCase();
      continue;
    }
    try {
      samples.push(parseSampleLine(raw, i + 1));
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      errors.push({ line: i + 1, message: err.message });
    }
  }
  return { samples, types, errors };
}

/** One label matcher of a series selector, as in PromQL. */
export interface LabelMatcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** A PromQL-style instant vector selector without functions: `name{label="v", other=~"re.*"}`. */
export interface SeriesSelector {
  name: string;
  matchers: LabelMatcher[];
  text: string;
}

/** Parses a selector; throws an Error that says what is wrong (used by the config schema). */
export function parseSelector(text: string): SeriesSelector {
  const c = new Cursor(text.trim());
  try {
    let name: string | undefined;
    if (c.peek() !== '{') name = c.ident(NAME_START, NAME_CHAR, 'metric name');
    c.skipSpaces();
    const matchers: LabelMatcher[] = [];
    if (c.peek() === '{') {
      c.pos++;
      for (;;) {
        c.skipSpaces();
        if (c.peek() === '}') {
          c.pos++;
          break;
        }
        let label: string;
        if (c.peek() === '"') {
          const q = c.quoted();
          c.skipSpaces();
          if (c.peek() === ',' || c.peek() === '}') {
            if (name !== undefined) throw new ParseError(`unexpected quoted name "${q}"`);
            name = q;
            if (c.peek() === ',') c.pos++;
            continue;
          }
          label = q;
        } else label = c.ident(LABEL_START, LABEL_CHAR, 'label name');
        c.skipSpaces();
        const op = (['=~', '!~', '!=', '='] as const).find((o) => c.text.startsWith(o, c.pos));
        if (!op) throw new ParseError(`expected =, !=, =~ or !~ after "${label}"`);
        c.pos += op.length;
        c.skipSpaces();
        const value = c.quoted();
        if (op === '=~' || op === '!~') {
          try {
            new RegExp(`^(?:${value})$`);
          } catch (err) {
            throw new ParseError(`the regular expression for "${label}" is invalid: ${(err as Error).message}`);
          }
        }
        matchers.push({ label, op, value });
        c.skipSpaces();
        if (c.peek() === ',') c.pos++;
        else if (c.peek() !== '}') throw new ParseError(`expected "," or "}" after the matcher of "${label}"`);
      }
    }
    c.skipSpaces();
    if (!c.done) throw new ParseError(`unexpected text "${c.text.slice(c.pos)}"`);
    if (name === undefined) throw new ParseError('a selector needs a metric name');
    return { name, matchers, text: text.trim() };
  } catch (err) {
    if (err instanceof ParseError) throw new Error(`"${text}" is not a series selector: ${err.message}`);
    throw err;
  }
}

/** Whether a sample is selected (PromQL semantics: a missing label is the empty string; regexes match in full). */
export function selectorMatches(sel: SeriesSelector, s: Pick<PromSample, 'name' | 'labels'>): boolean {
  if (s.name !== sel.name) return false;
  return sel.matchers.every((m) => {
    const v = s.labels[m.label] ?? '';
    switch (m.op) {
      case '=':
        return v === m.value;
      case '!=':
        return v !== m.value;
      case '=~':
        return new RegExp(`^(?:${m.value})$`).test(v);
      case '!~':
        return !new RegExp(`^(?:${m.value})$`).test(v);
    }
  });
}

/** `name{a="x",b="y"}` for messages and evidence (label values escaped as in the format). */
export function formatSeries(s: Pick<PromSample, 'name' | 'labels'>): string {
  const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return labels.length === 0 ? s.name : `${s.name}{${labels.join(',')}}`;
}
