import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPatrolConfig } from '../../src/config/patrol-config.js';

const dir = mkdtempSync(join(tmpdir(), 'patrol-config-'));
const write = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

test('without a config file Patrol runs on defaults (reports in PATROL_HOME)', async () => {
  const s = await loadPatrolConfig({ PATROL_HOME: join(dir, 'home') });
  expect(s.reports).toMatchObject({ dir: join(dir, 'home', 'reports'), formats: ['html', 'json'], emailBudgetBytes: 1_000_000, historyRuns: 30 });
  expect(s.smtp).toBeUndefined();
  expect(s.alerting).toMatchObject({ enabled: true, repeatIntervalMs: 4 * 3600_000, channels: [], rules: [] });
});

test('a full config compiles: relative paths, durations, channels and rules', async () => {
  const f = write(
    'full.yaml',
    `apiVersion: patrol.dev/v1
kind: PatrolConfig
baseUrl: https://patrol.example/
reports: { dir: reports, templates: tpl, publicUrl: https://reports.example, formats: [html, json, junit] }
smtp: { host: mail.example, secure: tls, credential: smtp-login, ca: ca.pem, from: "Patrol <patrol@example.com>", retry: { attempts: 3, delay: 500ms } }
alerting:
  repeatInterval: 2h
  channels:
    - { name: ops-mail, type: email, to: [ops@example.com] }
    - { name: am, type: alertmanager, url: "http://127.0.0.1:9093" }
    - { name: chat, type: dingtalk, urlCredential: dingtalk-url, secretCredential: dingtalk-secret }
  rules:
    - name: DiskFull
      match: { checks: [host.disk.*], severities: [critical], labels: { environment: prod } }
      labels: { team: infra }
      channels: [ops-mail, am]
`,
  );
  const s = await loadPatrolConfig({ PATROL_CONFIG: f, PATROL_HOME: dir });
  expect(s.baseUrl).toBe('https://patrol.example');
  expect(s.reports.dir).toBe(join(dir, 'reports'));
  expect(s.reports.templates).toBe(join(dir, 'tpl'));
  expect(s.smtp).toMatchObject({ host: 'mail.example', secure: 'tls', ca: join(dir, 'ca.pem'), timeoutMs: 30_000, retry: { attempts: 3, delayMs: 500, factor: 2, maxDelayMs: 60_000 } });
  expect(s.alerting.repeatIntervalMs).toBe(7_200_000);
  expect(s.alerting.rules[0]!.match.severities).toEqual(['critical']);
});

test('mistakes are reported with file:line:col', async () => {
  const f = write(
    'bad.yaml',
    `apiVersion: patrol.dev/v1
kind: PatrolConfig
reports: { formats: [pdf] }
alerting:
  channels:
    - { name: hook, type: webhook }
  rules:
    - name: R
      channels: [nowhere]
      labels: { "bad-name": x }
`,
  );
  await expect(loadPatrolConfig({ PATROL_CONFIG: f })).rejects.toThrow(/bad\.yaml:3:\d+: reports\.formats\[0\]/);
  const g = write(
    'bad2.yaml',
    `apiVersion: patrol.dev/v1
kind: PatrolConfig
alerting:
  channels:
    - { name: hook, type: webhook }
  rules:
    - name: R
      channels: [nowhere]
`,
  );
  await expect(loadPatrolConfig({ PATROL_CONFIG: g })).rejects.toThrow(/bad2\.yaml:5:\d+: alerting\.channels\[0\]: give exactly one of url and urlCredential[\s\S]*bad2\.yaml:8:\d+: alerting\.rules\[0\]\.channels\[0\]: "nowhere" names no channel/);
  await expect(loadPatrolConfig({ PATROL_CONFIG: join(dir, 'missing.yaml') })).rejects.toThrow(/PATROL_CONFIG names .*missing\.yaml, which does not exist/);
});
