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
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import pgLib from 'pg';
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
const { Pool: PgPool } = pgLib;

/** STEPS jobs added in bulk to a fresh queue, one worker at CONCURRENCY; returns the wall time. */
async function rawBullmq(connection: ConnectionOptions, work: (i: number) => Promise<void>): Promise<number> {
  const prefix = `raw${randomBytes(3).toString('hex')}`;
  const q = new Queue('raw', { connection, prefix });
  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const worker = new Worker(
    'raw',
    async (job) => {
      await work(job.data.i as number);
      if (++done === STEPS) resolveAll();
    },
    { connection, prefix, concurrency: CONCURRENCY },
  );
  await worker.waitUntilReady();
  const t0 = performance.now();
  await q.addBulk(Array.from({ length: STEPS }, (_, i) => ({ name: 'noop', data: { i }, opts: { removeOnComplete: true } })));
  await all;
  const ms = performance.now() - t0;
  await worker.close();
  await q.close();
  return ms;
}

const pg = await startPostgres({ settings: { max_connections: 100 } });
const redis = await startRedis();
const dir = mkdtempSync(join(tmpdir(), 'patrol-bench-redis-'));
try {
  await pg.createDatabase('patrol');
  if (process.argv.includes('--pg-stats')) await pg.query('create extension if not exists pg_stat_statements', { database: 'patrol' });
  const connection = connectionFromUrl(redis.url);

  // Raw BullMQ: the transport's own ceiling on this machine. Then the same with the least a
  // durable engine must do per job: one auto-committed PostgreSQL UPDATE (Patrol does three:
  // claim, read nothing else, record) — the floor any database-backed engine sits on.
  const rawMs = await rawBullmq(connection, async () => {});
  const pool = new PgPool({ connectionString: pg.urlFor('patrol'), max: CONCURRENCY });
  await pool.query('create table bench_jobs (id int primary key, status text not null)');
  await pool.query(`insert into bench_jobs select g, 'queued' from generate_series(0, ${STEPS - 1}) g`);
  const durableMs = await rawBullmq(connection, async (i) => {
    await pool.query("update bench_jobs set status = 'done' where id = $1 and status = 'queued'", [i]);
  });
  await pool.end();

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
  const durableRate = STEPS / (durableMs / 1000);
  const fanRate = STEPS / (fanMs / 1000);
  console.log(
    JSON.stringify(
      {
        steps: STEPS,
        concurrency: CONCURRENCY,
        rawBullmq: { ms: Math.round(rawMs), jobsPerSecond: Math.round(rawRate) },
        rawBullmqPlusOneUpdate: { ms: Math.round(durableMs), jobsPerSecond: Math.round(durableRate) },
        patrolFanOut: { ms: Math.round(fanMs), stepsPerSecond: Math.round(fanRate), throughputRatioToRaw: +(fanRate / rawRate).toFixed(3), ratioToRawPlusOneUpdate: +(fanRate / durableRate).toFixed(3) },
        patrolChain: { steps: chainLen, ms: Math.round(chainMs), perStepMs: +(chainMs / chainLen).toFixed(2) },
      },
      null,
      2,
    ),
  );
  if (process.argv.includes('--pg-stats')) {
    // Where PostgreSQL's time went (pg_stat_statements is preloaded by the test server).
    const rows = await pg.query(
      "select calls, round(total_exec_time::numeric, 1) as total_ms, round(mean_exec_time::numeric, 3) as mean_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as query from pg_stat_statements order by total_exec_time desc limit 12",
      { database: 'patrol' },
    );
    console.table(rows);
  }
} finally {
  await redis.stop();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
