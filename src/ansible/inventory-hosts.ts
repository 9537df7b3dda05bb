import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { runProcess } from '../process/run-process.js';
import { NonRetryableError } from '../errors/index.js';

export interface InventoryHost {
  name: string;
  /** Every group the host belongs to, transitively (not "all"). */
  groups: string[];
  vars: Record<string, unknown>;
}

const listSchema = z.object({ _meta: z.object({ hostvars: z.record(z.string(), z.record(z.string(), z.unknown())).default({}) }).default({ hostvars: {} }) }).catchall(z.unknown());
const groupSchema = z.object({ hosts: z.array(z.string()).optional(), children: z.array(z.string()).optional() });

interface ListOptions {
  limit?: string;
  signal: AbortSignal;
  program?: string;
  env?: Record<string, string>;
}

/**
 * Hosts and groups of Ansible inventories, as `ansible-inventory --list` resolves them (so every
 * inventory format and plugin Ansible supports works), optionally narrowed by a `--limit` pattern.
 * Takes the result of a matching prefetchInventoryHosts when there is one.
 */
export async function listInventoryHosts(inventories: readonly string[], opts: ListOptions): Promise<InventoryHost[]> {
  return takePrefetched(inventories, opts) ?? resolveInventoryHosts(inventories, opts);
}

interface Prefetched {
  key: string;
  stamp: string;
  hosts: Promise<InventoryHost[]>;
  controller: AbortController;
}

/** At most one resolution started ahead of need, in this process. */
let prefetched: Prefetched | undefined;

/**
 * Starts resolving inventories ahead of need, so that the step asking for the same inventories and
 * limit later (in this process) finds the answer ready or under way: the CLI starts it before it
 * loads the engine, which takes about as long as `ansible-inventory` does. The same call with the
 * same arguments as the step's, only earlier; taken once. Only for regular files, whose size and
 * modification time are compared when the result is taken (a changed file is read again). Returns
 * a function that stops the resolution if nothing took it.
 */
export function prefetchInventoryHosts(inventories: readonly string[], opts: { limit?: string } = {}): () => void {
  const stamp = inventoryStamp(inventories);
  if (stamp === undefined) return () => undefined;
  const controller = new AbortController();
  const hosts = resolveInventoryHosts(inventories, { ...opts, signal: controller.signal });
  // Whoever takes it sees the rejection; untaken, it must not surface as an unhandled one.
  hosts.catch(() => undefined);
  const entry: Prefetched = { key: prefetchKey(inventories, opts.limit), stamp, hosts, controller };
  prefetched = entry;
  return () => {
    if (prefetched !== entry) return;
    prefetched = undefined;
    controller.abort();
  };
}

function takePrefetched(inventories: readonly string[], opts: ListOptions): Promise<InventoryHost[]> | undefined {
  const p = prefetched;
  if (!p || opts.program !== undefined || opts.env !== undefined || p.key !== prefetchKey(inventories, opts.limit)) return undefined;
  prefetched = undefined;
  if (inventoryStamp(inventories) !== p.stamp) {
    p.controller.abort();
    return undefined;
  }
  // The taker's cancellation stops the resolution as it would its own.
  if (opts.signal.aborted) p.controller.abort();
  else opts.signal.addEventListener('abort', () => p.controller.abort(), { once: true });
  return p.hosts;
}

function prefetchKey(inventories: readonly string[], limit: string | undefined): string {
  return JSON.stringify([process.cwd(), inventories, limit ?? '']);
}

/** Size, mtime and inode of every inventory, or undefined when one is not a regular file. */
function inventoryStamp(inventories: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const inv of inventories) {
    try {
      const st = statSync(resolve(inv));
      if (!st.isFile()) return undefined;
      parts.push(`${st.ino}:${st.size}:${st.mtimeMs}`);
    } catch {
      return undefined;
    }
  }
  return parts.length > 0 ? parts.join('|') : undefined;
}

