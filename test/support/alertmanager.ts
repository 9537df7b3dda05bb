import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './system-tools.js';
import { freePort, killQuietly, onProcessExit, tailFile, waitForExit, waitUntil } from './local-servers.js';

/** An alert as GET /api/v2/alerts returns it. */
export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  fingerprint: string;
  generatorURL?: string;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
  receivers: { name: string }[];
}

export interface Alertmanager {
  url: string;
  /** Active alerts (Alertmanager leaves out resolved ones), optionally filtered by matchers. */
  alerts(filter?: string[]): Promise<AmAlert[]>;
  log(): string;
  stop(): Promise<void>;
}

/**
 * A real Prometheus Alertmanager (Debian prometheus-alertmanager) on a free port, clustering off,
 * its storage in a temp dir. Its one receiver is a webhook (Patrol's tests point it at a
 * recording server) with short group and repeat intervals so notifications come within seconds.
 */
export async function startAlertmanager(opts: { webhookUrl: string; groupBy?: string[]; repeatInterval?: string }): Promise<Alertmanager> {
  const bin = requireTool('prometheus-alertmanager', 'apt-get install -y prometheus-alertmanager');
  const dir = mkdtempSync(join(tmpdir(), 'patrol-am-'));
  const port = await freePort();
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(
    config,
    `route:
  receiver: patrol-test
  group_by: [${(opts.groupBy ?? ['alertname', 'inspection', 'host']).join(', ')}]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: ${opts.repeatInterval ?? '2s'}
receivers:
  - name: patrol-test
    webhook_configs:
      - url: ${opts.webhookUrl}
        send_resolved: true
`,
  );
  const logFile = join(dir, 'alertmanager.log');
  const out = openSync(logFile, 'a');
  const child = spawn(bin, [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=info'], { stdio: ['ignore', out, out] });
  const unregister = onProcessExit(() => killQuietly(child.pid));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      'alertmanager to be ready',
      async () => {
        if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}:\n${tailFile(logFile)}`);
        try {
          return (await fetch(`${url}/-/ready`)).ok;
        } catch {
          return false;
        }
      },
      { timeoutMs: 20_000, log: () => tailFile(logFile) },
    );
  } catch (err) {
    killQuietly(child.pid);
    throw err;
  }
  return {
    url,
    async alerts(filter = []) {
      const q = filter.map((f) => `filter=${encodeURIComponent(f)}`).join('&');
      const res = await fetch(`${url}/api/v2/alerts${q ? `?${q}` : ''}`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status} ${await res.text()}`);
      return (await res.json()) as AmAlert[];
    },
    log: () => tailFile(logFile, 50),
    async stop() {
      killQuietly(child.pid, 'SIGTERM');
      if (child.pid && !(await waitForExit(child.pid, 5000))) killQuietly(child.pid);
      unregister();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
