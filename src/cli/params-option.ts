import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { InputError } from '../errors/index.js';

/** Collects repeated `--param key=value` options. */
export function collectParam(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Params from `--params-file` (YAML/JSON, typed) overlaid by `--param k=v` (strings, converted to
 * the declared type by the engine).
 */
export async function readParams(pairs: string[], file?: string): Promise<{ typed: Record<string, unknown>; strings: Record<string, string> }> {
  let typed: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new InputError(`cannot read params file ${file}`, { field: '--params-file' });
    }
    const parsed: unknown = parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InputError(`${file}: params file must be a mapping of name: value`, { field: '--params-file' });
    typed = parsed as Record<string, unknown>;
  }
  const strings: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new InputError(`--param "${p}" must be key=value`, { field: '--param' });
    strings[p.slice(0, i)] = p.slice(i + 1);
  }
  return { typed, strings };
}
