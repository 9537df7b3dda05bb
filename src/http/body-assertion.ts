import { isDeepStrictEqual } from 'node:util';
import { JSONPath } from 'jsonpath-plus';
import { excerpt, type AssertionResult } from './assertion-result.js';
import type { ResponseBody } from './response-body.js';

/** One check of the response body, compiled from a `with.expect.body` entry. */
export type BodyAssertion =
  | { kind: 'json-equals'; jsonPath: string; equals: unknown }
  | { kind: 'json-matches'; jsonPath: string; matches: string }
  | { kind: 'json-exists'; jsonPath: string; exists: boolean }
  | { kind: 'regex'; regex: string }
  | { kind: 'contains'; contains: string };

/** The shape of a raw entry; the input schema guarantees exactly one of the allowed key sets. */
export interface RawBodyAssertion {
  jsonPath?: string | undefined;
  equals?: unknown;
  matches?: string | undefined;
  exists?: boolean | undefined;
  regex?: string | undefined;
  contains?: string | undefined;
}

/** The key sets a body assertion may have, as sorted comma-joined names. */
export const BODY_ASSERTION_SHAPES = ['equals,jsonPath', 'jsonPath,matches', 'exists,jsonPath', 'regex', 'contains'] as const;

export function bodyAssertionShape(raw: object): string {
  return Object.keys(raw).sort().join(',');
}

export function toBodyAssertion(raw: RawBodyAssertion): BodyAssertion {
  if (raw.jsonPath !== undefined) {
    if ('equals' in raw) return { kind: 'json-equals', jsonPath: raw.jsonPath, equals: raw.equals };
    if (raw.matches !== undefined) return { kind: 'json-matches', jsonPath: raw.jsonPath, matches: raw.matches };
    if (raw.exists !== undefined) return { kind: 'json-exists', jsonPath: raw.jsonPath, exists: raw.exists };
  }
  if (raw.regex !== undefined) return { kind: 'regex', regex: raw.regex };
  if (raw.contains !== undefined) return { kind: 'contains', contains: raw.contains };
  // Unreachable after schema validation; kept so a bad call fails loudly rather than passing.
  throw new Error(`body assertion {${bodyAssertionShape(raw)}} is not one of ${BODY_ASSERTION_SHAPES.map((s) => `{${s}}`).join(', ')}`);
}

/**
 * Evaluates one body assertion. A JSON path that matches one value yields that value; several
 * matches yield the list of them (so `equals` compares the list, and `matches` needs every one
 * to match).
 */
export function evaluateBodyAssertion(a: BodyAssertion, body: ResponseBody): AssertionResult {
  switch (a.kind) {
    case 'regex': {
      const m = new RegExp(a.regex).exec(body.text);
      const result: AssertionResult = { assertion: 'body', passed: m !== null, expected: `to match /${a.regex}/`, actual: excerpt(m ? m[0] : body.text) };
      return withTruncationNote(result, body);
    }
    case 'contains': {
      const at = body.text.indexOf(a.contains);
      const result: AssertionResult = { assertion: 'body', passed: at >= 0, expected: `to contain ${JSON.stringify(a.contains)}`, actual: excerpt(at >= 0 ? body.text.slice(at) : body.text) };
      return withTruncationNote(result, body);
    }
    default:
      return evaluateJsonAssertion(a, body);
  }
}

function evaluateJsonAssertion(a: Extract<BodyAssertion, { jsonPath: string }>, body: ResponseBody): AssertionResult {
  const assertion = `json ${a.jsonPath}`;
  const expected = a.kind === 'json-equals' ? `to equal ${JSON.stringify(a.equals)}` : a.kind === 'json-matches' ? `to match /${a.matches}/` : a.exists ? 'to exist' : 'not to exist';
  if (!body.json.ok) return { assertion, passed: false, expected, actual: null, detail: body.json.reason };
  let found: unknown[];
  try {
    found = queryJsonPath(a.jsonPath, body.json.value);
  } catch (err) {
    return { assertion, passed: false, expected, actual: null, detail: `invalid JSON path: ${(err as Error).message}` };
  }
  const value = found.length === 1 ? found[0] : found;
  if (a.kind === 'json-exists') {
    const exists = found.length > 0;
    return { assertion, passed: exists === a.exists, expected, actual: exists ? value : null, ...(exists ? {} : { detail: 'no match' }) };
  }
  if (found.length === 0) return { assertion, passed: false, expected, actual: null, detail: 'no match' };
  if (a.kind === 'json-equals') return { assertion, passed: isDeepStrictEqual(value, a.equals), expected, actual: value };
  const re = new RegExp(a.matches);
  return { assertion, passed: found.every((v) => re.test(typeof v === 'string' ? v : JSON.stringify(v))), expected, actual: value };
}

/** Every value the path selects. `safe` evaluation: filter scripts cannot reach Node's globals. */
export function queryJsonPath(path: string, json: unknown): unknown[] {
  // JSON.parse only yields the value types JSONPath accepts; its typings just lack `unknown`.
  const found: unknown = JSONPath({ path, json: json as object, wrap: true, eval: 'safe', ignoreEvalErrors: true });
  return Array.isArray(found) ? found : [];
}

function withTruncationNote(r: AssertionResult, body: ResponseBody): AssertionResult {
  // A miss in a truncated body may be a match beyond the cap: say so rather than mislead.
  return !r.passed && body.truncated ? { ...r, detail: `only the first ${Buffer.byteLength(body.text)} of ${body.totalBytes} bytes were kept; raise maxBodyBytes` } : r;
}
