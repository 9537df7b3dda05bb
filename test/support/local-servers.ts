import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { processStartTime } from './netns-resources.js';

/**
 * What the database servers of the test suite (postgres.ts, mariadb.ts, redis.ts) share: free
 * ports, private directories under /tmp that record their owner, cleanup when the owner exits
 * and of leftovers of owners that crashed, and long-lived client sessions.
 */

export type ServerKind = 'pg' | 'mariadb' | 'redis';

interface OwnerRecord {
  ownerPid: number;
  ownerStart: string;
  /** Pid of the server process (written once it runs). */
  serverPid?: number;
}

const OWNER_FILE = 'patrol-owner.json';

/** A fresh private directory /tmp/patrol-KIND-XXXXXX recording this process as its owner. */
export function serverDir(kind: ServerKind): string {
  cleanupStaleServers(kind);
  const dir = mkdtempSync(join('/tmp', `patrol-${kind}-`));
  writeOwner(dir, {});
  return dir;
}

export function writeOwner(dir: string, extra: { serverPid?: number }): void {
  const rec: OwnerRecord = { ownerPid: process.pid, ownerStart: processStartTime(process.pid) ?? '', ...extra };
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(rec));
}

/** True while the process runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * Stops servers and removes directories whose owner process is gone (a test run killed with
 * SIGKILL never runs its exit handlers). Pid reuse is told apart by the owner's start time.
 */
export function cleanupStaleServers(kind: ServerKind): string[] {
  const removed: string[] = [];
  for (const name of readdirSync('/tmp')) {
    if (!name.startsWith(`patrol-${kind}-`)) continue;
    const dir = join('/tmp', name);
    let rec: OwnerRecord;
    try {
      rec = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as OwnerRecord;
    } catch {
      continue;
    }
    if (alive(rec.ownerPid) && processStartTime(rec.ownerPid) === rec.ownerStart) continue;
    if (rec.serverPid && alive(rec.serverPid)) {
      try {
        process.kill(rec.serverPid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** A TCP port on 127.0.0.1 that nothing listens on, below Linux's ephemeral range (no clash with client ports). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free TCP port found in 20000-32000 after 50 tries');
}

const exitHandlers = new Set<() => void>();

/** Runs `fn` when this process exits (synchronously: no async work runs in an exit handler). Returns an unregister function. */
export function onProcessExit(fn: () => void): () => void {
  // One process listener for all servers and sessions (no MaxListeners warnings with many sessions).
  if (exitHandlers.size === 0) process.on('exit', runExitHandlers);
  exitHandlers.add(fn);
  return () => {
    exitHandlers.delete(fn);
    if (exitHandlers.size === 0) process.removeListener('exit', runExitHandlers);
  };
}

function runExitHandlers(): void {
  for (const fn of [...exitHandlers]) {
    try {
      fn();
    } catch {
      // Best effort at exit.
    }
  }
}

export async function waitUntil(what: string, cond: () => Promise<boolean> | boolean, opts: { timeoutMs?: number; intervalMs?: number; log?: () => string } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${opts.log ? `\n${opts.log()}` : ''}`);
    await delay(opts.intervalMs ?? 50);
  }
}

/** Last lines of a log file, for error messages. */
export function tailFile(file: string, lines = 30): string {
  if (!existsSync(file)) return `(no ${file})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export function killQuietly(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await delay(25);
  }
  return !alive(pid);
}

/** A long-lived interactive client (psql, mariadb): statements keep their session (transactions, locks). */
export interface SqlSession {
  /** Sends SQL and waits until it finished; returns the lines it printed. */
  run(sql: string, timeoutMs?: number): Promise<string[]>;
  /** Sends SQL without waiting (e.g. a statement that will block on a lock). */
  send(sql: string): void;
  /** Text printed on stderr so far (errors of statements). */
  stderr(): string;
  /** Ends the session (closes stdin, kills the client after 2 s). Open transactions roll back. */
  close(): Promise<void>;
}

/**
 * Wraps a line-oriented SQL client. `marker(token)` is the client command that prints `token` on
 * its own line once everything sent before it has run (psql `\echo`, a mariadb SELECT).
 */
export function lineSession(child: ChildProcess, marker: (token: string) => string): SqlSession {
  let out = '';
  let err = '';
  let counter = 0;
  const waiters: { token: string; resolve: (lines: string[]) => void; from: number }[] = [];
  let exited = false;
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    out += d;
    for (const w of [...waiters]) {
      const at = out.indexOf(`${w.token}\n`, w.from);
      if (at >= 0) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(out.slice(w.from, at).split('\n').filter((l) => l !== ''));
      }
    }
  });
  child.stderr!.on('data', (d: string) => (err += d));
  child.on('exit', () => (exited = true));
  child.stdin!.on('error', () => undefined);
  const close = async () => {
    if (exited) return;
    child.stdin!.end();
    const t = setTimeout(() => killQuietly(child.pid), 2000);
    await new Promise<void>((r) => (exited ? r() : child.once('exit', () => r())));
    clearTimeout(t);
  };
  const unregister = onProcessExit(() => killQuietly(child.pid));
  child.once('exit', unregister);
  return {
    run(sql, timeoutMs = 30_000) {
      const token = `__patrol_done_${++counter}_${Math.random().toString(36).slice(2)}`;
      const from = out.length;
      const p = new Promise<string[]>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`session: "${sql.slice(0, 120)}" did not finish within ${timeoutMs} ms; stderr: ${err.slice(-500)}`)), timeoutMs);
        waiters.push({ token, from, resolve: (l) => (clearTimeout(t), resolve(l)) });
      });
      child.stdin!.write(`${sql}\n${marker(token)}\n`);
      return p;
    },
    send(sql) {
      child.stdin!.write(`${sql}\n`);
    },
    stderr: () => err,
    close,
  };
}

/** Spawns a client process with pipes (no shell). */
export function spawnClient(argv: string[], env?: Record<string, string>): ChildProcess {
  return spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
}

/**
 * Parses CSV as psql --csv writes it: records end with a newline, quoted fields may hold commas,
 * quotes ("") and newlines; an unquoted empty field is NULL (so an empty line is one NULL).
 */
export function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const row: (string | null)[] = [];
    for (;;) {
      if (text[i] === '"') {
        let v = '';
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new Error('unterminated quoted CSV field');
          v += text.slice(i, q);
          i = q + 1;
          if (text[i] === '"') {
            v += '"';
            i++;
          } else break;
        }
        row.push(v);
      } else {
        let j = i;
        while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
        row.push(j === i ? null : text.slice(i, j));
        i = j;
      }
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      break;
    }
    rows.push(row);
  }
  return rows;
}

/** Rows as objects keyed by the header row. */
export function rowsWithHeader(table: (string | null)[][]): Record<string, string | null>[] {
  const [header, ...rows] = table;
  if (!header) return [];
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h ?? `col${i}`, r[i] ?? null])));
}
