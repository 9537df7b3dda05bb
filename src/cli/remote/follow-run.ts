import type { PatrolClient } from '../../api-client/api-client.js';
import type { RunJson, RunDetailJson } from '../../api/schemas/runs.js';
import { RunEvents } from '../../engine/run-events.js';
import { isTerminalRun } from '../../engine/run-states.js';
import { EXIT } from '../exit-codes.js';
import { ProgressRenderer } from '../progress-renderer.js';
import { runJson } from '../run-json.js';
import { paint, printJson, useColor } from '../output.js';
import { printSummary } from '../drive-run.js';
import { runDetailOf } from './run-detail.js';

/**
 * Client mode of driveRun: follows a run on the server (polling its steps) with the same live
 * progress on stderr, Ctrl-C cancels it, then the same summary or --json document and exit code.
 */
export async function followRemoteRun(client: PatrolClient, run: RunJson, opts: { json: boolean; pollMs?: number }): Promise<number> {
  const stream = process.stderr;
  const color = useColor(stream);
  if (!opts.json) stream.write(`${paint('run', 'bold', color)} ${run.id}  ${run.workflow}${run.reason ? `  (${run.reason})` : ''}\n`);
  let detail: RunDetailJson = await client.run(run.id);
  const events = new RunEvents();
  const renderer = new ProgressRenderer(events, run.id, { stream, tty: Boolean(stream.isTTY), color, order: detail.steps.filter((s) => s.idx === null).map((s) => s.name) });
  renderer.start();
  const seen = new Map<string, string>();
  const emit = (d: RunDetailJson) => {
    for (const s of d.steps) {
      const key = `${s.status}/${s.attempts}`;
      if (seen.get(s.name) === key) continue;
      seen.set(s.name, key);
      if (s.status === 'pending') continue;
      events.emit('step', { runId: run.id, step: s.name, status: s.status, attempt: s.attempts, at: s.finishedAt ?? s.startedAt ?? Date.now(), ...(s.error ? { error: `${s.error.code}: ${s.error.message}` } : {}), reason: s.reason });
    }
  };
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      stream.write('\ncancelling the run… (Ctrl-C again to leave it running on the server)\n');
      void client.cancel(run.id, 'cancelled by Ctrl-C').catch(() => undefined);
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  try {
    emit(detail);
    while (!isTerminalRun(detail.run.status)) {
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
      detail = await client.run(run.id);
      emit(detail);
    }
  } finally {
    process.off('SIGINT', onSigint);
    renderer.stop();
  }
  const d = runDetailOf(detail);
  if (opts.json) printJson(runJson(d));
  else printSummary(d.run, stream);
  return d.run.status === 'succeeded' ? EXIT.ok : EXIT.failed;
}
