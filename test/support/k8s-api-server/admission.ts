/**
 * Admission after authorization, before storage: the ResourceQuota plugin (object counts and
 * compute requests/limits, with kube-apiserver's "exceeded quota" message) and validating
 * webhooks that tests configure to deny requests (Gatekeeper/Kyverno style).
 */
import { forbiddenByAdmission, webhookDenied } from './api-status.js';
import { resource, type ClusterState } from './cluster-state.js';
import { formatQuantity, podDone, podRequests, quantity } from './pod-resources.js';
import type { ServerResource } from './resources.js';
import type { Status } from './status.js';

type Obj = Record<string, unknown>;

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE';
  res: ServerResource;
  object: Obj;
  namespace: string | undefined;
  user: string;
}

/** A validating webhook that denies what `match` selects. */
export interface WebhookRule {
  webhook: string;
  match: (a: AdmissionRequest) => boolean;
  message: string;
  /** HTTP code in the webhook's answer. @defaultValue 400 (the API server's default for a denial) */
  code?: number;
  reason?: string;
}

export type AdmissionPlugin = (a: AdmissionRequest) => Status | undefined;

const name = (o: Obj) => String((o.metadata as { name?: string }).name ?? '');

/** The ResourceQuota admission plugin for pods (requests.*, limits.*, pods) and `count/<resource>.<group>`. */
export function quotaAdmission(state: ClusterState): AdmissionPlugin {
  return (a) => {
    if (a.operation !== 'CREATE' || !a.namespace) return undefined;
    const quotas = state.list(resource('', 'resourcequotas'), a.namespace);
    if (quotas.length === 0) return undefined;
    const countKey = `count/${a.res.resource}${a.res.group ? `.${a.res.group}` : ''}`;
    const requested: Record<string, number> = { [countKey]: 1 };
    let used: (key: string) => number = (key) => (key === countKey ? state.list(a.res, a.namespace).length : 0);
    if (a.res.kind === 'Pod') {
      requested.pods = 1;
      for (const [k, v] of Object.entries(podRequests(a.object, 'requests'))) requested[`requests.${k}`] = v;
      for (const [k, v] of Object.entries(podRequests(a.object, 'limits'))) requested[`limits.${k}`] = v;
      if (requested['requests.cpu'] !== undefined) requested.cpu = requested['requests.cpu'];
      if (requested['requests.memory'] !== undefined) requested.memory = requested['requests.memory'];
      const live = state.list(resource('', 'pods'), a.namespace).filter((p) => !podDone(p));
      used = (key) => {
        if (key === 'pods' || key === countKey) return live.length;
        const [kind, res] = key.startsWith('limits.') ? ['limits', key.slice(7)] : ['requests', key.startsWith('requests.') ? key.slice(9) : key];
        return live.reduce((n, p) => n + (podRequests(p, kind as 'requests' | 'limits')[res!] ?? 0), 0);
      };
    }
    for (const q of quotas) {
      const hard = ((q.spec as { hard?: Record<string, unknown> } | undefined)?.hard ?? {}) as Record<string, unknown>;
      const over = Object.keys(hard).filter((k) => requested[k] !== undefined && used(k) + requested[k]! > quantity(hard[k]));
      if (over.length === 0) continue;
      const list = (f: (k: string) => number) => over.map((k) => `${k}=${formatQuantity(k, f(k))}`).join(',');
      return forbiddenByAdmission(a.res, name(a.object), `exceeded quota: ${q.metadata.name}, requested: ${list((k) => requested[k]!)}, used: ${list(used)}, limited: ${list((k) => quantity(hard[k]))}`);
    }
    return undefined;
  };
}

/** Validating webhooks: the first rule that matches denies the request. */
export function webhookAdmission(rules: WebhookRule[]): AdmissionPlugin {
  return (a) => {
    const rule = rules.find((r) => r.match(a));
    return rule ? webhookDenied(rule.webhook, rule.message, rule.code ?? 400, rule.reason ?? '') : undefined;
  };
}
