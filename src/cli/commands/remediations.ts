import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { printJson, table, when } from '../output.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { InputError } from '../../errors/index.js';
import { clientFromEnv } from '../../api-client/api-client.js';
import { decodeCursor, encodeCursor } from '../../api/cursor.js';
import { DECISIONS, type RemediationDecision } from '../../store/remediations-repository.js';

interface ListOptions {
  check?: string;
  target?: string;
  decision?: string;
  run?: string;
  limit: string;
  cursor?: string;
  json?: boolean;
}

/** `patrol remediations list`: what automatic remediation did with findings, from the store or PATROL_SERVER. */
export function registerRemediations(program: Command): void {
  const cmd = program.command('remediations').description('automatic remediation: the decisions of auto-remediation rules (runbook started, or skipped and why)');
  cmd
    .command('list')
    .description('decisions, newest first (GET /api/v1/remediations/decisions)')
    .option('--check <glob>', 'check id or glob, e.g. host.disk.*')
    .option('--target <glob>', 'target or glob, e.g. web-*')
    .option('--decision <d>', DECISIONS.join(' or '))
    .option('--run <id>', 'the inspection run that decided')
    .option('--limit <n>', 'how many (1-500)', '50')
    .option('--cursor <next>', 'the next page: the `next` value of a --json listing')
    .option('--json', 'JSON output: { items, next }')
    .action(
      action(async (opts: ListOptions) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new InputError(`--limit ${opts.limit}: give a whole number from 1 to 500`, { field: 'limit' });
        if (opts.decision !== undefined && !DECISIONS.some((d) => d === opts.decision)) throw new InputError(`--decision ${opts.decision}: use ${DECISIONS.join(' or ')}`, { field: 'decision' });
        const page = await listDecisions(opts, limit);
        if (opts.json) return printJson({ items: page.items, ...(page.next ? { next: page.next } : {}) });
        if (page.items.length === 0) return void process.stdout.write('no automatic-remediation decisions match\n');
        process.stdout.write(`${table(['DECIDED', 'CHECK', 'TARGET', 'ENV', 'DECISION', 'RUN / REASON'], page.items.map((d) => [when(d.decidedAt), d.check, d.target, d.environment, d.decision, d.runId ?? d.reason ?? '']), 100)}\n`);
        if (page.next) process.stdout.write(`more: --cursor ${page.next}\n`);
      }),
    );
}

async function listDecisions(opts: ListOptions, limit: number): Promise<{ items: RemediationDecision[]; next?: string | undefined }> {
  const client = clientFromEnv();
  if (client) {
    const query = { limit: String(limit), ...(opts.check ? { check: opts.check } : {}), ...(opts.target ? { target: opts.target } : {}), ...(opts.decision ? { decision: opts.decision } : {}), ...(opts.run ? { run: opts.run } : {}), ...(opts.cursor ? { cursor: opts.cursor } : {}) };
    const page = await client.request<{ items: RemediationDecision[]; next: string | null }>('GET', '/api/v1/remediations/decisions', { query });
    return { items: page.items, ...(page.next ? { next: page.next } : {}) };
  }
  const rt = await openRuntime({ logger: silentLogger() });
  try {
    const before = decodeCursor(opts.cursor);
    const decision = DECISIONS.find((d) => d === opts.decision);
    const page = await rt.store.remediations.queryDecisions({ limit, ...(opts.check ? { check: opts.check } : {}), ...(opts.target ? { target: opts.target } : {}), ...(decision ? { decision } : {}), ...(opts.run ? { inspectionRunId: opts.run } : {}), ...(before ? { before } : {}) });
    return { items: page.items, next: encodeCursor(page.next) ?? undefined };
  } finally {
    await rt.close();
  }
}
