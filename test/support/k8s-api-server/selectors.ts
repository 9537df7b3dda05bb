/** Field and label selectors with the API server's grammar and error messages. */

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(sel: string, allowed: readonly string[]): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of sel.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(p);
    if (!m) throw new Error(`invalid selector: '${sel}'; can't understand '${p}'`);
    const field = m[1]!.trim();
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !allowed.includes(field)) throw new Error(`field label not supported: ${field}`);
    out.push({ field, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() });
  }
  return out;
}

export interface LabelRequirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!';
  values: string[];
}

/** Equality- and set-based label selectors: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a. */
export function parseLabelSelector(sel: string): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of sel) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    if (p === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^(\S+?)\s*(==|=|!=)\s*(\S*)$/.exec(p))) out.push({ key: m[1]!, op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] });
    else if ((m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(p))) out.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()) });
    else if ((m = /^!\s*(\S+)$/.exec(p))) out.push({ key: m[1]!, op: '!', values: [] });
    else if (/^[A-Za-z0-9./_-]+$/.test(p)) out.push({ key: p, op: 'exists', values: [] });
    else throw new Error(`unable to parse requirement: ${p}`);
  }
  return out;
}

export function labelsMatch(reqs: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    if (r.op === 'exists' && !has) return false;
    if (r.op === '!' && has) return false;
    if (r.op === 'in' && !(has && r.values.includes(l[r.key]!))) return false;
    if (r.op === 'notin' && has && r.values.includes(l[r.key]!)) return false;
  }
  return true;
}
