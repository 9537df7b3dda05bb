import { statusMatches, statusMatchesAny, DEFAULT_STATUS_PATTERNS } from '../../src/http/status-pattern.js';

test('exact codes match only themselves, as numbers or strings', () => {
  expect(statusMatches(200, 200)).toBe(true);
  expect(statusMatches(200, '200')).toBe(true);
  expect(statusMatches(201, 200)).toBe(false);
});

test('x wildcards match any digit in their place, in either case', () => {
  expect(statusMatches(204, '2xx')).toBe(true);
  expect(statusMatches(299, '2XX')).toBe(true);
  expect(statusMatches(301, '30x')).toBe(true);
  expect(statusMatches(310, '30x')).toBe(false);
  expect(statusMatches(404, '2xx')).toBe(false);
});

test('malformed patterns match nothing', () => {
  for (const p of ['2x0', 'x00', '600', '20', '2xxx', '', 'abc']) expect([p, statusMatches(200, p)]).toEqual([p, false]);
});

test('the default accepts 2xx and 3xx and rejects 1xx, 4xx, 5xx', () => {
  expect([100, 200, 302, 399, 400, 503].map((s) => statusMatchesAny(s, DEFAULT_STATUS_PATTERNS))).toEqual([false, true, true, true, false, false]);
});
