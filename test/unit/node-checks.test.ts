/**
 * Cluster-node checks (src/inspections/checks/node) judged on section data shaped as
 * playbooks/library/patrol_node.py returns it (test/unit/node-module.test.ts runs the module on real
 * files and parses its output with the same schemas), changed per test so that each check fires,
 * stays quiet, and reports `error` when its section could not be measured.
 */
import { CheckCatalog } from '../../src/inspections/check-catalog.js';
import { nodeChecks } from '../../src/inspections/checks/node/index.js';
import { lokiDuration } from '../../src/inspections/checks/node/loki.js';
import { evaluateChecks } from '../../src/inspections/evaluate-checks.js';
import { inspectionConfigSchema } from '../../src/inspections/config/inspection-config.js';
import { nodeModuleParams, nodeSectionsFor } from '../../src/inspections/collectors/node/node-collector.js';
import type { FindingHistory } from '../../src/inspections/history.js';
import type { SectionEnvelope } from '../../src/inspections/measurement.js';
import type { FindingInput } from '../../src/findings/finding.js';

const catalog = new CheckCatalog().register(...nodeChecks);
const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const GiB = 1024 ** 3;
const NODE = 'cp-1';

type Data = Record<string, any>;

const cert = (cn: string, days: number, source?: string) => ({ subject: `CN=${cn}`, issuer: 'CN=kubernetes', serial: '01', notBefore: NOW - 30 * DAY, notAfter: NOW + days * DAY, ...(source ? { source } : {}) });
const pki = (name: string, days: number) => ({ path: `/etc/kubernetes/pki/${name}.crt`, kind: 'pki', format: 'PEM', certs: [cert(name, days)] });
const kubeconfig = (name: string, days: number) => ({ path: `/etc/kubernetes/${name}`, kind: 'kubeconfig', format: 'kubeconfig', certs: [cert('kubernetes', 3000, 'certificate-authority-data'), cert(`system:${name}`, days, 'client-certificate-data')], sources: [`/etc/kubernetes/${name} (embedded client-certificate-data)`] });
const snap = (name: string, ageHours: number, verify: Data = { method: 'etcdctl', ok: true, command: `ETCDCTL_API=3 etcdctl snapshot status /var/backups/etcd/${name} -w json`, revision: 1200, totalKey: 840, totalSize: 4_194_304, hash: 123 }) => ({ path: `/var/backups/etcd/${name}`, mtime: NOW - ageHours * HOUR, size: 4_194_336, verify });
const unit = (name: string, over: Data = {}) => ({ unit: name, load: 'loaded', active: 'active', sub: 'running', result: 'success', unitFileState: 'enabled', restarts: 0, exitStatus: 0, description: name, ...over });
const absent = (name: string) => ({ unit: name, load: 'not-found', active: 'inactive', sub: 'dead', result: 'success', unitFileState: null, restarts: 0, exitStatus: 0, description: name });

/** A healthy control-plane node, as the module reports it. */
function healthy(): Record<string, Data> {
  return {
    certs: { pkiDir: '/etc/kubernetes/pki', pkiDirExists: true, kubeconfigDir: '/etc/kubernetes', kubeconfigs: ['/etc/kubernetes/admin.conf'], files: [pki('apiserver', 300), pki('etcd/server', 300), kubeconfig('admin.conf', 300)], skipped: [] },
    etcd_backup: { dir: '/var/backups/etcd', dirExists: true, etcd: 'static pod manifest /etc/kubernetes/manifests/etcd.yaml', method: 'etcdctl', files: 2, totalBytes: 8_388_672, newest: snap('snap-new.db', 2), checked: [snap('snap-new.db', 2)] },
    services: { units: [unit('kubelet.service'), unit('containerd.service'), absent('crio.service'), absent('docker.service'), unit('chrony.service')] },
    images: { tool: 'crictl', endpoint: null, images: 12, totalBytes: 3 * GiB, unused: [{ ref: 'registry.k8s.io/pause:3.8', id: 'sha256:aa', size: 300_000, used: false }], unusedCount: 1, unusedBytes: 300_000, attempts: [] },
    registry: { url: 'https://harbor.example', v2: { status: 401, latencyMs: 35, error: null, apiVersion: 'registry/2.0' }, harbor: { status: 200, latencyMs: 40, error: null, overall: 'healthy', components: [{ name: 'core', status: 'healthy' }, { name: 'registry', status: 'healthy' }] } },
    loki: { configFile: '/etc/loki/config.yaml', configExists: true, parser: 'pyyaml', parseError: null, retention: { compactorRetentionEnabled: true, deleteRequestStore: 'filesystem', retentionPeriod: '744h', retentionStreams: 0, tableManagerDeletes: null, tableManagerPeriod: null }, dataDir: '/var/lib/loki', dataDirExists: true, dataBytes: 10 * GiB },
  };
}

