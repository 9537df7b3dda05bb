import { createHmac } from 'node:crypto';
import type { z } from 'zod';
import { alertRuleSchema, channelSchema, type AlertRuleConfig, type ChannelConfig } from '../../src/config/patrol-config.js';
import { fingerprintOf, type Finding, type Severity } from '../../src/findings/finding.js';
import { alertIdentity, labelsFingerprint, ruleMatches, type RuleContext } from '../../src/alerts/alert-rules.js';
import { evaluateAlertTransitions, type AlertTransition } from '../../src/alerts/evaluate-alerts.js';
import { planNotifications } from '../../src/alerts/notification-plan.js';
import { matcherMatches, parseMatcher, silenceMatches, type Silence } from '../../src/alerts/silence.js';
import type { AlertRecord } from '../../src/alerts/alert-record.js';
import { dingtalkSignedUrl, signBody } from '../../src/alerts/channels/send-notification.js';
import { alertmanagerPayload, dingtalkPayload, slackPayload, webhookPayload, wecomPayload } from '../../src/alerts/channels/payloads.js';
import { backoffMs } from '../../src/notify/retry.js';

const ctx: RuleContext = { inspection: 'prod-hosts', runId: 'r1', runLabels: { environment: 'prod', 'patrol.dev/kind': 'host' }, reportUrl: 'https://r.example/x.html', remediationUrl: () => null };
const rule = (r: z.input<typeof alertRuleSchema>): AlertRuleConfig => alertRuleSchema.parse(r);
const channel = (c: Record<string, unknown>): ChannelConfig => channelSchema.parse(c);

function finding(check: string, target: string, severity: Severity, extra: Partial<Finding> = {}): Finding {
  return { id: `${check}-${target}`, runId: 'r1', step: 's', check, category: 'host', target, host: target.split(':')[0]!, severity, message: `${check} is ${severity}`, fingerprint: fingerprintOf(check, target), createdAt: 0, ...extra };
}

function evaluate(findings: Finding[], rules: AlertRuleConfig[], prev: AlertRecord[], now: number, opts: { status?: string; limit?: string; silences?: Silence[] } = {}): AlertTransition[] {
  return evaluateAlertTransitions({
    runId: `run-${now}`,
    status: opts.status ?? 'succeeded',
    ...(opts.limit ? { limit: opts.limit } : {}),
    findings,
    rules,
    context: { ...ctx, runId: `run-${now}` },
    firing: prev.filter((a) => a.state === 'firing'),
    known: new Map(prev.map((a) => [a.fingerprint, a])),
    silences: opts.silences ?? [],
    now,
  });
}

test('rules select findings by check pattern, category, severity and labels', () => {
  const disk = finding('host.disk.usage', 'web-1:/', 'critical', { labels: { team: 'infra' } });
  expect(ruleMatches(rule({ name: 'a', match: { checks: ['host.disk.*'] } }), disk, ctx)).toBe(true);
  expect(ruleMatches(rule({ name: 'a', match: { checks: ['db.*'] } }), disk, ctx)).toBe(false);
  expect(ruleMatches(rule({ name: 'a', match: { severities: ['warning'] } }), disk, ctx)).toBe(false);
  expect(ruleMatches(rule({ name: 'a', match: { categories: ['db'] } }), disk, ctx)).toBe(false);
  expect(ruleMatches(rule({ name: 'a', match: { labels: { environment: 'prod', team: ['infra', 'dba'] } } }), disk, ctx)).toBe(true);
  expect(ruleMatches(rule({ name: 'a', match: { labels: { environment: 'stag*' } } }), disk, ctx)).toBe(false);
  expect(ruleMatches(rule({ name: 'a' }), finding('host.disk.usage', 'web-1:/', 'ok'), ctx)).toBe(false);
  expect(ruleMatches(rule({ name: 'a' }), { ...disk, exemption: { owner: 'o', reason: 'r', expires: '2099-01-01' } }, ctx)).toBe(false);
});

