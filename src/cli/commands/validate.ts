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
import type { ValidationIssue } from '../../workflow/validation-issue.js';

/** A top-level `kind: InspectionConfig` (anything else is validated as a workflow). */
const INSPECTION_CONFIG = /^kind:\s*["']?InspectionConfig["']?\s*(#.*)?$/m;

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a workflow or InspectionConfig file completely before anything runs (exit 0 valid, 2 invalid)')
    .argument('<file>', 'workflow or InspectionConfig YAML file')
    .option('--json', 'print the issues as JSON')
    .action(
      action(async (file: string, opts: { json?: boolean }) => {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        let issues: ValidationIssue[];
        let summary = '';
        if (INSPECTION_CONFIG.test(text)) {
          // Loaded only for configs: the check catalog is large, and workflow validation is scripted.
          const [{ validateInspectionConfigText }, { builtinCatalog }] = await Promise.all([import('../../inspections/config/validate-inspection-config.js'), import('../../inspections/checks/index.js')]);
          const res = validateInspectionConfigText(text, file, builtinCatalog());
          issues = res.issues;
          const c = res.config;
          if (c) summary = `InspectionConfig ${c.metadata.name}: ${Object.keys(c.spec.checks).length} check settings, ${c.spec.databases.length} databases, ${c.spec.remediation?.auto.length ?? 0} automatic remediation rules`;
        } else {
          const res = validateWorkflowText(text, builtinRegistry({ paths: patrolPaths() }), file);
          issues = res.issues;
          const wf = res.workflow;
          if (wf) summary = `${wf.metadata.name}: ${wf.spec.steps.length} steps${wf.spec.finally.length ? `, ${wf.spec.finally.length} finally` : ''}, ${wf.spec.params.length} params`;
        }
        if (opts.json) {
          printJson({ file, valid: issues.length === 0, issues });
        } else if (issues.length > 0) {
          const color = useColor(process.stderr);
          for (const i of issues) process.stderr.write(`${paint('error', 'red', color)}: ${formatIssue(i)}\n`);
          process.stderr.write(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n`);
        } else {
          process.stdout.write(`${file}: valid (${summary})\n`);
        }
        return issues.length === 0 ? EXIT.ok : EXIT.invalid;
      }),
    );
}
