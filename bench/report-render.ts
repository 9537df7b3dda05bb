/**
 * Report rendering at scale: 100 hosts x 60 checks = 6,000 findings, with 30 runs of history, in a
 * real SQLite store (the same tables and repositories the engine writes).
 *   npx tsx bench/report-render.ts            (figures in docs/benchmarks.md, "Reports")
 * Measured side by side in the same process and data: rendering the report model as JSON (the
 * baseline: JSON.stringify is native) and as HTML (Handlebars, inline SVG charts); also the
 * emailed version (juice inlining, budgeted) and building the model from the store, which both
 * formats share. Times are medians of 9 runs after 2 warm-ups. Memory is the peak extra RSS of
 * the first render in a process over the RSS just before it (the model deserialised, after GC),
 * sampled every millisecond from a worker thread, each format in a fresh child process (so one
 * render's pages do not hide the next one's); heap growth is heapUsed after minus before.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openStore } from '../src/store/open-store.js';
import { buildReport, type ReportModel } from '../src/reports/report-model.js';
import { renderJson } from '../src/reports/render-json.js';
import { renderHtml } from '../src/reports/render-html.js';
import { renderEmail } from '../src/reports/render-email.js';
import { insertSyntheticHistory } from '../test/support/synthetic-inspection.js';

const HOSTS = 100;
const CHECKS = 60;
const RUNS = 30;
type Format = 'json' | 'html' | 'email';

const render: Record<Format, (m: ReportModel) => string> = {
  json: (m) => renderJson(m),
  html: (m) => renderHtml(m),
  email: (m) => renderEmail(m).html,
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Child: peak extra RSS of one render of `format`, sampled from a worker thread. */
async function measureMemory(format: Format, modelFile: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the memory child with --expose-gc');
  // The model arrives serialised: building it from the store would grow the heap first and hide
  // the render's own growth in pages already taken.
  const model = deserialize(readFileSync(modelFile)) as ReportModel;
  // No warm-up: the first render in a process (templates compiled, heap grown) is what a run pays.
  gc();
  gc();
  const sampler = new Worker(
    `const { parentPort } = require('node:worker_threads');
     let max = 0;
     const t = setInterval(() => { const r = process.memoryUsage.rss(); if (r > max) max = r; }, 1);
     parentPort.on('message', () => { clearInterval(t); const r = process.memoryUsage.rss(); parentPort.postMessage(Math.max(max, r)); });`,
    { eval: true },
  );
  await new Promise((r) => setTimeout(r, 50));
  const base = process.memoryUsage.rss();
  const heapBase = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const out = render[format](model);
  const ms = performance.now() - t0;
  // Without a GC in between: what the render allocated and still holds or has not yet freed.
  const heapAfter = process.memoryUsage().heapUsed;
  // Let the sampler see the end state too.
  await new Promise((r) => setTimeout(r, 20));
  const peak = await new Promise<number>((resolve) => {
    sampler.once('message', resolve);
    sampler.postMessage('stop');
  });
  await sampler.terminate();
  process.send!({ format, extraRss: Math.max(0, peak - base), heapDelta: heapAfter - heapBase, bytes: Buffer.byteLength(out), ms });
}

async function childMemory(format: Format, modelFile: string): Promise<{ extraRss: number; heapDelta: number; bytes: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL(import.meta.url).pathname, ['--memory', format, modelFile], { execArgv: [...process.execArgv, '--expose-gc'] });
    child.once('message', (m) => resolve(m as { extraRss: number; heapDelta: number; bytes: number; ms: number }));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`memory child for ${format} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'patrol-bench-report-'));
  const db = join(dir, 'patrol.db');
  try {
    const store = await openStore({ url: db });
    let t = performance.now();
    const runs = await store.transaction((tx) => insertSyntheticHistory(tx, { inspection: 'bench-fleet', hosts: HOSTS, checks: CHECKS, runs: RUNS, start: Date.UTC(2026, 0, 1) }));
    const insertMs = performance.now() - t;
    // Each earlier run's report recorded its score, as the report step does at the end of every run.
    for (const r of runs.slice(0, -1)) {
      const m = await buildReport(store, r.id, { historyRuns: 1 });
      await store.reports.upsert({ runId: r.id, inspection: m.inspection, score: m.score.value, grade: m.score.grade, counts: { bySeverity: m.counts.bySeverity, findings: m.counts.findings, targets: m.counts.targets }, status: 'succeeded', files: {}, createdAt: r.createdAt });
    }
    const last = runs[runs.length - 1]!;
    const times: Record<'build' | Format, number[]> = { build: [], json: [], html: [], email: [] };
    let model: ReportModel | undefined;
    const sizes: Partial<Record<Format, number>> = {};
    for (let i = 0; i < 11; i++) {
      t = performance.now();
      model = await buildReport(store, last.id);
      const build = performance.now() - t;
      const row: Partial<Record<Format, number>> = {};
      for (const f of ['json', 'html', 'email'] as const) {
        t = performance.now();
        const out = render[f](model);
        row[f] = performance.now() - t;
        sizes[f] = Buffer.byteLength(out);
      }
      if (i < 2) continue;
      times.build.push(build);
      for (const f of ['json', 'html', 'email'] as const) times[f].push(row[f]!);
    }
    await store.close();
    const mem: Partial<Record<Format, { extraRss: number; heapDelta: number }>> = {};
    const modelFile = join(dir, 'model.bin');
    writeFileSync(modelFile, serialize(model));
    for (const f of ['json', 'html', 'email'] as const) mem[f] = await childMemory(f, modelFile);

    const m = model!;
    process.stdout.write(`Report rendering: ${HOSTS} hosts x ${CHECKS} checks = ${m.counts.findings} findings (${m.counts.problems} problems), ${m.history.length} runs of history; SQLite store (${RUNS} runs inserted in ${(insertMs / 1000).toFixed(1)} s)\n`);
    process.stdout.write(`node ${process.version}, ${process.platform} ${process.arch}\n\n`);
    const rows: string[][] = [
      ['build model from the store (shared)', `${median(times.build).toFixed(0)} ms`, '-', '-', '-'],
      ['JSON render (baseline)', `${median(times.json).toFixed(0)} ms`, mb(mem.json!.extraRss), mb(mem.json!.heapDelta), mb(sizes.json!)],
      ['HTML render', `${median(times.html).toFixed(0)} ms`, mb(mem.html!.extraRss), mb(mem.html!.heapDelta), mb(sizes.html!)],
      ['email HTML render (juice, budget 1 MB)', `${median(times.email).toFixed(0)} ms`, mb(mem.email!.extraRss), mb(mem.email!.heapDelta), mb(sizes.email!)],
      ['HTML end to end (build + render)', `${(median(times.build) + median(times.html)).toFixed(0)} ms`, '-', '-', '-'],
    ];
    process.stdout.write(`| step | median time | peak extra RSS | heap growth | output |\n|---|---|---|---|---|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\n`);
    process.stdout.write(`all HTML times (ms): ${times.html.map((x) => x.toFixed(0)).join(' ')}\nall JSON times (ms): ${times.json.map((x) => x.toFixed(0)).join(' ')}\n`);
    const ok = median(times.html) < 300 && mem.html!.extraRss < 100 * 1024 * 1024;
    process.stdout.write(`goal (HTML render < 300 ms and < 100 MB extra): ${ok ? 'met' : 'NOT met'}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--memory') await measureMemory(argv[1] as Format, argv[2]!);
else await main();
