import { InputError } from '../errors/index.js';
import type { ParamDefinition } from './workflow-schema.js';

/** Checks a value against a param's declared type; returns an error message or undefined. */
export function checkParamValue(def: ParamDefinition, value: unknown): string | undefined {
  const t = def.type;
  const ok =
    (t === 'string' && typeof value === 'string') ||
    (t === 'number' && typeof value === 'number' && Number.isFinite(value)) ||
    (t === 'boolean' && typeof value === 'boolean') ||
    (t === 'list' && Array.isArray(value)) ||
    (t === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value));
  if (!ok) return `must be a ${t}, got ${describe(value)}`;
  if (def.enum && !def.enum.some((e) => e === value)) return `must be one of ${def.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`;
  return undefined;
}

/** Converts a command-line string (`--param k=v`) to the declared type. */
export function coerceParam(def: ParamDefinition, raw: string): unknown {
  switch (def.type) {
    case 'string':
      return raw;
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new InputError(`param ${def.name} must be a number, got "${raw}"`, { field: `params.${def.name}` });
      return n;
    }
    case 'boolean': {
      const v = raw.toLowerCase();
      if (['true', 'yes', '1', 'on'].includes(v)) return true;
      if (['false', 'no', '0', 'off'].includes(v)) return false;
      throw new InputError(`param ${def.name} must be true or false, got "${raw}"`, { field: `params.${def.name}` });
    }
    case 'list':
      if (raw.trim().startsWith('[')) return parseJsonParam(def, raw);
      return raw === '' ? [] : raw.split(',').map((s) => s.trim());
    case 'object':
      return parseJsonParam(def, raw);
  }
}

function parseJsonParam(def: ParamDefinition, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new InputError(`param ${def.name} must be JSON (${def.type}): ${(err as Error).message}`, { field: `params.${def.name}` });
  }
}

/**
 * Resolves the params of a run: provided values (already typed, or strings from the CLI when
 * `fromStrings`), then defaults; unknown and missing required params are errors.
 */
export function resolveParams(defs: readonly ParamDefinition[], provided: Record<string, unknown>, opts: { fromStrings?: boolean } = {}): Record<string, unknown> {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const problems: string[] = [];
  for (const name of Object.keys(provided)) {
    if (!byName.has(name)) problems.push(`unknown param "${name}" (declared: ${defs.map((d) => d.name).join(', ') || 'none'})`);
  }
  const out: Record<string, unknown> = {};
  for (const def of defs) {
    let value = provided[def.name];
    if (value === undefined) {
      if (def.default !== undefined) value = def.default;
      else if (def.required) {
        problems.push(`param "${def.name}" is required${def.description ? ` (${def.description})` : ''}`);
        continue;
      } else continue;
    } else if (opts.fromStrings && typeof value === 'string') {
      try {
        value = coerceParam(def, value);
      } catch (err) {
        problems.push((err as Error).message);
        continue;
      }
    }
    const bad = checkParamValue(def, value);
    if (bad) problems.push(`param "${def.name}" ${bad}`);
    else out[def.name] = value;
  }
  if (problems.length > 0) throw new InputError(problems.join('; '), { problems });
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
