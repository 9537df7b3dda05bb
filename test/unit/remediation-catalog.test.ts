import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRegistry } from '../../src/steps/builtin/index.js';
import { patrolPaths } from '../../src/config/paths.js';
import { validateWorkflowText } from '../../src/workflow/validate-workflow.js';
import { formatIssue } from '../../src/workflow/validation-issue.js';
import { builtinCatalog } from '../../src/inspections/checks/index.js';
import { loadInspectionConfig } from '../../src/inspections/config/load-inspection-config.js';
import { selectAutoRemediations, validateAutoRemediationRules } from '../../src/remediation/select-auto-remediations.js';
import { autoRemediationConfigSchema } from '../../src/remediation/auto-remediation-config.js';
import { fingerprintOf, type Finding } from '../../src/findings/finding.js';
import { REPO } from '../support/cli.js';

const registry = builtinRegistry({ paths: patrolPaths({ PATROL_HOME: '/tmp/patrol-remediation-unit' }) });
const catalog = builtinCatalog();

test('every runbook a check names exists in workflows/, is valid, and takes the finding', () => {
  const named = [...new Set(catalog.list().flatMap((c) => (c.remediationWorkflow ? [c.remediationWorkflow] : [])))].sort();
  expect(named).toEqual(['disk-cleanup', 'etcd-snapshot', 'loki-retention', 'prune-images', 'renew-kubeadm-certs', 'restart-service', 'restart-workload', 'terminate-query']);
  for (const name of named) {
    const file = join(REPO, 'workflows', `${name}.yaml`);
    const res = validateWorkflowText(readFileSync(file, 'utf8'), registry, file);
    expect([name, res.issues.map(formatIssue)]).toEqual([name, []]);
    expect(res.workflow!.metadata.name).toBe(name);
    expect(res.workflow!.spec.params.find((p) => p.name === 'finding')).toMatchObject({ type: 'object', required: true });
    expect(res.workflow!.metadata.labels['patrol.dev/kind']).toBe('remediation');
  }
  // The checks the issue asks runbooks for name theirs.
  const runbookOf = (id: string) => catalog.get(id).remediationWorkflow;
  expect(['host.systemd.failed_units', 'host.systemd.boot_services', 'node.kubelet.service', 'node.cert.expiry', 'node.etcd.backup_age', 'node.loki.retention', 'db.postgres.long_transactions', 'k8s.pod.crashloop'].map(runbookOf)).toEqual(['restart-service', 'restart-service', 'restart-service', 'renew-kubeadm-certs', 'etcd-snapshot', 'loki-retention', 'terminate-query', 'restart-workload']);
});

describe('spec.remediation in an InspectionConfig', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'patrol-remediation-config-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (remediation: string) => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, `apiVersion: patrol.dev/v1\nkind: InspectionConfig\nmetadata: { name: c, labels: { environment: staging } }\nspec:\n  remediation:\n${remediation}`);
    return loadInspectionConfig(file, catalog);
  };

  test('defaults: approval skipped, breaker 3 per 24h, canary 1, halt above 50 %', async () => {
    const c = await load('    auto:\n      - { check: host.systemd.failed_units, environments: [staging] }\n');
    expect(c.spec.remediation).toEqual({ auto: [{ check: 'host.systemd.failed_units', environments: ['staging'], approval: 'skip', params: {} }], circuitBreaker: { maxRuns: 3, window: '24h' }, blastRadius: { canary: 1, maxFailurePercent: 50, concurrency: 4 } });
  });

  test.each([
    ['    auto:\n      - { check: host.systemd.failed_units }\n', /c\.yaml:7:9: spec\.remediation\.auto\[0\]\.environments: is required/],
    ['    auto:\n      - { check: host.systemd.failed_units, environments: [] }\n', /environments/],
    ['    auto:\n      - { check: host.systemd.failed_units, environments: [prod], approval: never }\n', /approval/],
    ['    circuitBreaker: { maxRuns: 0 }\n', /maxRuns/],
    ['    circuitBreaker: { window: soon }\n', /window/],
    ['    blastRadius: { maxFailurePercent: 150 }\n', /maxFailurePercent/],
    ['    autoo: []\n', /autoo/],
  ])('rejects %j with where and why', async (yaml, where) => {
    await expect(load(yaml)).rejects.toThrow(where);
  });

  test('a rule must name a check that has a runbook', () => {
    const c = autoRemediationConfigSchema.parse({ auto: [{ check: 'host.systemd.*', environments: ['*'] }, { check: 'host.cpu.usage', environments: ['prod'] }] });
    expect(() => validateAutoRemediationRules(c, catalog)).toThrow('spec.remediation.auto[1].check "host.cpu.usage" matches no check with a remediation runbook');
  });
});

test('selection: problems only, per environment and target globs, one remediation per runbook and target', () => {
  let n = 0;
  const f = (check: string, target: string, severity: Finding['severity'] = 'warning'): Finding => ({ id: `f${++n}`, runId: 'r', step: 's', check, category: 'host', target, severity, message: 'm', fingerprint: fingerprintOf(check, target), createdAt: 0 });
  const c = autoRemediationConfigSchema.parse({ auto: [{ check: 'host.systemd.*', environments: ['staging', 'qa-*'], targets: ['web-*'] }, { check: 'host.disk.usage', environments: ['qa-*'] }] });
  const findings = [f('host.systemd.failed_units', 'web-1:a.service'), f('host.systemd.boot_services', 'web-1:a.service'), f('host.systemd.failed_units', 'db-1:a.service'), f('host.systemd.failed_units', 'web-2:a.service', 'ok'), f('host.disk.usage', 'web-1:/var', 'critical'), f('host.cpu.usage', 'web-1')];
  const pick = (env: string) => selectAutoRemediations(findings, c, env, catalog).map((p) => `${p.finding.check} ${p.finding.target} ${p.workflow}`);
  expect(pick('staging')).toEqual(['host.systemd.failed_units web-1:a.service restart-service']);
  expect(pick('qa-east')).toEqual(['host.systemd.failed_units web-1:a.service restart-service', 'host.disk.usage web-1:/var disk-cleanup']);
  expect(pick('prod')).toEqual([]);
});
