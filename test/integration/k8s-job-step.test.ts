import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { SimulatedCluster, simNamespace, simNode } from '../support/k8s-api-server/simulation.js';
import { runStep } from '../support/k8s-deploy.js';

let sim: SimulatedCluster;
let h: Harness;
let kubeconfig: string;

beforeAll(async () => {
  sim = await SimulatedCluster.start({ nodes: [simNode('cpu-1'), simNode('gpu-1', { gpu: 1 })], tickMs: 10 });
  sim.image('registry.local/ai-eval:ok', { exitCode: 0, runMs: 200, logs: ['loading model', 'suite nightly: 97.5% passed', 'done'] });
  sim.image('registry.local/ai-eval:oom', { exitCode: 137, reason: 'OOMKilled', runMs: 100, logs: ['allocating 80Gi'] });
  sim.image('registry.local/tool:exit3', { exitCode: 3, runMs: 50, logs: ['table users exists'] });
  sim.apply(simNamespace('quota-ns'));
  sim.apply({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'gpu-quota', namespace: 'quota-ns' }, spec: { hard: { 'requests.nvidia.com/gpu': '0' } } });
  kubeconfig = sim.server.writeKubeconfig();
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
  await sim?.stop();
});

const gpuJob = (image: string, gpus: number, extra: Record<string, unknown> = {}) => ({ kubeconfig, name: 'ai-eval', image, resources: { limits: { 'nvidia.com/gpu': gpus } }, interval: '50ms', ...extra });

describe('k8s-job', () => {
  test('a GPU job runs to completion and its pod log is streamed into the step log', async () => {
    const r = await runStep(h, 'k8s-job', gpuJob('registry.local/ai-eval:ok', 1, { capacityCheck: true }));
    expect(r.error).toBeNull();
    expect(r.run.status).toBe('succeeded');
    expect(r.outputs!.job).toMatch(/^ai-eval-\w{5}$/);
    expect(r.logText).toContain('node gpu-1: nvidia.com/gpu 1 free of 1');
    expect(r.logText).toMatch(/loading model\nsuite nightly: 97.5% passed\ndone/);
    expect(r.logText).toMatch(/Job "ai-eval-\w+" complete/);
  });

  test('asking for more GPUs than any node has: unschedulable with the scheduler\'s reason after the pending timeout', async () => {
    const r = await runStep(h, 'k8s-job', gpuJob('registry.local/ai-eval:ok', 2, { pendingTimeout: '400ms' }));
    expect(r.run.status).toBe('failed');
    expect(r.error?.code).toBe('unschedulable');
    expect(r.error?.message).toMatch(/is unschedulable: pending for .* \(pending timeout 400ms\): 0\/2 nodes are available: .*Insufficient nvidia\.com\/gpu/);
    expect(r.logText).toMatch(/is unschedulable: 0\/2 nodes are available/);
  });

  test('the capacity pre-check refuses to submit when no node has the GPUs', async () => {
    const jobsBefore = sim.list('batch/v1', 'Job', 'default').length;
    const r = await runStep(h, 'k8s-job', gpuJob('registry.local/ai-eval:ok', 4, { capacityCheck: true }));
    expect(r.error?.code).toBe('insufficient-capacity');
    expect(r.error?.message).toContain('no schedulable node has the free nvidia.com/gpu this Job requests (nvidia.com/gpu=4); not submitted');
    expect(sim.list('batch/v1', 'Job', 'default')).toHaveLength(jobsBefore);
  });

  test('OOMKilled and a non-zero exit code are failures with the reason and the code', async () => {
    const oom = await runStep(h, 'k8s-job', gpuJob('registry.local/ai-eval:oom', 1));
    expect(oom.error?.code).toBe('oom-killed');
    expect(oom.error?.message).toMatch(/failed: pod ai-eval-\w+-\w+ container ai-eval terminated: OOMKilled \(exit code 137\) \(Job "ai-eval-\w+" failed: BackoffLimitExceeded/);
    expect(oom.logText).toContain('allocating 80Gi');
    const exit = await runStep(h, 'k8s-job', { kubeconfig, name: 'migrate', image: 'registry.local/tool:exit3', interval: '50ms' });
    expect(exit.error?.code).toBe('job-failed');
    expect(exit.error?.message).toContain('terminated: Error (exit code 3)');
  });

  test('rejected by the platform: pods over quota (FailedCreate), a Job denied by admission, and a dry run', async () => {
    const quota = await runStep(h, 'k8s-job', gpuJob('registry.local/ai-eval:ok', 1, { namespace: 'quota-ns' }));
    expect(quota.error?.code).toBe('rejected-quota');
    expect(quota.error?.message).toMatch(/rejected by the platform: its pods cannot be created: pods "ai-eval-\w+-\w+" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com\/gpu=1, used: requests.nvidia.com\/gpu=0, limited: requests.nvidia.com\/gpu=0/);

    sim.webhooks.push({ webhook: 'no-latest.policy.example', match: (a) => a.res.kind === 'Job' && JSON.stringify(a.object).includes(':latest'), message: 'images must be pinned, not :latest' });
    const denied = await runStep(h, 'k8s-job', { kubeconfig, name: 'eval', image: 'registry.local/ai-eval:latest', interval: '50ms' });
    expect(denied.error?.code).toBe('rejected-admission');
    expect(denied.error?.message).toContain('rejected by the platform (admission): admission webhook "no-latest.policy.example" denied the request: images must be pinned, not :latest');
    const dryDenied = await runStep(h, 'k8s-job', { kubeconfig, name: 'eval', image: 'registry.local/ai-eval:latest' }, { dryRun: true });
    expect(dryDenied.error?.code).toBe('rejected-admission');
    const dry = await runStep(h, 'k8s-job', { kubeconfig, name: 'eval', image: 'registry.local/ai-eval:ok' }, { dryRun: true });
    expect(dry.outputs).toMatchObject({ dryRun: true });
    expect(sim.list('batch/v1', 'Job', 'default').some((j) => (j.metadata as { name: string }).name.startsWith('eval-'))).toBe(false);
  });
});
