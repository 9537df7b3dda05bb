import { jest } from '@jest/globals';
import { generatedInventory } from '../../src/ansible/generated-inventory.js';
import { ansibleErrorText, judgeAnsibleRun } from '../../src/ansible/judge-ansible-run.js';
import { AnsibleRunTracker } from '../../src/ansible/ansible-run-tracker.js';
import { buildAnsibleOutputs } from '../../src/ansible/ansible-step-output.js';
import { ansibleStepInputSchema } from '../../src/ansible/ansible-step-input.js';
import { ProgressThrottle } from '../../src/ansible/progress-throttle.js';
import { createAnsibleStepType } from '../../src/ansible/ansible-step-type.js';
import { ansiblePlaybookFlags } from '../../src/ansible/ansible-playbook-flags.js';

test('generated inventory: local connection for localhost addresses, SSH otherwise, user vars win', () => {
  const inv = generatedInventory(
    [
      'localhost',
      { name: 'lo', address: '127.0.0.1' },
      { name: 'lo-ssh', address: '127.0.0.1', port: 2222 },
      { name: 'web1', address: '10.0.0.5', user: 'ops', vars: { http_port: 8080, ansible_become: 'yes' } },
      { name: 'six', address: '::1', vars: { ansible_connection: 'ssh' } },
    ],
    { localRemoteTmp: '/w/remote-tmp' },
  );
  const local = { ansible_connection: 'local', ansible_python_interpreter: '{{ ansible_playbook_python }}', ansible_remote_tmp: '/w/remote-tmp' };
  expect(inv).toEqual({
    all: {
      hosts: {
        localhost: local,
        lo: { ansible_host: '127.0.0.1', ...local },
        'lo-ssh': { ansible_host: '127.0.0.1', ansible_port: 2222 },
        web1: { ansible_host: '10.0.0.5', ansible_user: 'ops', http_port: 8080, ansible_become: 'yes' },
        six: { ansible_host: '::1', ...local, ansible_connection: 'ssh' },
      },
    },
  });
});

test('input: inventory or hosts is required, fields are strict, host names hold no whitespace', () => {
  const bad = (v: unknown) => ansibleStepInputSchema.safeParse(v).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  expect(bad({ playbook: 'p.yml' })).toEqual(['inventory: give inventory (a file, directory or "host1,host2,") or hosts (a list)']);
  expect(bad({ playbook: 'p.yml', hosts: ['a'], forkz: 3 })).toEqual([': Unrecognized key: "forkz"']);
  expect(bad({ playbook: 'p.yml', hosts: ['web 1'] })?.[0]).toMatch(/^hosts\.0/);
  expect(bad({ playbook: 'p.yml', hosts: ['a'], verbosity: 5 })?.[0]).toMatch(/^verbosity: /);
  expect(ansibleStepInputSchema.safeParse({ playbook: 'p.yml', inventory: ['a.ini', 'b/'], limit: ['web', 'db'], tags: 'x', config: { defaults: { forks: 5, gathering: 'smart', pipelining: true } } }).success).toBe(true);
});

function trackerFrom(events: object[]) {
  const t = new AnsibleRunTracker();
  for (const e of events) t.line(JSON.stringify(e));
  return t;
}
const out = (t: AnsibleRunTracker, exitCode: number | null) => buildAnsibleOutputs(t, { exitCode, durationMs: 1, stdout: '', stdoutTruncated: false, check: false });
const summary = (o: Partial<Record<'ok' | 'failures' | 'unreachable', number>>) => ({ ok: 0, failures: 0, unreachable: 0, changed: 0, skipped: 0, rescued: 0, ignored: 0, ...o });
const judge = (t: AnsibleRunTracker, exitCode: number | null, allowFailedHosts = false) => judgeAnsibleRun(t, out(t, exitCode), { exitCode, signal: null, allowFailedHosts, errorText: 'ERROR! something' });

test('the verdict comes from the events, not the ambiguous exit code', () => {
  // Exit 4 before any task: a parse error, not unreachable hosts.
  expect(judge(trackerFrom([]), 4)).toEqual({ kind: 'not-started' });
  const failed = trackerFrom([
    { event: 'runner', status: 'failed', host: 'web2', task: 'Install', msg: 'no such package' },
    { event: 'runner', status: 'unreachable', host: 'web3', task: 'Gathering Facts', msg: 'timed out' },
    { event: 'stats', hosts: { web1: summary({ ok: 2 }), web2: summary({ failures: 1 }), web3: summary({ unreachable: 1 }) } },
  ]);
  expect(judge(failed, 4)).toEqual({ kind: 'failed', code: 'ansible-failed', message: '1 host failed: web2 (Install: no such package); 1 host unreachable: web3 (Gathering Facts: timed out)' });
  expect(judge(failed, 4, true)).toEqual({ kind: 'ok' });
  // allowFailedHosts does not hide an Ansible error of another kind.
  expect(judge(failed, 1, true)).toEqual({ kind: 'failed', code: 'ansible-error', message: 'ansible-playbook failed (exit code 1): ERROR! something' });
  const unreachable = trackerFrom([{ event: 'stats', hosts: { a: summary({ ok: 1 }), b: summary({ unreachable: 1 }) } }]);
  expect(judge(unreachable, 4)).toMatchObject({ kind: 'failed', code: 'unreachable', message: '1 host unreachable: b' });
  const ok = trackerFrom([{ event: 'stats', hosts: { a: summary({ ok: 1 }) } }]);
  expect(judge(ok, 0)).toEqual({ kind: 'ok' });
  expect(judge(ok, 1)).toEqual({ kind: 'failed', code: 'ansible-error', message: 'ansible-playbook failed (exit code 1) although no host failed: ERROR! something' });
  // Tasks ran, then Ansible died without stats.
  expect(judge(trackerFrom([{ event: 'runner', status: 'ok', host: 'a', task: 't' }]), 250)).toEqual({ kind: 'failed', code: 'ansible-error', message: 'ansible-playbook stopped before the end of the playbook (exit code 250): ERROR! something' });
  // Success without a single event: the callback did not load.
  expect(judge(trackerFrom([]), 0)).toMatchObject({ kind: 'failed', code: 'ansible-error', message: expect.stringContaining('patrol_events') });
});

