import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { clusterChecks } from '../../src/kubernetes/checks/index.js';
import { KIND_NAMES, KINDS } from '../../src/kubernetes/list/kinds.js';
import { REPO } from '../support/cli.js';

// The shipped read-only ClusterRole must list exactly what the checks read: every kind the lister
// lists (and nothing more), the health endpoints, and nodes/proxy only in its own optional role.

describe('the ClusterRole in deploy/rbac', () => {
  const docs = readFileSync(join(REPO, 'deploy/rbac/patrol-inspector-clusterrole.yaml'), 'utf8')
    .split(/^---$/m)
    .map((d) => parse(d) as { kind?: string; metadata?: { name?: string }; rules?: { apiGroups?: string[]; resources?: string[]; verbs: string[]; nonResourceURLs?: string[] }[] } | null)
    .filter((d): d is NonNullable<typeof d> => !!d);
  const role = docs.find((d) => d.kind === 'ClusterRole' && d.metadata?.name === 'patrol-inspector')!;
  const granted = new Set<string>();
  for (const r of role.rules ?? []) for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) for (const v of r.verbs) granted.add(`${g}/${res}:${v}`);

  it('grants list on every kind the lister lists', () => {
    for (const k of KIND_NAMES) expect(granted).toContain(`${KINDS[k].group}/${KINDS[k].resource}:list`);
  });
  it('grants nothing else: no other resource, no other verb', () => {
    const expected = new Set(KIND_NAMES.map((k) => `${KINDS[k].group}/${KINDS[k].resource}:list`));
    expect([...granted].filter((g) => !expected.has(g))).toEqual([]);
  });
  it('grants the health and version endpoints', () => {
    const urls = (role.rules ?? []).flatMap((r) => r.nonResourceURLs ?? []);
    expect(urls.sort()).toEqual(['/livez', '/readyz', '/version']);
  });
  it('keeps nodes/proxy (kubelet configz) in a separate, optional role', () => {
    const configz = docs.find((d) => d.metadata?.name === 'patrol-inspector-kubelet-config')!;
    expect(configz.rules).toEqual([{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }]);
  });
  it('every kind in the registry is read by some check', () => {
    const used = new Set(clusterChecks.flatMap((c) => [...c.kinds, ...(c.optionalKinds ?? []), ...(c.uses ?? []).flatMap((u) => u.kinds)]));
    expect([...KIND_NAMES].filter((k) => !used.has(k))).toEqual([]);
  });
});

describe('the check catalog', () => {
  it('has stable k8s.* ids in category cluster, with remediation', () => {
    const ids = clusterChecks.map((c) => c.info.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of clusterChecks) {
      expect(c.info.id).toMatch(/^k8s\.[a-z_]+\.[a-z_]+$/);
      expect(c.info.category).toBe('cluster');
      expect(c.info.remediation.length).toBeGreaterThan(20);
    }
    expect(ids.length).toBe(41);
  });
});
