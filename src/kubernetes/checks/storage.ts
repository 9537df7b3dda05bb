import { levelSeverity } from '../../inspections/check.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../model/types.js';
import { defineClusterCheck, numParam, stringListParam, thresholds } from './cluster-check.js';

const PVC_LIMIT = 20_000;

export const pvcUnbound = defineClusterCheck({
  info: {
    id: 'k8s.storage.pvc_unbound',
    category: 'cluster',
    title: 'PersistentVolumeClaims not Bound',
    description:
      'PVCs in phase Lost (their volume is gone: critical) or Pending for more than `warning` / `critical` minutes. A Pending PVC of a WaitForFirstConsumer storage class that no pod uses yet (no volume.kubernetes.io/selected-node annotation) is waiting by design and only counted.',
    defaults: { warning: 15, critical: 60, ignoreNamespaces: [], maxFindings: 100 },
    unit: 'minutes',
    remediation: 'kubectl describe pvc: check the storage class exists and its provisioner (CSI controller pods) works, quotas, and for static provisioning a matching PV; Lost claims need the volume restored or the claim recreated.',
    reference: 'Popeye/KubeEye PV/PVC Pending or Lost',
  },
  kinds: ['persistentvolumeclaims'],
  optionalKinds: ['storageclasses'],
  start(env) {
    const ignore = new Set(stringListParam(env.settings(), 'ignoreNamespaces', []));
    const candidates: { ns: string; name: string; phase: string; minutes: number; sc?: string; selectedNode: boolean; size?: string }[] = [];
    let checked = 0;
    let overflow = 0;
    const modes = new Map<string, string>();
    return {
      visit: {
        persistentvolumeclaims: (c: PersistentVolumeClaim) => {
          const ns = c.metadata.namespace ?? '';
          if (ignore.has(ns)) return;
          checked++;
          const phase = c.status?.phase ?? 'Pending';
          if (phase === 'Bound') return;
          const since = Date.parse(c.metadata.creationTimestamp ?? '');
          const row = { ns, name: c.metadata.name, phase, minutes: Number.isFinite(since) ? (env.now - since) / 60_000 : 0, ...(c.spec?.storageClassName ? { sc: c.spec.storageClassName } : {}), selectedNode: !!c.metadata.annotations?.['volume.kubernetes.io/selected-node'], ...(c.spec?.resources?.requests?.storage ? { size: c.spec.resources.requests.storage } : {}) };
          if (candidates.length < PVC_LIMIT) candidates.push(row);
          else overflow++;
        },
        storageclasses: (s: StorageClass) => {
          modes.set(s.metadata.name, s.volumeBindingMode ?? 'Immediate');
        },
      },
      finish() {
        const problems = env.problems();
        problems.checked = checked;
        let waitingForConsumer = 0;
        for (const c of candidates) {
          const t = `${env.cluster.name}/${c.ns}/${c.name}`;
          const s = env.settings(t);
          if (!s.enabled) continue;
          if (c.phase === 'Pending' && c.sc && modes.get(c.sc) === 'WaitForFirstConsumer' && !c.selectedNode) {
            waitingForConsumer++;
            continue;
          }
          const severity = c.phase === 'Lost' ? 'critical' : levelSeverity(c.minutes, s);
          if (severity === 'ok') continue;
          problems.add({
            target: t,
            group: c.ns,
            severity,
            value: Math.round(c.minutes),
            rank: c.minutes,
            threshold: thresholds(s),
            message: c.phase === 'Lost' ? `PVC ${c.ns}/${c.name} is Lost: its PersistentVolume no longer exists` : `PVC ${c.ns}/${c.name} (${c.size ?? '?'}, class ${c.sc ?? 'default'}) is ${c.phase} for ${Math.round(c.minutes)} min`,
            details: { phase: c.phase, storageClass: c.sc ?? null, bindingMode: c.sc ? (modes.get(c.sc) ?? null) : null },
            evidence: { command: `${env.cluster.kubectl} -n ${c.ns} describe pvc ${c.name}` },
          });
        }
        if (overflow > 0) problems.count('warning', overflow);
        return problems.findings({ ok: `all ${checked} PVCs are Bound${waitingForConsumer ? ` or waiting for their first consumer (${waitingForConsumer})` : ''}`, noun: 'PVCs not Bound', unit: 'PVCs', details: { waitingForFirstConsumer: waitingForConsumer }, evidence: { command: `${env.cluster.kubectl} get pvc -A` } });
      },
    };
  },
});

export const pvStatus = defineClusterCheck({
  info: {
    id: 'k8s.storage.pv_status',
    category: 'cluster',
    title: 'PersistentVolumes Released, Failed or Lost',
    description: 'PersistentVolumes in phase Failed (reclamation failed: critical), Released (their claim was deleted and the Retain policy keeps the data: warning once older than `releasedMinutes`) or Lost.',
    defaults: { releasedSeverity: 'warning', releasedMinutes: 60, maxFindings: 100 },
    remediation: 'Released: back up or delete the data, then delete the PV (or clear spec.claimRef to reuse it). Failed: kubectl describe pv shows the provisioner error; clean the backing volume by hand.',
    reference: 'Popeye PV checks; KubeEye',
  },
  kinds: ['persistentvolumes'],
  start(env) {
    const problems = env.problems();
    const base = env.settings();
    const releasedMinutes = numParam(base, 'releasedMinutes', 60);
    return {
      visit: {
        persistentvolumes: (pv: PersistentVolume) => {
          problems.checked++;
          const phase = pv.status?.phase ?? '';
          if (phase !== 'Released' && phase !== 'Failed' && phase !== 'Lost') return;
          const t = `${env.cluster.name}/pv/${pv.metadata.name}`;
          const s = env.settings(t);
          if (!s.enabled) return;
          const since = Date.parse(pv.status?.lastPhaseTransitionTime ?? pv.metadata.creationTimestamp ?? '');
          const minutes = Number.isFinite(since) ? (env.now - since) / 60_000 : 0;
          if (phase === 'Released' && minutes < releasedMinutes) return;
          const claim = pv.spec?.claimRef ? `${pv.spec.claimRef.namespace}/${pv.spec.claimRef.name}` : 'none';
          const severity = phase === 'Released' ? ((s.releasedSeverity as 'info' | 'warning' | 'critical' | undefined) ?? 'warning') : 'critical';
          problems.add({
            target: t,
            severity,
            value: phase,
            rank: minutes,
            message: `PV ${pv.metadata.name} (${pv.spec?.capacity?.storage ?? '?'}, class ${pv.spec?.storageClassName ?? '-'}, claim ${claim}) is ${phase}${pv.status?.message ? `: ${pv.status.message}` : ''}${phase === 'Released' ? ` for ${Math.round(minutes / 60)} h (reclaim policy ${pv.spec?.persistentVolumeReclaimPolicy ?? '?'})` : ''}`,
            details: { phase, claim, reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy ?? null, capacity: pv.spec?.capacity?.storage ?? null },
            evidence: { command: `${env.cluster.kubectl} describe pv ${pv.metadata.name}` },
          });
        },
      },
      finish: () => problems.findings({ ok: `no PV Released, Failed or Lost among ${problems.checked}`, noun: 'PVs Released, Failed or Lost', unit: 'PVs', evidence: { command: `${env.cluster.kubectl} get pv` } }),
    };
  },
});
