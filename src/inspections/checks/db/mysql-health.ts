import { defineCheck, levelSeverity } from '../../check.js';
import { mysqlBufferPoolSection, mysqlConnectionsSection } from '../../collectors/db/db-sections.js';
import { formatBytes, formatSeconds } from '../format.js';
import { counterSincePrevious, formatCount, numberParam, percentOf, round, thresholds } from './db-check-helpers.js';

/** Connections in use vs max_connections (MySQLTuner: > 85 %). */
export const mysqlConnections = defineCheck({
  id: 'db.mysql.connections',
  category: 'db',
  title: 'MySQL connections used vs max_connections',
  description: 'Threads_connected (the inspection\'s own connection excluded) as a percentage of max_connections; the peak since start (Max_used_connections) is in the message and details.',
  source: { collector: 'mysql', section: 'mysql_connections', schema: mysqlConnectionsSection },
  defaults: { warning: 85, critical: 95 },
  unit: '%',
  remediation: 'Find who holds the connections (SELECT user, host, db, command, COUNT(*) FROM information_schema.PROCESSLIST GROUP BY 1,2,3,4); shrink application pools or add a proxy (ProxySQL); kill sleeping connections (wait_timeout). Raise max_connections only with memory for the per-thread buffers.',
  reference: 'MySQLTuner: highest usage of available connections > 85 %; Patrol critical 95 %',
  evaluate({ data, target, settings }) {
    const s = settings();
    const pct = percentOf(data.threadsConnected, data.maxConnections);
    const peak = percentOf(data.maxUsedConnections, data.maxConnections);
    return [
      {
        target: target.name,
        severity: levelSeverity(pct, s),
        value: round(pct, 1),
        threshold: thresholds(s),
        message: `${data.threadsConnected} of ${data.maxConnections} connections in use (${pct.toFixed(1)}%, ${data.threadsRunning} running); peak ${data.maxUsedConnections} (${peak.toFixed(1)}%) since the server started ${formatSeconds(data.uptimeSeconds)} ago`,
        details: { threadsConnected: data.threadsConnected, threadsRunning: data.threadsRunning, maxConnections: data.maxConnections, maxUsedConnections: data.maxUsedConnections, peakPercent: round(peak, 1), uptimeSeconds: data.uptimeSeconds, version: data.version },
      },
    ];
  },
});

/** Failed connection attempts (MySQLTuner: aborted connections > 3 %). */
export const mysqlAbortedConnections = defineCheck({
  id: 'db.mysql.aborted_connections',
  category: 'db',
  title: 'MySQL aborted connection attempts',
  description: 'Aborted_connects as a percentage of connection attempts (Connections), since the last run (or since the server started, on the first run and after a restart). Judged once at least minConnections attempts were made in that window.',
  source: { collector: 'mysql', section: 'mysql_connections', schema: mysqlConnectionsSection },
  defaults: { warning: 3, critical: 10, minConnections: 100 },
  unit: '%',
  remediation: 'Failed logins and handshakes: look for wrong passwords or missing grants in the error log (log_warnings=2 / log_error_verbosity=3), clients timing out in the handshake (connect_timeout, network), max_connect_errors blocks, or port scans.',
  reference: 'MySQLTuner: aborted connections > 3 % of all connections; Patrol critical 10 %',
  async evaluate({ data, target, settings, previous }) {
    const s = settings();
    const minConnections = numberParam(s, 'minConnections', 100);
    const prev = await previous('db.mysql.aborted_connections', target.name);
    const same = (d: Record<string, unknown>) => typeof d.uptimeSeconds === 'number' && d.uptimeSeconds <= data.uptimeSeconds && typeof d.connections === 'number' && d.connections <= data.connections;
    const attempts = counterSincePrevious(data.connections, prev, 'connections', same);
    const aborted = counterSincePrevious(data.abortedConnects, prev, 'abortedConnects', same);
    const pct = percentOf(aborted.delta, attempts.delta);
    const details = { connections: data.connections, abortedConnects: data.abortedConnects, abortedClients: data.abortedClients, uptimeSeconds: data.uptimeSeconds, window: attempts.since, attempts: attempts.delta, aborted: aborted.delta };
    const th = thresholds(s, 'above', { minConnections });
    if (attempts.delta < minConnections) {
      return [{ target: target.name, severity: 'ok', threshold: th, message: `${formatCount(aborted.delta)} of ${formatCount(attempts.delta)} connection attempts aborted ${attempts.since}: fewer than minConnections ${minConnections} attempts, not judged`, details }];
    }
    return [
      {
        target: target.name,
        severity: levelSeverity(pct, s),
        value: round(pct, 2),
        threshold: th,
        message: `${formatCount(aborted.delta)} of ${formatCount(attempts.delta)} connection attempts aborted ${attempts.since} (${pct.toFixed(1)}%); ${formatCount(data.abortedClients)} clients dropped without closing since start`,
        details,
      },
    ];
  },
});

/** InnoDB buffer pool read efficiency (MySQLTuner: < 90 %). */
export const mysqlBufferPool = defineCheck({
  id: 'db.mysql.buffer_pool',
  category: 'db',
  title: 'MySQL InnoDB buffer pool efficiency',
  description: 'Share of InnoDB logical reads served from the buffer pool: (read_requests - reads) / read_requests since the server started, in percent. Judged once at least minRequests logical reads happened.',
  source: { collector: 'mysql', section: 'mysql_buffer_pool', schema: mysqlBufferPoolSection },
  defaults: { warning: 90, minRequests: 10_000 },
  unit: '%',
  remediation: 'Raise innodb_buffer_pool_size towards the working set (up to ~70-80 % of RAM on a dedicated server); find queries scanning large tables (slow queries: rows examined) and index them.',
  reference: 'MySQLTuner: InnoDB read buffer efficiency < 90 %',
  evaluate({ data, target, settings }) {
    const s = settings();
    const minRequests = numberParam(s, 'minRequests', 10_000);
    const eff = data.readRequests > 0 ? (100 * (data.readRequests - data.diskReads)) / data.readRequests : 100;
    const details = { readRequests: data.readRequests, diskReads: data.diskReads, poolBytes: data.poolBytes, pagesTotal: data.pagesTotal, pagesFree: data.pagesFree, waitFree: data.waitFree };
    const th = thresholds(s, 'below', { minRequests });
    if (data.readRequests < minRequests) return [{ target: target.name, severity: 'ok', threshold: th, message: `only ${formatCount(data.readRequests)} buffer pool read requests since start (fewer than minRequests ${formatCount(minRequests)}): too little traffic to judge (${eff.toFixed(2)}% so far)`, details }];
    const severity = s.critical !== undefined && eff < s.critical ? 'critical' : s.warning !== undefined && eff < s.warning ? 'warning' : 'ok';
    return [
      {
        target: target.name,
        severity,
        value: round(eff, 3),
        threshold: th,
        message: `buffer pool efficiency ${eff.toFixed(2)}%: ${formatCount(data.diskReads)} of ${formatCount(data.readRequests)} reads went to disk (pool ${formatBytes(data.poolBytes)}, ${formatCount(data.pagesFree)} of ${formatCount(data.pagesTotal)} pages free)`,
        details,
      },
    ];
  },
});
