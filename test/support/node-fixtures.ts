import { join } from 'node:path';
import { execa } from 'execa';
import { freePort, killQuietly, waitUntil } from './local-servers.js';
import { requireTool } from './system-tools.js';

/** A self-signed P-256 certificate made by openssl (key beside it, .key), valid for `days`. */
export async function makeCert(pem: string, cn: string, days: number): Promise<void> {
  const openssl = requireTool('openssl', 'apt-get install openssl');
  await execa(openssl, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', pem.replace(/\.(crt|pem)$/, '.key'), '-out', pem, '-days', String(days), '-subj', `/CN=${cn}`]);
}

/**
 * Starts a real etcd on loopback (data in workDir/etcd-data), writes `keys` keys and saves one
 * snapshot per file with `etcdctl snapshot save`, then stops etcd (an etcd left running would make
 * the module's etcd detection see it).
 */
export async function saveEtcdSnapshots(workDir: string, files: string[], keys = 20): Promise<void> {
  const etcdBin = requireTool('etcd', 'apt-get install etcd-server (a real etcd makes the snapshots)');
  const etcdctl = requireTool('etcdctl', 'apt-get install etcd-client');
  const [client, peer] = [await freePort(), await freePort()];
  const etcd = execa(etcdBin, ['--name', 'patrol-test', '--data-dir', join(workDir, 'etcd-data'), '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`, '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `patrol-test=http://127.0.0.1:${peer}`], { reject: false, all: true });
  try {
    const ctl = (...args: string[]) => execa(etcdctl, ['--endpoints', `http://127.0.0.1:${client}`, ...args], { env: { ETCDCTL_API: '3' }, reject: false });
    await waitUntil('etcd answers', async () => (await ctl('put', '/registry/namespaces/default', 'v1')).exitCode === 0, { timeoutMs: 20_000, intervalMs: 200 });
    for (let i = 1; i < keys; i++) await ctl('put', `/registry/configmaps/default/c${i}`, 'x'.repeat(200));
    for (const file of files) {
      const r = await ctl('snapshot', 'save', file);
      if (r.exitCode !== 0) throw new Error(`etcdctl snapshot save ${file} failed: ${r.stderr}`);
    }
  } finally {
    killQuietly(etcd.pid, 'SIGTERM');
    await etcd;
  }
}