async function resolveInventoryHosts(inventories: readonly string[], opts: ListOptions): Promise<InventoryHost[]> {
  // ansible-inventory has no --limit before ansible-core 2.15: the pattern is applied below.
  const args = [opts.program ?? 'ansible-inventory', ...inventories.flatMap((i) => ['-i', i]), '--list'];
  // An inventory Ansible cannot parse (a typo in the path) must fail, not inspect zero hosts.
  const res = await runProcess({ command: args, signal: opts.signal, captureLimit: 256 * 1024 * 1024, env: { ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true', ANSIBLE_LOCALHOST_WARNING: 'false', ...opts.env } });
  if (res.spawnError) throw new NonRetryableError(`${res.spawnError} (install Ansible: apt-get install -y ansible)`, { code: 'missing-dependency' });
  if (res.exitCode !== 0) throw new NonRetryableError(`cannot read inventory ${inventories.join(', ')}: ${res.stderr.trim().split('\n').slice(-3).join(' ')}`, { code: 'invalid-inventory' });
  let parsed: z.infer<typeof listSchema>;
  try {
    parsed = listSchema.parse(JSON.parse(res.stdout));
  } catch (err) {
    throw new NonRetryableError(`ansible-inventory printed unexpected output: ${(err as Error).message}`, { code: 'invalid-inventory' });
  }
  const groups = new Map<string, z.infer<typeof groupSchema>>();
  for (const [k, v] of Object.entries(parsed)) {
    if (k === '_meta') continue;
    const g = groupSchema.safeParse(v);
    if (g.success) groups.set(k, g.data);
  }
  // Walk from "all" down, carrying the chain of groups to each host.
  const memberships = new Map<string, Set<string>>();
  const visit = (group: string, chain: string[], seen: Set<string>) => {
    if (seen.has(group)) return;
    seen.add(group);
    const g = groups.get(group);
    if (!g) return;
    const here = group === 'all' || group === 'ungrouped' ? chain : [...chain, group];
    for (const h of g.hosts ?? []) {
      const set = memberships.get(h) ?? new Set<string>();
      for (const c of here) set.add(c);
      memberships.set(h, set);
    }
    for (const c of g.children ?? []) visit(c, here, new Set(seen));
  };
  visit('all', [], new Set());
  const hostvars = parsed._meta.hostvars;
  let names = new Set([...memberships.keys(), ...Object.keys(hostvars)]);
  if (opts.limit) {
    const limited = await hostsMatching(inventories, opts.limit, opts.signal, opts.env);
    names = new Set([...names].filter((n) => limited.has(n)));
  }
  return [...names].sort().map((name) => ({ name, groups: [...(memberships.get(name) ?? [])].sort(), vars: hostvars[name] ?? {} }));
}

/** Hosts matching an Ansible host pattern (groups, globs, !exclusions, &intersections), as Ansible resolves it. */
async function hostsMatching(inventories: readonly string[], pattern: string, signal: AbortSignal, env?: Record<string, string>): Promise<Set<string>> {
  const res = await runProcess({
    command: ['ansible', pattern, ...inventories.flatMap((i) => ['-i', i]), '--list-hosts'],
    signal,
    captureLimit: 64 * 1024 * 1024,
    env: { ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_HOST_PATTERN_MISMATCH: 'ignore', ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true', ...env },
  });
  if (res.spawnError) throw new NonRetryableError(`${res.spawnError} (install Ansible: apt-get install -y ansible)`, { code: 'missing-dependency' });
  if (res.exitCode !== 0) throw new NonRetryableError(`the limit "${pattern}" could not be resolved: ${res.stderr.trim().split('\n').slice(-2).join(' ')}`, { code: 'invalid-inventory' });
  // Output: "  hosts (N):" then one indented host per line.
  return new Set(res.stdout.split('\n').slice(1).map((l) => l.trim()).filter(Boolean));
}
