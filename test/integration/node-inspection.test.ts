/**
 * Cluster-node inspection end to end through the real CLI (`patrol inspect node --json`): real
 * Ansible runs playbooks/inspect-node.yml on localhost and on an OpenSSH host in a network
 * namespace. Both read the same paths (spec.nodes is one for all nodes); host-1 gets its own PKI
 * directory and etcd backup directory (tmpfs in its mount namespace) where the test induced the
 * problems: certificates expiring in 3 and 20 days, and only a 3-day-old snapshot. localhost sees
 * the healthy originals. The registry is a small HTTP server of the test on the bridge address.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { patrol } from '../support/cli.js';
import { startSshHosts, type SshHost, type SshHosts } from '../support/ssh-hosts.js';
import { makeCert, saveEtcdSnapshots } from '../support/node-fixtures.js';

interface Finding {
  check: string;
  target: string;
  host?: string;
  severity: string;
  value?: unknown;
  message: string;
}
interface Result {
  run: string;
  status: string;
  score: unknown;
  findings: Finding[];
}

let fleet: SshHosts;
let h1: SshHost;
let home: string;
let work: string;
let server: Server;
let result: Result;
let exitCode: number | undefined;

const DAY = 86_400_000;

async function sh(host: SshHost, script: string) {
  return fleet.hostExec(host, ['sh', '-c', script], { timeoutMs: 60_000 });
}

beforeAll(async () => {
  fleet = await startSshHosts(1);
  h1 = fleet.hosts[0]!;
  home = mkdtempSync('/tmp/patrol-nodeit-home-');
  work = mkdtempSync('/tmp/patrol-nodeit-');

  // Healthy originals (what localhost sees): a 300-day certificate and a fresh snapshot.
  mkdirSync(join(work, 'pki', 'etcd'), { recursive: true });
  await makeCert(join(work, 'pki', 'apiserver.crt'), 'kube-apiserver', 300);
  mkdirSync(join(work, 'backups'));
  await saveEtcdSnapshots(work, [join(work, 'backups', 'snapshot-fresh.db')], 2);

  // host-1: its own PKI with certificates about to expire, and only a stale snapshot.
  await sh(h1, `mount -t tmpfs -o size=4m patrol-pki ${work}/pki && mkdir ${work}/pki/etcd && mount -t tmpfs -o size=8m patrol-backups ${work}/backups`);
  mkdirSync(join(work, 'h1'));
  await makeCert(join(work, 'h1', 'apiserver.crt'), 'kube-apiserver', 20);
  await makeCert(join(work, 'h1', 'peer.crt'), 'cp-1', 3);
  await saveEtcdSnapshots(join(work, 'h1'), [join(work, 'h1', 'snapshot-old.db')], 2);
  const old = new Date(Date.now() - 3 * DAY);
  utimesSync(join(work, 'h1', 'snapshot-old.db'), old, old);
  await sh(h1, `cp ${work}/h1/apiserver.crt ${work}/pki/ && cp ${work}/h1/peer.crt ${work}/pki/etcd/ && cp -p ${work}/h1/snapshot-old.db ${work}/backups/`);

  // The registry: /v2/ answers 200 (no authentication) on the bridge address.
  server = createServer((req, res) => res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' }).end('{}'));
  const bridgeIp = fleet.subnet.replace(/\.0\/24$/, '.1');
  await new Promise<void>((r) => server.listen(0, bridgeIp, r));
  const registry = `http://${bridgeIp}:${(server.address() as AddressInfo).port}`;

  // Loki: retention configured, a data directory.
  mkdirSync(join(work, 'loki', 'data'), { recursive: true });
  writeFileSync(join(work, 'loki', 'data', 'chunk'), Buffer.alloc(64 * 1024, 1));
  writeFileSync(join(work, 'loki', 'config.yaml'), 'compactor:\n  retention_enabled: true\n  delete_request_store: filesystem\nlimits_config:\n  retention_period: 744h\n');

  const config = join(work, 'config.yaml');
  const spec = {
    collection: { sectionTimeout: '15s' },
    nodes: {
      pkiDir: join(work, 'pki'),
      kubeconfigDir: join(work, 'kubeconfigs'),
      etcdBackupDir: join(work, 'backups'),
      registry: { url: registry },
      loki: { configFile: join(work, 'loki', 'config.yaml'), dataDir: join(work, 'loki', 'data'), maxSize: '1GiB' },
    },
  };
  writeFileSync(config, JSON.stringify({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 'node-it' }, spec }, null, 1));
  const inventory = join(work, 'inventory.ini');
  writeFileSync(inventory, fleet.inventoryIni().replace('[targets]\n', '[targets]\nlocalhost ansible_connection=local\n'));

  const r = await patrol(['inspect', 'node', '--inventory', inventory, '--config', config, '--json'], { home, timeoutMs: 150_000 });
  exitCode = r.exitCode;
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`patrol inspect node exited ${r.exitCode}: ${String(r.stderr).slice(-3000)}`);
  result = JSON.parse(String(r.stdout)) as Result;
}, 180_000);

afterAll(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await fleet?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
});

function find(check: string, target: string): Finding {
  const f = result.findings.find((x) => x.check === check && x.target === target);
  if (!f) throw new Error(`no ${check} finding for ${target}; have: ${result.findings.filter((x) => x.check === check).map((x) => `${x.target} (${x.severity}: ${x.message})`).join('; ') || 'none'}`);
  return f;
}

test('exit 1 (critical findings at the default --fail-on critical) and the JSON summary', () => {
  expect(exitCode).toBe(1);
  expect(result).toMatchObject({ run: expect.any(String), score: expect.anything() });
  for (const host of ['localhost', 'host-1']) {
    const checks = new Set(result.findings.filter((f) => (f.host ?? f.target.split(':')[0]) === host).map((f) => f.check));
    expect([host, checks.size]).toEqual([host, 10]);
  }
});

test('certificates: host-1 critical (3 days) and warning (20 days); localhost quiet (300 days)', () => {
  expect(find('node.cert.expiry', `host-1:${work}/pki/etcd/peer.crt`)).toMatchObject({ severity: 'critical', message: expect.stringContaining('CN=cp-1 expires in') });
  expect(find('node.cert.expiry', `host-1:${work}/pki/apiserver.crt`).severity).toBe('warning');
  expect(find('node.cert.expiry', `localhost:${work}/pki/apiserver.crt`).severity).toBe('ok');
  expect(result.findings.some((f) => f.target === `localhost:${work}/pki/etcd/peer.crt`)).toBe(false);
});

test('etcd backup: host-1\'s only snapshot is 3 days old (critical), localhost\'s is fresh; both readable', () => {
  const stale = find('node.etcd.backup_age', 'host-1');
  expect(stale).toMatchObject({ severity: 'critical', message: expect.stringContaining(`${work}/backups/snapshot-old.db is 3`) });
  expect(stale.value as number).toBeGreaterThanOrEqual(72);
  expect(find('node.etcd.backup_age', 'localhost')).toMatchObject({ severity: 'ok' });
  for (const host of ['host-1', 'localhost']) expect(find('node.etcd.backup_valid', host).severity).toBe('ok');
});

test('registry and Loki are healthy from both nodes', () => {
  for (const host of ['host-1', 'localhost']) {
    expect(result.findings.find((f) => f.check === 'node.registry.health' && f.target.startsWith(`${host}:http://`))).toMatchObject({ severity: 'ok' });
    expect(find('node.loki.retention', `${host}:${work}/loki/config.yaml`).severity).toBe('ok');
    expect(find('node.loki.data_size', `${host}:${work}/loki/data`).severity).toBe('ok');
  }
});

test('what cannot be measured here is an error, never ok: no systemd (services), no runtime answering (images)', () => {
  for (const host of ['host-1', 'localhost']) {
    for (const check of ['node.kubelet.service', 'node.runtime.service', 'node.services.boot']) expect(find(check, host)).toMatchObject({ severity: 'error', message: expect.stringContaining('systemd is not running') });
    expect(find('node.images.unused', host)).toMatchObject({ severity: 'error', message: expect.stringContaining('no container runtime answered') });
  }
});
