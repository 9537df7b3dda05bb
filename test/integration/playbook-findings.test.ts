import { createHarness, type Harness } from '../support/engine-harness.js';
import { REPO } from '../support/cli.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h.close());

test('a playbook reports findings through set_stats patrol_findings; invalid ones become error findings', async () => {
  const wf = h.workflow(`
apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: custom-checks }
spec:
  steps:
    - name: custom
      type: ansible
      with:
        playbook: ${REPO}/test/fixtures/ansible/emit-findings.yml
        hosts: [localhost]
`);
  const run = await h.engine.trigger(wf);
  const done = await h.engine.waitFor(run.id, { timeoutMs: 60_000 });
  expect([done.status, done.reason]).toEqual(['succeeded', null]);
  const findings = await h.store.findings.listByRun(run.id);
  const good = findings.find((f) => f.check === 'custom.app.version')!;
  expect(good).toMatchObject({ category: 'app', target: 'localhost:myapp', host: 'localhost', severity: 'warning', value: 1, message: 'myapp 1.4.2 is older than 2.0', remediation: 'Upgrade myapp to 2.x', step: 'custom' });
  const bad = findings.find((f) => f.check === 'playbook.finding.invalid')!;
  expect(bad.severity).toBe('error');
  expect(bad.message).toContain('severity');
  expect(findings).toHaveLength(2);
});
