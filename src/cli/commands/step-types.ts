import { z } from 'zod';
import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { printJson, table } from '../output.js';
import { builtinRegistry } from '../../steps/builtin/index.js';
import { patrolPaths } from '../../config/paths.js';

export function registerStepTypes(program: Command): void {
  program
    .command('step-types')
    .description('the registered step types, with their input and output schemas (--json)')
    .option('--json', 'JSON output with JSON Schemas')
    .action(
      action(async (opts: { json?: boolean }) => {
        const registry = builtinRegistry({ paths: patrolPaths() });
        if (opts.json) {
          printJson(
            registry.list().map((t) => ({
              type: t.type,
              description: t.description,
              retrySafe: typeof t.retrySafe === 'boolean' ? t.retrySafe : 'depends on input',
              defaults: t.defaults,
              input: z.toJSONSchema(t.input, { unrepresentable: 'any', io: 'input' }),
              output: z.toJSONSchema(t.output, { unrepresentable: 'any' }),
              examples: t.examples,
            })),
          );
          return;
        }
        process.stdout.write(`${table(['TYPE', 'DESCRIPTION'], registry.list().map((t) => [t.type, t.description]), 110)}\n`);
      }),
    );
}
