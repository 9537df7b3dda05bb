import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readCappedBody } from '../../src/http/read-capped-body.js';

// Jest cannot be started with --expose-gc; turned on at run time, gc() lets the test tell chunks
// still referenced from garbage not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CHUNK = 64 * 1024;

/** A byte stream of `count` fresh chunks that records, every 16 chunks, how many earlier ones are still alive. */
function trackedStream(count: number, fill = 120): { stream: Readable; maxAlive: () => number } {
  const refs: WeakRef<Buffer>[] = [];
  let maxAlive = 0;
  async function* chunks() {
    for (let i = 0; i < count; i++) {
      if (i > 0 && i % 16 === 0) {
        // A WeakRef target stays alive until the current job ends: yield to the event loop first.
        await new Promise((r) => setImmediate(r));
        gc();
        maxAlive = Math.max(maxAlive, refs.filter((r) => r.deref() !== undefined).length);
      }
      const buf = Buffer.alloc(CHUNK, fill);
      refs.push(new WeakRef(buf));
      yield buf;
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false, highWaterMark: CHUNK }), maxAlive: () => maxAlive };
}

test('keeps the first maxBytes, counts every byte, and marks the body truncated', async () => {
  const { stream } = trackedStream(10);
  const body = await readCappedBody(stream, 100_000);
  expect([body.kept.length, body.totalBytes, body.truncated]).toEqual([100_000, 10 * CHUNK, true]);
  expect(body.kept.every((b) => b === 120)).toBe(true);
});

test('a body within the cap is kept whole and not marked truncated', async () => {
  const body = await readCappedBody(Readable.from([Buffer.from('{"ok":'), Buffer.from('true}')]), 64);
  expect([body.kept.toString(), body.totalBytes, body.truncated]).toEqual(['{"ok":true}', 11, false]);
});

test('a cap of 0 keeps nothing but still reads to the end', async () => {
  const body = await readCappedBody(Readable.from([Buffer.from('abc')]), 0);
  expect([body.kept.length, body.totalBytes, body.truncated]).toEqual([0, 3, true]);
});

test('20 MB stream through while only a few chunks are ever referenced at once', async () => {
  const { stream, maxAlive } = trackedStream(320);
  const body = await readCappedBody(stream, 64 * 1024);
  expect([body.totalBytes, body.kept.length]).toEqual([20 * 1024 * 1024, 64 * 1024]);
  // Buffering the body would keep every chunk read so far alive (up to 304 here).
  expect(maxAlive()).toBeLessThanOrEqual(4);
}, 30_000);
