import type { FindingInput } from '../../findings/finding.js';
import type { CheckSettings, FindingDraft } from '../../inspections/check.js';
import type { InspectionConfig } from '../../inspections/config/inspection-config.js';
import { applyExemptions, CheckSettingsResolver } from '../../inspections/config/check-settings-resolver.js';
import { globMatch } from '../../inspections/config/glob.js';
import type { TargetInfo } from '../../inspections/measurement.js';
import { capString } from '../../util/cap.js';
import { KubeApiClient, type ApiClientOptions } from '../client/api-client.js';
import { describeApiError, KubeApiError } from '../client/api-error.js';
import { loadClusterConnection, type ClusterConnection, type ClusterSpec } from '../client/connection.js';
import { Limiter } from '../client/limiter.js';
import type { Aggregate, CheckEnv, CheckRun, ClusterCheck, ClusterRef } from '../checks/cluster-check.js';
import { KINDS, KIND_NAMES, kubectlListCommand, type KindName } from '../list/kinds.js';
import { listKind } from '../list/lister.js';
import type { KubeObject } from '../model/types.js';
import { ProblemSet } from './problems.js';
import { runProbes, type ProbeResults } from './probes.js';

export interface ClusterInspectionOptions {
  config: InspectionConfig;
  checks: readonly ClusterCheck[];
  now?: number;
  signal?: AbortSignal;
  /** Objects per list page. @defaultValue 500 */
  pageSize?: number;
  /** Requests (and kinds listed) at once. @defaultValue 4 */
  concurrency?: number;
  /** Per-request idle timeout. @defaultValue 30000 */
  timeoutMs?: number;
  compression?: boolean;
  maxRetries?: number;
  maxRetryAfterMs?: number;
  /** Findings per check and cluster beyond which problems are only counted (check param `maxFindings` overrides). @defaultValue 100 */
  maxFindingsPerCheck?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Progress: kinds listed and objects scanned so far (called at most every `progressEveryMs`). */
  progress?: (p: ClusterProgress) => void;
  progressEveryMs?: number;
}

export interface KindStats {
  objects: number;
  pages: number;
  done: boolean;
  error?: string;
  restarts?: number;
  inconsistent?: boolean;
  duplicates?: number;
  ms?: number;
}

export interface ClusterProgress {
  cluster: string;
  kinds: Partial<Record<KindName, KindStats>>;
  kindsDone: number;
  kindsTotal: number;
  objects: number;
}

export interface ClusterInspectionResult {
  cluster: string;
  findings: FindingInput[];
  kinds: Partial<Record<KindName, KindStats>>;
  requests: number;
  retries: number;
  throttled: number;
  bytes: number;
  durationMs: number;
  /** Why nothing could be inspected, when the cluster was unreachable / rejected the credentials. */
  error?: string;
}

interface Active {
  check: ClusterCheck;
  run?: CheckRun;
  failed?: string;
}

/**
 * Inspects one cluster: loads its connection, probes the API server, lists every kind the enabled
 * checks need page by page (bounded concurrency), hands each object to the checks' visitors, then
 * lets each check emit its bounded findings. A kind that cannot be listed (RBAC, timeout) makes
 * the checks that need it `error` with the reason; the others carry on. An unreachable server or
 * rejected credentials make every check `error` with that reason. Never throws for cluster
 * problems; throws only when cancelled.
 */
