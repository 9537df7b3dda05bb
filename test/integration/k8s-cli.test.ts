import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patrol } from '../support/cli.js';
import { KubeApiServer } from '../support/k8s-api-server/server.js';
import { writeKubeconfig } from '../support/k8s-api-server/kubeconfig.js';
import { fixtureObjects } from '../support/k8s-fixtures.js';

// `patrol inspect cluster` and `patrol inspect all` from the built CLI (npm run build first),
// against the test API server serving the "problems" fixture cluster over HTTPS.

interface InspectionJson {
  kind: string;
  status: string;
  counts: { byCategory: Record<string, Record<string, number>> };
  findings: { check: string; target: string; severity: string; category: string; message: string }[];
}

let dir: string;
let server: KubeApiServer;
let kubeconfig: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8s-cli-'));
  server = await KubeApiServer.start({ objects: fixtureObjects('problems') });
  kubeconfig = server.writeKubeconfig({ name: 'prod', file: join(dir, 'kubeconfig.yaml') });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const home = () => mkdtempSync(join(dir, 'home-'));
const parse = (stdout: string) => JSON.parse(stdout) as InspectionJson;

it('inspect cluster: progress, summary and exit 1 on critical findings', async () => {
  const r = await patrol(['inspect', 'cluster', '--kubeconfig', kubeconfig, '--context', 'prod'], { home: home() });
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toMatch(/prod: \d+\/15 kinds listed, \d+ objects scanned/);
  expect(r.stdout).toMatch(/Inspection prod-cluster/);
  expect(r.stdout).toMatch(/CRITICAL\s+k8s\.pod\.crashloop\s+prod\/shop\/web-6d4b9f8c7d-m3n8x/);
});

it('inspect cluster --json: the findings of the cluster, exit 0 with --fail-on never', async () => {
  const r = await patrol(['inspect', 'cluster', '--kubeconfig', kubeconfig, '--json', '--fail-on', 'never'], { home: home() });
  expect(r.exitCode).toBe(0);
  const j = parse(r.stdout);
  expect(j).toMatchObject({ kind: 'cluster', status: 'succeeded' });
  expect(Object.keys(j.counts.byCategory)).toEqual(['cluster']);
  expect(j.findings.find((f) => f.check === 'k8s.pod.image_pull' && f.target === 'prod/shop/api-7d9f8b6c5d-x2k9p')).toMatchObject({ severity: 'critical', category: 'cluster' });
  expect(j.findings.filter((f) => f.severity === 'error')).toEqual([]);
});

it('inspect all includes the cluster when a kubeconfig is given', async () => {
  const r = await patrol(['inspect', 'all', '--kubeconfig', kubeconfig, '--json', '--fail-on', 'never'], { home: home() });
  expect(r.exitCode).toBe(0);
  const j = parse(r.stdout);
  expect(j.kind).toBe('all');
  expect(j.findings.some((f) => f.check === 'k8s.node.ready' && f.target === 'prod/node/worker-2' && f.severity === 'critical')).toBe(true);
});

it('an unknown context is bad input: exit 2 naming the contexts there are', async () => {
  const r = await patrol(['inspect', 'cluster', '--kubeconfig', kubeconfig, '--context', 'staging'], { home: home() });
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toContain(`context "staging" is not in kubeconfig ${kubeconfig} (contexts: prod)`);
});

it('a rejected token: the checks are errors with the reason, and the run says so', async () => {
  const bad = writeKubeconfig(join(dir, 'bad.yaml'), [server.context({ name: 'prod', token: 'revoked-token' })]);
  const r = await patrol(['inspect', 'cluster', '--kubeconfig', bad, '--json'], { home: home() });
  expect(r.exitCode).toBe(1);
  const j = parse(r.stdout);
  expect(j.findings.find((f) => f.check === 'k8s.api.reachable')).toMatchObject({ severity: 'error', message: expect.stringContaining('unauthorized (401)') });
});
