import { z } from 'zod';
import { readFile } from 'node:fs/promises';
import type { StepTypeRegistry } from '../steps/step-type-registry.js';
import { InputError } from '../errors/index.js';
import { parseYaml } from './parse-workflow.js';
import type { SourceMap } from './source-map.js';
import { formatIssue, formatPath, type ValidationIssue } from './validation-issue.js';
import { flattenZodIssues } from './zod-issues.js';
import { workflowSchema, type StepDefinition, type WorkflowDefinition } from './workflow-schema.js';
import { findCycle, topoOrder, upstreamSets } from './dag.js';
import { checkParamValue } from './params.js';
import { compileExpression, ExpressionError, type CompiledExpression } from './expressions/cel.js';
import { hasTemplate, isWholeTemplate, templateExpressions, visitStrings } from './expressions/template.js';

export interface ValidationResult {
  workflow?: WorkflowDefinition;
  issues: ValidationIssue[];
}

/** Thrown by loaders when a workflow has issues; carries all of them. */
export class WorkflowInvalidError extends InputError {
  constructor(readonly issues: ValidationIssue[]) {
    super(`workflow is invalid:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`, { issues });
  }
}

const STEP_FIELDS = ['status', 'outputs', 'error', 'attempts'];
const RUN_FIELDS = ['id', 'workflow', 'namespace', 'status'];

/** Where an expression appears, which decides the names it may use. */
interface ExprScope {
  step?: StepDefinition;
  phase: 'main' | 'finally' | 'workflow';
  allowItem: boolean;
  path: PropertyKey[];
}

/**
 * Validates workflow text completely before anything runs: YAML syntax, schema, step types and
 * their inputs, the DAG (unknown needs, cycles), expressions and the names they reference.
 */
export function validateWorkflowText(text: string, registry: StepTypeRegistry, file?: string): ValidationResult {
  const parsed = parseYaml(text, file);
  if (parsed.issues.length > 0) return { issues: parsed.issues };
  return validateWorkflowValue(parsed.value, registry, { file, sourceMap: parsed.sourceMap });
}

