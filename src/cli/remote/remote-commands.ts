import { readFile } from 'node:fs/promises';
import { ApiError, type PatrolClient } from '../../api-client/api-client.js';
import type { LogLineJson, RunSummaryJson } from '../../api/schemas/runs.js';
import { decodeCursor, encodeCursor } from '../../api/cursor.js';
import { InputError } from '../../errors/index.js';
import { WorkflowInvalidError } from '../../workflow/validate-workflow.js';
import type { ValidationIssue } from '../../workflow/validation-issue.js';
import { isTerminalRun } from '../../engine/run-states.js';
import type { DeliveryRecord } from '../../notify/delivery.js';
import { deliverySummary } from '../../notify/delivery.js';
import type { ApprovalRecord } from '../../store/approvals-repository.js';
import type { CredentialMetadata } from '../../credentials/credential.js';
import { EXIT } from '../exit-codes.js';
import { elapsed, paint, printJson, statusText, table, useColor, when } from '../output.js';
import { runJson } from '../run-json.js';
import { readParams } from '../params-option.js';
import { deliveriesTable } from '../deliveries-output.js';
import { followRemoteRun } from './follow-run.js';
import { runDetailOf } from './run-detail.js';
import type { LogRecord } from '../../store/records.js';

// Client mode: the commands of the embedded mode against PATROL_SERVER, with the same output
// and exit codes. Run ids may be unique prefixes, as locally (the server resolves them).

