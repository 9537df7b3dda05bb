import { execa, type Options, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CappedBuffer } from '../util/cap.js';

export interface RunProcessOptions {
  /** argv[0] is the program; never a shell string. */
  command: readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  signal: AbortSignal;
  /** Called per line of stdout / stderr as it arrives. */
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
  /** Characters of stdout / stderr kept for the result. @defaultValue 1 MiB */
  captureLimit?: number;
  /** Seconds between SIGTERM and SIGKILL when stopping. @defaultValue 3 */
  killGraceMs?: number;
  /** Extra pipes (fd 3, ...) handed to the child, read line by line. */
  extraPipes?: ((line: string) => void)[];
  stdin?: string;
  /** Called with the child's pid (= its process group id) right after it starts. */
  onSpawn?: (pgid: number) => void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when the process was stopped by the AbortSignal. */
  aborted: boolean;
  /** Why the process could not be started (e.g. program not found); exitCode is null then. */
  spawnError?: string;
  durationMs: number;
}

/**
 * Runs a child process in its own process group so cancel and timeout stop it and everything it
 * started (ansible forks, ssh control masters, shells): SIGTERM to the group, SIGKILL after a grace
 * period. Output is streamed line by line and captured up to a cap.
 */
export async function runProcess(opts: RunProcessOptions): Promise<ProcessResult> {
  const [file, ...args] = opts.command;
  if (!file) throw new Error('runProcess: empty command');
  const limit = opts.captureLimit ?? 1024 * 1024;
  const out = new CappedBuffer(limit);
  const err = new CappedBuffer(limit);
  const start = Date.now();
  const extra = opts.extraPipes ?? [];
  const stdinMode = opts.stdin !== undefined ? 'pipe' : 'ignore';
  const common = { env: opts.env, extendEnv: true, cwd: opts.cwd, detached: true, reject: false, stripFinalNewline: false, buffer: false } as const;
  const options: Options =
    extra.length > 0
      ? { ...common, stdio: [stdinMode, 'pipe', 'pipe', ...extra.map(() => 'pipe' as const)] }
      : { ...common, stdin: stdinMode, stdout: 'pipe', stderr: 'pipe' };
  const child: ResultPromise = execa(file, args, options);
  if (opts.stdin !== undefined && child.stdin) child.stdin.end(opts.stdin);
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);

  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // Already gone.
    }
  };
  const onAbort = () => {
    aborted = true;
    killGroup('SIGTERM');
    killTimer = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs ?? 3000);
  };
  if (opts.signal.aborted) onAbort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });

  const readers: Promise<void>[] = [];
  const read = (stream: Readable | null | undefined, sink: CappedBuffer | undefined, onLine?: (l: string) => void) => {
    if (!stream) return;
    readers.push(
      new Promise<void>((resolve) => {
        const rl = createInterface({ input: stream, crlfDelay: Infinity });
        rl.on('line', (line) => {
          sink?.push(`${line}\n`);
          onLine?.(line);
        });
        rl.on('close', () => resolve());
      }),
    );
  };
  read(child.stdout, out, opts.onStdout);
  read(child.stderr, err, opts.onStderr);
  extra.forEach((onLine, i) => read(child.stdio[3 + i] as Readable | undefined, undefined, onLine));

  const result = await child;
  await Promise.all(readers);
  opts.signal.removeEventListener('abort', onAbort);
  if (killTimer) clearTimeout(killTimer);
  // The leader exited; make sure nothing it spawned in its group outlives it when we stopped it.
  if (aborted) killGroup('SIGKILL');
  const failedToStart = typeof result.exitCode !== 'number' && !result.signal && !aborted;
  const spawnCode = (result as { code?: string }).code;
  return {
    ...(failedToStart ? { spawnError: spawnCode === 'ENOENT' ? `${file}: command not found` : (result as { originalMessage?: string }).originalMessage ?? result.shortMessage ?? 'failed to start' } : {}),
    exitCode: typeof result.exitCode === 'number' ? result.exitCode : null,
    signal: result.signal ?? null,
    stdout: out.toString(),
    stderr: err.toString(),
    aborted,
    durationMs: Date.now() - start,
  };
}

/** True when `program` can be found on PATH (or is an existing path). */
export async function commandExists(program: string): Promise<boolean> {
  const r = await execa('sh', ['-c', 'command -v "$1"', 'sh', program], { reject: false });
  return r.exitCode === 0;
}
