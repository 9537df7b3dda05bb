import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, patrol } from '../support/cli.js';

// `patrol validate` of an InspectionConfig: automatic-remediation rules that can never fire (no
// check with a runbook matches them) or lack the environment fail with file:line:column, like the
// rest of config validation; a good config is valid. A workflow file is still validated as one.

let home: string;

beforeAll(() => {
  assertBuilt();
  home = mkdtempSync(join(tmpdir(), 'patrol-validate-'));
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

const write = (name: string, text: string) => {
  const file = join(home, name);
  writeFileSync(file, text);
  return file;
};

test('rules that match no check with a runbook, and a missing environment, fail with where', async () => {
  const file = write('bad.yaml', `apiVersion: patrol.dev/v1
kind: InspectionConfig
metadata:
  name: staging-hosts
spec:
  checks:
    host.disk.usage: { warning: 80 }
  remediation:
    auto:
      - check: host.systemd.failed_units
        environments: [staging]
      - check: host.disk.usgae
        environments: [staging]
      - check: k8s.pod.image_pull
        environments: [staging]
`);
  const r = await patrol(['validate', file], { home });
  expect(r.exitCode).toBe(2);
  const lines = String(r.stderr).trim().split('\n');
  expect(lines).toEqual([
    expect.stringMatching(new RegExp(`^error: ${file}:12:16: spec\\.remediation\\.auto\\[1\\]\\.check: "host\\.disk\\.usgae" matches no check with a remediation runbook, so this rule never fires; checks with one: .*host\\.systemd\\.failed_units.*k8s\\.pod\\.crashloop.* \\[no-runbook\\]$`)),
    expect.stringMatching(new RegExp(`^error: ${file}:14:16: spec\\.remediation\\.auto\\[2\\]\\.check: "k8s\\.pod\\.image_pull" matches no check with a remediation runbook, .* \\[no-runbook\\]$`)),
    `error: ${file}:9:5: spec.remediation: automatic remediation rules need the environment of these targets: set spec.remediation.environment or metadata.labels.environment [no-environment]`,
    `${file}: 3 problems`,
  ]);

  const json = await patrol(['validate', file, '--json'], { home });
  const doc = JSON.parse(String(json.stdout)) as { valid: boolean; issues: { path: string; rule: string; line: number }[] };
  expect(doc.valid).toBe(false);
  expect(doc.issues.map((i) => [i.path, i.rule, i.line])).toEqual([['spec.remediation.auto[1].check', 'no-runbook', 12], ['spec.remediation.auto[2].check', 'no-runbook', 14], ['spec.remediation', 'no-environment', 9]]);
}, 60_000);

test('a config whose rules all reach a runbook is valid; schema and unknown-check problems are reported the same way', async () => {
  const good = write('good.yaml', `apiVersion: patrol.dev/v1
kind: InspectionConfig
metadata: { name: staging-cluster, labels: { environment: staging } }
spec:
  remediation:
    auto:
      - { check: "host.systemd.*", environments: [staging] }
      - { check: k8s.pod.crashloop, environments: ["staging*"], approval: required }
`);
  const ok = await patrol(['validate', good], { home });
  expect([ok.exitCode, String(ok.stdout).trim()]).toEqual([0, `${good}: valid (InspectionConfig staging-cluster: 0 check settings, 0 databases, 2 automatic remediation rules)`]);

  const typo = write('typo.yaml', `apiVersion: patrol.dev/v1
kind: InspectionConfig
metadata: { name: x, labels: { environment: prod } }
spec:
  checks:
    host.disk.usgae: { warning: 80 }
  remediation:
    auto:
      - { check: host.disk.usage, environments: [prod] }
`);
  const unknown = await patrol(['validate', typo], { home });
  expect(unknown.exitCode).toBe(2);
  expect(String(unknown.stderr)).toContain(`error: ${typo}:6:22: spec.checks.host.disk.usgae: "host.disk.usgae" names no check; see \`patrol checks\` for the catalog [unknown-check]`);

  const schema = write('schema.yaml', `apiVersion: patrol.dev/v1
kind: InspectionConfig
metadata: { name: x, labels: { environment: prod } }
spec:
  remediation:
    auto:
      - { check: host.disk.usage, environments: [prod], approval: never }
`);
  const invalid = await patrol(['validate', schema], { home });
  expect(invalid.exitCode).toBe(2);
  expect(String(invalid.stderr)).toContain(`error: ${schema}:7:67: spec.remediation.auto[0].approval: Invalid option: expected one of "skip"|"required" [schema]`);
}, 60_000);

test('a workflow file is still validated as a workflow', async () => {
  const wf = write('wf.yaml', `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: hello }
spec:
  steps:
    - { name: hi, type: shell, with: { command: [echo, hi] } }
`);
  const r = await patrol(['validate', wf], { home });
  expect([r.exitCode, String(r.stdout).trim()]).toEqual([0, `${wf}: valid (hello: 1 steps, 0 params)`]);
}, 60_000);
