import { databaseTargetSchema, type DatabaseTarget } from '../../src/inspections/collectors/db/db-targets.js';
import { dbExtraVars, dbMeasurements, loginFrom, moduleParamsOf, selectDatabases, targetInfoOf } from '../../src/inspections/collectors/db/db-collection-plan.js';
import { dbCollector } from '../../src/inspections/collectors/db/db-collector.js';
import type { AnsibleStepOutput } from '../../src/ansible/ansible-step-output.js';
import { inspectionConfigSchema } from '../../src/inspections/config/inspection-config.js';
import type { CollectRequest } from '../../src/inspections/collectors/collector.js';
import type { Credential } from '../../src/credentials/credential.js';

const db = (over: Record<string, unknown>): DatabaseTarget => databaseTargetSchema.parse({ name: 'orders-pg', type: 'postgres', host: '10.0.0.5', ...over });

test('the target schema: defaults, MySQL slow query options, unknown fields rejected', () => {
  expect(db({})).toMatchObject({ via: 'localhost', top: 10, labels: {} });
  expect(db({ type: 'mysql', slowQueries: { source: 'slow_log' } }).slowQueries).toEqual({ source: 'slow_log', window: '24h' });
  expect(databaseTargetSchema.safeParse({ name: 'x', type: 'postgres', host: 'h', password: 'inline' }).success).toBe(false);
  expect(databaseTargetSchema.safeParse({ name: 'x', type: 'mysql', host: 'h', slowQueries: { window: 'soon' } }).success).toBe(false);
});

test('targets: the configured name, groups from type and labels, connection attributes', () => {
  expect(targetInfoOf(db({ port: 5433, database: 'orders', labels: { env: 'prod', team: 'shop' } }))).toEqual({
    name: 'orders-pg',
    groups: ['postgres', 'env=prod', 'team=shop'],
    attributes: { type: 'postgres', host: '10.0.0.5', port: 5433, database: 'orders', via: 'localhost' },
  });
});

test('--limit selects databases by name globs, with exclusions', () => {
  const dbs = ['orders-pg', 'orders-my', 'cache', 'billing-pg'].map((name) => ({ name }));
  const names = (limit?: string) => selectDatabases(dbs, limit).map((d) => d.name);
  expect(names(undefined)).toEqual(['orders-pg', 'orders-my', 'cache', 'billing-pg']);
  expect(names('*-pg')).toEqual(['orders-pg', 'billing-pg']);
  expect(names('orders-*,cache')).toEqual(['orders-pg', 'orders-my', 'cache']);
  expect(names('all:!cache')).toEqual(['orders-pg', 'orders-my', 'billing-pg']);
  expect(names('!orders-*')).toEqual(['cache', 'billing-pg']);
  expect(names('nothing')).toEqual([]);
});

describe('login from the credential', () => {
  const cred = (type: Credential['type'], fields: Record<string, string>): Credential => ({ name: 'c', type, fields });
  test('password credential: its password and username (over the target user)', () => {
    expect(loginFrom(db({ user: 'fallback' }), cred('password', { password: 'pw', username: 'monitor' }))).toEqual({ user: 'monitor', password: 'pw' });
    expect(loginFrom(db({ user: 'fallback' }), cred('password', { password: 'pw' }))).toEqual({ user: 'fallback', password: 'pw' });
  });
  test('token credential (Redis AUTH); no credential: the target user only', () => {
    expect(loginFrom(db({ type: 'redis' }), cred('token', { token: 't0k' }))).toEqual({ password: 't0k' });
    expect(loginFrom(db({ user: 'u' }), undefined)).toEqual({ user: 'u' });
  });
  test('an ssh-key credential is refused with the reason', () => {
    expect(() => loginFrom(db({}), cred('ssh-key', { privateKey: 'k' }))).toThrow('credential "c" is of type ssh-key; databases need a password credential');
  });
});

test('extra vars: passwords only in patrol_db_passwords, never in the per-database parameters', () => {
  const a = db({ name: 'a', port: 5432, database: 'orders' });
  const b = db({ name: 'b', type: 'mysql', via: 'bastion', slowQueries: { source: 'slow_log', window: '2h' } });
  const vars = dbExtraVars([{ db: a, login: { user: 'mon', password: 'secret-a' } }, { db: b, login: { user: 'root' } }], 20);
  expect(vars).toEqual({
    patrol_db_hosts: 'a,b',
    patrol_databases: {
      a: { type: 'postgres', host: '10.0.0.5', port: 5432, database: 'orders', user: 'mon', top: 10, via: 'localhost' },
      b: { type: 'mysql', host: '10.0.0.5', user: 'root', top: 10, via: 'bastion', params: { mysql_statements: { source: 'slow_log', window_seconds: 7200 } } },
    },
    patrol_db_passwords: { a: 'secret-a' },
    patrol_section_timeout: 20,
  });
  expect(JSON.stringify(moduleParamsOf(a, { password: 'secret-a' }))).not.toContain('secret-a');
});

