import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { startSshHosts, type SshHosts } from '../support/ssh-hosts.js';
import type { AnsibleStepOutput } from '../../src/ansible/ansible-step-output.js';

// The ansible step against real OpenSSH servers in network namespaces (test/support/ssh-hosts.ts):
// SSH with strict host key checking against the hosts' known_hosts, credentials from Patrol's
// credential store, and one host whose sshd is stopped.

const FIXTURES = fileURLToPath(new URL('../fixtures/ansible/', import.meta.url));
const PASSWORD_USER = { name: 'patrolpw', password: `pw-${Math.random().toString(36).slice(2)}-Zq9` };

let fleet: SshHosts;
let h: Harness;

beforeAll(async () => {
  fleet = await startSshHosts(3, { passwordUser: PASSWORD_USER });
  h = await createHarness({ credentials: true });
  await h.credentials!.put({ name: 'root-key', type: 'ssh-key', fields: { privateKey: fleet.clientKey, username: 'root' } });
  await h.credentials!.put({ name: 'pw-login', type: 'password', fields: { password: PASSWORD_USER.password, username: PASSWORD_USER.name } });
  // The same client key, protected by a passphrase: the step must unlock it itself.
  const locked = join(h.dir, 'locked-key');
  writeFileSync(locked, fleet.clientKey, { mode: 0o600 });
  await execa('ssh-keygen', ['-p', '-q', '-f', locked, '-P', '', '-N', 'correct horse battery']);
  await h.credentials!.put({ name: 'locked-key', type: 'ssh-key', fields: { privateKey: readFileSync(locked, 'utf8'), passphrase: 'correct horse battery', username: 'root' } });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await fleet?.stop();
});

function workflow(steps: { name: string; with: Record<string, unknown> }[]): string {
  const body = steps.map((s) => `    - name: ${s.name}\n      type: ansible\n      continueOnError: true\n      with: ${JSON.stringify(s.with)}`).join('\n');
  return `apiVersion: patrol.dev/v1\nkind: Workflow\nmetadata: { name: ansible-ssh }\nspec:\n  steps:\n${body}\n`;
}

async function run(steps: { name: string; with: Record<string, unknown> }[]) {
  const r = await h.engine.trigger(h.workflow(workflow(steps)));
  const done = await h.engine.waitFor(r.id, { timeoutMs: 120_000 });
  const detail = await h.engine.detail(r.id);
  const logs = (await h.store.logs.read({ runId: r.id, limit: 10_000 })).items;
  return { run: done, steps: Object.fromEntries(detail.steps.map((s) => [s.name, s])), logs, detail };
}

test('3 SSH hosts, one with its sshd stopped: per-host recap, facts and set_stats per host, unreachable reported, masters closed', async () => {
  const [h1, h2, h3] = fleet.hosts as [SshHosts['hosts'][0], SshHosts['hosts'][0], SshHosts['hosts'][0]];
  await fleet.hostExec(h3, ['kill', String(h3.sshdPid)]);
  const hosts = fleet.hosts.map((x) => ({ name: x.name, address: x.ip }));
  const t0 = Date.now();
  const { steps, logs } = await run([
    { name: 'fleet', with: { playbook: join(FIXTURES, 'ssh.yml'), hosts, credential: 'root-key', knownHostsFile: fleet.knownHostsFile, timeout: 5 } },
  ]);
  const wall = Date.now() - t0;
  const s = steps.fleet!;
  expect(s.status).toBe('failed');
  expect(s.error?.code).toBe('unreachable');
  // Ansible's reason depends on timing: ssh's "Connection refused", or with pipelining the write to
  // the dying ssh process failing first ("Data could not be sent to remote host ...: Broken pipe").
  expect(s.error?.message).toMatch(new RegExp(`^1 host unreachable: host-3 \\(Gathering Facts: .*${h3.ip.replace(/\./g, '\\.')}.*(port 22: Connection refused|Broken pipe)`));
  const out = s.outputs as unknown as AnsibleStepOutput;
  expect(out.recap).toEqual({
    'host-1': { ok: 3, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
    'host-2': { ok: 3, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
    'host-3': { ok: 0, changed: 0, unreachable: 1, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
  });
  expect(out.unreachableHosts).toEqual(['host-3']);
  expect(out.failedHosts).toEqual([]);
  // Each reachable host answered with its own name: the command really ran there, over SSH.
  expect(out.registered['host-1']!.hn).toMatchObject({ stdout: 'host-1' });
  expect(out.registered['host-2']!.hn).toMatchObject({ stdout: 'host-2' });
  expect(out.hostStats).toEqual({ 'host-1': { hostname: 'host-1', user: 'root' }, 'host-2': { hostname: 'host-2', user: 'root' } });
  // Strict host key checking stayed on, with the hosts' known_hosts added.
  expect(logs.some((l) => l.message.startsWith('ansible.cfg| host_key_checking = True'))).toBe(true);
  expect(logs.some((l) => l.message.includes(`UserKnownHostsFile=${fleet.knownHostsFile}`))).toBe(true);
  // ControlPersist masters were used and closed: no ssh process of this run is left.
  expect(logs.map((l) => l.message)).toContain('closed 2 SSH control masters of this run');
  expect(processesMentioning(h.dir)).toEqual([]);
  console.log(`3 SSH hosts (1 down) through the step: ${wall} ms wall, ansible-playbook ${out.durationMs} ms`);
  void h1;
  void h2;
});

test('a password credential (via sshpass) and a passphrase-protected key both log in; neither secret is stored', async () => {
  const [h1, h2] = fleet.hosts as [SshHosts['hosts'][0], SshHosts['hosts'][0]];
  const { steps, logs, detail } = await run([
    { name: 'password', with: { playbook: join(FIXTURES, 'ssh.yml'), hosts: [{ name: h1.name, address: h1.ip }], credential: 'pw-login', knownHostsFile: fleet.knownHostsFile, timeout: 5 } },
    { name: 'passphrase', with: { playbook: join(FIXTURES, 'ssh.yml'), hosts: [{ name: h2.name, address: h2.ip }], credential: 'locked-key', knownHostsFile: fleet.knownHostsFile, timeout: 5 } },
  ]);
  expect([steps.password!.status, steps.password!.error?.message]).toEqual(['succeeded', undefined]);
  expect((steps.password!.outputs as unknown as AnsibleStepOutput).hostStats).toEqual({ 'host-1': { hostname: 'host-1', user: PASSWORD_USER.name } });
  expect([steps.passphrase!.status, steps.passphrase!.error?.message]).toEqual(['succeeded', undefined]);
  expect((steps.passphrase!.outputs as unknown as AnsibleStepOutput).hostStats).toEqual({ 'host-2': { hostname: 'host-2', user: 'root' } });
  const stored = JSON.stringify({ logs, detail });
  expect(stored).not.toContain(PASSWORD_USER.password);
  expect(stored).not.toContain('correct horse battery');
  expect(processesMentioning(h.dir)).toEqual([]);
});

/** Live processes whose command line mentions `text` (ssh masters show their ControlPath). */
function processesMentioning(text: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(text)) out.push(`${entry}: ${cmd}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}
