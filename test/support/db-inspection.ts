import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { patrol } from './cli.js';

/** Helpers for database inspection tests driven through the real `patrol` CLI. */

export interface InspectionFinding {
  check: string;
  target: string;
  host: string | null;
  severity: string;
  value: unknown;
  unit: string | null;
  threshold: unknown;
  message: string;
  evidence?: { command?: string; raw?: string };
  details?: Record<string, unknown>;
  remediation?: string;
}

export interface InspectionResult {
  run: string;
  status: string;
  findings: InspectionFinding[];
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
  durationMs: number;
}

export interface CliHome {
  home: string;
  /** Adds a credential through `patrol credentials add`, secrets on stdin. */
  addCredential(name: string, type: 'password' | 'token', fields: Record<string, string>): Promise<void>;
  /** Writes an InspectionConfig (apiVersion/kind added) and returns its path. */
  writeConfig(name: string, spec: Record<string, unknown>): string;
  /** `patrol inspect db -c CONFIG --json --fail-on never`; throws unless the run succeeded. */
  inspect(config: string, extraArgs?: string[]): Promise<InspectionResult>;
  /** Every file under the home containing `needle` (patrol.db with its logs, findings and outputs included). */
  filesContaining(needle: string): string[];
  remove(): void;
}

export function cliHome(prefix = 'patrol-dbtest-'): CliHome {
  const home = mkdtempSync(join(tmpdir(), prefix));
  return {
    home,
    async addCredential(name, type, fields) {
      const secretField = type === 'password' ? 'password' : 'token';
      const args = ['credentials', 'add', name, '--type', type, '--field', `${secretField}=-`];
      for (const [k, v] of Object.entries(fields)) if (k !== secretField) args.push('--field', `${k}=${v}`);
      const r = await patrol(args, { home, input: fields[secretField] ?? '' });
      if (r.exitCode !== 0) throw new Error(`patrol credentials add ${name} failed: ${String(r.stderr)}`);
    },
    writeConfig(name, spec) {
      const file = join(home, `${name}.yaml`);
      writeFileSync(file, stringify({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name }, spec }));
      return file;
    },
    async inspect(config, extraArgs = []) {
      const started = Date.now();
      const r = await patrol(['inspect', 'db', '-c', config, '--json', '--fail-on', 'never', ...extraArgs], { home, timeoutMs: 180_000 });
      const stdout = String(r.stdout);
      let doc: { run: string; status: string; findings: InspectionFinding[] };
      try {
        doc = JSON.parse(stdout) as typeof doc;
      } catch {
        throw new Error(`patrol inspect db printed no JSON (exit ${r.exitCode}):\n${stdout}\n${String(r.stderr)}`);
      }
      if (doc.status !== 'succeeded') throw new Error(`inspection ${doc.status}: ${String(r.stderr)}`);
      return { ...doc, stdout, stderr: String(r.stderr), exitCode: r.exitCode, durationMs: Date.now() - started };
    },
    filesContaining(needle) {
      const out: string[] = [];
      const walk = (dir: string) => {
        for (const e of readdirSync(dir)) {
          const p = join(dir, e);
          const st = statSync(p);
          if (st.isDirectory()) walk(p);
          else if (st.isFile() && readFileSync(p).includes(needle)) out.push(p);
        }
      };
      walk(home);
      return out;
    },
    remove() {
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The one finding of a check on a target (throws listing what exists when there is none). */
export function findingOf(r: Pick<InspectionResult, 'findings'>, check: string, target: string): InspectionFinding {
  const f = r.findings.filter((x) => x.check === check && x.target === target);
  if (f.length !== 1) {
    const seen = r.findings.filter((x) => x.check === check).map((x) => `${x.target} ${x.severity}`);
    throw new Error(`expected one ${check} finding on ${target}, found ${f.length}; ${check} findings: ${seen.join(', ') || 'none'}`);
  }
  return f[0]!;
}

/** Findings of a check whose target starts with `prefix`. */
export function findingsOf(r: Pick<InspectionResult, 'findings'>, check: string, prefix: string): InspectionFinding[] {
  return r.findings.filter((x) => x.check === check && x.target.startsWith(prefix));
}

/** Severity by check for one target (and its sub-targets when `prefix` is used). */
export function severities(r: Pick<InspectionResult, 'findings'>, target: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of r.findings) if (f.target === target) out[f.check] = f.severity;
  return out;
}
