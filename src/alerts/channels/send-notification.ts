import { createHmac } from 'node:crypto';
import type { ChannelConfig, RetryPolicy } from '../../config/patrol-config.js';
import { compileRetry } from '../../config/patrol-config.js';
import type { Credential } from '../../credentials/credential.js';
import type { Mailer } from '../../email/mailer.js';
import { resolveCa } from '../../email/smtp-transport.js';
import { postBody } from '../../notify/post-json.js';
import { redactUrl } from '../../notify/delivery.js';
import { DeliveryError, withRetry } from '../../notify/retry.js';
import { parseDuration } from '../../util/duration.js';
import type { Notification } from '../notification-plan.js';
import { alertEmail, alertmanagerPayload, dingtalkPayload, slackPayload, webhookPayload, wecomPayload, type PayloadContext } from './payloads.js';

export interface ChannelDeps {
  /** Credentials by name (the step's resolver: values are masked in logs). */
  secret(name: string): Promise<Credential>;
  /** Absent when smtp is not configured. */
  mailer?: Mailer;
  signal?: AbortSignal;
  onRetry?: (attempt: number, error: string, waitMs: number) => void;
}

export interface SendOutcome {
  ok: boolean;
  attempts: number;
  error?: string;
  response?: string;
  destination: string;
  subject?: string;
  bytes?: number;
}

export const SIGNATURE_HEADER = 'x-patrol-signature';

/** HMAC-SHA256 of the raw body, as sent in X-Patrol-Signature: `sha256=<hex>`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** DingTalk's signed-robot URL parameters: timestamp and base64(HMAC-SHA256(secret, "timestamp\nsecret")). */
export function dingtalkSignedUrl(url: string, secret: string, timestamp: number): string {
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
  const u = new URL(url);
  u.searchParams.set('timestamp', String(timestamp));
  u.searchParams.set('sign', sign);
  return u.toString();
}

/** The secret string of a credential used as a key: token, generic `secret` (or its only field), password. */
export function secretValue(c: Credential): string {
  const f = c.fields;
  const v = f.token ?? f.secret ?? f.password ?? (Object.keys(f).length === 1 ? Object.values(f)[0] : undefined);
  if (!v) throw new DeliveryError(`credential "${c.name}" has no token, secret or password field`, true);
  return v;
}

