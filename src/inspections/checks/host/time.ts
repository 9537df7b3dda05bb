import { defineCheck, levelSeverity, thresholdOf } from '../../check.js';
import { timeSection, type TimeSection } from '../../collectors/host/host-sections.js';
import { severityParam } from './settings.js';

interface Offset {
  seconds: number;
  source: string;
}

/** The clock offset to trust: configured servers (measured now by SNTP), else the local NTP daemon's. */
function offsetOf(d: TimeSection): Offset | { error: string } {
  if (d.servers.length > 0) {
    const ok = d.servers.filter((x) => x.offsetSeconds !== undefined);
    if (ok.length === 0) return { error: `no configured NTP server answered: ${d.servers.map((x) => `${x.server}: ${x.error ?? 'no answer'}`).join('; ')}` };
    // The median is robust to one bad server; with two, the one with the lower delay.
    const sorted = [...ok].sort((a, b) => a.offsetSeconds! - b.offsetSeconds!);
    const pick = ok.length === 2 ? [...ok].sort((a, b) => (a.delaySeconds ?? 0) - (b.delaySeconds ?? 0))[0]! : sorted[Math.floor(sorted.length / 2)]!;
    return { seconds: pick.offsetSeconds!, source: `SNTP to ${pick.server} (stratum ${pick.stratum}, delay ${((pick.delaySeconds ?? 0) * 1000).toFixed(1)} ms${ok.length > 1 ? `; ${ok.length} servers answered` : ''})` };
  }
  if (d.chrony && d.chrony.systemTimeSeconds !== undefined) return { seconds: d.chrony.systemTimeSeconds, source: `chronyd (source ${d.chrony.source}, stratum ${d.chrony.stratum})` };
  if (d.ntpd && d.ntpd.offsetSeconds !== undefined) return { seconds: d.ntpd.offsetSeconds, source: `ntpd (sys.peer ${d.ntpd.source})` };
  if (d.timedatectl && d.timedatectl.offsetSeconds !== undefined) return { seconds: d.timedatectl.offsetSeconds, source: 'systemd-timesyncd' };
  const why = d.chrony?.error ? `chronyc failed: ${d.chrony.error}` : d.ntpd?.error ? `ntpq failed: ${d.ntpd.error}` : `no NTP daemon reports an offset (running: ${d.daemons.join(', ') || 'none'})`;
  return { error: `nothing to measure the clock against: ${why}; set \`servers\` on host.time.offset to measure with SNTP` };
}

/** Clock offset from NTP time (node-mixin's "clock offset > 0.05 s"). */
export const hostTimeOffset = defineCheck({
  id: 'host.time.offset',
  category: 'host',
  title: 'Clock offset',
  description: 'Difference between the host clock and NTP time, in seconds. With `servers` (host names or addresses; `port`, default 123) the collection module measures it itself with SNTP from the host (median over the servers, best of 3 exchanges each); otherwise it reads chronyd\'s, ntpd\'s or systemd-timesyncd\'s current offset. With neither the check reports an error: the offset cannot be known.',
  source: { collector: 'host', section: 'time', schema: timeSection },
  defaults: { warning: 0.05, critical: 1, servers: [], port: 123 },
  unit: 's',
  remediation: 'Run an NTP client (chrony: `apt-get install chrony`, `systemctl enable --now chrony`) pointed at reachable servers, check UDP 123 is open to them, and `chronyc tracking` / `chronyc sources -v`. For a large offset step the clock once (`chronyc makestep`) before applications depend on it.',
  reference: 'kubernetes node-mixin NodeClockSkewDetected: offset > 0.05 s (warning); critical 1 s is Patrol\'s',
  evaluate({ data, target, settings }) {
    const s = settings();
    const o = offsetOf(data);
    if ('error' in o) return [{ target: target.name, severity: 'error', message: o.error }];
    const abs = Math.abs(o.seconds);
    return [
      {
        target: target.name,
        severity: levelSeverity(abs, s),
        value: Math.round(o.seconds * 1e6) / 1e6,
        threshold: thresholdOf(s),
        message: `clock is ${abs < 0.001 ? `${(abs * 1e6).toFixed(0)} µs` : abs < 1 ? `${(abs * 1000).toFixed(1)} ms` : `${abs.toFixed(3)} s`} ${o.seconds >= 0 ? 'behind' : 'ahead of'} NTP time (${o.source})`,
        details: { offsetSeconds: o.seconds, source: o.source, servers: data.servers },
      },
    ];
  },
});

/** Whether the clock is kept in sync by an NTP daemon (node-mixin's "not synchronising"). */
export const hostTimeSync = defineCheck({
  id: 'host.time.sync',
  category: 'host',
  title: 'Clock synchronisation',
  description: 'Whether an NTP client keeps the clock synchronised: chronyd\'s leap status, ntpd\'s system peer, systemd-timesyncd (timedatectl NTPSynchronized), or else the kernel\'s NTP state (adjtimex: unsynchronised when no daemon disciplines the clock).',
  source: { collector: 'host', section: 'time', schema: timeSection },
  defaults: { severity: 'warning' },
  remediation: 'Install and enable an NTP client (chrony or systemd-timesyncd), make sure it can reach its servers (UDP 123), and check `chronyc tracking` (Leap status: Normal) or `timedatectl` (System clock synchronized: yes).',
  reference: 'kubernetes node-mixin NodeClockNotSynchronising (warning)',
  evaluate({ data, target, settings }) {
    const sev = severityParam(settings(), 'severity', 'warning');
    const running = data.daemons.length ? `running: ${data.daemons.join(', ')}` : 'no NTP daemon running (chronyd, ntpd, systemd-timesyncd)';
    let synced: boolean;
    let how: string;
    if (data.chrony && !data.chrony.error) {
      synced = data.chrony.leap !== undefined && data.chrony.leap !== 'Not synchronised' && (data.chrony.stratum ?? 16) < 16;
      how = `chronyd: leap status ${data.chrony.leap}, stratum ${data.chrony.stratum}, source ${data.chrony.source || 'none'}`;
    } else if (data.ntpd && !data.ntpd.error) {
      synced = !!data.ntpd.source;
      how = data.ntpd.source ? `ntpd: system peer ${data.ntpd.source}` : 'ntpd has no system peer';
    } else if (data.timedatectl && !data.timedatectl.error && data.timedatectl.synchronised !== undefined) {
      synced = data.timedatectl.synchronised;
      how = `timedatectl: NTP ${data.timedatectl.ntp ? 'on' : 'off'}, synchronised ${synced ? 'yes' : 'no'}`;
    } else if (data.kernel) {
      synced = data.kernel.synchronised;
      how = `kernel NTP state ${data.kernel.state === 5 ? 'TIME_ERROR' : data.kernel.state}${data.kernel.status & 0x40 ? ', STA_UNSYNC' : ''}, max error ${(data.kernel.maxErrorUs / 1e6).toFixed(1)} s`;
    } else {
      return [{ target: target.name, severity: 'error', message: `cannot tell whether the clock is synchronised (no NTP daemon answered and adjtimex failed; ${running})` }];
    }
    return [
      {
        target: target.name,
        severity: synced ? 'ok' : sev,
        value: synced,
        message: synced ? `clock synchronised (${how})` : `clock not synchronised: ${how}; ${running}`,
        details: { daemons: data.daemons, kernel: data.kernel, chrony: data.chrony },
      },
    ];
  },
});
