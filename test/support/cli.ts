import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
const BIN = join(REPO, 'bin', 'patrol.js');

/** Fails loudly when the CLI has not been built (npm test builds it first). */
export function assertBuilt(): void {
  if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it) before the CLI tests');
}

/** Runs the real `patrol` CLI as a child process with its own PATROL_HOME. */
export function patrol(args: string[], opts: { home: string; env?: Record<string, string>; input?: string; timeoutMs?: number }) {
  assertBuilt();
  return execa('node', [BIN, ...args], {
    env: { PATROL_HOME: opts.home, NO_COLOR: '1', ...opts.env },
    reject: false,
    timeout: opts.timeoutMs ?? 120_000,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

export type PatrolProcess = ResultPromise;

/** A `patrol serve` child process listening on a free loopback port. */
export interface ServeProcess {
  process: ResultPromise;
  url: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Kills it and waits until it is gone (nothing of it outlives the test file). */
  stop(): Promise<void>;
}

/** Starts `patrol serve --listen 127.0.0.1:0` and waits for the address it prints. */
export async function startServe(opts: { home: string; env?: Record<string, string>; timeoutMs?: number }): Promise<ServeProcess> {
  assertBuilt();
  const child = execa('node', [BIN, 'serve', '--listen', '127.0.0.1:0'], { env: { PATROL_HOME: opts.home, NO_COLOR: '1', ...opts.env }, reject: false });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`patrol serve did not start within ${opts.timeoutMs ?? 30_000} ms: ${stderr}`)), opts.timeoutMs ?? 30_000);
    const look = () => {
      const m = /Patrol (http:\/\/\S+)/.exec(stderr);
      if (!m) return;
      clearTimeout(timer);
      child.stderr!.off('data', look);
      resolve(m[1]!);
    };
    child.stderr!.on('data', look);
    void child.then((r) => reject(new Error(`patrol serve exited with ${r.exitCode}: ${stderr}`)));
  });
  return {
    process: child,
    url,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await child;
    },
  };
}
