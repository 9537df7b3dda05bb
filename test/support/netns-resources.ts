import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { z } from 'zod';

/**
 * Names, ownership records and teardown of the network namespaces and bridges behind
 * startSshHosts. Every resource name carries a token `<owner pid base36>-<3 random chars>`; a
 * state file under /run records the owner's pid and start time, so a later run can tell a
 * crashed owner's leftovers from another live test file's hosts (pids get reused; start times
 * disambiguate).
 */

export const STATE_DIR = '/run/patrol-ssh-hosts';

export interface HostResources {
  token: string;
  ownerPid: number;
  /** Start time of the owner (field 22 of /proc/PID/stat), to detect pid reuse. */
  ownerStart: string;
  bridge: string;
  namespaces: string[];
  dir: string;
}

const stateSchema = z.object({
  token: z.string().regex(/^[0-9a-z]+-[0-9a-z]{3}$/),
  ownerPid: z.number().int().positive(),
  ownerStart: z.string(),
  bridge: z.string().regex(/^ptb[0-9a-z-]+$/),
  namespaces: z.array(z.string().regex(/^patrol-[0-9a-z-]+-h\d+$/)),
  dir: z.string().startsWith('/tmp/'),
});

function newToken(): string {
  return `${process.pid.toString(36)}-${randomInt(36 ** 3).toString(36).padStart(3, '0')}`;
}

/**
 * A token whose bridge, namespaces and state file do not exist yet, so nothing this run later
 * tears down on failure can belong to someone else.
 */
export async function freshToken(ip: string): Promise<string> {
  for (let tries = 0; tries < 20; tries++) {
    const token = newToken();
    if (existsSync(stateFile(token)) || existsSync(`/run/netns/${names.netns(token, 1)}`)) continue;
    const link = await execa(ip, ['link', 'show', 'dev', names.bridge(token)], { reject: false });
    if (link.exitCode !== 0) return token;
  }
  throw new Error('startSshHosts: could not find an unused bridge name after 20 attempts');
}

/** Interface names are limited to 15 bytes: `ptv` + pid(<=5) + `-` + 3 + `-` + 2 digits. */
export const names = {
  bridge: (token: string) => `ptb${token}`,
  veth: (token: string, i: number) => `ptv${token}-${i}`,
  netns: (token: string, i: number) => `patrol-${token}-h${i}`,
};

export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command start at field 3 (state); starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function writeState(r: HostResources): void {
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
  writeFileSync(join(STATE_DIR, `${r.token}.json`), JSON.stringify(r));
}

function stateFile(token: string): string {
  return join(STATE_DIR, `${token}.json`);
}

/** Removes one owner's hosts: processes, namespaces, then the bridge; tolerates parts already gone. */
export async function teardown(r: HostResources, ip: string): Promise<void> {
  const pidLists = await Promise.all(r.namespaces.map((ns) => execa(ip, ['netns', 'pids', ns], { reject: false })));
  const pids = pidLists.flatMap((res) => String(res.stdout).split('\n').filter((p) => /^\d+$/.test(p)).map(Number));
  for (const pid of pids) killQuietly(pid);
  // SIGKILL lands asynchronously; wait so callers may rely on the processes being gone.
  const deadline = Date.now() + 2000;
  while (pids.some(alive) && Date.now() < deadline) await delay(5);
  await Promise.all(r.namespaces.map((ns) => execa(ip, ['netns', 'del', ns], { reject: false })));
  // Deleting a namespace destroys its veth end and so the bridge-side peer; the bridge goes last.
  await execa(ip, ['link', 'del', r.bridge], { reject: false });
  await rm(r.dir, { recursive: true, force: true });
  rmSync(stateFile(r.token), { force: true });
}

