import type { AnyCheck, CheckSettings } from '../../check.js';
import type { InspectionConfig } from '../../config/inspection-config.js';
import { CheckSettingsResolver } from '../../config/check-settings-resolver.js';
import type { TargetInfo } from '../../measurement.js';
import { hostChecks } from '../../checks/host/index.js';
import { kernelParamsProfile } from '../../checks/host/kernel-params.js';
import { numberParam, stringListParam } from '../../checks/host/settings.js';
import { HOST_SECTIONS, type HostSectionName } from './host-sections.js';

/** What the collection module is asked for one host: the sections to measure and their parameters. */
export interface HostModuleRequest {
  sections: HostSectionName[];
  params: Partial<Record<HostSectionName, Record<string, unknown>>>;
}

/**
 * Derives the module's parameters from the checks' settings for one host (after overrides), so a
 * YAML override such as `host.time.offset: { servers: [ntp1] }` for a group reaches the hosts of
 * that group. Sections no enabled check reads are not measured at all.
 */
export function hostModuleRequest(config: InspectionConfig, target: TargetInfo, checks: readonly AnyCheck[] = hostChecks): HostModuleRequest {
  const resolver = new CheckSettingsResolver(config);
  const byId = new Map(checks.map((c) => [c.id, c]));
  const settings = (id: string): CheckSettings | undefined => {
    const c = byId.get(id);
    return c ? resolver.resolve(c, target) : undefined;
  };
  const sections = HOST_SECTIONS.filter((name) => checks.some((c) => c.source.section === name && resolver.resolve(c, target).enabled));
  const params: HostModuleRequest['params'] = {};
  const window = (id: string) => {
    const s = settings(id);
    return s ? numberParam(s, 'sampleSeconds', 1) : 1;
  };
  const set = (section: HostSectionName, p: Record<string, unknown>) => {
    if (!sections.includes(section)) return;
    const defined = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
    if (Object.keys(defined).length > 0) params[section] = defined;
  };
  set('cpu', { sample_seconds: window('host.cpu.usage') });
  set('network', { sample_seconds: window('host.net.errors') });
  set('processes', { sample_seconds: window('host.proc.zombies') });
  const io = settings('host.disk.io_utilization');
  set('io', { sample_seconds: window('host.disk.io_utilization'), ...(io?.devices !== undefined ? { devices: stringListParam(io, 'devices') } : {}), ...(io?.exclude !== undefined ? { exclude: stringListParam(io, 'exclude') } : {}) });
  const disk = settings('host.disk.usage');
  if (disk) {
    set('disks', {
      ...(disk.mountTimeout !== undefined ? { mount_timeout: numberParam(disk, 'mountTimeout', 5) } : {}),
      ...(disk.excludeFstypes !== undefined ? { exclude_fstypes: stringListParam(disk, 'excludeFstypes') } : {}),
      ...(disk.excludeMounts !== undefined ? { exclude_mounts: stringListParam(disk, 'excludeMounts') } : {}),
    });
  }
  const kp = settings('host.kernel.params');
  if (kp) set('sysctl', { keys: [...kernelParamsProfile(kp).keys()] });
  const time = settings('host.time.offset');
  if (time) {
    const servers = stringListParam(time, 'servers');
    if (servers.length) set('time', { servers, port: numberParam(time, 'port', 123) });
  }
  const boot = settings('host.systemd.boot_services');
  if (boot) set('systemd', { expected: stringListParam(boot, 'expected') });
  const certs = settings('host.cert.expiry');
  if (certs) set('certs', { paths: stringListParam(certs, 'paths') });
  const kubelet = settings('host.kubelet.cpu_manager');
  if (kubelet && typeof kubelet.configFile === 'string') set('kubelet', { config_file: kubelet.configFile });
  // Kernel messages of the widest window any kernel-log check judges (plus a margin for the run).
  const windows = ['host.kernel.oom_kills', 'host.kernel.hung_tasks', 'host.kernel.fs_errors'].map(settings).filter((s): s is CheckSettings => !!s && s.enabled).map((s) => numberParam(s, 'windowHours', 24));
  if (windows.length) set('kernel_log', { since_hours: Math.round((Math.max(...windows) + 0.25) * 1000) / 1000 });
  const reboot = settings('host.reboot.required');
  if (reboot?.flagFiles !== undefined) set('reboot', { flag_files: stringListParam(reboot, 'flagFiles') });
  return { sections, params };
}
