import type { StepRecord } from '../store/records.js';
import type { PlanStep } from './compile-application.js';

/** The plan in stages: each stage's steps run in parallel once the earlier stages they need are done. */
export function planStages(plan: PlanStep[]): PlanStep[][] {
  const depth = new Map<string, number>();
  const of = (s: PlanStep): number => {
    const known = depth.get(s.step);
    if (known !== undefined) return known;
    const d = s.needs.length === 0 ? 0 : 1 + Math.max(...s.needs.map((n) => of(plan.find((p) => p.step === n)!)));
    depth.set(s.step, d);
    return d;
  };
  const stages: PlanStep[][] = [];
  for (const s of plan) (stages[of(s)] ??= []).push(s);
  return stages;
}

export function formatPlan(app: string, namespace: string, plan: PlanStep[], dryRun: boolean): string {
  const lines = [`plan for application ${app} in namespace ${namespace}${dryRun ? ' (dry run: server-side dry run, nothing changes)' : ''}:`];
  planStages(plan).forEach((stage, i) => {
    lines.push(`  stage ${i + 1}${stage.length > 1 ? ' (parallel)' : ''}:`);
    for (const s of stage) lines.push(`    ${s.step.padEnd(24)} ${s.type.padEnd(10)} ${s.summary}${s.needs.length > 0 ? `  [after ${s.needs.join(', ')}]` : ''}`);
  });
  return lines.join('\n');
}

export interface ComponentReport {
  component: string;
  status: 'succeeded' | 'failed' | 'rolled-back' | 'not-run';
  steps: { step: string; status: string; error?: string }[];
}

/** Per component: succeeded when all its steps did, rolled-back when its verification rolled it back. */
export function componentReports(plan: PlanStep[], steps: StepRecord[]): ComponentReport[] {
  const components = [...new Set(plan.map((p) => p.component ?? '(config)'))];
  return components.map((component) => {
    const mine = plan.filter((p) => (p.component ?? '(config)') === component).map((p) => {
      const rec = steps.find((s) => s.name === p.step);
      return { step: p.step, status: rec?.status ?? 'pending', ...(rec?.error ? { error: rec.error.message } : {}), rolledBack: rec?.outputs?.rolledBack === true || Boolean((rec?.error as { details?: { outputs?: { rolledBack?: boolean } } } | null)?.details?.outputs?.rolledBack) };
    });
    const status: ComponentReport['status'] = mine.some((s) => s.rolledBack) ? 'rolled-back' : mine.some((s) => s.status === 'failed' || s.status === 'cancelled') ? 'failed' : mine.every((s) => s.status === 'succeeded') ? 'succeeded' : 'not-run';
    return { component, status, steps: mine.map(({ rolledBack: _r, ...s }) => s) };
  });
}

export function formatReports(reports: ComponentReport[]): string {
  return reports
    .map((r) => {
      const failed = r.steps.find((s) => s.error);
      return `  ${r.component.padEnd(16)} ${r.status}${failed ? `: ${failed.step}: ${failed.error}` : ''}`;
    })
    .join('\n');
}
