import { appCollector } from '../../src/inspections/collectors/app/app-collector.js';
import type { CollectRequest } from '../../src/inspections/collectors/collector.js';
import { inspectionConfigSchema } from '../../src/inspections/config/inspection-config.js';
import type { AnsibleStepOutput } from '../../src/ansible/ansible-step-output.js';
import type { InventoryHost } from '../../src/ansible/inventory-hosts.js';
import type { StepContext } from '../../src/steps/step-type.js';
import type { TargetMeasurements } from '../../src/inspections/measurement.js';

// The app collector's host-side assembly with a fake runPlaybook: which hosts are asked for what,
// and how unreachable hosts, hosts entries that match nothing, a missing inventory and a failed
// module section become per-item errors (never dropped, never ok).

const INVENTORY: InventoryHost[] = [
  { name: 'web-1', groups: ['web'], vars: {} },
  { name: 'web-2', groups: ['web'], vars: {} },
  { name: 'batch-1', groups: ['batch'], vars: {} },
];

function output(registered: Record<string, unknown>, failures: AnsibleStepOutput['failures'] = []): AnsibleStepOutput {
  const hosts = [...Object.keys(registered), ...failures.map((f) => f.host)];
  return { recap: {}, hosts, failedHosts: [], unreachableHosts: failures.map((f) => f.host), failures, stats: {}, hostStats: {}, registered: Object.fromEntries(Object.entries(registered).map(([h, r]) => [h, { patrol_app: r }])), check: false, exitCode: 0, durationMs: 1, stdout: '', truncated: [] };
}

/** What patrol_app.py returns for a host, built from its params. */
function moduleResult(params: { processes: { app: string; name: string }[]; logs: { app: string; path: string }[]; jobs: { app: string; name: string; status_file: string }[] }, failOom?: string) {
  return {
    patrol: {
      version: 1,
      sections: {
        processes: { ok: true, data: { items: params.processes.map((p) => ({ ...p, kind: 'process', selector: 'x', error: null, at: [1, 2, 3], total: [10, 10, 10], count: 1, processes: [], limitBytes: null })) }, command: 'ps', raw: 'p' },
        oom: failOom ? { ok: false, error: failOom } : { ok: true, data: { source: 'kmsg', since: 5, fromBoot: true, items: params.processes.map((p) => ({ ...p, error: null, kills: [] })) } },
        logs: { ok: true, data: { items: params.logs.map((l) => ({ ...l, error: null, files: 1, totalBytes: 10, largest: [], oldest: null, rotatedFiles: 0, expired: { count: 0, bytes: 0, examples: [] }, partial: false, warnings: '' })) } },
        jobs: { ok: true, data: { items: params.jobs.map((j) => ({ ...j, statusFile: j.status_file, error: null, mtime: 1000, content: { status: 'success', lastSuccess: 1780000000, durationSeconds: 5 }, raw: '{}' })) } },
      },
    },
  };
}

function request(applications: unknown[], opts: { inventory?: string[]; limit?: string; unreachable?: string[]; failOom?: string } = {}) {
  const calls: Record<string, unknown>[] = [];
  const ctx = {
    signal: new AbortController().signal,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, stdout: () => undefined, stderr: () => undefined },
    secrets: { get: async () => ({}), mask: () => undefined },
  } as unknown as StepContext;
  const config = inspectionConfigSchema.parse({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 't' }, spec: { applications, collection: { samples: 3, sampleInterval: 0.5 } } });
  const inventoryList = opts.inventory ?? ['inv.ini'];
  const req: CollectRequest = {
    ctx,
    config,
    inventory: inventoryList,
    ...(opts.limit ? { limit: opts.limit } : {}),
    inventoryHosts: async () => (inventoryList.length ? INVENTORY.filter((h) => !opts.limit || opts.limit.split(',').includes(h.name)) : []),
    playbooksDir: '/x',
    async runPlaybook(input) {
      calls.push(input as Record<string, unknown>);
      const byHost = (input.extraVars as { patrol_app_hosts: Record<string, Parameters<typeof moduleResult>[0]> }).patrol_app_hosts;
      const registered: Record<string, unknown> = {};
      const failures: AnsibleStepOutput['failures'] = [];
      for (const [h, params] of Object.entries(byHost)) {
        if (opts.unreachable?.includes(h)) failures.push({ host: h, task: 'Gathering', status: 'unreachable', msg: `ssh: connect to host ${h} port 22: Connection refused` });
        else registered[h] = moduleResult(params, opts.failOom);
      }
      return output(registered, failures);
    },
  };
  return { req, calls };
}

