import { z } from 'zod';
import type { AnsibleStepOutput } from '../../ansible/ansible-step-output.js';
import type { InventoryHost } from '../../ansible/inventory-hosts.js';
import { sectionEnvelopeSchema, type TargetMeasurements } from '../measurement.js';

/** The result a Patrol collection module returns (playbooks/library/patrol_*.py). */
export const moduleResultSchema = z.object({
  patrol: z.object({
    version: z.literal(1),
    sections: z.record(z.string(), sectionEnvelopeSchema),
  }),
});

/**
 * Turns the registered result of a collection task (per host) into measurements. Hosts that were
 * unreachable or whose task failed get an error naming the reason; nothing is silently dropped.
 */
export function measurementsFromPlaybook(opts: {
  collector: string;
  registerName: string;
  hosts: readonly InventoryHost[];
  output: AnsibleStepOutput;
}): TargetMeasurements[] {
  const { output } = opts;
  const failure = new Map<string, string>();
  for (const f of output.failures) if (!failure.has(f.host)) failure.set(f.host, `${f.status === 'unreachable' ? 'unreachable' : `task "${f.task}" failed`}: ${f.msg}`);
  return opts.hosts.map((h) => {
    const target = { name: h.name, groups: h.groups };
    const base = { collector: opts.collector, target, sections: {} };
    const reg = output.registered[h.name]?.[opts.registerName];
    if (failure.has(h.name)) return { ...base, error: failure.get(h.name)! };
    if (reg === undefined) {
      const why = output.hosts.includes(h.name) ? `the ${opts.registerName} task did not run (skipped or truncated output)` : 'the playbook did not reach this host';
      return { ...base, error: why };
    }
    const parsed = moduleResultSchema.safeParse(reg);
    if (!parsed.success) return { ...base, error: `unexpected result from the collection module: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
    return { ...base, sections: parsed.data.patrol.sections };
  });
}
