import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './system-tools.js';
import { freePort, killQuietly, onProcessExit, tailFile, waitForExit, waitUntil } from './local-servers.js';

export interface Prometheus {
  url: string;
  /** Resolves once `query` returns a sample for which `accept` holds (the scrape has happened). */
  waitForSample(query: string, accept: (value: number) => boolean): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Prometheus (Debian prometheus) on a free port scraping `target` (host:port) every
 * second, its TSDB in a temp dir: what post-deploy verification queries.
 */
export async function startPrometheus(opts: { target: string }): Promise<Prometheus> {
  const bin = requireTool('prometheus', 'apt-get install -y prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'patrol-prom-'));
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: app\n    static_configs: [{ targets: ["${opts.target}"] }]\n`);
  const logFile = join(dir, 'prometheus.log');
  const out = openSync(logFile, 'a');
  const child = spawn(bin, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', out, out] });
  const unregister = onProcessExit(() => killQuietly(child.pid));
  const url = `http://127.0.0.1:${port}`;
  const value = async (query: string) => {
    const res = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as { data?: { result?: { value: [number, string] }[] } };
    const v = res.data?.result?.[0]?.value?.[1];
    return v === undefined ? undefined : Number(v);
  };
  try {
    await waitUntil('prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${tailFile(logFile)}`);
      return fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    }, { timeoutMs: 30_000, log: () => tailFile(logFile) });
  } catch (err) {
    killQuietly(child.pid);
    throw err;
  }
  return {
    url,
    async waitForSample(query, accept) {
      await waitUntil(`prometheus sample for ${query}`, async () => {
        const v = await value(query);
        return v !== undefined && accept(v);
      }, { timeoutMs: 20_000, intervalMs: 200, log: () => tailFile(logFile) });
    },
    async stop() {
      killQuietly(child.pid, 'SIGTERM');
      if (child.pid && !(await waitForExit(child.pid, 5000))) killQuietly(child.pid);
      unregister();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
