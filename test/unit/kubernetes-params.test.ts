import { kubernetesParams } from '../../src/remediation/kubernetes-params.js';
import type { Finding } from '../../src/findings/finding.js';

const finding = (target: string): Finding => ({ id: 'f1', runId: 'r1', step: 'cluster', check: 'k8s.pod.crashloop', category: 'cluster', target, severity: 'critical', message: 'crash', fingerprint: 'fp', createdAt: 0 });

test('a cluster inspection target CLUSTER/NAMESPACE/POD: namespace, workload per kind, and the context when the run listed it', () => {
  const source = { kubeconfig: '/etc/patrol/kubeconfig', contexts: ['prod', 'arn:aws:eks:eu-west-1:1234:cluster/shop'] };
  expect(kubernetesParams(finding('prod/shop/web-6d4b9f8c7d-m3n8x'), 'Deployment', source)).toEqual({ namespace: 'shop', workload: 'web', context: 'prod', kubeconfig: '/etc/patrol/kubeconfig' });
  expect(kubernetesParams(finding('arn:aws:eks:eu-west-1:1234:cluster/shop/db/postgres-main-0'), 'StatefulSet', source)).toMatchObject({ namespace: 'db', workload: 'postgres-main', context: 'arn:aws:eks:eu-west-1:1234:cluster/shop' });
  // The current context was inspected (no contexts): its name in the target is not passed as --context.
  expect(kubernetesParams(finding('test/default/agent-x2k4q'), 'DaemonSet', {})).toEqual({ namespace: 'default', workload: 'agent', context: '', kubeconfig: '' });
  expect(kubernetesParams(finding('default/web-5d9c7b-x2k4q'), 'Deployment', {})).toMatchObject({ namespace: 'default', workload: 'web', context: '' });
});

test('a target that names no pod fails saying what to pass, unless -p namespace and workload are given', () => {
  expect(() => kubernetesParams(finding('prod'), 'Deployment', {})).toThrow('target "prod" names no pod (CLUSTER/NAMESPACE/POD); pass -p namespace=NS -p workload=NAME');
  expect(kubernetesParams(finding('prod'), 'Deployment', { kubeconfig: '/k' }, { namespace: 'shop', workload: 'web' })).toEqual({ namespace: 'shop', workload: 'web', context: '', kubeconfig: '/k' });
});
