import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AnsibleRunTracker } from '../../src/ansible/ansible-run-tracker.js';
import { buildAnsibleOutputs } from '../../src/ansible/ansible-step-output.js';
import { ansibleStepOutputSchema } from '../../src/ansible/ansible-step-output.js';

// Event streams recorded from real ansible-playbook runs of test/fixtures/ansible/{site,mixed}.yml
// with playbooks/plugins/callback/patrol_events.py (see test/fixtures/ansible/events/README.md).
const recorded = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/ansible/events/${name}`, import.meta.url)), 'utf8').split('\n');

function feed(lines: string[], limits = {}) {
  const logs: string[] = [];
  let changes = 0;
  const t = new AnsibleRunTracker({ log: (level, m) => logs.push(`${level} ${m}`), changed: () => changes++ }, limits);
  for (const l of lines) t.line(l);
  return { t, logs, changes: () => changes };
}

const run = { exitCode: 0, durationMs: 900, stdout: 'PLAY RECAP', stdoutTruncated: false, check: false };

test('site.jsonl: recap, registered results, set_stats and one log line per host and task', () => {
  const { t, logs } = feed(recorded('site.jsonl'));
  const out = buildAnsibleOutputs(t, run);
  expect(ansibleStepOutputSchema.safeParse(out).success).toBe(true);
  expect(out.recap).toEqual({ localhost: { ok: 5, changed: 1, unreachable: 0, failed: 0, skipped: 1, rescued: 0, ignored: 0 } });
  expect(out.registered.localhost!.kernel).toMatchObject({ stdout: 'Linux', rc: 0 });
  expect(out.registered.localhost!.greeting_out).toEqual({ msg: 'He said "it\'s fine" & left', changed: false });
  // The plugin cut the 100 kB output to fit 64 KiB and said so; outputs say registered is incomplete.
  expect(out.registered.localhost!.big).toMatchObject({ _patrol_truncated: true, _patrol_bytes: 200238 });
  expect(out.truncated).toEqual(['registered']);
  expect(out.stats).toEqual({ kernel: 'Linux', checked_hosts: 1 });
  expect(logs).toEqual([
    'info PLAY [Patrol fixture] 1 host',
    'info ok: [localhost] Read the kernel name',
    'info ok: [localhost] Produce a large output',
    'info changed: [localhost] Write the marker file',
    'info skipping: [localhost] Never runs',
    'info ok: [localhost] Publish stats',
    'info ok: [localhost] Echo the greeting',
  ]);
  expect(t.progress()).toMatchObject({ done: 1, total: 1, data: { hosts: { localhost: { state: 'done', ok: 5 } } } });
});

test('mixed.jsonl: loops, ignored and rescued failures, retries, no_log, handlers, a failed and an unreachable host', () => {
  const { t, logs } = feed(recorded('mixed.jsonl'));
  const out = buildAnsibleOutputs(t, { ...run, exitCode: 4 });
  expect(out.recap).toEqual({
    h1: { ok: 6, changed: 4, unreachable: 0, failed: 0, skipped: 1, rescued: 1, ignored: 1 },
    h2: { ok: 5, changed: 4, unreachable: 0, failed: 1, skipped: 0, rescued: 1, ignored: 1 },
    dead: { ok: 0, changed: 0, unreachable: 1, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
  });
  expect(out.hosts).toEqual(['h1', 'h2', 'dead']);
  expect(out.failedHosts).toEqual(['h2']);
  expect(out.unreachableHosts).toEqual(['dead']);
  // Every failed result in order, including the rescued ones (the recap tells who ended failed).
  expect(out.failures.map((f) => `${f.host} ${f.status} ${f.task}: ${f.msg}`)).toEqual([
    'dead unreachable Loop over items: Failed to connect to the host via ssh: ssh: connect to host 127.0.0.1 port 1: Connection refused (item=alpha)',
    'h1 failed Fail inside a block: block failure',
    'h2 failed Fail inside a block: block failure',
    'h2 failed Fail on h2 only: h2 is broken: disk full',
  ]);
  // no_log results arrive censored by Ansible; registered loop results keep their items.
  expect(out.registered.h1!.hidden).toEqual({ censored: "the output has been hidden due to the fact that 'no_log: true' was specified for this result", changed: true });
  expect(JSON.stringify(out)).not.toContain('s3cret-value');
  expect((out.registered.h1!.looped as { results: { stdout: string }[] }).results.map((r) => r.stdout)).toEqual(['alpha', 'beta']);
  expect(out.registered.dead!.looped).toMatchObject({ unreachable: true });
  expect(out.registered.h1!.retried).toMatchObject({ rc: 0, attempts: 2 });
  expect(logs).toEqual(
    expect.arrayContaining([
      'info changed: [h1] Loop over items (item=beta)',
      'warn failed: [h1] Fail but ignore it: exit code 1 (ignored)',
      'error failed: [h2] Fail on h2 only: h2 is broken: disk full',
      'info retrying: [h1] Retry until it works (attempt 1 of 3)',
      'info ok: [h1] Handle the change',
      'error unreachable: [dead] Loop over items: Failed to connect to the host via ssh: ssh: connect to host 127.0.0.1 port 1: Connection refused (item=alpha)',
    ]),
  );
});

test('live counts follow Ansible accounting before the final stats; only rescues need the stats to be exact', () => {
  const lines = recorded('mixed.jsonl');
  const { t } = feed(lines.filter((l) => !l.startsWith('{"event":"stats"')));
  expect(t.stats).toBeUndefined();
  // An ignored failure counts as ok and ignored; a changed item as ok and changed; a rescued failure
  // still looks failed until the stats arrive.
  expect(t.recap().h1).toEqual({ ok: 6, changed: 4, unreachable: 0, failed: 1, skipped: 1, rescued: 0, ignored: 1 });
  expect(t.progress()).toMatchObject({ done: 2, total: 3, message: 'Handle the change' });
  expect(t.progress().data.hosts.h2!.state).toBe('failed');
  expect(t.progress().data.hosts.dead!.state).toBe('unreachable');
  expect(t.progress().data.hosts.h1!.state).toBe('running');
});

test('registered results beyond the step-wide cap are replaced by a marker and reported as truncated', () => {
  const { t } = feed(recorded('site.jsonl'), { registeredChars: 200 });
  expect(t.registered.localhost!.kernel).toEqual({ _patrol_truncated: true, reason: 'registered results are capped at 200 characters per step' });
  expect(t.registered.localhost!.greeting_out).toEqual({ msg: 'He said "it\'s fine" & left', changed: false });
  expect([...t.truncated]).toEqual(['registered']);
});

test('invalid lines are counted and only the first few logged; the run goes on', () => {
  const { t, logs } = feed(['garbage 1', 'garbage 2', 'garbage 3', 'garbage 4', ...recorded('site.jsonl')]);
  expect(t.invalidLines).toBe(4);
  expect(logs.filter((l) => l.startsWith('warn ignored an invalid Ansible event line'))).toHaveLength(3);
  expect(t.recap().localhost!.ok).toBe(5);
});

test('every state change is signalled without building a snapshot (callers throttle)', () => {
  const lines = recorded('site.jsonl').filter((l) => l.trim() !== '');
  const { changes } = feed(lines);
  // play start, 7 task starts, 7 results, stats: 16 changes for 17 lines (playbook start is not one).
  expect(changes()).toBe(lines.length - 1);
});
