/**
 * Engine overhead on the embedded dispatcher: 1,000-step DAGs of `noop` steps.
 *   npx tsx bench/engine-overhead.ts        (or: npm run bench:engine)
 * Shapes: a chain (each step waits for the previous one: pure per-step latency), a fan-out/fan-in
 * (1 -> 998 -> 1) and a mixed DAG (10 chains of 100 with fan-outs). Per-step overhead is reported
 * two ways: wall time / steps, and the median gap between a step's needs finishing and the step
 * finishing (measured with hrtime from engine events). Baseline in the same run: the same number of
 * bare SQLite statements the engine must write per step (its durability floor).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import BetterSqlite3 from 'better-sqlite3';
import { openStore } from '../src/store/open-store.js';
import { Engine } from '../src/engine/engine.js';
import { builtinRegistry } from '../src/steps/builtin/index.js';
import { patrolPaths } from '../src/config/paths.js';
import { InProcessDispatcher } from '../src/queue/in-process-dispatcher.js';
import { validateWorkflowValue } from '../src/workflow/validate-workflow.js';

type Step = { name: string; type: string; needs?: string[] };

function chain(n: number): Step[] {
  return Array.from({ length: n }, (_, i) => ({ name: `s${i}`, type: 'noop', ...(i > 0 ? { needs: [`s${i - 1}`] } : {}) }));
}
function fan(n: number): Step[] {
  const mid = Array.from({ length: n - 2 }, (_, i) => ({ name: `m${i}`, type: 'noop', needs: ['root'] }));
  return [{ name: 'root', type: 'noop' }, ...mid, { name: 'join', type: 'noop', needs: mid.map((m) => m.name) }];
}
function mixed(chains: number, len: number): Step[] {
  const out: Step[] = [{ name: 'start', type: 'noop' }];
  for (let c = 0; c < chains; c++) {
    for (let i = 0; i < len; i++) {
      const prev = i === 0 ? 'start' : `c${c}_${i - 1}`;
      // Every 10th step fans in from the neighbouring chain as well.
      const needs = i % 10 === 5 && c > 0 ? [prev, `c${c - 1}_${i - 1}`] : [prev];
      out.push({ name: `c${c}_${i}`, type: 'noop', needs });
    }
  }
  return out;
}

async function measure(label: string, steps: Step[], concurrency: number) {
  const dir = mkdtempSync(join(tmpdir(), 'patrol-bench-'));
  const store = await openStore({ url: join(dir, 'patrol.db') });
  const registry = builtinRegistry({ paths: patrolPaths({ PATROL_HOME: dir }) });
  const engine = new Engine({ store, registry, workRoot: join(dir, 'work'), dispatcher: new InProcessDispatcher({ concurrency }) }).start();
  const res = validateWorkflowValue({ apiVersion: 'patrol.dev/v1', kind: 'Workflow', metadata: { name: 'bench' }, spec: { steps } }, registry);
  if (!res.workflow) throw new Error(JSON.stringify(res.issues.slice(0, 3)));
  const needs = new Map(steps.map((s) => [s.name, s.needs ?? []]));
  const finished = new Map<string, number>();
  const gaps: number[] = [];
  engine.events.on('step', (e) => {
    if (e.status !== 'succeeded') return;
    const t = performance.now();
    finished.set(e.step, t);
    const deps = needs.get(e.step) ?? [];
    if (deps.length > 0) gaps.push(t - Math.max(...deps.map((d) => finished.get(d) ?? t)));
  });
  const t0 = performance.now();
  const run = await engine.trigger(res.workflow);
  const done = await engine.waitFor(run.id, { pollMs: 5000 });
  const wall = performance.now() - t0;
  await engine.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  if (done.status !== 'succeeded') throw new Error(`${label}: run ${done.status}: ${done.reason}`);
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)]!;
  const p95 = gaps[Math.floor(gaps.length * 0.95)]!;
  return { label, steps: steps.length, wallMs: Math.round(wall), perStepMs: +(wall / steps.length).toFixed(3), medianGapMs: +median.toFixed(3), p95GapMs: +p95.toFixed(3) };
}

/** The durability floor: per step the engine writes ~6 rows (attempt insert, 2 step updates, 2 attempt updates, run check). */
function baselineSqlite(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'patrol-bench-'));
  const db = new BetterSqlite3(join(dir, 'b.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table t (id integer primary key, run text, name text, status text, outputs text)');
  const ins = db.prepare('insert into t (run, name, status, outputs) values (?, ?, ?, ?)');
  const upd = db.prepare('update t set status = ? where id = ?');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    // Three transactions per step, like claim / record / advance.
    db.transaction(() => upd.run('running', ins.run('r', `s${i}`, 'queued', null).lastInsertRowid))();
    db.transaction(() => upd.run('succeeded', i + 1))();
    db.transaction(() => upd.run('succeeded', i + 1))();
  }
  const wall = performance.now() - t0;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { label: 'baseline: bare SQLite, 3 tx per step', steps: n, wallMs: Math.round(wall), perStepMs: +(wall / n).toFixed(3) };
}

const rows = [baselineSqlite(1000), await measure('chain 1000', chain(1000), 16), await measure('fan-out 1 -> 998 -> 1', fan(1000), 16), await measure('mixed 10 x 100 chains', mixed(10, 100), 16)];
console.table(rows);
const base = rows[0]!.perStepMs;
for (const r of rows.slice(1)) console.log(`${r.label}: ${r.perStepMs} ms/step wall, median gap ${'medianGapMs' in r ? r.medianGapMs : '-'} ms, ratio to SQLite floor ${(r.perStepMs / base).toFixed(1)}x`);
