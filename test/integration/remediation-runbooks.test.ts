import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { parse } from 'yaml';
import { REPO } from '../support/cli.js';
import { freePort, waitUntil } from '../support/local-servers.js';

// The node runbooks' playbooks, run with plain ansible-playbook on this machine (a local
// connection): what can be real here is real (an etcd server, a Loki config file); kubeadm is not
// installed here, so its runbook is tested for the refusal it gives and for not touching anything.

let dir: string;

async function playbook(name: string, vars: Record<string, unknown>, opts: { check?: boolean } = {}) {
  const r = await execa('ansible-playbook', ['-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=/usr/bin/python3', '-e', JSON.stringify(vars), join(REPO, 'playbooks', 'remediate', `${name}.yml`), ...(opts.check ? ['--check', '--diff'] : [])], {
    reject: false,
    env: { ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp') },
  });
  return { exitCode: r.exitCode, out: `${r.stdout}\n${r.stderr}` };
}

beforeAll(() => {
  dir = mkdtempSync('/tmp/patrol-runbooks-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('renew-kubeadm-certs refuses a host without kubeadm, in the dry run as in the change', async () => {
  const expected = 'kubeadm is not installed on localhost: this runbook renews the certificates of kubeadm-managed control-plane nodes only';
  for (const check of [true, false]) {
    const r = await playbook('renew-kubeadm-certs', { manifests_dir: join(dir, 'manifests') }, { check });
    expect([check, r.exitCode]).toEqual([check, 2]);
    expect(r.out).toContain(expected);
    expect(r.out).not.toContain('TASK [Renew the certificates]');
  }
  const bad = await playbook('renew-kubeadm-certs', { certs: 'all; rm -rf /' }, { check: true });
  expect(bad.out).toContain("certs must be `all` or a kubeadm certificate name, got 'all; rm -rf /'");
});

test('prune-images refuses a node where no container runtime answers (docker without a daemon here)', async () => {
  for (const check of [true, false]) {
    const r = await playbook('prune-images', {}, { check });
    expect([check, r.exitCode]).toEqual([check, 2]);
    expect(r.out).toContain('no container runtime answered on localhost (crictl, docker: not installed, or `info` failed): no images can be pruned here');
    expect(r.out).not.toContain('TASK [Prune the unused images]');
  }
});

describe('etcd-snapshot against a real etcd', () => {
  let etcd: ResultPromise | undefined;
  let endpoint: string;
  beforeAll(async () => {
    const [client, peer] = [await freePort(), await freePort()];
    endpoint = `http://127.0.0.1:${client}`;
    etcd = execa('etcd', ['--name', 'patrol-test', '--data-dir', join(dir, 'etcd'), '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint, '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `patrol-test=http://127.0.0.1:${peer}`], { reject: false, all: true });
    await waitUntil('etcd answers', async () => (await execa('etcdctl', ['--endpoints', endpoint, 'endpoint', 'health'], { reject: false })).exitCode === 0, { timeoutMs: 30_000 });
    await execa('etcdctl', ['--endpoints', endpoint, 'put', 'patrol/key', 'value']);
  }, 60_000);
  afterAll(async () => {
    etcd?.kill('SIGTERM');
    await etcd;
  });

  test('the dry run says where the snapshot goes and saves nothing; the change saves a verified snapshot and prunes to `keep`', async () => {
    const backups = join(dir, 'backups');
    const vars = { etcd_endpoints: endpoint, etcd_cacert: '', etcd_cert: '', etcd_key: '', backup_dir: backups, keep: 2 };
    const plan = await playbook('etcd-snapshot', vars, { check: true });
    expect(plan.exitCode).toBe(0);
    expect(plan.out).toMatch(new RegExp(`save a snapshot of ${endpoint} to ${backups}/etcd-snapshot-\\d{8}T\\d{6}Z\\.db, verify it, keep the newest 2 \\(0 there now\\)`));
    expect(existsSync(backups)).toBe(false);
    for (let i = 0; i < 3; i++) {
      const r = await playbook('etcd-snapshot', vars);
      expect([r.exitCode, r.exitCode === 0 ? '' : r.out]).toEqual([0, '']);
      expect(r.out).toMatch(/TOTAL KEYS|total keys/i);
      await new Promise((res) => setTimeout(res, 1100)); // snapshot names have one-second resolution
    }
    const files = readdirSync(backups).filter((f) => f.startsWith('etcd-snapshot-'));
    expect(files).toHaveLength(2);
    const status = await execa('etcdctl', ['snapshot', 'status', join(backups, files[0]!), '-w', 'json'], { reject: false, env: { ETCDCTL_API: '3' } });
    expect(JSON.parse(status.stdout).totalKey).toBeGreaterThan(0);
  }, 120_000);

  test('an etcd that does not answer is a clear error', async () => {
    const r = await playbook('etcd-snapshot', { etcd_endpoints: 'http://127.0.0.1:1', etcd_cacert: '', etcd_cert: '', etcd_key: '', backup_dir: join(dir, 'none') });
    expect(r.exitCode).toBe(2);
    expect(r.out).toContain('etcd at http://127.0.0.1:1 does not answer from localhost');
  }, 60_000);
});

test('loki-retention: --check --diff shows the change, the change writes it with a backup, a second run changes nothing', async () => {
  const file = join(dir, 'loki.yaml');
  writeFileSync(file, 'auth_enabled: false\nserver:\n  http_listen_port: 3100\nlimits_config:\n  ingestion_rate_mb: 8\ncompactor:\n  working_directory: /var/lib/loki/compactor\n');
  const vars = { loki_config: file, retention_period: '720h', loki_service: '' };
  const plan = await playbook('loki-retention', vars, { check: true });
  expect(plan.exitCode).toBe(0);
  expect(plan.out).toContain('set limits_config.retention_period unset -> 720h, compactor.retention_enabled -> true, then restart nothing (loki_service is empty)');
  expect(plan.out).toContain('+  retention_period: 720h');
  expect(readFileSync(file, 'utf8')).not.toContain('retention');

  const applied = await playbook('loki-retention', vars);
  expect(applied.exitCode).toBe(0);
  const cfg = parse(readFileSync(file, 'utf8'));
  expect(cfg).toEqual({ auth_enabled: false, server: { http_listen_port: 3100 }, limits_config: { ingestion_rate_mb: 8, retention_period: '720h' }, compactor: { working_directory: '/var/lib/loki/compactor', retention_enabled: true, delete_request_store: 'filesystem' } });
  expect(readdirSync(dir).filter((f) => f.startsWith('loki.yaml.') && f.endsWith('~'))).toHaveLength(1);

  const again = await playbook('loki-retention', vars);
  expect(again.out).toContain('retention already 720h with the compactor enabled: nothing to change');
  expect(again.out).toMatch(/changed=0/);
  const bad = await playbook('loki-retention', { ...vars, retention_period: '30 days' });
  expect(bad.out).toContain("retention_period must be a Loki duration such as 744h or 30d, got '30 days'");
}, 120_000);
