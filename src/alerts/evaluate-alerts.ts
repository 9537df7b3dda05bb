import type { AlertRuleConfig } from '../config/patrol-config.js';
import type { Finding } from '../findings/finding.js';
import type { Store } from '../store/store.js';
import type { AlertRecord } from './alert-record.js';
import { alertIdentity, ruleMatches, type RuleContext } from './alert-rules.js';
import { silenceMatches, type Silence } from './silence.js';

export type TransitionKind = 'fired' | 'still-firing' | 'resolved';

export interface AlertTransition {
  kind: TransitionKind;
  alert: AlertRecord;
}

export interface AlertEvaluationInput {
  runId: string;
  /** Provisional run status: only a succeeded run may resolve alerts (a failed one saw too little). */
  status: string;
  /** Ansible --limit of the run: a partial run resolves only alerts of the hosts it inspected. */
  limit?: string;
  findings: readonly Finding[];
  rules: readonly AlertRuleConfig[];
  context: RuleContext;
  /** Alerts of this inspection that were firing before the run. */
  firing: readonly AlertRecord[];
  /** Stored alerts with the fingerprints this run produces (they may have resolved earlier). */
  known: ReadonlyMap<string, AlertRecord>;
  silences: readonly Silence[];
  now: number;
}

/**
 * Alert lifecycle for one run (pure): each finding a rule selects is an alert identified by the
 * fingerprint of its labels. It fires when first seen (or seen again after resolving), stays
 * firing while later runs report it, and resolves when a complete, successful run of the same
 * inspection no longer does. Silences are noted on the alert (they mute notifications only).
 */
export function evaluateAlertTransitions(input: AlertEvaluationInput): AlertTransition[] {
  const { now, context: ctx } = input;
  const out: AlertTransition[] = [];
  const seen = new Set<string>();
  const silencedBy = (labels: Record<string, string>) => input.silences.filter((s) => silenceMatches(s, labels, now)).map((s) => s.id);
  for (const f of input.findings) {
    for (const rule of input.rules) {
      if (!ruleMatches(rule, f, ctx)) continue;
      const id = alertIdentity(rule, f, ctx);
      if (seen.has(id.fingerprint)) continue;
      seen.add(id.fingerprint);
      const prev = input.known.get(id.fingerprint);
      const stillFiring = prev?.state === 'firing';
      const alert: AlertRecord = {
        fingerprint: id.fingerprint,
        inspection: ctx.inspection,
        rule: rule.name,
        state: 'firing',
        labels: id.labels,
        annotations: id.annotations,
        findingFingerprint: f.fingerprint,
        check: f.check,
        target: f.target,
        host: f.host ?? null,
        severity: f.severity,
        startsAt: stillFiring ? prev.startsAt : now,
        endsAt: null,
        lastSeenAt: now,
        lastRunId: input.runId,
        notified: prev?.notified ?? {},
        silencedBy: silencedBy(id.labels),
        updatedAt: now,
      };
      out.push({ kind: stillFiring ? 'still-firing' : 'fired', alert });
    }
  }
  if (input.status !== 'succeeded') return out;
  const inspected = input.limit ? new Set(input.findings.flatMap((f) => [f.host ?? f.target, f.target])) : undefined;
  for (const a of input.firing) {
    if (seen.has(a.fingerprint)) continue;
    // A run limited to some hosts says nothing about the others.
    if (inspected && !inspected.has(a.host ?? a.target) && !inspected.has(a.target)) continue;
    out.push({ kind: 'resolved', alert: { ...a, state: 'resolved', endsAt: now, lastRunId: input.runId, silencedBy: silencedBy(a.labels), updatedAt: now } });
  }
  return out;
}

/**
 * Evaluates the rules on a run's findings against the stored alert state and writes the new
 * state (before any notification is sent: the store is the source of truth).
 */
export async function evaluateAlerts(
  store: Store,
  args: Omit<AlertEvaluationInput, 'firing' | 'known' | 'silences'>,
): Promise<AlertTransition[]> {
  const firing = await store.alerts.firingOf(args.context.inspection);
  const silences = await store.silences.unexpired(args.now);
  // Fingerprints depend on labels only: compute candidates once to look their history up.
  const probe = evaluateAlertTransitions({ ...args, firing: [], known: new Map(), silences: [], status: 'failed' });
  const known = await store.alerts.getMany(probe.map((t) => t.alert.fingerprint));
  const transitions = evaluateAlertTransitions({ ...args, firing, known, silences });
  await store.alerts.upsert(transitions.map((t) => t.alert));
  return transitions;
}
