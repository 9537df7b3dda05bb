import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { idParam, namespaceName, pageOf, pagingQuery, qBool, qInt, qList, qTime, resourceName, jsonObject } from '../schemas/common.js';
import { logLineSchema, runDetailSchema, runSchema, runSummarySchema, triggerBodySchema } from '../schemas/runs.js';
import { DEFAULT_LIMIT, findRun, namespacesFor, pageJson, runJson, runSummaryJson, V1 } from './helpers.js';
import { decodeCursor } from '../cursor.js';
import { SseStream } from '../sse.js';
import { RUN_STATUSES, isTerminalRun } from '../../engine/run-states.js';
import { InputError } from '../../errors/index.js';
import type { LogRecord } from '../../store/records.js';
import type { StepLogEvent, RunStatusEvent } from '../../engine/run-events.js';

const runIdParams = z.object({ id: idParam }).strict();

const triggerRunBody = triggerBodySchema
  .extend({
    /** A stored or built-in workflow: `name` (in `namespace`) ... */
    workflow: resourceName.optional(),
    namespace: namespaceName.optional(),
    /** ... or workflow text, stored as a new version of the workflow it names first (needs workflows.edit). */
    yaml: z.string().min(1).max(512 * 1024).optional(),
  })
  .strict()
  .refine((b) => (b.workflow === undefined) !== (b.yaml === undefined), { message: 'give either workflow (a stored or built-in workflow name) or yaml (workflow text)', path: ['workflow'] });

function lineJson(l: LogRecord) {
  return { id: l.id, step: l.step, attempt: l.attempt, seq: l.seq, ts: l.ts, stream: l.stream, message: l.message };
}

