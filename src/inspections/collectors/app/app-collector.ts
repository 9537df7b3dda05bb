import type { InventoryHost } from '../../../ansible/inventory-hosts.js';
import { parseDuration } from '../../../util/duration.js';
import { capString } from '../../../util/cap.js';
import { parseBytes } from '../../checks/format.js';
import { globMatch } from '../../config/glob.js';
import type { SectionEnvelope, TargetMeasurements } from '../../measurement.js';
import type { Collector, CollectRequest } from '../collector.js';
import { measurementsFromPlaybook } from '../playbook-measurements.js';
import { AppProbes } from './app-probes.js';
import { DEFAULT_MAX_LOG_FILE_SIZE, type ApplicationTarget } from './app-targets.js';
import type { JobsSection, LogsSection, OomSection, ProcessesSection } from './app-sections.js';

/** Sections measured on the application's hosts by playbooks/library/patrol_app.py. */
export const HOST_SECTIONS = ['processes', 'oom', 'logs', 'jobs'] as const;
type HostSection = (typeof HOST_SECTIONS)[number];

/** What the module measures on one host (the `params` of patrol_app). */
export interface HostParams {
  samples: number;
  sample_interval: number;
  processes: { app: string; name: string; match?: string; cgroup?: string; comm?: string }[];
  logs: { app: string; path: string; retention_days?: number }[];
  jobs: { app: string; name: string; status_file: string }[];
}

/** Where each application runs: inventory host names, and entries that matched nothing. */
export interface AppPlacement {
  hosts: string[];
  unmatched: string[];
  jobHosts: Map<string, { hosts: string[]; unmatched: string[] }>;
}

/** Inventory hosts selected by `hosts` entries: a host name, a group name, or a glob of either. */
export function resolveHosts(entries: readonly string[], inventory: readonly InventoryHost[]): { hosts: string[]; unmatched: string[] } {
  const hosts = new Set<string>();
  const unmatched: string[] = [];
  for (const e of entries) {
    const found = inventory.filter((h) => e === 'all' || globMatch(e, h.name) || h.groups.some((g) => globMatch(e, g)));
    if (found.length === 0) unmatched.push(e);
    for (const h of found) hosts.add(h.name);
  }
  return { hosts: [...hosts].sort(), unmatched };
}

/** Per-host module params for every application (only hosts with something to measure). */
export function buildHostParams(apps: readonly ApplicationTarget[], placements: ReadonlyMap<string, AppPlacement>, collection: { samples: number; sampleInterval: number }): Map<string, HostParams> {
  const out = new Map<string, HostParams>();
  const forHost = (h: string) => {
    let p = out.get(h);
    if (!p) {
      p = { samples: collection.samples, sample_interval: collection.sampleInterval, processes: [], logs: [], jobs: [] };
      out.set(h, p);
    }
    return p;
  };
  for (const app of apps) {
    const place = placements.get(app.name);
    if (!place) continue;
    for (const h of place.hosts) {
      for (const p of app.processes) forHost(h).processes.push({ app: app.name, name: p.name, ...(p.match !== undefined ? { match: p.match } : {}), ...(p.cgroup !== undefined ? { cgroup: p.cgroup } : {}), ...(p.comm !== undefined ? { comm: p.comm } : {}) });
      for (const l of app.logs) forHost(h).logs.push({ app: app.name, path: l.path, ...(l.retentionDays !== undefined ? { retention_days: l.retentionDays } : {}) });
    }
    for (const j of app.batchJobs) {
      for (const h of place.jobHosts.get(j.name)?.hosts ?? []) forHost(h).jobs.push({ app: app.name, name: j.name, status_file: j.statusFile });
    }
  }
  return out;
}

/**
 * Application measurements, one target per configured application (spec.applications):
 * - from the Patrol host, in TypeScript with the http step's client: health endpoints, TLS
 *   certificates of every https origin, pool gauges from a Prometheus text metrics page;
 * - on the application's hosts, through playbooks/inspect-app.yml (patrol_app.py): process or
 *   cgroup memory sampled within a window, OOM kills of its processes in the kernel log, log
 *   directories, batch job status files.
 * Both halves run at the same time. Anything that cannot be measured (a host unreachable, a
 * directory missing, a page without the series) is an item with `error`, judged `error`.
 */
