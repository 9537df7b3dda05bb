import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { patrol } from '../support/cli.js';
import { inspectionConfig, localInventory } from '../support/inspection-runs.js';
import { insertScoredRun, insertSyntheticRun } from '../support/synthetic-inspection.js';
import { startSmtpServer } from '../support/smtp-test-server.js';
import { openStore } from '../../src/store/open-store.js';

// The HTML report rendered in headless Chromium (Debian's, through playwright-core): it renders,
// its charts are there, nothing overflows at 1280 and 375 px, it loads nothing from outside, it
// prints; and a 10,000-finding run stays readable with an emailed version under 1 MB.

let dir: string;
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-report-html-'));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface PageCheck {
  scrollWidth: number;
  innerWidth: number;
  historyPoints: number;
  severityCharts: number;
  widest: string;
}

// Runs in the page (a string: the test project is type-checked without DOM types). The element
// sticking out furthest (outside scroll containers) is named so a failure says what overflowed.
const MEASURE = `(() => {
  let widest = '';
  let max = 0;
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    const r = el.getBoundingClientRect();
    if (r.right > max && !el.closest('.scroll')) {
      max = r.right;
      widest = el.tagName.toLowerCase() + '.' + el.className + ' (' + Math.round(r.right) + 'px)';
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    historyPoints: document.querySelectorAll('svg.chart-history circle').length,
    severityCharts: document.querySelectorAll('svg.chart-severity rect').length,
    widest,
  };
})()`;

/** Opens the report at a width and measures overflow; every request must be for the file itself. */
async function open(file: string, width: number, shot: string): Promise<{ page: Page; check: PageCheck; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  const check = (await page.evaluate(MEASURE)) as PageCheck;
  await page.screenshot({ path: shot, fullPage: false });
  return { page, check, requests };
}

test('a real inspection report renders in Chromium at 1280 and 375 px: charts present, no overflow, nothing external, printable', async () => {
  const home = join(dir, 'home');
  const inventory = localInventory(dir);
  const cfg1 = inspectionConfig(dir, 'browser-hosts', { disks: 'critical' });
  const cfg2 = inspectionConfig(dir, 'browser-hosts', { disks: 'ok' });
  for (const cfg of [cfg1, cfg2, cfg1]) {
    const r = await patrol(['inspect', 'host', '-i', inventory, '-c', cfg, '--fail-on', 'never'], { home });
    expect([r.exitCode, r.stderr]).toEqual([0, expect.stringContaining('Report: ')]);
  }
  const reports = join(home, 'reports', 'browser-hosts');
  const htmls = readdirSync(reports).filter((f) => f.endsWith('.html')).sort();
  expect(htmls).toHaveLength(3);
  expect(readdirSync(reports).filter((f) => f.endsWith('.json'))).toHaveLength(3);
  const file = join(reports, htmls[2]!);
  for (const width of [1280, 375]) {
    const shot = join(dir, `report-${width}.png`);
    const { page, check, requests } = await open(file, width, shot);
    expect(`${width}px: scrollWidth ${check.scrollWidth}, widest ${check.widest}`).toBe(`${width}px: scrollWidth ${width}, widest ${check.widest}`);
    expect(check.historyPoints).toBe(3);
    expect(check.severityCharts).toBeGreaterThan(0);
    expect(requests.every((u) => u === `file://${file}`)).toBe(true);
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    // The page shows what the issue asks for.
    const text = await page.locator('body').innerText();
    for (const s of ['Top problems', 'Changes since the previous run', 'Hosts × checks', 'Targets', 'host.disk.usage', 'Remediation']) expect(text).toContain(s);
    expect(await page.locator('#changes').innerText()).toMatch(/New problems \(\d+\)/);
    await page.close();
  }
  // Printed: collapsed sections are expanded, and a PDF comes out.
  const { page } = await open(file, 1280, join(dir, 'print.png'));
  await page.emulateMedia({ media: 'print' });
  // A table inside a collapsed <details> has a height only when print expands it.
  const hiddenInPrint = await page.evaluate(`(() => { const t = document.querySelector('details.passed table'); return t ? t.getBoundingClientRect().height === 0 : true; })()`);
  expect(hiddenInPrint).toBe(false);
  const pdf = await page.pdf({ format: 'A4' });
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  await page.close();
});

