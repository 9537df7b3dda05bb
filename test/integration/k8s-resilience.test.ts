import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FindingInput } from '../../src/findings/finding.js';
import { defaultInspectionConfig, type InspectionConfig } from '../../src/inspections/config/inspection-config.js';
import { clusterChecks } from '../../src/kubernetes/checks/index.js';
import { inspectCluster, type ClusterInspectionOptions } from '../../src/kubernetes/inspect/cluster-inspection.js';
import type { ClusterSpec } from '../../src/kubernetes/client/connection.js';
import { KubeApiServer } from '../support/k8s-api-server/server.js';
import { generateCluster } from '../support/k8s-api-server/generator/cluster.js';
import { writeKubeconfig } from '../support/k8s-api-server/kubeconfig.js';
import { rulesFromYaml } from '../support/k8s-api-server/rbac.js';
import { REPO } from '../support/cli.js';
import { fixtureObjects, FIXTURE_NOW } from '../support/k8s-fixtures.js';
import { createHarness, type Harness } from '../support/engine-harness.js';

// How the inspection behaves when the API server does what real ones do at scale or in trouble:
// many pages, continue tokens expiring (410 Gone), RBAC denials, an unreachable or slow server,
// rejected credentials, throttling (429 + Retry-After). Real client library, real HTTPS server.

const CLUSTER = generateCluster({ nodes: 40, pods: 4000, events: 1500, seed: 7 });
const config: InspectionConfig = defaultInspectionConfig('k8s-resilience');
let dir: string;
let gen: KubeApiServer;
let fixtures: KubeApiServer;

const run = (spec: ClusterSpec, opts: Partial<ClusterInspectionOptions> = {}) => inspectCluster(spec, { config, checks: clusterChecks, ...opts });
const errors = (fs: FindingInput[]) => fs.filter((f) => f.severity === 'error');
const podRequests = (s: KubeApiServer) => s.requests.filter((r) => r.path === '/api/v1/pods');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8s-resilience-'));
  gen = await KubeApiServer.start({ sources: CLUSTER.sources, configz: CLUSTER.configz });
  fixtures = await KubeApiServer.start({ objects: fixtureObjects('problems') });
});

afterAll(async () => {
  await gen?.stop();
  await fixtures?.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  gen.faults = {};
  gen.requests.length = 0;
  fixtures.faults = {};
  fixtures.requests.length = 0;
});

describe('pagination', () => {
  it('lists every object exactly once across many pages, page by page', async () => {
    const progress: number[] = [];
    const r = await run({ kubeconfig: gen.writeKubeconfig() }, { pageSize: 50, progressEveryMs: 0, progress: (p) => progress.push(p.kinds.pods?.objects ?? 0) });
    expect(r.kinds.pods).toMatchObject({ objects: 4000, pages: 80, restarts: 0, inconsistent: false });
    expect(r.kinds.events!.objects).toBeGreaterThan(100);
    const reqs = podRequests(gen);
    expect(reqs).toHaveLength(80);
    expect(reqs.every((q) => q.query.limit === '50')).toBe(true);
    expect(reqs.filter((q) => q.query.continue)).toHaveLength(79);
    expect(new Set(reqs.map((q) => q.query.continue)).size).toBe(80);
    // Events are listed with the Warning field selector, as kubectl --field-selector does.
    expect(gen.requests.filter((q) => q.path === '/api/v1/events').every((q) => q.query.fieldSelector === 'type=Warning')).toBe(true);
    expect(r.findings.find((f) => f.check === 'k8s.pod.crashloop' && f.target === 'test')!.details).toMatchObject({ checked: 4000 });
    expect(errors(r.findings)).toEqual([]);
    // Progress moved as pages arrived.
    expect(new Set(progress).size).toBeGreaterThan(10);
  });

  it('recovers from an expired continue token with the fresh token of the 410', async () => {
    gen.faults = { expireContinue: { afterPages: 3, times: 1, match: (q) => q.path === '/api/v1/pods' } };
    const logs: string[] = [];
    const r = await run({ kubeconfig: gen.writeKubeconfig() }, { pageSize: 100, log: (_l, m) => logs.push(m) });
    expect(r.kinds.pods).toMatchObject({ objects: 4000, restarts: 0, inconsistent: true });
    expect(podRequests(gen).filter((q) => q.status === 410)).toHaveLength(1);
    expect(logs.some((l) => /listing pods: continue token expired \(410 Gone\); continuing with the fresh token/.test(l))).toBe(true);
    expect(errors(r.findings)).toEqual([]);
  });

  it('restarts the list with a fresh resourceVersion when the 410 has no token, without counting twice', async () => {
    gen.faults = { expireContinue: { afterPages: 5, times: 1, withFreshToken: false, match: (q) => q.path === '/api/v1/pods' } };
    const r = await run({ kubeconfig: gen.writeKubeconfig() }, { pageSize: 100 });
    expect(r.kinds.pods).toMatchObject({ objects: 4000, restarts: 1 });
    expect(r.kinds.pods!.duplicates).toBeGreaterThanOrEqual(400);
    const restart = podRequests(gen).findIndex((q) => q.status === 410);
    expect(podRequests(gen)[restart + 1]!.query.continue).toBeUndefined();
    expect(r.findings.find((f) => f.check === 'k8s.pod.restarts' && f.target === 'test')!.details).toMatchObject({ checked: 4000 });
  });

  it('requests a page again when its body is cut off mid-stream, without counting twice', async () => {
    gen.faults = { cutBody: { match: (q) => q.path === '/api/v1/pods' && q.query.has('continue'), times: 2 } };
    const logs: string[] = [];
    const r = await run({ kubeconfig: gen.writeKubeconfig() }, { pageSize: 200, log: (_l, m) => logs.push(m) });
    // Objects of the cut page that were visited before the cut come again and are skipped
    // (how many depends on where the gzip stream broke): 4000 means none was counted twice.
    expect(r.kinds.pods).toMatchObject({ objects: 4000, restarts: 0 });
    expect(logs.filter((l) => /listing pods: page cut off \(.*\); requesting it again after /.test(l))).toHaveLength(2);
    expect(errors(r.findings)).toEqual([]);
  });

  it('gives up with an error when every continue token expires (compaction faster than the list)', async () => {
    gen.faults = { expireContinue: { afterPages: 1, times: 100, withFreshToken: false, match: (q) => q.path === '/api/v1/pods' } };
    const r = await run({ kubeconfig: gen.writeKubeconfig() }, { pageSize: 500 });
    const crash = r.findings.filter((f) => f.check === 'k8s.pod.crashloop');
    expect(crash).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringContaining('the continue token expired 4 times (410 Gone)') })]);
    expect(r.findings.find((f) => f.check === 'k8s.node.ready' && f.target === 'test')!.severity).not.toBe('error');
  });
});

