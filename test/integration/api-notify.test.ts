import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/api-server.js';

let t: TestServer;
let hook: http.Server;
let dir: string;
const received: { path: string; headers: http.IncomingHttpHeaders; body: any }[] = [];

beforeAll(async () => {
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ path: req.url!, headers: req.headers, body: JSON.parse(body) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const port = (hook.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'patrol-notify-'));
  writeFileSync(
    join(dir, 'config.yaml'),
    `apiVersion: patrol.dev/v1
kind: PatrolConfig
baseUrl: https://patrol.bank.example
alerting:
  channels:
    - { name: ops-hook, type: webhook, url: "http://127.0.0.1:${port}/hook" }
    - { name: ops-chat, type: slack, url: "http://127.0.0.1:${port}/slack" }
`,
  );
  t = await startTestServer({ env: { PATROL_CONFIG: join(dir, 'config.yaml'), PATROL_APPROVAL_CHANNELS: 'ops-hook,ops-chat' } });
}, 60_000);

afterAll(async () => {
  for (const r of await t.server.runtime.store.runs.activeRuns()) await t.server.runtime.engine.cancel(r.id).catch(() => undefined);
  await t?.close();
  hook?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('approval requests are announced once on the configured channels with the link to the approval screen', async () => {
  const yaml = `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: gated }
spec:
  steps:
    - name: approve
      type: approval
      with: { message: Rotate TLS certificates, approvers: { users: [alice], roles: [approver] }, timeout: 2h }
`;
  const run = await t.call('POST', '/api/v1/runs', { token: t.adminToken, body: { yaml } });
  expect(run.status).toBe(201);
  for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 2500));
  expect(received.map((r) => r.path).sort()).toEqual(['/hook', '/slack']);
  const approval = (await t.call('GET', `/api/v1/approvals?run=${run.body.id}`, { token: t.adminToken })).body.items[0];
  const link = `https://patrol.bank.example/approvals/${approval.id}`;
  expect(approval.url).toBe(link);
  const webhook = received.find((r) => r.path === '/hook')!;
  expect(webhook.headers['x-patrol-event']).toBe('approval');
  expect(webhook.body).toMatchObject({ event: 'approval.requested', link, approval: { id: approval.id, runId: run.body.id, message: 'Rotate TLS certificates', approvers: { users: ['alice'], roles: ['approver'] }, onTimeout: 'reject' } });
  const slack = received.find((r) => r.path === '/slack')!;
  expect(slack.body.text).toContain('Approval needed: Rotate TLS certificates');
  expect(slack.body.text).toContain('Approvers: alice, role approver');
  expect(slack.body.text).toContain(link);
  const audit = await t.call('GET', `/api/v1/audit?action=approvals.notify&resourceId=${approval.id}`, { token: t.adminToken });
  expect(audit.body.items).toHaveLength(1);
  expect(audit.body.items[0].details.channels).toEqual({ 'ops-hook': { ok: true }, 'ops-chat': { ok: true } });
});
