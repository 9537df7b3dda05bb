import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { patrol } from '../support/cli.js';
import { startSshHosts, type SshHosts } from '../support/ssh-hosts.js';
import { startSystemdHost, type SystemdHost } from '../fixtures/host/systemd-host.js';
import { pendingApproval, stepOf, storedFindingId, type RemediationRun } from '../support/remediation.js';

// The restart-service runbook end to end on a host with a real systemd as PID 1, with real
// Ansible over SSH: a unit fails (its config file is missing), the inspection finds it, the cause
// goes away, `patrol remediate` dry-runs the restart, waits for an approval showing the plan, resets
// the failed state and restarts the unit, and the re-check finds no failed unit any more.

const UNIT = '[Unit]\nDescription=Patrol test: needs /etc/patrol-app.conf\n\n[Service]\nExecStart=/bin/sh -c "test -f /etc/patrol-app.conf || { echo missing /etc/patrol-app.conf >&2; exit 3; }; exec /bin/sleep infinity"\n\n[Install]\nWantedBy=multi-user.target\n';

let fleet: SshHosts;
let sd: SystemdHost;
let home: string;
let inventory: string;

beforeAll(async () => {
  fleet = await startSshHosts(1);
  home = mkdtempSync('/tmp/patrol-remediate-svc-');
  const ip = fleet.subnet.replace(/\.0\/24$/, '.201');
  sd = await startSystemdHost({ name: 'sd-1', bridge: fleet.bridge, ip, clientPublicKey: fleet.clientPublicKey, units: { 'patrol-app.service': UNIT }, enable: [] });
  inventory = join(home, 'inventory.ini');
  writeFileSync(inventory, fleet.inventoryIni().replace(/\[targets\]\n[^\n]*\n/, `[targets]\nsd-1 ansible_host=${ip}\n`));
  await sd.exec(['systemctl', 'is-system-running', '--wait'], { allowFailure: true, timeoutMs: 20_000 });
  await sd.exec(['systemctl', 'enable', '--now', 'patrol-app.service'], { allowFailure: true });
}, 120_000);

afterAll(async () => {
  await sd?.stop();
  await fleet?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('a unit fails, the inspection finds it, the runbook restarts it after approval, the re-check passes', async () => {
  const inspected = await patrol(['inspect', 'host', '-i', inventory, '--json', '--fail-on', 'never'], { home });
  expect(inspected.exitCode).toBe(0);
  const findings = JSON.parse(inspected.stdout).findings as { check: string; target: string; severity: string; remediationWorkflow?: string }[];
  const failed = findings.find((f) => f.check === 'host.systemd.failed_units' && f.target === 'sd-1:patrol-app.service');
  expect(failed).toMatchObject({ severity: 'warning', remediationWorkflow: 'restart-service' });
  const findingId = await storedFindingId(home, 'host.systemd.failed_units', 'sd-1:patrol-app.service');

  const run = patrol(['remediate', findingId, '--json'], { home, timeoutMs: 300_000 });
  const approval = await pendingApproval(home, run);
  expect(approval.message).toContain('Restart patrol-app.service on sd-1');
  // The plan is the dry run's: the unit's state and what would be done, nothing done yet.
  expect(approval.plan).toContain('patrol-app.service on sd-1 is failed/failed (result exit-code): reset its failed state and restart it');
  expect((await sd.exec(['systemctl', 'is-active', 'patrol-app.service'], { allowFailure: true })).stdout.trim()).toBe('failed');

  // The cause is fixed by the operator before approving (the runbook restarts, it does not repair configs).
  await sd.exec(['sh', '-c', 'echo ok > /etc/patrol-app.conf']);
  const ok = await patrol(['approvals', 'approve', approval.id, '-m', 'config restored, restart it'], { home, env: { USER: 'carol' } });
  expect(ok.exitCode).toBe(0);
  const res = await run;
  const out = JSON.parse(res.stdout) as RemediationRun;
  expect([out.status, out.reason]).toEqual(['succeeded', null]);
  expect(res.exitCode).toBe(0);
  expect(stepOf(out, 'plan').outputs.check).toBe(true);
  expect(stepOf(out, 'apply').status).toBe('succeeded');
  expect(stepOf(out, 'recheck').outputs).toMatchObject({ resolved: true });
  expect((await sd.exec(['systemctl', 'is-active', 'patrol-app.service'])).stdout.trim()).toBe('active');
}, 300_000);

test('when the cause is still there the runbook fails with the journal and the re-check does not run', async () => {
  await sd.exec(['systemctl', 'stop', 'patrol-app.service']);
  await sd.exec(['rm', '-f', '/etc/patrol-app.conf']);
  await sd.exec(['systemctl', 'start', 'patrol-app.service'], { allowFailure: true });
  const inspected = await patrol(['inspect', 'host', '-i', inventory, '--json', '--fail-on', 'never'], { home });
  expect(inspected.exitCode).toBe(0);
  const findingId = await storedFindingId(home, 'host.systemd.failed_units', 'sd-1:patrol-app.service');
  const res = await patrol(['remediate', findingId, '--json', '-p', 'autoApprove=true'], { home, timeoutMs: 300_000 });
  const out = JSON.parse(res.stdout) as RemediationRun;
  expect(out.status).toBe('failed');
  expect(res.exitCode).not.toBe(0);
  expect(stepOf(out, 'apply').status).toBe('failed');
  expect(JSON.stringify(stepOf(out, 'apply'))).toContain('missing /etc/patrol-app.conf');
  expect(stepOf(out, 'recheck').status).not.toBe('succeeded');
}, 300_000);
