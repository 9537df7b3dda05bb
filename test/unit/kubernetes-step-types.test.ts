import { describe, expect, test } from '@jest/globals';
import { kubernetesDeployStepTypes } from '../../src/steps/kubernetes/index.js';
import { diffObjects, formatChange } from '../../src/kubernetes-deploy/object-diff.js';
import { rolloutStatus } from '../../src/kubernetes-deploy/rollout-status.js';

describe('Kubernetes deploy step types', () => {
  test('every example is valid input of its type', () => {
    const types = kubernetesDeployStepTypes();
    expect(types.map((t) => t.type).sort()).toEqual(['helm', 'k8s-apply', 'k8s-delete', 'k8s-job', 'k8s-rollback', 'k8s-verify', 'k8s-wait']);
    for (const t of types) {
      expect(t.examples.length).toBeGreaterThan(0);
      for (const ex of t.examples) expect([t.type, ex.description, t.input.safeParse(ex.with).success]).toEqual([t.type, ex.description, true]);
    }
  });

  test('the diff leaves out status and server metadata and names each changed field', () => {
    const live = { metadata: { name: 'web', resourceVersion: '7', managedFields: [{}], labels: { a: '1' } }, spec: { replicas: 2, ports: [80] }, status: { ready: 2 } };
    const next = { metadata: { name: 'web', resourceVersion: '8', labels: { b: '2' } }, spec: { replicas: 3, ports: [80, 443] }, status: { ready: 0 } };
    expect(diffObjects(live, next).map(formatChange)).toEqual(['- metadata.labels.a: "1"', '+ metadata.labels.b: "2"', '~ spec.replicas: 2 -> 3', '+ spec.ports[1]: 443']);
  });

  test('rollout status in kubectl\'s words', () => {
    const dep = (status: Record<string, unknown>, generation = 2) => ({ metadata: { name: 'web', generation }, spec: { replicas: 3 }, status: { observedGeneration: 2, ...status } });
    expect(rolloutStatus('Deployment', dep({}, 3))).toEqual({ done: false, message: 'waiting for Deployment "web" spec update to be observed' });
    expect(rolloutStatus('Deployment', dep({ updatedReplicas: 1, replicas: 3 }))!.message).toBe('1 out of 3 new replicas have been updated');
    expect(rolloutStatus('Deployment', dep({ updatedReplicas: 3, replicas: 3, availableReplicas: 2 }))!.message).toBe('2 of 3 updated replicas are available');
    expect(rolloutStatus('Deployment', dep({ updatedReplicas: 3, replicas: 3, availableReplicas: 3 }))!.done).toBe(true);
    expect(rolloutStatus('Deployment', dep({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' }] }))!.failed).toBe('Deployment "web" exceeded its progress deadline: ReplicaSet "web-1" has timed out progressing.');
    expect(rolloutStatus('ConfigMap', { metadata: {} })).toBeUndefined();
  });
});