test('labels identify an alert: stable fingerprint, sanitised names, templated rule labels and annotations', () => {
  const f = finding('host.disk.usage', 'web-1:/', 'critical', { labels: { 'team.name': 'infra' }, remediation: 'clean up' });
  const r = rule({ name: 'DiskFull', labels: { team: '{{lookup labels "team.name"}}', page: 'yes', empty: '{{labels.nothing}}' }, annotations: { summary: '{{check}} on {{host}}: {{message}}' } });
  const id = alertIdentity(r, f, ctx);
  // Run labels (patrol.dev/* left out), finding labels (sanitised), the built-in ones, then the rule's; empty values dropped.
  expect(id.labels).toEqual({ environment: 'prod', team_name: 'infra', alertname: 'DiskFull', inspection: 'prod-hosts', check: 'host.disk.usage', category: 'host', severity: 'critical', target: 'web-1:/', host: 'web-1', team: 'infra', page: 'yes' });
  expect(id.annotations.summary).toBe('host.disk.usage on web-1: host.disk.usage is critical');
  expect(id.annotations.remediation).toBe('clean up');
  expect(id.annotations.report_url).toBe('https://r.example/x.html');
  expect(alertIdentity(r, f, ctx).fingerprint).toBe(id.fingerprint);
  expect(labelsFingerprint({ a: '1', b: '2' })).toBe(labelsFingerprint({ b: '2', a: '1' }));
  expect(labelsFingerprint({ a: '1', b: '2' })).not.toBe(labelsFingerprint({ a: '1', b: '3' }));
  expect(Object.keys(id.labels).every((k) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k))).toBe(true);
});

test('lifecycle: fires, stays firing with its start, resolves when a later run no longer finds it, fires again', () => {
  const rules = [rule({ name: 'Any' })];
  const t1 = evaluate([finding('host.disk.usage', 'web-1:/', 'critical'), finding('host.cpu', 'web-2', 'ok')], rules, [], 1000);
  expect(t1.map((t) => t.kind)).toEqual(['fired']);
  const a1 = t1[0]!.alert;
  const t2 = evaluate([finding('host.disk.usage', 'web-1:/', 'critical')], rules, [a1], 2000);
  expect(t2.map((t) => [t.kind, t.alert.startsAt])).toEqual([['still-firing', 1000]]);
  // A failed run (it saw too little) never resolves anything.
  expect(evaluate([], rules, [t2[0]!.alert], 2500, { status: 'failed' })).toEqual([]);
  // A run limited to other hosts leaves the alert alone.
  expect(evaluate([finding('host.cpu', 'web-2', 'ok')], rules, [t2[0]!.alert], 2600, { limit: 'web-2' })).toEqual([]);
  const t3 = evaluate([finding('host.disk.usage', 'web-1:/', 'ok')], rules, [t2[0]!.alert], 3000);
  expect(t3.map((t) => [t.kind, t.alert.state, t.alert.endsAt])).toEqual([['resolved', 'resolved', 3000]]);
  const t4 = evaluate([finding('host.disk.usage', 'web-1:/', 'critical')], rules, [t3[0]!.alert], 4000);
  expect(t4.map((t) => [t.kind, t.alert.startsAt])).toEqual([['fired', 4000]]);
  // A severity change is another label set: the warning alert resolves, a critical one fires.
  const w = evaluate([finding('host.disk.usage', 'web-1:/', 'warning')], rules, [t4[0]!.alert], 5000);
  expect(w.map((t) => t.kind).sort()).toEqual(['fired', 'resolved']);
});

