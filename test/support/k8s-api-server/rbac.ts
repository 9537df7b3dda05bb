import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** An RBAC PolicyRule (rbac.authorization.k8s.io/v1). */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

export interface AuthzRequest {
  verb: string;
  group?: string;
  /** "pods", or "nodes/proxy" for a subresource. */
  resource?: string;
  name?: string;
  /** For non-resource requests (/version, /readyz). */
  path?: string;
}

const has = (list: readonly string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

/** The RBAC authorizer's rule matching (rbac/v1 RuleAllows / NonResourceURLMatches). */
export function ruleAllows(rule: PolicyRule, req: AuthzRequest): boolean {
  if (!has(rule.verbs, req.verb)) return false;
  if (req.path !== undefined) {
    return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === req.path || (u.endsWith('*') && req.path!.startsWith(u.slice(0, -1))));
  }
  if (!rule.resources || !has(rule.apiGroups, req.group ?? '')) return false;
  const res = req.resource ?? '';
  const sub = res.includes('/') ? res.slice(res.indexOf('/') + 1) : '';
  const resOk = rule.resources.some((r) => r === '*' || r === res || (sub !== '' && r === `*/${sub}`));
  if (!resOk) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0) return req.name !== undefined && rule.resourceNames.includes(req.name);
  return true;
}

export function allows(rules: readonly PolicyRule[], req: AuthzRequest): boolean {
  return rules.some((r) => ruleAllows(r, req));
}

/** Rules of every ClusterRole (and Role) in a YAML file, e.g. deploy/rbac/patrol-inspector-clusterrole.yaml. */
export function rulesFromYaml(file: string, roleName?: string): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const v = doc.toJS() as { kind?: string; metadata?: { name?: string }; rules?: PolicyRule[] } | null;
    if (!v || (v.kind !== 'ClusterRole' && v.kind !== 'Role')) continue;
    if (roleName && v.metadata?.name !== roleName) continue;
    out.push(...(v.rules ?? []));
  }
  return out;
}

/** What system:public-info-viewer grants everyone, including system:anonymous. */
export const PUBLIC_INFO_RULES: PolicyRule[] = [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }];
