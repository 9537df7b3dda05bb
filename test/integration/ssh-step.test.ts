import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { createHarness, waitForStep, type Harness } from '../support/engine-harness.js';
import { startSshHosts, type SshHosts } from '../support/ssh-hosts.js';
import { sshStepOutputSchema, type SshStepOutput } from '../../src/ssh/ssh-step-output.js';
import type { StepProgressEvent } from '../../src/engine/run-events.js';
import { StepTypeRegistry } from '../../src/steps/step-type-registry.js';
import { createSshStepType } from '../../src/steps/builtin/ssh.js';

const PW_USER = 'patrolsshpw';
const PW = `pw-${randomBytes(9).toString('hex')}`;

let hosts: SshHosts;
let ips: string[];
let h: Harness;

beforeAll(async () => {
  hosts = await startSshHosts(3, { passwordUser: { name: PW_USER, password: PW } });
  ips = hosts.hosts.map((x) => x.ip);
});
afterAll(async () => {
  await hosts?.stop();
});
beforeEach(async () => {
  h = await createHarness({ credentials: true });
  await h.credentials!.put({ name: 'test-key', type: 'ssh-key', fields: { privateKey: hosts.clientKey } });
});
afterEach(async () => {
  await h.close();
});

/** A one-step workflow; YAML accepts the JSON `with` block as it is. */
function workflow(withBlock: Record<string, unknown>): string {
  return `
apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: ssh-test }
spec:
  steps:
    - name: remote
      type: ssh
      with: ${JSON.stringify(withBlock)}
`;
}

async function runSsh(withBlock: Record<string, unknown>, opts: { dryRun?: boolean } = {}) {
  const run = await h.engine.trigger(h.workflow(workflow(withBlock)), { dryRun: opts.dryRun ?? false });
  const done = await h.engine.waitFor(run.id, { timeoutMs: 30_000 });
  const detail = await h.engine.detail(run.id);
  const step = detail.steps.find((s) => s.name === 'remote')!;
  const logs = (await h.store.logs.read({ runId: run.id, limit: 10_000 })).items;
  const outputs: SshStepOutput | null = step.outputs === null ? null : sshStepOutputSchema.parse(step.outputs);
  return { run: done, step, outputs, logs, detail, lines: logs.map((l) => l.message) };
}

const keyed = (extra: Record<string, unknown> = {}) => ({ hosts: ips, credential: 'test-key', knownHosts: hosts.knownHostsFile, ...extra });

async function fingerprint(publicKey: string): Promise<string> {
  // OpenSSH's own fingerprint, so the step's formatting is checked against the real thing.
  const file = join(h.dir, `fp-${randomBytes(4).toString('hex')}.pub`);
  writeFileSync(file, `${publicKey}\n`);
  const out = await execa('ssh-keygen', ['-lf', file]);
  return out.stdout.split(' ')[1]!;
}

test('key auth runs a command on all hosts with per-host results, log lines prefixed [host] and progress', async () => {
  const progress: StepProgressEvent[] = [];
  const onProgress = (e: StepProgressEvent) => progress.push(e);
  h.engine.events.on('progress', onProgress);
  const { run, outputs, lines } = await runSsh(keyed({ command: ['hostname'] }));
  h.engine.events.off('progress', onProgress);

  expect([run.status, run.reason]).toEqual(['succeeded', null]);
  expect(outputs!.succeeded).toEqual(ips);
  expect([outputs!.failed, outputs!.unreachable]).toEqual([[], []]);
  hosts.hosts.forEach((x) => {
    const r = outputs!.results[x.ip]!;
    expect([r.exitCode, r.stdout, r.stderr, r.error]).toEqual([0, `${x.name}\n`, '', undefined]);
    expect(r.durationMs).toBeGreaterThan(0);
    expect(lines).toContain(`[${x.ip}] ${x.name}`);
  });
  const hostEvents = progress.filter((e) => e.progress.kind === 'hosts');
  expect(hostEvents.map((e) => e.progress.done)).toEqual([0, 1, 2, 3]);
  expect(hostEvents.every((e) => e.progress.total === 3)).toBe(true);
});

