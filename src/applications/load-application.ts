import { readFile } from 'node:fs/promises';
import { InputError } from '../errors/index.js';
import { findCycle } from '../workflow/dag.js';
import { parseYaml } from '../workflow/parse-workflow.js';
import { formatIssue, formatPath, type ValidationIssue } from '../workflow/validation-issue.js';
import { flattenZodIssues } from '../workflow/zod-issues.js';
import { applicationSchema, type Application } from './application-schema.js';

export class ApplicationInvalidError extends InputError {
  constructor(readonly issues: ValidationIssue[]) {
    super(`application is invalid:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`, { issues });
  }
}

/**
 * Parses and checks an Application: the schema (field path and file:line:col), unique
 * component and init job names, `dependsOn` naming existing components, no dependency cycle.
 */
export function validateApplicationText(text: string, file?: string): { application?: Application; issues: ValidationIssue[] } {
  const parsed = parseYaml(text, file);
  if (parsed.issues.length > 0) return { issues: parsed.issues };
  const issues: ValidationIssue[] = [];
  const add = (path: PropertyKey[], rule: string, message: string, key?: string) => {
    const pos = key !== undefined ? parsed.sourceMap?.locateKey(path, key) : parsed.sourceMap?.locate(path);
    issues.push({ path: formatPath(key !== undefined ? [...path, key] : path), rule, message, ...(file !== undefined ? { file } : {}), ...(pos ? { line: pos.line, column: pos.column } : {}) });
  };
  const res = applicationSchema.safeParse(parsed.value);
  if (!res.success) {
    for (const i of flattenZodIssues(res.error.issues)) add(i.path, 'schema', i.message, i.key);
    return { issues };
  }
  const app = res.data;
  const names = new Map<string, number>();
  app.spec.components.forEach((c, i) => {
    if (names.has(c.name)) add(['spec', 'components', i, 'name'], 'duplicate-component', `component "${c.name}" is defined twice (also components[${names.get(c.name)}])`);
    names.set(c.name, i);
    // Rollback after a failed verification uses Deployment revisions; StatefulSets keep none we roll back to.
    if (c.traits.verify && c.workload !== 'Deployment') add(['spec', 'components', i, 'traits', 'verify'], 'schema', `verify (with automatic rollback) needs workload: Deployment, not ${c.workload}`);
    const jobs = new Set<string>();
    c.init.forEach((j, k) => {
      if (jobs.has(j.name)) add(['spec', 'components', i, 'init', k, 'name'], 'duplicate-init-job', `init job "${j.name}" is defined twice in component "${c.name}"`);
      jobs.add(j.name);
    });
  });
  app.spec.components.forEach((c, i) =>
    c.dependsOn.forEach((d, k) => {
      if (!names.has(d)) add(['spec', 'components', i, 'dependsOn', k], 'unknown-component', `"${d}" is not a component (components: ${[...names.keys()].join(', ')})`);
      if (d === c.name) add(['spec', 'components', i, 'dependsOn', k], 'cycle', `component "${c.name}" depends on itself`);
    }),
  );
  if (issues.length === 0) {
    const cycle = findCycle(app.spec.components.map((c) => c.name), (n) => app.spec.components.find((c) => c.name === n)!.dependsOn);
    if (cycle) add(['spec', 'components'], 'cycle', `dependency cycle: ${cycle.join(' -> ')}`);
  }
  return issues.length > 0 ? { issues } : { application: app, issues };
}

export async function loadApplicationFile(file: string): Promise<Application> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read application file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
  const res = validateApplicationText(text, file);
  if (!res.application) throw new ApplicationInvalidError(res.issues);
  return res.application;
}
