import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { SimulatedCluster, simNode } from '../support/k8s-api-server/simulation.js';
import { deployment, runStep } from '../support/k8s-deploy.js';

let sim: SimulatedCluster;
let h: Harness;
let kubeconfig: string;

beforeAll(async () => {
  sim = await SimulatedCluster.start({ nodes: [simNode('node-1'), simNode('node-2')], tickMs: 10 });
  sim.image('registry.local/web:broken', { pullError: 'manifest for registry.local/web:broken not found' });
  kubeconfig = sim.server.writeKubeconfig();
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
  await sim?.stop();
});

const image = (name: string) => (sim.get('apps/v1', 'Deployment', 'default', name) as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image;
const revision = (name: string) => (sim.get('apps/v1', 'Deployment', 'default', name) as { metadata: { annotations: Record<string, string> } }).metadata.annotations['deployment.kubernetes.io/revision'];
const wait = (kind: string, name: string, extra: Record<string, unknown> = {}) => runStep(h, 'k8s-wait', { kubeconfig, object: { kind, name }, interval: '50ms', timeout: '10s', ...extra });

describe('k8s-wait and k8s-rollback', () => {
  test('rollout of new revisions, a stuck rollout times out with the reason, rollback to a given and to the previous revision', async () => {
    for (const tag of ['1', '2']) {
      await runStep(h, 'k8s-apply', { kubeconfig, manifests: [deployment('web', `registry.local/web:${tag}`)] });
      const w = await wait('Deployment', 'web');
      expect(w.run.status).toBe('succeeded');
      expect(w.outputs!.message).toBe('Deployment "web" successfully rolled out');
    }
    expect(revision('web')).toBe('2');

    await runStep(h, 'k8s-apply', { kubeconfig, manifests: [deployment('web', 'registry.local/web:broken')] });
    const stuck = await wait('Deployment', 'web', { timeout: '1s' });
    expect(stuck.run.status).toBe('failed');
    expect(stuck.error?.code).toBe('timeout');
    expect(stuck.error?.message).toMatch(/^timed out after 1.0s waiting for the rollout of Deployment\/default\/web: 2 old replicas are pending termination; pod web-\w+-\w+ container web waiting: (ErrImagePull: .*manifest for registry.local\/web:broken not found|ImagePullBackOff: Back-off pulling image "registry.local\/web:broken")/);
    expect(revision('web')).toBe('3');

    const back = await runStep(h, 'k8s-rollback', { kubeconfig, deployment: 'web', toRevision: 1 });
    expect(back.run.status).toBe('succeeded');
    expect(back.outputs).toMatchObject({ fromRevision: 3, toRevision: 1, images: ['registry.local/web:1'] });
    expect(image('web')).toBe('registry.local/web:1');
    expect((await wait('Deployment', 'web')).run.status).toBe('succeeded');
    // As in Kubernetes, the ReplicaSet rolled back to becomes the newest revision.
    expect(revision('web')).toBe('4');

    const undo = await runStep(h, 'k8s-rollback', { kubeconfig, deployment: 'web' });
    expect(undo.outputs).toMatchObject({ fromRevision: 4, toRevision: 3, images: ['registry.local/web:broken'] });

    // Revision 3 (broken) was rolled back to and is now 5; 1 became 4.
    const missing = await runStep(h, 'k8s-rollback', { kubeconfig, deployment: 'web', toRevision: 99 });
    expect(missing.run.status).toBe('failed');
    expect(missing.error?.message).toContain('no revision 99 (revisions kept: 2, 4, 5)');
  });

  test('a rollout past its progress deadline fails at once, without waiting for the timeout', async () => {
    const broken = deployment('stuck', 'registry.local/web:broken', 1);
    (broken.spec as Record<string, unknown>).progressDeadlineSeconds = 1;
    await runStep(h, 'k8s-apply', { kubeconfig, manifests: [broken] });
    const started = Date.now();
    const r = await wait('Deployment', 'stuck', { timeout: '30s' });
    expect(r.error?.code).toBe('rollout-failed');
    expect(r.error?.message).toMatch(/^the rollout of Deployment\/default\/stuck failed: Deployment "stuck" exceeded its progress deadline: ReplicaSet "stuck-\w+" has timed out progressing/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('StatefulSet and DaemonSet rollouts, Job completion and a custom condition', async () => {
    const podTemplate = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: app, image: `registry.local/${app}:1` }] } });
    await runStep(h, 'k8s-apply', {
      kubeconfig,
      manifests: [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: podTemplate('db') } },
        { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: podTemplate('agent') } },
        { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'once', image: 'registry.local/once:1' }] } } } },
      ],
    });
    expect((await wait('StatefulSet', 'db')).outputs!.message).toContain('rolled out (2 pods ready)');
    expect((await wait('DaemonSet', 'agent')).outputs!.message).toBe('DaemonSet "agent" successfully rolled out');
    expect((await wait('Job', 'once')).outputs!.message).toContain('Job "once" complete');
    const pods = sim.list('v1', 'Pod', 'default').filter((p) => (p.metadata as { name: string }).name.startsWith('db-'));
    const pod = (pods[0]!.metadata as { name: string }).name;
    const ready = await wait('Pod', pod, { for: { condition: 'Ready' } });
    expect(ready.outputs!.message).toBe('condition Ready=True');
    const never = await wait('Pod', pod, { for: { condition: 'Ready', status: 'False' }, timeout: '300ms' });
    expect(never.error?.message).toContain(`waiting for Pod/default/${pod} condition Ready=False: condition Ready is True`);
  });
});
