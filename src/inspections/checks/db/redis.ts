import { defineCheck, levelSeverity, type FindingDraft } from '../../check.js';
import { redisInfoSection } from '../../collectors/db/db-sections.js';
import { formatBytes } from '../format.js';
import { counterSincePrevious, formatCount, percentOf, round, thresholds } from './db-check-helpers.js';

const sameServer = (runId: string | undefined) => (prev: Record<string, unknown>) => runId === undefined || prev.runId === undefined || prev.runId === runId;

/** Memory used vs maxmemory (Patrol: 80 % / 90 %). */
export const redisMemory = defineCheck({
  id: 'db.redis.memory',
  category: 'db',
  title: 'Redis memory used vs maxmemory',
  description: 'used_memory as a percentage of maxmemory. Without maxmemory (0) Redis grows until the machine runs out of memory, so it is compared with the host\'s total memory instead, and the message says so.',
  source: { collector: 'redis', section: 'redis_info', schema: redisInfoSection },
  defaults: { warning: 80, critical: 90 },
  unit: '%',
  remediation: 'Find the biggest keys (redis-cli --bigkeys / MEMORY USAGE), set TTLs on cache keys, pick an eviction policy that fits (maxmemory-policy allkeys-lru for caches), or raise maxmemory. Set maxmemory on every instance.',
  reference: 'anchors: memory > 90 % (node-mixin), Redis memory vs maxmemory 80/90 %',
  evaluate({ data, target, settings }) {
    const s = settings();
    const limit = data.maxmemory > 0 ? data.maxmemory : data.totalSystemMemory ?? 0;
    const details = { usedMemory: data.usedMemory, usedMemoryRss: data.usedMemoryRss, usedMemoryPeak: data.usedMemoryPeak, maxmemory: data.maxmemory, maxmemoryPolicy: data.maxmemoryPolicy, totalSystemMemory: data.totalSystemMemory, memFragmentationRatio: data.memFragmentationRatio };
    if (limit <= 0) return [{ target: target.name, severity: 'ok', message: `${formatBytes(data.usedMemory)} used; no maxmemory and no total_system_memory reported: nothing to compare with`, details }];
    const pct = percentOf(data.usedMemory, limit);
    const what = data.maxmemory > 0 ? `maxmemory ${formatBytes(data.maxmemory)}, policy ${data.maxmemoryPolicy ?? '?'}` : `no maxmemory set: compared with the host's ${formatBytes(limit)} of memory`;
    return [{ target: target.name, severity: levelSeverity(pct, s), value: round(pct, 1), threshold: thresholds(s), message: `${formatBytes(data.usedMemory)} used, ${pct.toFixed(1)}% (${what})`, details }];
  },
});

/** Keys evicted since the last run (any eviction: the data set does not fit). */
export const redisEvictions = defineCheck({
  id: 'db.redis.evictions',
  category: 'db',
  title: 'Redis evicted keys',
  description: 'Keys evicted because of maxmemory since the last run (since the server started on the first run or after a restart). For a cache under allkeys-lru some eviction is normal: raise the thresholds for it; for data that must stay, any eviction is loss.',
  source: { collector: 'redis', section: 'redis_info', schema: redisInfoSection },
  defaults: { warning: 1 },
  unit: 'keys',
  remediation: 'The data set does not fit in maxmemory: raise maxmemory, shorten TTLs, shrink values, or shard. If the instance holds data that must not disappear, use maxmemory-policy noeviction (writes then fail instead).',
  reference: 'anchors: Redis evictions > 0',
  async evaluate({ data, target, settings, previous }) {
    const s = settings();
    const w = counterSincePrevious(data.evictedKeys, await previous('db.redis.evictions', target.name), 'evictedKeys', sameServer(data.runId));
    return [
      {
        target: target.name,
        severity: levelSeverity(w.delta, s),
        value: w.delta,
        threshold: thresholds(s),
        message: `${formatCount(w.delta)} keys evicted ${w.since} (${formatCount(data.evictedKeys)} since start; maxmemory ${data.maxmemory > 0 ? formatBytes(data.maxmemory) : 'not set'}, policy ${data.maxmemoryPolicy ?? '?'})`,
        details: { evictedKeys: data.evictedKeys, runId: data.runId, window: w.since, maxmemory: data.maxmemory, maxmemoryPolicy: data.maxmemoryPolicy },
      },
    ];
  },
});

/** Connected clients vs maxclients (Patrol: 80 % / 90 %). */
export const redisClients = defineCheck({
  id: 'db.redis.clients',
  category: 'db',
  title: 'Redis connected clients vs maxclients',
  description: 'connected_clients (the inspection\'s own connection excluded) as a percentage of maxclients; blocked clients are in the message.',
  source: { collector: 'redis', section: 'redis_info', schema: redisInfoSection },
  defaults: { warning: 80, critical: 90 },
  unit: '%',
  remediation: 'Find the clients (CLIENT LIST: addr, name, idle) and fix leaking pools; set a client timeout (CONFIG SET timeout 300) for idle ones; raise maxclients (and the file descriptor limit) if the load is real.',
  reference: 'Patrol defaults 80 % / 90 %, as for other capacity limits in the anchors',
  evaluate({ data, target, settings }) {
    const s = settings();
    if (!data.maxclients) return [{ target: target.name, severity: 'ok', message: `${data.connectedClients} clients connected; maxclients unknown (not in INFO, CONFIG GET refused)`, details: { connectedClients: data.connectedClients } }];
    const pct = percentOf(data.connectedClients, data.maxclients);
    return [
      {
        target: target.name,
        severity: levelSeverity(pct, s),
        value: round(pct, 2),
        threshold: thresholds(s),
        message: `${formatCount(data.connectedClients)} of ${formatCount(data.maxclients)} clients connected (${pct.toFixed(1)}%)${data.blockedClients ? `, ${data.blockedClients} blocked` : ''}`,
        details: { connectedClients: data.connectedClients, maxclients: data.maxclients, blockedClients: data.blockedClients },
      },
    ];
  },
});

