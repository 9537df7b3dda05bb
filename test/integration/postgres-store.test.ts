import { createHarness, type Harness } from '../support/engine-harness.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { openStore } from '../../src/store/open-store.js';
import { fingerprintOf } from '../../src/findings/finding.js';

// The same engine scenarios the SQLite unit tests cover, on a real PostgreSQL 15: migrations,
// outputs between steps, forEach, retries, cancel, concurrency queueing, approvals, logs, findings.

let pgServer: PostgresServer;
let h: Harness;
let url: string;

beforeAll(async () => {
  pgServer = await startPostgres();
  await pgServer.createDatabase('patrol_store');
  url = pgServer.urlFor('patrol_store');
  h = await createHarness({ dbUrl: url, credentials: true });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await pgServer?.stop();
});

const wf = (steps: string, extra = '') => `
apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: pg }
spec:
${extra}
  steps:
${steps}`;

test('migrations run on start and are idempotent; bigint timestamps come back as numbers', async () => {
  expect(h.store.dialect).toBe('postgres');
  const again = await openStore({ url });
  const tables = await pgServer.query("select count(*) as n from patrol_migrations", { database: 'patrol_store' });
  expect(Number(tables[0]!.n)).toBeGreaterThanOrEqual(1);
  await again.close();
  const run = await h.engine.trigger(h.workflow(wf(`    - { name: a, type: noop }`)));
  const done = await h.engine.waitFor(run.id, { timeoutMs: 20_000 });
  expect(typeof done.createdAt).toBe('number');
  expect(done.finishedAt! - done.createdAt).toBeGreaterThanOrEqual(0);
});

test('a DAG with outputs, forEach, when and finally', async () => {
  const run = await h.engine.trigger(
    h.workflow(
      wf(
        `    - name: a
      type: shell
      with: { command: [sh, -c, 'echo "version=1.2" >> "$PATROL_OUTPUT"; echo hi'] }
    - name: each
      type: noop
      needs: [a]
      forEach: { items: "\${{ params.items }}", concurrency: 2 }
      with: { value: "\${{ item }}-\${{ steps.a.outputs.version }}" }
    - name: skipped
      type: noop
      when: "false"
  finally:
    - name: f
      type: noop
      with: { value: "\${{ run.status }}" }`,
        '  params:\n    - { name: items, type: list, default: [x, y, z] }',
      ),
    ),
  );
  const done = await h.engine.waitFor(run.id, { timeoutMs: 30_000 });
  expect([done.status, done.reason]).toEqual(['succeeded', null]);
  const d = await h.engine.detail(run.id);
  const step = (n: string) => d.steps.find((s) => s.name === n)!;
  expect(step('each').outputs).toEqual({ results: [{ value: 'x-1.2' }, { value: 'y-1.2' }, { value: 'z-1.2' }] });
  expect(step('skipped').status).toBe('skipped');
  expect(step('f').outputs).toEqual({ value: 'succeeded' });
  const logs = await h.store.logs.read({ runId: run.id, step: 'a' });
  expect(logs.items.map((l) => l.message)).toContain('hi');
  expect(typeof logs.items[0]!.id).toBe('number');
});

test('a wide fan-in completes in one-statement records: the join runs once, after every branch; exit codes kept', async () => {
  const branches = Array.from({ length: 60 }, (_, i) => `    - { name: b${i}, type: noop, needs: [root], with: { value: "${i}" } }`).join('\n');
  const run = await h.engine.trigger(
    h.workflow(
      wf(
        `    - name: root
      type: shell
      with: { command: [sh, -c, 'exit 0'] }
${branches}
    - name: join
      type: noop
      needs: [${Array.from({ length: 60 }, (_, i) => `b${i}`).join(', ')}]`,
      ),
    ),
  );
  const done = await h.engine.waitFor(run.id, { timeoutMs: 60_000 });
  expect([done.status, done.reason]).toEqual(['succeeded', null]);
  const d = await h.engine.detail(run.id);
  const join = d.steps.find((s) => s.name === 'join')!;
  const lastBranchEnd = Math.max(...d.steps.filter((s) => s.name.startsWith('b')).map((s) => s.finishedAt!));
  expect(join.attempts).toBe(1);
  expect(join.startedAt!).toBeGreaterThanOrEqual(lastBranchEnd);
  const rows = await pgServer.query(`select pending_needs from steps where run_id = '${run.id}' and name = 'join'`, { database: 'patrol_store' });
  expect(Number(rows[0]!.pending_needs)).toBe(0);
  expect((await h.store.runs.listAttempts(run.id, 'root'))[0]!.exitCode).toBe(0);
});

test('retries, cancel, and the queue concurrency policy', async () => {
  const r1 = await h.engine.trigger(h.workflow(wf(`    - { name: s, type: shell, retries: { limit: 2, backoff: { delay: 10ms } }, with: { command: ["false"] } }`)));
  const d1 = await h.engine.waitFor(r1.id, { timeoutMs: 20_000 });
  expect(d1.status).toBe('failed');
  expect((await h.engine.detail(r1.id)).attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'failed']);

  const text = wf(`    - { name: s, type: sleep, with: { duration: 30s } }`, '  concurrency: { key: one, policy: queue }');
  const first = await h.engine.trigger(h.workflow(text));
  const second = await h.engine.trigger(h.workflow(text));
  expect(second.status).toBe('queued');
  await h.engine.cancel(first.id);
  expect((await h.engine.waitFor(first.id, { timeoutMs: 20_000 })).status).toBe('cancelled');
  // The queued run starts once the slot is free, then we cancel it too.
  for (let i = 0; i < 100 && (await h.store.runs.getRun(second.id))!.status === 'queued'; i++) await new Promise((r) => setTimeout(r, 100));
  expect((await h.store.runs.getRun(second.id))!.status).toBe('running');
  await h.engine.cancel(second.id);
  expect((await h.engine.waitFor(second.id, { timeoutMs: 20_000 })).status).toBe('cancelled');
});

test('credentials, findings and approvals round-trip', async () => {
  await h.credentials!.put({ name: 'db', type: 'password', fields: { password: 's3cret-pw', username: 'ops' } });
  expect((await h.credentials!.reveal('db')).fields.password).toBe('s3cret-pw');
  const stored = await pgServer.query('select ciphertext from credentials', { database: 'patrol_store' });
  expect(stored[0]!.ciphertext).not.toContain('s3cret');

  const run = await h.engine.trigger(
    h.workflow(
      wf(`    - name: ask
      type: approval
      with: { message: go?, timeout: 1s, onTimeout: approve }`),
    ),
  );
  const done = await h.engine.waitFor(run.id, { timeoutMs: 20_000 });
  expect(done.status).toBe('succeeded');
  expect((await h.store.approvals.list({ runId: run.id })).items[0]!.status).toBe('expired');

  await h.store.findings.insert([
    { id: 'f1', runId: run.id, step: 'ask', check: 'host.disk.usage', category: 'host', target: 'h:/', severity: 'warning', value: 85.5, message: 'm', fingerprint: fingerprintOf('host.disk.usage', 'h:/'), createdAt: Date.now(), threshold: { warning: 80 } },
  ]);
  const f = await h.store.findings.listByRun(run.id);
  expect(f[0]).toMatchObject({ value: 85.5, threshold: { warning: 80 }, severity: 'warning' });
});
