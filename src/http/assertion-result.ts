/**
 * The outcome of one expectation, kept in the step's outputs and listed in failure messages as
 * `${assertion}: expected ${expected}, got ${actual}`.
 */
export interface AssertionResult {
  /** What was checked: `status`, `latencyMs`, `json $.status`, `body`, `certificate.daysRemaining`. */
  assertion: string;
  passed: boolean;
  /** The rule in words: `one of 2xx, 3xx`, `<= 200`, `to equal "ok"`. */
  expected: string;
  /** The observed value (a number, the JSON value found, an excerpt of the body). */
  actual: unknown;
  /** Why the value could not be checked, or what a boolean actual stands for. */
  detail?: string;
}

const MAX_ACTUAL_CHARS = 200;

/** JSON text of a value, cut to a length a one-line message can hold. */
export function formatActual(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return text.length > MAX_ACTUAL_CHARS ? `${text.slice(0, MAX_ACTUAL_CHARS)}…` : text;
}

/** A string cut for an `actual` field, so a 64 KiB body is not repeated in every assertion. */
export function excerpt(text: string): string {
  return text.length > MAX_ACTUAL_CHARS ? `${text.slice(0, MAX_ACTUAL_CHARS)}…` : text;
}

/** One line per failed assertion, for the StepError message. */
export function describeFailures(results: readonly AssertionResult[]): string[] {
  return results.filter((r) => !r.passed).map((r) => `${r.assertion}: expected ${r.expected}, got ${formatActual(r.actual)}${r.detail ? ` (${r.detail})` : ''}`);
}
