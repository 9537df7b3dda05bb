import { startTestServer, type TestServer } from '../support/api-server.js';
import { WORKFLOW } from '../support/api-samples.js';
import { assertBuilt, patrol } from '../support/cli.js';
import { newId } from '../../src/util/ids.js';
import type { RemediationDecision } from '../../src/store/remediations-repository.js';

// Automatic-remediation decisions through GET /api/v1/remediations/decisions (filters, paging,
// namespaces of the inspection runs) and `patrol remediations list`, embedded and in client mode.

let t: TestServer;
let alphaRun: string;
let betaRun: string;
const alpha: RemediationDecision[] = [];

type Page = { items: RemediationDecision[]; next: string | null };

beforeAll(async () => {
  assertBuilt();
  t = await startTestServer();
  const store = t.server.runtime.store;
  const runIn = async (ns: string) => {
    const created = await t.call('POST', '/api/v1/workflows', { token: t.adminToken, body: { yaml: WORKFLOW(`inspect-${ns}`, ns) } });
    expect(created.status).toBe(201);
    return (await t.server.runtime.engine.trigger((await t.server.workflows.get(ns, `inspect-${ns}`)).definition, { triggeredBy: 'test' })).id;
  };
  alphaRun = await runIn('alpha');
  betaRun = await runIn('beta');
  const decide = async (run: string, check: string, target: string, decision: 'started' | 'skipped', reason: string | null, i: number) => {
    const d: RemediationDecision = { id: newId(), inspectionRunId: run, findingId: newId(), fingerprint: `fp${i}`.padEnd(16, '0'), check, target, environment: 'staging', decision, reason, runId: decision === 'started' ? newId() : null, decidedAt: 1_700_000_000_000 + i };
    await store.remediations.insertDecision(d);
    return d;
  };
  alpha.push(await decide(alphaRun, 'host.disk.usage', 'web-1:/var', 'started', null, 1));
  alpha.push(await decide(alphaRun, 'host.systemd.failed_units', 'web-1:app.service', 'skipped', 'circuit breaker open: 3 automatic remediations of web-1:app.service in the last 24h (limit 3); a person has to look at it', 2));
  alpha.push(await decide(alphaRun, 'host.disk.usage', 'web-2:/var', 'skipped', 'circuit breaker open: 3 automatic remediations of web-2:/var in the last 24h (limit 3); a person has to look at it', 3));
  await decide(betaRun, 'host.disk.usage', 'db-1:/var', 'started', null, 4);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const get = (path: string, token = t.adminToken) => t.call('GET', path, { token });

test('filters by check (glob), target (glob), decision and inspection run, newest first', async () => {
  const disk = await get('/api/v1/remediations/decisions?check=host.disk.*&run=' + alphaRun);
  expect(disk.status).toBe(200);
  expect((disk.body as Page).items.map((d) => d.target)).toEqual(['web-2:/var', 'web-1:/var']);
  const skipped = (await get('/api/v1/remediations/decisions?decision=skipped&target=web-*')).body as Page;
  expect(skipped.items.map((d) => [d.check, d.target])).toEqual([['host.disk.usage', 'web-2:/var'], ['host.systemd.failed_units', 'web-1:app.service']]);
  expect(skipped.items[1]).toEqual({ ...alpha[1] });
  const bad = await get('/api/v1/remediations/decisions?decision=maybe');
  expect(bad.status).toBe(400);
  expect(bad.body.error.field).toBe('query.decision');
});

test('pages with the next cursor until the last page', async () => {
  const seen: string[] = [];
  let path = '/api/v1/remediations/decisions?limit=3';
  const first = (await get(path)).body as Page;
  expect(first.items).toHaveLength(3);
  expect(first.next).not.toBeNull();
  seen.push(...first.items.map((d) => d.id));
  path += `&cursor=${first.next}`;
  const second = (await get(path)).body as Page;
  expect(second.next).toBeNull();
  seen.push(...second.items.map((d) => d.id));
  expect(seen).toHaveLength(4);
  expect(new Set(seen).size).toBe(4);
});

test('a viewer bound in one namespace sees only the decisions of inspection runs there', async () => {
  const token = await t.userWithRoles('alpha-viewer', ['viewer:alpha']);
  const page = (await get('/api/v1/remediations/decisions', token)).body as Page;
  expect(page.items.map((d) => d.inspectionRunId)).toEqual([alphaRun, alphaRun, alphaRun]);
  const none = await t.userWithRoles('no-findings', []);
  expect((await get('/api/v1/remediations/decisions', none)).status).toBe(403);
});

test('patrol remediations list: embedded and in client mode (PATROL_SERVER) give the same decisions', async () => {
  const embedded = await patrol(['remediations', 'list', '--decision', 'skipped', '--json'], { home: t.home });
  expect([embedded.exitCode, embedded.stderr]).toEqual([0, '']);
  const local = JSON.parse(String(embedded.stdout)) as Page;
  expect(local.items.map((d) => d.target)).toEqual(['web-2:/var', 'web-1:app.service']);

  const env = { PATROL_SERVER: t.url, PATROL_TOKEN: await t.userWithRoles('beta-viewer', ['viewer:beta']) };
  const remote = await patrol(['remediations', 'list', '--json'], { home: t.home, env });
  expect([remote.exitCode, remote.stderr]).toEqual([0, '']);
  expect((JSON.parse(String(remote.stdout)) as Page).items.map((d) => [d.target, d.inspectionRunId])).toEqual([['db-1:/var', betaRun]]);

  const text = await patrol(['remediations', 'list', '--check', 'host.systemd.*'], { home: t.home, env: { PATROL_SERVER: t.url, PATROL_TOKEN: t.adminToken } });
  expect(text.exitCode).toBe(0);
  expect(String(text.stdout)).toMatch(/DECIDED +CHECK +TARGET +ENV +DECISION +RUN \/ REASON/);
  expect(String(text.stdout)).toContain('host.systemd.failed_units  web-1:app.service  staging  skipped   circuit breaker open: 3 automatic remediations');

  const paged = JSON.parse(String((await patrol(['remediations', 'list', '--limit', '2', '--json'], { home: t.home })).stdout)) as Page;
  expect(paged.items).toHaveLength(2);
  const rest = JSON.parse(String((await patrol(['remediations', 'list', '--limit', '2', '--cursor', String(paged.next), '--json'], { home: t.home })).stdout)) as Page;
  expect([...paged.items, ...rest.items].map((d) => d.id)).toHaveLength(4);
  expect(rest.next).toBeUndefined();

  const wrong = await patrol(['remediations', 'list', '--decision', 'maybe'], { home: t.home });
  expect(wrong.exitCode).toBe(2);
  expect(String(wrong.stderr)).toContain('--decision maybe: use started or skipped');
}, 120_000);
