import { Environment } from '@marcbachmann/cel-js';
import { PatrolError } from '../../errors/index.js';

/** A path read by an expression from a root variable, e.g. ['steps', 'build', 'outputs', 'version']. */
export type Reference = string[];

export interface CompiledExpression {
  readonly source: string;
  /** Root-anchored paths the expression reads (with bound macro variables removed). */
  readonly references: Reference[];
  evaluate(context: Record<string, unknown>): unknown;
}

/** A CEL expression that failed to parse or evaluate. `details.expression` holds the source. */
export class ExpressionError extends PatrolError {
  constructor(message: string, expression: string, cause?: unknown) {
    super(message, { code: 'expression', retryable: false, details: { expression }, cause });
  }
}

const MACROS_WITH_VARIABLE = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

// Undeclared variables are dynamic: reference checking is done by Patrol's validator, which gives
// better messages (which step, which param) than a type checker could.
const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
const cache = new Map<string, CompiledExpression>();

/** Parses a CEL expression once; cached by source text because workflows reuse expressions. */
export function compileExpression(source: string): CompiledExpression {
  const hit = cache.get(source);
  if (hit) return hit;
  let program: ReturnType<typeof env.parse>;
  try {
    program = env.parse(source);
  } catch (err) {
    throw new ExpressionError(`invalid expression "${source}": ${firstLine(err)}`, source, err);
  }
  const references = collectReferences((program as unknown as { ast: AstNode }).ast);
  const compiled: CompiledExpression = {
    source,
    references,
    evaluate(context) {
      try {
        return fromCel(program(toCel(context) as Record<string, unknown>));
      } catch (err) {
        throw new ExpressionError(`expression "${source}" failed: ${firstLine(err)}`, source, err);
      }
    },
  };
  if (cache.size > 10_000) cache.clear();
  cache.set(source, compiled);
  return compiled;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
}

interface AstNode {
  op: string;
  args: unknown;
}

function isNode(v: unknown): v is AstNode {
  return typeof v === 'object' && v !== null && typeof (v as AstNode).op === 'string';
}

/** Walks the AST and returns each maximal member chain rooted at a free identifier. */
export function collectReferences(ast: unknown): Reference[] {
  const out: Reference[] = [];
  const walk = (node: unknown, bound: ReadonlySet<string>): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n, bound);
      return;
    }
    if (!isNode(node)) return;
    const chain = memberChain(node);
    if (chain) {
      if (!bound.has(chain.path[0]!)) out.push(chain.path);
      for (const idx of chain.dynamicIndexes) walk(idx, bound);
      return;
    }
    if (node.op === 'rcall' && Array.isArray(node.args)) {
      const [name, target, params] = node.args as [string, unknown, unknown[]];
      walk(target, bound);
      if (MACROS_WITH_VARIABLE.has(name) && Array.isArray(params) && isNode(params[0]) && params[0].op === 'id') {
        const inner = new Set(bound);
        inner.add(String(params[0].args));
        walk(params.slice(1), inner);
      } else {
        walk(params, bound);
      }
      return;
    }
    if (node.op === 'value') return;
    walk(node.args, bound);
  };
  walk(ast, new Set());
  return out;
}

function memberChain(node: AstNode): { path: string[]; dynamicIndexes: unknown[] } | undefined {
  const path: string[] = [];
  const dynamicIndexes: unknown[] = [];
  let cur: unknown = node;
  for (;;) {
    if (!isNode(cur)) return undefined;
    if (cur.op === 'id') {
      path.unshift(String(cur.args));
      return { path, dynamicIndexes };
    }
    if (cur.op === '.' || cur.op === '.?') {
      const [target, field] = cur.args as [unknown, string];
      path.unshift(String(field));
      cur = target;
      continue;
    }
    if (cur.op === '[]' || cur.op === '[?]') {
      const [target, index] = cur.args as [unknown, unknown];
      if (isNode(index) && index.op === 'value' && typeof index.args === 'string') {
        path.unshift(index.args);
      } else {
        // A computed index ends the static part of the chain: keep only what precedes it.
        path.length = 0;
        dynamicIndexes.push(index);
      }
      cur = target;
      continue;
    }
    return undefined;
  }
}

/** CEL distinguishes int from double; JSON does not. Whole numbers become ints so `x + 1` works. */
function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toCel(v);
    return out;
  }
  return value;
}

function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), fromCel(v)]));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCel(v)]));
  }
  return value;
}
