import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { runStep } from '../support/k8s-deploy.js';
import { helmArgs, helmInput } from '../../src/steps/kubernetes/helm.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('helm', () => {
  test('a missing helm binary fails, naming the binary and how to install it', async () => {
    const r = await runStep(h, 'helm', { release: 'shop', chart: 'charts/shop', namespace: 'shop', helm: '/nonexistent/bin/helm' });
    expect(r.run.status).toBe('failed');
    expect(r.error?.code).toBe('missing-dependency');
    expect(r.error?.message).toContain('helm (the Helm 3 CLI, "/nonexistent/bin/helm") is not installed. Install it with: download helm-v3.x-linux-amd64.tar.gz from https://github.com/helm/helm/releases');
  });

  test('argv for upgrade --install (strings stay strings) and rollback, with --dry-run=server in a dry run', () => {
    const up = helmInput.parse({ release: 'shop', chart: 'charts/shop', namespace: 'shop', kubeconfig: '/k/config', valuesFiles: ['prod.yaml'], set: { 'image.tag': '1.4.2', replicas: 3 } });
    expect(helmArgs(up, true)).toEqual(['upgrade', '--install', 'shop', 'charts/shop', '--namespace', 'shop', '--kubeconfig', '/k/config', '--create-namespace', '--values', 'prod.yaml', '--set-string', 'image.tag=1.4.2', '--set', 'replicas=3', '--wait', '--timeout', '5m', '--dry-run=server']);
    const back = helmInput.parse({ action: 'rollback', release: 'shop', revision: 3, wait: false });
    expect(helmArgs(back, false)).toEqual(['rollback', 'shop', '3', '--namespace', 'default']);
    expect(() => helmInput.parse({ release: 'shop' })).toThrow(/chart is required for upgrade/);
  });
});
