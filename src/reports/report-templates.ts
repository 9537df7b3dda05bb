import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../config/paths.js';
import { InputError } from '../errors/index.js';

type Template = Handlebars.TemplateDelegate;

/** The compiled templates and stylesheets one report rendering uses. */
export interface TemplateSet {
  /** The standalone HTML report (browser, print, archive). */
  report: Template;
  /** The emailed version (table layout; CSS inlined afterwards). */
  email: Template;
  reportCss: string;
  emailCss: string;
  /** Where each file came from (built-in or the override directory), for `--templates` diagnostics. */
  sources: Record<string, string>;
}

export function builtinTemplatesDir(): string {
  return join(packageRoot(), 'reports', 'templates');
}

const cache = new Map<string, { stamp: string; set: TemplateSet }>();

/**
 * Loads the built-in templates, with any file of the same name in `overrideDir` taking its place
 * (report.hbs, email.hbs, report.css, email.css, partials/NAME.hbs). Compiled sets are cached per
 * directory and reloaded when a file changes.
 */
export function loadTemplates(overrideDir?: string): TemplateSet {
  const builtin = builtinTemplatesDir();
  if (overrideDir !== undefined && !(existsSync(overrideDir) && statSync(overrideDir).isDirectory())) {
    throw new InputError(`report templates directory ${overrideDir} does not exist`, { field: 'reports.templates' });
  }
  const files = new Map<string, string>();
  const collect = (dir: string) => {
    for (const name of ['report.hbs', 'email.hbs', 'report.css', 'email.css']) if (existsSync(join(dir, name))) files.set(name, join(dir, name));
    const pdir = join(dir, 'partials');
    if (existsSync(pdir)) for (const f of readdirSync(pdir)) if (f.endsWith('.hbs')) files.set(`partials/${f}`, join(pdir, f));
  };
  collect(builtin);
  if (overrideDir) collect(overrideDir);
  const stamp = [...files.values()].map((f) => `${f}:${statSync(f).mtimeMs}`).join('|');
  const key = overrideDir ?? '';
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return hit.set;

  const hb = Handlebars.create();
  registerHelpers(hb);
  const read = (name: string) => {
    const f = files.get(name);
    if (!f) throw new InputError(`report template ${name} is missing (looked in ${builtin}${overrideDir ? ` and ${overrideDir}` : ''})`);
    return readFileSync(f, 'utf8');
  };
  const compile = (name: string) => {
    try {
      // Parsed here (compile alone is lazy): a broken override fails when loaded, naming its file.
      return hb.compile(hb.parse(read(name)), { preventIndent: true });
    } catch (err) {
      throw new InputError(`report template ${files.get(name)}: ${(err as Error).message}`);
    }
  };
  for (const [name, file] of files) {
    if (!name.startsWith('partials/')) continue;
    try {
      hb.registerPartial(basename(name, '.hbs'), hb.compile(hb.parse(readFileSync(file, 'utf8')), { preventIndent: true }));
    } catch (err) {
      throw new InputError(`report template ${file}: ${(err as Error).message}`);
    }
  }
  const set: TemplateSet = {
    report: compile('report.hbs'),
    email: compile('email.hbs'),
    reportCss: read('report.css'),
    emailCss: read('email.css'),
    sources: Object.fromEntries(files),
  };
  cache.set(key, { stamp, set });
  return set;
}

function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper('plural', (n: unknown, word: unknown, pluralWord: unknown) => {
    const count = Number(n);
    return `${count} ${count === 1 ? String(word) : typeof pluralWord === 'string' ? pluralWord : `${String(word)}s`}`;
  });
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('gt', (a: unknown, b: unknown) => Number(a) > Number(b));
  hb.registerHelper('json', (v: unknown) => JSON.stringify(v, null, 2));
  hb.registerHelper('upper', (v: unknown) => String(v ?? '').toUpperCase());
}
