import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patrol } from '../support/cli.js';
import { openStore } from '../../src/store/open-store.js';
import { liveProcessesInGroup } from '../support/processes.js';


let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'patrol-crash-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function waitFor(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a run whose process is killed mid-step is recovered to a defined end; unsafe steps are not run twice', async () => {
  const marker = join(home, 'side-effects.txt');
  const wf = join(home, 'wf.yaml');
  writeFileSync(
    wf,
    `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: crashy }
spec:
  steps:
    - name: unsafe
      type: shell
      with: { command: [sh, -c, 'echo ran >> "$0"; sleep 20', "${marker}"] }
    - name: safe
      type: sleep
      with: { duration: 3s }
    - name: after
      type: noop
      needs: [unsafe, safe]
  finally:
    - name: report
      type: noop
      with: { value: "\${{ run.status }}" }
`,
  );
  const child = patrol(['run', wf], { home });
  const dbUrl = join(home, 'patrol.db');
  // Wait until both steps are running, then kill the CLI without any chance to clean up.
  await waitFor(async () => {
    try {
      const store = await openStore({ url: dbUrl, migrate: false });
      try {
        const runs = await store.runs.listRuns({});
        if (runs.items.length === 0) return false;
        const steps = await store.runs.getSteps(runs.items[0]!.id);
        if (steps.filter((s) => s.status === 'running').length !== 2) return false;
        // The shell's process group is recorded just after the step turns running.
        return (await store.runs.listAttempts(runs.items[0]!.id, 'unsafe'))[0]?.processes.length === 1;
      } finally {
        await store.close();
      }
    } catch {
      return false;
    }
  }, 'both steps running and the shell started');
  child.kill('SIGKILL');
  await child;

  const store = await openStore({ url: dbUrl, migrate: false });
  const runId = (await store.runs.listRuns({})).items[0]!.id;
  expect((await store.runs.getRun(runId))!.status).toBe('running');
  const unsafeAttempt = (await store.runs.listAttempts(runId, 'unsafe'))[0]!;
  const pgid = Number(unsafeAttempt.processes[0]!.split(':').pop());
  // The shell was started detached (its own process group): it outlived the killed CLI.
  expect(liveProcessesInGroup(pgid).length).toBeGreaterThan(0);
  await store.close();

  const list = await patrol(['runs', 'list', '--json'], { home });
  expect(JSON.parse(list.stdout).items[0].interrupted).toBe(true);

  const recovered = await patrol(['recover', '--json'], { home });
  expect(recovered.exitCode).toBe(1);
  const [run] = JSON.parse(recovered.stdout) as { id: string; status: string; steps: { name: string; status: string; attempts: number; error?: { code: string }; outputs: Record<string, unknown> }[] }[];
  const step = (n: string) => run!.steps.find((s) => s.name === n)!;
  expect(run!.id).toBe(runId);
  expect(run!.status).toBe('failed');
  // Not safe to repeat: failed as interrupted, never started again.
  expect(step('unsafe').status).toBe('failed');
  expect(step('unsafe').error?.code).toBe('interrupted');
  expect(readFileSync(marker, 'utf8')).toBe('ran\n');
  // Safe to repeat (sleep): a second attempt ran to success.
  expect(step('safe').status).toBe('succeeded');
  expect(step('safe').attempts).toBe(2);
  expect(step('after').status).toBe('skipped');
  expect(step('report').outputs).toEqual({ value: 'failed' });
  // Recovery stopped the orphaned process group.
  expect(liveProcessesInGroup(pgid)).toEqual([]);

  const show = await patrol(['runs', 'show', runId, '--json'], { home });
  const attempts = (JSON.parse(show.stdout) as { attempts: { step: string; status: string }[] }).attempts;
  expect(attempts.filter((a) => a.step === 'unsafe').map((a) => a.status)).toEqual(['interrupted']);
  expect(attempts.filter((a) => a.step === 'safe').map((a) => a.status)).toEqual(['interrupted', 'succeeded']);
});

test('recover with nothing to do says so and exits 0', async () => {
  const r = await patrol(['recover'], { home });
  expect(r.exitCode).toBe(0);
  expect(r.stderr).toContain('no interrupted runs');
});
