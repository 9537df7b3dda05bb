import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { parse } from 'yaml';
import { assertBuilt, REPO } from '../support/cli.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { liveProcessesInGroup } from '../support/processes.js';
import { openRuntime, type Runtime } from '../../src/runtime/open-runtime.js';
import { Reconciler } from '../../src/engine/reconciler.js';
import { silentLogger } from '../../src/logging/logger.js';
import { validateWorkflowValue } from '../../src/workflow/validate-workflow.js';
import type { BullMqDispatcher } from '../../src/queue/bullmq-dispatcher.js';

// The distributed mode with real parts: PostgreSQL as the source of truth, BullMQ on Redis as the
// transport, two `patrol worker` processes executing steps. This process plays the server: it
// triggers runs, advances them and runs the reconciler.

let pg: PostgresServer;
let redis: RedisServer;
let dir: string;
let env: Record<string, string>;
let server: Runtime;
let reconciler: Reconciler;
const workers: { proc: ResultPromise; log: string }[] = [];

function startWorker(i: number) {
  const log = join(dir, `worker-${i}-${workers.length}.log`);
  const proc = execa('node', [join(REPO, 'bin/patrol.js'), 'worker', '--concurrency', '2'], { env: { ...env, PATROL_HOME: join(dir, `w${i}`) }, stdout: { file: log }, stderr: { file: `${log}.err` }, reject: false });
  workers.push({ proc, log });
  return workers[workers.length - 1]!;
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${workers.map((w) => [w.log, `${w.log}.err`].filter(existsSync).map((f) => readFileSync(f, 'utf8').slice(-1500)).join('\n')).join('\n---\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'patrol-dist-'));
  pg = await startPostgres();
  await pg.createDatabase('patrol');
  redis = await startRedis();
  env = {
    DATABASE_URL: pg.urlFor('patrol'),
    REDIS_URL: redis.url,
    PATROL_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    PATROL_SECRET_KEY: randomBytes(32).toString('base64'),
    PATROL_LOG_LEVEL: 'info',
  };
  server = await openRuntime({ env: { ...process.env, ...env, PATROL_HOME: join(dir, 'server') }, logger: silentLogger(), distributed: { role: 'server', accept: { stepTypes: [], advance: true } }, settings: { heartbeatIntervalMs: 500 } });
  server.engine.start();
  reconciler = new Reconciler({ store: server.store, engine: server.engine, dispatcher: server.engine.dispatcher as BullMqDispatcher, logger: silentLogger(), selfId: server.engine.ownerId }, { intervalMs: 1000, workerLeaseMs: 3000, queuedGraceMs: 2000 });
  reconciler.start();
  startWorker(1);
  startWorker(2);
  await until('two live workers', async () => (await server.store.workers.live(Date.now() - 3000)).filter((w) => w.role === 'worker').length === 2);
}, 120_000);

afterAll(async () => {
  reconciler?.stop();
  for (const w of workers) w.proc.kill('SIGKILL');
  await Promise.allSettled(workers.map((w) => w.proc));
  await server?.close();
  await redis?.stop();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function workflow(text: string) {
  const res = validateWorkflowValue(parse(text), server.registry);
  if (!res.workflow) throw new Error(JSON.stringify(res.issues));
  return res.workflow;
}

test('steps of one run spread over both workers; the run is driven through the database', async () => {
  const steps = Array.from({ length: 6 }, (_, i) => `    - { name: s${i}, type: shell, with: { command: [sleep, "1"] } }`).join('\n');
  const run = await server.engine.trigger(workflow(`apiVersion: patrol.dev/v1\nkind: Workflow\nmetadata: { name: spread }\nspec:\n  steps:\n${steps}\n`));
  expect(run.owner).toBeNull();
  const done = await server.engine.waitFor(run.id, { timeoutMs: 60_000, pollMs: 200 });
  expect(done.status).toBe('succeeded');
  const owners = new Set((await server.engine.detail(run.id)).attempts.map((a) => a.owner));
  expect(owners.size).toBe(2);
  expect([...owners].every((o) => o !== server.engine.ownerId)).toBe(true);
});

test('killing a worker mid-step loses no run and re-runs no completed step; unsafe steps are not repeated', async () => {
  const marker = join(dir, 'unsafe-ran.txt');
  const run = await server.engine.trigger(
    workflow(`apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: kill-worker }
spec:
  steps:
    - { name: first, type: noop }
    - { name: safe, type: sleep, needs: [first], with: { duration: 6s } }
    - { name: unsafe, type: shell, needs: [first], with: { command: [sh, -c, 'echo ran >> "$0"; sleep 6', "${marker}"] } }
    - { name: after, type: noop, needs: [safe] }
`),
  );
  const attempts = await until('both long steps running', async () => {
    const a = (await server.engine.detail(run.id)).attempts.filter((x) => x.status === 'running' && (x.step === 'safe' || x.step === 'unsafe'));
    return a.length === 2 ? a : undefined;
  });
  const victimId = attempts.find((a) => a.step === 'safe')!.owner!;
  const victimPid = Number(victimId.split(':')[1]);
  const victim = workers.find((w) => w.proc.pid === victimPid)!;
  victim.proc.kill('SIGKILL');
  await victim.proc;

  const done = await server.engine.waitFor(run.id, { timeoutMs: 90_000, pollMs: 200 });
  const d = await server.engine.detail(run.id);
  const byStep = (s: string) => d.attempts.filter((a) => a.step === s);
  // Nothing completed twice.
  for (const s of ['first', 'safe', 'unsafe', 'after']) expect(byStep(s).filter((a) => a.status === 'succeeded').length).toBeLessThanOrEqual(1);
  expect(byStep('first').map((a) => a.status)).toEqual(['succeeded']);
  // The safe step was interrupted on the dead worker and finished on the other one.
  expect(byStep('safe').map((a) => a.status)).toEqual(['interrupted', 'succeeded']);
  expect(byStep('safe')[1]!.owner).not.toBe(victimId);
  expect(d.steps.find((s) => s.name === 'after')!.status).toBe('succeeded');
  const unsafe = d.steps.find((s) => s.name === 'unsafe')!;
  if (attempts.find((a) => a.step === 'unsafe')!.owner === victimId) {
    // It ran on the killed worker: not repeated, failed as interrupted, its process group stopped.
    expect(unsafe.status).toBe('failed');
    expect(unsafe.error?.code).toBe('interrupted');
    expect(done.status).toBe('failed');
    const pgid = Number(byStep('unsafe')[0]!.processes[0]!.split(':').pop());
    expect(liveProcessesInGroup(pgid)).toEqual([]);
  } else {
    expect(unsafe.status).toBe('succeeded');
    expect(done.status).toBe('succeeded');
  }
  expect(readFileSync(marker, 'utf8')).toBe('ran\n');
  startWorker(3);
  await until('two live workers again', async () => (await server.store.workers.live(Date.now() - 3000)).filter((w) => w.role === 'worker').length === 2);
});

test('restarting Redis (losing every queued job) loses no run', async () => {
  const steps = Array.from({ length: 8 }, (_, i) => `    - { name: s${i}, type: sleep, with: { duration: 2s } }`).join('\n');
  const run = await server.engine.trigger(workflow(`apiVersion: patrol.dev/v1\nkind: Workflow\nmetadata: { name: redis-restart }\nspec:\n  steps:\n${steps}\n`));
  // 4 slots on 2 workers: some steps run, the rest wait in Redis.
  await until('some steps running', async () => (await server.engine.detail(run.id)).attempts.some((a) => a.status === 'running'));
  const port = redis.port;
  await redis.stop();
  redis = await startRedis({ config: { port } });
  const done = await server.engine.waitFor(run.id, { timeoutMs: 120_000, pollMs: 250 });
  expect(done.status).toBe('succeeded');
  const d = await server.engine.detail(run.id);
  expect(d.steps.every((s) => s.status === 'succeeded')).toBe(true);
  for (const s of d.steps) expect(d.attempts.filter((a) => a.step === s.name && a.status === 'succeeded')).toHaveLength(1);
});

test('a cancel recorded by the server stops an attempt running on a worker within seconds', async () => {
  const run = await server.engine.trigger(workflow(`apiVersion: patrol.dev/v1\nkind: Workflow\nmetadata: { name: cancel-remote }\nspec:\n  steps:\n    - { name: long, type: shell, with: { command: [sleep, "60"] } }\n`));
  await until('long running', async () => (await server.engine.detail(run.id)).attempts.some((a) => a.status === 'running'));
  const t0 = Date.now();
  await server.engine.cancel(run.id, 'test');
  const done = await server.engine.waitFor(run.id, { timeoutMs: 20_000, pollMs: 200 });
  expect(done.status).toBe('cancelled');
  expect(Date.now() - t0).toBeLessThan(8000);
});