describe('RBAC', () => {
  const role = rulesFromYaml(join(REPO, 'deploy/rbac/patrol-inspector-clusterrole.yaml'), 'patrol-inspector');

  it('the shipped ClusterRole is enough for every check', async () => {
    fixtures.addToken('inspector-token', { user: 'system:serviceaccount:patrol:patrol-inspector', groups: ['system:serviceaccounts'], rules: role });
    const r = await run({ kubeconfig: writeKubeconfig(join(dir, 'inspector.yaml'), [fixtures.context({ name: 'prod', token: 'inspector-token' })]) }, { now: FIXTURE_NOW });
    expect(errors(r.findings)).toEqual([]);
    expect(fixtures.requests.filter((q) => q.status === 403).map((q) => q.path)).toEqual(['/api/v1/nodes/cp-1/proxy/configz']);
    // Without nodes/proxy, policies come from labels only, and the summary says configz was forbidden.
    expect(r.findings.find((f) => f.check === 'k8s.node.cpu_manager_policy' && f.target === 'prod')!.details).toMatchObject({ configz: { forbidden: expect.stringContaining('cannot get resource "nodes/proxy"') } });
  });

  it('a forbidden kind makes the checks that need it error with the reason; the others run', async () => {
    const noSecrets = role.map((r) => (r.resources?.includes('secrets') ? { ...r, resources: r.resources.filter((x) => x !== 'secrets') } : r));
    const noEvents = noSecrets.map((r) => (r.resources?.includes('events') ? { ...r, resources: r.resources.filter((x) => x !== 'events') } : r));
    fixtures.addToken('narrow-token', { user: 'system:serviceaccount:ops:narrow', rules: noEvents });
    const r = await run({ kubeconfig: writeKubeconfig(join(dir, 'narrow.yaml'), [fixtures.context({ name: 'prod', token: 'narrow-token' })]) }, { now: FIXTURE_NOW });
    const errs = errors(r.findings);
    expect(errs.map((f) => f.check).sort()).toEqual(['k8s.cert.tls_secret', 'k8s.events.warnings']);
    expect(errs.find((f) => f.check === 'k8s.cert.tls_secret')!.message).toContain('cannot list secrets (forbidden (RBAC): secrets is forbidden: User "system:serviceaccount:ops:narrow" cannot list resource "secrets" in API group "" at the cluster scope; grant it in the ClusterRole');
    expect(errs[0]!.evidence?.command).toMatch(/kubectl --context prod get (secrets|events) -A/);
    // k8s.pod.pending uses events when it may: it still judges, from the pods' conditions.
    const pending = r.findings.filter((f) => f.check === 'k8s.pod.pending');
    expect(pending.find((f) => f.target === 'prod/ml/trainer-0')!.severity).toBe('critical');
    expect(pending.find((f) => f.target === 'prod')!.message).toContain('events not readable');
    expect(r.findings.filter((f) => f.check === 'k8s.pod.crashloop' && f.severity === 'critical')).toHaveLength(3);
  });
});

