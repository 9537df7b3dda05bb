import { ListStreamParser } from '../../src/kubernetes/list/list-stream-parser.js';

function split(text: string, sizes: number[]): Buffer[] {
  const buf = Buffer.from(text);
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < buf.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

function run(chunks: Buffer[]) {
  const items: unknown[] = [];
  let meta: unknown;
  const p = new ListStreamParser({ meta: (m) => (meta = m), item: (t) => items.push(JSON.parse(t)) });
  for (const c of chunks) p.write(c);
  p.end();
  return { items, meta };
}

const LIST = {
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '123', continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzLCJzdGFydCI6ImEvYlx1MDAwMCJ9', remainingItemCount: 7 },
  items: [
    { metadata: { name: 'a', namespace: 'x', annotations: { note: 'braces } ] { [ and "quotes" and \\ backslashes \\\\' } }, spec: { containers: [{ name: 'c', args: ['{"json":"in a string"}', '\\"'] }] } },
    { metadata: { name: 'b', namespace: 'x', labels: { 'unicode-é': 'ünï', emoji: '✓' } }, status: { nested: [[[{ deep: [] }]], {}] } },
    { metadata: { name: 'items', namespace: 'metadata' }, data: { items: '[', metadata: '{' } },
  ],
};

describe('ListStreamParser', () => {
  const text = JSON.stringify(LIST);
  it('returns the list metadata and every item, whatever the chunking', () => {
    for (const sizes of [[text.length], [1], [2, 3], [7, 1, 13], [64], [5, 100, 1]]) {
      const r = run(split(text, sizes));
      expect(r.items).toEqual(LIST.items);
      expect(r.meta).toEqual(LIST.metadata);
    }
  });
  it('handles pretty-printed JSON and metadata after the items', () => {
    const reordered = JSON.stringify({ items: LIST.items, kind: 'PodList', metadata: LIST.metadata }, null, 4);
    const r = run(split(reordered, [3]));
    expect(r.items).toEqual(LIST.items);
    expect(r.meta).toEqual(LIST.metadata);
  });
  it('handles an empty list', () => {
    expect(run([Buffer.from('{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"5"},"items":[]}')])).toEqual({ items: [], meta: { resourceVersion: '5' } });
  });
  it('fails on a cut-off body', () => {
    const p = new ListStreamParser({ meta: () => undefined, item: () => undefined });
    p.write(Buffer.from(text.slice(0, text.length - 20)));
    expect(() => p.end()).toThrow(/ended early \(after 2 items\)/);
  });
});
