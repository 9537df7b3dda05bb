import { defineCheck, levelSeverity, type FindingDraft } from '../../check.js';
import { mysqlReplicationSection, pgReplicationSection, type PgReplicationSection } from '../../collectors/db/db-sections.js';
import { formatBytes, formatSeconds } from '../format.js';
import { numberParam, round, thresholds } from './db-check-helpers.js';
import type { CheckSettings } from '../../check.js';

const worse = (a: FindingDraft['severity'], b: FindingDraft['severity']): FindingDraft['severity'] => {
  const rank = { ok: 0, info: 1, warning: 2, critical: 3, error: 4 } as const;
  return rank[a] >= rank[b] ? a : b;
};

/**
 * Lag of a PostgreSQL standby as seen on the standby: zero when everything received has been
 * replayed (an idle primary sends nothing, so the last replayed transaction may be old without
 * any lag); otherwise the age of the last replayed transaction; null when replay is behind but no
 * transaction was replayed yet to date it.
 */
export function standbyLagSeconds(sb: NonNullable<PgReplicationSection['standby']>): number | null {
  const caughtUp = sb.pendingBytes <= 0 && (sb.receiveLsn === null || sb.replayLsn === null || sb.receiveLsn === sb.replayLsn);
  if (caughtUp) return 0;
  return sb.lastReplayAgeSeconds === null ? null : Math.max(0, sb.lastReplayAgeSeconds);
}

function pgStandby(target: string, sb: NonNullable<PgReplicationSection['standby']>, s: CheckSettings): FindingDraft {
  const lag = standbyLagSeconds(sb);
  let severity = lag === null ? 'warning' : levelSeverity(lag, s);
  const notes: string[] = [];
  if (sb.receiverStatus === null) {
    severity = 'critical';
    notes.push('no WAL receiver: the standby is not streaming from its primary');
  } else if (sb.receiverStatus !== 'streaming') {
    severity = worse(severity, 'warning');
    notes.push(`WAL receiver is ${sb.receiverStatus}`);
  }
  if (sb.replayPaused) {
    severity = worse(severity, 'warning');
    notes.push('WAL replay is paused (SELECT pg_wal_replay_resume())');
  }
  const state =
    lag === 0
      ? 'caught up (everything received is replayed)'
      : lag === null
        ? `replay is ${formatBytes(sb.pendingBytes)} behind what was received; lag time unknown (no transaction replayed since the standby started)`
        : `replay lags ${formatSeconds(lag)} behind (${formatBytes(sb.pendingBytes)} received, not yet replayed)`;
  return {
    target,
    severity,
    ...(lag !== null ? { value: round(lag, 1) } : {}),
    threshold: thresholds(s),
    message: `standby${sb.senderHost ? ` of ${sb.senderHost}` : ''}: ${state}${notes.length ? `; ${notes.join('; ')}` : ''}`,
    details: { role: 'standby', ...sb },
  };
}

function pgPrimary(targetName: string, data: PgReplicationSection, settings: (sub?: string) => CheckSettings): FindingDraft[] {
  const s = settings();
  const minReplicas = numberParam(s, 'minReplicas', 0);
  const out: FindingDraft[] = [];
  const names = data.replicas.map((r) => r.name || r.client || 'unnamed');
  const slots = data.slots.filter((sl) => !sl.active).map((sl) => `${sl.name} (inactive, retains ${formatBytes(sl.retainedBytes ?? 0)} of WAL)`);
  if (data.replicas.length < minReplicas || data.replicas.length === 0) {
    out.push({
      target: targetName,
      severity: data.replicas.length < minReplicas ? 'critical' : 'ok',
      value: data.replicas.length,
      threshold: { minReplicas },
      message: data.replicas.length < minReplicas ? `${data.replicas.length} standby connected, at least ${minReplicas} expected (minReplicas)${slots.length ? `; slots: ${slots.join(', ')}` : ''}` : `not a standby, and no standbys connected: nothing replicates from this server${slots.length ? ` (slots: ${slots.join(', ')})` : ''}`,
      details: { role: 'primary', replicas: data.replicas, slots: data.slots },
    });
  }
  data.replicas.forEach((r, i) => {
    const name = names.filter((n) => n === names[i]).length > 1 ? `${names[i]}@${r.client ?? i}` : names[i]!;
    const t = `${targetName}/replica:${name}`;
    const rs = settings(t);
    const lag = r.replayLagSeconds ?? 0;
    let severity = levelSeverity(lag, rs);
    let note = r.replayLagSeconds === null ? ' (no recent WAL to measure: idle)' : '';
    if (r.state !== 'streaming') {
      severity = worse(severity, 'warning');
      note += `; state ${r.state ?? 'unknown'}, not streaming`;
    }
    out.push({
      target: t,
      severity,
      value: round(lag, 1),
      threshold: thresholds(rs),
      message: `standby ${name}${r.client ? ` (${r.client})` : ''}: replay lag ${formatSeconds(lag)}, ${formatBytes(r.replayLagBytes ?? 0)} of WAL behind${note}`,
      details: { role: 'primary', ...r },
    });
  });
  return out;
}