const NODES = { registry: { url: 'https://harbor.example', harbor: true }, loki: { maxSize: '50GiB' }, services: ['chrony'] };

function config(spec: Record<string, unknown> = {}) {
  return inspectionConfigSchema.parse({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 'unit' }, spec: { nodes: NODES, ...spec } });
}

const history: FindingHistory = { values: async () => [], last: async () => undefined };

async function judge(opts: { patch?: Partial<Record<string, (d: Data) => void>>; spec?: Record<string, unknown>; failed?: Record<string, string>; sections?: Record<string, SectionEnvelope> } = {}): Promise<FindingInput[]> {
  const cfg = config(opts.spec);
  const data = healthy();
  for (const [name, fn] of Object.entries(opts.patch ?? {})) fn!(data[name]!);
  const sections: Record<string, SectionEnvelope> = opts.sections ?? Object.fromEntries(Object.entries(data).map(([k, d]) => [k, { ok: true, data: d, command: `patrol_node ${k}`, raw: '' }]));
  for (const [name, error] of Object.entries(opts.failed ?? {})) sections[name] = { ok: false, error };
  return evaluateChecks({ catalog, config: cfg, measurements: [{ collector: 'node', target: { name: NODE, groups: ['control_plane'], attributes: { nodes: cfg.spec.nodes } }, sections }], history, now: NOW });
}

const of = (fs: FindingInput[], check: string, target = NODE) => {
  const f = fs.find((x) => x.check === check && x.target === target);
  if (!f) throw new Error(`no ${check} finding for ${target}; have: ${fs.filter((x) => x.check === check).map((x) => `${x.target} (${x.severity})`).join(', ') || 'none'}`);
  return f;
};

describe('a healthy node', () => {
  test('every node check reports, all ok (data size is 20% of its limit)', async () => {
    const fs = await judge();
    for (const c of nodeChecks) expect([c.id, fs.some((f) => f.check === c.id)]).toEqual([c.id, true]);
    expect(fs.filter((f) => f.severity !== 'ok').map((f) => `${f.check} ${f.target}: ${f.severity} ${f.message}`)).toEqual([]);
    expect(of(fs, 'node.loki.data_size', `${NODE}:/var/lib/loki`)).toMatchObject({ value: 20, unit: '%' });
  });
});