const output = (over: Partial<AnsibleStepOutput>): AnsibleStepOutput => ({ recap: {}, hosts: [], failedHosts: [], unreachableHosts: [], failures: [], stats: {}, hostStats: {}, registered: {}, check: false, exitCode: 0, durationMs: 1, stdout: '', truncated: [], ...over });

test('measurements: sections per database; a connection failure or an unreachable via host errors the whole database', () => {
  const ok = db({ name: 'ok-pg' });
  const refused = db({ name: 'refused-pg' });
  const remote = db({ name: 'remote-pg', via: 'bastion' });
  const missing = db({ name: 'missing-pg' });
  const section = { ok: true, data: { used: 1 }, durationMs: 3 };
  const m = dbMeasurements([ok, refused, remote, missing], output({
    hosts: ['ok-pg', 'refused-pg', 'remote-pg'],
    registered: { 'ok-pg': { patrol_db: { changed: false, patrol: { version: 1, sections: { pg_connections: section } } } } },
    failures: [
      { host: 'refused-pg', task: 'Collect database measurements', status: 'failed', msg: 'cannot connect to PostgreSQL at 10.0.0.5:5432: password authentication failed' },
      { host: 'remote-pg', task: 'Collect database measurements', status: 'unreachable', msg: 'ssh: connect to host bastion port 22: No route to host' },
    ],
  }));
  expect(m.map((x) => [x.collector, x.target.name, x.error ?? 'ok'])).toEqual([
    ['postgres', 'ok-pg', 'ok'],
    ['postgres', 'refused-pg', 'cannot connect to PostgreSQL at 10.0.0.5:5432: password authentication failed'],
    ['postgres', 'remote-pg', 'the via host bastion is unreachable: ssh: connect to host bastion port 22: No route to host'],
    ['postgres', 'missing-pg', 'the playbook did not reach this database'],
  ]);
  expect(m[0]!.sections.pg_connections).toEqual(section);
  expect(m[0]!.target.groups).toEqual(['postgres']);
});

describe('the collector', () => {
  const config = (databases: unknown[]) => inspectionConfigSchema.parse({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 't' }, spec: { databases } });
  function request(databases: unknown[], creds: Record<string, Credential>, calls: unknown[], limit?: string): CollectRequest {
    return {
      ctx: { secrets: { get: async (n: string) => creds[n] ?? Promise.reject(new Error(`credential "${n}" does not exist`)), mask: () => undefined }, log: { info: () => undefined, warn: () => undefined } } as unknown as CollectRequest['ctx'],
      config: config(databases),
      inventory: [],
      ...(limit ? { limit } : {}),
      runPlaybook: async (input) => {
        calls.push(input);
        return output({ hosts: (input.hosts ?? []).map((h) => (typeof h === 'string' ? h : h.name)) });
      },
      inventoryHosts: async () => [],
      playbooksDir: '/nowhere',
    };
  }

  test('one run for all databases: each a host, localhost listed for delegation, no inventory unless a via host needs it', async () => {
    const calls: Record<string, unknown>[] = [];
    const res = await dbCollector.collect(request([{ name: 'a', type: 'postgres', host: 'h', credential: 'pg' }, { name: 'b', type: 'redis', host: 'h' }], { pg: { name: 'pg', type: 'password', fields: { password: 'x', username: 'u' } } }, calls));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ playbook: 'inspect-db.yml', hosts: [{ name: 'a', address: 'localhost' }, { name: 'b', address: 'localhost' }, 'localhost'], inventory: [], forks: 2 });
    expect((calls[0]!.extraVars as Record<string, unknown>).patrol_db_passwords).toEqual({ a: 'x' });
    expect(res.map((m) => [m.collector, m.target.name])).toEqual([
      ['postgres', 'a'],
      ['redis', 'b'],
    ]);
    const remote: Record<string, unknown>[] = [];
    await dbCollector.collect(request([{ name: 'a', type: 'postgres', host: 'h', via: 'bastion' }], {}, remote));
    expect(remote[0]).not.toHaveProperty('inventory');
  });

  test('a missing credential or a duplicate name errors that database only; nothing runs when none is selected', async () => {
    const calls: unknown[] = [];
    const res = await dbCollector.collect(request([{ name: 'a', type: 'postgres', host: 'h', credential: 'nope' }, { name: 'b', type: 'mysql', host: 'h' }, { name: 'b', type: 'mysql', host: 'h2' }], {}, calls));
    expect(res.map((m) => [m.target.name, m.error ?? 'measured'])).toEqual([
      ['a', 'credential "nope": credential "nope" does not exist'],
      ['b', 'the patrol_db task did not run (skipped or truncated output)'],
      ['b', 'another database in spec.databases is named "b": names must be unique (they are the targets of findings)'],
    ]);
    expect(await dbCollector.collect(request([{ name: 'a', type: 'postgres', host: 'h' }], {}, calls, 'other'))).toEqual([]);
    expect(calls).toHaveLength(1);
  });
});
