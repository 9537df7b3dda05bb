import { defineCheck, type FindingDraft } from '../../check.js';
import { systemdSection } from '../../collectors/host/host-sections.js';
import { globMatches, numberParam, severityParam, stringListParam } from './settings.js';

/** Units in the failed state (systemctl --failed). */
export const hostSystemdFailedUnits = defineCheck({
  id: 'host.systemd.failed_units',
  category: 'host',
  title: 'Failed systemd units',
  description: 'Every unit systemd lists as failed (`systemctl --failed`), one finding each; an ok finding for the host when there are none. `ignore` lists unit globs not judged. On hosts where systemd is not PID 1 the check reports an error: it cannot be judged there.',
  source: { collector: 'host', section: 'systemd', schema: systemdSection },
  defaults: { severity: 'warning', ignore: [] },
  remediation: 'Read why it failed: `systemctl status UNIT`, `journalctl -u UNIT -b -n 100`. Fix the cause and `systemctl restart UNIT`; if the unit is not needed, `systemctl disable UNIT` and `systemctl reset-failed UNIT`.',
  remediationWorkflow: 'restart-service',
  reference: 'KubeEye systemd rules; node-mixin NodeSystemdServiceFailed (warning)',
  evaluate({ data, target, settings }) {
    const s = settings();
    const ignore = stringListParam(s, 'ignore');
    const failed = data.failed.filter((u) => !globMatches(ignore, u.unit));
    if (failed.length === 0) return [{ target: target.name, severity: 'ok', value: 0, message: `no failed units (system state: ${data.state})` }];
    return failed.map((u): FindingDraft => {
      const t = `${target.name}:${u.unit}`;
      return {
        target: t,
        severity: severityParam(settings(t), 'severity', 'warning'),
        value: u.active,
        message: `${u.unit} failed (${u.load}/${u.active}/${u.sub}${u.description ? `: ${u.description}` : ''}); system state ${data.state}`,
        evidence: { command: `systemctl status ${u.unit}; journalctl -u ${u.unit} -b -n 50`, raw: `${u.unit} ${u.load} ${u.active} ${u.sub} ${u.description}` },
      };
    });
  },
});

/** Services enabled at boot (or listed as expected) that are not running. */
export const hostSystemdBootServices = defineCheck({
  id: 'host.systemd.boot_services',
  category: 'host',
  title: 'Services expected to run',
  description: 'Each service enabled to start at boot, plus the services in `expected` (e.g. [kubelet, containerd] on Kubernetes nodes, as KubeEye checks them), must be active. Not judged as down: oneshot services that ran successfully, services whose start condition was not met, and services started on demand by a socket, timer or path. An expected service that does not exist is critical; a service restarted `restarts` times or more (default 3) is flagged as crash-looping.',
  source: { collector: 'host', section: 'systemd', schema: systemdSection },
  defaults: { expected: [], ignore: [], severity: 'warning', restarts: 3 },
  remediation: 'Start it and read why it is not running: `systemctl start UNIT`, `systemctl status UNIT`, `journalctl -u UNIT -b`. If it should not run at boot, `systemctl disable UNIT`. For crash loops, fix the cause in the journal before raising Restart= limits.',
  remediationWorkflow: 'restart-service',
  reference: 'KubeEye systemd rules (kubelet, container runtime, etcd active); node-mixin crash-looping units',
  evaluate({ data, target, settings }) {
    const s = settings();
    const ignore = stringListParam(s, 'ignore');
    const out: FindingDraft[] = [];
    for (const u of data.services) {
      if (globMatches(ignore, u.unit) && !u.expected) continue;
      const t = `${target.name}:${u.unit}`;
      const st = settings(t);
      const sev = severityParam(st, 'severity', 'warning');
      const restartLimit = numberParam(st, 'restarts', 3);
      const why = `${u.active}/${u.sub}${u.result && u.result !== 'success' ? `, result ${u.result}` : ''}${u.exitStatus && u.result !== 'success' ? `, exit status ${u.exitStatus}` : ''}${u.signal && u.result !== 'success' ? `, killed by ${u.signal}` : ''}`;
      const base = { target: t, value: u.active ?? null, details: { type: u.type, active: u.active, sub: u.sub, result: u.result, unitFileState: u.unitFileState, restarts: u.restarts, expected: u.expected } };
      const by = u.expected ? 'expected' : 'enabled at boot';
      if (u.load === 'not-found') {
        out.push({ ...base, severity: u.expected ? 'critical' : 'ok', message: u.expected ? `${u.unit} is expected but no such unit exists (not installed?)` : `${u.unit} is enabled but its unit file is gone` });
      } else if (u.active === 'active' || u.active === 'reloading' || u.active === 'activating') {
        if (u.restarts >= restartLimit) out.push({ ...base, severity: sev, message: `${u.unit} is ${why} but systemd restarted it ${u.restarts} times since it was started (crash loop?)` });
        else out.push({ ...base, severity: 'ok', message: `${u.unit} is ${why} (${by})` });
      } else if (u.type === 'oneshot' && u.result === 'success' && u.active === 'inactive') {
        out.push({ ...base, severity: 'ok', message: `${u.unit} (oneshot) ran and finished successfully (${by})` });
      } else if (!u.conditionResult && u.active === 'inactive') {
        out.push({ ...base, severity: 'ok', message: `${u.unit} was skipped: its start condition is not met on this host (${by})` });
      } else if (u.triggeredBy.length > 0 && u.active === 'inactive' && u.result === 'success') {
        out.push({ ...base, severity: 'ok', message: `${u.unit} starts on demand (triggered by ${u.triggeredBy.join(', ')}), inactive now (${by})` });
      } else {
        out.push({
          ...base,
          severity: u.active === 'failed' && u.expected ? 'critical' : sev,
          message: `${u.unit} is ${by} but not running (${why})`,
          evidence: { command: `systemctl status ${u.unit}`, raw: `${u.unit}: ActiveState=${u.active} SubState=${u.sub} Result=${u.result} UnitFileState=${u.unitFileState} NRestarts=${u.restarts}` },
        });
      }
    }
    if (out.length === 0) out.push({ target: target.name, severity: 'ok', message: 'no services are enabled at boot or expected' });
    return out;
  },
});
