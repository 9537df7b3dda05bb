import type { Severity } from '../../../findings/finding.js';
import { defineCheck, levelSeverity, type CheckSettings, type FindingDraft } from '../../check.js';
import { processesSection } from '../../collectors/app/app-sections.js';
import { formatBytes } from '../format.js';
import { appTargets, numberParam, round, worst, formatAge } from './app-check-util.js';
import { describeSelector, lastMemory, processEvidence } from './process.js';

/** How a series of memory readings moved. */
export interface Rise {
  points: number;
  intervals: number;
  /** Intervals where the value went strictly up. */
  rising: number;
  risingFraction: number;
  /** Last minus first, in the series' unit. */
  growth: number;
  /** Growth relative to the first value, percent. */
  growthPercent: number;
  /** Rising in at least minRisingFraction of the intervals and grown by at least minGrowth. */
  steady: boolean;
}

export interface RiseRule {
  /** Fraction of intervals that must rise (0..1). @defaultValue 0.8 */
  minRisingFraction: number;
  /** Least absolute growth from first to last, in the series' unit (noise floor). */
  minGrowth: number;
}

/**
 * The leak rule, used within a sampling window and across runs alike: a series of at least three
 * readings is a *steady rise* when it went up in at least 80 % of the intervals between readings
 * and grew by at least the noise floor overall. Its severity then comes from the total growth in
 * percent of the first reading (warning 10 %, critical 50 % by default). A flat series (no
 * rising interval), a noisy one (ups and downs: garbage collection, caches) or a tiny creep
 * (below the noise floor) is not a leak.
 */
export function measureRise(values: readonly number[], rule: RiseRule): Rise | undefined {
  if (values.length < 3) return undefined;
  let rising = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[i - 1]!) rising++;
  const intervals = values.length - 1;
  const first = values[0]!;
  const growth = values[values.length - 1]! - first;
  const growthPercent = first > 0 ? (growth / first) * 100 : growth > 0 ? Infinity : 0;
  const risingFraction = rising / intervals;
  return { points: values.length, intervals, rising, risingFraction, growth, growthPercent, steady: risingFraction >= rule.minRisingFraction && growth > 0 && growth >= rule.minGrowth };
}

export function riseSeverity(r: Rise | undefined, s: Pick<CheckSettings, 'warning' | 'critical'>): Severity {
  if (!r || !r.steady) return 'ok';
  return levelSeverity(r.growthPercent, s);
}

