import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createHarness, waitForStep, type Harness } from '../support/engine-harness.js';
import { liveProcessesInGroup } from '../support/processes.js';
import { StepTypeRegistry } from '../../src/steps/step-type-registry.js';
import { createAnsibleStepType } from '../../src/ansible/ansible-step-type.js';
import { patrolPaths } from '../../src/config/paths.js';
import type { StepProgressEvent } from '../../src/engine/run-events.js';
import type { AnsibleStepOutput } from '../../src/ansible/ansible-step-output.js';

// Real ansible-playbook (Debian's ansible-core 2.14) through the real engine. Hosts are this
// machine through local connections; "dead" is an SSH host on a closed loopback port.

const FIXTURES = fileURLToPath(new URL('../fixtures/ansible/', import.meta.url));
const LOCAL = [{ name: 'localhost' }];

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ credentials: true });
});
afterEach(async () => {
  await h.close();
});

function workflow(steps: { name: string; with: Record<string, unknown>; extra?: string }[]): string {
  const body = steps.map((s) => `    - name: ${s.name}\n      type: ansible\n${s.extra ?? ''}      with: ${JSON.stringify(s.with)}`).join('\n');
  return `apiVersion: patrol.dev/v1\nkind: Workflow\nmetadata: { name: ansible-test }\nspec:\n  steps:\n${body}\n`;
}

async function run(steps: Parameters<typeof workflow>[0], opts: { dryRun?: boolean } = {}) {
  const r = await h.engine.trigger(h.workflow(workflow(steps)), opts);
  const done = await h.engine.waitFor(r.id, { timeoutMs: 90_000 });
  const detail = await h.engine.detail(r.id);
  const steps_ = Object.fromEntries(detail.steps.map((s) => [s.name, s]));
  const logs = (await h.store.logs.read({ runId: r.id, limit: 10_000 })).items;
  return { run: done, steps: steps_, detail, logs };
}

function outputsOf(step: { outputs: unknown }): AnsibleStepOutput {
  return step.outputs as AnsibleStepOutput;
}

test('a localhost playbook: recap, registered results, set_stats, per-task log lines, progress, nothing kept in ~/.ansible', async () => {
  const marker = join(h.dir, 'marker');
  const home = join(h.dir, 'home');
  mkdirSync(home);
  const progress: StepProgressEvent[] = [];
  h.engine.events.on('progress', (e) => progress.push(e));
  const t0 = Date.now();
  const { run: r, steps, logs } = await run([{ name: 'play', with: { playbook: join(FIXTURES, 'site.yml'), hosts: ['localhost'], extraVars: { marker_path: marker }, env: { HOME: home } } }]);
  const wall = Date.now() - t0;
  expect([r.status, r.reason]).toEqual(['succeeded', null]);
  const out = outputsOf(steps.play!);
  // uname, large output, copy (changed), set_stats, debug: 5 ok; "Never runs" skipped.
  expect(out.recap).toEqual({ localhost: { ok: 5, changed: 1, unreachable: 0, failed: 0, skipped: 1, rescued: 0, ignored: 0 } });
  expect(out.hosts).toEqual(['localhost']);
  expect([out.failedHosts, out.unreachableHosts, out.failures]).toEqual([[], [], []]);
  expect(out.exitCode).toBe(0);
  expect(out.check).toBe(false);
  expect(readFileSync(marker, 'utf8')).toBe("written by Patrol's fixture\n");

  // Registered variables look like Ansible's, by host and name; the oversized one is cut by the plugin.
  const reg = out.registered.localhost!;
  expect(reg.kernel).toMatchObject({ stdout: 'Linux', rc: 0, changed: false, stdout_lines: ['Linux'] });
  expect(reg.greeting_out).toEqual({ msg: 'no greeting', changed: false });
  expect(reg.big).toMatchObject({ _patrol_truncated: true, rc: 0 });
  expect(JSON.stringify(reg.big).length).toBeLessThanOrEqual(65536);
  expect(out.truncated).toEqual(['registered']);
  expect(out.stats).toEqual({ kernel: 'Linux', checked_hosts: 1 });
  expect(out.hostStats).toEqual({});
  expect(out.stdout).toContain('PLAY RECAP');
  expect(out.durationMs).toBeGreaterThan(0);
  // Temp files and sockets went to the attempt's work dir, not the user's home. (ansible-playbook
  // itself creates an empty ~/.ansible at start-up, whatever its configuration.)
  expect(readdirSync(home)).toEqual(['.ansible']);
  expect(readdirSync(join(home, '.ansible'))).toEqual([]);

  // One line per host and task from the event stream, next to ansible-playbook's own output.
  const info = logs.filter((l) => l.stream === 'info').map((l) => l.message);
  expect(info).toEqual(
    expect.arrayContaining([
      'PLAY [Patrol fixture] 1 host',
      'ok: [localhost] Read the kernel name',
      'ok: [localhost] Produce a large output',
      'changed: [localhost] Write the marker file',
      'skipping: [localhost] Never runs',
      'ok: [localhost] Publish stats',
      'ok: [localhost] Echo the greeting',
    ]),
  );
  expect(logs.some((l) => l.stream === 'stdout' && l.message.startsWith('TASK [Write the marker file]'))).toBe(true);

  // Live progress: per-host counts, ending with every host done.
  const mine = progress.filter((p) => p.runId === r.id).map((p) => p.progress);
  expect(mine.length).toBeGreaterThanOrEqual(2);
  expect(mine.every((p) => p.kind === 'ansible' && p.total === 1)).toBe(true);
  const taskNames = ['Read the kernel name', 'Produce a large output', 'Write the marker file', 'Never runs', 'Publish stats', 'Echo the greeting'];
  expect(mine.slice(0, -1).every((p) => [...taskNames, 'Patrol fixture'].includes(p.message ?? ''))).toBe(true);
  const last = mine[mine.length - 1]!;
  expect(last.done).toBe(1);
  expect((last.data as { hosts: Record<string, unknown> }).hosts.localhost).toEqual({ ok: 5, changed: 1, unreachable: 0, failed: 0, skipped: 1, rescued: 0, ignored: 0, state: 'done' });
  console.log(`localhost fixture through the step: ${wall} ms wall (run), ansible-playbook ${out.durationMs} ms`);
});

