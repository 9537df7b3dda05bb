import { defineCheck, thresholdOf, type CheckSettings, type FindingDraft } from '../../check.js';
import { etcdBackupSection, type EtcdBackupSection } from '../../collectors/node/node-sections.js';
import { parseDuration } from '../../../util/duration.js';
import { formatBytes, formatSeconds } from '../format.js';
import { round1 } from '../host/settings.js';
import { nodeSettingsOf } from './node-settings-of.js';

const REMEDIATION = 'Take a snapshot now (`ETCDCTL_API=3 etcdctl --endpoints https://127.0.0.1:2379 --cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key snapshot save DIR/snapshot-$(date +%F-%H%M).db`, or the etcd-snapshot runbook), then fix the job that should take them (cron or systemd timer) and copy snapshots off the node.';

/** When the backup directory is missing or empty: a problem only where etcd runs (or snapshots were expected). */
function missing(data: EtcdBackupSection, host: string): FindingDraft | undefined {
  if (!data.dirExists) {
    return data.etcd
      ? { target: host, severity: 'critical', message: `no etcd backups: ${data.dir} does not exist, and this node runs etcd (${data.etcd})` }
      : { target: host, severity: 'ok', message: `no etcd on this node (no static pod manifest, data directory or process) and no ${data.dir}: no backups expected here` };
  }
  if (data.files === 0) return { target: host, severity: 'critical', message: `no etcd snapshots in ${data.dir}${data.etcd ? ` (this node runs etcd: ${data.etcd})` : ''}` };
  return undefined;
}

/** Hours: the check's own warning/critical when set, else spec.nodes.etcdBackupMaxAge and twice it. */
function ageThresholds(s: CheckSettings, maxAge: string | number): { warning: number; critical: number } {
  const hours = parseDuration(maxAge, 'spec.nodes.etcdBackupMaxAge') / 3_600_000;
  return { warning: s.warning ?? hours, critical: s.critical ?? 2 * hours };
}

/** Age of the newest etcd snapshot (warning past etcdBackupMaxAge, critical past twice it). */
export const nodeEtcdBackupAge = defineCheck({
  id: 'node.etcd.backup_age',
  category: 'cluster',
  title: 'etcd backup age',
  description:
    'Age of the newest snapshot file in spec.nodes.etcdBackupDir (file names matching spec.nodes.etcdBackupPatterns). Older than spec.nodes.etcdBackupMaxAge (default 26h: a daily job with slack) is a warning, older than twice it critical; `warning`/`critical` (hours) on the check override that. A missing directory is critical on nodes that run etcd (static pod manifest, /var/lib/etcd/member or an etcd process) and fine elsewhere; an empty directory is critical.',
  source: { collector: 'node', section: 'etcd_backup', schema: etcdBackupSection },
  defaults: {},
  unit: 'h',
  remediation: REMEDIATION,
  remediationWorkflow: 'etcd-snapshot',
  reference: 'No inspection tool checks etcd backups (Patrol anchors); etcd docs: snapshot regularly and keep them off the node',
  evaluate({ data, target, settings, now }) {
    const gap = missing(data, target.name);
    if (gap) return [gap];
    const newest = data.newest!;
    const t = ageThresholds(settings(), nodeSettingsOf(target).etcdBackupMaxAge);
    const hours = (now - newest.mtime) / 3_600_000;
    const severity = hours >= t.critical ? 'critical' : hours >= t.warning ? 'warning' : 'ok';
    return [
      {
        target: target.name,
        severity,
        value: round1(hours),
        threshold: thresholdOf(t),
        message: `newest etcd snapshot ${newest.path} is ${formatSeconds(hours * 3600)} old (${formatBytes(newest.size)}; ${data.files} snapshot files, ${formatBytes(data.totalBytes)} in ${data.dir})`,
        details: { newest: { path: newest.path, modified: new Date(newest.mtime).toISOString(), bytes: newest.size }, files: data.files, totalBytes: data.totalBytes, etcd: data.etcd },
      },
    ];
  },
});

/** The newest snapshot must be readable (etcdutl/etcdctl snapshot status, or the bbolt header and trailing hash). */
export const nodeEtcdBackupValid = defineCheck({
  id: 'node.etcd.backup_valid',
  category: 'cluster',
  title: 'etcd backup readable',
  description:
    'Whether the newest snapshot is a readable etcd snapshot: `etcdutl snapshot status` (etcd 3.5+), else `etcdctl snapshot status` (ETCDCTL_API=3; Debian\'s etcd-client 3.4 has it), else Patrol reads the bbolt meta page (magic 0xED0CDAED, version 2, page size) and verifies the sha256 etcd appends to a saved snapshot. The method used is in the message and the evidence (spec.nodes.etcdSnapshotVerify forces one). When the newest is unreadable, the two next newest are tried to tell how old the newest good one is.',
  source: { collector: 'node', section: 'etcd_backup', schema: etcdBackupSection },
  defaults: {},
  remediation: `Move the broken file aside and take a new snapshot; find out why it broke (disk full while writing, a copy cut short). ${REMEDIATION}`,
  remediationWorkflow: 'etcd-snapshot',
  reference: 'etcd docs: `etcdutl snapshot status` / `etcdctl snapshot status` verify a snapshot',
  evaluate({ data, target, now }) {
    const gap = missing(data, target.name);
    if (gap) return [gap.severity === 'ok' ? gap : { target: target.name, severity: 'info', message: `no snapshot to verify (see node.etcd.backup_age): ${gap.message}` }];
    const newest = data.newest!;
    const v = newest.verify;
    const how = v.method === 'header' ? 'bbolt header and etcd\'s trailing sha256 (no etcdutl/etcdctl on the node)' : `${v.method} snapshot status`;
    const evidence = { command: v.command, raw: v.ok ? JSON.stringify({ method: v.method, revision: v.revision, totalKey: v.totalKey, totalSize: v.totalSize, hash: v.hash, pageSize: v.pageSize }) : (v.error ?? '') };
    if (v.ok) {
      const what = v.method === 'header' ? `page size ${v.pageSize}, ${v.hash}` : `revision ${v.revision}, ${v.totalKey} keys, ${formatBytes(v.totalSize ?? newest.size)}`;
      return [{ target: target.name, severity: 'ok', value: v.method, message: `${newest.path} is a readable etcd snapshot (${what}; checked with ${how})`, details: { method: v.method, path: newest.path }, evidence }];
    }
    const good = data.checked.find((c) => c.verify.ok);
    const older = good ? `; the newest readable one is ${good.path}, ${formatSeconds((now - good.mtime) / 1000)} old` : data.checked.length > 1 ? `; the ${data.checked.length - 1} next newest are unreadable too` : '';
    return [{ target: target.name, severity: 'critical', value: v.method, message: `the newest etcd snapshot ${newest.path} is not readable (${how}): ${v.error ?? 'unknown error'}${older}`, details: { method: v.method, path: newest.path, checked: data.checked.map((c) => ({ path: c.path, ok: c.verify.ok, error: c.verify.error })) }, evidence }];
  },
});
