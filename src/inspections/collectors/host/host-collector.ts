import { parseDuration } from '../../../util/duration.js';
import type { Collector } from '../collector.js';
import { measurementsFromPlaybook } from '../playbook-measurements.js';

/**
 * Host measurements: one task per host runs playbooks/library/patrol_host.py, which measures every
 * section (cpu, memory, disks, ...) under its own timeout and returns them in one result.
 */
export const hostCollector: Collector = {
  kind: 'host',
  produces: ['host'],
  async collect(req) {
    const hosts = await req.inventoryHosts();
    if (hosts.length === 0) return [];
    const output = await req.runPlaybook({
      playbook: 'inspect-host.yml',
      extraVars: {
        patrol_section_timeout: Math.ceil(parseDuration(req.config.spec.collection.sectionTimeout) / 1000),
      },
    });
    return measurementsFromPlaybook({ collector: 'host', registerName: 'patrol_host', hosts, output });
  },
};