test('each argument arrives literally: spaces, quotes, $(...), ;, backticks, newlines, empty', async () => {
  const marker = join(h.dir, 'pwned');
  const args = ['two  spaces', `it's "double" and 'single'`, `$(touch ${marker})`, `; touch ${marker}2 ;`, 'back\\slash *glob* ~ $HOME `id` && ||', 'line1\nline2', ''];
  const { run, outputs } = await runSsh(keyed({ hosts: [ips[0]], command: ['printf', '[%s]\\n', ...args], env: { GREETING: "it's $(not) run" } }));
  expect(run.status).toBe('succeeded');
  expect(outputs!.results[ips[0]!]!.stdout).toBe(args.map((a) => `[${a}]\n`).join(''));
  // The hosts share this machine's filesystem: had the remote shell run anything, the files would exist.
  expect(existsSync(marker)).toBe(false);
  expect(existsSync(`${marker}2`)).toBe(false);

  const envRun = await runSsh(keyed({ hosts: [ips[0]], command: ['sh', '-c', 'printf %s "$GREETING"'], env: { GREETING: "it's $(not) run; ok" } }));
  expect(envRun.outputs!.results[ips[0]!]!.stdout).toBe("it's $(not) run; ok");
});

test('strict checking rejects a host missing from known_hosts and a host whose key changed, while the other host succeeds', async () => {
  const [h1, h2, h3] = hosts.hosts;
  const file = join(h.dir, 'known_hosts');
  // host-1 hashed as `ssh-keygen -H` writes it; host-2 absent; host-3 listed with host-1's key.
  writeFileSync(file, `# test hosts\n${h1!.ip} ${h1!.hostKeyPublic}\n`);
  await execa('ssh-keygen', ['-H', '-f', file]);
  const hashed = readFileSync(file, 'utf8');
  expect(hashed).toMatch(/^\|1\|/m);
  expect(hashed).not.toContain(h1!.ip);
  const changedLine = hashed.trimEnd().split('\n').length + 1;
  writeFileSync(file, `${hashed}${h3!.ip} ${h1!.hostKeyPublic}\n`);

  const { run, step, outputs } = await runSsh(keyed({ knownHosts: file, command: ['hostname'] }));
  expect(run.status).toBe('failed');
  expect(step.error?.code).toBe('unreachable');
  expect(outputs!.succeeded).toEqual([h1!.ip]);
  expect(outputs!.unreachable).toEqual([h2!.ip, h3!.ip]);

  const unknown = outputs!.results[h2!.ip]!.error!;
  expect(unknown.code).toBe('host-key-unknown');
  expect(unknown.message).toContain(h2!.ip);
  expect(unknown.message).toContain(`ssh-keyscan -p 22 ${h2!.ip} >> ${file}`);
  expect(unknown.message).toContain(await fingerprint(h2!.hostKeyPublic));

  const changed = outputs!.results[h3!.ip]!.error!;
  expect(changed.code).toBe('host-key-changed');
  expect(changed.message).toContain(h3!.ip);
  expect(changed.message).toContain(`${file}:${changedLine}`);
  expect(changed.message).toContain(`expects ssh-ed25519 ${await fingerprint(h1!.hostKeyPublic)}`);
  expect(changed.message).toContain(`presented ssh-ed25519 ${await fingerprint(h3!.hostKeyPublic)}`);
  expect(step.error?.message).toContain(`${h3!.ip}: host-key-changed`);
  expect(outputs!.results[h1!.ip]!.stdout).toBe('host-1\n');
});

