import { judge, one, previousFinding } from '../support/db-check-harness.js';

// Redis checks on recorded INFO data.

const MIB = 1024 ** 2;
const info = (over: Record<string, unknown> = {}) => ({
  version: '7.0.15',
  runId: 'run-a',
  role: 'master',
  uptimeSeconds: 3600,
  usedMemory: 10 * MIB,
  maxmemory: 100 * MIB,
  maxmemoryPolicy: 'allkeys-lru',
  totalSystemMemory: 8192 * MIB,
  evictedKeys: 0,
  rejectedConnections: 0,
  connectedClients: 10,
  maxclients: 100,
  blockedClients: 0,
  rdbLastBgsaveStatus: 'ok',
  rdbLastSaveTime: 1_770_000_000,
  rdbChangesSinceLastSave: 5,
  aofEnabled: 0,
  aofLastWriteStatus: 'ok',
  aofLastBgrewriteStatus: 'ok',
  ...over,
});
const r = (over: Record<string, unknown> = {}, opts: Parameters<typeof judge>[2] = {}) => judge('redis', { redis_info: info(over) }, opts);

test('a healthy instance: every Redis check is ok', async () => {
  const f = await r();
  expect(f.map((x) => [x.check, x.severity])).toEqual([
    ['db.redis.clients', 'ok'],
    ['db.redis.evictions', 'ok'],
    ['db.redis.memory', 'ok'],
    ['db.redis.persistence', 'ok'],
    ['db.redis.rejected_connections', 'ok'],
  ]);
});

test('memory: 80 % of maxmemory warns, 90 % is critical; without maxmemory the host memory is the limit', async () => {
  expect(one(await r({ usedMemory: 85 * MIB }), 'db.redis.memory')).toMatchObject({ severity: 'warning', value: 85 });
  expect(one(await r({ usedMemory: 95 * MIB }), 'db.redis.memory').severity).toBe('critical');
  const unlimited = one(await r({ maxmemory: 0, usedMemory: 7000 * MIB }), 'db.redis.memory');
  expect(unlimited.severity).toBe('warning');
  expect(unlimited.message).toContain('no maxmemory set');
  expect(one(await r({ maxmemory: 0, totalSystemMemory: undefined }), 'db.redis.memory').message).toContain('nothing to compare');
});

describe('counters since the previous run', () => {
  test('evictions: first run counts since start; then only new ones; a restart (new run_id) starts over', async () => {
    const first = one(await r({ evictedKeys: 500 }), 'db.redis.evictions');
    expect(first).toMatchObject({ severity: 'warning', value: 500 });
    expect(first.message).toContain('since the server started');
    expect(first.details).toMatchObject({ evictedKeys: 500, runId: 'run-a' });
    const previous = { 'db.redis.evictions db1': previousFinding({ evictedKeys: 500, runId: 'run-a' }) };
    expect(one(await r({ evictedKeys: 500 }, { previous }), 'db.redis.evictions')).toMatchObject({ severity: 'ok', value: 0 });
    expect(one(await r({ evictedKeys: 510 }, { previous }), 'db.redis.evictions')).toMatchObject({ severity: 'warning', value: 10 });
    const restarted = one(await r({ evictedKeys: 30, runId: 'run-b' }, { previous }), 'db.redis.evictions');
    expect(restarted).toMatchObject({ severity: 'warning', value: 30 });
    expect(restarted.message).toContain('since the server restarted');
  });

  test('a cache may tolerate evictions: thresholds are raised per instance', async () => {
    const f = await r({ evictedKeys: 500 }, { checks: { 'db.redis.evictions': { warning: 1000, critical: 100000 } } });
    expect(one(f, 'db.redis.evictions').severity).toBe('ok');
  });

  test('rejected connections: any new one warns', async () => {
    const previous = { 'db.redis.rejected_connections db1': previousFinding({ rejectedConnections: 4, runId: 'run-a' }) };
    expect(one(await r({ rejectedConnections: 4 }, { previous }), 'db.redis.rejected_connections')).toMatchObject({ severity: 'ok', value: 0 });
    expect(one(await r({ rejectedConnections: 6 }, { previous }), 'db.redis.rejected_connections')).toMatchObject({ severity: 'warning', value: 2 });
  });
});

test('clients: 80 % of maxclients warns, 90 % critical; unknown maxclients is reported', async () => {
  expect(one(await r({ connectedClients: 80 }), 'db.redis.clients')).toMatchObject({ severity: 'warning', value: 80 });
  expect(one(await r({ connectedClients: 95 }), 'db.redis.clients').severity).toBe('critical');
  expect(one(await r({ maxclients: undefined }), 'db.redis.clients').message).toContain('maxclients unknown');
});

test('persistence: a failed BGSAVE or AOF write is critical, a failed AOF rewrite warns', async () => {
  const rdb = one(await r({ rdbLastBgsaveStatus: 'err' }), 'db.redis.persistence');
  expect(rdb).toMatchObject({ severity: 'critical', value: 1 });
  expect(rdb.message).toContain('BGSAVE');
  expect(rdb.remediation).toContain('BGSAVE');
  expect(one(await r({ aofEnabled: 1, aofLastWriteStatus: 'err' }), 'db.redis.persistence').severity).toBe('critical');
  // AOF off: its last write status is irrelevant.
  expect(one(await r({ aofEnabled: 0, aofLastWriteStatus: 'err' }), 'db.redis.persistence').severity).toBe('ok');
  expect(one(await r({ aofLastBgrewriteStatus: 'err' }), 'db.redis.persistence').severity).toBe('warning');
  expect(one(await r({ rdbLastBgsaveStatus: 'err', aofEnabled: 1, aofLastWriteStatus: 'err' }), 'db.redis.persistence').value).toBe(2);
});

test('INFO that failed to parse or a refused login makes every check an error', async () => {
  const f = await judge('redis', { redis_info: { __error: 'Redis did not answer INFO within 20s' } });
  expect(f.every((x) => x.severity === 'error')).toBe(true);
  expect(f).toHaveLength(5);
  const auth = await judge('redis', {}, { error: 'Redis at 10.0.0.1:6379 refused the credentials: WRONGPASS' });
  expect(auth.every((x) => x.severity === 'error' && x.message.includes('WRONGPASS'))).toBe(true);
});
