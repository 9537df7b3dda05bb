import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../config/paths.js';
import { formatDuration } from '../util/duration.js';

type Template = Handlebars.TemplateDelegate;

/** The console's files: Handlebars views and partials, and the static CSS and JavaScript. */
export function consoleDir(): string {
  return join(packageRoot(), 'console');
}

/** A time as people read it in tables: `2024-05-01 10:00:03 UTC` (the browser shows local time). */
export function formatTime(t: unknown): string {
  if (typeof t !== 'number' || !Number.isFinite(t)) return '-';
  return `${new Date(t).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** "3 min ago", "in 2 h": for next and last runs. */
export function relativeTime(t: number, now: number): string {
  const d = t - now;
  const abs = Math.abs(d);
  const text = abs < 60_000 ? `${Math.max(1, Math.round(abs / 1000))} s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 172_800_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} d`;
  return d >= 0 ? `in ${text}` : `${text} ago`;
}

/** Duration between two times (until now when the end is missing); "-" before the start. */
export function span(start: number | null | undefined, end: number | null | undefined, now = Date.now()): string {
  if (typeof start !== 'number') return '-';
  return formatDuration(Math.max(0, (typeof end === 'number' ? end : now) - start));
}

/**
 * The console's Handlebars: the same library (one engine) as reports and email, its own instance
 * and helpers. Pages wrap themselves in the `layout` partial (`{{#> layout}}...{{/layout}}`), so
 * no template ever inserts unescaped HTML: every value goes through Handlebars' escaping.
 */
export class ViewEngine {
  private readonly hb = Handlebars.create();
  private readonly pages = new Map<string, { mtime: number; template: Template }>();
  private partialStamp = '';

  constructor(
    private readonly dir: string = join(consoleDir(), 'views'),
    /** Recompile a view when its file changes (development). @defaultValue false */
    private readonly watch = false,
  ) {
    registerHelpers(this.hb);
    this.loadPartials();
  }

  render(view: string, model: Record<string, unknown>): string {
    if (this.watch) this.loadPartials();
    return this.page(view)(model, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  }

  private page(view: string): Template {
    if (!/^[a-z][a-z0-9-]*$/.test(view)) throw new Error(`bad view name ${view}`);
    const file = join(this.dir, `${view}.hbs`);
    const mtime = this.watch ? statSync(file).mtimeMs : 0;
    const hit = this.pages.get(view);
    if (hit && hit.mtime === mtime) return hit.template;
    const template = this.hb.compile(this.hb.parse(readFileSync(file, 'utf8')), { strict: false, preventIndent: true });
    this.pages.set(view, { mtime, template });
    return template;
  }

  private loadPartials(): void {
    const pdir = join(this.dir, 'partials');
    if (!existsSync(pdir)) return;
    const files = readdirSync(pdir).filter((f) => f.endsWith('.hbs')).sort();
    const stamp = files.map((f) => `${f}:${this.watch ? statSync(join(pdir, f)).mtimeMs : 0}`).join('|');
    if (stamp === this.partialStamp) return;
    for (const f of files) this.hb.registerPartial(basename(f, '.hbs'), this.hb.compile(this.hb.parse(readFileSync(join(pdir, f), 'utf8')), { preventIndent: true }));
    this.partialStamp = stamp;
    this.pages.clear();
  }
}

function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hb.registerHelper('gt', (a: unknown, b: unknown) => Number(a) > Number(b));
  hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hb.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hb.registerHelper('not', (a: unknown) => !a);
  hb.registerHelper('time', (t: unknown) => formatTime(t));
  /** ISO time for <time datetime>: the console's script shows it in the browser's time zone. */
  hb.registerHelper('iso', (t: unknown) => (typeof t === 'number' && Number.isFinite(t) ? new Date(t).toISOString() : ''));
  hb.registerHelper('duration', (ms: unknown) => (typeof ms === 'number' && Number.isFinite(ms) ? formatDuration(ms) : '-'));
  hb.registerHelper('span', (a: unknown, b: unknown) => span(typeof a === 'number' ? a : null, typeof b === 'number' ? b : null));
  hb.registerHelper('json', (v: unknown) => JSON.stringify(v, null, 2));
  hb.registerHelper('plural', (n: unknown, word: unknown) => `${Number(n)} ${String(word)}${Number(n) === 1 ? '' : 's'}`);
  hb.registerHelper('includes', (list: unknown, v: unknown) => Array.isArray(list) && list.includes(v));
}
