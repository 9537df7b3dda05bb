import type { Runtime } from '../runtime/open-runtime.js';
import type { RunRecord } from '../store/records.js';
import type { TriggerOptions } from '../engine/engine.js';
import { EXIT } from './exit-codes.js';
import { ProgressRenderer } from './progress-renderer.js';
import { runJson } from './run-json.js';
import { paint, printJson, statusText, useColor, elapsed } from './output.js';
import { cliAudit } from './cli-audit.js';

export interface DriveOptions {
  json: boolean;
  /** Suppress progress (still prints the summary). */
  quiet?: boolean;
  /** Print nothing at the end (the caller prints its own summary). */
  silent?: boolean;
}

/**
 * Follows a run this process drives until it ends: live progress on stderr, Ctrl-C cancels
 * (a second Ctrl-C leaves at once; `patrol recover` picks the run up later), then the summary
 * or the --json document on stdout. Returns the exit code.
 */
export async function driveRun(rt: Runtime, start: (onCreated: NonNullable<TriggerOptions['onCreated']>) => Promise<RunRecord>, opts: DriveOptions): Promise<number> {
  const stream = process.stderr;
  let renderer: ProgressRenderer | undefined;
  const run = await start((created, wf) => {
    void cliAudit(rt.store, { action: created.retryOf ? 'runs.retry' : 'runs.trigger', resourceType: 'run', resourceId: created.id, namespace: created.namespace, details: { workflow: created.workflow, trigger: created.trigger, ...(created.retryOf ? { retryOf: created.retryOf } : {}) } });
    if (opts.quiet) return;
    renderer = new ProgressRenderer(rt.engine.events, created.id, { stream, tty: Boolean(stream.isTTY), color: useColor(stream), order: [...wf.mainOrder, ...wf.finallyOrder] });
    if (!opts.json) stream.write(`${paint('run', 'bold', useColor(stream))} ${created.id}  ${created.workflow}${created.reason ? `  (${created.reason})` : ''}\n`);
    renderer.start();
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      stream.write('\ncancelling the run… (Ctrl-C again to leave it running; `patrol recover` resumes it)\n');
      void rt.engine.cancel(run.id, 'cancelled by Ctrl-C').catch(() => undefined);
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  let final: RunRecord;
  try {
    final = await rt.engine.waitFor(run.id);
  } finally {
    process.off('SIGINT', onSigint);
    renderer?.stop();
  }
  await rt.engine.flushLogs();
  if (!opts.silent) {
    const detail = await rt.engine.detail(final.id);
    if (opts.json) printJson(runJson(detail));
    else printSummary(detail.run, stream);
  }
  return final.status === 'succeeded' ? EXIT.ok : EXIT.failed;
}

export function printSummary(run: RunRecord, stream: NodeJS.WriteStream): void {
  const color = useColor(stream);
  stream.write(`${statusText(run.status, color)} in ${elapsed(run.startedAt ?? run.createdAt, run.finishedAt)}${run.reason ? `: ${run.reason}` : ''}\n`);
  stream.write(`details: patrol runs show ${run.id}   logs: patrol logs ${run.id}\n`);
}
