import type { Harness } from './engine-harness.js';

/** A one-step workflow of `type` with `input`, run to its end on the harness's engine. */
export async function runStep(h: Harness, type: string, input: Record<string, unknown>, opts: { dryRun?: boolean; timeout?: string } = {}) {
  // YAML is a superset of JSON: inputs written as JSON need no quoting care.
  const def = h.workflow(`apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: k8s-step-test }
spec:
  steps:
    - name: step
      type: ${type}
${opts.timeout ? `      timeout: ${opts.timeout}\n` : ''}      with: ${JSON.stringify(input)}
`);
  const started = await h.engine.trigger(def, { dryRun: opts.dryRun ?? false });
  const run = await h.engine.waitFor(started.id, { timeoutMs: 60_000 });
  await h.engine.flushLogs();
  const detail = await h.engine.detail(started.id);
  const step = detail.steps.find((s) => s.name === 'step')!;
  const logs = (await h.store.logs.read({ runId: started.id })).items;
  return { run, step, outputs: step.outputs as Record<string, unknown> | null, error: step.error as { message?: string; code?: string } | null, logText: logs.map((l) => l.message).join('\n') };
}

export const deployment = (name: string, image: string, replicas = 2, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, ...extra },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
  },
});
