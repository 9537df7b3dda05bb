import type { WaitOutcome, WaitResolver } from '../engine/wait-resolver.js';
import type { ApprovalRecord } from '../store/approvals-repository.js';
import { APPROVAL_WAIT } from './approval-step.js';

function approved(a: ApprovalRecord): WaitOutcome {
  return { status: 'succeeded', outputs: { approved: true, by: a.decidedBy, comment: a.comment, decidedAt: a.decidedAt === null ? null : new Date(a.decidedAt).toISOString(), approval: a.id } };
}

function rejected(a: ApprovalRecord, why: string): WaitOutcome {
  return { status: 'failed', error: { name: 'StepError', code: 'rejected', message: why, retryable: false, details: { approval: a.id, by: a.decidedBy, comment: a.comment } } };
}

/** Ends approval waits: approved -> the step succeeds; rejected or expired (reject) -> it fails. */
export const approvalWaitResolver: WaitResolver = {
  kind: APPROVAL_WAIT,
  async check(ref, tx) {
    const a = await tx.approvals.get(ref);
    if (!a) return { status: 'failed', error: { name: 'StepError', code: 'rejected', message: `approval ${ref} no longer exists`, retryable: false } };
    if (a.status === 'approved') return approved(a);
    if (a.status === 'rejected') return rejected(a, `rejected by ${a.decidedBy ?? 'someone'}${a.comment ? `: ${a.comment}` : ''}`);
    if (a.status === 'expired') return a.onTimeout === 'approve' ? approved(a) : rejected(a, 'nobody decided before the approval timed out');
    if (a.status === 'cancelled') return rejected(a, 'the approval was cancelled');
    return undefined;
  },
  async timeout(ref, tx) {
    const now = Date.now();
    await tx.approvals.decide(ref, { status: 'expired', by: null, at: now, comment: 'timed out' });
    const a = (await tx.approvals.get(ref))!;
    if (a.status === 'approved') return approved(a);
    if (a.status === 'rejected') return rejected(a, `rejected by ${a.decidedBy ?? 'someone'}${a.comment ? `: ${a.comment}` : ''}`);
    return a.onTimeout === 'approve' ? approved({ ...a, decidedBy: null, comment: 'approved automatically: the approval timed out' }) : rejected(a, 'nobody decided before the approval timed out');
  },
  async cancel(ref, tx) {
    await tx.approvals.decide(ref, { status: 'cancelled', by: null, at: Date.now(), comment: 'the run was cancelled' });
  },
};