/** Connections refused because maxclients was reached, since the last run. */
export const redisRejectedConnections = defineCheck({
  id: 'db.redis.rejected_connections',
  category: 'db',
  title: 'Redis rejected connections',
  description: 'Connections Redis refused because maxclients was reached, since the last run (since the server started on the first run or after a restart).',
  source: { collector: 'redis', section: 'redis_info', schema: redisInfoSection },
  defaults: { warning: 1 },
  unit: 'connections',
  remediation: 'Clients were turned away: raise maxclients (and ulimit -n), fix connection leaks and oversized pools, set a client timeout for idle connections.',
  reference: 'anchors: Redis rejected connections',
  async evaluate({ data, target, settings, previous }) {
    const s = settings();
    const w = counterSincePrevious(data.rejectedConnections, await previous('db.redis.rejected_connections', target.name), 'rejectedConnections', sameServer(data.runId));
    return [
      {
        target: target.name,
        severity: levelSeverity(w.delta, s),
        value: w.delta,
        threshold: thresholds(s),
        message: `${formatCount(w.delta)} connections rejected ${w.since} (maxclients ${data.maxclients ?? '?'}, ${formatCount(data.rejectedConnections)} since start)`,
        details: { rejectedConnections: data.rejectedConnections, runId: data.runId, window: w.since, maxclients: data.maxclients },
      },
    ];
  },
});

/** RDB / AOF persistence errors. */
export const redisPersistence = defineCheck({
  id: 'db.redis.persistence',
  category: 'db',
  title: 'Redis persistence errors',
  description: 'The last RDB snapshot (rdb_last_bgsave_status) and, with AOF enabled, the last AOF write (aof_last_write_status) failed: critical (Redis then refuses writes when stop-writes-on-bgsave-error is on). A failed AOF rewrite is a warning. Value: the number of failing statuses.',
  source: { collector: 'redis', section: 'redis_info', schema: redisInfoSection },
  defaults: {},
  unit: 'errors',
  remediation: 'Read the Redis log for the save error: usually the data directory is full, missing or not writable (CONFIG GET dir), or fork() failed for lack of memory (vm.overcommit_memory = 1). Fix it and run BGSAVE to confirm.',
  reference: 'Redis INFO persistence: rdb_last_bgsave_status / aof_last_write_status / aof_last_bgrewrite_status',
  evaluate({ data, target }) {
    const problems: { severity: FindingDraft['severity']; text: string }[] = [];
    if (data.rdbLastBgsaveStatus !== undefined && data.rdbLastBgsaveStatus !== 'ok') problems.push({ severity: 'critical', text: `last RDB snapshot (BGSAVE) failed (rdb_last_bgsave_status:${data.rdbLastBgsaveStatus})` });
    if (data.aofEnabled && data.aofLastWriteStatus !== undefined && data.aofLastWriteStatus !== 'ok') problems.push({ severity: 'critical', text: `last AOF write failed (aof_last_write_status:${data.aofLastWriteStatus})` });
    if (data.aofLastBgrewriteStatus !== undefined && data.aofLastBgrewriteStatus !== 'ok') problems.push({ severity: 'warning', text: `last AOF rewrite failed (aof_last_bgrewrite_status:${data.aofLastBgrewriteStatus})` });
    const details = { rdbLastBgsaveStatus: data.rdbLastBgsaveStatus, rdbLastSaveTime: data.rdbLastSaveTime, rdbChangesSinceLastSave: data.rdbChangesSinceLastSave, aofEnabled: data.aofEnabled, aofLastWriteStatus: data.aofLastWriteStatus, aofLastBgrewriteStatus: data.aofLastBgrewriteStatus };
    const lastSave = data.rdbLastSaveTime ? `; last successful save ${new Date(data.rdbLastSaveTime * 1000).toISOString()}` : '';
    if (problems.length === 0) return [{ target: target.name, severity: 'ok', value: 0, message: `persistence ok (RDB ${data.rdbLastBgsaveStatus ?? '?'}, AOF ${data.aofEnabled ? data.aofLastWriteStatus ?? '?' : 'off'})${lastSave}; ${formatCount(data.rdbChangesSinceLastSave ?? 0)} changes since`, details }];
    const severity = problems.some((p) => p.severity === 'critical') ? 'critical' : 'warning';
    return [{ target: target.name, severity, value: problems.length, message: `${problems.map((p) => p.text).join('; ')}${lastSave}; ${formatCount(data.rdbChangesSinceLastSave ?? 0)} changes not saved`, details }];
  },
});
