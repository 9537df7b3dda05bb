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

/**
 * Hosts and groups of Ansible inventories, as `ansible-inventory --list` resolves them (so every
 * inventory format and plugin Ansible supports works), optionally narrowed by a `--limit` pattern.
 */
export async function listInventoryHosts(inventories: readonly string[], opts: { limit?: string; signal: AbortSignal; program?: string; env?: Record<string, string> }): Promise<InventoryHost[]> {
  const args = [opts.program ?? 'ansible-inventory', ...inventories.flatMap((i) => ['-i', i]), '--list', ...(opts.limit ? ['--limit', opts.limit] : [])];
  const res = await runProcess({ command: args, signal: opts.signal, captureLimit: 256 * 1024 * 1024, env: { ANSIBLE_INVENTORY_UNPARSED_WARNING: 'true', ANSIBLE_LOCALHOST_WARNING: 'false', ...opts.env } });
  if (res.spawnError) throw new NonRetryableError(`${res.spawnError} (install Ansible: apt-get install -y ansible)`, { code: 'missing-dependency' });
  if (res.exitCode !== 0) throw new NonRetryableError(`ansible-inventory failed for ${inventories.join(', ')}: ${res.stderr.trim().split('\n').slice(-3).join(' ')}`, { code: 'invalid-inventory' });
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
  const names = new Set([...memberships.keys(), ...Object.keys(hostvars)]);
  return [...names].sort().map((name) => ({ name, groups: [...(memberships.get(name) ?? [])].sort(), vars: hostvars[name] ?? {} }));
}
