import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
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
import { linkRemediation, type RemediationLink } from '../../src/remediation/remediation-link.js';

// The restart-workload runbook on the engine against the test API server's simulated cluster: a
// finding about a pod of Deployment web starts the runbook, the server-side dry run's diff is the
// approval's plan and changes nothing, and after the approval the pod template's restartedAt
// annotation rolls the Deployment out to a new revision, which the runbook waits for. And wired
// into workflows/inspect-cluster.yaml: the real cluster inspection finds a crash-looping pod and
// its auto-remediate step restarts the Deployment, in the context the inspection read.

let sim: SimulatedCluster;
let h: Harness;
let kubeconfig: string;
const link: RemediationLink = {};

type Dep = { metadata: { annotations: Record<string, string> }; spec: { template: { metadata: { annotations?: Record<string, string> } } } };
const web = () => sim.get('apps/v1', 'Deployment', 'default', 'web') as Dep;

beforeAll(async () => {
  sim = await SimulatedCluster.start({ nodes: [simNode('node-1')], tickMs: 10 });
  kubeconfig = sim.server.writeKubeconfig();
  h = await createHarness({ remediationLink: link });
  linkRemediation(link, { store: h.store, engine: h.engine, workflows: builtinWorkflowResolver(join(REPO, 'workflows'), h.registry) });
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

test('inspect-cluster with an auto-remediation rule: the crash-looping pod is found and its Deployment restarted in the inspected context', async () => {
  sim.image('registry.local/api:crashing', { exitCode: 1, runMs: 0 });
  await runStep(h, 'k8s-apply', { kubeconfig, manifests: [deployment('api', 'registry.local/api:crashing', 1)] });
  const podOf = () => sim.list('v1', 'Pod', 'default').find((p) => (p.metadata as { name: string }).name.startsWith('api-')) as { metadata: { name: string }; status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] } } | undefined;
  await waitUntil('a pod of api in CrashLoopBackOff', () => podOf()?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', { timeoutMs: 10_000 });
  const crashing = podOf()!.metadata.name;
  // A kubeconfig whose context has another name: the runbook must use the inspected one.
  const contextKubeconfig = sim.server.writeKubeconfig({ name: 'staging-eu' });
  const config = join(h.dir, 'staging-cluster.yaml');
  writeFileSync(config, stringify({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 'staging-cluster', labels: { environment: 'staging' } }, spec: { remediation: { auto: [{ check: 'k8s.pod.crashloop', environments: ['staging'], approval: 'skip' }] } } }));

  const def = await builtinWorkflowResolver(join(REPO, 'workflows'), h.registry).resolve('default', 'inspect-cluster');
  const inspection = await h.engine.waitFor((await h.engine.trigger(def, { params: { kubeconfig: contextKubeconfig, contexts: ['staging-eu'], config } })).id, { timeoutMs: 60_000 });
  expect(inspection.status).toBe('succeeded');
  const found = (await h.store.findings.listByRun(inspection.id)).filter((f) => f.check === 'k8s.pod.crashloop' && f.severity === 'critical');
  expect(found.map((f) => f.target)).toEqual([`staging-eu/default/${crashing}`]);
  const step = await h.store.runs.getStep(inspection.id, 'auto_remediate');
  expect([step?.status, step?.outputs]).toEqual(['succeeded', expect.objectContaining({ environment: 'staging', matched: 1 })]);
  // The cause is gone (the image's dependency is back): the restarted pods run.
  sim.image('registry.local/api:crashing', {});
  const fanOut = await h.engine.waitFor(String((step!.outputs as { runId: string }).runId), { timeoutMs: 60_000 });
  const [decision] = await h.store.remediations.decisions({ inspectionRunId: inspection.id });
  expect(decision).toMatchObject({ check: 'k8s.pod.crashloop', target: `staging-eu/default/${crashing}`, environment: 'staging', decision: 'started' });
  const runbook = (await h.store.runs.getRun(decision!.runId!))!;
  const detail = await h.engine.detail(runbook.id);
  expect([fanOut.status, runbook.status, detail.steps.filter((s) => s.status === 'failed').map((s) => s.error)]).toEqual(['succeeded', 'succeeded', []]);
  expect(runbook.params).toMatchObject({ namespace: 'default', workload: 'api', context: 'staging-eu', kubeconfig: contextKubeconfig, autoApprove: true });
  type Dep = { metadata: { annotations: Record<string, string> }; spec: { template: { metadata: { annotations?: Record<string, string> } } } };
  const api = sim.get('apps/v1', 'Deployment', 'default', 'api') as Dep;
  expect(api.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(`patrol-${runbook.id}`);
  expect(api.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
}, 120_000);
