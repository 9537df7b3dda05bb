import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { paint, printJson, table, useColor, when, type Color } from '../output.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { InputError } from '../../errors/index.js';
import type { AlertRecord } from '../../alerts/alert-record.js';

const SEV: Record<string, Color> = { critical: 'red', error: 'red', warning: 'yellow', info: 'blue', ok: 'green' };

export function alertJson(a: AlertRecord): Record<string, unknown> {
  return {
    fingerprint: a.fingerprint,
    state: a.state,
    inspection: a.inspection,
    rule: a.rule,
    check: a.check,
    target: a.target,
    host: a.host,
    severity: a.severity,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.startsAt).toISOString(),
    endsAt: a.endsAt === null ? null : new Date(a.endsAt).toISOString(),
    lastRunId: a.lastRunId,
    silencedBy: a.silencedBy,
    notified: Object.fromEntries(Object.entries(a.notified).map(([c, n]) => [c, { at: new Date(n.at).toISOString(), state: n.state }])),
  };
}

export function registerAlerts(program: Command): void {
  const cmd = program.command('alerts').description('alerts raised from findings by the alert rules of the Patrol config');
  cmd
    .command('list')
    .description('alerts, most recently changed first')
    .option('--state <state>', 'firing | resolved')
    .option('--inspection <name>', 'only alerts of this inspection')
    .option('--limit <n>', 'how many', '100')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { state?: string; inspection?: string; limit: string; json?: boolean }) => {
        if (opts.state !== undefined && opts.state !== 'firing' && opts.state !== 'resolved') throw new InputError('--state must be firing or resolved', { field: '--state' });
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new InputError('--limit must be a positive integer', { field: '--limit' });
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const alerts = await rt.store.alerts.list({ limit, ...(opts.state ? { state: opts.state as 'firing' | 'resolved' } : {}), ...(opts.inspection ? { inspection: opts.inspection } : {}) });
          if (opts.json) {
            printJson({ items: alerts.map(alertJson) });
            return;
          }
          if (alerts.length === 0) {
            process.stdout.write('no alerts\n');
            return;
          }
          const color = useColor();
          const rows = alerts.map((a) => [
            a.fingerprint,
            paint(a.state, a.state === 'firing' ? 'red' : 'green', color),
            paint(a.severity, SEV[a.severity] ?? 'bold', color),
            a.labels.alertname ?? a.rule,
            a.inspection,
            a.target,
            when(a.startsAt),
            a.endsAt === null ? '-' : when(a.endsAt),
            a.silencedBy.length ? `silenced (${a.silencedBy.join(', ')})` : '',
          ]);
          process.stdout.write(`${table(['FINGERPRINT', 'STATE', 'SEVERITY', 'ALERT', 'INSPECTION', 'TARGET', 'SINCE', 'ENDED', ''], rows)}\n`);
        } finally {
          await rt.close();
        }
      }),
    );
}