describe('an API server in trouble', () => {
  it('unreachable: every check is an error with the reason, quickly', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const kc = writeKubeconfig(join(dir, 'down.yaml'), [{ ...fixtures.context({ name: 'down' }), server: `https://127.0.0.1:${port}` }]);
    const t = Date.now();
    const r = await run({ kubeconfig: kc });
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(r.error).toMatch(/unreachable: ECONNREFUSED/);
    expect(r.findings).toHaveLength(clusterChecks.length);
    expect(r.findings.every((f) => f.severity === 'error' && f.category === 'cluster' && f.target === 'down')).toBe(true);
    expect(r.findings.find((f) => f.check === 'k8s.api.reachable')!.message).toMatch(/^API server 127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED/);
    expect(r.findings.find((f) => f.check === 'k8s.pod.crashloop')!.message).toMatch(/^Pods in CrashLoopBackOff: not checked: API server .* is unreachable/);
  });

  it('a rejected token (401): every check is an error saying so', async () => {
    const r = await run({ kubeconfig: writeKubeconfig(join(dir, 'bad.yaml'), [fixtures.context({ name: 'prod', token: 'expired-token' })]) });
    expect(r.findings.filter((f) => f.severity !== 'error').map((f) => f.check)).toEqual(['k8s.cert.apiserver']);
    expect(r.findings.find((f) => f.check === 'k8s.api.reachable')!.message).toBe('unauthorized (401): the API server rejected the credentials: Unauthorized');
    expect(fixtures.requests.filter((q) => q.status === 401).length).toBeGreaterThan(0);
    expect(fixtures.requests.filter((q) => q.path.startsWith('/api/v1/') || q.path.startsWith('/apis/'))).toEqual([]);
  });

  it('a server that stops answering: timeouts become error findings within bounded time', async () => {
    fixtures.faults = { hang: () => true };
    const t = Date.now();
    const r = await run({ kubeconfig: fixtures.writeKubeconfig({ name: 'prod' }) }, { timeoutMs: 700 });
    expect(Date.now() - t).toBeLessThan(8000);
    expect(r.findings.find((f) => f.check === 'k8s.api.reachable')!.message).toMatch(/\/version: no answer from 127\.0\.0\.1:\d+ within 0\.7 s/);
    expect(r.findings.filter((f) => f.check !== 'k8s.cert.apiserver').every((f) => f.severity === 'error')).toBe(true);
  });

  it('one slow kind: only the checks that need it time out', async () => {
    fixtures.faults = { delayMs: (q) => (q.path === '/apis/batch/v1/cronjobs' ? 3000 : 0) };
    const t = Date.now();
    const r = await run({ kubeconfig: fixtures.writeKubeconfig({ name: 'prod' }) }, { timeoutMs: 800, now: FIXTURE_NOW });
    expect(Date.now() - t).toBeLessThan(8000);
    expect(errors(r.findings).map((f) => f.check).sort()).toEqual(['k8s.cronjob.missed', 'k8s.cronjob.suspended']);
    expect(errors(r.findings)[0]!.message).toMatch(/cannot list cronjobs \(\/apis\/batch\/v1\/cronjobs: no answer from .* within 0\.8 s\)/);
  });

  it('honours 429 Too Many Requests and Retry-After', async () => {
    fixtures.faults = { throttle: { match: (q) => q.path === '/api/v1/pods', times: 2, retryAfterSeconds: 1 } };
    const logs: string[] = [];
    const t = Date.now();
    const r = await run({ kubeconfig: fixtures.writeKubeconfig({ name: 'prod' }) }, { now: FIXTURE_NOW, log: (_l, m) => logs.push(m) });
    expect(Date.now() - t).toBeGreaterThanOrEqual(2000);
    expect(r.throttled).toBe(2);
    expect(errors(r.findings)).toEqual([]);
    const pods = podRequests(fixtures);
    expect(pods.map((q) => q.status)).toEqual([429, 429, 200]);
    expect(pods[2]!.at - pods[0]!.at).toBeGreaterThanOrEqual(1950);
    expect(logs.filter((l) => /\/api\/v1\/pods: HTTP 429, retry \d in 1000 ms/.test(l))).toHaveLength(2);
  });

  it('retries 503s with back-off and reports a kind that keeps failing', async () => {
    fixtures.faults = { errors: [{ match: (q) => q.path === '/apis/apps/v1/daemonsets', status: 503, times: 2 }, { match: (q) => q.path === '/api/v1/resourcequotas', status: 500, times: 99 }] };
    const r = await run({ kubeconfig: fixtures.writeKubeconfig({ name: 'prod' }) }, { now: FIXTURE_NOW, maxRetries: 2 });
    expect(errors(r.findings).map((f) => f.check)).toEqual(['k8s.quota.usage']);
    expect(errors(r.findings)[0]!.message).toContain('Internal error occurred: etcdserver: request timed out');
    expect(r.kinds.daemonsets!.error).toBeUndefined();
  });
});

