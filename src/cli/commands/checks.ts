import type { Command } from 'commander';
import { z } from 'zod';
import { action } from '../cli-errors.js';
import { printJson, table } from '../output.js';
import { builtinCatalog } from '../../inspections/checks/index.js';
import type { AnyCheck } from '../../inspections/check.js';

export function registerChecks(program: Command): void {
  program
    .command('checks')
    .description('the check catalog: ids, default thresholds, remediation')
    .option('--category <category>', 'host | cluster | app | db')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { category?: string; json?: boolean }) => {
        const checks = builtinCatalog()
          .list()
          .filter((c) => !opts.category || c.category === opts.category);
        if (opts.json) {
          printJson(
            checks.map((c) => ({
              id: c.id,
              category: c.category,
              title: c.title,
              description: c.description,
              defaults: c.defaults,
              unit: c.unit ?? null,
              source: 'source' in c ? { collector: (c as AnyCheck).source.collector, section: (c as AnyCheck).source.section, schema: z.toJSONSchema((c as AnyCheck).source.schema, { unrepresentable: 'any' }) } : null,
              remediation: c.remediation,
              remediationWorkflow: c.remediationWorkflow ?? null,
              reference: c.reference ?? null,
            })),
          );
          return;
        }
        const fmt = (d: Record<string, unknown>) => Object.entries(d).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k}=${String(v)}`).join(' ');
        process.stdout.write(`${table(['CHECK', 'TITLE', 'DEFAULTS'], checks.map((c) => [c.id, c.title, fmt(c.defaults)]), 70)}\n`);
      }),
    );
}
