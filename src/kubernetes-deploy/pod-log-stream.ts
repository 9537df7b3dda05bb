import { Writable } from 'node:stream';
import type { KubeSession } from './kube-session.js';

/**
 * Follows one container's log (GET pods/NAME/log?follow=true) line by line until the container
 * ends or `stop()` is called. `done` resolves when the stream ends either way.
 */
export function followPodLog(session: KubeSession, namespace: string, pod: string, container: string, onLine: (line: string) => void): { done: Promise<void>; stop: () => void } {
  let partial = '';
  let controller: AbortController | undefined;
  let stopped = false;
  const done = new Promise<void>((resolve) => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        const text = partial + chunk.toString('utf8');
        const lines = text.split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) onLine(l);
        cb();
      },
      final(cb) {
        if (partial) onLine(partial);
        partial = '';
        cb();
      },
    });
    sink.on('finish', () => resolve());
    sink.on('close', () => resolve());
    sink.on('error', () => resolve());
    new session.lib.Log(session.kc)
      .log(namespace, pod, container, sink, { follow: true })
      .then((c) => {
        controller = c;
        if (stopped) c.abort();
      })
      // A log that cannot be read (the pod is gone already) ends the stream; the job's outcome is decided elsewhere.
      .catch((err: unknown) => {
        onLine(`(log of ${pod}/${container} unavailable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
        resolve();
      });
  });
  return {
    done,
    stop: () => {
      stopped = true;
      controller?.abort();
    },
  };
}
