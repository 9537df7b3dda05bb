import { z } from 'zod';
import type { RunDetailJson } from '../api/schemas/runs.js';
import { hostRecapSchema } from '../ansible/ansible-step-output.js';
import { workflowSchema } from '../workflow/workflow-schema.js';
import { isTerminalRun } from '../engine/run-states.js';
import { layoutStepGraph, type GraphStepDef } from './step-graph.js';
import { span } from './view-engine.js';

/** Step rows listed on a run page; a fan-out over more hosts shows the first ones and a count. */
export const MAX_STEP_ROWS = 300;
/** Characters of a step's outputs or error shown inline (the API has them all). */
export const MAX_OUTPUT_CHARS = 4000;
/** Hosts listed in a step's per-host results. */
export const MAX_HOST_ROWS = 200;

type Step = RunDetailJson['steps'][number];

const recapSchema = z.record(z.string(), hostRecapSchema);
const failuresSchema = z.array(z.object({ host: z.string(), task: z.string(), status: z.string(), msg: z.string() }));

/** Text capped for display, saying how much was left out. */
export function capText(s: string, max: number): { text: string; more: number } {
  return s.length <= max ? { text: s, more: 0 } : { text: s.slice(0, max), more: s.length - max };
}

/** Outputs of a step, or of its failed attempt (an Ansible step's error keeps its outputs). */
function outputsOf(s: Step): Record<string, unknown> | null {
  if (s.outputs) return s.outputs;
  const kept = s.error?.details?.outputs;
  return kept && typeof kept === 'object' && !Array.isArray(kept) ? (kept as Record<string, unknown>) : null;
}

/** Per-host results of a step whose outputs carry a PLAY RECAP (the ansible and inspect steps). */
export function hostResults(s: Step): { hosts: { host: string; ok: number; changed: number; failed: number; unreachable: number; skipped: number; cls: string }[]; more: number; failures: { host: string; task: string; status: string; msg: string }[] } | null {
  const out = outputsOf(s);
  const recap = recapSchema.safeParse(out?.recap);
  if (!recap.success || Object.keys(recap.data).length === 0) return null;
  const all = Object.entries(recap.data)
    .map(([host, r]) => ({ host, ok: r.ok, changed: r.changed, failed: r.failed, unreachable: r.unreachable, skipped: r.skipped, cls: r.unreachable > 0 ? 'unreachable' : r.failed > 0 ? 'failed' : r.changed > 0 ? 'changed' : 'ok' }))
    // Problems first: that is what a person opens the table for.
    .sort((a, b) => Number(b.failed + b.unreachable > 0) - Number(a.failed + a.unreachable > 0) || a.host.localeCompare(b.host));
  const failures = failuresSchema.safeParse(out?.failures);
  return { hosts: all.slice(0, MAX_HOST_ROWS), more: Math.max(0, all.length - MAX_HOST_ROWS), failures: failures.success ? failures.data.slice(0, 50).map((f) => ({ ...f, msg: capText(f.msg, 500).text })) : [] };
}

/** Whether a failed run has steps that know their failed hosts (the "rerun failed hosts" button). */
export function hasFailedHosts(steps: readonly Step[]): boolean {
  return steps.some((s) => {
    if (s.status !== 'failed') return false;
    const out = outputsOf(s);
    const list = (v: unknown) => (Array.isArray(v) ? v.length : 0);
    return list(out?.failedHosts) + list(out?.unreachableHosts) > 0;
  });
}

/** The steps the workflow declares (for the graph), from the run's stored definition. */
export function graphDefs(definition: unknown, steps: readonly Step[]): GraphStepDef[] {
  const parsed = workflowSchema.safeParse(definition);
  if (parsed.success) {
    return [
      ...parsed.data.spec.steps.map((s) => ({ name: s.name, needs: s.needs, phase: 'main' as const, type: s.type })),
      ...parsed.data.spec.finally.map((s) => ({ name: s.name, needs: s.needs, phase: 'finally' as const, type: s.type })),
    ];
  }
  return steps.filter((s) => s.idx === null).map((s) => ({ name: s.name, needs: [], phase: s.phase }));
}

/** Everything the run page shows about a run, its steps and its graph. */
export function runView(d: RunDetailJson, definition: unknown, now = Date.now()) {
  const r = d.run;
  const active = !isTerminalRun(r.status);
  const stepRows = d.steps.slice(0, MAX_STEP_ROWS).map((s) => {
    const out = outputsOf(s);
    const outputs = out && Object.keys(out).length > 0 ? capText(JSON.stringify(out, null, 2), MAX_OUTPUT_CHARS) : null;
    return {
      name: s.name,
      instance: s.idx !== null,
      status: s.status,
      attempts: s.attempts,
      startedAt: s.startedAt,
      took: s.startedAt !== null ? span(s.startedAt, s.finishedAt, now) : '-',
      reason: s.reason,
      error: s.error ? capText(s.error.message, 2000).text : null,
      errorCode: s.error?.code ?? null,
      outputs,
      hosts: s.idx === null || d.steps.length < 50 ? hostResults(s) : null,
      approval: s.wait?.kind === 'approval' ? s.wait.ref : null,
      waitMessage: s.wait?.message ?? null,
      reusedFrom: s.reusedFrom,
    };
  });
  const params = Object.entries(r.params).map(([name, v]) => ({ name, value: capText(typeof v === 'string' ? v : JSON.stringify(v), 500).text }));
  return {
    run: r,
    active,
    took: span(r.startedAt ?? r.createdAt, r.finishedAt, now),
    params,
    graph: layoutStepGraph(graphDefs(definition, d.steps), d.steps, now),
    steps: stepRows,
    moreSteps: Math.max(0, d.steps.length - MAX_STEP_ROWS),
    stepNames: d.steps.filter((s) => s.idx === null).map((s) => s.name),
    waiting: d.steps.filter((s) => s.status === 'waiting' && s.wait?.kind === 'approval').map((s) => ({ step: s.name, approval: s.wait!.ref, message: s.wait!.message ?? null })),
    failedHosts: r.status === 'failed' && hasFailedHosts(d.steps),
  };
}
