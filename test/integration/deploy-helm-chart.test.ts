import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO } from '../support/cli.js';
import { helmLint, renderChart, type K8sObject, type RenderedChart } from '../support/helm.js';
import { kubernetesSchemaProblems } from '../support/k8s-schema.js';
import { consistencyProblems, podTemplates, selects, type ConsistencyOptions } from '../support/k8s-consistency.js';

// deploy/helm/patrol rendered with several value sets; every object is checked against the
// Kubernetes schemas and the objects against each other. Rendering uses `helm template` when
// helm is installed and test/support/helm-render otherwise (see test/support/helm.ts).

async function validated(values: Record<string, unknown>, opts: ConsistencyOptions = {}): Promise<RenderedChart & { objects: { source: string; object: K8sObject }[] }> {
  const r = await renderChart({ values });
  const problems: string[] = [];
  for (const { source, object } of r.objects) for (const p of await kubernetesSchemaProblems(object)) problems.push(`${source} ${object.kind}/${object.metadata?.name}: ${p}`);
  problems.push(...consistencyProblems(r.objects.map((o) => o.object), opts));
  expect(problems).toEqual([]);
  const lint = await helmLint(values);
  if (lint) expect(lint).toMatchObject({ ok: true });
  return r;
}

const find = (r: RenderedChart, kind: string, name: string) => r.objects.map((o) => o.object).find((o) => o.kind === kind && o.metadata.name === name);
const kinds = (r: RenderedChart) => r.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).sort();

