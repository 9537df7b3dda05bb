import type { ChannelConfig } from '../config/patrol-config.js';
import type { Credential } from '../credentials/credential.js';
import type { ApprovalRecord } from '../store/approvals-repository.js';
import { postBody } from '../notify/post-json.js';
import { parseDuration } from '../util/duration.js';
import type { ApprovalNotifier } from './approval-announcer.js';

/**
 * Announces approvals on the notification channels of the Patrol config (webhook, slack,
 * dingtalk, wecom) chosen for approvals: a short text with the message, the approvers, the
 * expiry and the link where people decide. Webhooks get JSON with the approval too.
 */
export function channelApprovalNotifier(channels: readonly ChannelConfig[], secret: (name: string) => Promise<Credential>): ApprovalNotifier {
  return {
    async notify(a, link) {
      const out: Record<string, { ok: boolean; error?: string }> = {};
      const text = approvalText(a, link);
      for (const c of channels) {
        try {
          if (c.type === 'email' || c.type === 'alertmanager') {
            out[c.name] = { ok: false, error: `channel type ${c.type} does not carry approval announcements` };
            continue;
          }
          const url = c.url ?? urlOf(await secret(c.urlCredential!));
          const body =
            c.type === 'webhook'
              ? { event: 'approval.requested', text, link, approval: { id: a.id, runId: a.runId, step: a.step, namespace: a.namespace, message: a.message, approvers: a.approvers, expiresAt: a.expiresAt, onTimeout: a.onTimeout } }
              : c.type === 'slack'
                ? { text }
                : { msgtype: 'text', text: { content: text } };
          const res = await postBody(url, JSON.stringify(body), 'application/json', { timeoutMs: parseDuration(c.timeout, `channels.${c.name}.timeout`), headers: c.type === 'webhook' ? { ...c.headers, 'x-patrol-event': 'approval' } : {} });
          out[c.name] = res.status >= 200 && res.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
        } catch (err) {
          out[c.name] = { ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      }
      return out;
    },
  };
}

export function approvalText(a: ApprovalRecord, link: string): string {
  const who = [...a.approvers.users, ...a.approvers.roles.map((r) => `role ${r}`)].join(', ') || 'anyone who may approve';
  const until = a.expiresAt ? `; decide before ${new Date(a.expiresAt).toISOString()} (then: ${a.onTimeout})` : '';
  return `Approval needed: ${a.message}\nRun ${a.runId}, step ${a.step} (namespace ${a.namespace}). Approvers: ${who}${until}.\nReview the plan and decide: ${link}`;
}

function urlOf(c: Credential): string {
  const v = c.fields.token ?? c.fields.url ?? c.fields.secret ?? Object.values(c.fields)[0];
  if (!v || !/^https?:\/\//.test(v)) throw new Error(`credential ${c.name} does not hold an http(s) URL`);
  return v;
}
