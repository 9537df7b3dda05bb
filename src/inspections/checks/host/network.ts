import { defineCheck, levelSeverity, thresholdOf, type FindingDraft } from '../../check.js';
import { networkSection, type IfaceCounters, type NetworkSection } from '../../collectors/host/host-sections.js';
import { boolParam, globMatches, numberParam, severityParam, stringListParam, round2 } from './settings.js';

type Iface = NetworkSection['interfaces'][number];

const DOWN_STATES = new Set(['down', 'lowerlayerdown', 'notpresent']);

/** Interfaces configured up (or required) without a working link, and degraded bonds. */
export const hostNetInterfaceDown = defineCheck({
  id: 'host.net.interface_down',
  category: 'host',
  title: 'Network interface down',
  description: 'Interfaces that are administratively up but have no link (operstate down / lowerlayerdown: cable, switch port, peer or driver problem), bonds with a slave whose MII status is not up, and interfaces listed in `required` that are missing or down. Administratively down interfaces and bridges without active ports are reported ok. `ignore` lists interface globs not judged (default lo).',
  source: { collector: 'host', section: 'network', schema: networkSection },
  defaults: { ignore: ['lo'], required: [], severity: 'warning' },
  remediation: 'Check the link: `ip -s link show IFACE`, `ethtool IFACE` (link detected?), the cable / switch port / peer end, and `dmesg | grep IFACE` for driver resets. Bring it up with `ip link set IFACE up` once the cause is fixed, or set it administratively down if it is unused.',
  reference: 'node-mixin NodeNetworkInterfaceFlapping / bond degraded; Patrol judges the link state at inspection time',
  evaluate({ data, target, settings }) {
    const s = settings();
    const ignore = stringListParam(s, 'ignore', ['lo']);
    const required = stringListParam(s, 'required');
    const sev = severityParam(s, 'severity', 'warning');
    const out: FindingDraft[] = [];
    for (const i of data.interfaces) {
      if (globMatches(ignore, i.name) && !required.includes(i.name)) continue;
      const t = `${target.name}:${i.name}`;
      const st = settings(t);
      const isRequired = required.includes(i.name);
      const state = `operstate ${i.operstate}, ${i.adminUp ? 'admin up' : 'admin down'}, carrier ${i.carrier === null ? 'n/a' : i.carrier ? 'yes' : 'no'}`;
      const details = { operstate: i.operstate, adminUp: i.adminUp, carrier: i.carrier, kind: i.kind, virtual: i.virtual };
      if (!i.adminUp) {
        out.push({ target: t, severity: isRequired ? 'critical' : 'ok', value: i.operstate, message: `${i.name} is administratively down${isRequired ? ' but required' : ' (not in use)'} (${state})`, details });
      } else if (DOWN_STATES.has(i.operstate.toLowerCase())) {
        if (i.kind === 'bridge' && !isRequired) out.push({ target: t, severity: 'ok', value: i.operstate, message: `bridge ${i.name} has no active ports (${state})`, details });
        else out.push({ target: t, severity: isRequired ? 'critical' : severityParam(st, 'severity', sev), value: i.operstate, message: `${i.name} is configured up but its link is down (${state})`, details });
      } else {
        out.push({ target: t, severity: 'ok', value: i.operstate, message: `${i.name} is up (${state}${i.speedMbps && i.speedMbps > 0 ? `, ${i.speedMbps} Mb/s` : ''})`, details });
      }
    }
    for (const b of data.bonds) {
      const down = b.slaves.filter((x) => (x.mii ?? '').toLowerCase() !== 'up');
      const t = `${target.name}:${b.name}:slaves`;
      out.push({
        target: t,
        severity: b.slaves.length === 0 ? 'critical' : down.length === 0 ? 'ok' : down.length === b.slaves.length ? 'critical' : 'warning',
        value: `${b.slaves.length - down.length}/${b.slaves.length}`,
        message: b.slaves.length === 0 ? `bond ${b.name} has no slaves` : down.length === 0 ? `bond ${b.name}: all ${b.slaves.length} slaves up` : `bond ${b.name} degraded: ${down.map((x) => `${x.name} (MII ${x.mii ?? 'unknown'})`).join(', ')} down of ${b.slaves.length}`,
        details: { slaves: b.slaves },
      });
    }
    for (const r of required) {
      if (!data.interfaces.some((i) => i.name === r)) out.push({ target: `${target.name}:${r}`, severity: 'critical', message: `required interface ${r} does not exist on this host` });
    }
    return out;
  },
});

type Kind = 'errors' | 'drops';

