import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { startSmtpServer, type TestMailbox } from '../support/smtp-test-server.js';
import { makeTestCertificates, type TestCertificates } from '../support/tls-certs.js';
import { freePort } from '../support/local-servers.js';
import { inspectionConfig, localInventory, runHostInspection } from '../support/inspection-runs.js';
import { patrol } from '../support/cli.js';
import { loadPatrolConfig } from '../../src/config/patrol-config.js';
import { createMailer } from '../../src/email/mailer.js';
import { reportJsonSchema } from '../../src/reports/report-json-schema.js';

// A real SMTP server (smtp-server) with a private CA, STARTTLS or implicit TLS and AUTH; the
// report is sent by the report step at the end of a real host inspection of this machine, and
// what arrived is read back with mailparser.

let dir: string;
let certs: TestCertificates;
let h: Harness;
let configFile: string;
let inventory: string;

function patrolConfig(smtp: string, extra = ''): void {
  writeFileSync(
    configFile,
    `apiVersion: patrol.dev/v1
kind: PatrolConfig
baseUrl: https://patrol.example
reports: { dir: ${join(dir, 'reports')}, publicUrl: https://reports.example/patrol }
smtp:
${smtp.replace(/^/gm, '  ')}
${extra}`,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-email-'));
  certs = await makeTestCertificates(dir);
  configFile = join(dir, 'patrol.yaml');
  inventory = localInventory(dir);
  h = await createHarness({ credentials: true, patrolSettings: () => loadPatrolConfig({ PATROL_CONFIG: configFile, PATROL_HOME: dir }) });
  await h.credentials!.put({ name: 'smtp-login', type: 'password', fields: { username: 'patrol', password: 's3cret-smtp' } });
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an inspection ends with its report in the mailbox: STARTTLS with a private CA, AUTH, HTML + text, JSON and HTML attached', async () => {
  const box = await startSmtpServer({ tls: { key: certs.key, cert: certs.cert }, auth: { user: 'patrol', pass: 's3cret-smtp' } });
  try {
    patrolConfig(`host: localhost\nport: ${box.port}\nsecure: starttls\ncredential: smtp-login\nca: ${certs.caFile}\nfrom: "Patrol <patrol@example.com>"`);
    const config = inspectionConfig(dir, 'mail-hosts', { disks: 'critical', report: 'email: { to: [ops@example.com], cc: [lead@example.com], attach: [json, html] }' });
    const { run, report } = await runHostInspection(h, { inventory, config, inspection: 'mail-hosts' });
    expect([run.status, report.status, report.error?.message ?? null]).toEqual(['succeeded', 'succeeded', null]);
    const [mail] = await box.waitForMails(1);
    const m = mail!.parsed;
    const model = JSON.parse(readFileSync((report.outputs!.files as Record<string, string>).json!, 'utf8')) as { score: { value: number; grade: string }; counts: { bySeverity: { critical: number } } };
    expect(m.subject).toMatch(new RegExp(`^\\[Patrol\\] mail-hosts: score ${model.score.value} \\(${model.score.grade}\\), ${model.counts.bySeverity.critical} critical`));
    expect(model.counts.bySeverity.critical).toBeGreaterThan(0);
    expect(mail!.secure).toBe(true);
    expect(mail!.user).toBe('patrol');
    expect(mail!.to.sort()).toEqual(['lead@example.com', 'ops@example.com']);
    expect(m.from?.value[0]).toMatchObject({ name: 'Patrol', address: 'patrol@example.com' });
    expect(m.headers.get('x-patrol-run')).toBe(run.id);
    // HTML part: CSS inlined into elements, no SVG (mail clients drop it), the disk problem and its remediation.
    expect(m.html).toEqual(expect.stringContaining('host.disk.usage'));
    expect(m.html).toMatch(/<td[^>]*style="/);
    expect(m.html).not.toContain('<svg');
    expect(m.html).toContain('https://reports.example/patrol/mail-hosts/');
    expect(m.text).toContain('TOP PROBLEMS');
    expect(m.text).toContain('host.disk.usage');
    const names = m.attachments.map((a) => a.filename).sort();
    expect(names).toEqual([`mail-hosts-${run.id}.html`, `mail-hosts-${run.id}.json`]);
    const json = JSON.parse(m.attachments.find((a) => a.filename!.endsWith('.json'))!.content.toString('utf8')) as unknown;
    expect(reportJsonSchema.safeParse(json).success).toBe(true);
    expect(m.attachments.find((a) => a.filename!.endsWith('.html'))!.content.toString('utf8')).toContain('<svg class="chart chart-history"');
    const deliveries = await h.store.deliveries.listByRun(run.id);
    expect(deliveries.map((d) => [d.kind, d.status, d.attempts, d.destination])).toEqual([['report', 'sent', 1, 'ops@example.com, lead@example.com']]);
    expect(existsSync((report.outputs!.files as Record<string, string>).html!)).toBe(true);
  } finally {
    await box.close();
  }
});

test('implicit TLS (SMTPS) with the private CA; an untrusted server certificate fails at once, not after retries', async () => {
  const box = await startSmtpServer({ secure: true, tls: { key: certs.key, cert: certs.cert } });
  try {
    const base = { host: '127.0.0.1', servername: 'localhost', port: box.port, secure: 'tls' as const, from: 'patrol@example.com', timeoutMs: 10_000, retry: { attempts: 3, delayMs: 100, factor: 2, maxDelayMs: 1000 } };
    const ok = await createMailer({ ...base, ca: certs.caFile }, async () => undefined).send({ to: ['a@example.com'], subject: 'tls', html: '<p>hi</p>', text: 'hi' });
    expect([ok.ok, ok.attempts]).toEqual([true, 1]);
    const [mail] = await box.waitForMails(1);
    expect(mail!.secure).toBe(true);
    expect(mail!.parsed.subject).toBe('tls');
    const bad = await createMailer(base, async () => undefined).send({ to: ['a@example.com'], subject: 'untrusted', html: '<p>hi</p>', text: 'hi' });
    expect(bad.ok).toBe(false);
    expect(bad.attempts).toBe(1);
    expect(bad.error).toMatch(/certificate/i);
  } finally {
    await box.close();
  }
});

test('when the server refuses, the report email is retried with backoff and arrives', async () => {
  const box = await startSmtpServer({ tls: { key: certs.key, cert: certs.cert } });
  try {
    box.refuseNext(2);
    patrolConfig(`host: localhost\nport: ${box.port}\nsecure: starttls\nca: ${certs.caFile}\nfrom: patrol@example.com\nretry: { attempts: 4, delay: 200ms, factor: 2 }`);
    const config = inspectionConfig(dir, 'retry-hosts', { disks: 'critical' });
    const { run, report } = await runHostInspection(h, { inventory, config, inspection: 'retry-hosts', reportTo: ['oncall@example.com'] });
    expect([run.status, report.status]).toEqual(['succeeded', 'succeeded']);
    expect(box.refused).toBe(2);
    const [mail] = await box.waitForMails(1);
    expect(mail!.to).toEqual(['oncall@example.com']);
    const [d] = await h.store.deliveries.listByRun(run.id);
    expect([d!.status, d!.attempts]).toEqual(['sent', 3]);
    await h.engine.flushLogs();
    const logs = (await h.store.logs.read({ runId: run.id, step: 'report', limit: 1000 })).items.map((l) => l.message).join('\n');
    expect(logs).toMatch(/report email: try 1 failed \(.*421.*\); retrying in \d+ ms/);
  } finally {
    await box.close();
  }
});

test('a server that stays down: the failed delivery is recorded on the run and shown by patrol runs show', async () => {
  const port = await freePort();
  patrolConfig(`host: 127.0.0.1\nport: ${port}\nsecure: none\nfrom: patrol@example.com\ntimeout: 2s\nretry: { attempts: 3, delay: 100ms }`);
  const config = inspectionConfig(dir, 'down-hosts', { disks: 'critical', report: 'email: { to: [ops@example.com] }' });
  const { run, report } = await runHostInspection(h, { inventory, config, inspection: 'down-hosts' });
  // The inspection itself succeeded; the report step failed (continueOnError) and says why.
  expect(run.status).toBe('succeeded');
  expect(report.status).toBe('failed');
  expect(report.error?.code).toBe('delivery-failed');
  expect(report.error?.message).toMatch(/1 of 1 deliveries failed: report email to ops@example.com: .*ECONNREFUSED/);
  expect(report.outputs).toMatchObject({ failedDeliveries: 1, email: { status: 'failed' } });
  const [d] = await h.store.deliveries.listByRun(run.id);
  expect([d!.status, d!.attempts]).toEqual(['failed', 3]);
  const shown = await patrol(['runs', 'show', run.id], { home: h.dir });
  expect(shown.exitCode).toBe(0);
  expect(shown.stdout).toMatch(/report\s+failed/);
  expect(shown.stdout).toMatch(/report email\s+failed\s+3\s+ops@example\.com\s+.*ECONNREFUSED/);
  const json = await patrol(['runs', 'show', run.id, '--json'], { home: h.dir });
  expect((JSON.parse(json.stdout) as { deliveries: unknown[] }).deliveries).toEqual([expect.objectContaining({ kind: 'report', status: 'failed', attempts: 3 })]);
});

test('a rejected password is permanent: one try, recorded as failed', async () => {
  const box = await startSmtpServer({ tls: { key: certs.key, cert: certs.cert }, auth: { user: 'patrol', pass: 'other' } });
  try {
    patrolConfig(`host: localhost\nport: ${box.port}\nsecure: starttls\ncredential: smtp-login\nca: ${certs.caFile}\nfrom: patrol@example.com\nretry: { attempts: 4, delay: 100ms }`);
    const config = inspectionConfig(dir, 'auth-hosts', { disks: 'ok', report: 'email: { to: [ops@example.com] }' });
    const { run, report } = await runHostInspection(h, { inventory, config, inspection: 'auth-hosts' });
    expect([run.status, report.status]).toEqual(['succeeded', 'failed']);
    const [d] = await h.store.deliveries.listByRun(run.id);
    expect([d!.status, d!.attempts]).toEqual(['failed', 1]);
    expect(d!.error).toMatch(/EAUTH|535|authentication/i);
    expect(box.mails).toHaveLength(0);
    // The password never reaches the stored logs or outputs.
    await h.engine.flushLogs();
    const logs = (await h.store.logs.read({ runId: run.id, limit: 5000 })).items.map((l) => l.message).join('\n');
    expect(logs).not.toContain('s3cret-smtp');
  } finally {
    await box.close();
  }
});
