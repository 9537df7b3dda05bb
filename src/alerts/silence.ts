import { InputError } from '../errors/index.js';
import { LABEL_NAME } from '../config/patrol-config.js';

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatcherOp = (typeof MATCHER_OPS)[number];

/** One label matcher, as in Alertmanager: name op value; regexes are anchored. */
export interface Matcher {
  name: string;
  op: MatcherOp;
  value: string;
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
  updatedAt: number;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now >= s.endsAt) return 'expired';
  return now < s.startsAt ? 'pending' : 'active';
}

/** Parses `name=value`, `name!=value`, `name=~regex`, `name!~regex` (values may be quoted). */
export function parseMatcher(text: string): Matcher {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) throw new InputError(`matcher "${text}" must look like name=value, name!=value, name=~regex or name!~regex`, { field: 'matcher' });
  let value = m[3]!;
  if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) value = value.slice(1, -1);
  const matcher: Matcher = { name: m[1]!, op: m[2] as MatcherOp, value };
  if (!LABEL_NAME.test(matcher.name)) throw new InputError(`matcher "${text}": invalid label name`, { field: 'matcher' });
  if (matcher.op === '=~' || matcher.op === '!~') compileMatcherRegex(matcher.value, text);
  return matcher;
}

function compileMatcherRegex(value: string, text: string): RegExp {
  try {
    return new RegExp(`^(?:${value})$`);
  } catch (err) {
    throw new InputError(`matcher "${text}": invalid regular expression: ${(err as Error).message}`, { field: 'matcher' });
  }
}

const regexCache = new Map<string, RegExp>();

/** Whether a matcher holds for a label set; a missing label is the empty string (Alertmanager semantics). */
export function matcherMatches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
    case '!~': {
      let re = regexCache.get(m.value);
      if (!re) {
        re = compileMatcherRegex(m.value, m.value);
        regexCache.set(m.value, re);
      }
      return re.test(v) === (m.op === '=~');
    }
  }
}

/** A silence mutes an alert when it is active and every matcher holds. */
export function silenceMatches(s: Silence, labels: Readonly<Record<string, string>>, now: number): boolean {
  return silenceState(s, now) === 'active' && s.matchers.every((m) => matcherMatches(m, labels));
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
