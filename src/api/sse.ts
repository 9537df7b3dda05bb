import type { Request, Response } from 'express';

/**
 * Server-Sent Events on one response: `id:` lines let a client resume with Last-Event-ID;
 * writes wait for the socket to drain (a slow client slows the stream, never the server's
 * memory); a comment every `keepAliveMs` keeps proxies from closing an idle stream.
 */
export class SseStream {
  closed = false;
  private readonly keepAlive: NodeJS.Timeout;
  private readonly waiters = new Set<() => void>();

  constructor(
    req: Request,
    private readonly res: Response,
    keepAliveMs: number,
  ) {
    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    this.keepAlive = setInterval(() => {
      if (!this.closed) res.write(': keep-alive\n\n');
    }, keepAliveMs);
    const onClose = () => this.close();
    req.on('close', onClose);
    res.on('close', onClose);
  }

  async send(event: string, data: unknown, id?: string | number): Promise<void> {
    if (this.closed) return;
    const text = `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    if (!this.res.write(text)) await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      this.res.once('drain', done);
    });
  }

  /** Waits `ms`, or less when `wake` is called (new data) or the client leaves. */
  sleep(ms: number, subscribe?: (wake: () => void) => () => void): Promise<void> {
    return new Promise((resolve) => {
      let unsubscribe: (() => void) | undefined;
      const done = () => {
        clearTimeout(timer);
        unsubscribe?.();
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      unsubscribe = subscribe?.(done);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    for (const w of [...this.waiters]) w();
    this.res.end();
  }
}