test('10,000 findings: collapsed and paginated in the browser, summarised under 1 MB by email with a link to the full report', async () => {
  const home = join(dir, 'big');
  const store = await openStore({ url: join(home, 'patrol.db') });
  const day = 86_400_000;
  const start = Date.UTC(2026, 0, 1);
  let run;
  try {
    await store.transaction(async (tx) => {
      for (let i = 0; i < 28; i++) await insertScoredRun(tx, { inspection: 'fleet', at: start + i * day, score: 70 + ((i * 7) % 25) });
      await insertSyntheticRun(tx, { inspection: 'fleet', hosts: 125, checks: 80, at: start + 28 * day, seed: 1 });
      run = await insertSyntheticRun(tx, { inspection: 'fleet', hosts: 125, checks: 80, at: start + 29 * day, seed: 2 });
    });
  } finally {
    await store.close();
  }
  const runId = run!.id as string;
  const box = await startSmtpServer();
  try {
    const cfg = join(dir, 'big.yaml');
    writeFileSync(cfg, `apiVersion: patrol.dev/v1\nkind: PatrolConfig\nreports: { publicUrl: https://reports.example/p, emailBudgetBytes: 1000000 }\nsmtp: { host: 127.0.0.1, port: ${box.port}, secure: none, from: patrol@example.com }\n`);
    const out = join(dir, 'big.html');
    const env = { PATROL_CONFIG: cfg };
    const t0 = Date.now();
    const r = await patrol(['report', runId, '--format', 'html', '-o', out, '--email', '--to', 'ops@example.com'], { home, env });
    expect([r.exitCode, r.stderr]).toEqual([0, expect.stringContaining('10000 findings')]);
    expect(Date.now() - t0).toBeLessThan(60_000);
    const html = readFileSync(out, 'utf8');
    // Readable: passing results collapsed per target, long sections in pages (only the first open).
    expect((html.match(/<details class="passed">/g) ?? []).length).toBe(125);
    expect(html).not.toContain('<details class="passed" open');
    const pages = html.match(/<details class="page-block"( open)?>\s*<summary>targets [^<]*/g) ?? [];
    expect(pages.length).toBeGreaterThan(3);
    expect(pages.filter((p) => p.includes(' open>'))).toHaveLength(1);
    expect(html.length).toBeLessThan(12_000_000);
    const { page, check } = await open(out, 375, join(dir, 'big-375.png'));
    expect(`scrollWidth ${check.scrollWidth}, widest ${check.widest}`).toBe(`scrollWidth 375, widest ${check.widest}`);
    expect(check.historyPoints).toBe(30);
    await page.close();
    const wide = await open(out, 1280, join(dir, 'big-1280.png'));
    expect(`scrollWidth ${wide.check.scrollWidth}, widest ${wide.check.widest}`).toBe(`scrollWidth 1280, widest ${wide.check.widest}`);
    await wide.page.close();
    // The emailed version: under the budget, summarised, linking to the full report.
    const [mail] = await box.waitForMails(1);
    expect(mail!.raw.length).toBeLessThan(1_400_000); // 1 MB of HTML + text, plus MIME encoding
    expect(Buffer.byteLength(String(mail!.parsed.html)) + Buffer.byteLength(mail!.parsed.text ?? '')).toBeLessThanOrEqual(1_000_000);
    expect(mail!.parsed.html).toContain(`https://reports.example/p/fleet/${runId}.html`);
    expect(mail!.parsed.html).toMatch(/This email lists \d+ of \d+ problems \(summarised to keep the message small\)/);
    expect(mail!.parsed.subject).toMatch(/^\[Patrol\] fleet: score [\d.]+ \([A-F]\) [▲▼][\d.]+, \d+ critical, \d+ error$/);
  } finally {
    await box.close();
  }
});
