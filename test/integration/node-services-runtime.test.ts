/**
 * The cluster-node checks that need a live init system and a live container runtime, against real
 * ones, through the real CLI (`patrol inspect node --json`, real Ansible):
 * - services: sd-1 is a host with a real systemd as PID 1 (test/fixtures/host/systemd-host.ts),
 *   reached over SSH. The test installs kubelet.service, containerd.service and a required
 *   patrol-agent.service (each a /bin/sleep), enabled and running for run 1; for run 2 it stops
 *   the kubelet, disables containerd at boot and kills the agent (failed).
 * - images: localhost runs a real containerd of the test (own root, state and socket, given to the
 *   module as spec.nodes.containerRuntime.endpoint) holding two images the test built offline as
 *   OCI tarballs; a container runs from one. Run 1: the other is unused and fires; run 2: a container
 *   runs from it too and the check is quiet.
 * Each host is asked only what it has: the service checks are off for localhost (no systemd here;
 * test/integration/node-inspection.test.ts covers that error), the image check is off for sd-1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { patrol } from '../support/cli.js';
import { startContainerd, type Containerd } from '../support/containerd.js';
import { startSshHosts, type SshHosts } from '../support/ssh-hosts.js';
import { startSystemdHost, type SystemdHost } from '../fixtures/host/systemd-host.js';

interface Finding {
  check: string;
  target: string;
  severity: string;
  value?: unknown;
  message: string;
  details?: { unused?: { ref: string; bytes: number; namespace?: string }[]; tool?: string };
}
interface Result {
  status: string;
  findings: Finding[];
}

const sleeper = (what: string) => `[Unit]\nDescription=Patrol test: stands in for ${what}\n\n[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n`;
const UNITS = { 'kubelet.service': sleeper('the kubelet'), 'containerd.service': sleeper('containerd'), 'patrol-agent.service': sleeper('a required node agent') };

let fleet: SshHosts;
let sd: SystemdHost;
let runtime: Containerd;
let home: string;
let work: string;
let inventory: string;
let app: { ref: string; bytes: number };
let old: { ref: string; bytes: number };
let run1: Result;
let run2: Result;

async function inspect(run: 1 | 2): Promise<Result> {
  const spec = {
    checks: {
      'node.cert.*': { enabled: false },
      'node.etcd.*': { enabled: false },
      // The test's images are a few hundred KiB: thresholds in GiB scaled down to them.
      'node.images.unused': { warning: 0.0005, critical: 1 },
    },
    overrides: [
      { match: { hosts: ['localhost'] }, checks: { 'node.kubelet.service': { enabled: false }, 'node.runtime.service': { enabled: false }, 'node.services.boot': { enabled: false } } },
      { match: { hosts: ['sd-1'] }, checks: { 'node.images.unused': { enabled: false } } },
    ],
    collection: { sectionTimeout: '15s' },
    nodes: { services: ['patrol-agent'], containerRuntime: { cli: 'ctr', endpoint: runtime.socket } },
  };
  const config = join(work, `config-${run}.json`);
  writeFileSync(config, JSON.stringify({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 'node-services-runtime-it' }, spec }));
  const r = await patrol(['inspect', 'node', '-i', inventory, '-c', config, '--json', '--fail-on', 'never'], { home, timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw new Error(`patrol inspect node exited ${r.exitCode}: ${String(r.stderr).slice(-3000)}`);
  return JSON.parse(String(r.stdout)) as Result;
}

function find(res: Result, check: string, target: string): Finding {
  const f = res.findings.find((x) => x.check === check && x.target === target);
  if (!f) throw new Error(`no ${check} finding for ${target}; have: ${res.findings.filter((x) => x.check === check).map((x) => `${x.target} (${x.severity}: ${x.message})`).join('; ') || 'none'}`);
  return f;
}

beforeAll(async () => {
  home = mkdtempSync('/tmp/patrol-noderuntime-home-');
  work = mkdtempSync('/tmp/patrol-noderuntime-');
  [fleet, runtime] = await Promise.all([startSshHosts(1), startContainerd()]);
  const ip = fleet.subnet.replace(/\.0\/24$/, '.200');
  sd = await startSystemdHost({ name: 'sd-1', bridge: fleet.bridge, ip, clientPublicKey: fleet.clientPublicKey, units: UNITS, enable: Object.keys(UNITS) });
  inventory = join(work, 'inventory.ini');
  writeFileSync(inventory, fleet.inventoryIni().replace(/\[targets\]\n[^\n]*\n/, `[targets]\nsd-1 ansible_host=${ip}\nlocalhost ansible_connection=local\n`));

  app = await runtime.importImage('patrol.test/app:1', 300_000);
  old = await runtime.importImage('patrol.test/old:1', 700_000);
  await runtime.runContainer(app.ref, 'app-1');
  await sd.exec(['systemctl', 'is-system-running', '--wait'], { allowFailure: true, timeoutMs: 20_000 });
  run1 = await inspect(1);

  await sd.exec(['systemctl', 'stop', 'kubelet.service']);
  await sd.exec(['systemctl', 'disable', 'containerd.service']);
  await sd.exec(['systemctl', 'kill', '--signal=SIGKILL', 'patrol-agent.service']);
  await runtime.runContainer(old.ref, 'old-1');
  run2 = await inspect(2);
}, 150_000);

afterAll(async () => {
  await runtime?.stop();
  await sd?.stop();
  await fleet?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
});

test('run 1: kubelet, runtime and required service running and enabled on a real systemd: quiet', () => {
  expect(run1.status).toBe('succeeded');
  expect(find(run1, 'node.kubelet.service', 'sd-1:kubelet.service')).toMatchObject({ severity: 'ok', message: 'kubelet.service is running (running) and enabled at boot (enabled)' });
  expect(find(run1, 'node.runtime.service', 'sd-1:containerd.service')).toMatchObject({ severity: 'ok', message: 'containerd.service is running (running) and enabled at boot (enabled)' });
  expect(find(run1, 'node.services.boot', 'sd-1:patrol-agent.service')).toMatchObject({ severity: 'ok', message: 'patrol-agent.service is running (running) and enabled at boot (enabled)' });
});

test('run 2: a stopped kubelet (critical), a runtime disabled at boot (warning) and a failed required service (critical) fire', () => {
  expect(find(run2, 'node.kubelet.service', 'sd-1:kubelet.service')).toMatchObject({ severity: 'critical', value: 'inactive', message: 'kubelet.service is not running (inactive/dead)' });
  expect(find(run2, 'node.runtime.service', 'sd-1:containerd.service')).toMatchObject({
    severity: 'warning',
    value: 'disabled',
    message: 'containerd.service is running but not enabled at boot (disabled): it will not start after a reboot',
  });
  expect(find(run2, 'node.services.boot', 'sd-1:patrol-agent.service')).toMatchObject({ severity: 'critical', value: 'failed', message: 'patrol-agent.service is not running (failed/failed, result signal, killed by SIGKILL)' });
});

test('run 1: the image no container uses fires with its size, read from the real containerd', () => {
  const f = find(run1, 'node.images.unused', 'localhost');
  expect(f.severity).toBe('warning');
  // In GiB like the thresholds, to three significant digits (not rounded to 0.00 beside a warning).
  expect(f.value).toBe(Number((f.details!.unused![0]!.bytes / 1024 ** 3).toPrecision(3)));
  expect(f.value).toBeGreaterThan(0);
  expect(f.message).toMatch(/^1 of 2 images are unused and hold .* read with ctr\): patrol\.test\/old:1 \(/);
  expect(f.details?.unused).toHaveLength(1);
  const [unused] = f.details!.unused!;
  expect(unused).toMatchObject({ ref: old.ref, namespace: 'k8s.io' });
  // ctr prints sizes with one decimal ("690.6 KiB"): within 0.05 KiB of the content's bytes.
  expect(Math.abs(unused!.bytes - old.bytes)).toBeLessThanOrEqual(52);
});

test('run 2: every image has a container: quiet', () => {
  expect(find(run2, 'node.images.unused', 'localhost')).toMatchObject({ severity: 'ok', value: 0, message: expect.stringMatching(/^0 of 2 images are unused and hold 0 B/) });
});

test('each host is asked only what it has', () => {
  expect(run1.findings.filter((f) => f.target.startsWith('localhost') && f.check.startsWith('node.') && f.check.endsWith('.service'))).toEqual([]);
  expect(run1.findings.filter((f) => f.check === 'node.images.unused' && f.target.startsWith('sd-1'))).toEqual([]);
});
