import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { REPO } from '../support/cli.js';
import type { AddressInfo } from 'node:net';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { SimulatedCluster, simNode } from '../support/k8s-api-server/simulation.js';
import { shopApplication } from '../support/application-fixture.js';
import { validateApplicationText } from '../../src/applications/load-application.js';
import { compileApplication } from '../../src/applications/compile-application.js';
import { componentReports, planStages } from '../../src/applications/deploy-report.js';
import { validateWorkflowValue } from '../../src/workflow/validate-workflow.js';
import { formatIssue } from '../../src/workflow/validation-issue.js';

let sim: SimulatedCluster;
let h: Harness;
let kubeconfig: string;
let health: Server;
let healthStatus = 200;
let verifyUrl: string;

beforeAll(async () => {
  sim = await SimulatedCluster.start({ nodes: [simNode('node-1'), simNode('node-2')], tickMs: 10 });
  sim.image('registry.local/web:1', { logs: ['listening on :8080'] });
  kubeconfig = sim.server.writeKubeconfig();
  h = await createHarness();
  health = createServer((_req, res) => res.writeHead(healthStatus).end(healthStatus === 200 ? 'ok' : 'degraded'));
  await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
  verifyUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/healthz`;
});
afterAll(async () => {
  await h?.close();
  await sim?.stop();
  await new Promise((r) => health?.close(r));
});

async function deploy(text: string) {
  const parsed = validateApplicationText(text, 'app.yaml');
  if (!parsed.application) throw new Error(parsed.issues.map(formatIssue).join('\n'));
  const compiled = compileApplication(parsed.application, { kubeconfig });
  const checked = validateWorkflowValue(compiled.workflow, h.registry);
  if (!checked.workflow) throw new Error(checked.issues.map(formatIssue).join('\n'));
  const started = await h.engine.trigger(checked.workflow, {});
  const run = await h.engine.waitFor(started.id, { timeoutMs: 60_000 });
  const detail = await h.engine.detail(started.id);
  const at = (step: string) => detail.steps.find((s) => s.name === step)!;
  return { run, detail, at, plan: compiled.plan, reports: componentReports(compiled.plan, detail.steps) };
}

const webImage = () => (sim.get('apps/v1', 'Deployment', 'default', 'web') as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image;

describe('kind: Application', () => {
  test('redis before web, the init job before web starts, worker in parallel; PVC created only when absent; later config definitions win; references create nothing', async () => {
    // An existing claim of the same name is never modified (it was sized by someone else).
    sim.apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'redis-data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } } });
    healthStatus = 200;
    const r = await deploy(shopApplication({ webImage: 'registry.local/web:1', verifyUrl }));
    expect(r.detail.steps.filter((s) => s.status !== 'succeeded').map((s) => [s.name, s.status, s.error?.message])).toEqual([]);
    expect(r.run.status).toBe('succeeded');

    const stages = planStages(r.plan).map((s) => s.map((p) => p.step));
    expect(stages[0]).toEqual(expect.arrayContaining(['config', 'redis_storage']));
    expect(stages[1]).toEqual(expect.arrayContaining(['redis_deploy', 'worker_deploy']));
    // Order as the dependencies say: redis ready -> init job -> web deployed.
    expect(r.at('web_init_create_tables').startedAt!).toBeGreaterThanOrEqual(r.at('redis_ready').finishedAt!);
    expect(r.at('web_deploy').startedAt!).toBeGreaterThanOrEqual(r.at('web_init_create_tables').finishedAt!);
    expect(r.plan.find((p) => p.step === 'worker_deploy')!.needs).toEqual(['config']);
    const job = sim.list('batch/v1', 'Job', 'default').find((j) => (j.metadata as { name: string }).name.startsWith('create-tables-'))!;
    expect((job.spec as { template: { spec: { containers: { image: string; command: string[] }[] } } }).template.spec.containers[0]).toMatchObject({ image: 'registry.local/web:1', command: ['./manage', 'migrate'] });

    const pvc = sim.get('v1', 'PersistentVolumeClaim', 'default', 'redis-data') as { spec: { resources: { requests: { storage: string } } }; metadata: { managedFields?: { manager: string }[] } };
    expect(pvc.spec.resources.requests.storage).toBe('5Gi');
    expect((pvc.metadata.managedFields ?? []).map((m) => m.manager)).not.toContain('patrol');
    expect(r.detail.steps.find((s) => s.name === 'redis_storage')!.outputs).toMatchObject({ unchanged: 1, created: 0 });

    expect((sim.get('v1', 'ConfigMap', 'default', 'shop-config') as { data: Record<string, string> }).data).toEqual({ cache: 'redis', ttl: '300' });
    expect(sim.get('v1', 'Secret', 'default', 'shop-credentials')).toBeUndefined();
    const ing = sim.get('networking.k8s.io/v1', 'Ingress', 'default', 'web') as { spec: { rules: { host: string; http: { paths: { backend: { service: { port: { number: number } } } }[] } }[] } };
    expect(ing.spec.rules[0]!.host).toBe('shop.example.com');
    expect(ing.spec.rules[0]!.http.paths[0]!.backend.service.port.number).toBe(8080);
    expect(sim.get('apps/v1', 'StatefulSet', 'default', 'redis')).toBeDefined();
    expect(r.reports.map((c) => [c.component, c.status])).toEqual([
      ['(config)', 'succeeded'],
      ['redis', 'succeeded'],
      ['worker', 'succeeded'],
      ['web', 'succeeded'],
    ]);
  });

  test('a failed verification rolls the Deployment back automatically to the previous revision', async () => {
    healthStatus = 503;
    const r = await deploy(shopApplication({ webImage: 'registry.local/web:2', verifyUrl }));
    expect(r.run.status).toBe('failed');
    const verify = r.at('web_verify');
    expect(verify.status).toBe('failed');
    expect(verify.error?.message).toMatch(/verification of Deployment default\/web failed: GET http:\/\/127\.0\.0\.1:\d+\/healthz -> 503 \(expected 200\); rolled back automatically from revision 2 to 1 \(registry\.local\/web:1\)/);
    expect(verify.outputs).toMatchObject({ passed: false, rolledBack: true, fromRevision: 2, toRevision: 1 });
    expect(webImage()).toBe('registry.local/web:1');
    expect(r.reports.find((c) => c.component === 'web')!.status).toBe('rolled-back');
  });

  test('exposure through a Gateway API HTTPRoute', async () => {
    const r = await deploy(`apiVersion: patrol.dev/v1
kind: Application
metadata: { name: api }
spec:
  components:
    - name: api
      image: registry.local/api:1
      ports: [9000]
      traits:
        expose: { httpRoute: { gateway: public, gatewayNamespace: infra, hostnames: [api.example.com], path: /v1 } }
`);
    expect(r.run.status).toBe('succeeded');
    const route = sim.get('gateway.networking.k8s.io/v1', 'HTTPRoute', 'default', 'api') as { spec: Record<string, unknown> };
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'infra' }],
      hostnames: ['api.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [{ name: 'api', port: 9000 }] }],
    });
    expect((sim.get('v1', 'Service', 'default', 'api') as { spec: { ports: { port: number }[] } }).spec.ports[0]!.port).toBe(9000);
  });

  test('the documented example is a valid application', () => {
    const file = join(REPO, 'docs', 'examples', 'shop-application.yaml');
    const res = validateApplicationText(readFileSync(file, 'utf8'), file);
    expect(res.issues.map(formatIssue)).toEqual([]);
    const { plan } = compileApplication(res.application!, {});
    expect(plan.map((p) => p.step)).toContain('web_verify');
  });

  test('invalid applications: field paths with file:line:col, unknown dependencies and cycles', () => {
    const bad = validateApplicationText(
      `apiVersion: patrol.dev/v1
kind: Application
metadata: { name: shop }
spec:
  components:
    - name: web
      image: registry.local/web:1
      replicas: -1
      dependsOn: [db]
      traits:
        storage: [{ name: data, mountPath: /data, create: true }]
`,
      'app.yaml',
    );
    expect(bad.issues.map(formatIssue)).toEqual([
      'app.yaml:8:17: spec.components[0].replicas: Too small: expected number to be >=0 [schema]',
      'app.yaml:11:19: spec.components[0].traits.storage[0].size: size is required with create: true [schema]',
    ]);
    const cyc = validateApplicationText(`apiVersion: patrol.dev/v1\nkind: Application\nmetadata: { name: shop }\nspec:\n  components:\n    - { name: a, image: x, dependsOn: [b] }\n    - { name: b, image: x, dependsOn: [a, c] }\n`, 'app.yaml');
    expect(cyc.issues.map(formatIssue)).toEqual(['app.yaml:7:43: spec.components[1].dependsOn[1]: "c" is not a component (components: a, b) [unknown-component]']);
    const loop = validateApplicationText(`apiVersion: patrol.dev/v1\nkind: Application\nmetadata: { name: shop }\nspec:\n  components:\n    - { name: a, image: x, dependsOn: [b] }\n    - { name: b, image: x, dependsOn: [a] }\n`, 'app.yaml');
    expect(loop.issues.map(formatIssue)[0]).toMatch(/spec.components: dependency cycle: (a -> b -> a|b -> a -> b) \[cycle\]/);
  });
});