type Items = { items: { host: string; error: string | null; name?: string; path?: string }[] };
const items = (m: TargetMeasurements, section: string) => (m.sections[section]!.data as Items).items.map((i) => `${i.name ?? i.path}@${i.host}: ${i.error ?? 'ok'}`);

const SHOP = { name: 'shop', hosts: ['web'], processes: [{ name: 'java', match: 'shop' }], logs: [{ path: '/var/log/shop' }], batchJobs: [{ name: 'export', statusFile: '/s.json', hosts: ['batch-1'] }] };

test('asks each host for its things only, in one playbook run limited to those hosts; regroups per application', async () => {
  const { req, calls } = request([SHOP, { name: 'api', hosts: ['web-2'], processes: [{ name: 'node', match: 'api' }] }]);
  const [shop, api] = await appCollector.collect(req);
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({ playbook: 'inspect-app.yml', limit: ['web-1', 'web-2', 'batch-1'], extraVars: { patrol_section_timeout: 20 } });
  const byHost = (calls[0]!.extraVars as { patrol_app_hosts: Record<string, { processes: unknown[]; jobs: unknown[] }> }).patrol_app_hosts;
  expect(byHost['web-2']!.processes).toEqual([{ app: 'shop', name: 'java', match: 'shop' }, { app: 'api', name: 'node', match: 'api' }]);
  expect(byHost['batch-1']).toMatchObject({ processes: [], jobs: [{ app: 'shop', name: 'export', status_file: '/s.json' }], samples: 3, sample_interval: 0.5 });
  expect(shop!.target).toMatchObject({ name: 'shop', attributes: { hosts: ['web-1', 'web-2'] } });
  expect(items(shop!, 'processes')).toEqual(['java@web-1: ok', 'java@web-2: ok']);
  expect(items(shop!, 'logs')).toEqual(['/var/log/shop@web-1: ok', '/var/log/shop@web-2: ok']);
  expect(items(shop!, 'jobs')).toEqual(['export@batch-1: ok']);
  expect((shop!.sections.jobs!.data as { items: { lastSuccess: number }[] }).items[0]!.lastSuccess).toBe(1780000000000);
  expect((shop!.sections.oom!.data as { items: { fromBoot: boolean; since: number }[] }).items[0]).toMatchObject({ fromBoot: true, since: 5 });
  expect(items(api!, 'processes')).toEqual(['node@web-2: ok']);
  // No HTTP parts configured: those sections are empty, not missing.
  expect(shop!.sections.health).toMatchObject({ ok: true, data: { endpoints: [] } });
  expect(shop!.sections.pools).toMatchObject({ ok: true, data: { pools: [] } });
});

test('an unreachable host, a failed section and a hosts entry that matches nothing are per-item errors', async () => {
  const { req } = request([{ ...SHOP, hosts: ['web', 'cache'] }], { unreachable: ['web-2'], failOom: 'cannot read the kernel log' });
  const [shop] = await appCollector.collect(req);
  expect(items(shop!, 'processes')).toEqual(['java@web-1: ok', 'java@web-2: unreachable: ssh: connect to host web-2 port 22: Connection refused', 'java@cache: "cache" in hosts of shop matches no inventory host or group']);
  expect(items(shop!, 'oom')[0]).toBe('java@web-1: could not measure oom on web-1: cannot read the kernel log');
});

test('with --limit, hosts outside it are simply not inspected', async () => {
  const { req, calls } = request([SHOP], { limit: 'web-1' });
  const [shop] = await appCollector.collect(req);
  expect(calls[0]).toMatchObject({ limit: ['web-1'] });
  expect(items(shop!, 'processes')).toEqual(['java@web-1: ok']);
  expect(items(shop!, 'jobs')).toEqual([]);
});

test('without an inventory, host-side things are errors naming the fix; no playbook runs', async () => {
  const { req, calls } = request([SHOP], { inventory: [] });
  const [shop] = await appCollector.collect(req);
  expect(calls).toHaveLength(0);
  expect(items(shop!, 'processes')).toEqual(['java@web: no inventory given, so web (in hosts of shop) cannot be inspected; pass --inventory']);
  expect(items(shop!, 'jobs')).toEqual(['export@batch-1: no inventory given, so batch-1 (in hosts of shop) cannot be inspected; pass --inventory']);
});

test('duplicate application names are an error of that target; no applications is no targets', async () => {
  const { req } = request([{ name: 'a' }, { name: 'a' }]);
  const out = await appCollector.collect(req);
  expect(out.map((m) => m.error ?? 'ok')).toEqual(['application "a" is configured more than once in spec.applications; names must be unique', 'application "a" is configured more than once in spec.applications; names must be unique']);
  expect(await appCollector.collect(request([]).req)).toEqual([]);
});
