import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openRuntime, type Runtime } from '../../src/runtime/open-runtime.js';
import { startWorkerHealth, type WorkerHealth } from '../../src/server/worker-health.js';
import { silentLogger } from '../../src/logging/logger.js';

// `patrol worker --health-listen`: the probe endpoints of a worker, against a real (SQLite) store.

let home: string;
let runtime: Runtime | undefined;
let health: WorkerHealth | undefined;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'patrol-worker-health-'));
  runtime = await openRuntime({ env: { ...process.env, PATROL_HOME: home, PATROL_SECRET_KEY: randomBytes(32).toString('base64') }, logger: silentLogger() });
  health = await startWorkerHealth({ listen: '127.0.0.1:0', runtime, logger: silentLogger(), version: '9.9.9' });
});

afterAll(async () => {
  await health?.close();
  await runtime?.close();
  rmSync(home, { recursive: true, force: true });
});

test('healthz answers, readyz checks the database, other paths and methods are refused', async () => {
  const live = await fetch(`${health!.url}/healthz`);
  expect(live.status).toBe(200);
  expect(await live.json()).toEqual({ status: 'ok', version: '9.9.9' });
  const ready = await fetch(`${health!.url}/readyz`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> };
  expect(body.status).toBe('ready');
  // The embedded dispatcher has no Redis to ping: only the database is checked.
  expect(Object.keys(body.checks)).toEqual(['database']);
  expect((await fetch(`${health!.url}/metrics`)).status).toBe(404);
  expect((await fetch(`${health!.url}/healthz`, { method: 'POST' })).status).toBe(405);
});

test('readyz turns 503 and names the check when the database is gone', async () => {
  await runtime!.close();
  runtime = undefined;
  const ready = await fetch(`${health!.url}/readyz`);
  expect(ready.status).toBe(503);
  const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean; error?: string }> };
  expect(body.status).toBe('not-ready');
  expect(body.checks.database?.ok).toBe(false);
  expect(body.checks.database?.error).toBeTruthy();
});

test('a bad listen address is refused naming the option', async () => {
  await expect(startWorkerHealth({ listen: 'localhost:99999', runtime: { store: undefined!, engine: undefined! }, logger: silentLogger(), version: 'x' })).rejects.toThrow('--health-listen localhost:99999');
});