/** Streaming replication lag, on primaries (per standby) and on standbys (MySQLTuner: >= 60 s). */
export const pgReplicationLag = defineCheck({
  id: 'db.postgres.replication_lag',
  category: 'db',
  title: 'PostgreSQL replication lag',
  description: 'On a primary: replay lag of each connected standby (pg_stat_replication), target <database>/replica:<application_name>; with minReplicas, fewer connected standbys is critical. On a standby: how far replay is behind what was received (0 when caught up), critical when no WAL receiver runs. A server that is neither replicated nor a standby is ok.',
  source: { collector: 'postgres', section: 'pg_replication', schema: pgReplicationSection },
  defaults: { warning: 60, critical: 300, minReplicas: 0 },
  unit: 's',
  remediation: 'On the standby, check that it is connected and replaying (pg_stat_wal_receiver, pg_is_wal_replay_paused(), its log); look for long queries on it conflicting with replay, disk or network saturation, and on the primary for heavy write bursts. Restart or re-clone a standby that fell too far behind.',
  reference: 'check_postgres replicate_row / hot_standby_delay; MySQLTuner: replication lag >= 60 s; Patrol: 60 s warning, 5 min critical',
  evaluate({ data, target, settings }) {
    if (data.role === 'standby') return data.standby ? [pgStandby(target.name, data.standby, settings())] : [];
    return pgPrimary(target.name, data, settings);
  },
});

/** MySQL/MariaDB replica lag and replication threads (MySQLTuner: lag >= 60 s). */
export const mysqlReplicationLag = defineCheck({
  id: 'db.mysql.replication_lag',
  category: 'db',
  title: 'MySQL replication lag',
  description: 'On a replica: Seconds_Behind_Master of each replication connection minus its configured MASTER_DELAY; a stopped IO or SQL thread is critical. A server that is not a replica is ok. Target <database> (default connection) or <database>/channel:<name>.',
  source: { collector: 'mysql', section: 'mysql_replication', schema: mysqlReplicationSection },
  defaults: { warning: 60, critical: 300 },
  unit: 's',
  remediation: 'A stopped thread: read Last_IO_Error / Last_SQL_Error in the details, fix the cause (network, credentials, a conflicting row) and START SLAVE. Lag: look for long transactions or locks on the replica (FLUSH TABLES WITH READ LOCK, backups), single-threaded apply of a write burst (slave_parallel_threads), slow disks.',
  reference: 'MySQLTuner: replication lag >= 60 s; Patrol: 60 s warning, 5 min critical',
  evaluate({ data, target, settings }) {
    if (!data.isReplica) return [{ target: target.name, severity: 'ok', message: 'not a replica (no replication connection configured)' }];
    return data.channels.map((c) => {
      const t = c.name ? `${target.name}/channel:${c.name}` : target.name;
      const s = settings(t);
      const source = `${c.sourceHost}${c.sourcePort ? `:${c.sourcePort}` : ''}`;
      const details = { ...c };
      const stopped = [c.ioRunning !== 'Yes' ? `IO thread ${c.ioRunning || 'not running'}${c.lastIoError ? ` (${c.lastIoError})` : ''}` : '', c.sqlRunning !== 'Yes' ? `SQL thread ${c.sqlRunning || 'not running'}${c.lastSqlError ? ` (${c.lastSqlError})` : ''}` : ''].filter(Boolean);
      if (stopped.length > 0) return { target: t, severity: 'critical' as const, threshold: thresholds(s), message: `replication from ${source} is broken: ${stopped.join('; ')}`, details };
      if (c.secondsBehind === null) return { target: t, severity: 'warning' as const, threshold: thresholds(s), message: `replication from ${source}: lag unknown (Seconds_Behind_Master is NULL although both threads run)`, details };
      const lag = Math.max(0, c.secondsBehind - c.sqlDelay);
      return {
        target: t,
        severity: levelSeverity(lag, s),
        value: lag,
        threshold: thresholds(s),
        message: `replica of ${source}: ${formatSeconds(lag)} behind${c.sqlDelay ? ` (beyond its configured delay of ${formatSeconds(c.sqlDelay)})` : ''}${c.state ? `; ${c.state}` : ''}`,
        details,
      };
    });
  },
});