/** `patrol run FILE`: posts the workflow text (stored as a version) and triggers it, then follows it. */
export async function remoteRun(client: PatrolClient, file: string, opts: { param: string[]; paramsFile?: string; dryRun?: boolean; json?: boolean }): Promise<number> {
  let yaml: string;
  try {
    yaml = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read workflow file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
  const { typed, strings } = await readParams(opts.param, opts.paramsFile);
  let run;
  try {
    run = await client.trigger({ yaml, params: { ...typed, ...strings }, paramsFromStrings: true, dryRun: opts.dryRun ?? false });
  } catch (err) {
    throw withFile(err, file);
  }
  return followRemoteRun(client, run, { json: opts.json ?? false });
}

/** Workflow issues from the server, positioned in the local file, printed as `patrol validate` does. */
function withFile(err: unknown, file: string): unknown {
  if (!(err instanceof ApiError) || err.code !== 'unprocessable' || !Array.isArray(err.details.issues)) return err;
  const issues: ValidationIssue[] = (err.details.issues as { field?: string; message: string; rule?: string; line?: number; column?: number }[]).map((i) => ({
    file,
    path: i.field ?? '(root)',
    rule: i.rule ?? 'invalid',
    message: i.message,
    ...(i.line !== undefined ? { line: i.line, column: i.column ?? 1 } : {}),
  }));
  return new WorkflowInvalidError(issues);
}

export async function remoteRetry(client: PatrolClient, id: string, opts: { json?: boolean; failedHosts?: boolean }): Promise<number> {
  const run = await client.retry(id, opts.failedHosts ?? false);
  return followRemoteRun(client, run, { json: opts.json ?? false });
}

export async function remoteCancel(client: PatrolClient, id: string, opts: { reason: string; wait: boolean }): Promise<number> {
  const run = await client.cancel(id, opts.reason);
  process.stderr.write(`cancel requested for ${run.id}\n`);
  if (!opts.wait) return EXIT.ok;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const d = await client.run(run.id);
    if (isTerminalRun(d.run.status)) {
      process.stdout.write(`${run.id} ${statusText(d.run.status, useColor())}\n`);
      return EXIT.ok;
    }
    if (Date.now() > deadline) {
      process.stderr.write(`${run.id} has not stopped after 60 s; is the process driving it still alive? (patrol runs list)\n`);
      return EXIT.failed;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function remoteRunsList(client: PatrolClient, opts: { statuses: string[]; workflow?: string; limit: number; before?: string; json?: boolean }): Promise<void> {
  const page = await client.listRuns({
    limit: Math.min(opts.limit, 500),
    ...(opts.statuses.length ? { status: opts.statuses } : {}),
    ...(opts.workflow ? { workflow: opts.workflow } : {}),
    // --before takes a run id, as in the embedded mode; the API's cursor is that id, encoded.
    ...(opts.before ? { cursor: encodeCursor(opts.before)! } : {}),
  });
  const next = page.next ? decodeCursor(page.next) : undefined;
  if (opts.json) {
    printJson({ items: page.items.map((r: RunSummaryJson) => ({ id: r.id, workflow: r.workflow, status: r.status, reason: r.reason, interrupted: r.interrupted, createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt })), next: next ?? null });
    return;
  }
  const color = useColor();
  const rows = page.items.map((r) => [r.id, r.workflow, statusText(r.status, color) + (r.interrupted ? paint(' (interrupted)', 'yellow', color) : ''), when(r.startedAt ?? r.createdAt), elapsed(r.startedAt, r.finishedAt), r.reason ?? '']);
  process.stdout.write(`${table(['ID', 'WORKFLOW', 'STATUS', 'STARTED', 'DURATION', 'REASON'], rows)}\n`);
  if (next) process.stdout.write(paint(`more: patrol runs list --before ${next}\n`, 'gray', color));
}

export async function remoteRunsShow(client: PatrolClient, id: string, opts: { json?: boolean }): Promise<void> {
  const d = runDetailOf(await client.run(id));
  const deliveries = (await client.request<{ items: DeliveryRecord[] }>('GET', `/api/v1/runs/${d.run.id}/deliveries`)).items;
  if (opts.json) {
    printJson({ ...runJson(d), attempts: d.attempts, deliveries: deliveries.map(deliverySummary) });
    return;
  }
  const color = useColor();
  const r = d.run;
  process.stdout.write(`run       ${r.id}\nworkflow  ${r.namespace}/${r.workflow}\nstatus    ${statusText(r.status, color)}${r.reason ? `  ${r.reason}` : ''}\nstarted   ${when(r.startedAt)}   duration ${elapsed(r.startedAt, r.finishedAt)}\nparams    ${JSON.stringify(r.params)}\n${r.retryOf ? `retry of  ${r.retryOf}\n` : ''}\n`);
  const rows = d.steps.map((s) => [s.name, statusText(s.status, color), String(s.attempts), elapsed(s.startedAt, s.finishedAt), s.error ? `${s.error.code}: ${s.error.message}` : (s.reason ?? '')]);
  process.stdout.write(`${table(['STEP', 'STATUS', 'ATTEMPTS', 'DURATION', 'DETAIL'], rows, 100)}\n`);
  if (deliveries.length > 0) process.stdout.write(`\ndeliveries (reports and alert notifications)\n${deliveriesTable(deliveries, color)}\n`);
}

/** `patrol logs`: pages of stored lines; --follow streams them live over Server-Sent Events. */
export async function remoteLogs(client: PatrolClient, id: string, opts: { step?: string; follow?: boolean; json?: boolean }, print: (l: LogRecord) => void): Promise<void> {
  const runId = (await client.run(id)).run.id;
  const toRecord = (l: LogLineJson): LogRecord => ({ id: l.id, runId, step: l.step, attempt: l.attempt, seq: l.seq, ts: l.ts, stream: l.stream, message: l.message });
  if (opts.follow) {
    for await (const ev of client.events(`/api/v1/runs/${runId}/logs/stream`, { query: { ...(opts.step ? { step: opts.step } : {}) } })) {
      if (ev.event === 'log') print(toRecord(JSON.parse(ev.data) as LogLineJson));
      if (ev.event === 'end') return;
    }
    return;
  }
  let cursor: string | undefined;
  for (;;) {
    const page = await client.logs(runId, { limit: 2000, ...(opts.step ? { step: opts.step } : {}), ...(cursor ? { cursor } : {}) });
    for (const l of page.items) print(toRecord(l));
    if (!page.next) return;
    cursor = page.next;
  }
}

type ApprovalJson = ApprovalRecord & { url: string };

export async function remoteApprovalsList(client: PatrolClient, statuses: string[], json: boolean): Promise<void> {
  const page = await client.request<{ items: ApprovalJson[]; next: string | null }>('GET', '/api/v1/approvals', { query: { status: statuses } });
  if (json) return printJson({ items: page.items, ...(page.next ? { next: page.next } : {}) });
  process.stdout.write(`${table(['ID', 'RUN', 'STEP', 'STATUS', 'REQUESTED', 'EXPIRES', 'MESSAGE'], page.items.map((a) => [a.id, a.runId, a.step, a.status, when(a.requestedAt), when(a.expiresAt), a.message]))}\n`);
}

export async function remoteApprovalShow(client: PatrolClient, id: string, json: boolean): Promise<void> {
  const a = await client.request<ApprovalJson>('GET', `/api/v1/approvals/${encodeURIComponent(id)}`);
  if (json) return printJson(a);
  const c = useColor();
  process.stdout.write(`approval  ${a.id}  ${a.status}\nrun       ${a.runId}  step ${a.step}\nmessage   ${a.message}\napprovers ${[...a.approvers.users, ...a.approvers.roles.map((r) => `role:${r}`)].join(', ') || 'anyone who may approve'}\nexpires   ${when(a.expiresAt)} (then: ${a.onTimeout})\nlink      ${a.url}\n`);
  if (a.decidedBy) process.stdout.write(`decided   ${a.status} by ${a.decidedBy} at ${when(a.decidedAt)}${a.comment ? `: ${a.comment}` : ''}\n`);
  process.stdout.write(`\n${paint('plan', 'bold', c)}\n${a.plan ?? '(no plan given)'}\n`);
}

export async function remoteDecide(client: PatrolClient, id: string, decision: 'approve' | 'reject', comment: string | undefined): Promise<void> {
  if (decision === 'reject' && !comment?.trim()) throw new InputError('a rejection needs a comment saying why', { field: 'comment' });
  const a = await client.request<ApprovalJson>('POST', `/api/v1/approvals/${encodeURIComponent(id)}/${decision}`, { body: comment ? { comment } : {} });
  process.stdout.write(`approval ${a.id} ${a.status} by ${a.decidedBy}; run ${a.runId} continues${a.status === 'rejected' ? ' to its failure handling' : ''}\n`);
}

export async function remoteCredentialsAdd(client: PatrolClient, name: string, body: { type: string; fields: Record<string, string>; description?: string }): Promise<void> {
  const meta = await client.request<CredentialMetadata>('PUT', `/api/v1/credentials/${encodeURIComponent(name)}`, { body });
  process.stdout.write(`credential ${meta.name} (${meta.type}) saved with fields ${meta.fieldNames.join(', ')}\n`);
}

export async function remoteCredentialsList(client: PatrolClient, json: boolean): Promise<void> {
  const all: CredentialMetadata[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.request<{ items: CredentialMetadata[]; next: string | null }>('GET', '/api/v1/credentials', { query: { limit: 500, ...(cursor ? { cursor } : {}) } });
    all.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor);
  if (json) printJson(all);
  else process.stdout.write(`${table(['NAME', 'TYPE', 'USERNAME', 'FIELDS', 'UPDATED', 'DESCRIPTION'], all.map((c) => [c.name, c.type, c.username ?? '', c.fieldNames.join(','), when(c.updatedAt), c.description ?? '']))}\n`);
}

export async function remoteCredentialsDelete(client: PatrolClient, name: string): Promise<void> {
  await client.request('DELETE', `/api/v1/credentials/${encodeURIComponent(name)}`);
  process.stdout.write(`credential ${name} deleted\n`);
}
