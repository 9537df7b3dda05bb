import { StringDecoder } from 'node:string_decoder';
import { CappedBuffer } from '../util/cap.js';

const MAX_PARTIAL = 64 * 1024;

/**
 * Turns chunks of a remote stream into whole lines (a chunk may end mid-line or mid-character),
 * hands each to `onLine` and keeps the text up to a cap for the step's outputs. A line for which
 * `consume` returns true is protocol, not output: it is neither passed on nor kept.
 */
export class LineStream {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  readonly captured: CappedBuffer;

  constructor(
    private readonly onLine: (line: string) => void,
    captureLimit: number,
    private readonly consume: (line: string) => boolean = () => false,
  ) {
    this.captured = new CappedBuffer(captureLimit);
  }

  write(chunk: Buffer): void {
    this.push(this.decoder.write(chunk));
  }

  /** Flushes an unterminated last line. */
  end(): void {
    this.push(this.decoder.end());
    if (this.partial !== '') this.emit(this.partial, false);
    this.partial = '';
  }

  private push(text: string): void {
    if (text === '') return;
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.emit(line, true);
    // Output without newlines (a binary dump) must not grow without bound: pass it on in pieces.
    if (this.partial.length > MAX_PARTIAL) {
      this.emit(this.partial, false);
      this.partial = '';
    }
  }

  private emit(raw: string, newline: boolean): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.consume(line)) return;
    this.captured.push(newline ? `${raw}\n` : raw);
    this.onLine(line);
  }
}
