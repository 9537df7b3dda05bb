import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { SimulatedCluster, simNode } from '../support/k8s-api-server/simulation.js';
import { deployment, runStep } from '../support/k8s-deploy.js';
import { startPrometheus, type Prometheus } from '../support/prometheus.js';

let sim: SimulatedCluster;
let h: Harness;
let kubeconfig: string;
let metrics: Server;
let errorRatio = 0.01;
let prom: Prometheus;

beforeAll(async () => {
  sim = await SimulatedCluster.start({ nodes: [simNode('node-1')], tickMs: 10 });
  kubeconfig = sim.server.writeKubeconfig();
  h = await createHarness();
  // The application's own metrics endpoint, scraped by a real Prometheus.
  metrics = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`# TYPE shop_http_error_ratio gauge\nshop_http_error_ratio ${errorRatio}\n`));
  await new Promise<void>((r) => metrics.listen(0, '127.0.0.1', r));
  prom = await startPrometheus({ target: `127.0.0.1:${(metrics.address() as AddressInfo).port}` });
}, 60_000);
afterAll(async () => {
  await prom?.stop();
  await h?.close();
  await sim?.stop();
  await new Promise((r) => metrics?.close(r));
});

const verify = (extra: Record<string, unknown> = {}) => runStep(h, 'k8s-verify', { kubeconfig, deployment: 'api', prometheus: { url: prom.url, query: 'shop_http_error_ratio', max: 0.05 }, attempts: 2, interval: '100ms', ...extra });

describe('k8s-verify with a Prometheus query', () => {
  test('within bounds passes; over the bound rolls the Deployment back to the previous revision', async () => {
    for (const tag of ['1', '2']) {
      await runStep(h, 'k8s-apply', { kubeconfig, manifests: [deployment('api', `registry.local/api:${tag}`)] });
      expect((await runStep(h, 'k8s-wait', { kubeconfig, object: { kind: 'Deployment', name: 'api' }, interval: '50ms' })).run.status).toBe('succeeded');
    }
    await prom.waitForSample('shop_http_error_ratio', (v) => v === 0.01);
    const ok = await verify();
    expect(ok.outputs).toMatchObject({ passed: true, rolledBack: false, observed: 'shop_http_error_ratio = 0.01 (max 0.05)' });

    errorRatio = 0.4;
    await prom.waitForSample('shop_http_error_ratio', (v) => v === 0.4);
    const bad = await verify();
    expect(bad.run.status).toBe('failed');
    expect(bad.error?.code).toBe('verification-failed');
    expect(bad.error?.message).toBe('verification of Deployment default/api failed: shop_http_error_ratio = 0.4 (max 0.05); rolled back automatically from revision 2 to 1 (registry.local/api:1)');
    expect(bad.logText).toContain('verification attempt 2/2: failed: shop_http_error_ratio = 0.4 (max 0.05)');
    const d = sim.get('apps/v1', 'Deployment', 'default', 'api') as { spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(d.spec.template.spec.containers[0]!.image).toBe('registry.local/api:1');

    const noRollback = await verify({ rollback: false });
    expect(noRollback.error?.message).toBe('verification of Deployment default/api failed: shop_http_error_ratio = 0.4 (max 0.05)');
    const noSamples = await verify({ prometheus: { url: prom.url, query: 'absent_metric_xyz', min: 1 }, rollback: false, attempts: 1 });
    expect(noSamples.error?.message).toContain('absent_metric_xyz returned no samples');
  });
});
