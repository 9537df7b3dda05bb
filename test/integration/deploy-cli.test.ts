import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patrol } from '../support/cli.js';
import { shopApplication } from '../support/application-fixture.js';
import { SimulatedCluster, simNode } from '../support/k8s-api-server/simulation.js';

let sim: SimulatedCluster;
let kubeconfig: string;
let home: string;
let health: Server;
let verifyUrl: string;

beforeAll(async () => {
  sim = await SimulatedCluster.start({ nodes: [simNode('node-1')], tickMs: 10 });
  kubeconfig = sim.server.writeKubeconfig();
  home = mkdtempSync(join(tmpdir(), 'patrol-deploy-cli-'));
  health = createServer((_req, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
  verifyUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/healthz`;
});
afterAll(async () => {
  await sim?.stop();
  await new Promise((r) => health?.close(r));
});

function appFile(text: string): string {
  const file = join(home, `app-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

describe('patrol deploy', () => {
  test('--dry-run shows the plan in stages and changes nothing; then a real deploy reports per component', async () => {
    const file = appFile(shopApplication({ webImage: 'registry.local/web:1', verifyUrl }));
    const dry = await patrol(['deploy', file, '--dry-run', '--kubeconfig', kubeconfig], { home });
    expect(dry.stderr).toContain('plan for application shop in namespace default (dry run: server-side dry run, nothing changes):');
    expect(dry.stderr).toMatch(/stage 1 \(parallel\):\n\s+config\s+k8s-apply\s+apply ConfigMap\/shop-config \(defined by redis, web; web wins\)/);
    expect(dry.stderr).toMatch(/web_init_create_tables\s+k8s-job\s+run init job create-tables/);
    expect(dry.exitCode).toBe(0);
    expect(dry.stderr).toMatch(/application shop: succeeded \(dry run\)/);
    expect(sim.get('apps/v1', 'StatefulSet', 'default', 'redis')).toBeUndefined();
    expect(sim.get('v1', 'ConfigMap', 'default', 'shop-config')).toBeUndefined();

    const real = await patrol(['deploy', file, '--kubeconfig', kubeconfig, '--json'], { home });
    expect(real.stderr).toBe('');
    const out = JSON.parse(real.stdout) as { run: { status: string }; components: { component: string; status: string }[] };
    expect(out.run.status).toBe('succeeded');
    expect(out.components.map((c) => [c.component, c.status])).toEqual([
      ['(config)', 'succeeded'],
      ['redis', 'succeeded'],
      ['worker', 'succeeded'],
      ['web', 'succeeded'],
    ]);
    expect(real.exitCode).toBe(0);
    expect(sim.get('apps/v1', 'Deployment', 'default', 'web')).toBeDefined();
  });

  test('an invalid application exits 2 with file:line:col', async () => {
    const file = appFile('apiVersion: patrol.dev/v1\nkind: Application\nmetadata: { name: shop }\nspec:\n  components:\n    - { name: web, image: x, dependsOn: [db] }\n');
    const r = await patrol(['deploy', file, '--kubeconfig', kubeconfig], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}:6:42: spec.components[0].dependsOn[0]: "db" is not a component (components: web) [unknown-component]`);
  });
});