export const appCollector: Collector = {
  kind: 'app',
  produces: ['app'],
  async collect(req) {
    const apps = req.config.spec.applications;
    if (apps.length === 0) {
      req.ctx.log.warn('no applications configured: list them in the InspectionConfig under spec.applications (see docs/app-checks.md)');
      return [];
    }
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const a of apps) (seen.has(a.name) ? duplicates : seen).add(a.name);

    const needsHosts = apps.some((a) => a.processes.length + a.logs.length + a.batchJobs.length > 0);
    const inventory = needsHosts && req.inventory.length > 0 ? await req.inventoryHosts() : [];
    const placements = new Map<string, AppPlacement>();
    for (const app of apps) {
      const main = resolveHosts(app.hosts, inventory);
      const jobHosts = new Map(app.batchJobs.map((j) => [j.name, j.hosts ? resolveHosts(j.hosts, inventory) : main]));
      placements.set(app.name, { ...main, jobHosts });
    }
    const collection = req.config.spec.collection;
    const hostParams = buildHostParams(apps, placements, collection);
    const probes = new AppProbes(req.ctx);
    const started = Date.now();
    const probing = (async () => {
      const first = await Promise.all(apps.map(async (app) => Promise.all([probes.health(app), probes.pools(app)])));
      // TLS after health and metrics: their verified certificates are reused, only the rest is probed.
      const tls = await Promise.all(apps.map((app) => probes.tls(app)));
      return first.map(([health, pools], i) => ({ health, pools, tls: tls[i]! }));
    })();
    const [hostResults, probed] = await Promise.all([runHostSide(req, hostParams, inventory), probing]);
    req.ctx.log.info(`app inspection: ${apps.length} applications, ${hostParams.size} hosts measured in ${Date.now() - started} ms`);

    return apps.map((app, i): TargetMeasurements => {
      const target = { name: app.name, groups: app.groups, attributes: { hosts: placements.get(app.name)!.hosts, urls: app.health.map((h) => h.url) } };
      if (duplicates.has(app.name)) return { collector: 'app', target, error: `application "${app.name}" is configured more than once in spec.applications; names must be unique`, sections: {} };
      const host = assembleHostSections(app, placements.get(app.name)!, hostResults, req);
      return { collector: 'app', target, sections: { ...probed[i]!, ...host } };
    });
  },
};

type HostResults = Map<string, { error?: string; sections: Record<string, SectionEnvelope> }>;

async function runHostSide(req: CollectRequest, params: Map<string, HostParams>, inventory: readonly InventoryHost[]): Promise<HostResults> {
  const out: HostResults = new Map();
  if (params.size === 0) return out;
  const hosts = inventory.filter((h) => params.has(h.name));
  const sectionTimeout = Math.ceil(parseDuration(req.config.spec.collection.sectionTimeout) / 1000);
  const { samples, sampleInterval } = req.config.spec.collection;
  const window = Math.max(0, samples - 1) * sampleInterval;
  const output = await req.runPlaybook({
    playbook: 'inspect-app.yml',
    limit: hosts.map((h) => h.name),
    extraVars: { patrol_section_timeout: sectionTimeout, patrol_app_hosts: Object.fromEntries(params) },
    // The module bounds itself (sections + sampling window); this only catches a wedged connection.
    taskTimeout: Math.ceil(sectionTimeout + window + 60),
  });
  for (const m of measurementsFromPlaybook({ collector: 'app', registerName: 'patrol_app', hosts, output })) {
    out.set(m.target.name, { ...(m.error !== undefined ? { error: m.error } : {}), sections: m.sections });
  }
  return out;
}

type ItemOf<S extends HostSection> = S extends 'processes' ? ProcessesSection['items'][number] : S extends 'oom' ? OomSection['items'][number] : S extends 'logs' ? LogsSection['items'][number] : JobsSection['items'][number];

/** One configured thing (a process, a log directory, a job) measured on some hosts. */
interface ItemSpec<S extends HostSection> {
  what: string;
  hosts: { hosts: string[]; unmatched: string[] };
  /** Whether a module item (of this application) is this thing. */
  match(d: Record<string, unknown>): boolean;
  /** The item when it could not be measured on host h. */
  blank(h: string, error: string): ItemOf<S>;
  fill(h: string, d: Record<string, unknown>): ItemOf<S>;
}