/** Validates an already-parsed value (e.g. a JSON API body); positions are given when a source map is. */
export function validateWorkflowValue(value: unknown, registry: StepTypeRegistry, opts: { file?: string; sourceMap?: SourceMap } = {}): ValidationResult {
  const issues: ValidationIssue[] = [];
  const add = (path: PropertyKey[], rule: string, message: string, key?: string) => {
    const pos = key !== undefined ? opts.sourceMap?.locateKey(path, key) : opts.sourceMap?.locate(path);
    const issue: ValidationIssue = { path: formatPath(key !== undefined ? [...path, key] : path), rule, message };
    if (opts.file !== undefined) issue.file = opts.file;
    if (pos) {
      issue.line = pos.line;
      issue.column = pos.column;
    }
    issues.push(issue);
  };

  const schema = workflowSchema.safeParse(value);
  if (!schema.success) {
    for (const i of flattenZodIssues(schema.error.issues)) add(i.path, 'schema', i.message, i.key);
    return { issues: sortIssues(issues) };
  }
  const wf = schema.data;
  const { steps, finally: finallySteps, params } = wf.spec;

  // Params: unique names, defaults of the declared type.
  const paramNames = new Set<string>();
  params.forEach((p, i) => {
    if (paramNames.has(p.name)) add(['spec', 'params', i, 'name'], 'duplicate-param', `param "${p.name}" is declared twice`);
    paramNames.add(p.name);
    if (p.default !== undefined) {
      const bad = checkParamValue(p, p.default);
      if (bad) add(['spec', 'params', i, 'default'], 'param-default', `default ${bad}`);
    }
    if (p.required && p.default !== undefined) add(['spec', 'params', i, 'required'], 'param-default', `param "${p.name}" is required but has a default; drop one of them`);
  });

  // Step names unique across main and finally.
  const all = [...steps.map((s, i) => ({ s, path: ['spec', 'steps', i] as PropertyKey[], phase: 'main' as const })), ...finallySteps.map((s, i) => ({ s, path: ['spec', 'finally', i] as PropertyKey[], phase: 'finally' as const }))];
  const byName = new Map<string, (typeof all)[number]>();
  for (const entry of all) {
    if (byName.has(entry.s.name)) add([...entry.path, 'name'], 'duplicate-step', `step name "${entry.s.name}" is used twice`);
    else byName.set(entry.s.name, entry);
  }

  // Step types and their inputs.
  for (const { s, path } of all) {
    if (!registry.has(s.type)) {
      add([...path, 'type'], 'unknown-step-type', `unknown step type "${s.type}"; known types: ${registry.names().join(', ')}`);
      continue;
    }
    const type = registry.get(s.type);
    const res = type.input.safeParse(s.with);
    if (!res.success) {
      for (const i of flattenZodIssues(res.error.issues)) {
        if (coveredByTemplate(s.with, i.path)) continue;
        add([...path, 'with', ...i.path], 'step-input', `${i.message} (input of step type ${s.type})`, i.key);
      }
    }
  }

  // needs: known, same phase (finally may need finally), not self; then cycles.
  for (const { s, path, phase } of all) {
    s.needs.forEach((n, i) => {
      const target = byName.get(n);
      if (n === s.name) add([...path, 'needs', i], 'self-dependency', `step "${s.name}" needs itself`);
      else if (!target) add([...path, 'needs', i], 'unknown-need', `step "${s.name}" needs unknown step "${n}"; steps: ${[...byName.keys()].join(', ')}`);
      else if (phase === 'main' && target.phase === 'finally') add([...path, 'needs', i], 'finally-need', `main step "${s.name}" cannot need finally step "${n}" (finally steps run after all others)`);
      else if (phase === 'finally' && target.phase === 'main') add([...path, 'needs', i], 'finally-need', `finally step "${s.name}" needs main step "${n}": finally steps always run after every main step, drop the need`);
    });
  }
  const names = [...byName.keys()];
  const needsOf = (n: string) => (byName.get(n)?.s.needs ?? []).filter((m) => byName.has(m) && m !== n);
  const cycle = findCycle(names, needsOf);
  if (cycle) {
    add([...byName.get(cycle[0]!)!.path, 'needs'], 'cycle', `dependency cycle: ${cycle.join(' -> ')}`);
    return { issues: sortIssues(issues) };
  }
  const upstream = upstreamSets(topoOrder(names, needsOf), needsOf);
  const mainNames = new Set(steps.map((s) => s.name));

  // Expressions: syntax and every name they read.
  const checkExpr = (expr: CompiledExpression, scope: ExprScope) => {
    for (const ref of expr.references) {
      const [root, a, b, c] = ref;
      const where = scope.path;
      if (root === 'params') {
        if (a !== undefined && !paramNames.has(a)) add(where, 'undefined-param', `"${expr.source}" uses undefined param "${a}"; declared params: ${[...paramNames].join(', ') || 'none'}`);
      } else if (root === 'steps') {
        if (scope.phase === 'workflow') {
          add(where, 'bad-reference', `"${expr.source}" cannot use steps here`);
          continue;
        }
        if (a === undefined) continue;
        const target = byName.get(a);
        const self = scope.step!;
        if (!target) {
          add(where, 'unknown-step-reference', `"${expr.source}" references unknown step "${a}"`);
          continue;
        }
        const visible = scope.phase === 'finally' ? mainNames.has(a) || upstream.get(self.name)!.has(a) : upstream.get(self.name)!.has(a);
        if (!visible) {
          add(where, 'not-upstream', `"${expr.source}" references step "${a}", which is not upstream of "${self.name}"; add it to needs`);
          continue;
        }
        if (b !== undefined && !STEP_FIELDS.includes(b)) add(where, 'bad-reference', `"${expr.source}": steps.${a}.${b} does not exist; use one of ${STEP_FIELDS.map((f) => `steps.${a}.${f}`).join(', ')}`);
        if (b === 'outputs' && c !== undefined) {
          const keys = outputKeys(target.s, registry);
          if (keys && !keys.includes(c)) add(where, 'unknown-output', `"${expr.source}": step "${a}" (${target.s.type}${target.s.forEach ? ', forEach' : ''}) has no output "${c}"; outputs: ${keys.join(', ')}`);
        }
      } else if (root === 'item') {
        if (!scope.allowItem) add(where, 'bad-reference', `"${expr.source}" uses item outside a forEach step's "with"`);
      } else if (root === 'run') {
        if (a !== undefined && !RUN_FIELDS.includes(a)) add(where, 'bad-reference', `"${expr.source}": run.${a} does not exist; use one of ${RUN_FIELDS.map((f) => `run.${f}`).join(', ')}`);
        if (a === 'status' && scope.phase !== 'finally') add(where, 'bad-reference', `"${expr.source}": run.status is only known in finally steps`);
      } else {
        add(where, 'unknown-name', `"${expr.source}" uses unknown name "${root}"; available: params, steps, run${scope.allowItem ? ', item' : ''}`);
      }
    }
  };
  const compile = (source: string, path: PropertyKey[]): CompiledExpression | undefined => {
    try {
      return compileExpression(source);
    } catch (err) {
      add(path, 'expression-syntax', err instanceof ExpressionError ? err.message : String(err));
      return undefined;
    }
  };
  const compileTemplates = (text: string, path: PropertyKey[]): CompiledExpression[] => {
    try {
      return templateExpressions(text);
    } catch (err) {
      add(path, 'expression-syntax', err instanceof ExpressionError ? err.message : String(err));
      return [];
    }
  };

  for (const { s, path, phase } of all) {
    if (s.when) {
      const src = isWholeTemplate(s.when) ? s.when.trim().slice(3, -2).trim() : s.when;
      const e = compile(src, [...path, 'when']);
      if (e) checkExpr(e, { step: s, phase, allowItem: false, path: [...path, 'when'] });
    }
    visitStrings(s.with, (text, p) => {
      for (const e of compileTemplates(text, [...path, 'with', ...p])) checkExpr(e, { step: s, phase, allowItem: s.forEach !== undefined, path: [...path, 'with', ...p] });
    });
    s.leases?.forEach((lease, i) => {
      for (const e of compileTemplates(lease, [...path, 'leases', i])) checkExpr(e, { step: s, phase, allowItem: s.forEach !== undefined, path: [...path, 'leases', i] });
    });
    if (s.forEach !== undefined) {
      const items = typeof s.forEach === 'object' && !Array.isArray(s.forEach) ? s.forEach.items : s.forEach;
      const itemsPath = typeof s.forEach === 'object' && !Array.isArray(s.forEach) ? [...path, 'forEach', 'items'] : [...path, 'forEach'];
      if (typeof items === 'string') {
        if (!isWholeTemplate(items)) add(itemsPath, 'foreach-items', 'forEach items must be a list or one ${{ }} expression that yields a list');
        else for (const e of compileTemplates(items, itemsPath)) checkExpr(e, { step: s, phase, allowItem: false, path: itemsPath });
      }
    }
  }
  if (wf.spec.concurrency) {
    const path = ['spec', 'concurrency', 'key'];
    for (const e of compileTemplates(wf.spec.concurrency.key, path)) checkExpr(e, { phase: 'workflow', allowItem: false, path });
  }
  return { workflow: issues.length === 0 ? wf : undefined, issues: sortIssues(issues) };
}