test('notifications: grouped per run and target, repeat interval, send_resolved, silences, Alertmanager gets every firing alert', () => {
  const mail = channel({ name: 'mail', type: 'email', to: ['ops@example.com'] });
  const am = channel({ name: 'am', type: 'alertmanager', url: 'http://am:9093' });
  const hook = channel({ name: 'hook', type: 'webhook', url: 'http://hook', sendResolved: false });
  const rules = [rule({ name: 'Any', repeatInterval: '1h' })];
  const fs = [finding('host.disk.usage', 'web-1:/', 'critical'), finding('host.disk.usage', 'web-1:/var', 'warning'), finding('host.mem', 'web-2', 'critical')];
  const t1 = evaluate(fs, rules, [], 0);
  const plan1 = planNotifications({ transitions: t1, channels: [mail, am, hook], rules, repeatIntervalMs: 4 * 3600_000, runId: 'r', inspection: 'i', now: 0 });
  const mails = plan1.notifications.filter((n) => n.channel.name === 'mail');
  expect(mails.map((n) => [n.group, n.alerts.length])).toEqual([
    ['web-1', 2],
    ['web-2', 1],
  ]);
  expect(plan1.notifications.filter((n) => n.channel.name === 'am')).toHaveLength(1);
  // Mark as delivered, then 30 minutes later: email/webhook wait (repeat 1h), Alertmanager is re-sent.
  for (const t of t1) t.alert.notified = { mail: { at: 0, state: 'firing' }, am: { at: 0, state: 'firing' }, hook: { at: 0, state: 'firing' } };
  const t2 = evaluate(fs, rules, t1.map((t) => t.alert), 1_800_000);
  const plan2 = planNotifications({ transitions: t2, channels: [mail, am, hook], rules, repeatIntervalMs: 4 * 3600_000, runId: 'r2', inspection: 'i', now: 1_800_000 });
  expect(plan2.notifications.map((n) => n.channel.name)).toEqual(['am']);
  expect(plan2.waiting).toBe(6);
  const t3 = evaluate(fs, rules, t2.map((t) => t.alert), 3_600_000);
  expect(planNotifications({ transitions: t3, channels: [mail], rules, repeatIntervalMs: 0, runId: 'r3', inspection: 'i', now: 3_600_000 }).notifications).toHaveLength(2);
  // Resolution: told to channels that heard it fire, unless sendResolved is off.
  const t4 = evaluate([finding('host.disk.usage', 'web-1:/', 'critical'), finding('host.disk.usage', 'web-1:/var', 'ok'), finding('host.mem', 'web-2', 'critical')], rules, t3.map((t) => t.alert), 3_700_000);
  const plan4 = planNotifications({ transitions: t4.filter((t) => t.kind === 'resolved'), channels: [mail, am, hook], rules, repeatIntervalMs: 4 * 3600_000, runId: 'r4', inspection: 'i', now: 3_700_000 });
  expect(plan4.notifications.map((n) => [n.channel.name, n.status, n.alerts.length])).toEqual([
    ['mail', 'resolved', 1],
    ['am', 'resolved', 1],
  ]);
  // A silence on web-2 mutes mail but not Alertmanager (it has its own silences) by default.
  const silence: Silence = { id: 's1', matchers: [parseMatcher('host=web-2')], startsAt: 0, endsAt: 10_000_000, createdBy: 'me', comment: 'maintenance', createdAt: 0, updatedAt: 0 };
  const t5 = evaluate(fs, rules, [], 3_800_000, { silences: [silence] });
  expect(t5.find((t) => t.alert.host === 'web-2')!.alert.silencedBy).toEqual(['s1']);
  const plan5 = planNotifications({ transitions: t5, channels: [mail, am], rules, repeatIntervalMs: 0, runId: 'r5', inspection: 'i', now: 3_800_000 });
  expect(plan5.notifications.map((n) => [n.channel.name, n.group])).toEqual([
    ['mail', 'web-1'],
    ['am', ''],
  ]);
  expect(plan5.silenced).toBe(1);
});

