import type { DeliveryRecord } from '../notify/delivery.js';
import { paint, table, when } from './output.js';

/** Deliveries of a run (report emails, alert notifications) as a table; failures in red with why. */
export function deliveriesTable(list: readonly DeliveryRecord[], color: boolean): string {
  const rows = list.map((d) => [
    when(d.finishedAt),
    d.kind === 'report' ? 'report email' : `${d.channelType} ${d.channel}`,
    paint(d.status, d.status === 'sent' ? 'green' : 'red', color),
    String(d.attempts),
    d.destination,
    d.status === 'failed' ? (d.error ?? '') : (d.subject ?? ''),
  ]);
  return table(['TIME', 'DELIVERY', 'STATUS', 'TRIES', 'TO', 'DETAIL'], rows, 90);
}

/** After `patrol inspect`: where the report went and whether every delivery worked (stderr). */
export async function printReportOutcome(store: import('../store/store.js').Store, runId: string, out: NodeJS.WriteStream = process.stderr): Promise<void> {
  const color = Boolean(out.isTTY) && !process.env.NO_COLOR;
  const rec = await store.reports.get(runId);
  if (rec && Object.keys(rec.files).length > 0) out.write(`Report: ${Object.values(rec.files).join('  ')}\n`);
  const list = await store.deliveries.listByRun(runId);
  const failed = list.filter((d) => d.status === 'failed');
  const sent = list.length - failed.length;
  if (list.length > 0) out.write(`Deliveries: ${sent} sent${failed.length ? paint(`, ${failed.length} FAILED`, 'red', color) : ''} (patrol runs show ${runId})\n`);
  for (const d of failed) out.write(paint(`  ${d.kind === 'report' ? 'report email' : `${d.channelType} ${d.channel}`} to ${d.destination}: ${d.error ?? 'failed'}\n`, 'red', color));
}