const MIB = 1048576;
const pct = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(1)}%` : '+inf%');

export const appProcessMemoryLeak = defineCheck({
  id: 'app.process.memory_leak',
  category: 'app',
  title: 'Memory leak suspected (steady growth)',
  description:
    "A process's RSS or a cgroup's working set rising steadily, judged two ways: within this run's sampling window (collection.samples readings collection.sampleInterval seconds apart, per process), and across runs (app.process.memory of the last `runs` runs including this one). Steady = rising in >= 80 % of the intervals (minRisingFraction) and grown by >= minGrowthMiB; then growth >= 10 % of the first reading is a warning, >= 50 % critical. Flat and noisy series stay quiet.",
  source: { collector: 'app', section: 'processes', schema: processesSection },
  defaults: { warning: 10, critical: 50, minRisingFraction: 0.8, minGrowthMiB: 5, runs: 6 },
  unit: '%',
  remediation: 'Take heap dumps or allocation profiles some time apart and compare what grows (jcmd PID GC.heap_dump, py-spy / tracemalloc, node --heapsnapshot-signal); restart the process as a stopgap before it is OOM-killed.',
  reference: 'Patrol anchors: memory growth / leaks from the application side are checked by none of the anchor tools',
  async evaluate({ data, target, settings, history }) {
    const out: FindingDraft[] = [];
    for (const it of data.items) {
      const t = appTargets.process(target.name, it.name, it.host);
      if (it.error !== null) {
        out.push({ target: t, labels: { host: it.host }, severity: 'error', message: `${it.name} on ${it.host}: not measured: ${it.error}` });
        continue;
      }
      const s = settings(t);
      const rule: RiseRule = { minRisingFraction: numberParam(s, 'minRisingFraction', 0.8), minGrowth: numberParam(s, 'minGrowthMiB', 5) * MIB };
      const runs = Math.max(3, Math.floor(numberParam(s, 'runs', 6)));
      const current = lastMemory(it);
      if (current === null) {
        out.push({ target: t, labels: { host: it.host }, severity: 'info', message: `${it.name} on ${it.host}: not running, nothing to judge (${describeSelector(it)})` });
        continue;
      }

      // Within the window: each process present in every sample (a cgroup: its working set).
      const series: { label: string; values: number[] }[] =
        it.kind === 'cgroup'
          ? [{ label: `cgroup ${it.selector}`, values: it.total.filter((v): v is number => v !== null) }]
          : it.processes.filter((p) => p.rss.every((r) => r !== null)).map((p) => ({ label: `pid ${p.pid} (${p.comm})`, values: p.rss as number[] }));
      let win: { label: string; rise: Rise; severity: Severity } | undefined;
      for (const x of series) {
        const rise = measureRise(x.values, rule);
        if (!rise) continue;
        const severity = riseSeverity(rise, s);
        if (!win || worst(win.severity, severity) !== win.severity || (severity === win.severity && rise.growthPercent > win.rise.growthPercent)) win = { label: x.label, rise, severity };
      }
      const span = it.at.length > 1 ? it.at[it.at.length - 1]! - it.at[0]! : 0;

      // Across runs: earlier app.process.memory values (MiB) and this one.
      const earlier = await history('app.process.memory', t, runs - 1);
      const values = [...earlier.map((p) => p.value * MIB), current];
      const across = measureRise(values, rule);
      const acrossSeverity = riseSeverity(across, s);

      const severity = worst(win?.severity ?? 'ok', acrossSeverity);
      const parts: string[] = [];
      if (win) {
        const r = win.rise;
        parts.push(
          win.severity !== 'ok'
            ? `${win.label} rose in ${r.rising} of ${r.intervals} intervals within ${formatAge(span)}: ${formatBytes(r.growth)} (${pct(r.growthPercent)})`
            : `within ${formatAge(span)} no steady rise (largest ${pct(r.growthPercent)}, ${r.rising} of ${r.intervals} intervals rising in ${win.label})`,
        );
      } else parts.push(`within the run: ${it.at.length} sample${it.at.length === 1 ? '' : 's'} of a stable process, too few to judge (need 3)`);
      if (across) {
        parts.push(
          acrossSeverity !== 'ok'
            ? `across the last ${across.points} runs it rose in ${across.rising} of ${across.intervals}: ${formatBytes(values[0]!)} -> ${formatBytes(current)} (${pct(across.growthPercent)})`
            : `across the last ${across.points} runs no steady rise (${pct(across.growthPercent)}, ${across.rising} of ${across.intervals} rising)`,
        );
      } else parts.push(`across runs: ${values.length} run${values.length === 1 ? '' : 's'} so far, need 3`);
      const fired = [win && win.severity !== 'ok' ? win.rise : undefined, acrossSeverity !== 'ok' ? across : undefined].filter((r): r is Rise => r !== undefined);
      const shown = fired.length > 0 ? fired : [win?.rise, across].filter((r): r is Rise => r !== undefined);
      const value = shown.length > 0 ? Math.max(...shown.map((r) => (Number.isFinite(r.growthPercent) ? r.growthPercent : 1000))) : undefined;
      out.push({
        target: t,
        labels: { host: it.host },
        severity,
        ...(value !== undefined ? { value: round(value) } : {}),
        threshold: { warning: s.warning, critical: s.critical, minRisingFraction: rule.minRisingFraction, minGrowthMiB: rule.minGrowth / MIB },
        message: `${it.name} on ${it.host}: ${severity === 'ok' ? '' : 'memory leak suspected: '}${parts.join('; ')}`,
        details: {
          window: win ? { series: win.label, ...win.rise, spanMs: span } : null,
          runs: across ? { ...across, valuesMiB: values.map((v) => round(v / MIB)) } : { points: values.length },
        },
        evidence: processEvidence(it),
      });
    }
    return out;
  },
});
