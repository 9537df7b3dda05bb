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
