import { startTestServer, type TestServer } from '../support/api-server.js';
import { buildSamples, PASSWORD, type Sample } from '../support/api-samples.js';
import { routeKey, type AnyRoute } from '../../src/api/route.js';

let t: TestServer;
let samples: Record<string, Sample>;
let token: string;
const seen: { key: string; what: string; status: number; text: string }[] = [];

beforeAll(async () => {
  t = await startTestServer({ hooks: { reports: { send: async () => ({ deliveries: [] }) } } });
  samples = await buildSamples(t);
  token = await t.userWithRoles('fuzzer', ['admin'], { password: PASSWORD });
}, 120_000);

afterAll(async () => {
  for (const r of await t.server.runtime.store.runs.activeRuns()) await t.server.runtime.engine.cancel(r.id).catch(() => undefined);
  await t?.close();
});

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 7 : 9));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor(r() * 2 ** 53) * (r() < 0.5 ? -1 : 1);
    case 3:
      return r() * 1e308;
    case 4:
      return '';
    case 5:
      return 'x'.repeat(Math.floor(r() * 5000));
    case 6:
      return ['\u0000', '../../etc/passwd', '${{ params.x }}', '<script>', "'; drop table runs; --", '\ud800', '🚀'][Math.floor(r() * 7)];
    case 7:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [['__proto__', 'constructor', `k${i}`, 'password'][Math.floor(r() * 4)]!, randomValue(r, depth + 1)]));
  }
}

/** One mutation of a valid body: a field dropped, retyped or added, or the whole body replaced. */
function mutate(body: unknown, r: () => number): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return randomValue(r);
  const copy: Record<string, unknown> = JSON.parse(JSON.stringify(body));
  const keys = Object.keys(copy);
  const kind = Math.floor(r() * 4);
  if (kind === 0 && keys.length) delete copy[keys[Math.floor(r() * keys.length)]!];
  else if (kind === 1 && keys.length) copy[keys[Math.floor(r() * keys.length)]!] = randomValue(r);
  else if (kind === 2) copy[`unknown_${Math.floor(r() * 100)}`] = randomValue(r);
  else return randomValue(r);
  return copy;
}

async function send(route: AnyRoute, path: string, opts: { rawBody?: string; body?: unknown; headers?: Record<string, string> }, what: string) {
  const res = await t.call(route.method.toUpperCase(), path, { token, ...opts });
  seen.push({ key: routeKey(route), what, status: res.status, text: res.text.slice(0, 300) });
  return res;
}

function expectClientError(res: { status: number; body: any; text: string }, ctx: string) {
  const ok = res.status >= 400 && res.status < 500 && typeof res.body?.error?.code === 'string' && typeof res.body?.error?.message === 'string';
  expect({ ctx, status: res.status, ok, text: ok ? '' : res.text.slice(0, 300) }).toEqual({ ctx, status: res.status, ok: true, text: '' });
}

const bodyRoutes = () => t.server.api.routes.filter((r) => r.body);

test('malformed JSON, non-object JSON, wrong content types and huge bodies get 4xx with a clear message', async () => {
  for (const route of bodyRoutes()) {
    const sample = await samples[routeKey(route)]!({ name: 'fuzzer', token, password: PASSWORD });
    const json = { 'content-type': 'application/json' };
    for (const raw of ['{', '{"a":', '{"a" 1}', "{'a': 1}", '{"a":1}}', 'nul', '\u0000', '[1,2', '{"a":"\\x"}', '{"a":1,}', '\ufeff{"a"']) {
      const res = await send(route, sample.path, { rawBody: raw, headers: json }, `malformed ${JSON.stringify(raw)}`);
      expectClientError(res, `${routeKey(route)} ${JSON.stringify(raw)}`);
      expect(res.text).not.toContain('at JSON.parse');
    }
    for (const raw of ['[]', '"text"', '42', 'null', 'true', '[{"yaml": 1}]']) {
      expectClientError(await send(route, sample.path, { rawBody: raw, headers: json }, `non-object ${raw}`), `${routeKey(route)} ${raw}`);
    }
    const plain = await send(route, sample.path, { rawBody: JSON.stringify(sample.body ?? {}), headers: { 'content-type': 'text/plain' } }, 'text/plain');
    expectClientError(plain, `${routeKey(route)} text/plain`);
    expect(plain.status).toBe(415);
    const huge = await send(route, sample.path, { rawBody: JSON.stringify({ yaml: 'x'.repeat(2 * 1024 * 1024) }), headers: json }, 'huge');
    expect(huge.status).toBe(413);
    expect(huge.body.error).toEqual({ code: 'payload-too-large', message: 'the request body is larger than 1 MiB' });
  }
}, 120_000);

test('deeply nested JSON is refused without a crash', async () => {
  const route = t.server.api.routes.find((r) => routeKey(r) === 'POST /api/v1/workflows/validate')!;
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const res = await send(route, '/api/v1/workflows/validate', { rawBody: deep, headers: { 'content-type': 'application/json' } }, 'deep');
  expectClientError(res, 'deep nesting');
  const deepObject = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
  expectClientError(await send(route, '/api/v1/workflows/validate', { rawBody: deepObject, headers: { 'content-type': 'application/json' } }, 'deep object'), 'deep object');
});