describe('every check reports error, never ok, when its section could not be measured', () => {
  const bySection: Record<string, string[]> = {
    certs: ['node.cert.expiry'],
    etcd_backup: ['node.etcd.backup_age', 'node.etcd.backup_valid'],
    services: ['node.kubelet.service', 'node.runtime.service', 'node.services.boot'],
    images: ['node.images.unused'],
    registry: ['node.registry.health'],
    loki: ['node.loki.retention', 'node.loki.data_size'],
  };
  test.each(Object.entries(bySection))('section %s failed', async (section, checks) => {
    const fs = await judge({ failed: { [section]: `${section}: timed out after 20s` } });
    for (const id of checks) {
      const mine = fs.filter((f) => f.check === id);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ severity: 'error', target: NODE, message: expect.stringContaining('timed out after 20s') });
    }
    // The other sections are judged as usual.
    expect(fs.filter((f) => f.severity === 'error').map((f) => f.check).sort()).toEqual([...checks].sort());
  });

  test('the node unreachable: every check errors', async () => {
    const cfg = config();
    const fs = await evaluateChecks({ catalog, config: cfg, measurements: [{ collector: 'node', target: { name: NODE, groups: [] }, sections: {}, error: 'UNREACHABLE: ssh: connect to host 10.0.0.9 port 22: No route to host' }], history, now: NOW });
    expect(fs).toHaveLength(nodeChecks.length);
    for (const f of fs) expect(f).toMatchObject({ severity: 'error', message: expect.stringContaining('No route to host') });
  });

  test('data of the wrong shape is an error naming the field', async () => {
    const fs = await judge({ patch: { etcd_backup: (d) => (d.method = 'guess') } });
    expect(of(fs, 'node.etcd.backup_age')).toMatchObject({ severity: 'error', message: expect.stringContaining('method') });
  });
});

describe('node.cert.expiry', () => {
  test('30 / 7 days: warning and critical per file; a kubeconfig is judged on its earliest certificate', async () => {
    const fs = await judge({ patch: { certs: (d) => (d.files = [pki('apiserver', 300), pki('front-proxy-client', 20), pki('etcd/peer', 3), kubeconfig('admin.conf', 25), kubeconfig('scheduler.conf', -1)]) } });
    expect(of(fs, 'node.cert.expiry', `${NODE}:/etc/kubernetes/pki/apiserver.crt`)).toMatchObject({ severity: 'ok', value: 300, unit: 'days', threshold: { direction: 'below', warning: 30, critical: 7 } });
    expect(of(fs, 'node.cert.expiry', `${NODE}:/etc/kubernetes/pki/front-proxy-client.crt`)).toMatchObject({ severity: 'warning', value: 20 });
    expect(of(fs, 'node.cert.expiry', `${NODE}:/etc/kubernetes/pki/etcd/peer.crt`)).toMatchObject({ severity: 'critical', value: 3 });
    const admin = of(fs, 'node.cert.expiry', `${NODE}:/etc/kubernetes/admin.conf`);
    expect(admin).toMatchObject({ severity: 'warning', value: 25, remediationWorkflow: 'renew-kubeadm-certs' });
    expect(admin.message).toContain('client-certificate-data');
    expect(admin.evidence?.command).toContain('base64 -d');
    expect(of(fs, 'node.cert.expiry', `${NODE}:/etc/kubernetes/scheduler.conf`)).toMatchObject({ severity: 'critical', message: expect.stringContaining('expired') });
  });

  test('thresholds are overridable per check', async () => {
    const fs = await judge({ spec: { checks: { 'node.cert.expiry': { warning: 400, critical: 100 } } } });
    expect(of(fs, 'node.cert.expiry', `${NODE}:/etc/kubernetes/pki/apiserver.crt`)).toMatchObject({ severity: 'warning', threshold: { warning: 400, critical: 100 } });
  });

  test('an undecodable file and a node without any kubeadm certificate are errors', async () => {
    const broken = await judge({ patch: { certs: (d) => d.files.push({ path: '/etc/kubernetes/kubelet.conf', kind: 'kubeconfig', format: 'kubeconfig', certs: [], error: 'client-certificate /var/lib/kubelet/pki/kubelet-client-current.pem: No such file or directory' }) } });
    expect(of(broken, 'node.cert.expiry', `${NODE}:/etc/kubernetes/kubelet.conf`)).toMatchObject({ severity: 'error', message: expect.stringContaining('kubelet-client-current.pem') });
    const none = of(await judge({ patch: { certs: (d) => Object.assign(d, { pkiDirExists: false, files: [], kubeconfigs: [] }) } }), 'node.cert.expiry');
    expect(none).toMatchObject({ severity: 'error', message: expect.stringContaining('/etc/kubernetes/pki does not exist') });
  });
});

