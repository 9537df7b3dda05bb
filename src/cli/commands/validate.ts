import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { EXIT } from '../exit-codes.js';
import { paint, printJson, useColor } from '../output.js';
import { validateWorkflowText } from '../../workflow/validate-workflow.js';
import { formatIssue } from '../../workflow/validation-issue.js';
import { builtinRegistry } from '../../steps/builtin/index.js';
import { patrolPaths } from '../../config/paths.js';
import { InputError } from '../../errors/index.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a workflow file completely before anything runs (exit 0 valid, 2 invalid)')
    .argument('<file>', 'workflow YAML file')
    .option('--json', 'print the issues as JSON')
    .action(
      action(async (file: string, opts: { json?: boolean }) => {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        const registry = builtinRegistry({ paths: patrolPaths() });
        const res = validateWorkflowText(text, registry, file);
        if (opts.json) {
          printJson({ file, valid: res.issues.length === 0, issues: res.issues });
        } else if (res.issues.length > 0) {
          const color = useColor(process.stderr);
          for (const i of res.issues) process.stderr.write(`${paint('error', 'red', color)}: ${formatIssue(i)}\n`);
          process.stderr.write(`${file}: ${res.issues.length} problem${res.issues.length === 1 ? '' : 's'}\n`);
        } else {
          const wf = res.workflow!;
          process.stdout.write(`${file}: valid (${wf.metadata.name}: ${wf.spec.steps.length} steps${wf.spec.finally.length ? `, ${wf.spec.finally.length} finally` : ''}, ${wf.spec.params.length} params)\n`);
        }
        return res.issues.length === 0 ? EXIT.ok : EXIT.invalid;
      }),
    );
}