async function channelUrl(c: Extract<ChannelConfig, { url?: string }>, deps: ChannelDeps): Promise<string> {
  if (c.url) return c.url;
  if (!c.urlCredential) throw new DeliveryError(`channel ${c.name}: no url`, true);
  const url = secretValue(await deps.secret(c.urlCredential));
  if (!/^https?:\/\//.test(url)) throw new DeliveryError(`channel ${c.name}: credential ${c.urlCredential} does not hold an http(s) URL`, true);
  return url;
}

/** Chat robots answer 200 with an error code in the body; rate limits are worth retrying. */
function checkRobotAnswer(body: string, rateLimited: number[]): string {
  let parsed: { errcode?: number; errmsg?: string } | undefined;
  try {
    parsed = JSON.parse(body) as { errcode?: number; errmsg?: string };
  } catch {
    return body.slice(0, 200);
  }
  if (parsed && typeof parsed.errcode === 'number' && parsed.errcode !== 0) {
    throw new DeliveryError(`robot error ${parsed.errcode}: ${parsed.errmsg ?? ''}`, !rateLimited.includes(parsed.errcode), `errcode ${parsed.errcode}`);
  }
  return `errcode ${parsed?.errcode ?? 0}`;
}

/** Sends one notification through its channel, with retries; never throws for a delivery failure. */
export async function sendNotification(n: Notification, ctx: PayloadContext, deps: ChannelDeps): Promise<SendOutcome> {
  const c = n.channel;
  const retry: RetryPolicy = compileRetry(c.retry, `channels.${c.name}.retry`);
  const timeoutMs = parseDuration(c.timeout, `channels.${c.name}.timeout`);
  const opts = { ...(deps.signal ? { signal: deps.signal } : {}), ...(deps.onRetry ? { onRetry: deps.onRetry } : {}) };
  if (c.type === 'email') {
    const destination = [...c.to, ...c.cc].join(', ');
    if (!deps.mailer) return { ok: false, attempts: 0, error: 'smtp is not configured', destination };
    const mail = alertEmail(n, ctx);
    const r = await deps.mailer.send({ to: c.to, cc: c.cc, subject: mail.subject, html: mail.html, text: mail.text, headers: { 'X-Patrol-Run': n.runId, 'X-Patrol-Group': n.groupKey } }, { ...opts, retry });
    return { ok: r.ok, attempts: r.attempts, destination, subject: mail.subject, bytes: Buffer.byteLength(mail.html) + Buffer.byteLength(mail.text), ...(r.error ? { error: r.error } : {}), ...(r.value ? { response: r.value.response } : {}) };
  }
  let url: string;
  let ca: string | undefined;
  try {
    url = await channelUrl(c, deps);
    ca = await resolveCa(c.ca);
  } catch (err) {
    return { ok: false, attempts: 0, error: (err as Error).message, destination: c.url ? redactUrl(c.url) : `(credential ${c.urlCredential})` };
  }
  const destination = redactUrl(url);
  let body: string;
  const headers: Record<string, string> = {};
  let target = url;
  let check: (answer: string) => string = (a) => a.slice(0, 200);
  try {
    switch (c.type) {
      case 'webhook': {
        body = JSON.stringify(webhookPayload(n, ctx));
        Object.assign(headers, c.headers, { 'x-patrol-event': 'alert', 'x-patrol-run': n.runId });
        if (c.secretCredential) headers[SIGNATURE_HEADER] = signBody(secretValue(await deps.secret(c.secretCredential)), body);
        break;
      }
      case 'slack':
        body = JSON.stringify(slackPayload(n, ctx));
        break;
      case 'dingtalk':
        body = JSON.stringify(dingtalkPayload(n, ctx));
        check = (a) => checkRobotAnswer(a, [130101]);
        break;
      case 'wecom':
        body = JSON.stringify(wecomPayload(n, ctx));
        check = (a) => checkRobotAnswer(a, [45009]);
        break;
      case 'alertmanager': {
        body = JSON.stringify(alertmanagerPayload(n, ctx, parseDuration(c.validFor, `channels.${c.name}.validFor`)));
        target = `${url.replace(/\/+$/, '')}/api/v2/alerts`;
        if (c.credential) {
          const cred = await deps.secret(c.credential);
          headers.authorization = cred.type === 'password' ? `Basic ${Buffer.from(`${cred.fields.username ?? ''}:${cred.fields.password ?? ''}`).toString('base64')}` : `Bearer ${secretValue(cred)}`;
        }
        break;
      }
    }
  } catch (err) {
    return { ok: false, attempts: 0, error: (err as Error).message, destination };
  }
  const r = await withRetry(
    async () => {
      // DingTalk signatures carry a timestamp the robot checks (within an hour): sign each try.
      const to = c.type === 'dingtalk' && c.secretCredential ? dingtalkSignedUrl(target, secretValue(await deps.secret(c.secretCredential)), Date.now()) : target;
      const res = await postBody(to, body, 'application/json', { headers, timeoutMs, ...(ca ? { ca } : {}), ...(deps.signal ? { signal: deps.signal } : {}) });
      return `HTTP ${res.status} ${check(res.body)}`.trim();
    },
    retry,
    opts,
  );
  return { ok: r.ok, attempts: r.attempts, destination: c.type === 'alertmanager' ? redactUrl(target) : destination, bytes: Buffer.byteLength(body), ...(r.error ? { error: r.error } : {}), ...(r.value ? { response: r.value } : {}) };
}
