import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { resolveRunId } from '../run-ids.js';
import { EXIT } from '../exit-codes.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { InputError } from '../../errors/index.js';
import { loadPatrolConfig, REPORT_FORMATS, type ReportFormat } from '../../config/patrol-config.js';
import { buildReport } from '../../reports/report-model.js';
import { renderReport } from '../../reports/render-report.js';
import { reportModelOptions, reportRenderOptions } from '../../reports/report-settings.js';
import { emailRunReport } from '../../reports/report-sender.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('the report of an inspection run from its stored findings: html (self-contained), json (versioned schema), junit (CI gates), md (chat, tickets) or csv')
    .argument('<run>', 'run id (or a unique prefix)')
    .option('-f, --format <format>', REPORT_FORMATS.join(' | '), 'html')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .option('--templates <dir>', 'templates overriding the built-in ones (default: reports.templates of the Patrol config)')
    .option('--fail-on <severity>', 'junit: findings at or above this severity are failures: warning | critical', 'critical')
    .option('--max-items <n>', 'md: rows per list', '50')
    .option('--email', 'email the report now (recipients: --to, else the inspection\'s or the config\'s); the delivery is recorded on the run')
    .option('--to <addresses>', 'with --email: comma-separated recipients')
    .action(
      action(async (runArg: string, opts: { format: string; output?: string; templates?: string; failOn: string; maxItems: string; email?: boolean; to?: string }) => {
        if (!(REPORT_FORMATS as readonly string[]).includes(opts.format)) throw new InputError(`--format ${opts.format}: use one of ${REPORT_FORMATS.join(', ')}`, { field: '--format' });
        if (opts.failOn !== 'warning' && opts.failOn !== 'critical') throw new InputError('--fail-on must be warning or critical', { field: '--fail-on' });
        const maxItems = Number(opts.maxItems);
        if (!Number.isInteger(maxItems) || maxItems < 1) throw new InputError('--max-items must be a positive integer', { field: '--max-items' });
        const settings = await loadPatrolConfig(process.env);
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const runId = await resolveRunId(rt.store, runArg);
          const model = await buildReport(rt.store, runId, reportModelOptions(settings));
          const text = renderReport(model, opts.format as ReportFormat, { ...reportRenderOptions(settings), ...(opts.templates ? { templates: opts.templates } : {}), failOn: opts.failOn, maxItems });
          if (opts.output) {
            await writeFile(opts.output, text, 'utf8');
            process.stderr.write(`${opts.format} report of run ${runId} (${model.inspection}, score ${model.score.value} ${model.score.grade}, ${model.counts.findings} findings) written to ${opts.output}\n`);
          } else if (!opts.email) process.stdout.write(text);
          if (!opts.email) return EXIT.ok;
          const r = await emailRunReport({
            store: rt.store,
            credentials: rt.credentials,
            settings,
            runId,
            model,
            to: opts.to,
            log: { info: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) },
            onRetry: (attempt, error, wait) => process.stderr.write(`try ${attempt} failed (${error}); retrying in ${wait} ms\n`),
          });
          if (r.status === 'skipped') throw new InputError(`nothing emailed: ${r.reason ?? 'no recipients'} (give --to)`, { field: '--to' });
          return r.status === 'sent' ? EXIT.ok : EXIT.failed;
        } finally {
          await rt.close();
        }
      }),
    );
}