/** Regroups the per-host module results into the application's sections, one item per configured thing per host. */
function assembleHostSections(app: ApplicationTarget, place: AppPlacement, results: HostResults, req: CollectRequest): Record<HostSection, SectionEnvelope> {
  const noInventory = req.inventory.length === 0;
  /** Hosts to report a thing on: resolved hosts, plus (without --limit) entries that matched nothing, as errors. */
  const hostsOf = (p: { hosts: string[]; unmatched: string[] }, entries: readonly string[]) => (noInventory ? [...entries] : [...p.hosts, ...(req.limit ? [] : p.unmatched)]);
  const hostError = (h: string, p: { unmatched: string[] }): string | undefined => {
    if (noInventory) return `no inventory given, so ${h} (in hosts of ${app.name}) cannot be inspected; pass --inventory`;
    if (p.unmatched.includes(h)) return `"${h}" in hosts of ${app.name} matches no inventory host or group`;
    const r = results.get(h);
    if (!r) return `${h} was not inspected`;
    return r.error;
  };
  const build = <S extends HostSection>(name: S, specs: (ItemSpec<S> & { entries: readonly string[] })[]): SectionEnvelope => {
    const items: ItemOf<S>[] = [];
    const raw = new Map<string, string>();
    const commands = new Set<string>();
    let durationMs = 0;
    for (const spec of specs) {
      for (const h of hostsOf(spec.hosts, spec.entries)) {
        const err = hostError(h, spec.hosts);
        if (err !== undefined) {
          items.push(spec.blank(h, err));
          continue;
        }
        const env = results.get(h)!.sections[name];
        if (!env || !env.ok) {
          items.push(spec.blank(h, env ? `could not measure ${name} on ${h}: ${env.error ?? 'unknown error'}` : `the collection module returned no "${name}" section on ${h}`));
          continue;
        }
        durationMs = Math.max(durationMs, env.durationMs ?? 0);
        if (env.command) commands.add(env.command);
        if (env.raw) raw.set(h, env.raw);
        const data = (env.data ?? {}) as { items?: Record<string, unknown>[]; source?: unknown; since?: unknown; fromBoot?: unknown };
        const d = (data.items ?? []).find((x) => x.app === app.name && spec.match(x));
        items.push(d ? spec.fill(h, { ...d, source: data.source ?? null, since: data.since ?? null, fromBoot: data.fromBoot === true }) : spec.blank(h, `the collection module did not report ${spec.what} on ${h}`));
      }
    }
    const rawText = [...raw.entries()].map(([h, r]) => `[${h}]\n${r}`).join('\n');
    return { ok: true, data: { items }, ...(commands.size ? { command: [...commands].join('\n') } : {}), raw: capString(rawText, 16_384), durationMs };
  };

  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const itemError = (d: Record<string, unknown>) => str(d.error);
  const appHosts = { hosts: place.hosts, unmatched: place.unmatched };

  const processes = build(
    'processes',
    app.processes.map((p) => ({
      what: `process ${p.name}`,
      hosts: appHosts,
      entries: app.hosts,
      match: (d) => d.name === p.name,
      blank: (h, error) => ({ host: h, name: p.name, kind: p.cgroup ? 'cgroup' : 'process', selector: p.cgroup ?? p.match ?? '', error, at: [], total: [], count: 0, processes: [], limitBytes: null }),
      fill: (h, d) => ({
        host: h,
        name: p.name,
        kind: d.kind === 'cgroup' ? 'cgroup' : 'process',
        selector: str(d.selector) ?? '',
        error: itemError(d),
        at: Array.isArray(d.at) ? (d.at as number[]) : [],
        total: Array.isArray(d.total) ? (d.total as (number | null)[]) : [],
        count: num(d.count) ?? 0,
        processes: Array.isArray(d.processes) ? (d.processes as ProcessesSection['items'][number]['processes']) : [],
        limitBytes: num(d.limitBytes),
      }),
    })),
  );
  const oom = build(
    'oom',
    app.processes.map((p) => ({
      what: `OOM kills of ${p.name}`,
      hosts: appHosts,
      entries: app.hosts,
      match: (d) => d.name === p.name,
      blank: (h, error) => ({ host: h, name: p.name, error, source: null, since: null, fromBoot: false, kills: [] }),
      fill: (h, d) => ({ host: h, name: p.name, error: itemError(d), source: str(d.source), since: num(d.since), fromBoot: d.fromBoot === true, kills: Array.isArray(d.kills) ? (d.kills as OomSection['items'][number]['kills']) : [] }),
    })),
  );
  const logs = build(
    'logs',
    app.logs.map((l): ItemSpec<'logs'> & { entries: readonly string[] } => {
      const limits = { retentionDays: l.retentionDays ?? null, maxSizeBytes: l.maxSize !== undefined ? parseBytes(l.maxSize) : null, maxFileSizeBytes: parseBytes(l.maxFileSize ?? DEFAULT_MAX_LOG_FILE_SIZE) };
      const empty = { files: 0, totalBytes: 0, largest: [], oldest: null, rotatedFiles: 0, expired: { count: 0, bytes: 0, examples: [] }, partial: false, note: null };
      return {
        what: `log directory ${l.path}`,
        hosts: appHosts,
        entries: app.hosts,
        match: (d) => d.path === l.path,
        blank: (h, error) => ({ host: h, path: l.path, error, ...empty, ...limits }),
        fill: (h, d) => {
          if (itemError(d) !== null) return { host: h, path: l.path, error: itemError(d), ...empty, ...limits };
          const warnings = str(d.warnings);
          return {
            host: h,
            path: l.path,
            error: null,
            files: num(d.files) ?? 0,
            totalBytes: num(d.totalBytes) ?? 0,
            largest: (d.largest as LogsSection['items'][number]['largest']) ?? [],
            oldest: (d.oldest as LogsSection['items'][number]['oldest']) ?? null,
            rotatedFiles: num(d.rotatedFiles) ?? 0,
            expired: (d.expired as LogsSection['items'][number]['expired']) ?? empty.expired,
            partial: d.partial === true,
            note: d.partial === true ? 'the walk stopped at the section time limit: numbers are lower bounds' : warnings ? `find reported (those parts are not counted): ${warnings}` : null,
            ...limits,
            command: `find ${l.path}/ -xdev -type f -printf '%s\\t%T@\\t%P\\n'`,
          };
        },
      };
    }),
  );
  const jobs = build(
    'jobs',
    app.batchJobs.map((j): ItemSpec<'jobs'> & { entries: readonly string[] } => {
      const limits = { maxDurationSeconds: j.maxDuration !== undefined ? parseDuration(j.maxDuration) / 1000 : null, maxAgeSeconds: j.maxAge !== undefined ? parseDuration(j.maxAge) / 1000 : null };
      return {
        what: `batch job ${j.name}`,
        hosts: place.jobHosts.get(j.name) ?? appHosts,
        entries: j.hosts ?? app.hosts,
        match: (d) => d.name === j.name,
        blank: (h, error) => ({ host: h, name: j.name, statusFile: j.statusFile, error, status: null, lastSuccess: null, durationSeconds: null, mtime: null, raw: '', ...limits }),
        fill: (h, d) => normalizeJob(h, j.name, j.statusFile, d, limits),
      };
    }),
  );
  return { processes, oom, logs, jobs };
}

