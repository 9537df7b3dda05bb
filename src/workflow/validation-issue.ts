/** One problem found in a workflow file; `path` is a JSON path such as `spec.steps[2].with.command`. */
export interface ValidationIssue {
  file?: string;
  line?: number;
  column?: number;
  path: string;
  /** The rule that failed, e.g. `yaml-syntax`, `schema`, `unknown-step-type`, `cycle`, `undefined-param`. */
  rule: string;
  message: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out || '(root)';
}

export function formatIssue(issue: ValidationIssue): string {
  const where = issue.file ? `${issue.file}:${issue.line ?? 1}:${issue.column ?? 1}` : issue.line ? `${issue.line}:${issue.column ?? 1}` : '';
  return `${where ? `${where}: ` : ''}${issue.path}: ${issue.message} [${issue.rule}]`;
}