test('unknown fields are refused with the field named; wrong types name the field', async () => {
  for (const route of bodyRoutes()) {
    const sample = await samples[routeKey(route)]!({ name: 'fuzzer', token, password: PASSWORD });
    const body = { ...((sample.body as Record<string, unknown>) ?? {}), surprise: 1 };
    const res = await send(route, sample.path, { body }, 'unknown field');
    expectClientError(res, `${routeKey(route)} unknown field`);
    expect(res.body.error).toMatchObject({ code: 'invalid-input', field: 'body.surprise', message: 'body.surprise: unknown field "surprise"' });
    const first = Object.keys((sample.body as Record<string, unknown>) ?? {})[0];
    if (first) {
      const wrong = await send(route, sample.path, { body: { ...(sample.body as Record<string, unknown>), [first]: { nested: [1, 2] } } }, 'wrong type');
      expectClientError(wrong, `${routeKey(route)} wrong type of ${first}`);
      expect(wrong.body.error.field).toMatch(new RegExp(`^body\\.${first}`));
    }
  }
}, 120_000);

test('unknown and invalid query parameters name the parameter', async () => {
  for (const route of t.server.api.routes.filter((r) => r.method === 'get' && r.query)) {
    const sample = await samples[routeKey(route)]!({ name: 'fuzzer', token, password: PASSWORD });
    const sep = sample.path.includes('?') ? '&' : '?';
    const unknown = await send(route, `${sample.path}${sep}bogus=1`, {}, 'unknown query');
    expectClientError(unknown, `${routeKey(route)} bogus`);
    expect(unknown.body.error.field).toBe('query.bogus');
    for (const q of ['limit=abc', 'limit=-1', 'limit=1e3', 'cursor=%00%01', 'limit=99999999999999999999']) {
      if (!q.startsWith('cursor') && !(route.query as { shape?: Record<string, unknown> }).shape?.limit) continue;
      if (q.startsWith('cursor') && !(route.query as { shape?: Record<string, unknown> }).shape?.cursor) continue;
      const res = await send(route, `${sample.path}${sep}${q}`, {}, q);
      expectClientError(res, `${routeKey(route)} ${q}`);
    }
  }
});

test('invalid ids and names in paths get 4xx', async () => {
  const bad = ['a', 'ZZZZ', '%2e%2e%2f%2e%2e%2fetc', 'x'.repeat(3000), '%F0%9F%9A%80', "'%20or%201=1", '%00'];
  for (const route of t.server.api.routes.filter((r) => r.params)) {
    for (const b of bad) {
      const path = route.path.replace(/:[A-Za-z_]\w*/g, b);
      const res = await send(route, path, route.body ? { body: {} } : {}, `bad id ${b.slice(0, 20)}`);
      expectClientError(res, `${routeKey(route)} ${b.slice(0, 20)}`);
    }
  }
});

test('random mutations of valid bodies never get a 5xx (seeded)', async () => {
  const r = rng(20241122);
  for (const route of bodyRoutes()) {
    for (let i = 0; i < 15; i++) {
      const sample = await samples[routeKey(route)]!({ name: 'fuzzer', token, password: PASSWORD });
      const body = mutate(sample.body ?? {}, r);
      const res = await send(route, sample.path, { body }, `mutation ${i}`);
      expect({ key: routeKey(route), i, body: JSON.stringify(body)?.slice(0, 200), fiveHundred: res.status >= 500, text: res.status >= 500 ? res.text : '' }).toMatchObject({ fiveHundred: false });
      if (res.status >= 400) expect(typeof res.body?.error?.message).toBe('string');
    }
  }
}, 240_000);

test('garbage credentials are 401, never 500', async () => {
  const cases: Record<string, string>[] = [
    { authorization: `Bearer ptk_${'a'.repeat(10_000)}` },
    { authorization: 'Bearer' },
    { authorization: 'Basic YWRtaW46YWRtaW4=' },
    { authorization: 'Bearer ptk_\u00ff' },
    { cookie: `patrol_session=${'x'.repeat(150)}` },
    { cookie: 'patrol_session=%E0%A4%A' },
  ];
  for (const headers of cases) {
    const res = await fetch(`${t.url}/api/v1/runs`, { headers }).catch(() => undefined);
    if (!res) continue; // fetch itself refuses some header values
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/unauthenticated/);
  }
});

test('the server is still up, nothing answered 500, and no secret was ever echoed', async () => {
  expect((await t.call('GET', '/healthz')).status).toBe(200);
  expect((await t.call('GET', '/readyz')).status).toBe(200);
  expect(seen.filter((s) => s.status >= 500)).toEqual([]);
  expect(seen.length).toBeGreaterThan(1000);
  for (const secret of ['fixture-secret-1', 'posted-secret-value', 'doomed-secret', 's3cr3t-param-value', PASSWORD]) expect(seen.filter((s) => s.text.includes(secret))).toEqual([]);
});