test('check mode reports the change without making it, and a dry run implies check and diff', async () => {
  const marker = join(h.dir, 'never-written');
  const { run: r, steps } = await run([{ name: 'check', with: { playbook: join(FIXTURES, 'site.yml'), hosts: LOCAL, check: true, extraVars: { marker_path: marker } } }]);
  expect(r.status).toBe('succeeded');
  const out = outputsOf(steps.check!);
  expect(out.check).toBe(true);
  expect(out.recap.localhost).toMatchObject({ changed: 1, failed: 0 });
  expect(existsSync(marker)).toBe(false);

  const dry = await run([{ name: 'dry', with: { playbook: join(FIXTURES, 'site.yml'), hosts: LOCAL, extraVars: { marker_path: marker } } }], { dryRun: true });
  expect(dry.run.status).toBe('succeeded');
  expect(outputsOf(dry.steps.dry!).check).toBe(true);
  expect(outputsOf(dry.steps.dry!).recap.localhost).toMatchObject({ changed: 1 });
  expect(existsSync(marker)).toBe(false);
  // --diff shows the would-be content of the file in ansible-playbook's output.
  expect(dry.logs.some((l) => l.stream === 'info' && l.message.includes('--check') && l.message.includes('--diff'))).toBe(true);
  expect(outputsOf(dry.steps.dry!).stdout).toContain("+written by Patrol's fixture");
});

test('tags, limit and extra vars with spaces and quotes reach the playbook', async () => {
  const greeting = `He said "it's fine" & left; $HOME 'twice'  two spaces`;
  const { run: r, steps } = await run([
    {
      name: 'tagged',
      with: {
        playbook: join(FIXTURES, 'site.yml'),
        hosts: ['localhost', { name: 'other', address: '127.0.0.1' }],
        limit: 'localhost',
        tags: ['greet'],
        extraVars: { greeting, marker_path: join(h.dir, 'm') },
      },
    },
  ]);
  expect(r.status).toBe('succeeded');
  const out = outputsOf(steps.tagged!);
  // Only the tagged task ran, only on the limited host.
  expect(out.hosts).toEqual(['localhost']);
  expect(out.recap.localhost).toMatchObject({ ok: 1, changed: 0, skipped: 0 });
  expect(existsSync(join(h.dir, 'm'))).toBe(false);
  // The value arrives byte for byte: no shell, no quoting layer in between.
  expect(out.registered.localhost!.greeting_out).toEqual({ msg: greeting, changed: false });
});