interface Container {
  name: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  readinessProbe: { httpGet: { path: string; port: string } };
}
const container = (r: RenderedChart, deployment: string): Container => (find(r, 'Deployment', deployment)!.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
const env = (c: Container, name: string) => c.env.find((e) => e.name === name);

test('default values: server, workers, bundled PostgreSQL and Redis, inspector RBAC, PDBs; all schema-valid', async () => {
  const r = await validated({});
  expect(kinds(r)).toEqual(
    [
      'ClusterRole/patrol-inspector',
      'ClusterRoleBinding/patrol-inspector',
      'Deployment/patrol-server',
      'Deployment/patrol-worker',
      'PodDisruptionBudget/patrol-server',
      'PodDisruptionBudget/patrol-worker',
      'Secret/patrol-postgresql',
      'Secret/patrol-redis',
      'Secret/patrol-secrets',
      'Service/patrol',
      'Service/patrol-postgresql',
      'Service/patrol-redis',
      'ServiceAccount/patrol',
      'StatefulSet/patrol-postgresql',
      'StatefulSet/patrol-redis',
    ].sort(),
  );
  const server = container(r, 'patrol-server');
  expect(server.args.slice(0, 2)).toEqual(['serve', '--listen=0.0.0.0:8080']);
  expect(server.readinessProbe.httpGet).toEqual({ path: '/readyz?exclude=workers', port: 'http' });
  expect(env(server, 'DATABASE_URL')?.value).toBe('postgres://patrol@patrol-postgresql:5432/patrol');
  expect(env(server, 'PGPASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'patrol-postgresql', key: 'password' });
  expect(env(server, 'REDIS_URL')?.value).toBe('redis://:$(REDIS_PASSWORD)@patrol-redis:6379/0');
  const worker = container(r, 'patrol-worker');
  expect(worker.args).toEqual(['worker', '--concurrency=8', '--health-listen=0.0.0.0:8081']);
  // The generated key is one Patrol accepts: 32 bytes, base64.
  const secret = find(r, 'Secret', 'patrol-secrets') as K8sObject & { data: Record<string, string> };
  expect(Buffer.from(Buffer.from(secret.data['secret-key']!, 'base64').toString(), 'base64')).toHaveLength(32);
  expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
  // The worker PDB selects exactly the worker pods.
  const pods = podTemplates(r.objects.map((o) => o.object));
  for (const component of ['server', 'worker']) {
    const pdb = find(r, 'PodDisruptionBudget', `patrol-${component}`)!;
    const selected = pods.filter((p) => selects((pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, p.labels)).map((p) => p.owner);
    expect(selected).toEqual([`Deployment/patrol-${component}`]);
  }
  // Redis runs with the eviction policy BullMQ needs.
  const redisArgs = (find(r, 'StatefulSet', 'patrol-redis')!.spec as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers[0]!.args;
  expect(redisArgs.join(' ')).toContain('--maxmemory-policy noeviction');
  if (r.tool === 'helm-render') {
    expect(r.notes).toContain('kubectl -n patrol port-forward svc/patrol 8080:80');
    expect(r.notes).toContain("get secret patrol-secrets -o jsonpath='{.data.admin-password}'");
  }
});

test('the inspector ClusterRole is the one in deploy/rbac, rule for rule', async () => {
  const file = readFileSync(join(REPO, 'deploy', 'rbac', 'patrol-inspector-clusterrole.yaml'), 'utf8');
  const roles = parseAllDocuments(file).map((d) => d.toJS() as K8sObject & { rules: unknown[] }).filter((o) => o?.kind === 'ClusterRole');
  const r = await validated({ rbac: { inspector: { kubeletConfig: true } } });
  expect((find(r, 'ClusterRole', 'patrol-inspector') as unknown as { rules: unknown[] }).rules).toEqual(roles.find((x) => x.metadata.name === 'patrol-inspector')!.rules);
  expect((find(r, 'ClusterRole', 'patrol-inspector-kubelet-config') as unknown as { rules: unknown[] }).rules).toEqual(roles.find((x) => x.metadata.name === 'patrol-inspector-kubelet-config')!.rules);
  // create=false binds the ClusterRole applied from deploy/rbac instead of creating one.
  const bound = await validated({ rbac: { inspector: { create: false } } }, { externalClusterRoles: ['patrol-inspector'] });
  expect(kinds(bound).filter((k) => k.startsWith('ClusterRole'))).toEqual(['ClusterRoleBinding/patrol-inspector']);
  expect((find(bound, 'ClusterRoleBinding', 'patrol-inspector') as unknown as { roleRef: { name: string } }).roleRef.name).toBe('patrol-inspector');
});

test('external PostgreSQL and Redis from Secrets: no bundled database objects, URLs from the Secrets', async () => {
  const r = await validated(
    {
      postgresql: { enabled: false },
      redis: { enabled: false },
      externalDatabase: { existingSecret: 'patrol-db', existingSecretKey: 'url' },
      externalRedis: { url: 'rediss://redis.internal:6380/2', passwordSecret: 'patrol-redis-auth', queuePrefix: 'patrol-prod' },
      secretKey: { existingSecret: 'patrol-key', existingSecretKey: 'key' },
      admin: { existingSecret: 'patrol-admin' },
    },
    { externalSecrets: ['patrol-db', 'patrol-redis-auth', 'patrol-key', 'patrol-admin'] },
  );
  expect(kinds(r).filter((k) => /postgresql|redis/.test(k))).toEqual([]);
  // Both the key and the admin password are the user's: the chart writes no Secret at all.
  expect(kinds(r).filter((k) => k.startsWith('Secret/'))).toEqual([]);
  const worker = container(r, 'patrol-worker');
  expect(env(worker, 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'patrol-db', key: 'url' });
  expect(env(worker, 'PGPASSWORD')).toBeUndefined();
  expect(env(worker, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'patrol-redis-auth', key: 'password' });
  expect(env(worker, 'REDIS_URL')?.value).toBe('rediss://:$(REDIS_PASSWORD)@redis.internal:6380/2');
  expect(env(worker, 'PATROL_QUEUE_PREFIX')?.value).toBe('patrol-prod');
  const volumes = (find(r, 'Deployment', 'patrol-server')!.spec as { template: { spec: { volumes: { name: string; secret?: { secretName: string; items: { key: string }[] } }[] } } }).template.spec.volumes;
  expect(volumes.find((v) => v.name === 'secrets')?.secret).toMatchObject({ secretName: 'patrol-key', items: [{ key: 'key' }] });
});

test('ingress with TLS, network policies, a PatrolConfig and fewer servers', async () => {
  const r = await validated({
    ingress: { enabled: true, className: 'nginx', host: 'patrol.bank.internal', tls: [{ secretName: 'patrol-tls', hosts: ['patrol.bank.internal'] }] },
    networkPolicy: { enabled: true },
    server: { replicas: 1 },
    worker: { replicas: 5, types: 'ansible,ssh' },
    config: { publicUrl: 'https://patrol.bank.internal', trustProxy: 1, patrolConfig: { apiVersion: 'patrol.dev/v1', kind: 'PatrolConfig', baseUrl: 'https://patrol.bank.internal' } },
  });
  expect(kinds(r)).toEqual(expect.arrayContaining(['Ingress/patrol', 'ConfigMap/patrol-config', 'NetworkPolicy/patrol-server', 'NetworkPolicy/patrol-worker', 'NetworkPolicy/patrol-postgresql', 'NetworkPolicy/patrol-redis']));
  // One server: a PDB would block every node drain.
  expect(find(r, 'PodDisruptionBudget', 'patrol-server')).toBeUndefined();
  expect(find(r, 'PodDisruptionBudget', 'patrol-worker')).toBeDefined();
  expect(container(r, 'patrol-worker').args).toContain('--types=ansible,ssh');
  expect(env(container(r, 'patrol-server'), 'PATROL_TRUST_PROXY')?.value).toBe('1');
  expect(env(container(r, 'patrol-server'), 'PATROL_CONFIG')?.value).toBe('/etc/patrol/config/config.yaml');
  const config = find(r, 'ConfigMap', 'patrol-config') as K8sObject & { data: Record<string, string> };
  expect(config.data['config.yaml']).toContain('kind: PatrolConfig');
  // The database accepts connections from Patrol's pods only.
  const pods = podTemplates(r.objects.map((o) => o.object));
  const from = ((find(r, 'NetworkPolicy', 'patrol-postgresql')!.spec as { ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[] }[] }).ingress[0]!.from[0]!.podSelector.matchLabels);
  expect(pods.filter((p) => selects(from, p.labels)).map((p) => p.owner).sort()).toEqual(['Deployment/patrol-server', 'Deployment/patrol-worker']);
});

test('the deploy role is opt-in: per-namespace Roles or one ClusterRole, bound to the workers account', async () => {
  const perNamespace = await validated({ rbac: { deploy: { enabled: true, namespaces: ['apps', 'team-b'] } } });
  const roles = perNamespace.objects.map((o) => o.object).filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding');
  expect(roles.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual(['Role/apps/patrol-deployer', 'Role/team-b/patrol-deployer', 'RoleBinding/apps/patrol-deployer', 'RoleBinding/team-b/patrol-deployer']);
  const rules = (roles.find((o) => o.kind === 'Role') as unknown as { rules: { resources: string[]; verbs: string[] }[] }).rules;
  expect(rules.find((x) => x.resources.includes('deployments'))?.verbs).toEqual(expect.arrayContaining(['patch', 'create']));
  expect(rules.find((x) => x.resources.includes('pods/log'))?.verbs).toEqual(['get', 'list', 'watch']);

  const cluster = await validated({ rbac: { deploy: { enabled: true, scope: 'cluster', extraRules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'patch'] }] } } });
  expect(kinds(cluster)).toEqual(expect.arrayContaining(['ClusterRole/patrol-deployer', 'ClusterRoleBinding/patrol-deployer']));
  expect(JSON.stringify(find(cluster, 'ClusterRole', 'patrol-deployer'))).toContain('widgets');

  // Inspection-only installs grant no write verb anywhere.
  const defaults = await renderChart({});
  for (const o of defaults.objects.map((x) => x.object).filter((x) => x.kind === 'ClusterRole' || x.kind === 'Role')) {
    for (const rule of (o as unknown as { rules: { verbs: string[] }[] }).rules) expect(rule.verbs.filter((v) => !['get', 'list', 'watch'].includes(v))).toEqual([]);
  }
});

test('values.schema.json rejects typos and incomplete external settings; required values name themselves', async () => {
  await expect(renderChart({ values: { worker: { replica: 3 } } })).rejects.toThrow(/schema|replica/);
  await expect(renderChart({ values: { secretKey: { value: 'too-short' } } })).rejects.toThrow(/secretKey|value|pattern/i);
  await expect(renderChart({ values: { postgresql: { enabled: false } } })).rejects.toThrow(/externalDatabase/);
  await expect(renderChart({ values: { rbac: { deploy: { enabled: true } } } })).rejects.toThrow(/namespaces/);
  await expect(renderChart({ values: { redis: { auth: { password: 'has/slash@' } } } })).rejects.toThrow(/password|pattern/i);
});