export async function inspectCluster(spec: ClusterSpec, opts: ClusterInspectionOptions): Promise<ClusterInspectionResult> {
  const started = Date.now();
  const now = opts.now ?? started;
  const name = spec.name ?? spec.context ?? (spec.inCluster ? 'in-cluster' : 'cluster');
  const resolver = new CheckSettingsResolver(opts.config);
  const log = opts.log ?? (() => undefined);
  let conn: ClusterConnection;
  try {
    conn = await loadClusterConnection(spec);
  } catch (err) {
    const reason = (err as Error).message;
    log('error', `cluster ${name}: ${reason}`);
    const target: TargetInfo = { name, groups: spec.groups ?? [] };
    return {
      cluster: name,
      findings: finalize(opts, name, allErrors(opts.checks, resolver, target, `not checked: ${reason}`), opts.now ?? started),
      kinds: {},
      requests: 0,
      retries: 0,
      throttled: 0,
      bytes: 0,
      durationMs: Date.now() - started,
      error: reason,
    };
  }
  const target: TargetInfo = { name: conn.name, groups: conn.groups, attributes: { server: conn.server, ...(conn.context ? { context: conn.context } : {}) } };
  const kubectl = `kubectl${conn.kubeconfig ? ` --kubeconfig ${conn.kubeconfig}` : ''}${conn.context ? ` --context ${conn.context}` : ''}`;
  const cluster: ClusterRef = { name: conn.name, server: conn.server, ...(conn.context ? { context: conn.context } : {}), kubectl };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const apiOpts: ApiClientOptions = {
    concurrency: opts.concurrency ?? 4,
    timeoutMs,
    ...(opts.compression !== undefined ? { compression: opts.compression } : {}),
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
    ...(opts.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: opts.maxRetryAfterMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onRetry: (r) => log('warn', `cluster ${conn.name}: ${r.path}: ${r.status ? `HTTP ${r.status}` : r.code}, retry ${r.attempt} in ${Math.round(r.waitMs)} ms`),
  };
  let client: KubeApiClient;
  try {
    client = await KubeApiClient.create(conn, apiOpts);
  } catch (err) {
    const reason = `cannot set up the connection to ${conn.server}: ${(err as Error).message}`;
    return { cluster: conn.name, findings: finalize(opts, conn.name, allErrors(opts.checks, resolver, target, `not checked: ${reason}`), now), kinds: {}, requests: 0, retries: 0, throttled: 0, bytes: 0, durationMs: Date.now() - started, error: reason };
  }
  try {
    return await inspectConnected(conn, client, cluster, target, resolver, opts, now, started);
  } finally {
    client.close();
  }
}

async function inspectConnected(conn: ClusterConnection, client: KubeApiClient, cluster: ClusterRef, target: TargetInfo, resolver: CheckSettingsResolver, opts: ClusterInspectionOptions, now: number, started: number): Promise<ClusterInspectionResult> {
  const log = opts.log ?? (() => undefined);
  const base = (c: ClusterCheck) => resolver.resolve(c.info, target);
  const enabled = opts.checks.filter((c) => base(c).enabled);
  const kinds: Partial<Record<KindName, KindStats>> = {};
  const result = (findings: FindingDraftFull[], error?: string): ClusterInspectionResult => ({
    cluster: conn.name,
    findings: finalize(opts, conn.name, findings, now),
    kinds,
    requests: client.stats.requests,
    retries: client.stats.retries,
    throttled: client.stats.throttled,
    bytes: client.stats.bytes,
    durationMs: Date.now() - started,
    ...(error ? { error } : {}),
  });

  log('info', `cluster ${conn.name}: probing ${conn.server}`);
  const probes: ProbeResults = await runProbes(client, opts.timeoutMs ?? 30_000);
  // Settings per sub-target: resolved per object only when some override matches on targets.
  const perTarget = opts.config.spec.overrides.some((o) => o.match.targets !== undefined);
  const exemptions = opts.config.spec.exemptions.filter((e) => e.expires >= new Date(now).toISOString().slice(0, 10));
  const aggregates = new Map<string, { agg: Aggregate<unknown>; inst: ReturnType<Aggregate<unknown>['create']>; value?: unknown; computed: boolean }>();
  function envFor(c: ClusterCheck): CheckEnv {
    const b = base(c);
    const cap = typeof b.maxFindings === 'number' && b.maxFindings >= 0 ? b.maxFindings : (opts.maxFindingsPerCheck ?? 100);
    const mine = exemptions.filter((e) => globMatch(e.check, c.info.id));
    return {
      cluster,
      now,
      settings: (sub?: string): CheckSettings => (sub === undefined || !perTarget ? b : resolver.resolve(c.info, target, sub)),
      problems: () => new ProblemSet(conn.name, cap, mine.length === 0 ? undefined : (t) => mine.some((e) => globMatch(e.target, t))),
      probes,
      api: client,
      aggregate<T>(agg: Aggregate<T>): T {
        const a = aggregates.get(agg.id);
        if (!a) throw new Error(`aggregate ${agg.id} was not computed (declare it in "uses")`);
        if (!a.computed) {
          a.value = a.inst.result();
          a.computed = true;
        }
        return a.value as T;
      },
      log: (m) => log('info', `cluster ${conn.name}: ${c.info.id}: ${m}`),
    };
  }

  if (opts.signal?.aborted) throw new KubeApiError('aborted', `inspection of ${conn.name} was cancelled`);
  if (probes.versionError?.clusterWide) {
    // Nothing can be listed: every check is `error` with the reason (the certificate check may
    // still have read the serving certificate in its handshake).
    const reason = describeApiError(probes.versionError);
    log('error', `cluster ${conn.name}: ${reason}`);
    const out: FindingDraftFull[] = [];
    for (const c of enabled) {
      if (c.info.id === 'k8s.cert.apiserver' && probes.tls) {
        out.push(...(await runSingle(c, envFor(c), { unavailable: {} })));
        continue;
      }
      out.push(c.info.id === 'k8s.api.reachable' ? { check: c.info.id, target: conn.name, severity: 'error', message: reason, evidence: { command: `${cluster.kubectl} get --raw /version` } } : errorFinding(c, conn.name, `not checked: ${reason}`));
    }
    return result(out, reason);
  }

  // Start the checks and aggregates, and gather the kinds they need.
  const active: Active[] = [];
  const needed = new Set<KindName>();
  for (const c of enabled) {
    const a: Active = { check: c };
    active.push(a);
    if (c.needsVersion && !probes.version) {
      a.failed = `not checked: /version failed: ${describeApiError(probes.versionError)}`;
      continue;
    }
    for (const agg of c.uses ?? []) {
      if (!aggregates.has(agg.id)) aggregates.set(agg.id, { agg, inst: agg.create({ cluster, now }), computed: false });
      agg.kinds.forEach((k) => needed.add(k));
    }
    try {
      a.run = c.start(envFor(c));
    } catch (err) {
      a.failed = `the check could not start: ${(err as Error).message}`;
      continue;
    }
    c.kinds.forEach((k) => needed.add(k));
    c.optionalKinds?.forEach((k) => needed.add(k));
  }

  // Visitors per kind.
  const visitors = new Map<KindName, { owner: Active | undefined; fn: (o: KubeObject) => void }[]>();
  const addVisitor = (k: KindName, owner: Active | undefined, fn: (o: never) => void) => {
    let list = visitors.get(k);
    if (!list) visitors.set(k, (list = []));
    list.push({ owner, fn: fn as (o: KubeObject) => void });
  };
  for (const a of aggregates.values()) for (const [k, fn] of Object.entries(a.inst.visit)) if (fn) addVisitor(k as KindName, undefined, fn);
  for (const a of active) if (a.run?.visit) for (const [k, fn] of Object.entries(a.run.visit)) if (fn) addVisitor(k as KindName, a, fn);

  // List the kinds, biggest first, a bounded number at a time.
  const order = [...needed].sort((x, y) => KIND_ORDER.indexOf(x) - KIND_ORDER.indexOf(y));
  const kindLimiter = new Limiter(opts.concurrency ?? 4);
  const errors = new Map<KindName, string>();
  let lastProgress = 0;
  const progressEvery = opts.progressEveryMs ?? 1000;
  const emitProgress = (force = false) => {
    if (!opts.progress) return;
    const t = Date.now();
    if (!force && t - lastProgress < progressEvery) return;
    lastProgress = t;
    let objects = 0;
    let done = 0;
    for (const s of Object.values(kinds)) {
      objects += s!.objects;
      if (s!.done) done++;
    }
    opts.progress({ cluster: conn.name, kinds, kindsDone: done, kindsTotal: order.length, objects });
  };
  log('info', `cluster ${conn.name}: ${probes.version?.gitVersion ?? 'version unknown'}; listing ${order.join(', ')}`);
  await Promise.all(
    order.map((k) =>
      kindLimiter.run(async () => {
        const stats: KindStats = { objects: 0, pages: 0, done: false };
        kinds[k] = stats;
        const t0 = Date.now();
        const list = visitors.get(k) ?? [];
        try {
          const r = await listKind(
            client,
            KINDS[k],
            (o) => {
              for (const v of list) {
                if (v.owner?.failed) continue;
                try {
                  v.fn(o);
                } catch (err) {
                  if (v.owner) v.owner.failed = `the check failed on ${k}: ${(err as Error).message}`;
                  else throw err;
                }
              }
            },
            {
              pageSize: opts.pageSize ?? 500,
              onPage: (p) => {
                stats.objects = p.total;
                stats.pages = p.pages;
                emitProgress();
              },
              ...(opts.signal ? { signal: opts.signal } : {}),
              onRetry: (e) => log('warn', `cluster ${conn.name}: listing ${k}: page cut off (${e.error}); requesting it again after ${e.afterKey ?? 'the start'}`),
              onExpired: (e) => log('warn', `cluster ${conn.name}: listing ${k}: continue token expired (410 Gone); ${e.restarted ? `restarting the list after ${e.afterKey ?? 'the start'}` : 'continuing with the fresh token the API server sent'}`),
            },
          );
          stats.restarts = r.restarts;
          stats.inconsistent = r.inconsistent;
          if (r.duplicates) stats.duplicates = r.duplicates;
        } catch (err) {
          if (opts.signal?.aborted) throw err;
          const reason = describeApiError(err);
          errors.set(k, reason);
          stats.error = reason;
          log('warn', `cluster ${conn.name}: cannot list ${k}: ${reason}`);
        } finally {
          stats.done = true;
          stats.ms = Date.now() - t0;
          emitProgress(true);
        }
      }),
    ),
  );
  if (opts.signal?.aborted) throw new KubeApiError('aborted', `inspection of ${conn.name} was cancelled`);

  // Let every check judge what it saw.
  const out: FindingDraftFull[] = [];
  for (const a of active) {
    const c = a.check;
    if (a.failed) {
      out.push(errorFinding(c, conn.name, a.failed));
      continue;
    }
    const required = [...c.kinds, ...(c.uses ?? []).flatMap((u) => u.kinds)];
    const missing = [...new Set(required)].filter((k) => errors.has(k));
    if (missing.length > 0) {
      out.push(errorFinding(c, conn.name, `not checked: cannot list ${missing.map((k) => `${k} (${errors.get(k)})`).join('; ')}`, kubectlListCommand(KINDS[missing[0]!], conn.context)));
      continue;
    }
    const unavailable: Partial<Record<KindName, string>> = {};
    for (const k of c.optionalKinds ?? []) if (errors.has(k)) unavailable[k] = errors.get(k)!;
    out.push(...(await runSingle(c, envFor(c), { unavailable }, a.run)));
  }
  log('info', `cluster ${conn.name}: ${Object.values(kinds).reduce((n, s) => n + s!.objects, 0)} objects in ${order.length} kinds, ${client.stats.requests} requests, ${out.length} findings in ${Date.now() - started} ms`);
  return result(out);
}

/** Kinds in listing order: the biggest first so they start early. */
const KIND_ORDER: readonly KindName[] = ['pods', 'events', 'nodes', 'jobs', 'deployments', 'secrets', 'persistentvolumeclaims', 'persistentvolumes', 'statefulsets', 'daemonsets', 'horizontalpodautoscalers', 'poddisruptionbudgets', 'cronjobs', 'resourcequotas', 'storageclasses'];
if (KIND_ORDER.length !== KIND_NAMES.length) throw new Error('KIND_ORDER must list every kind');

type FindingDraftFull = FindingDraft & { check: string };

async function runSingle(c: ClusterCheck, env: CheckEnv, ctx: { unavailable: Partial<Record<KindName, string>> }, run?: CheckRun): Promise<FindingDraftFull[]> {
  try {
    const r = run ?? c.start(env);
    const drafts = await r.finish(ctx);
    return drafts.map((d) => ({ ...d, check: c.info.id }));
  } catch (err) {
    return [errorFinding(c, env.cluster.name, `the check failed: ${(err as Error).message}`)];
  }
}

function errorFinding(c: ClusterCheck, cluster: string, message: string, command?: string): FindingDraftFull {
  return { check: c.info.id, target: cluster, severity: 'error', message: `${c.info.title}: ${message}`, ...(command ? { evidence: { command } } : {}) };
}

function allErrors(checks: readonly ClusterCheck[], resolver: CheckSettingsResolver, target: TargetInfo, message: string): FindingDraftFull[] {
  return checks.filter((c) => resolver.resolve(c.info, target).enabled).map((c) => errorFinding(c, target.name, message));
}

const EVIDENCE_LIMIT = 4096;

/** Completes drafts (category, host, title, remediation, unit) and applies exemptions. */
function finalize(opts: ClusterInspectionOptions, cluster: string, drafts: FindingDraftFull[], now: number): FindingInput[] {
  const byId = new Map(opts.checks.map((c) => [c.info.id, c.info]));
  const out: FindingInput[] = drafts.map((d) => {
    const info = byId.get(d.check)!;
    const f: FindingInput = { ...d, check: d.check, category: 'cluster', host: d.host ?? cluster, title: d.title ?? info.title };
    if (f.severity !== 'ok' && f.severity !== 'info' && f.target !== cluster) {
      f.remediation ??= info.remediation;
      if (info.remediationWorkflow) f.remediationWorkflow ??= info.remediationWorkflow;
    } else if (f.severity === 'error' || f.severity === 'warning' || f.severity === 'critical') {
      f.remediation ??= info.remediation;
    }
    if (info.unit && f.value !== undefined && f.unit === undefined) f.unit = info.unit;
    if (f.evidence?.raw) f.evidence = { ...f.evidence, raw: capString(f.evidence.raw, EVIDENCE_LIMIT) };
    return f;
  });
  return applyExemptions(out, opts.config.spec.exemptions, now);
}
