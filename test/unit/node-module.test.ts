/**
 * The cluster-node collection module (playbooks/library/patrol_node.py) on real files and servers
 * the test builds: a kubeadm PKI directory and kubeconfigs with certificates made by openssl, etcd
 * snapshots saved by a real etcd with etcdctl, registry and Harbor endpoints served here, a Loki
 * config and data directory. Each section runs through the module's own `collect` (its time limit
 * and error envelope), its data is parsed with the schemas the checks read, and the checks judge it.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { callModuleAsync } from '../support/python-modules.js';
import { freePort } from '../support/local-servers.js';
import { makeCert, saveEtcdSnapshots } from '../support/node-fixtures.js';
import { CheckCatalog } from '../../src/inspections/check-catalog.js';
import { nodeChecks } from '../../src/inspections/checks/node/index.js';
import { evaluateChecks } from '../../src/inspections/evaluate-checks.js';
import { inspectionConfigSchema } from '../../src/inspections/config/inspection-config.js';
import { etcdBackupSection, nodeCertsSection, nodeLokiSection, nodeRegistrySection } from '../../src/inspections/collectors/node/node-sections.js';
import type { SectionEnvelope } from '../../src/inspections/measurement.js';
import type { FindingInput } from '../../src/findings/finding.js';

const DAY = 86_400_000;
const catalog = new CheckCatalog().register(...nodeChecks);
let work: string;
let server: Server;
let base: string;
let closedPort: number;

/** One section of the module through its own envelope: {ok, data, command, raw, durationMs} or {ok: false, error}. */
async function section(name: string, params: Record<string, unknown>, timeout = 20): Promise<SectionEnvelope & { data?: any }> {
  return callModuleAsync('patrol_node', '_mu.collect(m.SECTIONS[args[0]], args[1], args[2])', [name, params, timeout]);
}

/** The node checks' findings on the given sections of one node (spec.nodes as given). */
async function judge(sections: Record<string, SectionEnvelope>, nodes: Record<string, unknown> = {}): Promise<FindingInput[]> {
  const config = inspectionConfigSchema.parse({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 'module' }, spec: { nodes } });
  const findings = await evaluateChecks({ catalog, config, measurements: [{ collector: 'node', target: { name: 'n1', groups: [], attributes: { nodes: config.spec.nodes } }, sections }], history: { values: async () => [], last: async () => undefined }, now: Date.now() });
  return findings.filter((f) => nodeChecks.find((c) => c.id === f.check)!.source.section in sections);
}

const of = (fs: FindingInput[], check: string, target: string) => {
  const f = fs.find((x) => x.check === check && x.target === target);
  if (!f) throw new Error(`no ${check} finding for ${target}; have: ${fs.filter((x) => x.check === check).map((x) => `${x.target} (${x.severity}: ${x.message})`).join(', ') || 'none'}`);
  return f;
};

const b64 = (file: string) => readFileSync(file).toString('base64');
const kubeconfig = (user: string, auth: string, ca: string) =>
  `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: ${ca}\n    server: https://10.0.0.1:6443\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    user: ${user}\n  name: ${user}@kubernetes\ncurrent-context: ${user}@kubernetes\nusers:\n- name: ${user}\n  user:\n${auth}\n`;

