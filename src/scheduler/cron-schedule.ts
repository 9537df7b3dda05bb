import { Cron } from 'croner';
import { InputError } from '../errors/index.js';

/** Checks a cron expression (5 or 6 fields) and an IANA time zone; throws InputError naming the field. */
export function validateCron(cron: string, timezone: string): void {
  try {
    new Cron(cron, { timezone, paused: true }).nextRun();
  } catch (err) {
    const msg = (err as Error).message;
    throw new InputError(/time zone/i.test(msg) ? `timezone "${timezone}" is not an IANA time zone (e.g. Asia/Shanghai, UTC)` : `cron "${cron}": ${msg.replace(/^CronPattern: /, '')}`, { field: /time zone/i.test(msg) ? 'timezone' : 'cron' });
  }
}

/** The first due time strictly after `after` (epoch ms), or undefined if the expression never fires again. */
export function nextDue(cron: string, timezone: string, after: number): number | undefined {
  const next = new Cron(cron, { timezone, paused: true }).nextRun(new Date(after));
  return next ? next.getTime() : undefined;
}

/** The next `count` due times after `after`, for "next run times shown". */
export function nextDues(cron: string, timezone: string, after: number, count: number): number[] {
  return new Cron(cron, { timezone, paused: true }).nextRuns(count, new Date(after)).map((d) => d.getTime());
}
