import { formatDuration } from '../util/duration.js';

/** Colours only on a terminal, and never when NO_COLOR is set. */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, gray: 90, bold: 1 } as const;
export type Color = keyof typeof CODES;

export function paint(text: string, color: Color, enabled = useColor()): string {
  return enabled ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
}

const STATUS_COLORS: Record<string, Color> = {
  succeeded: 'green',
  failed: 'red',
  'timed-out': 'red',
  cancelled: 'yellow',
  skipped: 'gray',
  running: 'blue',
  queued: 'gray',
  pending: 'gray',
  waiting: 'yellow',
};

export function statusText(status: string, enabled = useColor()): string {
  return paint(status, STATUS_COLORS[status] ?? 'bold', enabled);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain text table: columns padded to the widest cell, long cells cut with an ellipsis. */
export function table(headers: string[], rows: string[][], maxWidth = 60): string {
  const cut = (s: string) => (s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s);
  const cells = [headers, ...rows].map((r) => r.map(cut));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => visibleLength(r[i] ?? ''))));
  return cells.map((r) => r.map((c, i) => c + ' '.repeat(Math.max(0, widths[i]! - visibleLength(c)))).join('  ').trimEnd()).join('\n');
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[\d+m/g, '').length;
}

export function elapsed(start: number | null, end: number | null, now = Date.now()): string {
  if (start === null) return '-';
  return formatDuration((end ?? now) - start);
}

export function when(ts: number | null): string {
  if (ts === null) return '-';
  return new Date(ts).toISOString().replace('T', ' ').slice(0, 19);
}
