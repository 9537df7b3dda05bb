import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { resource } from '../support/k8s-api-server/cluster-state.js';
import { SimulatedCluster, simNode } from '../support/k8s-api-server/simulation.js';
import { deployment, runStep } from '../support/k8s-deploy.js';

let sim: SimulatedCluster;
let h: Harness;
let kubeconfig: string;

beforeAll(async () => {
  sim = await SimulatedCluster.start({ nodes: [simNode('node-1')], tickMs: 10 });
  kubeconfig = sim.server.writeKubeconfig();
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
  await sim?.stop();
});

type Managed = { manager: string; operation: string; fieldsV1: Record<string, unknown> }[];

describe('k8s-apply', () => {
  test('server-side applies as field manager patrol, rendering params; a second apply is unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-apply-'));
    const file = join(dir, 'web.yaml');
    writeFileSync(file, `apiVersion: v1
kind: ConfigMap
metadata: { name: web-config }
data: { greeting: "\${{ params.greeting }}" }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: "registry.local/web:\${{ params.tag }}" }] }
`);
    const r = await runStep(h, 'k8s-apply', { kubeconfig, namespace: 'default', files: [file], params: { greeting: 'hello', tag: '1.0' } });
    expect(r.run.status).toBe('succeeded');
    expect(r.outputs).toMatchObject({ created: 2, configured: 0, dryRun: false });
    const cm = sim.get('v1', 'ConfigMap', 'default', 'web-config') as { data: Record<string, string>; metadata: { managedFields: Managed } };
    expect(cm.data.greeting).toBe('hello');
    expect(cm.metadata.managedFields.map((m) => [m.manager, m.operation])).toEqual([['patrol', 'Apply']]);
    const dep = sim.get('apps/v1', 'Deployment', 'default', 'web') as { spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(dep.spec.template.spec.containers[0]!.image).toBe('registry.local/web:1.0');

    const again = await runStep(h, 'k8s-apply', { kubeconfig, files: [file], params: { greeting: 'hello', tag: '1.0' } });
    expect(again.outputs).toMatchObject({ created: 0, configured: 0, unchanged: 2 });
  });

  test('dry run shows the diff and changes nothing', async () => {
    await runStep(h, 'k8s-apply', { kubeconfig, manifests: [deployment('api', 'registry.local/api:1', 2)] });
    // The controllers keep writing status (and resourceVersion); the spec's generation says whether it was written.
    const before = sim.get('apps/v1', 'Deployment', 'default', 'api') as { metadata: { generation: number } };
    const r = await runStep(h, 'k8s-apply', { kubeconfig, manifests: [deployment('api', 'registry.local/api:2', 3), deployment('api-new', 'registry.local/api:2')] }, { dryRun: true });
    expect(r.run.status).toBe('succeeded');
    expect(r.outputs).toMatchObject({ dryRun: true, created: 1, configured: 1 });
    const diff = String(r.outputs!.diff);
    expect(diff).toContain('~ spec.replicas: 2 -> 3');
    expect(diff).toContain('~ spec.template.spec.containers[0].image: "registry.local/api:1" -> "registry.local/api:2"');
    expect(diff).toContain('created Deployment/default/api-new');
    expect(r.logText).toContain('Deployment/default/api configured (dry run)');
    const after = sim.get('apps/v1', 'Deployment', 'default', 'api') as { metadata: { generation: number }; spec: { replicas: number } };
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.spec.replicas).toBe(2);
    expect(sim.get('apps/v1', 'Deployment', 'default', 'api-new')).toBeUndefined();
  });

  test('a field another manager owns is a conflict naming the manager and the field; force takes it over', async () => {
    await runStep(h, 'k8s-apply', { kubeconfig, manifests: [deployment('shared', 'registry.local/shared:1')] });
    // Another tool (kubectl with its own field manager) changed the image since.
    const live = sim.state.get(resource('apps', 'deployments'), 'default', 'shared')!;
    const edited = JSON.parse(JSON.stringify(live)) as typeof live & { spec: { template: { spec: { containers: { image: string }[] } } }; metadata: { managedFields: unknown[] } };
    edited.spec.template.spec.containers[0]!.image = 'registry.local/shared:hotfix';
    edited.metadata.managedFields.push({ manager: 'kubectl-edit', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"shared"}': { 'f:image': {} } } } } } } });
    sim.state.write(resource('apps', 'deployments'), edited);
    const r = await runStep(h, 'k8s-apply', { kubeconfig, manifests: [deployment('shared', 'registry.local/shared:2')] });
    expect(r.run.status).toBe('failed');
    expect(r.error?.code).toBe('conflict');
    expect(r.error?.message).toContain('conflict with "kubectl-edit"');
    expect(r.error?.message).toContain('.spec.template.spec.containers[name="shared"].image');
    const forced = await runStep(h, 'k8s-apply', { kubeconfig, force: true, manifests: [deployment('shared', 'registry.local/shared:2')] });
    expect(forced.run.status).toBe('succeeded');
    const d = sim.get('apps/v1', 'Deployment', 'default', 'shared') as { spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(d.spec.template.spec.containers[0]!.image).toBe('registry.local/shared:2');
  });

  test('prune deletes labelled objects no longer in the set, and only those', async () => {
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });
    const prune = { labels: { 'app.kubernetes.io/part-of': 'shop' } };
    await runStep(h, 'k8s-apply', { kubeconfig, namespace: 'default', prune, manifests: [cm('shop-a'), cm('shop-b')] });
    await runStep(h, 'k8s-apply', { kubeconfig, manifests: [cm('unrelated')] });
    const dry = await runStep(h, 'k8s-apply', { kubeconfig, prune, manifests: [cm('shop-a')] }, { dryRun: true });
    expect(dry.outputs).toMatchObject({ pruned: 1 });
    expect(sim.get('v1', 'ConfigMap', 'default', 'shop-b')).toBeDefined();
    const r = await runStep(h, 'k8s-apply', { kubeconfig, prune, manifests: [cm('shop-a')] });
    expect(r.outputs).toMatchObject({ pruned: 1, unchanged: 1 });
    expect(r.logText).toContain('ConfigMap/default/shop-b pruned');
    expect(sim.get('v1', 'ConfigMap', 'default', 'shop-b')).toBeUndefined();
    expect(sim.get('v1', 'ConfigMap', 'default', 'unrelated')).toBeDefined();
  });

  test('Secrets: stringData stored as data, values never in the diff or the log', async () => {
    const secret = (password: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-credentials' }, stringData: { password } });
    const first = await runStep(h, 'k8s-apply', { kubeconfig, manifests: [secret('s3cr3t-one')] });
    expect(first.outputs).toMatchObject({ created: 1 });
    expect((sim.get('v1', 'Secret', 'default', 'db-credentials') as { data: Record<string, string> }).data.password).toBe(Buffer.from('s3cr3t-one').toString('base64'));
    expect((await runStep(h, 'k8s-apply', { kubeconfig, manifests: [secret('s3cr3t-one')] })).outputs).toMatchObject({ unchanged: 1 });
    const changed = await runStep(h, 'k8s-apply', { kubeconfig, manifests: [secret('s3cr3t-two')] }, { dryRun: true });
    expect(changed.outputs!.diff).toContain('~ data.password: "(secret)" -> "(secret)"');
    for (const text of [String(changed.outputs!.diff), changed.logText, String(first.outputs!.diff)]) {
      expect(text).not.toContain('s3cr3t');
      expect(text).not.toContain(Buffer.from('s3cr3t-two').toString('base64'));
    }
  });

  test('invalid input names the field; a manifest without a name is refused before any request', async () => {
    const bad = await runStep(h, 'k8s-apply', { kubeconfig, manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }] });
    expect(bad.run.status).toBe('failed');
    expect(bad.error?.message).toContain('manifests[0]: metadata.name is required');
    expect(() => h.workflow(`apiVersion: patrol.dev/v1\nkind: Workflow\nmetadata: { name: x }\nspec:\n  steps:\n    - name: s\n      type: k8s-apply\n      with: { kubeconfig: k }\n`)).toThrow(/files.*give files or manifests/);
  });
});

describe('k8s-delete', () => {
  test('deletes named objects; an absent one counts as absent; dry run deletes nothing', async () => {
    await runStep(h, 'k8s-apply', { kubeconfig, manifests: [deployment('gone', 'registry.local/x:1')] });
    const dry = await runStep(h, 'k8s-delete', { kubeconfig, objects: [{ kind: 'Deployment', name: 'gone' }] }, { dryRun: true });
    expect(dry.outputs).toMatchObject({ deleted: ['Deployment/default/gone'], dryRun: true });
    expect(sim.get('apps/v1', 'Deployment', 'default', 'gone')).toBeDefined();
    const r = await runStep(h, 'k8s-delete', { kubeconfig, objects: [{ kind: 'Deployment', name: 'gone' }, { kind: 'ConfigMap', name: 'never-was' }] });
    expect(r.outputs).toMatchObject({ deleted: ['Deployment/default/gone'], absent: ['ConfigMap/default/never-was'] });
    expect(sim.get('apps/v1', 'Deployment', 'default', 'gone')).toBeUndefined();
  });
});
