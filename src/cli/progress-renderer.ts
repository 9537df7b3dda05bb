import type { RunEvents, StepProgressEvent, StepStatusEvent } from '../engine/run-events.js';
import { formatDuration } from '../util/duration.js';
import { paint, statusText } from './output.js';

interface StepLine {
  name: string;
  status: string;
  startedAt?: number;
  finishedAt?: number;
  attempt: number;
  detail?: string;
  progress?: { done?: number; total?: number; message?: string };
  instances?: { total: number; done: number; failed: number };
}

export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  /** Live redrawn block on a terminal; one line per change otherwise. */
  tty: boolean;
  color: boolean;
  /** Step names in display order (main, then finally). */
  order: string[];
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Shows a run's progress: on a terminal, a block with one line per step (state, elapsed time,
 * per-host progress of ansible steps, forEach counts) redrawn in place; elsewhere, plain
 * timestamped lines, one per change, suitable for CI logs.
 */
export class ProgressRenderer {
  private readonly lines = new Map<string, StepLine>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private readonly lastProgress = new Map<string, string>();
  private readonly onStep = (e: StepStatusEvent) => this.step(e);
  private readonly onProgress = (e: StepProgressEvent) => this.progress(e);

  constructor(
    private readonly events: RunEvents,
    private readonly runId: string,
    private readonly opts: ProgressOptions,
  ) {
    for (const n of opts.order) this.lines.set(n, { name: n, status: 'pending', attempt: 0 });
  }

  start(): this {
    this.events.on('step', this.onStep);
    this.events.on('progress', this.onProgress);
    if (this.opts.tty) this.timer = setInterval(() => this.draw(), 100);
    return this;
  }

  stop(): void {
    this.events.off('step', this.onStep);
    this.events.off('progress', this.onProgress);
    if (this.timer) clearInterval(this.timer);
    if (this.opts.tty) this.draw();
  }

  private step(e: StepStatusEvent): void {
    if (e.runId !== this.runId) return;
    const bracket = e.step.indexOf('[');
    if (bracket > 0) {
      this.instance(e, e.step.slice(0, bracket));
      return;
    }
    const line = this.lines.get(e.step) ?? { name: e.step, status: 'pending', attempt: 0 };
    this.lines.set(e.step, line);
    line.status = e.status;
    line.attempt = e.attempt;
    if (e.status === 'running' && line.startedAt === undefined) line.startedAt = e.at;
    if (['succeeded', 'failed', 'skipped', 'cancelled'].includes(e.status)) line.finishedAt = e.at;
    line.detail = e.error ?? (e.status === 'skipped' || e.status === 'queued' ? (e.reason ?? undefined) : undefined);
    // "queued" is noise in a log, except when it announces a retry.
    if (!this.opts.tty && (e.status !== 'queued' || e.attempt > 1)) this.plain(line);
  }

  private instance(e: StepStatusEvent, base: string): void {
    const line = this.lines.get(base);
    if (!line) return;
    line.instances ??= { total: 0, done: 0, failed: 0 };
    if (e.status === 'queued' && e.attempt === 1) line.instances.total++;
    if (['succeeded', 'failed', 'skipped', 'cancelled'].includes(e.status)) {
      line.instances.done++;
      if (e.status === 'failed') line.instances.failed++;
    }
    if (!this.opts.tty && (e.status !== 'queued' || e.attempt > 1)) this.write(`${this.time(e.at)}  ${e.step}  ${statusText(e.status, this.opts.color)}${e.error ? `  ${e.error}` : ''}`);
  }

  private progress(e: StepProgressEvent): void {
    if (e.runId !== this.runId) return;
    const line = this.lines.get(e.step);
    if (!line) return;
    line.progress = { ...(e.progress.done !== undefined ? { done: e.progress.done } : {}), ...(e.progress.total !== undefined ? { total: e.progress.total } : {}), ...(e.progress.message !== undefined ? { message: e.progress.message } : {}) };
    if (!this.opts.tty) {
      const text = this.progressText(line);
      // Plain mode prints a line when the counts move, not on every task event.
      const key = `${line.progress.done ?? ''}/${line.progress.total ?? ''}`;
      if (this.lastProgress.get(e.step) !== key) {
        this.lastProgress.set(e.step, key);
        this.write(`${this.time(Date.now())}  ${e.step}  ${text}`);
      }
    }
  }

  private progressText(line: StepLine): string {
    const p = line.progress;
    if (!p) return '';
    const counts = p.total !== undefined ? `${p.done ?? 0}/${p.total} hosts` : p.done !== undefined ? `${p.done} done` : '';
    return [counts, p.message].filter(Boolean).join(' · ');
  }

  private plain(line: StepLine): void {
    const took = line.finishedAt !== undefined && line.startedAt !== undefined ? ` (${formatDuration(line.finishedAt - line.startedAt)})` : '';
    const attempt = line.attempt > 1 ? ` attempt ${line.attempt}` : '';
    this.write(`${this.time(line.finishedAt ?? line.startedAt ?? Date.now())}  ${line.name}  ${statusText(line.status, this.opts.color)}${attempt}${took}${line.detail ? `  ${line.detail}` : ''}`);
  }

  private draw(): void {
    this.frame = (this.frame + 1) % SPINNER.length;
    const now = Date.now();
    const all = [...this.lines.values()];
    const rows = this.opts.stream.rows ?? 40;
    // Keep the block within the terminal: active steps first when there are too many.
    const shown = all.length > rows - 2 ? all.filter((l) => ['running', 'queued', 'waiting'].includes(l.status)).slice(0, rows - 3) : all;
    const out: string[] = shown.map((l) => this.row(l, now));
    if (shown.length < all.length) {
      const counts = new Map<string, number>();
      for (const l of all) counts.set(l.status, (counts.get(l.status) ?? 0) + 1);
      out.push(paint(`  … ${all.length} steps: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`, 'gray', this.opts.color));
    }
    let text = this.drawn > 0 ? `\u001b[${this.drawn}A` : '';
    for (const o of out) text += `\u001b[2K${o}\n`;
    for (let i = out.length; i < this.drawn; i++) text += '\u001b[2K\n';
    if (out.length < this.drawn) text += `\u001b[${this.drawn - out.length}A`;
    this.opts.stream.write(text);
    this.drawn = out.length;
  }

  private row(l: StepLine, now: number): string {
    const icon = { succeeded: '✓', failed: '✗', cancelled: '⊘', skipped: '-', running: SPINNER[this.frame]!, queued: '·', pending: ' ', waiting: '⏸' }[l.status] ?? '?';
    const took = l.startedAt !== undefined ? formatDuration((l.finishedAt ?? now) - l.startedAt) : '';
    const inst = l.instances ? ` ${l.instances.done}/${l.instances.total}${l.instances.failed ? ` (${l.instances.failed} failed)` : ''}` : '';
    const extra = l.status === 'running' ? this.progressText(l) : (l.detail ?? '');
    return `  ${icon} ${l.name.padEnd(24)} ${statusText(l.status.padEnd(9), this.opts.color)} ${took.padStart(7)}${inst}${extra ? `  ${paint(extra, 'gray', this.opts.color)}` : ''}`;
  }

  private time(ts: number): string {
    return new Date(ts).toISOString().slice(11, 19);
  }

  private write(line: string): void {
    this.opts.stream.write(`${line}\n`);
  }
}
