import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { REPO } from './cli.js';

/**
 * Environment variables Patrol's own code reads, found in src/: `env.NAME`, `process.env.NAME`,
 * `env['NAME']` and `envNumber(env, 'NAME')`. Deploy files may only set these (a typo or a variable
 * no code reads would silently do nothing).
 */
export function envVarsReadBySource(dir = join(REPO, 'src')): Set<string> {
  const names = new Set<string>();
  const patterns = [/\benv\??\.([A-Z][A-Z0-9_]*)\b/g, /\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g, /\benvNumber\(\s*env\s*,\s*['"]([A-Z][A-Z0-9_]*)['"]/g];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        for (const re of patterns) for (const m of text.matchAll(re)) names.add(m[1]!);
      }
    }
  };
  walk(dir);
  return names;
}

/**
 * The options of a `patrol` subcommand, from the command's own registration code (the same
 * commander definitions the CLI uses): long names, negations included (--no-engine).
 */
export async function cliCommandOptions(command: string): Promise<Set<string>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(`../../src/cli/commands/${command}.js`)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`patrol has no command "${command}" (no src/cli/commands/${command}.ts): ${(err as Error).message}`);
  }
  const register = Object.entries(mod).find(([k, v]) => k.startsWith('register') && typeof v === 'function')?.[1] as ((p: Command) => void) | undefined;
  if (!register) throw new Error(`src/cli/commands/${command}.ts exports no register function`);
  const program = new Command();
  register(program);
  const cmd = program.commands.find((c) => c.name() === command);
  if (!cmd) throw new Error(`src/cli/commands/${command}.ts registers no "${command}" command`);
  return new Set(['--help', ...cmd.options.map((o) => o.long).filter((l): l is string => Boolean(l))]);
}

/** Problems with a `patrol ...` argument vector: an unknown command or unknown --options. */
export async function cliArgvProblems(argv: readonly string[], where: string): Promise<string[]> {
  const [command, ...rest] = argv;
  if (!command || command.startsWith('-')) return [`${where}: no patrol command in ${JSON.stringify(argv)}`];
  let options: Set<string>;
  try {
    options = await cliCommandOptions(command);
  } catch (err) {
    return [`${where}: ${(err as Error).message}`];
  }
  return rest
    .filter((a) => a.startsWith('--'))
    .map((a) => a.split('=')[0]!)
    .filter((o) => !options.has(o))
    .map((o) => `${where}: patrol ${command} has no option ${o} (it has ${[...options].join(', ')})`);
}

/** KEY=VALUE lines (comments and blank lines skipped), as Docker Compose and systemd read them. */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(t);
    if (!m) throw new Error(`not KEY=VALUE: ${line}`);
    out.set(m[1]!, m[2]!.replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/**
 * Docker Compose's interpolation of ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
 * ${VAR?error} and $$ in every string of a parsed compose file. Throws the `:?` message of the
 * first required variable that is unset (or empty, for `:?`), like `docker compose` does.
 */
export function interpolateCompose(value: unknown, vars: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (all === '$$') return '$';
      if (bare) return vars.get(bare) ?? '';
      const v = vars.get(name!);
      const missing = v === undefined || (colon === ':' && v === '');
      if (op === '-') return missing ? arg! : v!;
      if (op === '?') {
        if (missing) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return v!;
      }
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolateCompose(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateCompose(v, vars)]));
  return value;
}

/** Variables a compose file refers to with ${...} (not $$-escaped ones). */
export function composeVariables(text: string): Set<string> {
  return new Set([...text.replace(/\$\$/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
}