/** The same as teardown, synchronously: for process 'exit', where async work never runs. */
export function teardownSync(r: HostResources, ip: string): void {
  for (const ns of r.namespaces) {
    let pids = '';
    try {
      pids = execFileSync(ip, ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // Namespace already gone.
    }
    for (const pid of pids.split('\n').filter((p) => /^\d+$/.test(p))) killQuietly(Number(pid));
  }
  for (const args of [...r.namespaces.map((ns) => ['netns', 'del', ns]), ['link', 'del', r.bridge]]) {
    try {
      execFileSync(ip, args, { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
  rmSync(r.dir, { recursive: true, force: true });
  rmSync(stateFile(r.token), { force: true });
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Exited meanwhile.
  }
}

function ownerAlive(r: HostResources): boolean {
  const start = processStartTime(r.ownerPid);
  return start !== undefined && start === r.ownerStart;
}

/**
 * Removes namespaces, bridges and directories left by earlier runs whose owning process is gone
 * (a crashed or killed test worker). Live owners' hosts, and resources without a state file
 * (which may belong to another mount namespace), are left alone. Returns the tokens removed.
 */
export async function cleanupStaleSshHosts(ip: string): Promise<string[]> {
  let files: string[];
  try {
    files = readdirSync(STATE_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const f of files) {
    let parsed: z.ZodSafeParseResult<HostResources>;
    try {
      parsed = stateSchema.safeParse(JSON.parse(readFileSync(join(STATE_DIR, f), 'utf8')));
    } catch {
      continue;
    }
    if (!parsed.success || ownerAlive(parsed.data)) continue;
    await teardown(parsed.data, ip);
    removed.push(parsed.data.token);
  }
  return removed;
}

interface Cidr {
  base: number;
  bits: number;
}

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  if (bits === 0) return true;
  const shift = 32 - bits;
  return Math.floor(a.base / 2 ** shift) === Math.floor(b.base / 2 ** shift);
}

/** IPv4 networks the machine already uses: interface addresses and routes (default route excluded). */
export async function usedNetworks(ip: string): Promise<Cidr[]> {
  const [addrs, routes] = await Promise.all([execa(ip, ['-4', '-o', 'addr', 'show']), execa(ip, ['-4', 'route', 'show', 'table', 'all'])]);
  const out: Cidr[] = [];
  for (const m of String(addrs.stdout).matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/g)) {
    const base = parseIpv4(m[1]!);
    if (base !== undefined) out.push({ base, bits: Number(m[2]) });
  }
  for (const line of String(routes.stdout).split('\n')) {
    const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?\s/.exec(line.replace(/^(unicast|local|broadcast|anycast|multicast|blackhole|unreachable|prohibit|throw) /, ''));
    if (!m) continue;
    const base = parseIpv4(m[1]!);
    if (base !== undefined) out.push({ base, bits: m[2] === undefined ? 32 : Number(m[2]) });
  }
  return out;
}

/** A free 10.A.B.0/24 (A in 200..249) not overlapping any used network; returns "10.A.B". */
export async function pickFreeSubnet(ip: string): Promise<string> {
  const used = await usedNetworks(ip);
  for (let tries = 0; tries < 200; tries++) {
    const prefix = `10.${200 + randomInt(50)}.${randomInt(256)}`;
    const cand = { base: parseIpv4(`${prefix}.0`)!, bits: 24 };
    if (!used.some((u) => overlaps(u, cand))) return prefix;
  }
  throw new Error('startSshHosts: no free 10.200-249.x.0/24 subnet found (every candidate overlaps an address or route on this machine)');
}

/** Other interfaces holding an address in `prefix`.0/24 (a concurrent run chose the same subnet). */
export async function subnetTakenByOthers(ip: string, prefix: string, ownBridge: string): Promise<boolean> {
  const res = await execa(ip, ['-4', '-o', 'addr', 'show']);
  return String(res.stdout)
    .split('\n')
    .some((line) => line.includes(` inet ${prefix}.`) && !line.split(/\s+/).includes(ownBridge));
}