describe('node.etcd.backup_age', () => {
  test('26h default: warning past it, critical past twice it, quiet before', async () => {
    const age = async (h: number) => of(await judge({ patch: { etcd_backup: (d) => (d.newest = snap('s.db', h)) } }), 'node.etcd.backup_age');
    expect(await age(25)).toMatchObject({ severity: 'ok', value: 25, threshold: { warning: 26, critical: 52 } });
    expect(await age(30)).toMatchObject({ severity: 'warning', value: 30 });
    const crit = await age(24 * 5);
    expect(crit).toMatchObject({ severity: 'critical', value: 120, remediationWorkflow: 'etcd-snapshot' });
    expect(crit.message).toContain('/var/backups/etcd/s.db is 5');
  });

  test('spec.nodes.etcdBackupMaxAge and the check\'s own hours override the default', async () => {
    const patch = { etcd_backup: (d: Data) => (d.newest = snap('s.db', 10)) };
    expect(of(await judge({ patch, spec: { nodes: { ...NODES, etcdBackupMaxAge: '6h' } } }), 'node.etcd.backup_age')).toMatchObject({ severity: 'warning', threshold: { warning: 6, critical: 12 } });
    expect(of(await judge({ patch, spec: { checks: { 'node.etcd.backup_age': { warning: 4, critical: 8 } } } }), 'node.etcd.backup_age')).toMatchObject({ severity: 'critical', threshold: { warning: 4, critical: 8 } });
  });

  test('no directory: critical where etcd runs, ok on a worker; an empty directory is critical', async () => {
    const gone = (etcd: string | null) => (d: Data) => Object.assign(d, { dirExists: false, etcd, files: 0, totalBytes: 0, newest: null, checked: [] });
    const cp = await judge({ patch: { etcd_backup: gone('etcd process 812') } });
    expect(of(cp, 'node.etcd.backup_age')).toMatchObject({ severity: 'critical', message: expect.stringContaining('etcd process 812') });
    expect(of(cp, 'node.etcd.backup_valid').severity).toBe('info');
    const worker = await judge({ patch: { etcd_backup: gone(null) } });
    expect(of(worker, 'node.etcd.backup_age').severity).toBe('ok');
    expect(of(worker, 'node.etcd.backup_valid').severity).toBe('ok');
    const empty = await judge({ patch: { etcd_backup: (d) => Object.assign(d, { files: 0, totalBytes: 0, newest: null, checked: [] }) } });
    expect(of(empty, 'node.etcd.backup_age')).toMatchObject({ severity: 'critical', message: expect.stringContaining('no etcd snapshots in /var/backups/etcd') });
  });
});

describe('node.etcd.backup_valid', () => {
  test('readable: ok with the method in the message (etcdctl and the bbolt header)', async () => {
    expect(of(await judge(), 'node.etcd.backup_valid')).toMatchObject({ severity: 'ok', value: 'etcdctl', message: expect.stringContaining('revision 1200, 840 keys') });
    const header = snap('s.db', 1, { method: 'header', ok: true, command: 'od ...', pageSize: 4096, hash: 'sha256 matches' });
    const f = of(await judge({ patch: { etcd_backup: (d) => Object.assign(d, { method: 'header', newest: header, checked: [header] }) } }), 'node.etcd.backup_valid');
    expect(f).toMatchObject({ severity: 'ok', value: 'header' });
    expect(f.message).toContain('no etcdutl/etcdctl on the node');
  });

  test('unreadable newest: critical, naming the newest readable older one', async () => {
    const bad = snap('snap-new.db', 1, { method: 'etcdctl', ok: false, command: 'etcdctl snapshot status', error: 'Error: invalid database' });
    const good = snap('snap-old.db', 30);
    const f = of(await judge({ patch: { etcd_backup: (d) => Object.assign(d, { newest: bad, checked: [bad, good] }) } }), 'node.etcd.backup_valid');
    expect(f).toMatchObject({ severity: 'critical', remediationWorkflow: 'etcd-snapshot' });
    expect(f.message).toContain('Error: invalid database');
    expect(f.message).toContain('the newest readable one is /var/backups/etcd/snap-old.db, 30.0 h old');
  });
});

