import { InputError } from '../errors/index.js';

/** A host as written in a step's `hosts`, before defaults. */
export interface SshTargetSpec {
  host: string;
  port?: number;
  user?: string;
}

/** One host to connect to, defaults applied. `label` keys its results and prefixes its log lines. */
export interface SshTarget {
  host: string;
  port: number;
  /** The target's own user, if it named one (`user@host` or `{ user }`). */
  user: string | undefined;
  label: string;
}

const HOST_RE = /^[A-Za-z0-9_.%:-]+$/;
const USER_RE = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/;

/**
 * Parses `host`, `user@host`, `host:port`, `user@host:port`, `[v6addr]:port` (brackets are
 * needed to give an IPv6 address a port; a bare address with several colons is all host).
 * Returns a reason string when the text is not a host.
 */
export function parseTargetString(text: string): SshTargetSpec | string {
  let rest = text.trim();
  const spec: SshTargetSpec = { host: '' };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    spec.user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  let portText: string | undefined;
  if (bracketed) {
    spec.host = bracketed[1]!;
    portText = bracketed[2];
  } else if (rest.indexOf(':') >= 0 && rest.indexOf(':') === rest.lastIndexOf(':')) {
    spec.host = rest.slice(0, rest.indexOf(':'));
    portText = rest.slice(rest.indexOf(':') + 1);
  } else {
    spec.host = rest;
  }
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return `"${text}" has port "${portText}"; a port is 1-65535`;
    spec.port = Number(portText);
  }
  const problem = checkSpec(spec);
  return problem ? `"${text}": ${problem}` : spec;
}

function checkSpec(spec: SshTargetSpec): string | undefined {
  if (spec.host === '') return 'has no host name';
  if (spec.host.startsWith('-') || !HOST_RE.test(spec.host)) return `host "${spec.host}" is not a host name or address`;
  if (spec.user !== undefined && !USER_RE.test(spec.user)) return `user "${spec.user}" is not a user name`;
  return undefined;
}

/** Why an object-form host is invalid, or undefined. */
export function checkTargetObject(spec: SshTargetSpec): string | undefined {
  return checkSpec(spec);
}

/**
 * Applies the step's default port and builds labels: `host`, with `:port` when the port is not
 * 22 (IPv6 in brackets). Two entries with the same label would overwrite each other's results,
 * so that is an input error naming both positions.
 */
export function resolveTargets(hosts: readonly (string | SshTargetSpec)[], defaultPort: number): SshTarget[] {
  const seen = new Map<string, number>();
  return hosts.map((h, i) => {
    const spec = typeof h === 'string' ? parseTargetString(h) : h;
    if (typeof spec === 'string') throw new InputError(`with.hosts[${i}]: ${spec}`, { field: `hosts[${i}]` });
    const port = spec.port ?? defaultPort;
    const hostPart = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
    const label = port === 22 ? spec.host : `${hostPart}:${port}`;
    const prev = seen.get(label);
    if (prev !== undefined) throw new InputError(`with.hosts[${i}]: ${label} is already listed as hosts[${prev}]; list each host once`, { field: `hosts[${i}]` });
    seen.set(label, i);
    return { host: spec.host, port, user: spec.user, label };
  });
}
