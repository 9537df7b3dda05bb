import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patrol } from '../support/cli.js';
import { insertSyntheticHistory } from '../support/synthetic-inspection.js';
import { openStore } from '../../src/store/open-store.js';
import { reportJsonSchema } from '../../src/reports/report-json-schema.js';

// `patrol report RUN --format ...` through the real CLI on runs stored in its database.

let home: string;
let runId: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'patrol-report-cli-'));
  const store = await openStore({ url: join(home, 'patrol.db') });
  try {
    const runs = await store.transaction((tx) => insertSyntheticHistory(tx, { inspection: 'cli-fleet', hosts: 20, checks: 15, runs: 3, start: Date.UTC(2026, 2, 1) }));
    runId = runs[2]!.id;
  } finally {
    await store.close();
  }
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

test('json (versioned schema), junit, md and csv by run id prefix, to a file or standard output', async () => {
  const json = await patrol(['report', runId.slice(0, 12), '--format', 'json'], { home });
  expect(json.exitCode).toBe(0);
  const doc = JSON.parse(json.stdout) as { schemaVersion: number; run: { id: string }; findings: unknown[]; history: unknown[] };
  expect(reportJsonSchema.safeParse(doc).success).toBe(true);
  expect([doc.schemaVersion, doc.run.id, doc.findings.length, doc.history.length]).toEqual([1, runId, 300, 3]);

  const out = join(home, 'junit.xml');
  const junit = await patrol(['report', runId, '--format', 'junit', '-o', out, '--fail-on', 'warning'], { home });
  expect(junit.exitCode).toBe(0);
  expect(junit.stderr).toMatch(/junit report of run .* \(cli-fleet, score [\d.]+ [A-F], 300 findings\) written to/);
  const xml = readFileSync(out, 'utf8');
  expect((xml.match(/<testcase /g) ?? []).length).toBe(300);
  expect(xml).toMatch(/<testcase classname="host\.synth\.check_\d+" name="node-\d+(:\/data\d+)?" time="0">\s*<failure type="(warning|critical)"/);

  const md = await patrol(['report', runId, '--format', 'md', '--max-items', '3'], { home });
  expect(md.stdout).toMatch(/^## Patrol: cli-fleet — score/);
  expect(md.stdout).toContain('### Changes since');

  const csv = await patrol(['report', runId, '--format', 'csv'], { home });
  expect(csv.stdout.split('\r\n').filter(Boolean)).toHaveLength(301);
});

test('user templates override the built-in ones file by file', async () => {
  const tpl = join(home, 'templates');
  mkdirSync(join(tpl, 'partials'), { recursive: true });
  writeFileSync(join(tpl, 'partials', 'finding.hbs'), '<div class="my-finding">MY {{severity}} {{check}} @ {{target}}</div>\n');
  writeFileSync(join(tpl, 'report.css'), 'body { background: #010203; }\n');
  const cfg = join(home, 'patrol.yaml');
  writeFileSync(cfg, `apiVersion: patrol.dev/v1\nkind: PatrolConfig\nreports: { templates: templates }\n`);
  const r = await patrol(['report', runId, '--format', 'html'], { home, env: { PATROL_CONFIG: cfg } });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('<div class="my-finding">MY ');
  expect(r.stdout).toContain('background: #010203');
  // Everything not overridden is still there.
  expect(r.stdout).toContain('<svg class="chart chart-history"');
  const broken = join(home, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, 'report.hbs'), '{{#each}}');
  const bad = await patrol(['report', runId, '--templates', broken], { home });
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr).toContain(`report template ${join(broken, 'report.hbs')}`);
});

test('bad input exits 2 with the reason', async () => {
  const fmt = await patrol(['report', runId, '--format', 'pdf'], { home });
  expect([fmt.exitCode, fmt.stderr]).toEqual([2, expect.stringContaining('--format pdf: use one of html, json, junit, md, csv')]);
  const missing = await patrol(['report', '01zzzzzzzzzz'], { home });
  expect([missing.exitCode, missing.stderr]).toEqual([2, expect.stringContaining('no run with id 01zzzzzzzzzz')]);
});
