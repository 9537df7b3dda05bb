import { defineCheck } from '../../check.js';
import { rebootSection } from '../../collectors/host/host-sections.js';
import { severityParam } from './settings.js';

/** Whether the host needs a reboot to finish updates. */
export const hostRebootRequired = defineCheck({
  id: 'host.reboot.required',
  category: 'host',
  title: 'Reboot required',
  description: 'Debian/Ubuntu\'s /var/run/reboot-required flag (with the packages that asked for it), RHEL\'s `needs-restarting -r` (exit 1), or a running kernel that is no longer among the installed ones in /boot: updates (often security fixes for the kernel or libc) are installed but not in effect until a reboot.',
  source: { collector: 'host', section: 'reboot', schema: rebootSection },
  defaults: { severity: 'warning', flagFiles: ['/var/run/reboot-required', '/run/reboot-required'] },
  remediation: 'Plan a reboot in a maintenance window (drain Kubernetes nodes first: `kubectl drain NODE --ignore-daemonsets`), then check the flag is gone. `cat /var/run/reboot-required.pkgs` lists why.',
  reference: 'Debian update-notifier reboot-required flag; RHEL needs-restarting -r',
  evaluate({ data, target, settings }) {
    const sev = severityParam(settings(), 'severity', 'warning');
    const reasons: string[] = [];
    if (data.flagFile) reasons.push(`${data.flagFile} exists${data.packages.length ? ` (packages: ${data.packages.slice(0, 10).join(', ')}${data.packages.length > 10 ? ' ...' : ''})` : ''}`);
    if (data.needsRestarting && data.needsRestarting.exitCode === 1) reasons.push(`needs-restarting -r: ${data.needsRestarting.output.split('\n')[0]}`);
    if (data.installedKernels.length > 0 && !data.installedKernels.includes(data.runningKernel)) reasons.push(`running kernel ${data.runningKernel} is not installed any more (installed: ${data.installedKernels.slice(-3).join(', ')})`);
    if (reasons.length === 0) return [{ target: target.name, severity: 'ok', value: false, message: `no reboot required (kernel ${data.runningKernel})` }];
    return [{ target: target.name, severity: sev, value: true, message: `reboot required: ${reasons.join('; ')}`, details: { packages: data.packages, runningKernel: data.runningKernel, installedKernels: data.installedKernels } }];
  },
});
