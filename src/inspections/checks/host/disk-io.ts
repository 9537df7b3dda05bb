import { defineCheck, levelSeverity, thresholdOf, type FindingDraft } from '../../check.js';
import { ioSection, type IoSection } from '../../collectors/host/host-sections.js';
import { formatBytes } from '../format.js';
import { round1, round2 } from './settings.js';

type Device = IoSection['devices'][number];

const activity = (d: Device) => `${round1(d.readsPerSec)} r/s ${formatBytes(d.readBytesPerSec)}/s, ${round1(d.writesPerSec)} w/s ${formatBytes(d.writeBytesPerSec)}/s`;

/** %util per block device over the sampling window (iostat -x). */
export const hostDiskIoUtilization = defineCheck({
  id: 'host.disk.io_utilization',
  category: 'host',
  title: 'Disk IO utilization',
  description: 'Share of the sampling window (sampleSeconds, default 1 s) in which each whole block device had IO in flight (iostat %util). Partitions, loop, ram and zram devices are skipped unless `devices` lists globs to include (`exclude` changes the skip list). Near 100 % a single-queue disk is saturated; SSDs and arrays serving requests in parallel can be at 100 % with headroom left, so read it with host.disk.io_saturation and host.disk.io_await.',
  source: { collector: 'host', section: 'io', schema: ioSection },
  defaults: { warning: 90, critical: 99, sampleSeconds: 1, devices: [], exclude: ['ram*', 'loop*', 'zram*', 'sr*', 'fd*', 'nbd*'] },
  unit: '%',
  remediation: 'Find the processes doing IO (iotop -o, pidstat -d 5), move IO-heavy jobs off peak hours, or give the workload faster or more disks.',
  reference: 'iostat %util convention (saturated near 100 %); thresholds are Patrol\'s',
  evaluate({ data, target, settings }) {
    return data.devices.map((d): FindingDraft => {
      const t = `${target.name}:${d.device}`;
      const s = settings(t);
      return {
        target: t,
        severity: levelSeverity(d.utilPercent, s),
        value: round2(d.utilPercent),
        threshold: thresholdOf(s),
        message: `${d.device} busy ${round1(d.utilPercent)}% of ${data.sampleSeconds.toFixed(1)} s (${activity(d)}, queue ${d.avgQueue.toFixed(2)})`,
        details: { ...d },
      };
    });
  },
});

/** Average requests in flight (node-mixin's disk IO saturation, weighted IO time per second). */
export const hostDiskIoSaturation = defineCheck({
  id: 'host.disk.io_saturation',
  category: 'host',
  title: 'Disk IO saturation (queue length)',
  description: 'Average number of requests in flight per device over the sampling window: the rate of weighted IO time (node_disk_io_time_weighted_seconds_total), iostat aqu-sz.',
  source: { collector: 'host', section: 'io', schema: ioSection },
  defaults: { warning: 10, critical: 50 },
  remediation: 'Requests queue faster than the device serves them: find the IO sources (iotop -o), spread IO over more devices, or use faster storage; check host.disk.io_await for the latency it causes.',
  reference: 'kubernetes node-mixin: disk IO saturation > 10 (warning); critical 50 is Patrol\'s',
  evaluate({ data, target, settings }) {
    return data.devices.map((d): FindingDraft => {
      const t = `${target.name}:${d.device}`;
      const s = settings(t);
      return {
        target: t,
        severity: levelSeverity(d.avgQueue, s),
        value: round2(d.avgQueue),
        threshold: thresholdOf(s),
        message: `${d.device}: ${d.avgQueue.toFixed(2)} requests in flight on average (${activity(d)})`,
      };
    });
  },
});

/** Average completion time per request (iostat await). */
export const hostDiskIoAwait = defineCheck({
  id: 'host.disk.io_await',
  category: 'host',
  title: 'Disk IO latency (await)',
  description: 'Average time per completed read or write, queueing included, over the sampling window (iostat await). Devices with no completed IO in the window report ok with no value.',
  source: { collector: 'host', section: 'io', schema: ioSection },
  defaults: { warning: 100, critical: 500 },
  unit: 'ms',
  remediation: 'Slow IO: check the device\'s health (smartctl -a, dmesg for resets and timeouts), the queue (host.disk.io_saturation) and whether a noisy neighbour shares the storage; consider faster storage for latency-sensitive data.',
  reference: 'Patrol\'s: 100 ms (warning) / 500 ms (critical) per request is slow for any disk class',
  evaluate({ data, target, settings }) {
    return data.devices.map((d): FindingDraft => {
      const t = `${target.name}:${d.device}`;
      const s = settings(t);
      if (d.awaitMs === null) return { target: t, severity: 'ok', threshold: thresholdOf(s), message: `${d.device}: no IO completed in the ${data.sampleSeconds.toFixed(1)} s window` };
      return {
        target: t,
        severity: levelSeverity(d.awaitMs, s),
        value: round2(d.awaitMs),
        threshold: thresholdOf(s),
        message: `${d.device}: ${d.awaitMs.toFixed(1)} ms per request (read ${d.readAwaitMs?.toFixed(1) ?? '-'} ms, write ${d.writeAwaitMs?.toFixed(1) ?? '-'} ms; ${d.ios} requests in ${data.sampleSeconds.toFixed(1)} s)`,
      };
    });
  },
});
