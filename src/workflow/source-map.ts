import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node } from 'yaml';

export interface SourcePosition {
  line: number;
  column: number;
}

/** Maps a JSON path inside a parsed YAML document back to line:column for error messages. */
export class SourceMap {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Position of the value at `path`; falls back to the nearest existing ancestor. */
  locate(path: ReadonlyArray<PropertyKey>): SourcePosition | undefined {
    let node: unknown = this.doc.contents;
    let best = this.pos(node);
    for (const key of path) {
      const next = child(node, key);
      if (next === undefined) break;
      node = next.value;
      best = this.pos(next.value) ?? this.pos(next.key) ?? best;
    }
    return best;
  }

  /** Position of the key `key` of the mapping at `path` (for "unknown field" errors). */
  locateKey(path: ReadonlyArray<PropertyKey>, key: string): SourcePosition | undefined {
    let node: unknown = this.doc.contents;
    for (const k of path) {
      const next = child(node, k);
      if (next === undefined) return this.locate(path);
      node = next.value;
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key) return this.pos(pair.key);
      }
    }
    return this.locate(path);
  }

  private pos(node: unknown): SourcePosition | undefined {
    const range = (node as Node | undefined)?.range;
    if (!range) return undefined;
    const p = this.lines.linePos(range[0]);
    return { line: p.line, column: p.col };
  }
}

function child(node: unknown, key: PropertyKey): { key?: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === String(key)) return { key: pair.key, value: pair.value };
    }
    return undefined;
  }
  if (isSeq(node) && typeof key === 'number') {
    const item = node.items[key];
    return item === undefined ? undefined : { value: item };
  }
  return undefined;
}
