import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { defineStepType } from '../../src/steps/step-type.js';
import { linkRemediation, type RemediationLink } from '../../src/remediation/remediation-link.js';
import type { WorkflowDefinition } from '../../src/workflow/workflow-schema.js';
import type { RunRecord } from '../../src/store/records.js';

// Automatic remediation on the real engine and store: an inspection-like run reports findings, its
// `auto-remediate` finally step starts the opted-in runbooks in a fan-out (canary first, failure
// limit), each through the target's circuit breaker, whose count lives in the store. The runbook
// is a real workflow (a shell step that fails on demand) so that outcomes are real, and fast.

const H = 3_600_000;
let h: Harness;
let now = Date.now();
const link: RemediationLink = { clock: () => now };

const runbook = (text: string) => h.workflow(text);
const FIX = `
apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: test-fix }
spec:
  params:
    - { name: finding, type: object, required: true }
    - { name: autoApprove, type: boolean, default: false }
  steps:
    - name: approve
      type: approval
      when: "!params.autoApprove"
      with: { message: "fix ${'${{ params.finding.target }}'}", timeout: 1h }
    - name: fix
      type: shell
      needs: [approve]
      with: { command: ["sh", "-c", "case \\"$0\\" in *broken*) echo cannot fix >&2; exit 1;; esac", "${'${{ params.finding.target }}'}"] }
`;

function configFile(name: string, environment: string, remediation: Record<string, unknown>): string {
  const file = join(h.dir, `${name}.yaml`);
  writeFileSync(file, stringify({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name, labels: { environment } }, spec: { remediation } }));
  return file;
}

const STAGING = { auto: [{ check: 'host.systemd.*', environments: ['staging', 'qa-*'] }], circuitBreaker: { maxRuns: 2, window: '1h' }, blastRadius: { canary: 1, maxFailurePercent: 40, concurrency: 1 } };

/** An inspection-like workflow: reports a failed unit per target, then the auto-remediate step. */
function inspectionDef(config: string, targets: string[]): WorkflowDefinition {
  return h.workflow(`
apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: fake-inspection }
spec:
  steps:
    - { name: emit, type: emit-findings, with: { targets: ${JSON.stringify(targets)} } }
  finally:
    - { name: auto_remediate, type: auto-remediate, with: { config: "${config}" } }
`);
}

async function inspect(config: string, targets: string[]): Promise<{ run: RunRecord; fanOut: RunRecord | undefined; matched: number }> {
  const run = await h.engine.waitFor((await h.engine.trigger(inspectionDef(config, targets))).id);
  const step = await h.store.runs.getStep(run.id, 'auto_remediate');
  expect([step?.status, step?.reason]).toEqual(['succeeded', null]);
  const out = step!.outputs as { runId: string | null; matched: number };
  return { run, matched: out.matched, fanOut: out.runId ? await h.engine.waitFor(out.runId) : undefined };
}

beforeAll(async () => {
  h = await createHarness({ remediationLink: link });
  h.registry.register(
    defineStepType({
      type: 'emit-findings',
      description: 'test: reports a failed unit on each target',
      input: z.object({ targets: z.array(z.string()) }).strict(),
      output: z.object({}),
      async run(ctx, input) {
        ctx.findings.report(input.targets.map((t) => ({ check: 'host.systemd.failed_units', category: 'host' as const, target: t, host: t.split(':')[0]!, severity: 'warning' as const, value: 'failed', message: `${t} failed`, remediationWorkflow: 'test-fix' })));
        return {};
      },
    }),
  );
  const fix: WorkflowDefinition = runbook(FIX);
  linkRemediation(link, { store: h.store, engine: h.engine, workflows: { resolve: async (_ns, name) => (name === 'test-fix' ? fix : Promise.reject(new Error(`no workflow ${name}`))) } });
});

afterAll(async () => {
  await h?.close();
});

