import { defineCheck, type FindingDraft } from '../../check.js';
import { disksSection } from '../../collectors/host/host-sections.js';
import { forecastExhaustion, formatHours } from '../../forecast.js';

/**
 * Time until a filesystem is full, from the history of host.disk.usage on earlier runs plus now.
 * Warns when full within 7 days, critical within 24 h (node-mixin's "predicted full" alerts),
 * independently of the current level.
 */
export const hostDiskFillForecast = defineCheck({
  id: 'host.disk.fill_forecast',
  category: 'host',
  title: 'Time until a filesystem is full',
  description: 'Least-squares trend of disk usage over earlier runs (at least 3 points over 10 minutes); warns when the mount is predicted full within the warning window.',
  source: { collector: 'host', section: 'disks', schema: disksSection },
  defaults: { warning: 168, critical: 24 },
  unit: 'h',
  remediation: 'Something is filling the disk steadily: find what grows (du -xh --max-depth=2 MOUNT | sort -h), fix log rotation or retention, or add space before it fills.',
  remediationWorkflow: 'disk-cleanup',
  reference: 'kubernetes node-mixin: predicted full within 24 h (warning) / 4 h (critical); here 7 days / 24 h for daily inspections',
  async evaluate({ data, target, settings, history, now }) {
    const out: FindingDraft[] = [];
    for (const m of data.mounts) {
      const t = `${target.name}:${m.mount}`;
      const s = settings(t);
      const points = [...(await history('host.disk.usage', t, 30)), { at: now, value: m.usedPercent, runId: 'current' }];
      const f = forecastExhaustion(points, 100, now);
      const base = { target: t, threshold: { warningWithinHours: s.warning, criticalWithinHours: s.critical } };
      if (!f) {
        out.push({ ...base, severity: 'ok', message: `${m.mount}: not enough history for a trend yet (${points.length} point${points.length === 1 ? '' : 's'})` });
      } else if (f.hoursToLimit === undefined) {
        out.push({ ...base, severity: 'ok', message: `${m.mount}: usage is not growing (${f.slopePerHour.toFixed(3)} %/h over ${f.points} runs)` });
      } else {
        const h = f.hoursToLimit;
        const severity = s.critical !== undefined && h <= s.critical ? 'critical' : s.warning !== undefined && h <= s.warning ? 'warning' : 'ok';
        out.push({ ...base, severity, value: Math.round(h * 10) / 10, message: `${m.mount} grows ${f.slopePerHour.toFixed(2)} %/h: full in ${formatHours(h)} at this rate (${m.usedPercent.toFixed(1)}% now)`, details: { slopePercentPerHour: f.slopePerHour, points: f.points } });
      }
    }
    return out;
  },
});
