/**
 * The host collector's use of the ansible step: per-host module parameters, sections, and large
 * inventories split into parallel runs that stay inside the step's registered-results cap.
 */
import { hostCollector, HOSTS_PER_PLAYBOOK_RUN } from '../../src/inspections/collectors/host/host-collector.js';
import type { CollectRequest } from '../../src/inspections/collectors/collector.js';
import { inspectionConfigSchema } from '../../src/inspections/config/inspection-config.js';
import type { AnsibleStepOutput } from '../../src/ansible/ansible-step-output.js';

type Call = Parameters<CollectRequest['runPlaybook']>[0];

function request(hostCount: number, opts: { spec?: Record<string, unknown>; limit?: string; groups?: (i: number) => string[] } = {}) {
  const calls: Call[] = [];
  const hosts = Array.from({ length: hostCount }, (_, i) => ({ name: `h${i + 1}`, groups: opts.groups?.(i) ?? ['all-web'], vars: {} }));
  const config = inspectionConfigSchema.parse({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 'u' }, spec: opts.spec ?? {} });
  const req = {
    ctx: {} as CollectRequest['ctx'],
    config,
    inventory: ['inv.ini'],
    ...(opts.limit ? { limit: opts.limit } : {}),
    inventoryHosts: async () => hosts,
    playbooksDir: '/x',
    async runPlaybook(input: Call): Promise<AnsibleStepOutput> {
      calls.push(input);
      const names = input.limit ? String(input.limit).split(',') : hosts.map((h) => h.name);
      const result = { patrol: { version: 1, sections: { cpu: { ok: true, data: {} } } } };
      return { recap: {}, hosts: names, failedHosts: [], unreachableHosts: [], failures: [], stats: {}, hostStats: {}, registered: Object.fromEntries(names.map((n) => [n, { patrol_host: result }])), check: false, exitCode: 0, durationMs: 1, stdout: '', truncated: [] } as unknown as AnsibleStepOutput;
    },
  } as CollectRequest;
  return { req, calls };
}

test('a small inventory is one run; identical hosts share one set of module parameters', async () => {
  const { req, calls } = await (async () => request(3))();
  const ms = await hostCollector.collect(req);
  expect(calls).toHaveLength(1);
  expect(calls[0]!.limit).toBeUndefined();
  expect(calls[0]!.extraVars).toMatchObject({ patrol_section_timeout: 20, patrol_host_params: expect.objectContaining({ sysctl: expect.any(Object) }) });
  expect(calls[0]!.extraVars).not.toHaveProperty('patrol_host_params_by_host');
  expect(calls[0]!.extraVars).not.toHaveProperty('patrol_sections');
  expect(ms.map((m) => [m.target.name, m.error])).toEqual([['h1', undefined], ['h2', undefined], ['h3', undefined]]);
});

test('hosts whose settings differ get their own parameters; disabled sections are not collected', async () => {
  const { req, calls } = request(3, {
    groups: (i) => (i === 0 ? ['ntp'] : ['web']),
    spec: { checks: { 'host.cert.expiry': { enabled: false } }, overrides: [{ match: { groups: ['ntp'] }, checks: { 'host.time.offset': { servers: ['10.0.0.1'] } } }] },
  });
  await hostCollector.collect(req);
  const vars = calls[0]!.extraVars as { patrol_host_params_by_host: Record<string, { time?: unknown }>; patrol_sections: string[] };
  expect(vars.patrol_host_params_by_host.h1!.time).toEqual({ servers: ['10.0.0.1'], port: 123 });
  expect(vars.patrol_host_params_by_host.h2!.time).toBeUndefined();
  expect(vars.patrol_sections).not.toContain('certs');
});

test(`more than ${HOSTS_PER_PLAYBOOK_RUN} hosts run as parallel runs of at most ${HOSTS_PER_PLAYBOOK_RUN}, every host exactly once`, async () => {
  const { req, calls } = request(95);
  const ms = await hostCollector.collect(req);
  expect(calls).toHaveLength(3);
  const limited = calls.map((c) => String(c.limit).split(','));
  expect(limited.every((l) => l.length <= HOSTS_PER_PLAYBOOK_RUN)).toBe(true);
  expect(limited.flat().sort()).toEqual(Array.from({ length: 95 }, (_, i) => `h${i + 1}`).sort());
  expect(calls.map((c) => c.forks)).toEqual(limited.map((l) => l.length));
  expect(ms).toHaveLength(95);
  expect(ms.every((m) => !m.error)).toBe(true);
});

test('with a --limit or configured slices the inspect step decides: one call', async () => {
  const limited = request(95, { limit: 'web' });
  await hostCollector.collect(limited.req);
  expect(limited.calls).toHaveLength(1);
  const sliced = request(95, { spec: { collection: { slices: 4 } } });
  await hostCollector.collect(sliced.req);
  expect(sliced.calls).toHaveLength(1);
});
