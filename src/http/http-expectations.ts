import { evaluateBodyAssertion, type BodyAssertion } from './body-assertion.js';
import type { AssertionResult } from './assertion-result.js';
import type { CertificateInfo } from './certificate-info.js';
import type { ResponseBody } from './response-body.js';
import { statusMatchesAny, type StatusPattern } from './status-pattern.js';

/** `with.expect` compiled: defaults applied, durations in milliseconds. */
export interface HttpExpectations {
  status: readonly StatusPattern[];
  maxLatencyMs?: number;
  body: readonly BodyAssertion[];
  minDaysRemaining?: number;
}

/** What the expectations are checked against. */
export interface ObservedResponse {
  status: number;
  latencyMs: number;
  body: ResponseBody;
  /** null for plain HTTP. */
  certificate: CertificateInfo | null;
}

/**
 * Checks every expectation, in a fixed order (status, latency, certificate, body), and returns one
 * result each: a failed status does not hide a failing certificate, so one run reports all.
 */
export function evaluateExpectations(expect: HttpExpectations, observed: ObservedResponse): AssertionResult[] {
  const results: AssertionResult[] = [
    { assertion: 'status', passed: statusMatchesAny(observed.status, expect.status), expected: `one of ${expect.status.join(', ')}`, actual: observed.status },
  ];
  if (expect.maxLatencyMs !== undefined) {
    results.push({ assertion: 'latencyMs', passed: observed.latencyMs <= expect.maxLatencyMs, expected: `<= ${expect.maxLatencyMs}`, actual: observed.latencyMs });
  }
  if (expect.minDaysRemaining !== undefined) {
    const expected = `>= ${expect.minDaysRemaining}`;
    if (observed.certificate === null) {
      results.push({ assertion: 'certificate.daysRemaining', passed: false, expected, actual: null, detail: 'the response came over plain HTTP: there is no certificate' });
    } else {
      const days = observed.certificate.daysRemaining;
      results.push({ assertion: 'certificate.daysRemaining', passed: days >= expect.minDaysRemaining, expected, actual: days, ...(days < 0 ? { detail: `expired on ${observed.certificate.validTo}` } : {}) });
    }
  }
  for (const a of expect.body) results.push(evaluateBodyAssertion(a, observed.body));
  return results;
}