beforeAll(async () => {
  work = mkdtempSync('/tmp/patrol-node-module-');

  // kubeadm PKI: certificates expiring in 300, 20 and 3 days (etcd/ included), a key that is skipped.
  const pki = join(work, 'kubernetes', 'pki');
  mkdirSync(join(pki, 'etcd'), { recursive: true });
  await makeCert(join(pki, 'ca.crt'), 'kubernetes', 3650);
  await makeCert(join(pki, 'apiserver.crt'), 'kube-apiserver', 300);
  await makeCert(join(pki, 'front-proxy-client.crt'), 'front-proxy-client', 20);
  await makeCert(join(pki, 'etcd', 'peer.crt'), 'cp-1', 3);
  // Kubeconfigs: admin.conf embeds a client certificate expiring in 20 days; kubelet.conf refers to
  // a file (as kubeadm writes it); scheduler.conf refers to a file that is not there.
  const ca = b64(join(pki, 'ca.crt'));
  const conf = join(work, 'kubernetes');
  await makeCert(join(work, 'admin.pem'), 'kubernetes-admin', 20);
  writeFileSync(join(conf, 'admin.conf'), kubeconfig('kubernetes-admin', `    client-certificate-data: ${b64(join(work, 'admin.pem'))}\n    client-key-data: ${b64(join(work, 'admin.key'))}`, ca));
  mkdirSync(join(work, 'kubelet-pki'));
  await makeCert(join(work, 'kubelet-pki', 'kubelet-client-current.pem'), 'system:node:cp-1', 300);
  writeFileSync(join(conf, 'kubelet.conf'), kubeconfig('system:node:cp-1', `    client-certificate: ${join(work, 'kubelet-pki', 'kubelet-client-current.pem')}\n    client-key: ${join(work, 'kubelet-pki', 'kubelet-client-current.pem')}`, ca));
  writeFileSync(join(conf, 'scheduler.conf'), kubeconfig('system:kube-scheduler', `    client-certificate: ${join(work, 'missing', 'scheduler.pem')}`, ca));

  // A snapshot saved by a real etcd with etcdctl (20 keys); etcd is stopped again right after.
  mkdirSync(join(work, 'fresh'));
  await saveEtcdSnapshots(work, [join(work, 'fresh', 'snapshot-new.db')]);
  const fresh = join(work, 'fresh', 'snapshot-new.db');
  const setAge = (f: string, days: number) => utimesSync(f, new Date(Date.now() - days * DAY), new Date(Date.now() - days * DAY));
  copyFileSync(fresh, join(work, 'fresh', 'snapshot-old.db'));
  setAge(join(work, 'fresh', 'snapshot-old.db'), 3);
  // Only an old snapshot (3 days: past twice the default 26h).
  mkdirSync(join(work, 'stale'));
  copyFileSync(fresh, join(work, 'stale', 'snapshot-old.db'));
  setAge(join(work, 'stale', 'snapshot-old.db'), 3);
  // Newest is garbage; an older good one (1 day).
  mkdirSync(join(work, 'corrupt'));
  copyFileSync(fresh, join(work, 'corrupt', 'snapshot-good.db'));
  setAge(join(work, 'corrupt', 'snapshot-good.db'), 1);
  writeFileSync(join(work, 'corrupt', 'snapshot-broken.db'), Buffer.alloc(20_000, 0x5a));
  // Newest was cut short at a page boundary (a copy interrupted): its header still looks fine.
  mkdirSync(join(work, 'truncated'));
  copyFileSync(fresh, join(work, 'truncated', 'snapshot-cut.db'));
  truncateSync(join(work, 'truncated', 'snapshot-cut.db'), 2 * 4096);

  // Registry endpoints: /healthy (v2 answers 401 with a token challenge, Harbor healthy) and
  // /unhealthy (v2 answers 503, Harbor reports a failing component).
  server = createServer((req, res) => {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    if (req.url === '/healthy/v2/') return json(401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'docker-distribution-api-version': 'registry/2.0', 'www-authenticate': 'Bearer realm="https://x/service/token"' });
    if (req.url === '/healthy/api/v2.0/health') return json(200, { status: 'healthy', components: [{ name: 'core', status: 'healthy' }, { name: 'registry', status: 'healthy' }] });
    if (req.url === '/unhealthy/v2/') return json(503, { errors: [{ code: 'UNAVAILABLE' }] });
    if (req.url === '/unhealthy/api/v2.0/health') return json(200, { status: 'unhealthy', components: [{ name: 'core', status: 'healthy' }, { name: 'jobservice', status: 'unhealthy', error: 'dial tcp 172.18.0.5:8080: connect: connection refused' }] });
    return json(404, { errors: [{ code: 'NOT_FOUND' }] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closedPort = await freePort();

  // Loki: a config with compactor retention, one without, one that is not YAML; a data directory of 3 MiB.
  const loki = join(work, 'loki');
  mkdirSync(join(loki, 'data', 'chunks', 'fake'), { recursive: true });
  for (let i = 0; i < 3; i++) writeFileSync(join(loki, 'data', 'chunks', 'fake', `chunk-${i}`), Buffer.alloc(1024 * 1024, i + 1));
  writeFileSync(join(loki, 'retention.yaml'), 'auth_enabled: false\nserver:\n  http_listen_port: 3100\ncommon:\n  path_prefix: /var/lib/loki\nschema_config:\n  configs:\n    - from: "2024-01-01"\n      store: tsdb\n      schema: v13\ncompactor:\n  working_directory: /var/lib/loki/compactor\n  retention_enabled: true   # the compactor deletes\n  delete_request_store: filesystem\nlimits_config:\n  retention_period: 744h\n  retention_stream:\n    - selector: \'{namespace="dev"}\'\n      priority: 1\n      period: 24h\n');
  writeFileSync(join(loki, 'forever.yaml'), 'auth_enabled: false\ncompactor:\n  working_directory: /var/lib/loki/compactor\nlimits_config:\n  ingestion_rate_mb: 8\n');
  writeFileSync(join(loki, 'broken.yaml'), 'compactor:\n  retention_enabled: [true\n');
}, 90_000);

afterAll(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('certs: a kubeadm PKI directory and kubeconfigs built with openssl', () => {
  test('every *.crt below the PKI dir and the kubeconfigs\' certificates, judged 300 / 20 / 3 days', async () => {
    const params = { pki_dir: join(work, 'kubernetes', 'pki'), kubeconfig_dir: join(work, 'kubernetes'), kubeconfigs: ['admin.conf', 'kubelet.conf', 'scheduler.conf', 'super-admin.conf'] };
    const env = await section('certs', params);
    expect(env).toMatchObject({ ok: true });
    const data = nodeCertsSection.parse(env.data);
    expect(data.files.map((f) => f.path.slice(work.length + 1)).sort()).toEqual(['kubernetes/admin.conf', 'kubernetes/kubelet.conf', 'kubernetes/pki/apiserver.crt', 'kubernetes/pki/ca.crt', 'kubernetes/pki/etcd/peer.crt', 'kubernetes/pki/front-proxy-client.crt', 'kubernetes/scheduler.conf']);
    const admin = data.files.find((f) => f.path.endsWith('admin.conf'))!;
    expect(admin.certs.map((c) => [c.subject, c.source])).toEqual([['CN=kubernetes', 'certificate-authority-data'], ['CN=kubernetes-admin', 'client-certificate-data']]);
    expect(env.raw).toContain('admin.conf [client-certificate-data]: CN=kubernetes-admin');

    const fs = await judge({ certs: env });
    const sev = (rel: string) => of(fs, 'node.cert.expiry', `n1:${join(work, rel)}`);
    expect(sev('kubernetes/pki/apiserver.crt')).toMatchObject({ severity: 'ok', unit: 'days' });
    expect(sev('kubernetes/pki/front-proxy-client.crt')).toMatchObject({ severity: 'warning' });
    expect(sev('kubernetes/pki/etcd/peer.crt')).toMatchObject({ severity: 'critical', message: expect.stringContaining('CN=cp-1 expires in') });
    expect(sev('kubernetes/admin.conf')).toMatchObject({ severity: 'warning', message: expect.stringContaining('client-certificate-data') });
    expect(sev('kubernetes/kubelet.conf')).toMatchObject({ severity: 'ok', message: expect.stringContaining('system:node:cp-1') });
    expect(sev('kubernetes/scheduler.conf')).toMatchObject({ severity: 'error', message: expect.stringContaining('missing/scheduler.pem') });
    expect((sev('kubernetes/pki/etcd/peer.crt').value as number)).toBeGreaterThan(2);
  });

  test('a node without the PKI dir and kubeconfigs: the check errors, it does not pass', async () => {
    const env = await section('certs', { pki_dir: join(work, 'nope', 'pki'), kubeconfig_dir: join(work, 'nope') });
    expect(env.data).toMatchObject({ pkiDirExists: false, files: [] });
    expect(of(await judge({ certs: env }), 'node.cert.expiry', 'n1')).toMatchObject({ severity: 'error', message: expect.stringContaining('does not exist') });
  });
});

describe('etcd_backup: snapshots saved by a real etcd', () => {
  const backup = async (dir: string, verify: string) => {
    const env = await section('etcd_backup', { dir: join(work, dir), verify });
    expect(env).toMatchObject({ ok: true });
    return { env, data: etcdBackupSection.parse(env.data) };
  };

  test('fresh and old snapshots, verified with etcdctl snapshot status: both checks ok', async () => {
    const { env, data } = await backup('fresh', 'etcdctl');
    expect(data).toMatchObject({ dirExists: true, method: 'etcdctl', files: 2 });
    expect(data.newest).toMatchObject({ path: join(work, 'fresh', 'snapshot-new.db'), verify: { method: 'etcdctl', ok: true } });
    expect(data.newest!.verify.totalKey).toBeGreaterThanOrEqual(21);
    const fs = await judge({ etcd_backup: env });
    expect(of(fs, 'node.etcd.backup_age', 'n1')).toMatchObject({ severity: 'ok' });
    expect(of(fs, 'node.etcd.backup_valid', 'n1')).toMatchObject({ severity: 'ok', value: 'etcdctl', message: expect.stringContaining('keys') });
  });

  test('bbolt header check (verify: header, as on a node without etcdutl/etcdctl): meta checksums and etcd\'s sha256 verified', async () => {
    const { env, data } = await backup('fresh', 'header');
    expect(data.newest!.verify).toMatchObject({ method: 'header', ok: true, pageSize: 4096, hash: 'sha256 matches' });
    expect(of(await judge({ etcd_backup: env }), 'node.etcd.backup_valid', 'n1').message).toContain('no etcdutl/etcdctl on the node');
  });

  test('only a 3-day-old snapshot: backup_age is critical (past twice 26h), warning with etcdBackupMaxAge 2d', async () => {
    const { env } = await backup('stale', 'header');
    expect(of(await judge({ etcd_backup: env }), 'node.etcd.backup_age', 'n1')).toMatchObject({ severity: 'critical', threshold: { warning: 26, critical: 52 } });
    expect(of(await judge({ etcd_backup: env }, { etcdBackupMaxAge: '2d' }), 'node.etcd.backup_age', 'n1').severity).toBe('warning');
  });

  test.each(['etcdctl', 'header'])('a corrupt newest file (verify: %s): backup_valid is critical and names the good older one', async (verify) => {
    const { env, data } = await backup('corrupt', verify);
    expect(data.checked.map((c) => [c.path.slice(work.length + 1), c.verify.ok])).toEqual([['corrupt/snapshot-broken.db', false], ['corrupt/snapshot-good.db', true]]);
    const f = of(await judge({ etcd_backup: env }), 'node.etcd.backup_valid', 'n1');
    expect(f).toMatchObject({ severity: 'critical', message: expect.stringContaining(`the newest readable one is ${join(work, 'corrupt', 'snapshot-good.db')}`) });
    expect(f.message).toMatch(verify === 'header' ? /not a bbolt database/ : /invalid database/);
  });

  test('a snapshot cut short at a page boundary is caught by the header check (pages counted in the meta page)', async () => {
    const { data } = await backup('truncated', 'header');
    expect(data.newest!.verify).toMatchObject({ ok: false, error: expect.stringMatching(/^truncated: the database has \d+ pages of 4096 bytes but the file holds 2$/) });
  });

  test('verify: etcdutl where etcdutl is not installed is a section error, and both checks error', async () => {
    const env = await callModuleAsync('patrol_node', '[m.which("etcdutl"), _mu.collect(m.SECTIONS["etcd_backup"], args[0], 20)]', [{ dir: join(work, 'fresh'), verify: 'etcdutl' }]);
    if (env[0] !== null) throw new Error(`this test expects a machine without etcdutl, but ${env[0]} exists: make the test use a name that is not installed`);
    expect(env[1]).toMatchObject({ ok: false, error: 'verify is etcdutl but etcdutl is not installed on this node' });
    const fs = await judge({ etcd_backup: env[1] });
    expect(fs.map((f) => f.severity)).toEqual(['error', 'error']);
  });
});

describe('registry: /v2/ and Harbor /api/v2.0/health served by the test', () => {
  test('healthy: 401 with a token challenge is up; Harbor healthy', async () => {
    const env = await section('registry', { url: `${base}/healthy`, harbor: true, timeout: 5 });
    const data = nodeRegistrySection.parse(env.data);
    expect(data).toMatchObject({ v2: { status: 401, apiVersion: 'registry/2.0' }, harbor: { status: 200, overall: 'healthy' } });
    expect(of(await judge({ registry: env }), 'node.registry.health', `n1:${base}/healthy`)).toMatchObject({ severity: 'ok', message: expect.stringContaining('Harbor reports healthy (2 components)') });
  });

  test('unhealthy: 503 and a failing Harbor component are critical', async () => {
    const env = await section('registry', { url: `${base}/unhealthy/`, harbor: true });
    const f = of(await judge({ registry: env }), 'node.registry.health', `n1:${base}/unhealthy`);
    expect(f).toMatchObject({ severity: 'critical' });
    expect(f.message).toContain('answered 503');
    expect(f.message).toContain('jobservice unhealthy (dial tcp 172.18.0.5:8080: connect: connection refused)');
  });

  test('unreachable: nothing listens on the port', async () => {
    const env = await section('registry', { url: `http://127.0.0.1:${closedPort}`, harbor: false });
    expect(env.data).toMatchObject({ v2: { status: null, error: expect.stringContaining('refused') }, harbor: null });
    expect(of(await judge({ registry: env }), 'node.registry.health', `n1:http://127.0.0.1:${closedPort}`)).toMatchObject({ severity: 'critical', message: expect.stringContaining('unreachable') });
  });

  test('no url is a section error', async () => {
    expect(await section('registry', {})).toMatchObject({ ok: false, error: 'no registry url given' });
  });
});

describe('loki: config files and a data directory of a known size', () => {
  const loki = (file: string) => section('loki', { config_file: join(work, 'loki', file), data_dir: join(work, 'loki', 'data') });

  test('compactor retention configured: ok; the data size is du\'s (3 MiB of chunks)', async () => {
    const env = await loki('retention.yaml');
    const data = nodeLokiSection.parse(env.data);
    expect(data).toMatchObject({ parser: 'pyyaml', retention: { compactorRetentionEnabled: true, deleteRequestStore: 'filesystem', retentionPeriod: '744h', retentionStreams: 1 } });
    expect(data.dataBytes).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    expect(data.dataBytes).toBeLessThan(3 * 1024 * 1024 + 64 * 1024);
    const fs = await judge({ loki: env }, { loki: { configFile: 'x', maxSize: '3MiB' } });
    expect(of(fs, 'node.loki.retention', `n1:${join(work, 'loki', 'retention.yaml')}`)).toMatchObject({ severity: 'ok', value: 31 });
    expect(of(fs, 'node.loki.data_size', `n1:${join(work, 'loki', 'data')}`)).toMatchObject({ severity: 'critical' });
    const roomy = await judge({ loki: env }, { loki: { maxSize: '100MiB' } });
    expect(of(roomy, 'node.loki.data_size', `n1:${join(work, 'loki', 'data')}`)).toMatchObject({ severity: 'ok', value: 3 });
  });

  test('no retention: a warning; an unparsable or missing config: an error', async () => {
    const fs = await judge({ loki: await loki('forever.yaml') });
    expect(of(fs, 'node.loki.retention', `n1:${join(work, 'loki', 'forever.yaml')}`)).toMatchObject({ severity: 'warning', message: expect.stringContaining('keeps logs forever') });
    const broken = await judge({ loki: await loki('broken.yaml') });
    expect(of(broken, 'node.loki.retention', `n1:${join(work, 'loki', 'broken.yaml')}`)).toMatchObject({ severity: 'error', message: expect.stringContaining('cannot read Loki config') });
    const missing = await judge({ loki: await loki('absent.yaml') });
    expect(of(missing, 'node.loki.retention', `n1:${join(work, 'loki', 'absent.yaml')}`)).toMatchObject({ severity: 'error', message: expect.stringContaining('not found') });
  });

  test('the built-in parser (a node without PyYAML) reads the same retention settings', async () => {
    const text = readFileSync(join(work, 'loki', 'retention.yaml'), 'utf8');
    const [cfg, parser] = await callModuleAsync('patrol_node', "sys.modules.__setitem__('yaml', None) or m.parse_yaml(args[0])", [text]);
    expect(parser).toBe('builtin');
    expect(cfg).toMatchObject({ compactor: { retention_enabled: true, delete_request_store: 'filesystem' }, limits_config: { retention_period: '744h' } });
  });
});

describe('images and services on this machine', () => {
  test('no container runtime answers (no runtime socket): the section error names each CLI\'s reason and the check errors', async () => {
    const socket = join(work, 'no-runtime', 'containerd.sock');
    const env = await section('images', { cli: 'auto', endpoint: socket });
    expect(env).toMatchObject({ ok: false, error: expect.stringMatching(/^no container runtime answered \(/) });
    // Each of crictl, ctr and docker is either not installed or fails on the missing socket.
    for (const cli of ['crictl', 'ctr', 'docker']) expect([cli, env.error]).toEqual([cli, expect.stringContaining(cli)]);
    expect(of(await judge({ images: env }), 'node.images.unused', 'n1')).toMatchObject({ severity: 'error', message: expect.stringContaining('no container runtime answered') });
  });

  test('services: without systemd (this machine: no /run/systemd/system) the section errors; with it, units are reported', async () => {
    const env = await section('services', { units: ['kubelet', 'containerd'] });
    const systemd = await callModuleAsync('patrol_node', 'm.os.path.isdir("/run/systemd/system")');
    if (systemd) {
      expect(env.data.units.map((u: { unit: string }) => u.unit)).toEqual(['kubelet.service', 'containerd.service']);
    } else {
      expect(env).toMatchObject({ ok: false, error: expect.stringContaining('systemd is not running on this node') });
      const fs = await judge({ services: env });
      expect(fs.map((f) => [f.check, f.severity])).toEqual([['node.kubelet.service', 'error'], ['node.runtime.service', 'error'], ['node.services.boot', 'error']]);
    }
  });
});
