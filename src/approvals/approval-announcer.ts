import type { Store } from '../store/store.js';
import type { ApprovalRecord } from '../store/approvals-repository.js';
import type { AuditService } from '../audit/audit-service.js';
import type { Logger } from '../logging/logger.js';
import { approvalUrl } from './approval-links.js';

/** Tells approvers that an approval waits for them, with the link where they decide. */
export interface ApprovalNotifier {
  /** Returns a per-channel outcome (stored and audited); throws only for unexpected failures. */
  notify(approval: ApprovalRecord, link: string): Promise<Record<string, { ok: boolean; error?: string }>>;
}

export interface ApprovalAnnouncerOptions {
  store: Store;
  notifier: ApprovalNotifier;
  audit: AuditService;
  logger: Logger;
  publicUrl: string | undefined;
  /** How often new pending approvals are looked for. @defaultValue 2000 ms */
  intervalMs?: number;
}

/**
 * Announces new approval requests once each (claimed in the store, so several servers do not
 * send the same announcement twice). The approval step itself only records the request, so
 * requests made on any worker are announced by a server.
 */
export class ApprovalAnnouncer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly o: ApprovalAnnouncerOptions) {}

  start(): this {
    this.timer = setInterval(() => void this.tick(), this.o.intervalMs ?? 2000);
    this.timer.unref();
    return this;
  }

  /** Looks for new requests soon (a step just started waiting in this process). */
  poke(): void {
    setTimeout(() => void this.tick(), 50).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass: announce every pending approval not announced yet. Exposed for tests. */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let sent = 0;
    try {
      const page = await this.o.store.approvals.list({ status: ['pending'], limit: 100 });
      for (const a of page.items) {
        if (a.expiresAt !== null && a.expiresAt < Date.now()) continue;
        if (!(await this.o.store.approvalNotifications.claim(a.id, Date.now()))) continue;
        const link = approvalUrl(this.o.publicUrl, a.id);
        let result: Record<string, { ok: boolean; error?: string }>;
        try {
          result = await this.o.notifier.notify(a, link);
        } catch (err) {
          result = { notifier: { ok: false, error: err instanceof Error ? err.message : String(err) } };
        }
        await this.o.store.approvalNotifications.recordResult(a.id, result);
        await this.o.audit.record({
          actor: 'system',
          actorKind: 'system',
          action: 'approvals.notify',
          resourceType: 'approval',
          resourceId: a.id,
          namespace: a.namespace,
          outcome: Object.values(result).every((r) => r.ok) ? 'success' : 'failure',
          details: { run: a.runId, step: a.step, link, approvers: a.approvers, channels: result },
        });
        sent++;
      }
    } catch (err) {
      this.o.logger.warn({ err }, 'approval announcements failed; retrying');
    } finally {
      this.running = false;
    }
    return sent;
  }
}

/** The default notifier without configured channels: the link goes to the server log. */
export function logApprovalNotifier(logger: Logger): ApprovalNotifier {
  return {
    async notify(a, link) {
      logger.info({ approval: a.id, run: a.runId, approvers: a.approvers, link }, `approval requested: ${a.message}`);
      return { log: { ok: true } };
    },
  };
}
