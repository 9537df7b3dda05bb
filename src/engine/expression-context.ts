import type { RunRecord, StepRecord } from '../store/records.js';

/** What `steps.NAME` shows to expressions. */
export interface StepView {
  status: string;
  outputs: Record<string, unknown>;
  error: string | null;
  attempts: number;
}

/**
 * Builds `steps.NAME` views from stored rows: a forEach step's outputs are `{ results: [...] }`
 * with one entry per instance, in item order.
 */
export function stepViews(rows: readonly StepRecord[]): Record<string, StepView> {
  const parents = new Map<string, StepRecord>();
  const instances = new Map<string, StepRecord[]>();
  for (const r of rows) {
    if (r.idx === null) parents.set(r.base, r);
    else {
      const list = instances.get(r.base) ?? [];
      list.push(r);
      instances.set(r.base, list);
    }
  }
  const out: Record<string, StepView> = {};
  for (const [base, p] of parents) {
    const inst = instances.get(base);
    const outputs = inst ? { results: inst.sort((a, b) => a.idx! - b.idx!).map((i) => i.outputs ?? null) } : p.outputs ?? {};
    out[base] = { status: p.status, outputs: (p.outputs && !inst ? p.outputs : outputs) as Record<string, unknown>, error: p.error?.message ?? null, attempts: p.attempts };
  }
  return out;
}

/** The variables expressions see: params, steps, run, and item inside forEach instances. */
export function expressionContext(run: RunRecord, steps: Record<string, StepView>, extra: { item?: unknown; runStatus?: string } = {}): Record<string, unknown> {
  const ctx: Record<string, unknown> = {
    params: run.params,
    steps,
    run: { id: run.id, workflow: run.workflow, namespace: run.namespace, status: extra.runStatus ?? run.status },
  };
  if ('item' in extra) ctx.item = extra.item;
  return ctx;
}
