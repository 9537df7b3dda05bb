import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Harness } from './engine-harness.js';
import { REPO } from './cli.js';
import { loadWorkflowFile } from '../../src/workflow/validate-workflow.js';
import type { RunRecord, StepRecord } from '../../src/store/records.js';

/** An inventory with only this machine (facts and the host playbook take about a second). */
export function localInventory(dir: string): string {
  const file = join(dir, 'local.ini');
  writeFileSync(file, 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n');
  return file;
}

/**
 * An InspectionConfig named `name` whose disk thresholds make every mount critical (`disks:
 * 'critical'`) or healthy (`'ok'`), so tests control which findings appear from run to run.
 */
export function inspectionConfig(dir: string, name: string, opts: { disks: 'critical' | 'ok'; labels?: Record<string, string>; report?: string }): string {
  const file = join(dir, `${name}-${opts.disks}.yaml`);
  const thresholds = opts.disks === 'critical' ? '{ warning: 1, critical: 2 }' : '{ warning: 99.8, critical: 99.9 }';
  const labels = Object.entries(opts.labels ?? {})
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  writeFileSync(
    file,
    `apiVersion: patrol.dev/v1
kind: InspectionConfig
metadata: { name: ${name}, labels: { ${labels} } }
spec:
  checks:
    host.disk.usage: ${thresholds}
${opts.report ? `  report:\n${opts.report.replace(/^/gm, '    ')}\n` : ''}`,
  );
  return file;
}

/**
 * Runs the built-in workflows/inspect-hosts.yaml through the engine, as the scheduler does
 * (trigger "schedule", the inspection's name and labels), and waits for it to end, report step included.
 */
export async function runHostInspection(
  h: Harness,
  opts: { inventory: string; config: string; inspection: string; labels?: Record<string, string>; reportTo?: string[]; trigger?: string },
): Promise<{ run: RunRecord; report: StepRecord }> {
  const def = await loadWorkflowFile(join(REPO, 'workflows', 'inspect-hosts.yaml'), h.registry);
  const started = await h.engine.trigger(def, {
    params: { inventory: opts.inventory, config: opts.config, limit: '', ...(opts.reportTo ? { reportTo: opts.reportTo } : {}) },
    trigger: opts.trigger ?? 'schedule',
    inspection: opts.inspection,
    labels: { 'patrol.dev/kind': 'host', ...(opts.labels ?? {}) },
  });
  const run = await h.engine.waitFor(started.id, { timeoutMs: 110_000 });
  const report = (await h.store.runs.getStep(run.id, 'report'))!;
  return { run, report };
}