test('matchers follow Alertmanager: =, !=, =~ and !~ anchored, a missing label is empty', () => {
  const labels = { severity: 'critical', host: 'web-12' };
  expect(matcherMatches(parseMatcher('severity=critical'), labels)).toBe(true);
  expect(matcherMatches(parseMatcher('severity!=critical'), labels)).toBe(false);
  expect(matcherMatches(parseMatcher('host=~web-1.*'), labels)).toBe(true);
  expect(matcherMatches(parseMatcher('host=~web'), labels)).toBe(false);
  expect(matcherMatches(parseMatcher('host!~db-.*'), labels)).toBe(true);
  expect(matcherMatches(parseMatcher('team=""'), labels)).toBe(true);
  expect(() => parseMatcher('host=~(')).toThrow(/invalid regular expression/);
  expect(() => parseMatcher('no operator')).toThrow(/name=value/);
  const s: Silence = { id: 'x', matchers: [parseMatcher('host=~web-.*')], startsAt: 100, endsAt: 200, createdBy: 'a', comment: 'c', createdAt: 0, updatedAt: 0 };
  expect(silenceMatches(s, labels, 50)).toBe(false);
  expect(silenceMatches(s, labels, 150)).toBe(true);
  expect(silenceMatches(s, labels, 200)).toBe(false);
});

test('payloads: Alertmanager v2, webhook (Alertmanager webhook format), Slack, DingTalk, WeCom; signatures', () => {
  const rules = [rule({ name: 'Any' })];
  const t = evaluate([finding('host.disk.usage', 'web-1:/', 'critical')], rules, [], Date.UTC(2026, 0, 1));
  const n = planNotifications({ transitions: t, channels: [channel({ name: 'h', type: 'webhook', url: 'http://x' })], rules, repeatIntervalMs: 0, runId: 'r', inspection: 'prod-hosts', now: 0 }).notifications[0]!;
  const pctx = { now: Date.UTC(2026, 0, 1), baseUrl: 'https://patrol.example', reportUrl: 'https://r.example/x.html' };
  const am = alertmanagerPayload(n, pctx, 3_600_000);
  expect(am[0]).toMatchObject({ labels: { alertname: 'Any', severity: 'critical' }, startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2026-01-01T01:00:00.000Z' });
  expect(am[0]!.generatorURL).toMatch(/^https:\/\/patrol\.example\/runs\//);
  const wh = webhookPayload(n, pctx);
  expect(wh).toMatchObject({ version: '4', status: 'firing', receiver: 'h', groupLabels: { inspection: 'prod-hosts', target: 'web-1' }, patrol: { runId: 'r', reportUrl: 'https://r.example/x.html' } });
  expect(wh.alerts[0]!.fingerprint).toBe(n.alerts[0]!.fingerprint);
  const slack = slackPayload(n, pctx);
  expect(slack.text).toContain('[FIRING:1] web-1 · prod-hosts');
  expect(slack.blocks[0]).toMatchObject({ type: 'header' });
  expect(dingtalkPayload(n, pctx)).toMatchObject({ msgtype: 'markdown', markdown: { title: expect.stringContaining('FIRING') } });
  const wc = wecomPayload(n, pctx);
  expect(wc.msgtype).toBe('markdown');
  expect(wc.markdown.content).toContain('<font color="warning">CRITICAL host.disk.usage web-1:/');
  expect(signBody('k', '{"a":1}')).toBe(`sha256=${createHmac('sha256', 'k').update('{"a":1}').digest('hex')}`);
  const signed = new URL(dingtalkSignedUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', 'SECxyz', 1700000000000));
  expect(signed.searchParams.get('access_token')).toBe('abc');
  expect(signed.searchParams.get('sign')).toBe(createHmac('sha256', 'SECxyz').update('1700000000000\nSECxyz').digest('base64'));
});

test('backoff grows exponentially up to the cap', () => {
  const p = { attempts: 5, delayMs: 1000, factor: 2, maxDelayMs: 5000 };
  expect([1, 2, 3, 4].map((a) => backoffMs(p, a, () => 0.5))).toEqual([1000, 2000, 4000, 5000]);
});
