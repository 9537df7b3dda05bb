/**
 * Splits a Kubernetes list response (`{"kind":"PodList","apiVersion":"v1","metadata":{...},
 * "items":[{...},{...}]}`) into its items while the bytes arrive, without parsing the page as a
 * whole: each item's bytes are handed over as soon as its closing brace arrives and parsed on
 * its own, so only one item is ever materialised. The list metadata (continue token,
 * resourceVersion) comes first in the API server's encoding and is reported as soon as it is
 * complete, which lets the next page be requested while this one is still streaming.
 *
 * The scanner tracks nesting depth and string boundaries only; strings are skipped with
 * Buffer.indexOf (native), so the cost is a fraction of JSON.parse itself.
 */
export interface ListStreamHandlers {
  meta(meta: { resourceVersion?: string; continue?: string; remainingItemCount?: number }): void;
  /** One item's JSON text. */
  item(json: string): void;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

type Capture = 'none' | 'item' | 'meta';

export class ListStreamParser {
  private depth = 0;
  private inString = false;
  /** Backslashes at the end of the previous chunk while inside a string. */
  private trailingBackslashes = 0;
  private keyParts: string[] = [];
  private collectingKey = false;
  private lastKey = '';
  private inItems = false;
  private capture: Capture = 'none';
  private parts: Buffer[] = [];
  private captureStart = -1;
  private done = false;
  private sawItems = false;
  items = 0;

  constructor(private readonly h: ListStreamHandlers) {}

  write(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    if (this.capture !== 'none') this.captureStart = 0;
    while (i < n) {
      if (this.inString) {
        const q = chunk.indexOf(QUOTE, i);
        if (q === -1) {
          // The string continues in the next chunk; remember trailing backslashes.
          let b = 0;
          for (let k = n - 1; k >= i && chunk[k] === BACKSLASH; k--) b++;
          this.trailingBackslashes = b === n - i ? this.trailingBackslashes + b : b;
          if (this.collectingKey) this.keyParts.push(chunk.toString('latin1', i, n));
          i = n;
          break;
        }
        let b = 0;
        let k = q - 1;
        while (k >= i && chunk[k] === BACKSLASH) {
          b++;
          k--;
        }
        if (k < i) b += this.trailingBackslashes;
        this.trailingBackslashes = 0;
        if (b % 2 === 1) {
          if (this.collectingKey) this.keyParts.push(chunk.toString('latin1', i, q + 1));
          i = q + 1;
          continue;
        }
        if (this.collectingKey) {
          this.keyParts.push(chunk.toString('latin1', i, q));
          this.lastKey = this.keyParts.join('');
          this.keyParts = [];
          this.collectingKey = false;
        }
        this.inString = false;
        i = q + 1;
        continue;
      }
      const c = chunk[i]!;
      if (c === QUOTE) {
        this.inString = true;
        this.trailingBackslashes = 0;
        if (this.depth === 1 && this.capture === 'none') {
          this.collectingKey = true;
          this.keyParts = [];
        }
        i++;
        continue;
      }
      if (c === LBRACE || c === LBRACKET) {
        if (this.depth === 1 && this.capture === 'none') {
          if (this.lastKey === 'metadata' && c === LBRACE) this.begin('meta', i);
          else if (this.lastKey === 'items' && c === LBRACKET) {
            this.inItems = true;
            this.sawItems = true;
          }
        } else if (this.depth === 2 && this.inItems && c === LBRACE && this.capture === 'none') this.begin('item', i);
        this.depth++;
        i++;
        continue;
      }
      if (c === RBRACE || c === RBRACKET) {
        this.depth--;
        if (this.capture === 'item' && this.depth === 2) this.finish(chunk, i + 1);
        else if (this.capture === 'meta' && this.depth === 1) this.finish(chunk, i + 1);
        else if (this.depth === 1 && this.inItems && c === RBRACKET) this.inItems = false;
        else if (this.depth === 0) this.done = true;
        i++;
        continue;
      }
      i++;
    }
    if (this.capture !== 'none') this.parts.push(this.captureStart === 0 ? chunk : chunk.subarray(this.captureStart));
  }

  private begin(kind: Capture, at: number): void {
    this.capture = kind;
    this.captureStart = at;
    this.parts = [];
  }

  private finish(chunk: Buffer, end: number): void {
    let text: string;
    if (this.parts.length === 0) text = chunk.toString('utf8', this.captureStart, end);
    else {
      this.parts.push(chunk.subarray(0, end));
      text = Buffer.concat(this.parts).toString('utf8');
    }
    const kind = this.capture;
    this.capture = 'none';
    this.parts = [];
    this.captureStart = -1;
    if (kind === 'item') {
      this.items++;
      this.h.item(text);
    } else this.h.meta(JSON.parse(text) as Parameters<ListStreamHandlers['meta']>[0]);
  }

  /** Throws when the body ended before the list was complete (a cut connection). */
  end(): void {
    if (!this.done) throw new Error(`the list response ended early (after ${this.items} items)`);
    if (!this.sawItems) this.h.meta({});
  }
}
