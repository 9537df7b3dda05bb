/**
 * Host inspection of a host with a real systemd as PID 1 (systemd-nspawn --boot of this machine's
 * root through an overlay, reachable over SSH on the test bridge: test/fixtures/host/systemd-host.ts),
 * through the real CLI. The container also has its own PID namespace, so the process checks
 * (zombies, D state, per-process file descriptors) see only its processes: their quiet case is
 * deterministic here, unlike on the SSH test hosts that share the machine's process list.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { patrol, REPO } from '../support/cli.js';
import { waitUntil } from '../support/local-servers.js';
import { startSshHosts, type SshHosts } from '../support/ssh-hosts.js';
import { startSystemdHost, type SystemdHost } from '../fixtures/host/systemd-host.js';

const HELPER = join(REPO, 'test', 'fixtures', 'host', 'proc_helper.py');

interface Finding {
  check: string;
  target: string;
  host?: string;
  severity: string;
  value?: unknown;
  message: string;
}
interface Result {
  status: string;
  findings: Finding[];
}

let fleet: SshHosts;
let sd: SystemdHost;
let home: string;
let work: string;
let inventory: string;
let frozen: string | undefined;
let run1: Result;
let run2: Result;

const UNITS = {
  'patrol-web.service': '[Unit]\nDescription=Patrol test: a long-running service\n\n[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n',
  'patrol-setup.service': '[Unit]\nDescription=Patrol test: a oneshot that succeeds\n\n[Service]\nType=oneshot\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n',
  'patrol-fail.service': '[Unit]\nDescription=Patrol test: a service that fails\n\n[Service]\nExecStart=/bin/sh -c "echo cannot open /etc/patrol/app.conf >&2; exit 3"\n\n[Install]\nWantedBy=multi-user.target\n',
  'patrol-flap.service': '[Unit]\nDescription=Patrol test: a crash-looping service\nStartLimitIntervalSec=0\n\n[Service]\nExecStart=/bin/sh -c "sleep 0.3; exit 1"\nRestart=always\nRestartSec=100ms\n\n[Install]\nWantedBy=multi-user.target\n',
};

function config(run: 1 | 2): string {
  const spec = {
    checks: {
      'host.systemd.boot_services': { expected: run === 1 ? ['patrol-web'] : ['patrol-web', 'kubelet'] },
    },
  };
  const file = join(work, `config-${run}.yaml`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 'host-systemd-it' }, spec }));
  return file;
}

async function inspect(run: 1 | 2): Promise<Result> {
  const r = await patrol(['inspect', 'host', '-i', inventory, '-c', config(run), '--json', '--fail-on', 'never'], { home, timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw new Error(`patrol inspect host exited ${r.exitCode}: ${String(r.stderr).slice(-3000)}`);
  return JSON.parse(String(r.stdout)) as Result;
}

function find(res: Result, check: string, target = 'sd-1'): Finding {
  const f = res.findings.find((x) => x.check === check && x.target === target);
  if (!f) throw new Error(`no ${check} finding for ${target}; targets: ${res.findings.filter((x) => x.check === check).map((x) => x.target).join(', ')}`);
  return f;
}

/** The PID (in this namespace) of a process given by its PID inside the container. */
function hostPid(containerPid: number): number {
  const containerNs = readlinkSync(`/proc/${sd.initPid}/ns/pid`);
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1]?.trim().split(/\s+/).map(Number);
      if (nspid && nspid[nspid.length - 1] === containerPid && readlinkSync(`/proc/${p}/ns/pid`) === containerNs) return Number(p);
    } catch {
      /* gone */
    }
  }
  throw new Error(`no process with pid ${containerPid} in the container`);
}

beforeAll(async () => {
  fleet = await startSshHosts(1);
  home = mkdtempSync('/tmp/patrol-hostsd-home-');
  work = mkdtempSync('/tmp/patrol-hostsd-');
  const ip = fleet.subnet.replace(/\.0\/24$/, '.200');
  sd = await startSystemdHost({ name: 'sd-1', bridge: fleet.bridge, ip, clientPublicKey: fleet.clientPublicKey, units: UNITS, enable: ['patrol-web.service', 'patrol-setup.service'] });
  inventory = join(work, 'inventory.ini');
  writeFileSync(inventory, fleet.inventoryIni().replace(/\[targets\]\n[^\n]*\n/, `[targets]\nsd-1 ansible_host=${ip}\n`));
  // The oneshot may still be finishing right after sshd came up.
  await sd.exec(['systemctl', 'is-system-running', '--wait'], { allowFailure: true, timeoutMs: 20_000 });
  run1 = await inspect(1);

  // Problems: a service that fails, an expected service stopped, a crash loop, a zombie, a process
  // at its open-files limit, and a process frozen in D state (cgroup freezer).
  await sd.exec(['systemctl', 'enable', '--now', 'patrol-fail.service'], { allowFailure: true });
  await sd.exec(['systemctl', 'stop', 'patrol-web.service']);
  await sd.exec(['systemctl', 'enable', '--now', 'patrol-flap.service']);
  // Copied in: the container is an overlay of the root filesystem only, so a checkout under /tmp
  // (or on any other mount) is not visible inside it.
  await sd.exec(['sh', '-c', 'cat > /usr/local/lib/patrol-proc-helper.py'], { input: readFileSync(HELPER, 'utf8') });
  const helper = '/usr/local/lib/patrol-proc-helper.py';
  await sd.exec(['sh', '-c', `/usr/bin/python3 ${helper} zombie >/dev/null 2>&1 & /usr/bin/python3 ${helper} fdhog 760 1024 >/dev/null 2>&1 & exec /bin/sleep 600 >/dev/null 2>&1 & echo $! > /tmp/frozen.pid`]);
  const inside = Number((await sd.exec(['sh', '-c', 'sleep 0.5; cat /tmp/frozen.pid'])).stdout.trim());
  frozen = `/sys/fs/cgroup/freezer/patrol-hostsd-${process.pid}`;
  mkdirSync(frozen);
  writeFileSync(join(frozen, 'cgroup.procs'), String(hostPid(inside)));
  writeFileSync(join(frozen, 'freezer.state'), 'FROZEN');
  // The helpers start in the background: on a loaded machine Python can take seconds to start, so
  // wait for the zombie and the descriptor hog to exist rather than trusting a fixed delay.
  await waitUntil('the zombie and the fd hog to exist in the container', async () => {
    // /proc/PID/stat: "PID (COMM) STATE ..." (no ps needed in the container).
    const stat = await sd.exec(['sh', '-c', 'cat /proc/[0-9]*/stat 2>/dev/null'], { allowFailure: true });
    return /\(patrol-zombie\) Z /.test(stat.stdout) && /\(patrol-fdhog\) /.test(stat.stdout);
  });
  // Let the crash loop restart a few times.
  await new Promise((r) => setTimeout(r, 2500));
  run2 = await inspect(2);
}, 120_000);

