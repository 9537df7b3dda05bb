import { defineCheck, type CheckSettings, type FindingDraft } from '../../check.js';
import { nodeServicesSection, RUNTIME_UNITS, type NodeUnit } from '../../collectors/node/node-sections.js';
import { numberParam } from '../host/settings.js';
import { nodeSettingsOf } from './node-settings-of.js';

const ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'generated', 'indirect']);
const unitName = (n: string) => (n.includes('.') ? n : `${n}.service`);

/** One unit that must be running and start at boot: critical when absent or not running, warning when not enabled or restarting. */
function judgeUnit(host: string, name: string, units: readonly NodeUnit[], s: CheckSettings): FindingDraft {
  const id = unitName(name);
  const u = units.find((x) => x.unit === id);
  const target = `${host}:${id}`;
  const evidence = { command: `systemctl status ${id}; systemctl is-enabled ${id}; journalctl -u ${id} -n 50`, raw: u ? `${u.unit} load=${u.load} active=${u.active}/${u.sub} result=${u.result} enabled=${u.unitFileState} restarts=${u.restarts}` : `${id}: not reported` };
  if (!u || u.load === 'not-found' || u.load === 'masked') {
    return { target, severity: 'critical', value: u?.load ?? 'not-found', message: `${id} is ${u?.load === 'masked' ? 'masked' : 'not installed (no such unit)'}`, evidence };
  }
  const maxRestarts = numberParam(s, 'restarts', 3);
  const failed = !!u.result && u.result !== 'success';
  // A stop sends SIGTERM (result success): the signal only says something when the unit failed.
  const state = `${u.active}/${u.sub}${failed ? `, result ${u.result}` : ''}${u.exitStatus ? `, exit status ${u.exitStatus}` : ''}${failed && u.signal ? `, killed by ${u.signal}` : ''}`;
  const enabled = ENABLED.has(u.unitFileState ?? '');
  const details = { active: u.active, sub: u.sub, result: u.result, enabled: u.unitFileState, restarts: u.restarts, ...(u.signal ? { signal: u.signal } : {}) };
  if (u.active !== 'active') {
    return { target, severity: 'critical', value: u.active ?? 'unknown', message: `${id} is not running (${state})${enabled ? '' : ` and not enabled at boot (${u.unitFileState ?? 'unknown'})`}`, details, evidence };
  }
  if (!enabled) return { target, severity: 'warning', value: u.unitFileState ?? 'unknown', message: `${id} is running but not enabled at boot (${u.unitFileState ?? 'unknown'}): it will not start after a reboot`, details, evidence };
  if (u.restarts >= maxRestarts) return { target, severity: 'warning', value: u.restarts, threshold: { warning: maxRestarts }, message: `${id} is running but systemd restarted it ${u.restarts} times (crash loop?)`, details, evidence };
  return { target, severity: 'ok', value: 'active', message: `${id} is running (${u.sub}) and enabled at boot (${u.unitFileState})`, details, evidence };
}

const common = {
  category: 'cluster' as const,
  source: { collector: 'node', section: 'services', schema: nodeServicesSection },
  defaults: { restarts: 3 },
  remediationWorkflow: 'restart-service',
  reference: 'KubeEye systemd rules: kubelet, container runtime and etcd active',
};

export const nodeKubeletService = defineCheck({
  ...common,
  id: 'node.kubelet.service',
  title: 'kubelet service',
  description: 'kubelet.service must be installed, running and enabled at boot. Not installed or not running is critical; running but disabled (the node will not come back after a reboot) or restarted by systemd `restarts` (default 3) times or more is a warning.',
  remediation: 'journalctl -u kubelet -n 200 shows why it stopped (certificates, swap on, the runtime socket, a bad config); fix that, then `systemctl enable --now kubelet`.',
  evaluate: ({ data, target, settings }) => [judgeUnit(target.name, 'kubelet', data.units, settings())],
});

export const nodeRuntimeService = defineCheck({
  ...common,
  id: 'node.runtime.service',
  title: 'Container runtime service',
  description: `The container runtime's unit (spec.nodes.containerRuntime.service, else the first installed of ${RUNTIME_UNITS.join(', ')}) must be running and enabled at boot, judged like the kubelet. No runtime installed is critical.`,
  remediation: 'journalctl -u containerd (or crio, docker) shows why it stopped; fix it, then `systemctl enable --now containerd` and check the kubelet recovers.',
  evaluate({ data, target, settings }) {
    const configured = nodeSettingsOf(target).containerRuntime.service;
    const name = configured ?? RUNTIME_UNITS.find((r) => data.units.some((u) => u.unit === unitName(r) && u.load === 'loaded'));
    if (!name) return [{ target: target.name, severity: 'critical', message: `no container runtime service is installed (looked for ${RUNTIME_UNITS.map(unitName).join(', ')})` }];
    return [judgeUnit(target.name, name, data.units, settings())];
  },
});

export const nodeServicesBoot = defineCheck({
  ...common,
  id: 'node.services.boot',
  title: 'Required node services',
  description: 'Every service in spec.nodes.services (for example chrony, a log shipper, a node exporter) must be running and enabled at boot on every node, judged like the kubelet.',
  remediation: '`systemctl enable --now SERVICE`; journalctl -u SERVICE tells why one that is enabled does not run.',
  evaluate({ data, target, settings }) {
    const required = nodeSettingsOf(target).services;
    if (required.length === 0) return [{ target: target.name, severity: 'ok', message: 'no further services required (spec.nodes.services is empty)' }];
    return required.map((n) => judgeUnit(target.name, n, data.units, settings(`${target.name}:${unitName(n)}`)));
  },
});
