/**
 * CronJob schedules as the CronJob controller reads them (robfig/cron standard parser): five
 * fields with lists, ranges, steps and names, the @hourly/@daily/... descriptors and @every, in
 * the CronJob's spec.timeZone (IANA) or UTC.
 */
export interface CronSchedule {
  minute: boolean[];
  hour: boolean[];
  dom: boolean[];
  month: boolean[];
  dow: boolean[];
  domStar: boolean;
  dowStar: boolean;
  /** @every interval in ms. */
  everyMs?: number;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function field(spec: string, min: number, max: number, names?: string[]): { bits: boolean[]; star: boolean } {
  const bits = new Array<boolean>(max + 1).fill(false);
  let star = false;
  const num = (s: string): number => {
    const i = names ? names.indexOf(s.toLowerCase()) : -1;
    if (i >= 0) return i + (names === MONTHS ? 1 : 0);
    if (!/^\d+$/.test(s)) throw new Error(`"${s}" is not a number`);
    return Number(s);
  };
  for (const part of spec.split(',')) {
    const [rangePart, stepPart] = part.split('/') as [string, string | undefined];
    const step = stepPart === undefined ? 1 : Number(stepPart);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in "${part}"`);
    let lo: number;
    let hi: number;
    if (rangePart === '*' || rangePart === '?') {
      lo = min;
      hi = max;
      if (stepPart === undefined) star = true;
    } else if (rangePart.includes('-')) {
      const [a, b] = rangePart.split('-') as [string, string];
      lo = num(a);
      hi = num(b);
    } else {
      lo = num(rangePart);
      hi = stepPart === undefined ? lo : max;
    }
    if (names === DAYS && hi === 7) hi = 6; // 7 = Sunday in some crons
    if (lo < min || hi > max || lo > hi) throw new Error(`"${part}" is out of range ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) bits[v] = true;
  }
  if (names === DAYS && spec.split(',').some((p) => p === '7')) bits[0] = true;
  return { bits, star };
}

export function parseCron(expr: string): CronSchedule {
  let e = expr.trim();
  if (/^(CRON_)?TZ=/.test(e)) e = e.replace(/^\S+\s+/, '');
  if (e.startsWith('@every ')) {
    const m = /^@every\s+((?:\d+(?:\.\d+)?(?:h|m|s|ms))+)$/.exec(e);
    if (!m) throw new Error(`bad @every duration in "${expr}"`);
    let ms = 0;
    for (const p of m[1]!.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) ms += Number(p[1]) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as Record<string, number>)[p[2]!]!;
    const all = (n: number) => new Array<boolean>(n).fill(true);
    return { minute: all(60), hour: all(24), dom: all(32), month: all(13), dow: all(7), domStar: true, dowStar: true, everyMs: ms };
  }
  const d = DESCRIPTORS[e.toLowerCase()];
  if (d) e = d;
  const parts = e.split(/\s+/);
  if (parts.length !== 5) throw new Error(`"${expr}" has ${parts.length} fields, expected 5 (minute hour day-of-month month day-of-week)`);
  const minute = field(parts[0]!, 0, 59);
  const hour = field(parts[1]!, 0, 23);
  const dom = field(parts[2]!, 1, 31);
  const month = field(parts[3]!, 1, 12, MONTHS);
  const dow = field(parts[4]!, 0, 6, DAYS);
  return { minute: minute.bits, hour: hour.bits, dom: dom.bits, month: month.bits, dow: dow.bits, domStar: dom.star, dowStar: dow.star };
}

interface Wall {
  month: number;
  day: number;
  hour: number;
  minute: number;
  dow: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const DOW: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Throws RangeError for an unknown time zone. */
function wallClock(t: number, tz: string | undefined): Wall {
  if (!tz || tz === 'UTC' || tz === 'Etc/UTC') {
    const d = new Date(t);
    return { month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), dow: d.getUTCDay() };
  }
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    formatters.set(tz, f);
  }
  const w: Wall = { month: 0, day: 0, hour: 0, minute: 0, dow: 0 };
  for (const p of f.formatToParts(t)) {
    if (p.type === 'month') w.month = Number(p.value);
    else if (p.type === 'day') w.day = Number(p.value);
    else if (p.type === 'hour') w.hour = Number(p.value) % 24;
    else if (p.type === 'minute') w.minute = Number(p.value);
    else if (p.type === 'weekday') w.dow = DOW[p.value] ?? 0;
  }
  return w;
}

/** Checks a time zone name the way the CronJob controller would need it. */
export function validTimeZone(tz: string): boolean {
  try {
    wallClock(0, tz);
    return true;
  } catch {
    return false;
  }
}

const MIN = 60_000;

/**
 * Scheduled times t with from < t <= to, counted up to `cap`; returns the count and the latest one.
 * Walks wall-clock fields, skipping whole days and hours that cannot match, so a year-long window
 * costs a few hundred steps.
 */
export function fireTimesBetween(s: CronSchedule, tz: string | undefined, from: number, to: number, cap: number): { count: number; latest?: number } {
  if (to <= from) return { count: 0 };
  if (s.everyMs) {
    const first = Math.floor(from / s.everyMs) * s.everyMs + s.everyMs;
    if (first > to) return { count: 0 };
    const count = Math.min(cap, Math.floor((to - first) / s.everyMs) + 1);
    return { count, latest: Math.floor(to / s.everyMs) * s.everyMs };
  }
  let t = Math.floor(from / MIN) * MIN + MIN;
  let count = 0;
  let latest: number | undefined;
  for (let steps = 0; t <= to && steps < 200_000; steps++) {
    const w = wallClock(t, tz);
    const dayOk = s.month[w.month] && (s.domStar || s.dowStar ? s.dom[w.day] && s.dow[w.dow] : s.dom[w.day] || s.dow[w.dow]);
    if (!dayOk) {
      t += ((23 - w.hour) * 60 + (60 - w.minute)) * MIN;
      continue;
    }
    if (!s.hour[w.hour]) {
      t += (60 - w.minute) * MIN;
      continue;
    }
    if (!s.minute[w.minute]) {
      let m = w.minute + 1;
      while (m < 60 && !s.minute[m]) m++;
      t += (m - w.minute) * MIN;
      continue;
    }
    count++;
    latest = t;
    if (count >= cap) {
      // Find the latest one anyway, walking back from `to` (cheap: stops at the first match).
      latest = lastFireTime(s, tz, to, t) ?? latest;
      break;
    }
    t += MIN;
  }
  return { count, ...(latest !== undefined ? { latest } : {}) };
}

/** The latest scheduled time <= to (and > floor), walking back minute by minute, skipping days/hours. */
export function lastFireTime(s: CronSchedule, tz: string | undefined, to: number, floor = to - 400 * 86_400_000): number | undefined {
  if (s.everyMs) return Math.floor(to / s.everyMs) * s.everyMs;
  let t = Math.floor(to / MIN) * MIN;
  for (let steps = 0; t > floor && steps < 200_000; steps++) {
    const w = wallClock(t, tz);
    const dayOk = s.month[w.month] && (s.domStar || s.dowStar ? s.dom[w.day] && s.dow[w.dow] : s.dom[w.day] || s.dow[w.dow]);
    if (!dayOk) {
      t -= (w.hour * 60 + w.minute + 1) * MIN;
      continue;
    }
    if (!s.hour[w.hour]) {
      t -= (w.minute + 1) * MIN;
      continue;
    }
    if (s.minute[w.minute]) return t;
    t -= MIN;
  }
  return undefined;
}