afterAll(async () => {
  if (frozen) {
    writeFileSync(join(frozen, 'freezer.state'), 'THAWED');
  }
  await sd?.stop();
  if (frozen) await execa('rmdir', [frozen], { reject: false });
  await fleet?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
});

test('run 1 on a healthy systemd host: no failed units, every enabled service running', () => {
  expect(run1.status).toBe('succeeded');
  expect(find(run1, 'host.systemd.failed_units')).toMatchObject({ severity: 'ok', value: 0, message: 'no failed units (system state: running)' });
  const boot = run1.findings.filter((f) => f.check === 'host.systemd.boot_services');
  expect(boot.map((f) => f.target).sort()).toEqual(['sd-1:patrol-setup.service', 'sd-1:patrol-sshd.service', 'sd-1:patrol-web.service']);
  expect(boot.every((f) => f.severity === 'ok')).toBe(true);
  expect(find(run1, 'host.systemd.boot_services', 'sd-1:patrol-setup.service').message).toContain('(oneshot) ran and finished successfully');
});

test('run 2: the failed unit, the stopped expected service, the missing expected one and the crash loop fire', () => {
  expect(find(run2, 'host.systemd.failed_units', 'sd-1:patrol-fail.service')).toMatchObject({ severity: 'warning', value: 'failed', message: expect.stringContaining('system state degraded') });
  expect(find(run2, 'host.systemd.boot_services', 'sd-1:patrol-fail.service')).toMatchObject({ severity: 'warning', message: expect.stringContaining('enabled at boot but not running (failed/failed, result exit-code, exit status 3)') });
  expect(find(run2, 'host.systemd.boot_services', 'sd-1:patrol-web.service')).toMatchObject({ severity: 'warning', message: expect.stringContaining('is expected but not running (inactive/dead)') });
  expect(find(run2, 'host.systemd.boot_services', 'sd-1:kubelet.service')).toMatchObject({ severity: 'critical', message: expect.stringContaining('expected but no such unit exists') });
  expect(find(run2, 'host.systemd.boot_services', 'sd-1:patrol-sshd.service').severity).toBe('ok');
  const flap = find(run2, 'host.systemd.boot_services', 'sd-1:patrol-flap.service');
  expect(flap.severity).toBe('warning');
  expect(flap.message).toMatch(/restarted it \d+ times|enabled at boot but not running/);
});

test('process checks in the container\'s own PID namespace: quiet in run 1, fire in run 2', () => {
  for (const c of ['host.proc.zombies', 'host.proc.dstate']) expect([c, find(run1, c).severity, find(run1, c).value]).toEqual([c, 'ok', 0]);
  expect(run1.findings.filter((f) => f.check === 'host.fd.usage').every((f) => f.severity === 'ok')).toBe(true);
  expect(find(run2, 'host.proc.zombies')).toMatchObject({ severity: 'warning', value: 1, message: expect.stringContaining('patrol-zombie') });
  // A frozen task shows as D; its wait channel is still the sleep it was frozen in.
  expect(find(run2, 'host.proc.dstate')).toMatchObject({ severity: 'warning', value: 1, message: expect.stringContaining('1 process in D state for more than 1.0 s: sleep[') });
  expect(find(run2, 'host.fd.usage', 'sd-1:fd:patrol-fdhog')).toMatchObject({ severity: 'warning' });
});

test('in a container the kernel log is unreadable: the kernel-log checks error, never ok', () => {
  for (const c of ['host.kernel.oom_kills', 'host.kernel.hung_tasks', 'host.kernel.fs_errors']) {
    expect(find(run1, c)).toMatchObject({ severity: 'error', message: expect.stringContaining('cannot read the kernel log') });
  }
});

test('cron on a systemd host: packaged jobs that defer to systemd timers need no cron daemon', () => {
  expect(find(run1, 'host.cron.daemon')).toMatchObject({ severity: 'ok', message: expect.stringContaining('handled by systemd timers') });
});

test('time sync read from systemd (timedatectl): not synchronised', () => {
  expect(find(run1, 'host.time.sync')).toMatchObject({ severity: 'warning', message: expect.stringContaining('timedatectl: NTP off, synchronised no') });
});
