import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * Problems a page showed: console errors, uncaught exceptions, failed requests and error
 * statuses. Tests reset it before a step and assert it stayed empty (or held only what they
 * provoked on purpose, e.g. a 403 page).
 */
export class PageWatch {
  readonly problems: string[] = [];

  constructor(page: Page) {
    page.on('console', (m) => {
      if (m.type() === 'error') this.problems.push(`console error: ${m.text()} (${page.url()})`);
    });
    page.on('pageerror', (e) => this.problems.push(`page error: ${e.message} (${page.url()})`));
    page.on('requestfailed', (r) => {
      const why = r.failure()?.errorText ?? 'failed';
      // Leaving a page cancels its open log stream and refresh: that is not a failure.
      if (why === 'net::ERR_ABORTED' && (r.resourceType() === 'eventsource' || r.resourceType() === 'fetch' || r.url().includes('/logs/stream'))) return;
      this.problems.push(`request failed: ${r.method()} ${r.url()} ${why}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) this.problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
    });
  }

  reset(): void {
    this.problems.length = 0;
  }

  /** Takes the problems seen so far (and forgets them). */
  take(): string[] {
    return this.problems.splice(0);
  }
}

export interface Layout {
  scrollWidth: number;
  innerWidth: number;
  /** The element sticking out furthest (outside scroll boxes), to say what overflowed. */
  widest: string;
}

/** Horizontal overflow of the page: every wide thing must scroll inside its own box. */
export async function measureLayout(page: Page): Promise<Layout> {
  return page.evaluate(`(() => {
    let widest = '';
    let max = 0;
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      if (el.closest('.table-wrap, .graph, .log, .plan, pre, iframe')) continue;
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > max) {
        max = r.right;
        widest = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + String(el.className) + ' (' + Math.round(r.right) + 'px)';
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, widest };
  })()`);
}

/** Where the tests' screenshots go (kept after the run, so people can look at them). */
export function screenshotDir(): string {
  const dir = process.env.PATROL_CONSOLE_SCREENSHOTS ?? join(tmpdir(), 'patrol-console-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface PngInfo {
  bytes: number;
  width: number;
  height: number;
}

/** Size and dimensions of a PNG file, read from its IHDR chunk (throws when it is not a PNG). */
export function pngInfo(file: string): PngInfo {
  const b = readFileSync(file);
  if (b.length < 24 || b.toString('latin1', 1, 4) !== 'PNG' || b.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${file} is not a PNG (${b.length} bytes)`);
  return { bytes: b.length, width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** A full-page screenshot into the screenshot directory; returns what was written. */
export async function screenshot(page: Page, name: string): Promise<PngInfo & { file: string }> {
  const file = join(screenshotDir(), `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return { file, ...pngInfo(file) };
}

/** Signs in through the login form; ends on `next` (or the dashboard). */
export async function signIn(page: Page, url: string, user: string, password: string, next = '/'): Promise<void> {
  await page.goto(`${url}/login?next=${encodeURIComponent(next)}`);
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-form button[type=submit]')]);
}

/** A browser context signed in as `user` (its own session cookie). */
export async function signedInContext(browser: Browser, url: string, user: string, password: string, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const watch = new PageWatch(page);
  await signIn(page, url, user, password);
  return { context, page, watch };
}

/** Number of elements matching a selector (evaluated in the page). */
export function countOf(page: Page, selector: string): Promise<number> {
  return page.evaluate(`document.querySelectorAll(${JSON.stringify(selector)}).length`);
}

/** Polls `read` until `ok` holds for its value (or the time is up); returns the last value. */
export async function waitFor<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 150));
    v = await read();
  }
  return v;
}
