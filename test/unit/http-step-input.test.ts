import { httpStepInputSchema } from '../../src/http/http-step-input.js';
import { compileHttpRequest } from '../../src/http/compile-http-request.js';
import { httpStepType } from '../../src/steps/builtin/http.js';

const issues = (input: unknown) => {
  const r = httpStepInputSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

test('a bare URL is valid and compiles with the documented defaults', () => {
  const plan = compileHttpRequest(httpStepInputSchema.parse({ url: 'https://app.example/healthz' }));
  expect(plan).toMatchObject({ method: 'GET', timeoutMs: 10_000, insecureSkipVerify: false, maxRedirects: 5, maxBodyBytes: 65_536, body: undefined });
  expect(plan.expect).toEqual({ status: ['2xx', '3xx'], body: [] });
});

test('json sets the body and a JSON content type unless one is given', () => {
  const plan = compileHttpRequest(httpStepInputSchema.parse({ url: 'http://x/', method: 'post', json: { a: 1 } }));
  expect([plan.method, plan.body?.toString(), plan.headers['content-type'], plan.headers['content-length']]).toEqual(['POST', '{"a":1}', 'application/json', '7']);
  const own = compileHttpRequest(httpStepInputSchema.parse({ url: 'http://x/', json: [], headers: { 'Content-Type': 'application/vnd.x+json' } }));
  expect(own.headers['content-type']).toBe('application/vnd.x+json');
});

test('URLs must be absolute http(s) without credentials', () => {
  expect(issues({ url: 'app/healthz' })).toEqual(['url: "app/healthz" is not an absolute URL (example: https://app.example.com/healthz)']);
  expect(issues({ url: 'ftp://x/' })).toEqual(['url: scheme must be http or https, not ftp']);
  expect(issues({ url: 'https://u:p@x/' })[0]).toContain('must not contain a user name or password');
});

test('each body assertion must have exactly one allowed shape', () => {
  expect(issues({ url: 'http://x/', expect: { body: [{ jsonPath: '$.a' }] } })[0]).toMatch(/^expect\.body\.0: a body assertion is one of \{equals, jsonPath\}.*; got \{jsonPath\}$/);
  expect(issues({ url: 'http://x/', expect: { body: [{ regex: 'a', contains: 'b' }] } })[0]).toContain('got {contains, regex}');
  expect(issues({ url: 'http://x/', expect: { body: [{ jsonPath: '$.a', equals: null }, { jsonPath: '$.a', exists: false }, { regex: 'a' }, { contains: 'b' }, { jsonPath: '$.a', matches: 'x' }] } })).toEqual([]);
});

test('regexes, status patterns, durations and exclusive fields are checked at the edge', () => {
  expect(issues({ url: 'http://x/', expect: { body: [{ regex: '(' }] } })[0]).toMatch(/^expect\.body\.0\.regex: is not a valid regular expression/);
  expect(issues({ url: 'http://x/', expect: { status: ['2xy'] } })).toEqual(['expect.status.0: must be a status code or a pattern such as 2xx or 30x']);
  expect(issues({ url: 'http://x/', timeout: 'soon' })[0]).toMatch(/^timeout: must be a duration/);
  expect(issues({ url: 'http://x/', body: 'a', json: {} })).toEqual(['json: set either body or json, not both']);
  expect(issues({ url: 'http://x/', credential: 'c', headers: { Authorization: 'Bearer x' } })).toEqual(['headers.Authorization: set either credential or an Authorization header, not both']);
  expect(issues({ url: 'http://x/', headers: { 'X-A': 'a\r\nInjected: 1' } })).toEqual(['headers.X-A: must not contain line breaks']);
  expect(issues({ url: 'http://x/', method: 'FETCH' })[0]).toMatch(/^method: /);
  expect(issues({ url: 'http://x/', extra: 1 })[0]).toMatch(/extra/);
});

test('retrySafe is true only for reading methods, reading the raw input', () => {
  const safe = httpStepType.retrySafe as (input: unknown) => boolean;
  expect([{}, { method: 'get' }, { method: 'HEAD' }, { method: 'OPTIONS' }, { method: 'POST' }, { method: 'delete' }, { method: '${{ params.m }}' }].map((w) => safe({ url: 'http://x/', ...w }))).toEqual([
    true,
    true,
    true,
    true,
    false,
    false,
    false,
  ]);
});