describe('connections', () => {
  it('authenticates with a client certificate (kubeadm admin.conf)', async () => {
    const pem = fixtures.clientCertificate('kubernetes-admin', ['kubeadm:cluster-admins', 'system:masters']);
    const r = await run({ kubeconfig: writeKubeconfig(join(dir, 'admin.conf'), [fixtures.context({ name: 'kubernetes-admin@prod', clientCert: pem })]) }, { now: FIXTURE_NOW });
    expect(errors(r.findings)).toEqual([]);
    expect(r.cluster).toBe('kubernetes-admin@prod');
    expect(fixtures.requests.every((q) => q.user === 'kubernetes-admin')).toBe(true);
  });

  it('uses the in-cluster service account', async () => {
    const root = join(dir, 'pod-root');
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'ca.crt'), fixtures.ca.cert);
    writeFileSync(join(sa, 'namespace'), 'patrol');
    fixtures.addToken('sa-token', { user: 'system:serviceaccount:patrol:patrol-inspector' });
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = String(fixtures.port);
    try {
      const r = await run({ inCluster: true, serviceAccountRoot: root }, { now: FIXTURE_NOW });
      expect(r.cluster).toBe('in-cluster');
      expect(errors(r.findings)).toEqual([]);
      expect(fixtures.requests.every((q) => q.user === 'system:serviceaccount:patrol:patrol-inspector')).toBe(true);
    } finally {
      process.env.KUBERNETES_SERVICE_HOST = saved.host;
      process.env.KUBERNETES_SERVICE_PORT = saved.port;
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    }
  });

  it('a kubeconfig problem is an error finding for that cluster, not a crash', async () => {
    const r = await run({ kubeconfig: fixtures.writeKubeconfig({ name: 'prod' }), context: 'staging' });
    expect(r.error).toMatch(/context "staging" is not in kubeconfig .* \(contexts: prod\)/);
    expect(r.findings.every((f) => f.severity === 'error')).toBe(true);
  });

  it('reads the API server certificate in the TLS handshake', async () => {
    const short = await KubeApiServer.start({ objects: [], servingCert: { days: 3 } });
    try {
      const r = await run({ kubeconfig: short.writeKubeconfig({ name: 'edge' }) });
      const cert = r.findings.find((f) => f.check === 'k8s.cert.apiserver')!;
      expect(cert).toMatchObject({ target: 'edge/apiserver', severity: 'critical', unit: 'days' });
      expect(cert.value).toBeGreaterThan(2.9);
      expect(cert.message).toMatch(/^expires in 3 days .*subject CN=kube-apiserver, issuer CN=kubernetes$/);
    } finally {
      await short.stop();
    }
  });
});

describe('the inspect-cluster step', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('inspects several clusters in one run and reports their findings; a down cluster does not fail the run', async () => {
    const kc = writeKubeconfig(join(dir, 'two.yaml'), [fixtures.context({ name: 'prod' }), { ...fixtures.context({ name: 'dr' }), server: 'https://127.0.0.1:1' }]);
    const wf = h.workflow(`apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: k8s }
spec:
  steps:
    - name: clusters
      type: inspect-cluster
      with: { kubeconfig: "${kc}", contexts: [prod, dr], pageSize: 100, parallelClusters: 2 }
`);
    const { id } = await h.engine.trigger(wf);
    let status = '';
    for (let i = 0; i < 300 && !['succeeded', 'failed'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await h.store.runs.getRun(id))!.status;
    }
    expect(status).toBe('succeeded');
    const step = await h.store.runs.getStep(id, 'clusters');
    expect(step!.outputs).toMatchObject({ kind: 'cluster', clusters: 2, unreachable: 1, targets: 2 });
    const findings = await h.store.findings.listByRun(id);
    expect(new Set(findings.map((f) => f.host))).toEqual(new Set(['prod', 'dr']));
    expect(findings.filter((f) => f.host === 'dr').every((f) => f.severity === 'error')).toBe(true);
    expect(findings.every((f) => f.category === 'cluster')).toBe(true);
  });
});
