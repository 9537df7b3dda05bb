import type { Readable } from 'node:stream';

export interface CappedBody {
  /** The first maxBytes bytes. */
  kept: Buffer;
  /** Every byte read, kept or not. */
  totalBytes: number;
  truncated: boolean;
}

/**
 * Reads a stream to its end keeping only the first `maxBytes`: the rest is counted and dropped as
 * it arrives, so a 20 MB (or endless, until the timeout) body costs one chunk of memory, not its size.
 * Reading on (rather than hanging up at the cap) lets the server finish and totalMs mean "complete".
 */
export async function readCappedBody(stream: Readable, maxBytes: number): Promise<CappedBody> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let totalBytes = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    totalBytes += buf.length;
    if (keptBytes < maxBytes) {
      // Copy the slice: a subarray would pin the whole (possibly large) chunk.
      const part = Buffer.from(buf.subarray(0, maxBytes - keptBytes));
      kept.push(part);
      keptBytes += part.length;
    }
  }
  return { kept: Buffer.concat(kept, keptBytes), totalBytes, truncated: totalBytes > maxBytes };
}
