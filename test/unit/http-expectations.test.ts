import { describeFailures } from '../../src/http/assertion-result.js';
import type { CertificateInfo } from '../../src/http/certificate-info.js';
import { evaluateExpectations, type HttpExpectations } from '../../src/http/http-expectations.js';
import { parseJsonBody } from '../../src/http/response-body.js';

const text = '{"status":"degraded"}';
const body = { text, totalBytes: text.length, truncated: false, json: parseJsonBody(text, false, 1024) };
const cert = (daysRemaining: number): CertificateInfo => ({
  subject: 'app',
  subjectAltNames: ['DNS:app'],
  issuer: 'CN=CA',
  validFrom: '2026-01-01T00:00:00.000Z',
  validTo: '2026-02-01T00:00:00.000Z',
  daysRemaining,
  serialNumber: '01',
  fingerprint256: 'AA',
  authorized: true,
  authorizationError: null,
});

test('only the status is checked by default', () => {
  const expect_: HttpExpectations = { status: ['2xx', '3xx'], body: [] };
  expect(evaluateExpectations(expect_, { status: 204, latencyMs: 5, body, certificate: null })).toEqual([{ assertion: 'status', passed: true, expected: 'one of 2xx, 3xx', actual: 204 }]);
});

test('every expectation is evaluated even after one fails, in a fixed order', () => {
  const results = evaluateExpectations(
    { status: [200], maxLatencyMs: 100, minDaysRemaining: 14, body: [{ kind: 'json-equals', jsonPath: '$.status', equals: 'ok' }] },
    { status: 503, latencyMs: 250.5, body, certificate: cert(3.25) },
  );
  expect(results.map((r) => [r.assertion, r.passed, r.actual])).toEqual([
    ['status', false, 503],
    ['latencyMs', false, 250.5],
    ['certificate.daysRemaining', false, 3.25],
    ['json $.status', false, 'degraded'],
  ]);
});

test('latency at the limit passes', () => {
  const [, latency] = evaluateExpectations({ status: ['2xx'], maxLatencyMs: 100, body: [] }, { status: 200, latencyMs: 100, body, certificate: null });
  expect(latency).toMatchObject({ passed: true, expected: '<= 100' });
});

test('an expired certificate fails minDaysRemaining and says when it expired', () => {
  const [, c] = evaluateExpectations({ status: ['2xx'], minDaysRemaining: 0, body: [] }, { status: 200, latencyMs: 1, body, certificate: cert(-1.5) });
  expect(c).toMatchObject({ passed: false, actual: -1.5, detail: 'expired on 2026-02-01T00:00:00.000Z' });
});

test('a certificate expectation on plain HTTP fails rather than passing silently', () => {
  const [, c] = evaluateExpectations({ status: ['2xx'], minDaysRemaining: 7, body: [] }, { status: 200, latencyMs: 1, body, certificate: null });
  expect(c).toMatchObject({ passed: false, actual: null, detail: expect.stringContaining('plain HTTP') });
});

test('failure lines give expected and actual for each failed assertion only', () => {
  const results = evaluateExpectations(
    { status: ['2xx'], maxLatencyMs: 1000, body: [{ kind: 'json-equals', jsonPath: '$.status', equals: 'ok' }, { kind: 'json-exists', jsonPath: '$.version', exists: true }] },
    { status: 500, latencyMs: 10, body, certificate: null },
  );
  expect(describeFailures(results)).toEqual([
    'status: expected one of 2xx, got 500',
    'json $.status: expected to equal "ok", got "degraded"',
    'json $.version: expected to exist, got null (no match)',
  ]);
});
