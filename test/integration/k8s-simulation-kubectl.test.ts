/**
 * The simulated cluster behind the test API server, cross-checked with the real kubectl: the
 * behaviours Patrol's Kubernetes steps rely on (server-side apply and its conflicts, dry run,
 * rollout status over watch, rollout undo to a revision, patches, Job logs, RBAC) must look to a
 * real client as they do from a real API server.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { SimulatedCluster, simNode } from '../support/k8s-api-server/simulation.js';
import { requireTool } from '../support/system-tools.js';
import { deployment } from '../support/k8s-deploy.js';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { runStep } from '../support/k8s-deploy.js';

let sim: SimulatedCluster;
let kubeconfig: string;
let kubectlBin: string;

beforeAll(async () => {
  kubectlBin = requireTool('kubectl', 'apt-get install -y kubectl (from pkgs.k8s.io) or copy the kubectl binary onto PATH');
  sim = await SimulatedCluster.start({ nodes: [simNode('node-1')], tickMs: 10, tokens: {
      // Read-only, plus discovery as every authenticated user has it in a real cluster (system:discovery).
      'viewer-token': { user: 'viewer', rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }, { nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi/*'], verbs: ['get'] }] },
    },
  });
  sim.image('registry.local/job:1', { exitCode: 0, runMs: 150, logs: ['step 1', 'step 2'] });
  kubeconfig = sim.server.writeKubeconfig();
});
afterAll(async () => {
  await sim?.stop();
});

// Async: the API server runs in this process and must keep answering while kubectl waits.
async function kubectl(args: string[], input?: string) {
  const r = await execa(kubectlBin, ['--kubeconfig', kubeconfig, ...args], { reject: false, timeout: 30_000, ...(input !== undefined ? { input } : {}) });
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

const yaml = (o: unknown) => JSON.stringify(o);

describe('simulated cluster seen by kubectl', () => {
  test('server-side apply: created, dry run stores nothing, another manager conflicts on the changed field only, --force-conflicts', async () => {
    expect((await kubectl(['apply', '--server-side', '--field-manager', 'patrol', '--validate=false', '-f', '-'], yaml(deployment('web', 'registry.local/web:1')))).out).toBe('deployment.apps/web serverside-applied');
    const dry = await kubectl(['apply', '--server-side', '--field-manager', 'patrol', '--validate=false', '--dry-run=server', '-o', 'jsonpath={.spec.replicas}', '-f', '-'], yaml(deployment('web', 'registry.local/web:1', 5)));
    expect(dry.out).toBe('5');
    expect((sim.get('apps/v1', 'Deployment', 'default', 'web') as { spec: { replicas: number } }).spec.replicas).toBe(2);
    const conflict = await kubectl(['apply', '--server-side', '--field-manager', 'other', '--validate=false', '-f', '-'], yaml(deployment('web', 'registry.local/web:2')));
    expect(conflict.code).toBe(1);
    expect(conflict.err).toContain('Apply failed with 1 conflict: conflict with "patrol" using apps/v1: .spec.template.spec.containers[name="web"].image');
    const forced = await kubectl(['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '--validate=false', '-f', '-'], yaml(deployment('web', 'registry.local/web:2')));
    expect(forced.code).toBe(0);
  });

  test('rollout status follows the watch; rollout history and undo --to-revision', async () => {
    const status = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s']);
    expect(status.out).toContain('deployment "web" successfully rolled out');
    const history = await kubectl(['rollout', 'history', 'deployment/web']);
    expect(history.out).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const undo = await kubectl(['rollout', 'undo', 'deployment/web', '--to-revision=1']);
    expect(undo.code).toBe(0);
    expect((await kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s'])).code).toBe(0);
    expect((await kubectl(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}'])).out).toBe('registry.local/web:1 3');
  });

  test('strategic merge, merge and JSON patches', async () => {
    expect((await kubectl(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"A","value":"1"}]}]}}}}'])).code).toBe(0);
    expect((await kubectl(['patch', 'deployment', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"front"}}}'])).code).toBe(0);
    expect((await kubectl(['patch', 'deployment', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":1}]'])).code).toBe(0);
    const d = sim.get('apps/v1', 'Deployment', 'default', 'web') as { metadata: { labels: Record<string, string> }; spec: { replicas: number; template: { spec: { containers: { image: string; env: unknown[] }[] } } } };
    expect(d.spec.template.spec.containers[0]).toMatchObject({ image: 'registry.local/web:1', env: [{ name: 'A', value: '1' }] });
    expect(d.metadata.labels.tier).toBe('front');
    expect(d.spec.replicas).toBe(1);
  });

  test('a Job runs and kubectl logs -f follows its pod to the end', async () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once' }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'once', image: 'registry.local/job:1' }] } } } };
    // The test server publishes no OpenAPI document: client-side schema validation is off.
    const created = await kubectl(['create', '--validate=false', '-f', '-'], yaml(job));
    expect(created.err).toBe('');
    expect((await kubectl(['wait', '--for=condition=complete', 'job/once', '--timeout=20s'])).code).toBe(0);
    expect((await kubectl(['logs', '-f', 'job/once'])).out).toBe('step 1\nstep 2');
  });

  test('RBAC: a read-only user is forbidden to write, and k8s-apply says so', async () => {
    const viewer = sim.server.writeKubeconfig({ token: 'viewer-token' });
    const r = await execa(kubectlBin, ['--kubeconfig', viewer, 'apply', '--server-side', '--validate=false', '-f', '-'], { input: yaml(deployment('nope', 'x:1')), reject: false });
    expect(r.stderr).toMatch(/forbidden: User "viewer" cannot patch resource "deployments" in API group "apps"/);
    const h: Harness = await createHarness();
    try {
      const step = await runStep(h, 'k8s-apply', { kubeconfig: viewer, manifests: [deployment('nope', 'x:1')] });
      expect(step.error?.code).toBe('forbidden');
      expect(step.error?.message).toContain('apply Deployment/default/nope: forbidden (RBAC): grant the verb to Patrol\'s service account');
    } finally {
      await h.close();
    }
  });
});
