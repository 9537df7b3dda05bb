import { defineCheck, type CheckSettings, type FindingDraft } from '../../check.js';
import { sysctlSection } from '../../collectors/host/host-sections.js';
import type { Severity } from '../../../findings/finding.js';
import { globMatches, recordParam, severityParam, stringListParam } from './settings.js';

/**
 * KubeEye's sysctl rules named in Patrol's anchors (kubeeye deploy/rule/kubeeye_v1alpha2_sysctlrule.yaml).
 * KubeEye compares every value with "="; Patrol uses ">=" for limits, where a larger value is at
 * least as good (a node with somaxconn 65535 is not misconfigured). Write "=262144" for KubeEye's
 * exact comparison.
 */
export const KUBEEYE_SYSCTL_PROFILE: Record<string, string> = {
  'net.ipv4.ip_forward': '1',
  'net.bridge.bridge-nf-call-iptables': '1',
  'vm.swappiness': '0',
  'vm.max_map_count': '>=262144',
  'net.core.somaxconn': '>=32768',
  'fs.inotify.max_user_watches': '>=524288',
  'net.ipv4.neigh.default.gc_thresh1': '>=512',
  'net.ipv4.neigh.default.gc_thresh2': '>=2048',
  'net.ipv4.neigh.default.gc_thresh3': '>=4096',
};

export interface Expectation {
  /** As written: "1", ">=262144", "!=0", or several alternatives "a | b". */
  expect: string;
  severity?: Exclude<Severity, 'error'>;
}

/**
 * The profile for one target: `profile` (default KubeEye's list; a map replaces it whole), then
 * `extra` merged on top (a null value removes a key), minus `ignore` globs. Values are strings,
 * numbers, lists of alternatives, or { expect, severity }.
 */
export function kernelParamsProfile(s: CheckSettings): Map<string, Expectation> {
  const out = new Map<string, Expectation>();
  const add = (from: Record<string, unknown>, where: string) => {
    for (const [key, v] of Object.entries(from)) {
      if (v === null) {
        out.delete(key);
        continue;
      }
      out.set(key, toExpectation(v, `${where}.${key}`));
    }
  };
  add(s.profile === undefined ? KUBEEYE_SYSCTL_PROFILE : recordParam(s, 'profile'), 'profile');
  add(recordParam(s, 'extra'), 'extra');
  const ignore = stringListParam(s, 'ignore');
  for (const key of [...out.keys()]) if (globMatches(ignore, key)) out.delete(key);
  return out;
}

function toExpectation(v: unknown, where: string): Expectation {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return { expect: String(v === true ? 1 : v === false ? 0 : v) };
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return { expect: v.map(String).join(' | ') };
  if (v && typeof v === 'object' && 'expect' in v) {
    const o = v as { expect: unknown; severity?: unknown };
    const e = toExpectation(o.expect, where);
    if (o.severity !== undefined) e.severity = severityParam({ enabled: true, severity: o.severity }, 'severity', 'warning');
    return e;
  }
  throw new Error(`${where}: expected a value like 1, ">=262144" or a list of alternatives (got ${JSON.stringify(v)})`);
}

const norm = (v: string) => v.trim().split(/\s+/).join(' ');

/** Whether an actual value meets one expectation term ("1", ">=262144", "!=0"). */
export function meets(actual: string, expect: string): boolean {
  return expect.split('|').some((alt) => {
    const m = /^\s*(>=|<=|!=|>|<|=)?\s*(.*?)\s*$/.exec(alt)!;
    const op = m[1] ?? '=';
    const want = norm(m[2]!);
    const got = norm(actual);
    if (op === '=' || op === '!=') {
      const same = got === want || (isNum(got) && isNum(want) && Number(got) === Number(want));
      return op === '=' ? same : !same;
    }
    // Multi-value parameters (e.g. "4096 87380 6291456") compare their first number.
    const a = Number(got.split(' ')[0]);
    const b = Number(want);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
    return op === '>=' ? a >= b : op === '<=' ? a <= b : op === '>' ? a > b : a < b;
  });
}
const isNum = (v: string) => v !== '' && Number.isFinite(Number(v));

/** Kernel parameters against a baseline profile (KubeEye's list by default). */
export const hostKernelParams = defineCheck({
  id: 'host.kernel.params',
  category: 'host',
  title: 'Kernel parameters vs profile',
  description: 'Each kernel parameter of the profile (/proc/sys) against its expected value: one finding per parameter. Default profile: KubeEye\'s sysctl rules for Kubernetes nodes (ip_forward, bridge-nf-call-iptables, swappiness, max_map_count, somaxconn, inotify watches, neighbour table gc_thresh1/2/3), with ">=" for limits. Override per group or host in YAML: `profile` replaces the list, `extra` adds or changes keys (null removes one), `ignore` skips key globs. A parameter the kernel does not have is reported as `missing` (default warning; e.g. bridge-nf-call-iptables without br_netfilter).',
  source: { collector: 'host', section: 'sysctl', schema: sysctlSection },
  defaults: { profile: KUBEEYE_SYSCTL_PROFILE, extra: {}, ignore: [], severity: 'warning', missing: 'warning' },
  remediation: 'Set the value now with `sysctl -w KEY=VALUE` and persist it in /etc/sysctl.d/99-kubernetes.conf (then `sysctl --system`); for bridge-nf-call-* load br_netfilter (`modprobe br_netfilter`, and list it in /etc/modules-load.d/). If the profile is wrong for this group of hosts, override it in the inspection config.',
  reference: 'KubeEye sysctl rules (level warning); "=" for flags, ">=" for limits',
  evaluate({ data, target, settings }) {
    const s = settings();
    const profile = kernelParamsProfile(s);
    const out: FindingDraft[] = [];
    for (const [key, exp] of profile) {
      const t = `${target.name}:${key}`;
      const st = settings(t);
      const actual = data.values[key];
      if (actual === undefined) {
        out.push({ target: t, severity: 'error', message: `${key} was not collected (the collection module was not asked for it)` });
      } else if (actual === null) {
        out.push({ target: t, severity: severityParam(st, 'missing', 'warning'), value: null, threshold: exp.expect, message: `${key} does not exist here (expected ${exp.expect}): its kernel module is not loaded (bridge-nf-call-* need br_netfilter), or the parameter is not visible in this network namespace or container` });
      } else {
        const ok = meets(actual, exp.expect);
        out.push({
          target: t,
          severity: ok ? 'ok' : (exp.severity ?? severityParam(st, 'severity', 'warning')),
          value: actual,
          threshold: exp.expect,
          message: ok ? `${key} = ${actual} (expected ${exp.expect})` : `${key} = ${actual}, expected ${exp.expect}`,
          evidence: { command: `sysctl ${key}`, raw: `${key} = ${actual}` },
        });
      }
    }
    return out;
  },
});