describe('services', () => {
  test('kubelet: not installed or stopped is critical, disabled or restarting a warning', async () => {
    const kubelet = async (u: Data) => of(await judge({ patch: { services: (d) => (d.units[0] = u) } }), 'node.kubelet.service', `${NODE}:kubelet.service`);
    expect(await kubelet(unit('kubelet.service'))).toMatchObject({ severity: 'ok' });
    expect(await kubelet(absent('kubelet.service'))).toMatchObject({ severity: 'critical', message: expect.stringContaining('not installed') });
    expect(await kubelet(unit('kubelet.service', { active: 'failed', sub: 'failed', result: 'exit-code', exitStatus: 1 }))).toMatchObject({ severity: 'critical', message: expect.stringContaining('exit status 1') });
    expect(await kubelet(unit('kubelet.service', { unitFileState: 'disabled' }))).toMatchObject({ severity: 'warning', message: expect.stringContaining('not enabled at boot') });
    expect(await kubelet(unit('kubelet.service', { restarts: 5 }))).toMatchObject({ severity: 'warning', value: 5, threshold: { warning: 3 } });
  });

  test('runtime: the first installed one is judged; none installed is critical; the configured one is required', async () => {
    const fs = await judge({ patch: { services: (d) => (d.units[1] = unit('containerd.service', { active: 'inactive', sub: 'dead' })) } });
    expect(of(fs, 'node.runtime.service', `${NODE}:containerd.service`).severity).toBe('critical');
    const crio = await judge({ patch: { services: (d) => (d.units = [unit('kubelet.service'), absent('containerd.service'), unit('crio.service'), absent('docker.service')]) } });
    expect(of(crio, 'node.runtime.service', `${NODE}:crio.service`).severity).toBe('ok');
    const none = await judge({ patch: { services: (d) => (d.units = [unit('kubelet.service'), absent('containerd.service'), absent('crio.service'), absent('docker.service')]) } });
    expect(of(none, 'node.runtime.service')).toMatchObject({ severity: 'critical', message: expect.stringContaining('no container runtime service') });
    const configured = await judge({ spec: { nodes: { ...NODES, containerRuntime: { service: 'cri-docker' } } } });
    expect(of(configured, 'node.runtime.service', `${NODE}:cri-docker.service`)).toMatchObject({ severity: 'critical', message: expect.stringContaining('not installed') });
  });

  test('node.services.boot: each required service must run and start at boot', async () => {
    const fs = await judge({ spec: { nodes: { ...NODES, services: ['chrony', 'node-exporter'] } }, patch: { services: (d) => (d.units[4] = unit('chrony.service', { unitFileState: 'disabled' })) } });
    expect(of(fs, 'node.services.boot', `${NODE}:chrony.service`).severity).toBe('warning');
    expect(of(fs, 'node.services.boot', `${NODE}:node-exporter.service`)).toMatchObject({ severity: 'critical', message: expect.stringContaining('not installed') });
    expect(of(await judge({ spec: { nodes: { ...NODES, services: [] } } }), 'node.services.boot')).toMatchObject({ severity: 'ok', message: expect.stringContaining('empty') });
  });
});

describe('node.images.unused', () => {
  test('10 / 30 GiB of unused images: warning and critical, quiet below', async () => {
    const unused = async (gib: number) => of(await judge({ patch: { images: (d) => Object.assign(d, { unusedBytes: gib * GiB, unusedCount: 4 }) } }), 'node.images.unused');
    expect(await unused(2)).toMatchObject({ severity: 'ok', value: 2, unit: 'GiB', threshold: { warning: 10, critical: 30 } });
    expect(await unused(12)).toMatchObject({ severity: 'warning', value: 12 });
    const f = await unused(31.5);
    expect(f).toMatchObject({ severity: 'critical', remediationWorkflow: 'prune-images' });
    expect(f.message).toContain('4 of 12 images are unused');
    expect(f.message).toContain('registry.k8s.io/pause:3.8');
  });

  test('no runtime CLI answered: the section error names each reason and the check errors', async () => {
    const fs = await judge({ failed: { images: 'no container runtime answered (crictl: not installed; ctr: no containerd socket at /run/containerd/containerd.sock; docker image ls: Cannot connect to the Docker daemon)' } });
    expect(of(fs, 'node.images.unused')).toMatchObject({ severity: 'error', message: expect.stringContaining('crictl: not installed') });
  });
});

