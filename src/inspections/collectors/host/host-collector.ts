import type { InventoryHost } from '../../../ansible/inventory-hosts.js';
import { parseDuration } from '../../../util/duration.js';
import type { Collector } from '../collector.js';
import { measurementsFromPlaybook } from '../playbook-measurements.js';
import { HOST_SECTIONS } from './host-sections.js';
import { hostModuleRequest } from './host-params.js';

/**
 * Hosts per ansible-playbook process when the inventory is larger and neither `collection.slices`
 * nor a --limit is given: the chunks run at the same time, each with forks for all its hosts, so
 * Ansible's single-threaded controller (result processing) is spread over the cores.
 */
export const HOSTS_PER_PLAYBOOK_RUN = 40;

/**
 * Host measurements: one task per host runs playbooks/library/patrol_host.py, which measures every
 * section (cpu, memory, disks, ...) under its own timeout, in parallel, and returns them in one
 * result. The module's parameters come from the checks' settings for each host (after overrides);
 * hosts with identical settings share one set of extra vars.
 */
export const hostCollector: Collector = {
  kind: 'host',
  produces: ['host'],
  async collect(req) {
    const hosts = await req.inventoryHosts();
    if (hosts.length === 0) return [];
    const timeout = Math.ceil(parseDuration(req.config.spec.collection.sectionTimeout) / 1000);
    const run = async (part: readonly InventoryHost[], chunked: boolean) => {
      const perHost = part.map((h) => ({ host: h.name, ...hostModuleRequest(req.config, { name: h.name, groups: h.groups }) }));
      const distinct = new Set(perHost.map((r) => JSON.stringify(r.params)));
      const sections = HOST_SECTIONS.filter((s) => perHost.some((r) => r.sections.includes(s)));
      const extraVars: Record<string, unknown> = { patrol_section_timeout: timeout, patrol_host_params: perHost[0]!.params };
      if (sections.length < HOST_SECTIONS.length) extraVars.patrol_sections = sections;
      if (distinct.size > 1) extraVars.patrol_host_params_by_host = Object.fromEntries(perHost.map((r) => [r.host, r.params]));
      const output = await req.runPlaybook({
        playbook: 'inspect-host.yml',
        extraVars,
        ...(chunked ? { limit: part.map((h) => h.name).join(','), forks: Math.min(part.length, 50) } : {}),
      });
      return measurementsFromPlaybook({ collector: 'host', registerName: 'patrol_host', hosts: part, output });
    };
    if (hosts.length <= HOSTS_PER_PLAYBOOK_RUN || req.limit || req.config.spec.collection.slices !== undefined) return run(hosts, false);
    const n = Math.ceil(hosts.length / HOSTS_PER_PLAYBOOK_RUN);
    const chunks = Array.from({ length: n }, (_, i) => hosts.filter((_, j) => j % n === i));
    return (await Promise.all(chunks.map((c) => run(c, true)))).flat();
  },
};