test('accept-new records unknown keys (which strict then accepts) and still rejects a changed key', async () => {
  const [h1, h2, h3] = hosts.hosts;
  const dir = join(h.dir, 'fresh');
  mkdirSync(dir);
  const file = join(dir, 'known_hosts');
  writeFileSync(file, `${h3!.ip} ${h1!.hostKeyPublic}\n`);

  const first = await runSsh(keyed({ knownHosts: file, hostKeyChecking: 'accept-new', command: ['hostname'] }));
  expect(first.outputs!.succeeded).toEqual([h1!.ip, h2!.ip]);
  expect(first.outputs!.unreachable).toEqual([h3!.ip]);
  expect(first.outputs!.results[h3!.ip]!.error!.code).toBe('host-key-changed');
  const recorded = readFileSync(file, 'utf8').trim().split('\n');
  expect(recorded[0]).toBe(`${h3!.ip} ${h1!.hostKeyPublic}`);
  expect(recorded.slice(1).sort()).toEqual([`${h1!.ip} ${h1!.hostKeyPublic}`, `${h2!.ip} ${h2!.hostKeyPublic}`].sort());
  expect(first.lines.some((l) => l.startsWith(`[${h1!.ip}] recorded ssh-ed25519 SHA256:`) && l.includes(file))).toBe(true);

  const again = await runSsh(keyed({ hosts: [h1!.ip, h2!.ip], knownHosts: file, hostKeyChecking: 'strict', command: ['true'] }));
  expect(again.run.status).toBe('succeeded');
  expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
});

test('a password credential logs in as its user; a wrong password is an auth failure per host', async () => {
  await h.credentials!.put({ name: 'pw', type: 'password', fields: { password: PW, username: PW_USER } });
  await h.credentials!.put({ name: 'bad-pw', type: 'password', fields: { password: 'definitely-wrong', username: PW_USER } });
  const ok = await runSsh({ hosts: ips, credential: 'pw', knownHosts: hosts.knownHostsFile, command: ['id', '-un'] });
  expect(ok.run.status).toBe('succeeded');
  for (const ip of ips) expect(ok.outputs!.results[ip]!.stdout).toBe(`${PW_USER}\n`);

  const bad = await runSsh({ hosts: [ips[0]], credential: 'bad-pw', knownHosts: hosts.knownHostsFile, command: ['id', '-un'] });
  expect(bad.run.status).toBe('failed');
  const err = bad.outputs!.results[ips[0]!]!.error!;
  expect(err.code).toBe('auth-failed');
  expect(err.message).toContain(`login as ${PW_USER} on ${ips[0]}:22 with credential "bad-pw" (password) failed`);
  const everything = JSON.stringify([ok.logs, ok.detail, bad.logs, bad.detail]);
  expect(everything).not.toContain(PW);
  expect(everything).not.toContain('definitely-wrong');
});

test('an unreachable address and a closed port are reported per host within the connect timeout while the others succeed', async () => {
  const t0 = Date.now();
  const { run, step, outputs } = await runSsh(keyed({ hosts: [ips[0], hosts.unusedIp, `${ips[1]}:2222`, ips[2]], connectTimeout: '1500ms', command: ['hostname'] }));
  expect(Date.now() - t0).toBeLessThan(6000);
  expect(run.status).toBe('failed');
  expect(step.error?.code).toBe('unreachable');
  expect(outputs!.succeeded).toEqual([ips[0], ips[2]]);
  expect(outputs!.unreachable).toEqual([hosts.unusedIp, `${ips[1]}:2222`]);
  const dead = outputs!.results[hosts.unusedIp]!;
  expect(['connect-timeout', 'host-unreachable']).toContain(dead.error!.code);
  expect(dead.error!.message).toContain(hosts.unusedIp);
  expect(dead.durationMs).toBeLessThan(1500 + 700);
  expect(dead.exitCode).toBeNull();
  expect(outputs!.results[`${ips[1]}:2222`]!.error!.code).toBe('connection-refused');
});

test('parallelism 1 runs hosts one after the other; the default runs them at once', async () => {
  const timed = { command: ['sh', '-c', 'date +%s%N; sleep 0.3; date +%s%N'] };
  const spans = (o: SshStepOutput) =>
    ips
      .map((ip) => o.results[ip]!.stdout.trim().split('\n').map(Number) as [number, number])
      .sort((a, b) => a[0] - b[0]);
  const serial = spans((await runSsh(keyed({ ...timed, parallelism: 1 }))).outputs!);
  for (let i = 1; i < serial.length; i++) expect(serial[i]![0]).toBeGreaterThanOrEqual(serial[i - 1]![1]);
  const parallel = spans((await runSsh(keyed(timed))).outputs!);
  expect(Math.max(...parallel.map((s) => s[0]))).toBeLessThan(Math.min(...parallel.map((s) => s[1])));
});

