import { join } from 'node:path';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { SimulatedCluster, simNode } from '../support/k8s-api-server/simulation.js';
import { deployment, runStep } from '../support/k8s-deploy.js';
import { RemediationService } from '../../src/remediation/remediation-service.js';
import { ApprovalService } from '../../src/approvals/approval-service.js';
import { builtinCatalog } from '../../src/inspections/checks/index.js';
import { builtinWorkflowResolver } from '../../src/scheduler/workflow-resolver.js';
import { fingerprintOf } from '../../src/findings/finding.js';
import { REPO } from '../support/cli.js';
import { waitUntil } from '../support/local-servers.js';

// The restart-workload runbook on the engine against the test API server's simulated cluster: a
// finding about a pod of Deployment web starts the runbook, the server-side dry run's diff is the
// approval's plan and changes nothing, and after the approval the pod template's restartedAt
// annotation rolls the Deployment out to a new revision, which the runbook waits for.

let sim: SimulatedCluster;
let h: Harness;
let kubeconfig: string;

type Dep = { metadata: { annotations: Record<string, string> }; spec: { template: { metadata: { annotations?: Record<string, string> } } } };
const web = () => sim.get('apps/v1', 'Deployment', 'default', 'web') as Dep;

beforeAll(async () => {
  sim = await SimulatedCluster.start({ nodes: [simNode('node-1')], tickMs: 10 });
  kubeconfig = sim.server.writeKubeconfig();
  h = await createHarness();
  await runStep(h, 'k8s-apply', { kubeconfig, manifests: [deployment('web', 'registry.local/web:1')] });
  expect((await runStep(h, 'k8s-wait', { kubeconfig, object: { kind: 'Deployment', name: 'web' }, interval: '50ms', timeout: '10s' })).run.status).toBe('succeeded');
}, 60_000);

afterAll(async () => {
  await h?.close();
  await sim?.stop();
});

test('a crash-looping pod: dry run diff in the approval, then a rollout restart of its Deployment', async () => {
  const pod = sim.list('v1', 'Pod', 'default').map((p) => (p.metadata as { name: string }).name).find((n) => n.startsWith('web-'))!;
  const target = `default/${pod}`;
  const inspection = await runStep(h, 'noop', {});
  const finding = { id: 'f-crashloop-1', runId: inspection.run.id, step: 'step', check: 'k8s.pod.crashloop', category: 'cluster' as const, target, severity: 'critical' as const, value: 7, message: `container web of ${target} is in CrashLoopBackOff (7 restarts)`, remediationWorkflow: 'restart-workload', fingerprint: fingerprintOf('k8s.pod.crashloop', target), createdAt: Date.now() };
  await h.store.findings.insert([finding]);
  const service = new RemediationService({ store: h.store, engine: h.engine, catalog: builtinCatalog(), workflows: builtinWorkflowResolver(join(REPO, 'workflows'), h.registry) });
  const run = await service.start({ findingId: finding.id, params: { kubeconfig } });

  let approval;
  for (let i = 0; i < 100 && !approval; i++) {
    await new Promise((r) => setTimeout(r, 100));
    approval = (await h.store.approvals.list({ status: ['pending'] })).items[0];
  }
  if (!approval) throw new Error(`no approval was requested: ${JSON.stringify((await h.engine.detail(run.id)).steps.map((s) => [s.name, s.status, s.error]))}`);
  expect(approval.message).toBe(`Rollout restart for ${target}: ${finding.message}`);
  expect(approval.plan).toContain('patch Deployment/web: pod template annotations');
  expect(approval.plan).toContain(`"kubectl.kubernetes.io/restartedAt":"patrol-${run.id}"`);
  // The dry run changed nothing.
  expect(web().metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
  expect(web().spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();

  await new ApprovalService(h.store).decide(approval!.id, 'approve', { name: 'carol', roles: ['approver'] }, 'restart it');
  const ended = await h.engine.waitFor(run.id, { timeoutMs: 60_000 });
  const detail = await h.engine.detail(run.id);
  expect([ended.status, detail.steps.filter((s) => s.status === 'failed').map((s) => s.error)]).toEqual(['succeeded', []]);
  expect(String(detail.steps.find((s) => s.name === 'rollout')?.outputs?.stdout)).toContain('deployment "web" successfully rolled out');
  expect(web().spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(`patrol-${run.id}`);
  expect(web().metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
  // The old pod is replaced (it may still be terminating when the rollout reports done, as in Kubernetes).
  await waitUntil(`pod ${pod} is gone`, () => !sim.list('v1', 'Pod', 'default').some((p) => (p.metadata as { name: string }).name === pod), { timeoutMs: 10_000 });
}, 120_000);
