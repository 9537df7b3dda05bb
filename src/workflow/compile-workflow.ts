import type { StepTypeRegistry } from '../steps/step-type-registry.js';
import type { AnyStepType } from '../steps/step-type.js';
import { parseDuration } from '../util/duration.js';
import { compileExpression, type CompiledExpression } from './expressions/cel.js';
import { isWholeTemplate, templateExpressions, visitStrings } from './expressions/template.js';
import { topoOrder } from './dag.js';
import type { ConcurrencyPolicy, StepDefinition, WorkflowDefinition } from './workflow-schema.js';

/** A retry policy with durations converted once (the "raw options -> compiled options" step). */
export interface RetryPolicy {
  limit: number;
  delayMs: number;
  factor: number;
  maxDelayMs: number;
  jitter: number;
  /** Error codes that retry; undefined = every retryable error. */
  on?: string[];
}

export interface CompiledStep {
  name: string;
  phase: 'main' | 'finally';
  def: StepDefinition;
  stepType: AnyStepType;
  needs: string[];
  dependents: string[];
  timeoutMs?: number;
  retry: RetryPolicy;
  continueOnError: boolean;
  when?: CompiledExpression;
  forEach?: { items: unknown; concurrency: number; failFast: boolean; canary: number; maxFailurePercent: number };
  /** Steps whose status or outputs this step's expressions read (their outputs are loaded for it). */
  reads: string[];
}

export interface CompiledWorkflow {
  def: WorkflowDefinition;
  steps: Map<string, CompiledStep>;
  mainOrder: string[];
  finallyOrder: string[];
  timeoutMs?: number;
  concurrency?: { key: string; policy: ConcurrencyPolicy };
  /** Some step may suspend (wait for a person): the run's waiting state must be kept up to date. */
  mayWait: boolean;
}

export const DEFAULT_FOREACH_CONCURRENCY = 10;

/** Compiles a validated definition; cheap enough to redo when a run is loaded after a restart. */
export function compileWorkflow(def: WorkflowDefinition, registry: StepTypeRegistry): CompiledWorkflow {
  const steps = new Map<string, CompiledStep>();
  const add = (s: StepDefinition, phase: 'main' | 'finally') => {
    const stepType = registry.get(s.type);
    const compiled: CompiledStep = {
      name: s.name,
      phase,
      def: s,
      stepType,
      needs: [...s.needs],
      dependents: [],
      retry: compileRetry(s, stepType),
      continueOnError: s.continueOnError,
      reads: readsOf(s),
    };
    const timeout = s.timeout ?? stepType.defaults.timeout;
    if (timeout !== undefined) compiled.timeoutMs = parseDuration(timeout, `steps.${s.name}.timeout`);
    if (s.when) compiled.when = compileExpression(isWholeTemplate(s.when) ? s.when.trim().slice(3, -2).trim() : s.when);
    if (s.forEach !== undefined) {
      const fe = typeof s.forEach === 'object' && !Array.isArray(s.forEach) ? s.forEach : { items: s.forEach };
      compiled.forEach = { items: fe.items, concurrency: fe.concurrency ?? DEFAULT_FOREACH_CONCURRENCY, failFast: fe.failFast ?? false, canary: fe.canary ?? 0, maxFailurePercent: fe.maxFailurePercent ?? 100 };
    }
    steps.set(s.name, compiled);
  };
  def.spec.steps.forEach((s) => add(s, 'main'));
  def.spec.finally.forEach((s) => add(s, 'finally'));
  for (const s of steps.values()) for (const n of s.needs) steps.get(n)?.dependents.push(s.name);
  const needsOf = (n: string) => steps.get(n)!.needs;
  const out: CompiledWorkflow = {
    def,
    steps,
    mainOrder: topoOrder(def.spec.steps.map((s) => s.name), needsOf),
    finallyOrder: topoOrder(def.spec.finally.map((s) => s.name), needsOf),
    mayWait: [...steps.values()].some((s) => s.stepType.suspends === true),
  };
  if (def.spec.timeout !== undefined) out.timeoutMs = parseDuration(def.spec.timeout, 'spec.timeout');
  if (def.spec.concurrency) out.concurrency = { key: def.spec.concurrency.key, policy: def.spec.concurrency.policy };
  return out;
}

function compileRetry(s: StepDefinition, t: AnyStepType): RetryPolicy {
  const r = s.retries ?? t.defaults.retries ?? 0;
  const raw = typeof r === 'number' ? { limit: r } : r;
  const b = raw.backoff ?? {};
  const policy: RetryPolicy = {
    limit: raw.limit,
    delayMs: parseDuration(b.delay ?? '1s', `steps.${s.name}.retries.backoff.delay`),
    factor: b.factor ?? 2,
    maxDelayMs: parseDuration(b.maxDelay ?? '5m', `steps.${s.name}.retries.backoff.maxDelay`),
    jitter: b.jitter ?? 0.2,
  };
  if (raw.on) policy.on = raw.on;
  return policy;
}

function readsOf(s: StepDefinition): string[] {
  const exprs: CompiledExpression[] = [];
  if (s.when) exprs.push(compileExpression(isWholeTemplate(s.when) ? s.when.trim().slice(3, -2).trim() : s.when));
  visitStrings(s.with, (text) => exprs.push(...templateExpressions(text)));
  if (s.forEach !== undefined) visitStrings(s.forEach, (text) => exprs.push(...templateExpressions(text)));
  if (s.leases) for (const l of s.leases) exprs.push(...templateExpressions(l));
  const names = new Set<string>();
  for (const e of exprs) for (const r of e.references) if (r[0] === 'steps' && r[1]) names.add(r[1]);
  return [...names];
}
