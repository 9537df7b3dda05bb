import { LineCounter, parseDocument } from 'yaml';
import { SourceMap } from './source-map.js';
import type { ValidationIssue } from './validation-issue.js';

export interface ParsedYaml {
  value: unknown;
  sourceMap?: SourceMap;
  issues: ValidationIssue[];
}

/** Parses YAML text, reporting syntax errors with line and column. */
export function parseYaml(text: string, file?: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const issues: ValidationIssue[] = doc.errors.map((e) => {
    const pos = lines.linePos(e.pos[0]);
    const issue: ValidationIssue = { path: '(root)', rule: 'yaml-syntax', message: e.message.split('\n')[0]!, line: pos.line, column: pos.col };
    if (file !== undefined) issue.file = file;
    return issue;
  });
  if (issues.length > 0) return { value: undefined, issues };
  return { value: doc.toJS({ maxAliasCount: 100 }), sourceMap: new SourceMap(doc, lines), issues: [] };
}
