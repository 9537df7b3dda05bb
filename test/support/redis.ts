import { spawn } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { cleanupStaleServers, freePort, killQuietly, onProcessExit, serverDir, tailFile, waitForExit, waitUntil, writeOwner } from './local-servers.js';

/**
 * Real Redis servers for tests: one per call (own port and directory under /tmp), no persistence
 * by default (save "", appendonly no), stopped and removed by stop() and when the test process
 * exits. Needs apt-get install -y redis-server (redis-server, redis-cli).
 */

export interface RedisOptions {
  /** requirepass: clients must AUTH (redis-cli here uses REDISCLI_AUTH, never argv). */
  password?: string;
  /** Extra configuration directives, e.g. { maxmemory: '2mb', 'maxmemory-policy': 'allkeys-lru' }. */
  config?: Record<string, string | number>;
}

export interface RedisServer {
  host: string;
  port: number;
  /** redis://[:password@]127.0.0.1:PORT */
  url: string;
  password: string | undefined;
  /** Working directory (dir): RDB/AOF files and redis.log; removed by stop(). */
  dir: string;
  /** Runs redis-cli with these arguments against the server; returns its output (throws on a non-zero exit). */
  cli(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** INFO as key -> value. */
  info(section?: string): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

const INSTALL = 'apt-get install -y redis-server (redis-server and redis-cli)';

function tool(name: string): string {
  for (const d of ['/usr/bin', '/usr/local/bin', '/usr/sbin']) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // Next directory.
    }
  }
  throw new Error(`${name} not found: ${INSTALL}`);
}

export async function startRedis(opts: RedisOptions = {}): Promise<RedisServer> {
  const t = { server: tool('redis-server'), cli: tool('redis-cli') };
  const dir = serverDir('redis');
  const logFile = join(dir, 'redis.log');
  let serverPid: number | undefined;
  const unregister = onProcessExit(() => {
    killQuietly(serverPid);
    rmSync(dir, { recursive: true, force: true });
  });
  const authEnv = opts.password ? { REDISCLI_AUTH: opts.password } : {};
  try {
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const config: Record<string, string | number> = { port, bind: '127.0.0.1', save: '', appendonly: 'no', dir, logfile: logFile, daemonize: 'no', 'protected-mode': 'no', ...opts.config };
      // A fixed port in config (e.g. to restart a server in place) wins over the free one.
      port = Number(config.port);
      if (opts.password) config.requirepass = opts.password;
      // Directives on stdin ("-"): the password never shows in ps.
      const stdinConfig = Object.entries(config).map(([k, v]) => `${k} ${v === '' ? '""' : JSON.stringify(String(v))}`).join('\n');
      const child = spawn(t.server, ['-'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      child.stdin.end(`${stdinConfig}\n`);
      child.unref();
      serverPid = child.pid;
      writeOwner(dir, serverPid ? { serverPid } : {});
      let exited = false;
      child.once('exit', () => (exited = true));
      const ping = async () => (await execa(t.cli, ['-h', '127.0.0.1', '-p', String(port), 'PING'], { reject: false, env: authEnv, timeout: 5000 })).stdout === 'PONG';
      await waitUntil('redis-server to answer PING', async () => exited || (await ping()), { timeoutMs: 60_000, intervalMs: 25, log: () => tailFile(logFile) });
      if (!exited) break;
      const log = tailFile(logFile);
      if (attempt < 3 && /Address already in use/i.test(log)) continue;
      throw new Error(`redis-server exited during startup:\n${log}`);
    }
    const cli: RedisServer['cli'] = async (args, o = {}) => {
      const r = await execa(t.cli, ['-h', '127.0.0.1', '-p', String(port), ...args], { reject: false, env: authEnv, timeout: o.timeoutMs ?? 30_000, ...(o.input !== undefined ? { input: o.input } : {}) });
      if (r.exitCode !== 0) throw new Error(`redis-cli ${args.join(' ')} failed (exit ${r.exitCode}): ${String(r.stderr).trim()}`);
      return String(r.stdout);
    };
    let stopped = false;
    return {
      host: '127.0.0.1',
      port,
      url: `redis://${opts.password ? `:${encodeURIComponent(opts.password)}@` : ''}127.0.0.1:${port}`,
      password: opts.password,
      dir,
      cli,
      async info(section) {
        const text = await cli(['INFO', ...(section ? [section] : [])]);
        const out: Record<string, string> = {};
        for (const line of text.split(/\r?\n/)) {
          const i = line.indexOf(':');
          if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
        }
        return out;
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        killQuietly(serverPid, 'SIGTERM');
        if (serverPid && !(await waitForExit(serverPid, 10_000))) killQuietly(serverPid);
        unregister();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    killQuietly(serverPid);
    unregister();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Removes servers left behind by test processes that died without cleaning up. */
export function cleanupStaleRedis(): string[] {
  return cleanupStaleServers('redis');
}
