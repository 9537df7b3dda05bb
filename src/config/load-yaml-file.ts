import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { InputError } from '../errors/index.js';
import { parseYaml } from '../workflow/parse-workflow.js';
import { flattenZodIssues } from '../workflow/zod-issues.js';
import { formatIssue, formatPath, type ValidationIssue } from '../workflow/validation-issue.js';
import type { SourceMap } from '../workflow/source-map.js';

/** A YAML file that failed its schema; the message lists every issue as file:line:col: path: problem. */
export class YamlFileInvalidError extends InputError {
  constructor(
    readonly file: string,
    readonly issues: ValidationIssue[],
  ) {
    super(`${file} is invalid:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`, { file, issues });
  }
}

export interface LoadedYaml<T> {
  value: T;
  sourceMap?: SourceMap;
  /** Adds a semantic issue at a path (with its position) for checks beyond the schema. */
  issue(path: PropertyKey[], rule: string, message: string): ValidationIssue;
}

/** Reads a YAML file and validates it against a zod schema, with positions for every issue. */
export async function loadYamlFile<S extends z.ZodType>(file: string, schema: S): Promise<LoadedYaml<z.infer<S>>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file });
  }
  return parseYamlText(text, file, schema);
}

export function parseYamlText<S extends z.ZodType>(text: string, file: string, schema: S): LoadedYaml<z.infer<S>> {
  const parsed = parseYaml(text, file);
  if (parsed.issues.length > 0) throw new YamlFileInvalidError(file, parsed.issues);
  const sm = parsed.sourceMap;
  const mk = (path: PropertyKey[], rule: string, message: string, key?: string): ValidationIssue => {
    const pos = key !== undefined ? sm?.locateKey(path, key) : sm?.locate(path);
    const full = key !== undefined ? [...path, key] : path;
    return { file, path: formatPath(full), rule, message, ...(pos ? { line: pos.line, column: pos.column } : {}) };
  };
  const res = schema.safeParse(parsed.value);
  if (!res.success) throw new YamlFileInvalidError(file, flattenZodIssues(res.error.issues).map((i) => mk(i.path, 'schema', i.message, i.key)));
  return { value: res.data, ...(sm ? { sourceMap: sm } : {}), issue: (p, r, m) => mk(p, r, m) };
}
