import { compileExpression, ExpressionError, type CompiledExpression } from './cel.js';

// Global regexes carry lastIndex between calls (and matchAll copies it): build one per use.
const TEMPLATE_SOURCE = String.raw`\$\{\{([\s\S]*?)\}\}`;
const templateRe = () => new RegExp(TEMPLATE_SOURCE, 'g');
const HAS_TEMPLATE_RE = new RegExp(TEMPLATE_SOURCE);
const WHOLE_RE = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/;

export function hasTemplate(value: string): boolean {
  return HAS_TEMPLATE_RE.test(value);
}

/** True when the whole string is one `${{ }}`: its value keeps its type (list, number, object). */
export function isWholeTemplate(value: string): boolean {
  return WHOLE_RE.test(value) && value.indexOf('${{') === value.lastIndexOf('${{');
}

/** Every `${{ expr }}` in a string, compiled. Throws ExpressionError on a syntax error. */
export function templateExpressions(value: string): CompiledExpression[] {
  const out: CompiledExpression[] = [];
  for (const m of value.matchAll(templateRe())) out.push(compileExpression(m[1]!.trim()));
  return out;
}

/** Visits every string inside a value (objects, arrays), with its path. */
export function visitStrings(value: unknown, visit: (s: string, path: (string | number)[]) => void, path: (string | number)[] = []): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => visitStrings(v, visit, [...path, i]));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) visitStrings(v, visit, [...path, k]);
}

/** Renders one string: a whole template keeps the value's type; otherwise values are interpolated. */
export function renderString(value: string, context: Record<string, unknown>): unknown {
  if (!hasTemplate(value)) return value;
  if (isWholeTemplate(value)) return compileExpression(WHOLE_RE.exec(value)![1]!.trim()).evaluate(context);
  return value.replace(templateRe(), (_, expr: string) => stringify(compileExpression(expr.trim()).evaluate(context)));
}

/** Renders templates everywhere inside a value (a step's `with`, forEach items, a concurrency key). */
export function renderValue(value: unknown, context: Record<string, unknown>): unknown {
  if (typeof value === 'string') return renderString(value, context);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, context));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, context);
    return out;
  }
  return value;
}

function stringify(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

export { ExpressionError };
