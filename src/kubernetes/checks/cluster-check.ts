import type { CheckInfo, CheckSettings, FindingDraft } from '../../inspections/check.js';
import type { Severity } from '../../findings/finding.js';
import type { KubeApiClient } from '../client/api-client.js';
import type { KindName } from '../list/kinds.js';
import type { ProblemSet } from '../inspect/problems.js';
import type { ProbeResults } from '../inspect/probes.js';

/** What a check knows about the cluster it runs on. */
export interface ClusterRef {
  /** Name used in targets: `<name>/ns/pod`. */
  name: string;
  server: string;
  context?: string;
  /** `kubectl --kubeconfig F --context C` prefix for evidence commands. */
  kubectl: string;
}

/** Shared per-cluster tables several checks read (node allocatable, pod requests per node...), computed once. */
export interface Aggregate<T> {
  id: string;
  kinds: KindName[];
  create(env: AggregateEnv): { visit: Partial<Record<KindName, (obj: never) => void>>; result(): T };
}

export interface AggregateEnv {
  cluster: ClusterRef;
  now: number;
}

export interface CheckEnv {
  cluster: ClusterRef;
  now: number;
  /** Settings of this check for the cluster, or for a sub-target (after overrides). */
  settings(subTarget?: string): CheckSettings;
  /** A bounded collector of problem findings (cap = the check's `maxFindings`). */
  problems(): ProblemSet;
  /** Results of /version, /readyz, /livez and the TLS handshake (run before any list). */
  probes: ProbeResults;
  /** The API client, for requests a check makes after the lists (e.g. kubelet configz). */
  api: KubeApiClient;
  /** A shared aggregate's result (available in finish()). */
  aggregate<T>(agg: Aggregate<T>): T;
  log(message: string): void;
}

export interface FinishContext {
  /** Why an optional kind could not be listed (forbidden, ...), by kind. */
  unavailable: Partial<Record<KindName, string>>;
}

export interface CheckRun {
  /** Called for every object of each kind, page by page; keep only bounded state. */
  visit?: Partial<Record<KindName, (obj: never) => void>>;
  finish(ctx: FinishContext): FindingDraft[] | Promise<FindingDraft[]>;
}

/**
 * A Kubernetes API check: its catalog entry, the kinds it reads, and a factory for its per-cluster
 * state. It never sees a whole list: it visits objects as pages arrive and keeps aggregates.
 */
export interface ClusterCheck {
  info: CheckInfo;
  /** Kinds it cannot judge without (a failed list makes the check `error`). */
  kinds: KindName[];
  /** Kinds it uses when it may (RBAC); without them it still judges, with less detail. */
  optionalKinds?: KindName[];
  /** Shared aggregates it reads; their kinds are required too. */
  uses?: Aggregate<unknown>[];
  /** Needs the /version probe (version, skew). */
  needsVersion?: boolean;
  start(env: CheckEnv): CheckRun;
}

export function defineClusterCheck(c: ClusterCheck): ClusterCheck {
  if (c.info.category !== 'cluster') throw new Error(`${c.info.id}: Kubernetes checks are category "cluster"`);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Reading parameters users set in YAML (validated where read, as docs/writing-checks.md asks).

export class ParamError extends Error {}

export function numParam(s: CheckSettings, key: string, fallback: number): number {
  const v = s[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ParamError(`${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function stringListParam(s: CheckSettings, key: string, fallback: string[]): string[] {
  const v = s[key];
  if (v === undefined || v === null) return fallback;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ParamError(`${key} must be a list of strings, got ${JSON.stringify(v)}`);
  return v as string[];
}

export function boolParam(s: CheckSettings, key: string, fallback: boolean): boolean {
  const v = s[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new ParamError(`${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function severityParam(s: CheckSettings, key: string, fallback: Severity): Severity {
  const v = s[key];
  if (v === undefined || v === null) return fallback;
  if (v !== 'info' && v !== 'warning' && v !== 'critical') throw new ParamError(`${key} must be info, warning or critical, got ${JSON.stringify(v)}`);
  return v;
}

/** Thresholds as a finding's `threshold`. */
export function thresholds(s: CheckSettings, direction: 'above' | 'below' = 'above', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { direction, ...(s.warning !== undefined ? { warning: s.warning } : {}), ...(s.critical !== undefined ? { critical: s.critical } : {}), ...extra };
}

/** Targets of findings: `<cluster>/<namespace>/<name>` for namespaced objects, `<cluster>/<kind>/<name>` otherwise. */
export function nsTarget(cluster: string, namespace: string | undefined, name: string): string {
  return `${cluster}/${namespace ?? '-'}/${name}`;
}

export function kubectlGet(cluster: ClusterRef, resource: string, namespace: string | undefined, name: string, extra = ''): string {
  return `${cluster.kubectl} get ${resource}${namespace ? ` -n ${namespace}` : ''} ${name} -o yaml${extra}`;
}