/** Errors or drops as a share of packets: over the window when it saw enough traffic, else since boot. */
function rate(i: Iface, kind: Kind, minPackets: number): { percent: number; bad: number; packets: number; basis: 'window' | 'since boot'; c: IfaceCounters } {
  const pick = (c: IfaceCounters) => ({ bad: kind === 'errors' ? c.rxErrors + c.txErrors : c.rxDropped + c.txDropped, packets: c.rxPackets + c.txPackets });
  const w = pick(i.window);
  const useWindow = w.packets >= minPackets;
  const c = useWindow ? i.window : i.totals;
  const { bad, packets } = useWindow ? w : pick(i.totals);
  // As node-mixin: bad / packets (drivers differ on whether a dropped or errored frame is also a packet).
  return { percent: packets > 0 ? Math.min(100, (100 * bad) / packets) : bad > 0 ? 100 : 0, bad, packets, basis: useWindow ? 'window' : 'since boot', c };
}

function rateCheck(kind: Kind) {
  const word = kind === 'errors' ? 'errors' : 'drops';
  return defineCheck({
    id: `host.net.${kind}`,
    category: 'host',
    title: kind === 'errors' ? 'Network interface errors' : 'Network interface drops',
    description: `Receive plus transmit ${word} divided by received plus transmitted packets of each interface that is up (loopback and \`ignore\` globs skipped). Measured over the collection module's sampling window when it saw at least \`minPackets\` packets (default 100), otherwise over the counters since boot (the basis is in the message).`,
    source: { collector: 'host', section: 'network', schema: networkSection },
    defaults: { warning: 1, critical: 5, minPackets: 100, sampleSeconds: 1, ignore: [] },
    unit: '%',
    remediation:
      kind === 'errors'
        ? 'Interface errors mean damaged frames: check `ethtool -S IFACE` (crc, frame, fifo errors), the cable, transceiver and switch port, duplex/speed mismatch (`ethtool IFACE`), and the driver (dmesg).'
        : 'Drops mean the host discarded packets: ring buffers too small (`ethtool -g IFACE`, raise with -G), softirq backlog (`net.core.netdev_max_backlog`), a full qdisc, or frames for protocols nothing listens to (`ip -s -s link show IFACE`, `nstat`).',
    reference: 'kubernetes node-mixin: network receive/transmit errors > 1 % (warning); critical 5 % is Patrol\'s',
    evaluate({ data, target, settings }) {
      const s = settings();
      const ignore = stringListParam(s, 'ignore');
      const out: FindingDraft[] = [];
      for (const i of data.interfaces) {
        if (i.loopback || !i.adminUp || globMatches(ignore, i.name)) continue;
        const t = `${target.name}:${i.name}`;
        const st = settings(t);
        const r = rate(i, kind, numberParam(st, 'minPackets', 100));
        const rx = kind === 'errors' ? r.c.rxErrors : r.c.rxDropped;
        const tx = kind === 'errors' ? r.c.txErrors : r.c.txDropped;
        out.push({
          target: t,
          severity: levelSeverity(r.percent, st),
          value: round2(r.percent),
          threshold: thresholdOf(st),
          message: `${i.name}: ${r.percent < 0.01 && r.percent > 0 ? '<0.01' : r.percent.toFixed(2)}% ${word} (${r.bad} ${word} / ${r.packets} packets ${r.basis === 'window' ? `in the last ${data.sampleSeconds.toFixed(1)} s` : 'since boot'}: rx ${rx}, tx ${tx})`,
          details: { basis: r.basis, rx, tx, packets: r.packets, window: i.window, totals: i.totals },
        });
      }
      return out;
    },
  });
}

export const hostNetErrors = rateCheck('errors');
export const hostNetDrops = rateCheck('drops');

/** "tcp 0.0.0.0:22" keys of the listeners worth comparing. */
function listenerKeys(data: NetworkSection, ignoreLoopback: boolean, ignoreEphemeralUdp: boolean): Map<string, string | null> {
  const [lo, hi] = data.ephemeralPorts;
  const out = new Map<string, string | null>();
  for (const l of data.listening) {
    if (ignoreLoopback && (l.address.startsWith('127.') || l.address === '::1')) continue;
    if (ignoreEphemeralUdp && l.proto === 'udp' && l.port >= lo && l.port <= hi) continue;
    out.set(`${l.proto} ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`, l.process);
  }
  return out;
}

function portAllowed(allowed: readonly string[], key: string): boolean {
  const m = /^(\w+) (.*):(\d+)$/.exec(key);
  if (!m) return false;
  const [, proto, , portText] = m;
  const port = Number(portText);
  return allowed.some((a) => {
    const am = /^(?:(tcp|udp)\/)?(\d+)(?:-(\d+))?$/.exec(a.trim());
    if (!am) return false;
    if (am[1] && am[1] !== proto) return false;
    const from = Number(am[2]);
    const to = am[3] ? Number(am[3]) : from;
    return port >= from && port <= to;
  });
}