/** Runs: list, trigger, detail, cancel, retry (from the failure or only the failed hosts), logs (paged and live). */
export function runRoutes(deps: ApiDeps): AnyRoute[] {
  const pollMs = deps.settings?.streamPollMs ?? 300;
  const keepAliveMs = deps.settings?.streamKeepAliveMs ?? 15_000;
  return [
    defineRoute({
      method: 'get',
      path: `${V1}/runs`,
      tag: 'runs',
      summary: 'List runs, newest first',
      access: 'runs.read',
      query: z
        .object({
          status: qList(RUN_STATUSES).optional(),
          workflow: z.string().max(253).optional(),
          namespace: namespaceName.optional(),
          inspection: z.string().max(253).optional(),
          trigger: z.string().max(64).optional(),
          since: qTime.optional(),
          until: qTime.optional(),
          ...pagingQuery,
        })
        .strict(),
      response: pageOf(runSummarySchema),
      async handler({ query, actor }) {
        const namespaces = namespacesFor(actor, 'runs.read', query.namespace);
        const page = await deps.store.runs.listRuns({
          limit: query.limit ?? DEFAULT_LIMIT,
          ...(query.status ? { status: query.status } : {}),
          ...(query.workflow ? { workflow: query.workflow } : {}),
          ...(namespaces ? { namespaces } : {}),
          ...(query.inspection ? { inspection: query.inspection } : {}),
          ...(query.trigger ? { trigger: query.trigger } : {}),
          ...(query.since !== undefined ? { since: query.since } : {}),
          ...(query.until !== undefined ? { until: query.until } : {}),
          ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}),
        });
        const now = Date.now();
        return pageJson(page, (r) => runSummaryJson(r, now));
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/runs`,
      tag: 'runs',
      summary: 'Trigger a run of a stored or built-in workflow, or of posted workflow text',
      description: 'Posted text is validated and stored as a version of the workflow it names (needs workflows.edit), so every run has its definition on record.',
      access: 'runs.trigger',
      body: triggerRunBody,
      response: runSchema,
      status: 201,
      audit: { action: 'runs.trigger', resourceType: 'run' },
      async handler({ body, actor, authorize, audit }) {
        let def;
        let version: number;
        if (body.yaml !== undefined) {
          const preview = deps.workflows.parse(body.yaml);
          authorize('workflows.edit', preview.metadata.namespace);
          authorize('runs.trigger', preview.metadata.namespace);
          const saved = await deps.workflows.saveForRun(body.yaml, actor.name);
          def = saved.definition;
          version = saved.version;
        } else {
          const ns = body.namespace ?? 'default';
          authorize('runs.trigger', ns);
          const doc = await deps.workflows.get(ns, body.workflow!, body.version);
          def = doc.definition;
          version = doc.version;
        }
        audit.namespace = def.metadata.namespace;
        audit.details = { workflow: `${def.metadata.namespace}/${def.metadata.name}`, version, dryRun: body.dryRun, params: Object.keys(body.params) };
        const run = await deps.engine.trigger(def, {
          params: body.params,
          paramsFromStrings: body.paramsFromStrings,
          trigger: 'api',
          triggeredBy: actor.name,
          dryRun: body.dryRun,
          labels: { ...body.labels, 'patrol.dev/workflow-version': String(version) },
          ...(body.inspection ? { inspection: body.inspection } : {}),
        });
        audit.resourceId = run.id;
        return runJson(deps, run);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/runs/:id`,
      tag: 'runs',
      summary: 'A run with its steps and attempts (id or a unique prefix)',
      access: 'runs.read',
      params: runIdParams,
      response: runDetailSchema,
      async handler({ params, authorize }) {
        const run = await findRun(deps, params.id);
        authorize('runs.read', run.namespace);
        const d = await deps.engine.detail(run.id);
        return {
          run: await runJson(deps, d.run),
          steps: d.steps.map((s) => ({ name: s.name, base: s.base, idx: s.idx, phase: s.phase, status: s.status, attempts: s.attempts, outputs: s.outputs, error: s.error, item: s.item, reason: s.reason, reusedFrom: s.reusedFrom, nextAttemptAt: s.nextAttemptAt, startedAt: s.startedAt, finishedAt: s.finishedAt, wait: s.wait })),
          attempts: d.attempts.map((a) => ({ step: a.step, attempt: a.attempt, status: a.status, owner: a.owner, queuedAt: a.queuedAt, startedAt: a.startedAt, finishedAt: a.finishedAt, exitCode: a.exitCode, error: a.error })),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/runs/:id/definition`,
      tag: 'runs',
      summary: 'The workflow definition a run executes (as validated when it was triggered)',
      access: 'runs.read',
      params: runIdParams,
      response: z.object({ definition: jsonObject }),
      async handler({ params, authorize }) {
        const run = await findRun(deps, params.id);
        authorize('runs.read', run.namespace);
        return { definition: (await deps.store.runs.getDefinition(run.id)) as Record<string, unknown> };
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/runs/:id/cancel`,
      tag: 'runs',
      summary: 'Cancel a run (its processes stop within seconds; finally steps still run)',
      access: 'runs.cancel',
      params: runIdParams,
      body: z.object({ reason: z.string().min(1).max(500).optional() }).strict(),
      response: runSchema,
      status: 202,
      audit: { action: 'runs.cancel', resourceType: 'run' },
      async handler({ params, body, actor, authorize, audit }) {
        const run = await findRun(deps, params.id);
        audit.resourceId = run.id;
        audit.namespace = run.namespace;
        authorize('runs.cancel', run.namespace);
        audit.details = { reason: body.reason ?? null };
        const r = await deps.engine.cancel(run.id, body.reason ? `${body.reason} (by ${actor.name})` : `cancelled by ${actor.name}`);
        return runJson(deps, r);
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/runs/:id/retry`,
      tag: 'runs',
      summary: 'Retry a failed run from where it failed; onlyFailedTargets reruns failed steps only on their failed hosts',
      access: 'runs.retry',
      params: runIdParams,
      body: z.object({ onlyFailedTargets: z.boolean().default(false) }).strict(),
      response: runSchema,
      status: 201,
      audit: { action: 'runs.retry', resourceType: 'run' },
      async handler({ params, body, actor, authorize, audit }) {
        const run = await findRun(deps, params.id);
        audit.namespace = run.namespace;
        audit.details = { retryOf: run.id, onlyFailedTargets: body.onlyFailedTargets };
        authorize('runs.retry', run.namespace);
        const r = await deps.engine.retry(run.id, { triggeredBy: actor.name, onlyFailedTargets: body.onlyFailedTargets });
        audit.resourceId = r.id;
        return runJson(deps, r);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/runs/:id/logs`,
      tag: 'runs',
      summary: 'Step log lines of a run, oldest first, paged by line id (forward with cursor/after, back with before)',
      access: 'runs.read',
      params: runIdParams,
      query: z
        .object({
          step: z.string().max(300).optional(),
          /** Lines after this line id (resume). */
          after: qInt(0, Number.MAX_SAFE_INTEGER).optional(),
          /** Only the last N lines (tail), then page forward. */
          tail: qInt(1, 10_000).optional(),
          /** The last `limit` lines before this line id, oldest first (paging back from a tail); `next` is null. */
          before: qInt(1, Number.MAX_SAFE_INTEGER).optional(),
          limit: qInt(1, 5000).optional().meta({ description: 'lines per page (1-5000, default 1000)' }),
          cursor: pagingQuery.cursor,
        })
        .strict(),
      response: pageOf(logLineSchema),
      async handler({ params, query, authorize }) {
        const run = await findRun(deps, params.id);
        authorize('runs.read', run.namespace);
        if (query.before !== undefined) {
          if (query.after !== undefined || query.cursor || query.tail) throw new InputError('before cannot be combined with after, cursor or tail', { field: 'query.before' });
          const back = await deps.store.logs.read({ runId: run.id, ...(query.step ? { step: query.step } : {}), before: query.before, limit: query.limit ?? 1000 });
          return { items: back.items.map(lineJson), next: null };
        }
        let after = query.cursor ? Number(decodeCursor(query.cursor)) : query.after;
        if (after !== undefined && !Number.isInteger(after)) throw new InputError('cursor is not a value returned as `next` by this list', { field: 'query.cursor' });
        if (after === undefined && query.tail) after = await deps.store.logs.tailStart(run.id, query.tail, query.step);
        const page = await deps.store.logs.read({ runId: run.id, ...(query.step ? { step: query.step } : {}), ...(after !== undefined ? { after } : {}), limit: query.limit ?? 1000 });
        return pageJson(page, lineJson);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/runs/:id/logs/stream`,
      tag: 'runs',
      summary: 'Live step logs over Server-Sent Events',
      description:
        'Events: `log` (data: a LogLine; `id:` is the line id, so reconnecting with Last-Event-ID resumes after it) and `end` (data: {status, reason}) once the run is over and every line was sent. Lines already stored are sent first (from `after`, or the last `tail` lines). With `batch=true`, lines come as `lines` events (data: up to 500 LogLines; `id:` is the last one). With `maxBacklog=N`, whenever more than N lines wait to be sent only the newest N are, after a `skipped` event (data: {after, upTo, count}: the line ids left out, still in the store): a viewer follows a fast log without receiving all of it.',
      access: 'runs.read',
      params: runIdParams,
      query: z
        .object({
          step: z.string().max(300).optional(),
          after: qInt(0, Number.MAX_SAFE_INTEGER).optional(),
          tail: qInt(1, 10_000).optional(),
          batch: qBool.optional(),
          maxBacklog: qInt(1, 100_000).optional(),
        })
        .strict(),
      response: { stream: 'text/event-stream', description: 'Server-Sent Events: log (or lines), skipped, end' },
      async handler({ params, query, authorize, req, res }) {
        const run = await findRun(deps, params.id);
        authorize('runs.read', run.namespace);
        const lastEventId = req.get('last-event-id');
        let after: number | undefined = lastEventId !== undefined && /^\d+$/.test(lastEventId) ? Number(lastEventId) : query.after;
        if (after === undefined && query.tail) after = await deps.store.logs.tailStart(run.id, query.tail, query.step);
        const sse = new SseStream(req, res, keepAliveMs);
        const events = deps.engine.events;
        const subscribe = (wake: () => void) => {
          const onLog = (e: StepLogEvent) => e.runId === run.id && setTimeout(wake, 50);
          const onRun = (e: RunStatusEvent) => e.runId === run.id && wake();
          events.on('log', onLog);
          events.on('run', onRun);
          return () => {
            events.off('log', onLog);
            events.off('run', onRun);
          };
        };
        const step = query.step ? { step: query.step } : {};
        const drain = async (): Promise<void> => {
          for (;;) {
            if (query.maxBacklog !== undefined) {
              // Far behind a fast log: jump to its newest lines and say what was left out.
              const start = await deps.store.logs.tailStart(run.id, query.maxBacklog, query.step);
              if (start !== undefined && (after === undefined || start > after)) {
                const count = await deps.store.logs.count({ runId: run.id, ...step, ...(after !== undefined ? { after } : {}), upTo: start });
                await sse.send('skipped', { after: after ?? null, upTo: start, count }, start);
                after = start;
              }
            }
            const page = await deps.store.logs.read({ runId: run.id, ...step, ...(after !== undefined ? { after } : {}), limit: 500 });
            if (query.batch && page.items.length > 0) await sse.send('lines', page.items.map(lineJson), page.items[page.items.length - 1]!.id);
            else for (const l of page.items) await sse.send('log', lineJson(l), l.id);
            if (page.items.length > 0) after = page.items[page.items.length - 1]!.id;
            if (!page.next || sse.closed) return;
          }
        };
        try {
          while (!sse.closed) {
            await drain();
            const current = await deps.store.runs.getRun(run.id);
            if (!current || isTerminalRun(current.status)) {
              // The engine writes its last buffered lines as the run ends: read once more after a flush interval.
              await sse.sleep(pollMs);
              await drain();
              await sse.send('end', { status: current?.status ?? 'unknown', reason: current?.reason ?? null });
              return;
            }
            await sse.sleep(pollMs, subscribe);
          }
        } finally {
          sse.close();
        }
      },
    }),
  ];
}