/** Reads, parses and validates a workflow file; throws WorkflowInvalidError listing every issue. */
export async function loadWorkflowFile(file: string, registry: StepTypeRegistry): Promise<WorkflowDefinition> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read workflow file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
  const res = validateWorkflowText(text, registry, file);
  if (!res.workflow) throw new WorkflowInvalidError(res.issues);
  return res.workflow;
}

/** Output keys a reference may use, or undefined when the type's outputs are open-ended. */
function outputKeys(step: StepDefinition, registry: StepTypeRegistry): string[] | undefined {
  if (step.forEach !== undefined) return ['results'];
  if (!registry.has(step.type)) return undefined;
  const out = registry.get(step.type).output;
  if (!(out instanceof z.ZodObject)) return undefined;
  const catchall = (out as z.ZodObject).def.catchall;
  if (catchall && !(catchall instanceof z.ZodNever)) return undefined;
  return Object.keys((out as z.ZodObject).shape);
}

/** A schema issue under a `${{ }}` value is checked at run time, when the value is known. */
function coveredByTemplate(value: unknown, path: PropertyKey[]): boolean {
  let cur: unknown = value;
  for (const key of path) {
    if (typeof cur === 'string') return hasTemplate(cur);
    if (cur === null || typeof cur !== 'object') return false;
    cur = (cur as Record<PropertyKey, unknown>)[key as string];
  }
  return typeof cur === 'string' && isWholeTemplate(cur);
}

function sortIssues(issues: ValidationIssue[]): ValidationIssue[] {
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