describe('node.registry.health', () => {
  test('200 or 401 within 2 s is ok; slow is a warning', async () => {
    expect(of(await judge(), 'node.registry.health', `${NODE}:https://harbor.example`)).toMatchObject({ severity: 'ok', value: 35, message: expect.stringContaining('authentication required') });
    expect(of(await judge({ patch: { registry: (d) => (d.v2.latencyMs = 2500) } }), 'node.registry.health', `${NODE}:https://harbor.example`)).toMatchObject({ severity: 'warning', threshold: { warning: 2000 } });
  });

  test('unreachable, 404 or 5xx is critical; Harbor unhealthy names the component', async () => {
    const reg = async (patch: (d: Data) => void) => of(await judge({ patch: { registry: patch } }), 'node.registry.health', `${NODE}:https://harbor.example`);
    expect(await reg((d) => (d.v2 = { status: null, latencyMs: 3, error: '[Errno 111] Connection refused' }))).toMatchObject({ severity: 'critical', message: expect.stringContaining('Connection refused') });
    expect(await reg((d) => (d.v2.status = 404))).toMatchObject({ severity: 'critical', message: expect.stringContaining('not a registry API v2') });
    expect(await reg((d) => (d.v2.status = 503))).toMatchObject({ severity: 'critical' });
    const harbor = await reg((d) => Object.assign(d.harbor, { overall: 'unhealthy', components: [{ name: 'core', status: 'healthy' }, { name: 'jobservice', status: 'unhealthy', error: 'dial tcp: connection refused' }] }));
    expect(harbor).toMatchObject({ severity: 'critical', message: expect.stringContaining('jobservice unhealthy (dial tcp: connection refused)') });
  });

  test('no registry configured: info, not ok and not an error', async () => {
    const fs = await judge({ sections: { ...Object.fromEntries(Object.entries(healthy()).map(([k, d]) => [k, { ok: true, data: d }])), registry: { ok: true, data: null, raw: 'spec.nodes.registry is not set' } } });
    expect(of(fs, 'node.registry.health')).toMatchObject({ severity: 'info', message: expect.stringContaining('spec.nodes.registry') });
  });
});