/**
 * A status file's JSON as the checks read it (docs/app-checks.md, "Batch job status files"):
 * status lower-cased; lastSuccess an ISO 8601 time or epoch seconds (or milliseconds, when the
 * number is that large); durationSeconds a non-negative number. Anything else makes the item an
 * error naming the field, never a guess.
 */
export function normalizeJob(host: string, name: string, statusFile: string, d: Record<string, unknown>, limits: { maxDurationSeconds: number | null; maxAgeSeconds: number | null }): JobsSection['items'][number] {
  const base = { host, name, statusFile, raw: typeof d.raw === 'string' ? d.raw : '', mtime: typeof d.mtime === 'number' ? d.mtime : null, ...limits };
  const fail = (error: string) => ({ ...base, error, status: null, lastSuccess: null, durationSeconds: null });
  if (typeof d.error === 'string') return fail(d.error);
  const c = (d.content ?? {}) as Record<string, unknown>;
  let status: string | null = null;
  if (c.status !== undefined && c.status !== null) {
    if (typeof c.status !== 'string') return fail(`${statusFile}: "status" must be a string such as "success" or "failed", not ${JSON.stringify(c.status)}`);
    status = c.status.trim().toLowerCase();
  }
  let lastSuccess: number | null = null;
  if (c.lastSuccess !== undefined && c.lastSuccess !== null) {
    const t = parseTime(c.lastSuccess);
    if (t === undefined) return fail(`${statusFile}: "lastSuccess" must be an ISO 8601 time or epoch seconds, not ${JSON.stringify(c.lastSuccess)}`);
    lastSuccess = t;
  }
  let durationSeconds: number | null = null;
  if (c.durationSeconds !== undefined && c.durationSeconds !== null) {
    if (typeof c.durationSeconds !== 'number' || !Number.isFinite(c.durationSeconds) || c.durationSeconds < 0) return fail(`${statusFile}: "durationSeconds" must be a non-negative number, not ${JSON.stringify(c.durationSeconds)}`);
    durationSeconds = c.durationSeconds;
  }
  if (status === null && lastSuccess === null && durationSeconds === null) return fail(`${statusFile} has none of "status", "lastSuccess", "durationSeconds"`);
  return { ...base, error: null, status, lastSuccess, durationSeconds };
}

function parseTime(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v > 1e12 ? v : v * 1000;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}
