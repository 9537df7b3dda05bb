import type { Store } from '../store/store.js';
import type { ApprovalRecord } from '../store/approvals-repository.js';
import { ConflictError, InputError, NotFoundError, PatrolError } from '../errors/index.js';

/** Who is deciding: a user name and the roles they hold in the approval's namespace. */
export interface Actor {
  name: string;
  roles: string[];
}

export class ForbiddenError extends PatrolError {
  constructor(message: string) {
    super(message, { code: 'forbidden', retryable: false });
  }
}

/**
 * Decides approvals. Only a listed approver (by name or role) or an admin may decide; a rejection
 * needs a comment (the people who asked deserve a reason); the first decision wins.
 */
export class ApprovalService {
  constructor(
    private readonly store: Store,
    /** Re-evaluates the run at once when this process drives it (others pick it up by heartbeat). */
    private readonly reevaluate?: (runId: string) => Promise<void>,
  ) {}

  async decide(id: string, decision: 'approve' | 'reject', actor: Actor, comment?: string): Promise<ApprovalRecord> {
    const a = await this.store.approvals.get(id);
    if (!a) throw new NotFoundError(`approval ${id} not found`, { approval: id });
    if (a.status !== 'pending') throw new ConflictError(`approval ${id} is already ${a.status}${a.decidedBy ? ` (by ${a.decidedBy})` : ''}`, { approval: id, status: a.status });
    if (decision === 'reject' && !comment?.trim()) throw new InputError('a rejection needs a comment saying why', { field: 'comment' });
    if (!mayDecide(a, actor)) {
      throw new ForbiddenError(`${actor.name} may not decide approval ${id}; approvers: ${[...a.approvers.users, ...a.approvers.roles.map((r) => `role ${r}`)].join(', ')}`);
    }
    const ok = await this.store.approvals.decide(id, { status: decision === 'approve' ? 'approved' : 'rejected', by: actor.name, at: Date.now(), comment: comment?.trim() || null });
    if (!ok) throw new ConflictError(`approval ${id} was decided by someone else first`, { approval: id });
    if (this.reevaluate) await this.reevaluate(a.runId);
    return (await this.store.approvals.get(id))!;
  }
}

export function mayDecide(a: ApprovalRecord, actor: Actor): boolean {
  if (actor.roles.includes('admin')) return true;
  const open = a.approvers.users.length === 0 && a.approvers.roles.length === 0;
  return open || a.approvers.users.includes(actor.name) || a.approvers.roles.some((r) => actor.roles.includes(r));
}