describe('Loki', () => {
  const retention = async (r: Data, spec?: Record<string, unknown>) => of(await judge({ patch: { loki: (d) => Object.assign(d.retention, r) }, ...(spec ? { spec } : {}) }), 'node.loki.retention', `${NODE}:/etc/loki/config.yaml`);

  test('retention fires when nothing is deleted, at the configured severity', async () => {
    expect(await retention({})).toMatchObject({ severity: 'ok', value: 31, unit: 'days' });
    expect(await retention({ compactorRetentionEnabled: null, tableManagerDeletes: true, tableManagerPeriod: '336h' })).toMatchObject({ severity: 'ok', message: expect.stringContaining('table manager') });
    expect(await retention({ retentionPeriod: '0s' })).toMatchObject({ severity: 'warning', value: 0, message: expect.stringContaining('0 = keep forever') });
    expect(await retention({ compactorRetentionEnabled: false })).toMatchObject({ severity: 'warning', message: expect.stringContaining('compactor.retention_enabled is not true') });
    const crit = await retention({ compactorRetentionEnabled: null, retentionPeriod: null }, { checks: { 'node.loki.retention': { severity: 'critical' } } });
    expect(crit).toMatchObject({ severity: 'critical', remediationWorkflow: 'loki-retention', message: expect.stringContaining('no retention is configured') });
  });

  test('a missing or unparsable config is an error', async () => {
    const missing = await judge({ patch: { loki: (d) => Object.assign(d, { configExists: false, retention: null }) } });
    expect(of(missing, 'node.loki.retention', `${NODE}:/etc/loki/config.yaml`)).toMatchObject({ severity: 'error', message: expect.stringContaining('not found') });
    const broken = await judge({ patch: { loki: (d) => Object.assign(d, { parseError: 'ScannerError: mapping values are not allowed here', retention: null }) } });
    expect(of(broken, 'node.loki.retention', `${NODE}:/etc/loki/config.yaml`)).toMatchObject({ severity: 'error', message: expect.stringContaining('ScannerError') });
  });

  test('data size: 85 / 100 % of maxSize; info without a limit; error without the directory', async () => {
    const size = async (gib: number, nodes: Record<string, unknown> = NODES) => of(await judge({ patch: { loki: (d) => (d.dataBytes = gib * GiB) }, spec: { nodes } }), 'node.loki.data_size', `${NODE}:/var/lib/loki`);
    expect(await size(40)).toMatchObject({ severity: 'ok', value: 80, threshold: { warning: 85, critical: 100 } });
    expect(await size(45)).toMatchObject({ severity: 'warning', value: 90 });
    expect(await size(55)).toMatchObject({ severity: 'critical', value: 110 });
    expect(await size(55, { ...NODES, loki: {} })).toMatchObject({ severity: 'info', value: 55 * GiB, message: expect.stringContaining('no limit set') });
    const gone = await judge({ patch: { loki: (d) => Object.assign(d, { dataDirExists: false, dataBytes: null }) } });
    expect(of(gone, 'node.loki.data_size', `${NODE}:/var/lib/loki`).severity).toBe('error');
  });

  test('Loki durations', () => {
    expect(lokiDuration('744h')).toBe(744 * HOUR);
    expect(lokiDuration('1w2d')).toBe(9 * DAY);
    expect(lokiDuration('0')).toBe(0);
    expect(lokiDuration('31 days')).toBeUndefined();
    expect(lokiDuration(null)).toBeUndefined();
  });
});

describe('collector plan', () => {
  test('registry and Loki are measured only when configured; disabled checks drop their section', () => {
    const bare = inspectionConfigSchema.parse({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 'u' }, spec: {} });
    expect(nodeSectionsFor(bare, { name: 'w-1', groups: ['workers'] })).toEqual(['certs', 'etcd_backup', 'services', 'images']);
    const cfg = config({ overrides: [{ match: { groups: ['workers'] }, checks: { 'node.etcd.*': { enabled: false } } }] });
    expect(nodeSectionsFor(cfg, { name: 'w-1', groups: ['workers'] })).toEqual(['certs', 'services', 'images', 'registry', 'loki']);
    expect(nodeSectionsFor(cfg, { name: 'cp-1', groups: ['control_plane'] })).toContain('etcd_backup');
    const params = nodeModuleParams(cfg.spec.nodes);
    expect(params.services!.units).toEqual(['kubelet', 'containerd', 'crio', 'docker', 'chrony']);
    expect(params.registry).toEqual({ url: 'https://harbor.example', harbor: true });
    expect(params.loki).toEqual({ config_file: '/etc/loki/config.yaml', data_dir: '/var/lib/loki' });
  });
});

describe('docs/node-checks.md', () => {
  test('the complete example is a valid InspectionConfig and plans the sections it describes', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const text = readFileSync(new URL('../../docs/node-checks.md', import.meta.url), 'utf8');
    const block = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('kind: InspectionConfig'));
    if (!block) throw new Error('docs/node-checks.md has no InspectionConfig example');
    const cfg = inspectionConfigSchema.parse(parse(block));
    expect(nodeSectionsFor(cfg, { name: 'w-01', groups: ['workers'] })).toEqual(['certs', 'services', 'images', 'registry']);
    expect(nodeSectionsFor(cfg, { name: 'cp-1', groups: ['control_plane'] })).toEqual(['certs', 'etcd_backup', 'services', 'images', 'registry', 'loki']);
  });
});