/** Listening sockets, and what changed since the last run. */
export const hostNetListeningPorts = defineCheck({
  id: 'host.net.listening_ports',
  category: 'host',
  title: 'Listening ports',
  description: 'TCP and UDP sockets listening on this host (its network namespace), with the owning process. Compared with the previous run: ports that appeared or disappeared are reported as `onChange` (default warning). With `allowed` (e.g. ["22", "tcp/443", "udp/123", "30000-32767"]) any other listener is a warning. Loopback-only listeners and UDP sockets in the ephemeral port range (clients) are skipped unless `ignoreLoopback` / `ignoreEphemeralUdp` are false.',
  source: { collector: 'host', section: 'network', schema: networkSection },
  defaults: { onChange: 'warning', allowed: [], ignoreLoopback: true, ignoreEphemeralUdp: true },
  remediation: 'A new listener is a new exposed service: confirm it is intended (`ss -lntup` names the process), stop or firewall it if not, and add intended ones to `allowed`. A listener that disappeared is a service that stopped: check it.',
  reference: 'Lynis NETW-3012 (listening ports) with Patrol\'s change tracking across runs',
  async evaluate({ data, target, settings, previous }) {
    const s = settings();
    const keys = listenerKeys(data, boolParam(s, 'ignoreLoopback', true), boolParam(s, 'ignoreEphemeralUdp', true));
    const allowed = stringListParam(s, 'allowed');
    const onChange = severityParam(s, 'onChange', 'warning');
    const ports = [...keys.keys()].sort();
    const label = (k: string) => `${k}${keys.get(k) ? ` (${keys.get(k)})` : ''}`;
    const prev = await previous('host.net.listening_ports', target.name);
    const prevPorts = Array.isArray(prev?.details?.ports) ? (prev.details.ports as unknown[]).map(String) : undefined;
    const added = prevPorts ? ports.filter((p) => !prevPorts.includes(p)) : [];
    const removed = prevPorts ? prevPorts.filter((p) => !ports.includes(p)) : [];
    const unexpected = allowed.length > 0 ? ports.filter((p) => !portAllowed(allowed, p)) : [];
    const parts: string[] = [];
    if (added.length) parts.push(`new since the last run: ${added.map(label).join(', ')}`);
    if (removed.length) parts.push(`gone since the last run: ${removed.join(', ')}`);
    if (unexpected.length) parts.push(`not in allowed: ${unexpected.map(label).join(', ')}`);
    const changed = added.length + removed.length > 0;
    const severity = unexpected.length > 0 ? (onChange === 'critical' ? 'critical' : 'warning') : changed ? onChange : 'ok';
    const summary = `${ports.length} listening port${ports.length === 1 ? '' : 's'}: ${ports.map(label).join(', ') || 'none'}`;
    return [
      {
        target: target.name,
        severity,
        value: ports.length,
        message: parts.length ? `${parts.join('; ')} (${summary})` : prevPorts ? `${summary}; unchanged since the last run` : `${summary} (first run: recorded as the baseline)`,
        details: { ports, processes: Object.fromEntries([...keys].filter(([, v]) => v)), added, removed, unexpected },
      },
    ];
  },
});

/** Connection tracking table fill (per network namespace). */
export const hostNetConntrack = defineCheck({
  id: 'host.net.conntrack',
  category: 'host',
  title: 'Connection tracking table usage',
  description: 'nf_conntrack_count / nf_conntrack_max. When the table is full the kernel drops new connections ("nf_conntrack: table full, dropping packet"). Hosts without connection tracking report ok.',
  source: { collector: 'host', section: 'network', schema: networkSection },
  defaults: { warning: 75, critical: 90 },
  unit: '%',
  remediation: 'Raise net.netfilter.nf_conntrack_max (and nf_conntrack_buckets) to fit the connection rate, shorten timeouts for short-lived flows (nf_conntrack_tcp_timeout_time_wait), or exempt high-volume traffic from tracking (NOTRACK / raw table).',
  reference: 'kubernetes node-mixin NodeHighNumberConntrackEntriesUsed: > 75 % (warning); critical 90 % is Patrol\'s',
  evaluate({ data, target, settings }) {
    const s = settings();
    if (!data.conntrack) return [{ target: target.name, severity: 'ok', message: 'connection tracking is not in use here (no nf_conntrack table)' }];
    const pct = (100 * data.conntrack.count) / data.conntrack.max;
    return [
      {
        target: target.name,
        severity: levelSeverity(pct, s),
        value: round2(pct),
        threshold: thresholdOf(s),
        message: `conntrack table ${pct.toFixed(1)}% full (${data.conntrack.count} of ${data.conntrack.max} entries)`,
        details: { ...data.conntrack },
      },
    ];
  },
});
