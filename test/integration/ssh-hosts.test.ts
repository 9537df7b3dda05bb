import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { startSshHosts, cleanupStaleSshHosts, type SshHosts } from '../support/ssh-hosts.js';
import { names, writeState } from '../support/netns-resources.js';

let hosts: SshHosts;
let startMs = 0;

beforeAll(async () => {
  await cleanupStaleSshHosts();
  const t0 = Date.now();
  hosts = await startSshHosts(3);
  startMs = Date.now() - t0;
  process.stdout.write(`startSshHosts(3): ${startMs} ms\n`);
});
afterAll(async () => {
  await hosts?.stop();
});

test('3 hosts start in well under 2 s, each on its own IP in the subnet', () => {
  expect(startMs).toBeLessThan(1500);
  expect(hosts.hosts.map((h) => h.name)).toEqual(['host-1', 'host-2', 'host-3']);
  expect(new Set(hosts.hosts.map((h) => h.ip)).size).toBe(3);
  for (const h of hosts.hosts) expect(`${h.ip.split('.').slice(0, 3).join('.')}.0/24`).toBe(hosts.subnet);
});

test('each host answers `ssh root@ip hostname` with its own hostname (real ssh, generated key, strict known_hosts)', async () => {
  const answers = await Promise.all(hosts.hosts.map((h) => execa('ssh', [...hosts.sshArgs(h), 'hostname'])));
  expect(answers.map((a) => a.stdout.trim())).toEqual(['host-1', 'host-2', 'host-3']);
  // known_hosts holds exactly one correct line per host.
  const lines = readFileSync(hosts.knownHostsFile, 'utf8').trim().split('\n');
  expect(lines).toEqual(hosts.hosts.map((h) => `${h.ip} ${h.hostKeyPublic}`));
  expect(hosts.clientKey).toContain('BEGIN OPENSSH PRIVATE KEY');
});

test('hostExec mounts a tmpfs on one host that is invisible on another (and on the machine)', async () => {
  const dir = `${hosts.dir}/mnt-probe`;
  await execa('mkdir', ['-p', dir]);
  await hosts.hostExec('host-1', ['mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  await hosts.hostExec('host-1', ['sh', '-c', 'echo only-here > "$1"/marker', 'sh', dir]);
  expect((await hosts.hostExec('host-1', ['mountpoint', '-q', dir], { allowFailure: true })).exitCode).toBe(0);
  expect((await hosts.hostExec('host-2', ['mountpoint', '-q', dir], { allowFailure: true })).exitCode).not.toBe(0);
  expect(existsSync(`${dir}/marker`)).toBe(false);
  // An SSH session on host-1 lives in the same mount namespace as the sshd hostExec entered.
  const viaSsh = await execa('ssh', [...hosts.sshArgs('host-1'), 'cat', `${dir}/marker`]);
  expect(viaSsh.stdout.trim()).toBe('only-here');
  // hostExec also enters the UTS and network namespaces.
  expect((await hosts.hostExec('host-2', ['hostname'])).stdout.trim()).toBe('host-2');
  expect((await hosts.hostExec('host-3', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout).toContain(`inet ${hosts.hosts[2]!.ip}/24`);
});

test('inventoryIni lists every host with the connection settings', () => {
  const ini = hosts.inventoryIni({ ansible_connection_timeout: 5 });
  for (const h of hosts.hosts) expect(ini).toContain(`${h.name} ansible_host=${h.ip}\n`);
  expect(ini).toContain('ansible_user=root\n');
  expect(ini).toContain(`ansible_ssh_private_key_file=${hosts.clientKeyFile}\n`);
  expect(ini).toContain('ansible_python_interpreter=/usr/bin/python3\n');
  expect(ini).toContain("ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'\n");
  expect(ini).toContain('ansible_connection_timeout=5\n');
});

test('stop() removes every namespace and the bridge, quickly and idempotently', async () => {
  const extra = await startSshHosts(2);
  const nsBefore = (await execa('ip', ['netns', 'list'])).stdout;
  for (const h of extra.hosts) expect(nsBefore).toContain(h.netns);
  const t0 = Date.now();
  await extra.stop();
  const stopMs = Date.now() - t0;
  await extra.stop();
  const nsAfter = (await execa('ip', ['netns', 'list'])).stdout;
  for (const h of extra.hosts) expect(nsAfter).not.toContain(h.netns);
  expect((await execa('ip', ['link', 'show', extra.bridge], { reject: false })).exitCode).not.toBe(0);
  for (const h of extra.hosts) expect(liveProcess(h.sshdPid)).toBe(false);
  expect(existsSync(extra.dir)).toBe(false);
  expect(stopMs).toBeLessThan(1000);
  // The first set is untouched by the second set's stop.
  expect((await hosts.hostExec('host-1', ['hostname'])).stdout.trim()).toBe('host-1');
});

function liveProcess(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2)[0]!);
  } catch {
    return false;
  }
}

test('cleanupStaleSshHosts removes a dead owner’s namespaces and bridge, and leaves live owners alone', async () => {
  // A leftover as a crashed worker would leave it: state file, namespace, bridge, dir; owner gone.
  const child = execa('true');
  await child;
  const deadPid = child.pid!;
  const token = `${deadPid.toString(36)}-zzz`;
  const res = { token, ownerPid: deadPid, ownerStart: '1', bridge: names.bridge(token), namespaces: [names.netns(token, 1)], dir: `/tmp/patrol-sshhosts-${token}` };
  writeState(res);
  await execa('mkdir', ['-p', res.dir]);
  await execa('ip', ['netns', 'add', res.namespaces[0]!]);
  await execa('ip', ['link', 'add', res.bridge, 'type', 'bridge']);

  const removed = await cleanupStaleSshHosts();
  expect(removed).toContain(token);
  expect((await execa('ip', ['netns', 'list'])).stdout).not.toContain(res.namespaces[0]!);
  expect((await execa('ip', ['link', 'show', res.bridge], { reject: false })).exitCode).not.toBe(0);
  expect(existsSync(res.dir)).toBe(false);
  // This file's hosts belong to a live owner and survive.
  expect((await hosts.hostExec('host-2', ['hostname'])).stdout.trim()).toBe('host-2');
});
