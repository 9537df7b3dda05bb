import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patrol } from '../support/cli.js';
import { startSshHosts, type SshHosts } from '../support/ssh-hosts.js';
import { openStore } from '../../src/store/open-store.js';
import { pendingApproval } from '../support/remediation.js';

// A finding remediated end to end against a real SSH host with real Ansible: a small filesystem
// on host-1 fills with old logs, the inspection finds it, `patrol remediate` dry-runs the cleanup,
// waits for an approval that shows the plan and the evidence, cleans up, and the re-check passes.

let fleet: SshHosts;
let home: string;
let inventory: string;
let mount: string;

beforeAll(async () => {
  fleet = await startSshHosts(2);
  home = mkdtempSync(join(tmpdir(), 'patrol-remediate-'));
  inventory = join(home, 'inventory.ini');
  writeFileSync(inventory, fleet.inventoryIni());
  mount = join(fleet.dir, 'data');
  mkdirSync(mount, { recursive: true });
  const h1 = fleet.hosts[0]!;
  await fleet.hostExec(h1, ['mount', '-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount]);
  // ~7.5 MiB of month-old logs: above the 90 % critical threshold.
  for (let i = 0; i < 15; i++) {
    await fleet.hostExec(h1, ['sh', '-c', `head -c 524288 /dev/zero > "$0/app-${i}.log" && touch -d '30 days ago' "$0/app-${i}.log"`, mount]);
  }
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  rmSync(home, { recursive: true, force: true });
});

test('the disk fills, the inspection finds it, the runbook runs after approval, the re-check passes', async () => {
  const h1 = fleet.hosts[0]!;
  const inspected = await patrol(['inspect', 'host', '-i', inventory, '--json', '--fail-on', 'never'], { home });
  expect(inspected.exitCode).toBe(0);
  const findings = JSON.parse(inspected.stdout).findings as { check: string; target: string; severity: string; fingerprint: string }[];
  const full = findings.find((f) => f.check === 'host.disk.usage' && f.target === `${h1.name}:${mount}`)!;
  expect(full.severity).toBe('critical');
  const store = await openStore({ url: join(home, 'patrol.db'), migrate: false });
  const findingId = (await store.findings.query({ check: 'host.disk.usage', limit: 500 })).items.find((f) => f.target === full.target)!.id;
  await store.close();

  const run = patrol(['remediate', findingId, '--json'], { home, timeoutMs: 300_000 });
  const approval = await pendingApproval(home, run);
  // The approval shows the finding's evidence and the dry run's plan (what would be deleted).
  expect(approval.message).toContain(h1.name);
  expect(approval.plan).toContain(`${mount} is`);
  expect(approval.plan).toContain('app-3.log');
  expect(approval.plan).toMatch(/15 files, 7\.5 MiB older than 14 days/);
  // Nothing was deleted by the dry run.
  const before = await fleet.hostExec(h1, ['sh', '-c', `ls "$0" | wc -l`, mount]);
  expect(before.stdout.trim()).toBe('15');
  // The alert of this finding is silenced while the remediation runs.
  const silences = await patrol(['silence', 'list', '--json'], { home });
  expect(JSON.stringify(JSON.parse(silences.stdout))).toContain(full.target);

  const ok = await patrol(['approvals', 'approve', approval.id, '-m', 'old logs, go ahead'], { home, env: { USER: 'carol' } });
  expect(ok.exitCode).toBe(0);
  const res = await run;
  const out = JSON.parse(res.stdout) as { status: string; reason: string | null; steps: { name: string; status: string; outputs: Record<string, unknown> }[] };
  const step = (n: string) => out.steps.find((s) => s.name === n)!;
  expect([out.status, out.reason]).toEqual(['succeeded', null]);
  expect(res.exitCode).toBe(0);
  expect(step('plan').outputs.check).toBe(true);
  expect(step('apply').status).toBe('succeeded');
  expect(step('recheck').outputs).toMatchObject({ resolved: true, severity: 'ok' });
  const after = await fleet.hostExec(h1, ['sh', '-c', `ls "$0" | wc -l`, mount]);
  expect(after.stdout.trim()).toBe('0');
  // The silence was lifted when the run ended.
  const active = await patrol(['silence', 'list', '--json'], { home });
  expect(JSON.stringify(JSON.parse(active.stdout))).not.toContain(full.target);
}, 300_000);
