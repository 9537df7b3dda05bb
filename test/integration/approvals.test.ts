import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patrol } from '../support/cli.js';
import { openStore } from '../../src/store/open-store.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'patrol-approve-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const workflow = (timeout = '1h', onTimeout = 'reject') => `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: change-with-approval }
spec:
  steps:
    - name: plan
      type: shell
      with: { command: [echo, "would delete 3 files"] }
    - name: approve
      type: approval
      needs: [plan]
      with:
        message: Delete old logs
        plan: "\${{ steps.plan.outputs.stdout }}"
        approvers: { roles: [approver] }
        timeout: ${timeout}
        onTimeout: ${onTimeout}
    - name: apply
      type: noop
      needs: [approve]
      with: { value: "approved by \${{ steps.approve.outputs.by }}: \${{ steps.approve.outputs.comment }}" }
`;

async function pendingApproval(): Promise<{ id: string; runId: string; plan: string | null }> {
  for (let i = 0; i < 200; i++) {
    const store = await openStore({ url: join(home, 'patrol.db'), migrate: false }).catch(() => undefined);
    if (store) {
      try {
        const page = await store.approvals.list({ status: ['pending'] });
        if (page.items[0]) return page.items[0];
      } catch {
        // The schema may not exist yet.
      } finally {
        await store.close();
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no pending approval appeared');
}

test('a run waits for approval; approval from another process resumes it with the comment', async () => {
  const wf = join(home, 'wf.yaml');
  writeFileSync(wf, workflow());
  const run = patrol(['run', wf, '--json'], { home });
  const a = await pendingApproval();
  expect(a.plan).toBe('would delete 3 files\n');
  const list = await patrol(['runs', 'list', '--json'], { home });
  expect(JSON.parse(list.stdout).items[0].status).toBe('waiting');
  const rejectNoComment = await patrol(['approvals', 'reject', a.id], { home });
  expect(rejectNoComment.exitCode).toBe(2);
  expect(rejectNoComment.stderr).toContain('needs a comment');
  const ok = await patrol(['approvals', 'approve', a.id, '-m', 'looks right'], { home, env: { USER: 'alice' } });
  expect(ok.exitCode).toBe(0);
  const res = await run;
  expect(res.exitCode).toBe(0);
  const out = JSON.parse(res.stdout);
  expect(out.status).toBe('succeeded');
  expect(out.steps.find((s: { name: string }) => s.name === 'apply').outputs).toEqual({ value: 'approved by alice: looks right' });
  const again = await patrol(['approvals', 'approve', a.id], { home });
  expect(again.exitCode).toBe(2);
  expect(again.stderr).toContain('already approved');
});

test('a rejection fails the run and skips what depended on the approval', async () => {
  const wf = join(home, 'wf.yaml');
  writeFileSync(wf, workflow());
  const run = patrol(['run', wf, '--json'], { home });
  const a = await pendingApproval();
  await patrol(['approvals', 'reject', a.id, '-m', 'not during business hours'], { home, env: { USER: 'bob' } });
  const res = await run;
  expect(res.exitCode).toBe(1);
  const out = JSON.parse(res.stdout);
  const step = (n: string) => out.steps.find((s: { name: string }) => s.name === n);
  expect(step('approve').status).toBe('failed');
  expect(step('approve').error).toEqual({ code: 'rejected', message: 'rejected by bob: not during business hours' });
  expect(step('apply').status).toBe('skipped');
});

test('the timeout applies its outcome', async () => {
  const wf = join(home, 'wf.yaml');
  writeFileSync(wf, workflow('1s', 'approve'));
  const res = await patrol(['run', wf, '--json'], { home });
  const out = JSON.parse(res.stdout);
  expect(out.status).toBe('succeeded');
  expect(out.steps.find((s: { name: string }) => s.name === 'approve').outputs.comment).toContain('timed out');
  const shown = await patrol(['approvals', 'list', '--status', 'expired', '--json'], { home });
  expect(JSON.parse(shown.stdout).items).toHaveLength(1);
});

test('cancelling a waiting run cancels its approval', async () => {
  const wf = join(home, 'wf.yaml');
  writeFileSync(wf, workflow());
  const run = patrol(['run', wf, '--json'], { home });
  const a = await pendingApproval();
  await patrol(['cancel', a.runId], { home });
  const res = await run;
  expect(JSON.parse(res.stdout).status).toBe('cancelled');
  const shown = await patrol(['approvals', 'show', a.id, '--json'], { home });
  expect(JSON.parse(shown.stdout).status).toBe('cancelled');
});
