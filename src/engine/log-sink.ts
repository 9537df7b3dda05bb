import type { Store } from '../store/store.js';
import type { Masker } from '../credentials/masker.js';
import type { RunEvents } from './run-events.js';
import type { LogRecord } from '../store/records.js';
import type { Logger } from '../logging/logger.js';

export interface LogSinkOptions {
  /** Bytes of log kept per step attempt; beyond it a marker says how much was dropped. @defaultValue 5 MiB */
  maxBytesPerStep?: number;
  /** Longest single line kept. @defaultValue 16 KiB */
  maxLineBytes?: number;
  /** How often buffered lines are written. @defaultValue 200 ms */
  flushIntervalMs?: number;
}

/**
 * Buffers step log lines from every running step and writes them in batches, so a chatty
 * playbook costs one insert per batch rather than per line. Lines are masked before they are
 * buffered, so no secret reaches the database or a live viewer.
 */
export class LogSink {
  private buffer: Omit<LogRecord, 'id'>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  readonly maxBytesPerStep: number;
  readonly maxLineBytes: number;
  private readonly flushIntervalMs: number;

  constructor(
    private readonly store: Store,
    private readonly events: RunEvents,
    private readonly logger: Logger,
    opts: LogSinkOptions = {},
  ) {
    this.maxBytesPerStep = opts.maxBytesPerStep ?? 5 * 1024 * 1024;
    this.maxLineBytes = opts.maxLineBytes ?? 16 * 1024;
    this.flushIntervalMs = opts.flushIntervalMs ?? 200;
  }

  open(runId: string, step: string, attempt: number, masker: Masker): StepLogWriter {
    return new StepLogWriter(this, runId, step, attempt, masker);
  }

  /** @internal */
  push(line: Omit<LogRecord, 'id'>): void {
    this.buffer.push(line);
    this.events.emit('log', { runId: line.runId, step: line.step, stream: line.stream, message: line.message });
    if (this.buffer.length >= 500) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.flushIntervalMs);
    }
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.logs.append(batch);
      } catch (err) {
        this.logger.error({ err, lines: batch.length }, 'failed to write step log lines');
      }
    });
    return this.flushing;
  }
}

/** The log of one step attempt: masked, capped, sequenced. */
export class StepLogWriter {
  private seq = 0;
  private bytes = 0;
  private droppedLines = 0;
  private droppedBytes = 0;

  constructor(
    private readonly sink: LogSink,
    readonly runId: string,
    readonly step: string,
    readonly attempt: number,
    private readonly masker: Masker,
  ) {}

  write(stream: string, message: string): void {
    let text = this.masker.mask(message);
    if (text.length > this.sink.maxLineBytes) text = `${text.slice(0, this.sink.maxLineBytes)} ... [line truncated: ${text.length - this.sink.maxLineBytes} more characters]`;
    if (this.bytes + text.length > this.sink.maxBytesPerStep) {
      this.droppedLines++;
      this.droppedBytes += text.length;
      return;
    }
    this.bytes += text.length + 1;
    this.sink.push({ runId: this.runId, step: this.step, attempt: this.attempt, seq: this.seq++, ts: Date.now(), stream, message: text });
  }

  /** Writes the truncation marker if anything was dropped. */
  end(): void {
    if (this.droppedLines > 0) {
      this.sink.push({
        runId: this.runId,
        step: this.step,
        attempt: this.attempt,
        seq: this.seq++,
        ts: Date.now(),
        stream: 'system',
        message: `[log truncated: ${this.droppedLines} more lines (${this.droppedBytes} bytes) were dropped; the limit is ${this.sink.maxBytesPerStep} bytes per step attempt]`,
      });
    }
  }
}