test("a project's own ansible.cfg applies, found from the playbook, with its relative paths resolved next to it", async () => {
  const project = join(FIXTURES, 'project');
  const { run: r, steps, logs } = await run([{ name: 'project', with: { playbook: join(project, 'playbooks', 'uses-project-config.yml'), hosts: LOCAL } }]);
  expect([r.status, r.reason]).toEqual(['succeeded', null]);
  // The `shout` filter exists only through the project's `filter_plugins = ./filters`.
  expect(outputsOf(steps.project!).registered.localhost!.shouted).toEqual({ msg: 'HELLO!', changed: false });
  const messages = logs.map((l) => l.message);
  expect(messages).toContain(`ansible.cfg: ${join(project, 'ansible.cfg')} with Patrol's settings (cwd ${project})`);
  // The project's forks beat Patrol's inventory-sized default (1 here).
  expect(messages).toContain('ansible.cfg| forks = 3');
  expect(messages).toContain(`ansible.cfg| filter_plugins = ${join(project, 'filters')}`);
});

test('vault variables are decrypted with a vault-password credential that never reaches logs, outputs or files', async () => {
  const password = `vault-pw-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  await h.credentials!.put({ name: 'vault', type: 'vault-password', fields: { password } });
  const passFile = join(h.dir, 'setup-pass');
  writeFileSync(passFile, password, { mode: 0o600 });
  const enc = await execa('ansible-vault', ['encrypt_string', '--vault-password-file', passFile, '--name', 'secret_value', 'the decrypted value'], { env: { ANSIBLE_LOCAL_TEMP: join(h.dir, 'vault-tmp') } });
  writeFileSync(passFile, '');
  const dir = join(h.dir, 'vault-play');
  await execa('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'secret.yml'), `${enc.stdout}\n`);
  writeFileSync(
    join(dir, 'play.yml'),
    `- hosts: all
  gather_facts: false
  vars_files: [secret.yml]
  tasks:
    - name: Check the secret
      ansible.builtin.assert:
        that: ["secret_value == 'the decrypted value'"]
        quiet: true
    - name: Measure the secret
      ansible.builtin.debug:
        msg: "{{ secret_value | length }}"
      register: secret_len
`,
  );
  const { run: r, steps, logs } = await run([{ name: 'vaulted', with: { playbook: join(dir, 'play.yml'), hosts: LOCAL, vaultCredential: 'vault', verbosity: 2 } }]);
  expect([r.status, r.reason]).toEqual(['succeeded', null]);
  const out = outputsOf(steps.vaulted!);
  expect(out.recap.localhost).toMatchObject({ ok: 2, failed: 0 });
  expect(out.registered.localhost!.secret_len).toMatchObject({ msg: '19' });
  expect(logs.some((l) => l.message.includes('--vault-password-file'))).toBe(true);
  const stored = JSON.stringify({ logs, detail: await h.engine.detail(r.id) });
  expect(stored).not.toContain(password);
  // Nothing on disk holds it in clear: not the database (sealed), not a leftover password file.
  expect(filesContaining(h.dir, password)).toEqual([]);
});

test('a failed task on one host and an unreachable host: per-host recap, the step fails, results of the others are kept', async () => {
  const hosts = [
    { name: 'h1', address: '127.0.0.1' },
    { name: 'h2', address: '127.0.0.1' },
    // A closed port on loopback: connection refused at once.
    { name: 'dead', address: '127.0.0.1', port: 1 },
  ];
  const base = { playbook: join(FIXTURES, 'failures.yml'), hosts, extraVars: { fail_host: 'h2' }, timeout: 5, hostKeyChecking: false };
  const { run: r, steps, logs } = await run([
    { name: 'strict', with: base, extra: '      continueOnError: true\n      retries: { limit: 2, on: [timeout] }\n' },
    { name: 'tolerant', with: { ...base, allowFailedHosts: true } },
    { name: 'only_dead', with: { ...base, limit: 'dead' }, extra: '      continueOnError: true\n' },
  ]);
  expect(r.status).toBe('succeeded');

  const strict = steps.strict!;
  expect(strict.status).toBe('failed');
  expect(strict.attempts).toBe(1);
  expect(strict.error?.code).toBe('ansible-failed');
  expect(strict.error?.message).toContain('1 host failed: h2 (Fail on the chosen host: h2 was chosen to fail)');
  // Ansible's reason depends on timing: ssh's "Connection refused", or with pipelining the write to
  // the dying ssh process failing first ("... Broken pipe").
  expect(strict.error?.message).toMatch(/; 1 host unreachable: dead \(Say hello: .*(port 1: Connection refused|Broken pipe)\)$/);
  const out = outputsOf(strict);
  expect(out.recap).toEqual({
    h1: { ok: 2, changed: 0, unreachable: 0, failed: 0, skipped: 1, rescued: 0, ignored: 0 },
    h2: { ok: 1, changed: 0, unreachable: 0, failed: 1, skipped: 0, rescued: 0, ignored: 0 },
    dead: { ok: 0, changed: 0, unreachable: 1, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
  });
  expect(out.failedHosts).toEqual(['h2']);
  expect(out.unreachableHosts).toEqual(['dead']);
  expect(out.exitCode).toBe(4);
  // The reachable hosts' results survive the failure.
  expect(out.registered.h1!.hello).toMatchObject({ stdout: 'hello from h1' });
  expect(out.registered.h2!.hello).toMatchObject({ stdout: 'hello from h2' });
  expect(out.registered.dead!.hello).toMatchObject({ unreachable: true });
  expect(out.failures.map((f) => [f.host, f.status])).toEqual([
    ['dead', 'unreachable'],
    ['h2', 'failed'],
  ]);
  const errors = logs.filter((l) => l.step === 'strict' && l.stream === 'error').map((l) => l.message);
  expect(errors).toEqual(expect.arrayContaining(['failed: [h2] Fail on the chosen host: h2 was chosen to fail', expect.stringMatching(/^unreachable: \[dead\] Say hello: .*(Connection refused|Broken pipe)$/)]));

  const tolerant = steps.tolerant!;
  expect(tolerant.status).toBe('succeeded');
  expect(outputsOf(tolerant).failedHosts).toEqual(['h2']);
  expect(outputsOf(tolerant).unreachableHosts).toEqual(['dead']);

  expect(steps['only_dead']!.status).toBe('failed');
  expect(steps['only_dead']!.error?.code).toBe('unreachable');
  expect(outputsOf(steps['only_dead']!).recap).toEqual({ dead: { ok: 0, changed: 0, unreachable: 1, failed: 0, skipped: 0, rescued: 0, ignored: 0 } });
});

test('a syntax error, a missing playbook, a missing or unparsable inventory, an unreadable ansible.cfg: each fails once, naming the file', async () => {
  const retry = '      continueOnError: true\n      retries: { limit: 2 }\n';
  const { steps } = await run([
    { name: 'syntax', with: { playbook: join(FIXTURES, 'syntax-error.yml'), hosts: LOCAL }, extra: retry },
    { name: 'noplaybook', with: { playbook: join(FIXTURES, 'nope.yml'), hosts: LOCAL }, extra: retry },
    { name: 'noinventory', with: { playbook: join(FIXTURES, 'site.yml'), inventory: join(FIXTURES, 'missing-inventory.ini') }, extra: retry },
    { name: 'badinventory', with: { playbook: join(FIXTURES, 'site.yml'), inventory: join(FIXTURES, 'site.yml') }, extra: retry },
  ]);
  const syntax = steps.syntax!;
  expect([syntax.status, syntax.attempts, syntax.error?.code, syntax.error?.retryable]).toEqual(['failed', 1, 'ansible-error', false]);
  expect(syntax.error?.message).toContain(`playbook ${join(FIXTURES, 'syntax-error.yml')}`);
  expect(syntax.error?.message).toMatch(/ERROR! .*syntax-error\.yml.*line 7/);

  expect([steps.noplaybook!.attempts, steps.noplaybook!.error?.code]).toEqual([1, 'playbook-not-found']);
  expect(steps.noplaybook!.error?.message).toContain(join(FIXTURES, 'nope.yml'));
  expect([steps.noinventory!.attempts, steps.noinventory!.error?.code]).toEqual([1, 'inventory-not-found']);
  expect(steps.noinventory!.error?.message).toContain('missing-inventory.ini');

  // An ansible.cfg Patrol cannot read fails every attempt alike: once, naming the file.
  const broken = join(h.dir, 'broken-project');
  mkdirSync(join(broken, 'playbooks'), { recursive: true });
  writeFileSync(join(broken, 'ansible.cfg'), 'forks = 3\n');
  writeFileSync(join(broken, 'playbooks', 'p.yml'), '- hosts: all\n  gather_facts: false\n  tasks: []\n');
  const cfg = await run([{ name: 'badcfg', with: { playbook: join(broken, 'playbooks', 'p.yml'), hosts: LOCAL }, extra: retry }]);
  expect([cfg.steps.badcfg!.attempts, cfg.steps.badcfg!.error?.code, cfg.steps.badcfg!.error?.message]).toEqual([1, 'invalid-config', `cannot read ansible.cfg: ${join(broken, 'ansible.cfg')}:1: "forks = 3" comes before any [section] header`]);

  // A file Ansible cannot parse as an inventory is an error, not a silent run on no hosts.
  const bad = steps.badinventory!;
  expect([bad.attempts, bad.error?.code, bad.error?.retryable]).toEqual([1, 'ansible-error', false]);
  expect(bad.error?.message).toContain(`inventory ${join(FIXTURES, 'site.yml')}`);
  expect(bad.error?.message).toMatch(/ERROR! .*inventory/i);
});

test('a missing ansible-playbook is a missing-dependency error with the install command, not retried', async () => {
  await h.close();
  const paths = patrolPaths();
  const registry = new StepTypeRegistry().register(createAnsibleStepType({ pluginsDir: paths.ansiblePlugins, ansiblePlaybook: '/nonexistent/bin/ansible-playbook' }));
  h = await createHarness({ registry });
  const { run: r, steps } = await run([{ name: 'play', with: { playbook: join(FIXTURES, 'site.yml'), hosts: LOCAL }, extra: '      retries: { limit: 2 }\n' }]);
  expect(r.status).toBe('failed');
  const s = steps.play!;
  expect([s.attempts, s.error?.code, s.error?.retryable]).toEqual([1, 'missing-dependency', false]);
  expect(s.error?.message).toBe('ansible-playbook (/nonexistent/bin/ansible-playbook) is not installed. Install it with: apt-get install -y ansible');
});

test('cancel mid-playbook stops within seconds and leaves no live process of the group', async () => {
  const pgidFile = join(h.dir, 'pgid');
  const r = await h.engine.trigger(h.workflow(workflow([{ name: 'slow', with: { playbook: join(FIXTURES, 'slow.yml'), hosts: LOCAL, extraVars: { pgid_file: pgidFile } } }])));
  await waitForStep(h.engine, r.id, 'slow', 'running', 20_000);
  const deadline = Date.now() + 30_000;
  while (!(existsSync(pgidFile) && readFileSync(pgidFile, 'utf8').trim() !== '')) {
    if (Date.now() > deadline) throw new Error('the slow playbook never recorded its process group');
    await new Promise((res) => setTimeout(res, 50));
  }
  const pgid = Number(readFileSync(pgidFile, 'utf8').trim());
  // Let "Sleep for a minute" start.
  await new Promise((res) => setTimeout(res, 1000));
  expect(liveProcessesInGroup(pgid).length).toBeGreaterThan(0);
  const t0 = Date.now();
  await h.engine.cancel(r.id, 'operator stop');
  const done = await h.engine.waitFor(r.id, { timeoutMs: 15_000 });
  const elapsed = Date.now() - t0;
  expect(done.status).toBe('cancelled');
  expect(elapsed).toBeLessThan(6000);
  expect(liveProcessesInGroup(pgid)).toEqual([]);
  const d = await h.engine.detail(r.id);
  expect(d.steps[0]!.status).toBe('cancelled');
  // What ran before the cancel is still reported.
  expect(outputsOf(d.steps[0]!).recap.localhost).toMatchObject({ changed: 1 });
});

function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) hits.push(...filesContaining(p, needle));
    else if (st.isFile() && readFileSync(p).includes(needle)) hits.push(p);
  }
  return hits;
}