test('many failed hosts: five are named, the rest counted', () => {
  const hosts = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`h${i}`, summary({ failures: 1 })]));
  const t = trackerFrom([{ event: 'stats', hosts }]);
  expect(judge(t, 2)).toMatchObject({ message: '8 hosts failed: h0, h1, h2, h3, h4 and 3 more' });
});

test("Ansible's error text: the ERROR! line with its context, else the end of stderr", () => {
  const stderr = [
    '[WARNING]: something harmless',
    'ERROR! We were unable to read either as JSON nor YAML, these are the errors we got from each:',
    "The error appears to be in '/p/site.yml': line 7, column 8, but may",
    'be elsewhere in the file depending on the exact syntax problem.',
  ].join('\n');
  expect(ansibleErrorText(stderr, '')).toBe(
    "ERROR! We were unable to read either as JSON nor YAML, these are the errors we got from each: The error appears to be in '/p/site.yml': line 7, column 8, but may be elsewhere in the file depending on the exact syntax problem.",
  );
  expect(ansibleErrorText('a\nb\nTraceback: boom\n', '')).toBe('a b Traceback: boom');
  expect(ansibleErrorText('', '')).toBe('no error message (see the step log)');
});

test('progress throttle: at most one update per interval, and the last state always arrives', () => {
  jest.useFakeTimers();
  try {
    let now = 0;
    const emitted: number[] = [];
    const th = new ProgressThrottle(() => emitted.push(now), 250, () => now);
    now = 1000;
    th.poke(); // first: at once
    now = 1100;
    th.poke(); // scheduled for 1250
    th.poke(); // coalesced
    expect(emitted).toEqual([1000]);
    now = 1250;
    jest.advanceTimersByTime(150);
    expect(emitted).toEqual([1000, 1250]);
    now = 1300;
    th.poke();
    th.flush(); // final state: immediately, pending one cancelled
    jest.advanceTimersByTime(1000);
    expect(emitted).toEqual([1000, 1250, 1300]);
  } finally {
    jest.useRealTimers();
  }
});

test('retrySafe: only a check-mode run may be re-run automatically after a crash', () => {
  const t = createAnsibleStepType({ pluginsDir: '/x' });
  const safe = t.retrySafe as (i: unknown) => boolean;
  expect(typeof t.retrySafe).toBe('function');
  expect(safe(ansibleStepInputSchema.parse({ playbook: 'p.yml', hosts: ['a'], check: true }))).toBe(true);
  expect(safe(ansibleStepInputSchema.parse({ playbook: 'p.yml', hosts: ['a'] }))).toBe(false);
  expect(safe(ansibleStepInputSchema.parse({ playbook: 'p.yml', hosts: ['a'], check: false }))).toBe(false);
});

test('flags: lists joined with commas, a dry run means --check --diff, verbosity as -v...', () => {
  const input = ansibleStepInputSchema.parse({ playbook: 'p.yml', hosts: ['a'], limit: ['web', 'db'], tags: 'disk', skipTags: ['slow', 'net'], forks: 7, become: true, becomeUser: 'postgres', becomeMethod: 'su', timeout: 15, verbosity: 3 });
  expect(ansiblePlaybookFlags(input, { dryRun: false })).toEqual(['--limit', 'web,db', '--tags', 'disk', '--skip-tags', 'slow,net', '--forks', '7', '--become', '--become-user', 'postgres', '--become-method', 'su', '--timeout', '15', '-vvv']);
  const bare = ansibleStepInputSchema.parse({ playbook: 'p.yml', hosts: ['a'] });
  expect(ansiblePlaybookFlags(bare, { dryRun: false })).toEqual([]);
  expect(ansiblePlaybookFlags(bare, { dryRun: true })).toEqual(['--check', '--diff']);
  expect(ansiblePlaybookFlags({ ...bare, check: true }, { dryRun: false })).toEqual(['--check']);
});