test('cancel stops a long sleep on all hosts within seconds', async () => {
  const run = await h.engine.trigger(h.workflow(workflow(keyed({ command: ['sleep', '987'] }))));
  await waitForStep(h.engine, run.id, 'remote', 'running');
  // The hosts share the machine's pid namespace: find the remote sleeps and which host each runs on.
  const sleepers = await waitFor(() => {
    const found = remoteSleeps();
    return found.length === 3 ? found : undefined;
  }, 10_000);
  const hostUts = hosts.hosts.map((x) => readlinkSync(`/proc/${x.sshdPid}/ns/uts`));
  expect(sleepers.map((p) => readlinkSync(`/proc/${p}/ns/uts`)).sort()).toEqual([...hostUts].sort());

  const t0 = Date.now();
  await h.engine.cancel(run.id, 'test cancel');
  const done = await h.engine.waitFor(run.id, { timeoutMs: 10_000 });
  expect(Date.now() - t0).toBeLessThan(4000);
  expect(done.status).toBe('cancelled');
  await waitFor(() => (remoteSleeps().length === 0 ? true : undefined), 3000);
  const step = (await h.engine.detail(run.id)).steps[0]!;
  const outputs = sshStepOutputSchema.parse(step.outputs);
  for (const ip of ips) expect(outputs.results[ip]!.error!.code).toBe('cancelled');
});

test('the private key never appears in stored logs or outputs, even when the remote command prints it', async () => {
  const { run, outputs, logs, detail } = await runSsh(keyed({ hosts: [ips[0]], command: ['cat', hosts.clientKeyFile] }));
  expect(run.status).toBe('succeeded');
  const stored = JSON.stringify([logs, detail]);
  const keyLines = hosts.clientKey.split('\n').map((l) => l.trim()).filter((l) => l.length >= 4);
  expect(keyLines.length).toBeGreaterThan(3);
  for (const line of keyLines) expect(stored).not.toContain(line);
  expect(outputs!.results[ips[0]!]!.stdout).toContain('********');
  expect(logs.some((l) => l.message.startsWith(`[${ips[0]}] ********`))).toBe(true);
});

test('a passphrase-protected key works; a wrong passphrase fails the step once, before any host is contacted', async () => {
  const file = join(h.dir, 'encrypted_key');
  writeFileSync(file, hosts.clientKey, { mode: 0o600 });
  const passphrase = `pass-${randomBytes(6).toString('hex')}`;
  await execa('ssh-keygen', ['-p', '-q', '-f', file, '-P', '', '-N', passphrase]);
  const encrypted = readFileSync(file, 'utf8');
  await h.credentials!.put({ name: 'enc', type: 'ssh-key', fields: { privateKey: encrypted, passphrase } });
  await h.credentials!.put({ name: 'enc-wrong', type: 'ssh-key', fields: { privateKey: encrypted, passphrase: 'not-the-passphrase' } });

  const ok = await runSsh({ hosts: ips, credential: 'enc', knownHosts: hosts.knownHostsFile, command: ['true'] });
  expect(ok.outputs!.succeeded).toEqual(ips);
  expect(JSON.stringify([ok.logs, ok.detail])).not.toContain(passphrase);

  const bad = await runSsh({ hosts: ips, credential: 'enc-wrong', knownHosts: hosts.knownHostsFile, command: ['true'] });
  expect(bad.run.status).toBe('failed');
  expect(bad.step.error?.code).toBe('credential-invalid');
  expect(bad.step.error?.retryable).toBe(false);
  expect(bad.step.error?.message).toMatch(/credential "enc-wrong" \(ssh-key\): the private key cannot be used: .*(passphrase|decrypt)/i);
  expect(bad.outputs).toBeNull();
});