test('the breaker opens after N automatic runs per target in the window, records why, and closes after the window', async () => {
  const config = configFile('staging-hosts', 'staging', STAGING);
  for (let i = 0; i < 2; i++) {
    const r = await inspect(config, ['web-1:app.service']);
    expect([r.matched, r.fanOut?.status]).toEqual([1, 'succeeded']);
  }
  // Third finding within the hour: not remediated, and the decision says why.
  const third = await inspect(config, ['web-1:app.service']);
  expect(third.fanOut?.status).toBe('succeeded');
  const decisions = await h.store.remediations.decisions({ inspectionRunId: third.run.id });
  expect(decisions).toHaveLength(1);
  expect(decisions[0]).toMatchObject({ decision: 'skipped', target: 'web-1:app.service', environment: 'staging', runId: null });
  expect(decisions[0]!.reason).toBe('circuit breaker open: 2 automatic remediations of web-1:app.service in the last 1h (limit 2); a person has to look at it');
  expect(await h.store.remediations.countForTarget('web-1:app.service', 0, { automaticOnly: true })).toBe(2);
  // Another target has its own breaker.
  const other = await inspect(config, ['web-2:app.service']);
  expect((await h.store.remediations.decisions({ inspectionRunId: other.run.id }))[0]).toMatchObject({ decision: 'started', reason: null });
  // After the window the breaker is closed again (state read from the store, not memory).
  now += H + 60_000;
  const later = await inspect(config, ['web-1:app.service']);
  const d = await h.store.remediations.decisions({ inspectionRunId: later.run.id });
  expect(d[0]).toMatchObject({ decision: 'started', reason: null });
  expect((await h.store.runs.getRun(d[0]!.runId!))?.status).toBe('succeeded');
}, 120_000);

test('the opt-in is per environment: the same findings in prod are not remediated', async () => {
  const prod = await inspect(configFile('prod-hosts', 'prod', STAGING), ['db-9:app.service']);
  expect([prod.matched, prod.fanOut]).toEqual([0, undefined]);
  expect(await h.store.remediations.decisions({ target: 'db-9:app.service' })).toEqual([]);
  expect(await h.store.remediations.countForTarget('db-9:app.service', 0)).toBe(0);
  const qa = await inspect(configFile('qa-hosts', 'qa-east', STAGING), ['db-9:app.service']);
  expect([qa.matched, qa.fanOut?.status]).toEqual([1, 'succeeded']);
  // A check without an opt-in rule is never remediated automatically.
  const other = await inspect(configFile('disk-only', 'staging', { ...STAGING, auto: [{ check: 'host.disk.usage', environments: ['*'] }] }), ['db-8:app.service']);
  expect(other.matched).toBe(0);
}, 120_000);

test('blast radius: a failed canary stops the fan-out before the other targets are touched', async () => {
  now += 10 * H;
  const r = await inspect(configFile('canary', 'staging', STAGING), ['broken-1:app.service', 'ok-1:app.service', 'ok-2:app.service']);
  expect(r.fanOut?.status).toBe('failed');
  const started = (await h.store.remediations.decisions({ inspectionRunId: r.run.id })).map((d) => [d.target, d.decision]);
  expect(started).toEqual([['broken-1:app.service', 'started']]);
  const steps = await h.store.runs.getSteps(r.fanOut!.id);
  expect(steps.filter((s) => s.status === 'skipped').map((s) => s.reason)).toEqual([expect.stringContaining('blast radius: the canary batch (1) did not all succeed'), expect.stringContaining('blast radius')]);
}, 120_000);

test('approval: required leaves the runbook waiting for a person; an invalid rule fails the step with where', async () => {
  now += 10 * H;
  const config = configFile('manual', 'staging', { ...STAGING, auto: [{ check: 'host.systemd.failed_units', environments: ['staging'], approval: 'required' }] });
  const inspection = await h.engine.waitFor((await h.engine.trigger(inspectionDef(config, ['app-1:app.service']))).id);
  let pending: string[] = [];
  for (let i = 0; i < 100 && pending.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
    pending = (await h.store.approvals.list({ status: ['pending'] })).items.map((a) => a.message);
  }
  expect(pending).toEqual(['fix app-1:app.service']);
  // Nobody approves: cancelling the runbook ends the fan-out's wait with a failure.
  const [started] = await h.store.remediations.decisions({ inspectionRunId: inspection.id });
  await h.engine.cancel(started!.runId!);
  const fanOut = (await h.store.runs.getStep(inspection.id, 'auto_remediate'))!.outputs!.runId as string;
  expect((await h.engine.waitFor(fanOut)).status).toBe('failed');

  const bad = configFile('bad', 'staging', { auto: [{ check: 'host.cpu.*', environments: ['staging'] }] });
  const run = await h.engine.waitFor((await h.engine.trigger(inspectionDef(bad, ['app-2:app.service']))).id);
  const step = await h.store.runs.getStep(run.id, 'auto_remediate');
  expect(step?.status).toBe('failed');
  expect(step?.error?.message).toContain('spec.remediation.auto[0].check "host.cpu.*" matches no check with a remediation runbook');
}, 120_000);
