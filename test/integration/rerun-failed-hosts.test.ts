import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { startSshHosts, type SshHosts } from '../support/ssh-hosts.js';
import { REPO } from '../support/cli.js';
import type { AnsibleStepOutput } from '../../src/ansible/ansible-step-output.js';

let fleet: SshHosts;
let h: Harness;
beforeAll(async () => {
  fleet = await startSshHosts(3);
  h = await createHarness({ credentials: true });
  await h.credentials!.put({ name: 'root-key', type: 'ssh-key', fields: { privateKey: fleet.clientKey, username: 'root' } });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await fleet?.stop();
});

test('retry with onlyFailedTargets reruns the ansible step on the failed hosts only', async () => {
  const h2 = fleet.hosts[1]!;
  // A marker only host-2 sees: a tmpfs mounted in its own mount namespace.
  const dir = join(fleet.dir, 'marker');
  mkdirSync(dir, { recursive: true });
  await fleet.hostExec(h2, ['mount', '-t', 'tmpfs', 'tmpfs', dir]);
  await fleet.hostExec(h2, ['touch', join(dir, 'fail')]);
  const hosts = fleet.hosts.map((x) => ({ name: x.name, address: x.ip }));
  const wf = h.workflow(`
apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: rerun }
spec:
  steps:
    - name: play
      type: ansible
      with:
        playbook: ${join(REPO, 'test/fixtures/ansible/fail-where-marked.yml')}
        hosts: ${JSON.stringify(hosts)}
        credential: root-key
        knownHostsFile: ${fleet.knownHostsFile}
        extraVars: { marker: ${join(dir, 'fail')} }
`);
  const first = await h.engine.waitFor((await h.engine.trigger(wf)).id, { timeoutMs: 120_000 });
  expect(first.status).toBe('failed');
  const out1 = (await h.engine.detail(first.id)).steps.find((s) => s.name === 'play')!.outputs as unknown as AnsibleStepOutput;
  expect(out1.failedHosts).toEqual([h2.name]);

  // Fix host-2, then rerun only what failed.
  await fleet.hostExec(h2, ['rm', join(dir, 'fail')]);
  const retried = await h.engine.retry(first.id, { onlyFailedTargets: true });
  expect(retried.overrides).toEqual({ play: { limit: [h2.name] } });
  const second = await h.engine.waitFor(retried.id, { timeoutMs: 120_000 });
  expect(second.status).toBe('succeeded');
  const out2 = (await h.engine.detail(second.id)).steps.find((s) => s.name === 'play')!.outputs as unknown as AnsibleStepOutput;
  expect(Object.keys(out2.recap)).toEqual([h2.name]);
  await expect(h.engine.retry(second.id, { onlyFailedTargets: true })).rejects.toThrow('succeeded');
});
