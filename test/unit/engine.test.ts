import { readFileSync } from 'node:fs';
import { liveProcessesInGroup } from '../support/processes.js';
import { createHarness, waitForStep, type Harness } from '../support/engine-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const wf = (steps: string, extra = '') => `
apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: t }
spec:
${extra}
  steps:
${steps}`;

async function runToEnd(text: string, params: Record<string, unknown> = {}) {
  const run = await h.engine.trigger(h.workflow(text), { params });
  const done = await h.engine.waitFor(run.id, { timeoutMs: 20000 });
  const detail = await h.engine.detail(run.id);
  const steps = Object.fromEntries(detail.steps.map((s) => [s.name, s]));
  return { run: done, steps, detail };
}

test('a chain passes outputs to later steps through templates', async () => {
  const { run, steps } = await runToEnd(
    wf(`
    - name: a
      type: noop
      with: { value: 21 }
    - name: b
      type: noop
      needs: [a]
      with: { value: "\${{ steps.a.outputs.value * 2 }}" }
    - name: c
      type: noop
      needs: [b]
      with: { value: "got \${{ steps.b.outputs.value }} for \${{ params.who }}" }`, '  params:\n    - { name: who, type: string, default: ops }'),
  );
  expect([run.status, run.reason]).toEqual(['succeeded', null]);
  expect(steps.b!.outputs).toEqual({ value: 42 });
  expect(steps.c!.outputs).toEqual({ value: 'got 42 for ops' });
});

test('when skips a step; a skipped step does not block its dependents', async () => {
  const { run, steps } = await runToEnd(
    wf(`
    - name: a
      type: noop
      when: params.enabled
    - name: b
      type: noop
      needs: [a]
      with: { value: "\${{ steps.a.status }}" }`, '  params:\n    - { name: enabled, type: boolean, default: false }'),
  );
  expect([run.status, run.reason]).toEqual(['succeeded', null]);
  expect(steps.a!.status).toBe('skipped');
  expect(steps.a!.reason).toContain('was false');
  expect(steps.b!.outputs).toEqual({ value: 'skipped' });
});

test('a failed step skips its dependents, fails the run, and finally steps still run and see run.status', async () => {
  const { run, steps } = await runToEnd(
    wf(`
    - name: a
      type: noop
      with: { fail: boom }
    - name: b
      type: noop
      needs: [a]
    - name: c
      type: noop
      needs: [b]
  finally:
    - name: notify
      type: noop
      with: { value: "\${{ run.status }}" }`),
  );
  expect(run.status).toBe('failed');
  expect(run.reason).toContain('step "a" failed: boom');
  expect(steps.b!.status).toBe('skipped');
  expect(steps.c!.status).toBe('skipped');
  expect(steps.c!.reason).toContain('upstream failed');
  expect(steps.notify!.status).toBe('succeeded');
  expect(steps.notify!.outputs).toEqual({ value: 'failed' });
});

test('continueOnError lets dependents run and keeps the run successful', async () => {
  const { run, steps } = await runToEnd(
    wf(`
    - name: a
      type: noop
      continueOnError: true
      with: { fail: tolerated }
    - name: b
      type: noop
      needs: [a]
      with: { value: "\${{ steps.a.status }}" }`),
  );
  expect([run.status, run.reason]).toEqual(['succeeded', null]);
  expect(steps.a!.status).toBe('failed');
  expect(steps.b!.outputs).toEqual({ value: 'failed' });
});

test('forEach fans out with item, respects concurrency, and aggregates results', async () => {
  const { run, steps, detail } = await runToEnd(
    wf(`
    - name: each
      type: noop
      forEach: { items: "\${{ params.hosts }}", concurrency: 2 }
      with: { value: "host-\${{ item }}" }
    - name: after
      type: noop
      needs: [each]
      with: { value: "\${{ size(steps.each.outputs.results) }}" }`, '  params:\n    - { name: hosts, type: list, default: [a, b, c, d, e] }'),
  );
  expect([run.status, run.reason]).toEqual(['succeeded', null]);
  expect(steps['each[0]']!.outputs).toEqual({ value: 'host-a' });
  expect(steps['each[4]']!.outputs).toEqual({ value: 'host-e' });
  expect(steps.each!.outputs).toEqual({ results: ['a', 'b', 'c', 'd', 'e'].map((x) => ({ value: `host-${x}` })) });
  expect(steps.after!.outputs).toEqual({ value: 5 });
  // Never more than 2 instances running at once.
  const spans = detail.attempts.filter((a) => a.step.startsWith('each[')).map((a) => [a.startedAt!, a.finishedAt!] as const);
  for (const [s] of spans) expect(spans.filter(([s2, e2]) => s2 <= s && e2 > s).length).toBeLessThanOrEqual(2);
});

test('retries with backoff record every attempt', async () => {
  const { run, steps, detail } = await runToEnd(
    wf(`
    - name: flaky
      type: shell
      retries: { limit: 2, backoff: { delay: 50ms, factor: 2, jitter: 0 } }
      with: { command: [sh, -c, 'n=$(cat "$0" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$0"; [ $n -ge 3 ]', "${'${{ params.counter }}'}"] }`, '  params:\n    - { name: counter, type: string }'),
    { counter: `${h.dir}/counter` },
  );
  expect([run.status, run.reason]).toEqual(['succeeded', null]);
  expect(steps.flaky!.attempts).toBe(3);
  const attempts = detail.attempts.filter((a) => a.step === 'flaky');
  expect(attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'succeeded']);
  expect(attempts[0]!.error?.code).toBe('exit-code');
  expect(attempts[2]!.startedAt! - attempts[1]!.finishedAt!).toBeGreaterThanOrEqual(90);
});

test('retries.on limits which errors retry', async () => {
  const { run, detail } = await runToEnd(
    wf(`
    - name: s
      type: shell
      retries: { limit: 3, on: [timeout], backoff: { delay: 10ms } }
      with: { command: ["false"] }`),
  );
  expect(run.status).toBe('failed');
  expect(detail.attempts.filter((a) => a.step === 's')).toHaveLength(1);
});

test('a step timeout kills the process and is retried as a timeout', async () => {
  const started = Date.now();
  const { run, detail } = await runToEnd(
    wf(`
    - name: slow
      type: shell
      timeout: 300ms
      retries: { limit: 1, on: [timeout], backoff: { delay: 10ms } }
      with: { command: [sleep, "30"] }`),
  );
  expect(run.status).toBe('failed');
  const attempts = detail.attempts.filter((a) => a.step === 'slow');
  expect(attempts.map((a) => a.status)).toEqual(['timed-out', 'timed-out']);
  expect(attempts[0]!.error?.code).toBe('timeout');
  expect(Date.now() - started).toBeLessThan(10000);
});

test('the run timeout stops running steps and cancels the rest', async () => {
  const { run, steps } = await runToEnd(
    wf(`
    - name: slow
      type: sleep
      with: { duration: 30s }
    - name: next
      type: noop
      needs: [slow]
  finally:
    - name: cleanup
      type: noop
      with: { value: "\${{ run.status }}" }`, '  timeout: 400ms'),
  );
  expect(run.status).toBe('timed-out');
  expect(steps.slow!.status).toBe('cancelled');
  expect(steps.next!.status).toBe('cancelled');
  expect([steps.cleanup!.status, steps.cleanup!.error?.message, steps.cleanup!.outputs]).toEqual(['succeeded', undefined, { value: 'timed-out' }]);
});

test('cancel stops a running process group within seconds', async () => {
  const run = await h.engine.trigger(
    h.workflow(wf(`
    - name: long
      type: shell
      with: { command: [sh, -c, 'echo $$ > "$0"; sleep 60 & sleep 60; wait', "${h.dir}/pgid"] }`)),
  );
  await waitForStep(h.engine, run.id, 'long', 'running');
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  await h.engine.cancel(run.id, 'test cancel');
  const done = await h.engine.waitFor(run.id, { timeoutMs: 10000 });
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(done.status).toBe('cancelled');
  expect(done.reason).toBe('test cancel');
  const d = await h.engine.detail(run.id);
  expect(d.steps[0]!.status).toBe('cancelled');
  // The shell and its background child shared a process group; none of it may survive.
  const pgid = Number(readFileSync(`${h.dir}/pgid`, 'utf8').trim());
  expect(liveProcessesInGroup(pgid)).toEqual([]);
});

test('retry-from-failed reuses outputs of steps that succeeded', async () => {
  const text = wf(`
    - name: a
      type: noop
      with: { value: first }
    - name: b
      type: noop
      needs: [a]
      with: { fail: "\${{ params.fail }}" }
    - name: c
      type: noop
      needs: [b]
      with: { value: "\${{ steps.a.outputs.value }}" }`, '  params:\n    - { name: fail, type: string, default: "" }');
  const first = await h.engine.trigger(h.workflow(text), { params: { fail: 'nope' } });
  const r1 = await h.engine.waitFor(first.id);
  expect(r1.status).toBe('failed');
  // Same params: b fails again, but a is reused, not re-run.
  const second = await h.engine.retry(first.id);
  const r2 = await h.engine.waitFor(second.id);
  const d2 = await h.engine.detail(second.id);
  const a2 = d2.steps.find((s) => s.name === 'a')!;
  expect(r2.retryOf).toBe(first.id);
  expect(a2.reusedFrom).toBe(first.id);
  expect(a2.attempts).toBe(0);
  expect(d2.attempts.filter((a) => a.step === 'a')).toHaveLength(0);
});

test('concurrency: skip policy cancels the newcomer, queue policy runs one after the other', async () => {
  const text = (policy: string) =>
    wf(`
    - name: s
      type: sleep
      with: { duration: 400ms }`, `  concurrency: { key: "deploy-\${{ params.env }}", policy: ${policy} }\n  params:\n    - { name: env, type: string, default: prod }`);
  const a = await h.engine.trigger(h.workflow(text('skip')));
  const b = await h.engine.trigger(h.workflow(text('skip')));
  expect(b.status).toBe('cancelled');
  expect(b.reason).toContain('skipped');
  await h.engine.waitFor(a.id);

  const q1 = await h.engine.trigger(h.workflow(text('queue')));
  const q2 = await h.engine.trigger(h.workflow(text('queue')));
  expect(q2.status).toBe('queued');
  const r1 = await h.engine.waitFor(q1.id);
  const r2 = await h.engine.waitFor(q2.id);
  expect(r2.status).toBe('succeeded');
  expect(r2.startedAt!).toBeGreaterThanOrEqual(r1.finishedAt!);
});

test('concurrency: cancel-older stops the running run and starts the new one', async () => {
  const text = wf(`
    - name: s
      type: sleep
      with: { duration: 20s }`, '  concurrency: { key: k, policy: cancel-older }');
  const old = await h.engine.trigger(h.workflow(text));
  await new Promise((r) => setTimeout(r, 100));
  const fresh = await h.engine.trigger(h.workflow(text));
  const oldDone = await h.engine.waitFor(old.id, { timeoutMs: 10000 });
  expect(oldDone.status).toBe('cancelled');
  expect(oldDone.reason).toContain(`superseded by run ${fresh.id}`);
  await h.engine.cancel(fresh.id);
  await h.engine.waitFor(fresh.id, { timeoutMs: 10000 });
});

test('leases: two runs changing the same target never overlap; different targets run in parallel', async () => {
  const text = wf(`
    - name: change
      type: shell
      leases: ["host:\${{ params.host }}"]
      with: { command: [sh, -c, 'date +%s%N; sleep 0.4; date +%s%N'] }`, '  params:\n    - { name: host, type: string }');
  const a = await h.engine.trigger(h.workflow(text), { params: { host: 'web-1' } });
  const b = await h.engine.trigger(h.workflow(text), { params: { host: 'web-1' } });
  const c = await h.engine.trigger(h.workflow(text), { params: { host: 'web-2' } });
  const runs = await Promise.all([a, b, c].map((r) => h.engine.waitFor(r.id, { timeoutMs: 20000 })));
  expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  const span = async (id: string) => {
    const out = (await h.engine.detail(id)).steps[0]!.outputs!.stdout as string;
    const [s, e] = out.trim().split('\n').map((x) => Number(BigInt(x) / 1_000_000n));
    return [s!, e!] as const;
  };
  const [sa, sb, sc] = await Promise.all([span(a.id), span(b.id), span(c.id)]);
  // Same host: one after the other. Other host: overlaps with at least one of them.
  expect(sb[0] >= sa[1] || sa[0] >= sb[1]).toBe(true);
  expect(sc[0] < Math.max(sa[1], sb[1]) && sc[1] > Math.min(sa[0], sb[0])).toBe(true);
  expect(await h.store.leases.list()).toEqual([]);
});

test('blast radius: a failed canary stops the fan-out; too many failures halt it', async () => {
  const canary = await runToEnd(
    wf(`
    - name: each
      type: noop
      forEach: { items: [bad, ok, ok, ok], concurrency: 4, canary: 1 }
      with: { fail: "\${{ item == 'bad' ? 'canary broke' : '' }}" }`),
  );
  expect(canary.run.status).toBe('failed');
  expect(canary.steps['each[0]']!.status).toBe('failed');
  for (const i of [1, 2, 3]) {
    expect(canary.steps[`each[${i}]`]!.status).toBe('skipped');
    expect(canary.steps[`each[${i}]`]!.reason).toContain('canary');
  }
  const halt = await runToEnd(
    wf(`
    - name: each
      type: noop
      forEach: { items: [ok, bad, bad, ok, ok, ok, ok, ok, ok, ok], concurrency: 1, maxFailurePercent: 30 }
      with: { fail: "\${{ item == 'bad' ? 'broke' : '' }}" }`),
  );
  const statuses = Array.from({ length: 10 }, (_, i) => halt.steps[`each[${i}]`]!.status);
  // After each[1] fails, 1 of 2 finished failed (50% > 30%): everything after is skipped.
  expect(statuses).toEqual(['succeeded', 'failed', ...Array(8).fill('skipped')]);
  expect(halt.steps['each[2]']!.reason).toContain('blast radius');
});
