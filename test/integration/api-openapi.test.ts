import { startTestServer, type TestServer } from '../support/api-server.js';
import { buildSamples, PASSWORD, type Sample } from '../support/api-samples.js';
import { allRefs, resolveRef, validateJson } from '../support/json-schema.js';
import { isStream, openApiPath, routeKey } from '../../src/api/route.js';

let t: TestServer;
let samples: Record<string, Sample>;
let doc: any;

beforeAll(async () => {
  t = await startTestServer({ hooks: { reports: { send: async () => ({ deliveries: [{ channel: 'report-email', destination: 'ops@example.com', status: 'sent', error: null }] }) } } });
  samples = await buildSamples(t);
  const res = await t.call('GET', '/api/v1/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
}, 120_000);

afterAll(async () => {
  for (const r of await t.server.runtime.store.runs.activeRuns()) await t.server.runtime.engine.cancel(r.id).catch(() => undefined);
  await t?.close();
});

test('the document is OpenAPI 3.1 with unique operation ids and resolvable references', () => {
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.info.title).toBe('Patrol API');
  const ops = Object.values(doc.paths as Record<string, Record<string, any>>).flatMap((p) => Object.values(p));
  const ids = ops.map((o) => o.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  const broken = allRefs(doc).filter((r) => resolveRef(r.ref, doc) === undefined);
  expect(broken).toEqual([]);
  for (const o of ops) {
    expect(typeof o.summary).toBe('string');
    expect(o.responses.default).toBeDefined();
  }
});

test('every route is documented with its permission and parameters', () => {
  for (const r of t.server.api.routes) {
    const op = doc.paths[openApiPath(r.path)]?.[r.method];
    expect({ route: routeKey(r), documented: op !== undefined }).toEqual({ route: routeKey(r), documented: true });
    expect(op['x-permission']).toBe(r.access);
    const pathParams = [...r.path.matchAll(/:([A-Za-z_]\w*)/g)].map((m) => m[1]);
    const documented = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
    expect(documented.sort()).toEqual(pathParams.sort());
    if (r.access === 'public') expect(op.security).toEqual([]);
    else expect(op.responses['401']).toBeDefined();
  }
});

test('every documented operation exists on the server (no 404 route-not-found or 405)', async () => {
  let n = 0;
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const method of Object.keys(ops)) {
      const concrete = path.replace(/\{[^}]+\}/g, 'zzzz');
      const res = await t.call(method.toUpperCase(), concrete, { token: t.adminToken, ...(method === 'get' || method === 'delete' ? {} : { body: {} }) });
      expect({ op: `${method} ${path}`, code: res.body?.error?.code ?? 'ok' }).not.toEqual({ op: `${method} ${path}`, code: 'route-not-found' });
      expect(res.body?.error?.code).not.toBe('method-not-allowed');
      n++;
    }
  }
  expect(n).toBe(t.server.api.routes.length);
});

test('sample responses validate against the documented schemas', async () => {
  const problems: string[] = [];
  const token = await t.userWithRoles('schema-admin', ['admin'], { password: PASSWORD });
  for (const r of t.server.api.routes) {
    const key = routeKey(r);
    const sample = await samples[key]!({ name: 'schema-admin', token, password: PASSWORD });
    const res = await t.call(r.method.toUpperCase(), sample.path, { token, ...(sample.body !== undefined ? { body: sample.body } : {}) });
    const op = doc.paths[openApiPath(r.path)][r.method];
    const documented = op.responses[String(res.status)];
    if (!documented) {
      problems.push(`${key}: status ${res.status} is not documented (${res.text.slice(0, 120)})`);
      continue;
    }
    if (res.status === 204) continue;
    if (isStream(r.response)) {
      const type = Object.keys(documented.content)[0]!;
      if (!res.headers.get('content-type')?.startsWith(type.split(';')[0]!) && !(type === 'application/x-ndjson' && res.headers.get('content-type')?.startsWith('text/csv'))) problems.push(`${key}: content type ${res.headers.get('content-type')} is not ${type}`);
      continue;
    }
    const schema = documented.content?.['application/json']?.schema;
    const errors = validateJson(res.body, schema, doc);
    if (errors.length) problems.push(`${key}: ${errors.slice(0, 3).join('; ')}`);
  }
  expect(problems).toEqual([]);
}, 120_000);

test('error responses follow the documented error schema', async () => {
  const errorSchema = doc.components.responses.Error.content['application/json'].schema;
  const cases = [
    await t.call('GET', '/api/v1/runs'),
    await t.call('GET', '/api/v1/runs/zzzzzzzzzzzzzzzzzzzzzzzzzz', { token: t.adminToken }),
    await t.call('GET', '/api/v1/runs?limit=0', { token: t.adminToken }),
    await t.call('POST', '/api/v1/workflows', { token: t.adminToken, body: { yaml: 'apiVersion: x' } }),
    await t.call('GET', '/api/v1/nowhere', { token: t.adminToken }),
  ];
  expect(cases.map((c) => c.status)).toEqual([401, 404, 400, 422, 404]);
  for (const c of cases) expect(validateJson(c.body, errorSchema, doc)).toEqual([]);
  expect(cases[2]!.body.error.field).toBe('query.limit');
  expect(cases[3]!.body.error.issues.length).toBeGreaterThan(0);
});