test("without knownHosts the step reads Patrol's known_hosts, and ~/.ssh/known_hosts as well", async () => {
  // The built-in registration points at $PATROL_HOME/known_hosts (the harness's dir).
  writeFileSync(join(h.dir, 'known_hosts'), readFileSync(hosts.knownHostsFile));
  const viaPatrolFile = await runSsh({ hosts: ips, credential: 'test-key', command: ['true'] });
  expect(viaPatrolFile.step.error).toBeNull();
  expect(viaPatrolFile.outputs!.succeeded).toEqual(ips);

  // The user's file is consulted too (here injected; by default ~/.ssh/known_hosts).
  const registry = new StepTypeRegistry().register(createSshStepType({ knownHostsFile: join(h.dir, 'empty_known_hosts'), userKnownHostsFile: hosts.knownHostsFile }));
  const other = await createHarness({ credentials: true, registry });
  try {
    await other.credentials!.put({ name: 'test-key', type: 'ssh-key', fields: { privateKey: hosts.clientKey } });
    const run = await other.engine.trigger(other.workflow(workflow({ hosts: ips, credential: 'test-key', command: ['true'] })));
    expect((await other.engine.waitFor(run.id, { timeoutMs: 30_000 })).status).toBe('succeeded');
    // An explicit knownHosts replaces both defaults, as UserKnownHostsFile does in OpenSSH.
    const run2 = await other.engine.trigger(other.workflow(workflow({ hosts: [ips[0]], credential: 'test-key', knownHosts: join(h.dir, 'empty_known_hosts'), command: ['true'] })));
    expect((await other.engine.waitFor(run2.id, { timeoutMs: 30_000 })).status).toBe('failed');
    const step = (await other.engine.detail(run2.id)).steps[0]!;
    expect(sshStepOutputSchema.parse(step.outputs).results[ips[0]!]!.error!.code).toBe('host-key-unknown');
  } finally {
    await other.close();
  }
});

test('dry run connects to nothing and returns empty results', async () => {
  const { run, outputs, lines } = await runSsh(keyed({ hosts: [...ips, hosts.unusedIp], command: ['hostname'] }), { dryRun: true });
  expect(run.status).toBe('succeeded');
  expect(outputs).toEqual({ results: {}, succeeded: [], failed: [], unreachable: [] });
  expect(lines.some((l) => l.startsWith('dry run: would run hostname on 4 host(s)'))).toBe(true);
});

test('failOn: never keeps the step green with a failing host; all fails only when every host fails', async () => {
  const cmd = { command: ['sh', '-c', `test "$(hostname)" = host-1 || { echo "not host-1" >&2; exit 3; }`] };
  const never = await runSsh(keyed({ ...cmd, failOn: 'never' }));
  expect(never.run.status).toBe('succeeded');
  expect(never.outputs!.succeeded).toEqual([ips[0]]);
  expect(never.outputs!.failed).toEqual([ips[1], ips[2]]);
  expect(never.outputs!.results[ips[1]!]!).toMatchObject({ exitCode: 3, stderr: 'not host-1\n' });
  expect(never.lines).toContain(`[${ips[1]}] not host-1`);

  const all = await runSsh(keyed({ ...cmd, failOn: 'all' }));
  expect(all.run.status).toBe('succeeded');
  const any = await runSsh(keyed(cmd));
  expect(any.run.status).toBe('failed');
  expect(any.step.error?.code).toBe('exit-code');
  expect(any.step.error?.message).toContain(`${ips[1]}: exit 3: not host-1`);
  expect(any.outputs!.failed).toEqual([ips[1], ips[2]]);
});

/** Pids of `sleep 987` processes (the remote commands of the cancel test). */
function remoteSleeps(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8') === 'sleep\u0000987\u0000') {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (!['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2)[0]!)) out.push(Number(entry));
      }
    } catch {
      // Exited while we looked.
    }
  }
  return out;
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
