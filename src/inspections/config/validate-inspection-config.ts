import { parseYamlText, YamlFileInvalidError } from '../../config/load-yaml-file.js';
import type { ValidationIssue } from '../../workflow/validation-issue.js';
import type { CheckCatalog } from '../check-catalog.js';
import { autoRemediationIssues } from '../../remediation/select-auto-remediations.js';
import { inspectionConfigSchema, type InspectionConfig } from './inspection-config.js';
import { unknownCheckKeys } from './check-settings-resolver.js';

export interface InspectionConfigValidation {
  issues: ValidationIssue[];
  config?: InspectionConfig;
}

/**
 * Every problem of an InspectionConfig text, each with file:line:column (for `patrol validate`):
 * YAML and schema errors, check ids that name no check, and automatic-remediation rules that can
 * never fire (no check with a runbook matches) or lack the targets' environment. Loading for an
 * inspection is more lenient about the rules: a bad rule fails only the auto-remediate step.
 */
export function validateInspectionConfigText(text: string, file: string, catalog: CheckCatalog): InspectionConfigValidation {
  let loaded;
  try {
    loaded = parseYamlText(text, file, inspectionConfigSchema);
  } catch (err) {
    if (err instanceof YamlFileInvalidError) return { issues: err.issues };
    throw err;
  }
  const config = loaded.value;
  const issues = [
    ...unknownCheckKeys(config, catalog).map((u) => loaded.issue(u.path, 'unknown-check', `"${u.key}" names no check; see \`patrol checks\` for the catalog`)),
    ...autoRemediationIssues(config.spec.remediation, config.metadata.labels.environment, catalog).map((i) => loaded.issue(i.path, i.rule, i.message)),
  ];
  return { issues, config };
}
