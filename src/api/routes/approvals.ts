import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { epochMs, namespaceName, pageOf, pagingQuery, qList, ulidParam } from '../schemas/common.js';
import { runSummarySchema } from '../schemas/runs.js';
import { DEFAULT_LIMIT, namespacesFor, pageJson, runSummaryJson, V1 } from './helpers.js';
import { decodeCursor } from '../cursor.js';
import { APPROVAL_STATUSES, type ApprovalRecord } from '../../store/approvals-repository.js';
import { mayDecide } from '../../approvals/approval-service.js';
import type { Actor } from '../../auth/actor.js';
import { NotFoundError } from '../../errors/index.js';
import { approvalUrl } from '../../approvals/approval-links.js';

export const approvalSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    step: z.string(),
    attempt: z.number().int(),
    namespace: z.string(),
    status: z.enum(APPROVAL_STATUSES),
    message: z.string(),
    /** What will happen if approved: a dry run's diff or a plan (capped, secrets masked). */
    plan: z.string().nullable(),
    approvers: z.object({ users: z.array(z.string()), roles: z.array(z.string()) }),
    requestedAt: epochMs,
    expiresAt: epochMs.nullable(),
    onTimeout: z.enum(['approve', 'reject']),
    decidedBy: z.string().nullable(),
    decidedAt: epochMs.nullable(),
    comment: z.string().nullable(),
    /** Where a person decides (the console). */
    url: z.string(),
    /** Whether the caller may decide it (pending, permission, and listed as an approver). */
    mayDecide: z.boolean(),
  })
  .meta({ id: 'Approval' });

const idParams = z.object({ id: ulidParam }).strict();

/** Approvals: the requests of waiting runs, with their plans; decisions with comments, every one audited. */
export function approvalRoutes(deps: ApiDeps): AnyRoute[] {
  const json = (a: ApprovalRecord, actor: Actor) => ({
    ...a,
    url: approvalUrl(deps.settings?.publicUrl, a.id),
    mayDecide: a.status === 'pending' && actor.grants.can('approvals.decide', a.namespace) && mayDecide(a, { name: actor.name, roles: actor.grants.rolesIn(a.namespace) }),
  });
  const load = async (id: string) => {
    const a = await deps.store.approvals.get(id);
    if (!a) throw new NotFoundError(`approval ${id} not found`, { approval: id });
    return a;
  };
  const decide = (decision: 'approve' | 'reject') =>
    defineRoute({
      method: 'post',
      path: `${V1}/approvals/:id/${decision}`,
      tag: 'approvals',
      summary: decision === 'approve' ? 'Approve (with an optional comment): the run continues' : 'Reject with a comment saying why: the approval step fails',
      access: 'approvals.decide',
      params: idParams,
      body: z.object({ comment: decision === 'reject' ? z.string().min(1).max(2000) : z.string().max(2000).optional() }).strict(),
      response: approvalSchema,
      audit: { action: `approvals.${decision}`, resourceType: 'approval' },
      async handler({ params, body, actor, authorize, audit }) {
        audit.resourceId = params.id;
        const a = await load(params.id);
        audit.namespace = a.namespace;
        audit.details = { run: a.runId, step: a.step, comment: body.comment ?? null };
        authorize('approvals.decide', a.namespace);
        const decided = await deps.approvals.decide(params.id, decision, { name: actor.name, roles: actor.grants.rolesIn(a.namespace) }, body.comment);
        return json(decided, actor);
      },
    });
  return [
    defineRoute({
      method: 'get',
      path: `${V1}/approvals`,
      tag: 'approvals',
      summary: 'Approval requests, newest first',
      access: 'approvals.read',
      query: z.object({ status: qList(APPROVAL_STATUSES).optional(), run: ulidParam.optional(), namespace: namespaceName.optional(), ...pagingQuery }).strict(),
      response: pageOf(approvalSchema),
      async handler({ query, actor }) {
        const namespaces = namespacesFor(actor, 'approvals.read', query.namespace);
        const page = await deps.store.approvals.list({
          limit: query.limit ?? DEFAULT_LIMIT,
          ...(query.status ? { status: query.status } : {}),
          ...(query.run ? { runId: query.run } : {}),
          ...(namespaces ? { namespaces } : {}),
          ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}),
        });
        return pageJson(page, (a) => json(a, actor));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/approvals/:id`,
      tag: 'approvals',
      summary: 'An approval request with its plan (what will happen) and its run',
      access: 'approvals.read',
      params: idParams,
      response: approvalSchema.extend({ run: runSummarySchema.nullable() }),
      async handler({ params, actor, authorize }) {
        const a = await load(params.id);
        authorize('approvals.read', a.namespace);
        const run = await deps.store.runs.getRun(a.runId);
        return { ...json(a, actor), run: run ? runSummaryJson(run) : null };
      },
    }),
    decide('approve'),
    decide('reject'),
  ];
}
