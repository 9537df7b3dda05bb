import { defineCheck, levelSeverity, thresholdOf } from '../../check.js';
import { cpuSection } from '../../collectors/host/host-sections.js';
import { numberParam, round1, round2 } from './settings.js';

/** CPU busy share over the sampling window (node-mixin's "CPU > 90 %"). */
export const hostCpuUsage = defineCheck({
  id: 'host.cpu.usage',
  category: 'host',
  title: 'CPU usage',
  description: 'Share of CPU time not idle (iowait counts as idle) over a short sampling window taken by the collection module (sampleSeconds, default 1 s), across all online CPUs.',
  source: { collector: 'host', section: 'cpu', schema: cpuSection },
  defaults: { warning: 90, critical: 95, sampleSeconds: 1 },
  unit: '%',
  remediation: 'Find what uses the CPU (top -o %CPU, pidstat 5), then fix the runaway process, spread the load or add CPUs. A high steal share means the hypervisor is overcommitted.',
  reference: 'kubernetes node-mixin: CPU > 90 % (warning); critical 95 % is Patrol\'s',
  evaluate({ data, target, settings }) {
    const s = settings();
    return [
      {
        target: target.name,
        severity: levelSeverity(data.usagePercent, s),
        value: round2(data.usagePercent),
        threshold: thresholdOf(s),
        message: `CPU ${round1(data.usagePercent)}% busy over ${data.sampleSeconds.toFixed(1)} s on ${data.cpus} CPU${data.cpus === 1 ? '' : 's'} (user ${round1(data.userPercent)}%, system ${round1(data.systemPercent)}%, iowait ${round1(data.iowaitPercent)}%, steal ${round1(data.stealPercent)}%)`,
        details: { cpus: data.cpus, userPercent: data.userPercent, systemPercent: data.systemPercent, iowaitPercent: data.iowaitPercent, stealPercent: data.stealPercent },
      },
    ];
  },
});

/** Load average per online CPU (node-mixin's "load per core > 2"). */
export const hostCpuLoadPerCore = defineCheck({
  id: 'host.cpu.load_per_core',
  category: 'host',
  title: 'Load average per CPU',
  description: 'The load average (runnable plus uninterruptible tasks; `average` 1, 5 or 15 minutes, default 5) divided by the online CPUs. Tasks stuck in D state (e.g. on a hung NFS mount) raise it without using CPU.',
  source: { collector: 'host', section: 'cpu', schema: cpuSection },
  defaults: { warning: 2, critical: 4, average: 5 },
  remediation: 'Check what is runnable or blocked: `vmstat 1` (r and b columns), `ps -eo stat,pid,comm | grep "^[RD]"`. CPU-bound load needs fewer processes or more CPUs; D-state load points to storage or a hung mount.',
  reference: 'kubernetes node-mixin: load per core > 2 (warning); critical 4 is Patrol\'s',
  evaluate({ data, target, settings }) {
    const s = settings();
    const avg = numberParam(s, 'average', 5);
    if (avg !== 1 && avg !== 5 && avg !== 15) throw new Error(`parameter "average" must be 1, 5 or 15 (minutes), got ${avg}`);
    const load = avg === 1 ? data.load1 : avg === 5 ? data.load5 : data.load15;
    const perCore = load / data.cpus;
    return [
      {
        target: target.name,
        severity: levelSeverity(perCore, s),
        value: round2(perCore),
        threshold: { ...thresholdOf(s), average: `${avg}m` },
        message: `load ${load.toFixed(2)} (${avg}-minute average) on ${data.cpus} CPU${data.cpus === 1 ? '' : 's'}: ${perCore.toFixed(2)} per CPU (1/5/15 min: ${data.load1}/${data.load5}/${data.load15})`,
        details: { load1: data.load1, load5: data.load5, load15: data.load15, cpus: data.cpus, runnable: data.runnable },
      },
    ];
  },
});
