import type { Credential } from '../credentials/credential.js';
import type { RetryPolicy } from '../config/patrol-config.js';
import { withRetry, type RetryResult } from '../notify/retry.js';
import { classifySmtpError, createSmtpTransport, type SmtpSettings } from './smtp-transport.js';

export interface MailAttachment {
  filename: string;
  content: string | Buffer;
  contentType: string;
}

export interface MailMessage {
  to: string[];
  cc?: string[];
  subject: string;
  html: string;
  text: string;
  attachments?: MailAttachment[];
  /** Extra headers (X-Patrol-Run...). */
  headers?: Record<string, string>;
}

export interface SentMail {
  messageId: string;
  response: string;
  accepted: string[];
  rejected: string[];
}

export interface Mailer {
  /** Sends with retries; never throws for a delivery failure (the result says what happened). */
  send(msg: MailMessage, opts?: { signal?: AbortSignal; onRetry?: (attempt: number, error: string, waitMs: number) => void; retry?: RetryPolicy }): Promise<RetryResult<SentMail>>;
}

/** Sends mail through the configured SMTP server; each try opens a fresh connection. */
export function createMailer(smtp: SmtpSettings, credential: () => Promise<Credential | undefined>): Mailer {
  return {
    async send(msg, opts = {}) {
      return withRetry(
        async () => {
          let transport;
          try {
            transport = await createSmtpTransport(smtp, await credential());
          } catch (err) {
            throw classifySmtpError(err);
          }
          try {
            const info = await transport.sendMail({
              from: smtp.from,
              to: msg.to,
              ...(msg.cc?.length ? { cc: msg.cc } : {}),
              subject: msg.subject,
              html: msg.html,
              text: msg.text,
              ...(msg.attachments?.length ? { attachments: msg.attachments } : {}),
              ...(msg.headers ? { headers: msg.headers } : {}),
            });
            const rejected = (info.rejected ?? []).map(String);
            const accepted = (info.accepted ?? []).map(String);
            if (accepted.length === 0 && rejected.length > 0) throw classifySmtpError({ message: `every recipient was rejected: ${rejected.join(', ')}`, responseCode: 550 });
            return { messageId: info.messageId, response: String(info.response ?? ''), accepted, rejected };
          } catch (err) {
            throw classifySmtpError(err);
          } finally {
            transport.close();
          }
        },
        opts.retry ?? smtp.retry,
        { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onRetry ? { onRetry: opts.onRetry } : {}) },
      );
    },
  };
}
