/**
 * Step dispatch on Redis (the distributed mode): 1,000-step noop DAGs through Patrol's engine on
 * BullMQ + PostgreSQL, side by side with raw BullMQ job throughput on the same Redis, in one run.
 * Goals: median per-step overhead under 5 ms; Patrol at least half of raw BullMQ's throughput.
 *
 *   npx tsx bench/redis-dispatch.ts [--steps 1000] [--concurrency 16]
 *
 * Raw BullMQ: 1,000 jobs added in bulk, one worker with the same concurrency and a no-op
 * processor; throughput = jobs / wall time. Patrol: a fan-out (1 -> 998 -> 1) for throughput and a
 * chain for per-step latency, each step a real attempt (claim, run, record, advance) with every
 * transition committed to PostgreSQL before it is acted on. Starts its own Redis and PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { startPostgres } from '../test/support/postgres.js';
import { startRedis } from '../test/support/redis.js';
import { openRuntime } from '../src/runtime/open-runtime.js';
import { silentLogger } from '../src/logging/logger.js';
import { validateWorkflowValue } from '../src/workflow/validate-workflow.js';
import { connectionFromUrl } from '../src/queue/bullmq-dispatcher.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const STEPS = arg('steps', 1000);
const CONCURRENCY = arg('concurrency', 16);

const pg = await startPostgres({ settings: { max_connections: 100 } });
const redis = await startRedis();
const dir = mkdtempSync(join(tmpdir(), 'patrol-bench-redis-'));
try {
  await pg.createDatabase('patrol');
  const connection = connectionFromUrl(redis.url);

  // Raw BullMQ: the transport's own ceiling on this machine.
  const rawPrefix = `raw${randomBytes(3).toString('hex')}`;
  const q = new Queue('raw', { connection, prefix: rawPrefix });
  let done = 0;
  let resolveAll: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const worker = new Worker('raw', async () => {
    if (++done === STEPS) resolveAll();
  }, { connection, prefix: rawPrefix, concurrency: CONCURRENCY });
  await worker.waitUntilReady();
  const t0 = performance.now();
  await q.addBulk(Array.from({ length: STEPS }, (_, i) => ({ name: 'noop', data: { i }, opts: { removeOnComplete: true } })));
  await all;
  const rawMs = performance.now() - t0;
  await worker.close();
  await q.close();

  // Patrol: engine advances and noop steps through BullMQ, state in PostgreSQL.
  const rt = await openRuntime({
    env: { ...process.env, DATABASE_URL: pg.urlFor('patrol'), REDIS_URL: redis.url, PATROL_QUEUE_PREFIX: `p${randomBytes(3).toString('hex')}`, PATROL_HOME: dir, PATROL_SECRET_KEY: randomBytes(32).toString('base64') },
    logger: silentLogger(),
    distributed: { role: 'worker', accept: { stepTypes: ['noop'], advance: true }, concurrency: CONCURRENCY },
  });
  rt.engine.start();
  const measure = async (label: string, steps: { name: string; type: string; needs?: string[] }[]) => {
    const res = validateWorkflowValue({ apiVersion: 'patrol.dev/v1', kind: 'Workflow', metadata: { name: label.replace(/\W+/g, '-') }, spec: { steps } }, rt.registry);
    if (!res.workflow) throw new Error(JSON.stringify(res.issues.slice(0, 2)));
    const t = performance.now();
    const run = await rt.engine.trigger(res.workflow);
    const end = await rt.engine.waitFor(run.id, { pollMs: 100 });
    const ms = performance.now() - t;
    if (end.status !== 'succeeded') throw new Error(`${label}: ${end.status} ${end.reason}`);
    return ms;
  };
  const fan = [{ name: 'root', type: 'noop' }, ...Array.from({ length: STEPS - 2 }, (_, i) => ({ name: `m${i}`, type: 'noop', needs: ['root'] })), { name: 'join', type: 'noop', needs: Array.from({ length: STEPS - 2 }, (_, i) => `m${i}`) }];
  const chainLen = Math.min(STEPS, 300);
  const chain = Array.from({ length: chainLen }, (_, i) => ({ name: `s${i}`, type: 'noop', ...(i ? { needs: [`s${i - 1}`] } : {}) }));
  const fanMs = await measure('fan-out', fan);
  const chainMs = await measure('chain', chain);
  await rt.close();

  const rawRate = STEPS / (rawMs / 1000);
  const fanRate = STEPS / (fanMs / 1000);
  console.log(
    JSON.stringify(
      {
        steps: STEPS,
        concurrency: CONCURRENCY,
        rawBullmq: { ms: Math.round(rawMs), jobsPerSecond: Math.round(rawRate) },
        patrolFanOut: { ms: Math.round(fanMs), stepsPerSecond: Math.round(fanRate), throughputRatioToRaw: +(fanRate / rawRate).toFixed(3) },
        patrolChain: { steps: chainLen, ms: Math.round(chainMs), perStepMs: +(chainMs / chainLen).toFixed(2) },
      },
      null,
      2,
    ),
  );
} finally {
  await redis.stop();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
