import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { WORKFLOW } from '../support/api-samples.js';
import { newId } from '../../src/util/ids.js';
import { isTerminalRun } from '../../src/engine/run-states.js';

/**
 * GET /reports/:runId/html serves the report file when this server has it, and otherwise renders
 * it from the stored findings: in the distributed mode the worker that ran the report step wrote
 * the file to its own disk, which the server answering the request may not share.
 */
let t: TestServer;
let runId: string;
let reportFile: string;

beforeAll(async () => {
  t = await startTestServer();
  expect((await t.call('POST', '/api/v1/workflows', { token: t.adminToken, body: { yaml: WORKFLOW('sample') } })).status).toBe(201);
  const { engine, store } = t.server.runtime;
  const run = await engine.trigger((await t.server.workflows.get('default', 'sample')).definition, { inspection: 'nightly', triggeredBy: 'admin' });
  runId = run.id;
  for (let i = 0; i < 200 && !isTerminalRun((await store.runs.getRun(runId))!.status); i++) await new Promise((r) => setTimeout(r, 50));
  const now = Date.now();
  await store.findings.insert([
    { id: newId(), runId, step: 'work', check: 'host.disk.usage', category: 'host', target: 'web1:/var', host: 'web1', severity: 'warning', value: 85, unit: '%', threshold: 80, message: '/var is 85% full', fingerprint: 'abcdef0123456789abcdef01', createdAt: now },
  ]);
  reportFile = join(t.home, 'report.html');
  writeFileSync(reportFile, '<html><body>the file written by the report step</body></html>');
  await store.reports.upsert({ runId, inspection: 'nightly', score: 87.5, grade: 'B', counts: { bySeverity: { ok: 0, info: 0, warning: 1, critical: 0, error: 0 }, findings: 1, targets: 1 }, status: 'succeeded', files: { html: reportFile }, createdAt: now });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

test('the report file is served when it is on this server', async () => {
  const r = await t.call('GET', `/api/v1/reports/${runId}/html`, { token: t.adminToken });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toContain('text/html');
  expect(r.text).toBe('<html><body>the file written by the report step</body></html>');
});

test('without the file (written on another machine) the report is rendered from the stored findings', async () => {
  rmSync(reportFile);
  const r = await t.call('GET', `/api/v1/reports/${runId}/html`, { token: t.adminToken });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(r.text).toContain('<html');
  expect(r.text).toContain('/var is 85% full');
  expect(r.text).toContain('host.disk.usage');
});

test('a run without a report is still a 404 with the error format', async () => {
  const r = await t.call('GET', `/api/v1/reports/${newId()}/html`, { token: t.adminToken });
  expect(r.status).toBe(404);
  expect(r.body.error.code).toBeDefined();
  expect(r.body.error.message).toContain('has no report');
});
