import { evaluateBodyAssertion, toBodyAssertion, type RawBodyAssertion } from '../../src/http/body-assertion.js';
import { parseJsonBody, type ResponseBody } from '../../src/http/response-body.js';

const bodyOf = (text: string, opts: { truncated?: boolean; totalBytes?: number } = {}): ResponseBody => ({
  text,
  totalBytes: opts.totalBytes ?? Buffer.byteLength(text),
  truncated: opts.truncated ?? false,
  json: parseJsonBody(text, opts.truncated ?? false, 64),
});
const check = (raw: RawBodyAssertion, body: ResponseBody) => evaluateBodyAssertion(toBodyAssertion(raw), body);

const health = bodyOf(JSON.stringify({ status: 'ok', version: '1.4.2', checks: [{ name: 'db', state: 'up' }, { name: 'cache', state: 'up' }], meta: null }));

test('jsonPath equals compares the value deeply and reports what it found', () => {
  expect(check({ jsonPath: '$.status', equals: 'ok' }, health)).toEqual({ assertion: 'json $.status', passed: true, expected: 'to equal "ok"', actual: 'ok' });
  expect(check({ jsonPath: '$.status', equals: 'degraded' }, health)).toMatchObject({ passed: false, expected: 'to equal "degraded"', actual: 'ok' });
  expect(check({ jsonPath: '$.checks[0]', equals: { name: 'db', state: 'up' } }, health).passed).toBe(true);
  expect(check({ jsonPath: '$.meta', equals: null }, health).passed).toBe(true);
});

test('jsonPath equals with several matches compares the list of them', () => {
  expect(check({ jsonPath: '$.checks[*].state', equals: ['up', 'up'] }, health)).toMatchObject({ passed: true, actual: ['up', 'up'] });
});

test('jsonPath equals on a path with no match fails with "no match"', () => {
  expect(check({ jsonPath: '$.missing', equals: 'x' }, health)).toMatchObject({ passed: false, actual: null, detail: 'no match' });
});

test('jsonPath matches needs every matched value to match the regex', () => {
  expect(check({ jsonPath: '$.version', matches: '^1\\.\\d+\\.\\d+$' }, health)).toMatchObject({ passed: true, actual: '1.4.2' });
  expect(check({ jsonPath: '$.checks[*].state', matches: '^up$' }, health).passed).toBe(true);
  const mixed = bodyOf(JSON.stringify({ checks: [{ state: 'up' }, { state: 'down' }] }));
  expect(check({ jsonPath: '$.checks[*].state', matches: '^up$' }, mixed)).toMatchObject({ passed: false, actual: ['up', 'down'] });
});

test('jsonPath filter expressions work and skip entries they cannot evaluate', () => {
  expect(check({ jsonPath: '$.checks[?(@.name=="cache")].state', equals: 'up' }, health).passed).toBe(true);
  const withNull = bodyOf(JSON.stringify({ items: [null, { x: 2 }] }));
  expect(check({ jsonPath: '$.items[?(@.x>1)].x', equals: 2 }, withNull).passed).toBe(true);
});

test('jsonPath exists true and false', () => {
  expect(check({ jsonPath: '$.checks', exists: true }, health).passed).toBe(true);
  expect(check({ jsonPath: '$.error', exists: false }, health)).toMatchObject({ passed: true, actual: null, detail: 'no match' });
  expect(check({ jsonPath: '$.status', exists: false }, health)).toMatchObject({ passed: false, expected: 'not to exist', actual: 'ok' });
});

test('jsonPath on a body that is not JSON fails and says why', () => {
  const r = check({ jsonPath: '$.status', exists: true }, bodyOf('<html>ok</html>'));
  expect(r.passed).toBe(false);
  expect(r.detail).toMatch(/^the body is not JSON/);
});

test('jsonPath on a truncated body fails and names maxBodyBytes', () => {
  const r = check({ jsonPath: '$.status', equals: 'ok' }, bodyOf('{"status":"ok","pad":"', { truncated: true, totalBytes: 1000 }));
  expect(r).toMatchObject({ passed: false, detail: expect.stringContaining('raise maxBodyBytes') });
});

test('regex matches the body text and reports the matched text', () => {
  expect(check({ regex: 'version[^0-9]+(\\d+)' }, health)).toMatchObject({ assertion: 'body', passed: true, expected: 'to match /version[^0-9]+(\\d+)/', actual: 'version":"1' });
  expect(check({ regex: 'maintenance' }, health)).toMatchObject({ passed: false, expected: 'to match /maintenance/' });
});

test('contains finds a substring; a miss in a truncated body says the rest was not kept', () => {
  expect(check({ contains: '"status":"ok"' }, health).passed).toBe(true);
  const r = check({ contains: 'needle' }, bodyOf('haystack', { truncated: true, totalBytes: 5_000_000 }));
  expect(r).toMatchObject({ passed: false, expected: 'to contain "needle"', detail: 'only the first 8 of 5000000 bytes were kept; raise maxBodyBytes' });
});

test('long actual values are cut to an excerpt', () => {
  const r = check({ contains: 'zzz' }, bodyOf('a'.repeat(10_000)));
  expect(r.actual).toBe(`${'a'.repeat(200)}…`);
});
