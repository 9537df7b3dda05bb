import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { REPO } from './cli.js';
import { requireTool } from './system-tools.js';

/**
 * Renders a Helm chart for tests. With `helm` on PATH it runs the real `helm template` (and
 * `helm lint` through lintChart); without it (no Debian package of Helm exists, and nothing may be
 * downloaded here) it builds test/support/helm-render, a renderer made of the libraries Helm 3
 * itself uses (Go text/template, sprig, sigs.k8s.io/yaml, gojsonschema), from Debian's Go
 * packages. Missing packages fail loudly with the command that installs them.
 */

export const CHART = join(REPO, 'deploy', 'helm', 'patrol');

const GO_PACKAGES = ['golang-go', 'golang-github-masterminds-sprig-dev', 'golang-k8s-sigs-yaml-dev', 'golang-github-xeipuuv-gojsonschema-dev'];
const INSTALL = `bash scripts/install-system-deps.sh test (or: apt-get install -y --no-install-recommends ${GO_PACKAGES.join(' ')})`;
const GOCODE = '/usr/share/gocode/src';
const SOURCE = join(REPO, 'test', 'support', 'helm-render', 'main.go');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderedChart {
  /** Every non-empty YAML document, with the template it came from. */
  objects: { source: string; object: K8sObject }[];
  /** The rendered NOTES.txt (helm-render only: `helm template` does not print it). */
  notes: string | undefined;
  tool: 'helm' | 'helm-render';
}

export interface RenderOptions {
  values?: Record<string, unknown>;
  release?: string;
  namespace?: string;
}

function helmOnPath(): string | undefined {
  try {
    return requireTool('helm', '');
  } catch {
    return undefined;
  }
}

let built: string | undefined;

/** Builds helm-render once per source version (cached under node_modules/.cache). */
async function helmRender(): Promise<string> {
  if (built) return built;
  const go = requireTool('go', INSTALL);
  for (const [pkg, dir] of [
    ['golang-github-masterminds-sprig-dev', 'github.com/Masterminds/sprig'],
    ['golang-k8s-sigs-yaml-dev', 'sigs.k8s.io/yaml'],
    ['golang-github-xeipuuv-gojsonschema-dev', 'github.com/xeipuuv/gojsonschema'],
  ] as const) {
    if (!existsSync(join(GOCODE, dir))) throw new Error(`${GOCODE}/${dir} not found (Debian package ${pkg}): ${INSTALL}`);
  }
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 16);
  const cache = join(REPO, 'node_modules', '.cache', 'patrol-helm-render');
  const bin = join(cache, `helm-render-${hash}`);
  if (!existsSync(bin)) {
    // sprig imports semver as .../semver/v3 and is imported as .../sprig/v3; Debian installs both
    // without the /v3 directory, so a small GOPATH maps those paths onto Debian's sources.
    const gopath = join(cache, 'gopath');
    for (const name of ['sprig', 'semver']) {
      const link = join(gopath, 'src', 'github.com', 'Masterminds', name, 'v3');
      if (!existsSync(link)) {
        mkdirSync(join(link, '..'), { recursive: true });
        symlinkSync(join(GOCODE, 'github.com', 'Masterminds', name), link);
      }
    }
    const tmp = `${bin}.${process.pid}.tmp`;
    const r = await execa(go, ['build', '-o', tmp, SOURCE], {
      env: { GO111MODULE: 'off', GOPATH: `${gopath}:/usr/share/gocode`, GOCACHE: join(cache, 'gocache'), GOFLAGS: '', CGO_ENABLED: '0' },
      reject: false,
      timeout: 300_000,
    });
    if (r.exitCode !== 0) throw new Error(`building test/support/helm-render failed (${INSTALL}):\n${r.stderr}`);
    renameSync(tmp, bin);
  }
  return (built = bin);
}

function parseObjects(source: string, text: string): { source: string; object: K8sObject }[] {
  const out: { source: string; object: K8sObject }[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
    if (doc.errors.length > 0) throw new Error(`${source}: invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}\n${text}`);
    const object = doc.toJS() as K8sObject | null;
    if (object !== null) out.push({ source, object });
  }
  return out;
}

/** Renders the chart like `helm template RELEASE CHART -n NAMESPACE -f values.yaml`. */
export async function renderChart(opts: RenderOptions = {}, chart = CHART): Promise<RenderedChart> {
  const dir = mkdtempSync(join(tmpdir(), 'patrol-helm-'));
  try {
    const valuesFile = join(dir, 'values.yaml');
    writeFileSync(valuesFile, JSON.stringify(opts.values ?? {}));
    const release = opts.release ?? 'patrol';
    const namespace = opts.namespace ?? 'patrol';
    const helm = helmOnPath();
    if (helm) {
      const r = await execa(helm, ['template', release, chart, '--namespace', namespace, '-f', valuesFile], { reject: false });
      if (r.exitCode !== 0) throw new Error(`helm template failed: ${r.stderr}`);
      const objects = r.stdout.split(/^---\s*$/m).flatMap((part) => parseObjects(/^# Source: (.+)$/m.exec(part)?.[1] ?? 'unknown', part));
      return { objects, notes: undefined, tool: 'helm' };
    }
    const r = await execa(await helmRender(), ['--chart', chart, '--name', release, '--namespace', namespace, '-f', valuesFile], { reject: false });
    if (r.exitCode !== 0) throw new Error(`helm-render failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { manifests: { source: string; content: string }[]; notes: string };
    return { objects: out.manifests.flatMap((m) => parseObjects(m.source, m.content)), notes: out.notes, tool: 'helm-render' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm lint --strict` when helm is installed; undefined otherwise (the render checks stand in). */
export async function helmLint(values: Record<string, unknown> = {}, chart = CHART): Promise<{ ok: boolean; output: string } | undefined> {
  const helm = helmOnPath();
  if (!helm) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'patrol-helm-'));
  try {
    writeFileSync(join(dir, 'values.yaml'), JSON.stringify(values));
    const r = await execa(helm, ['lint', '--strict', chart, '-f', join(dir, 'values.yaml')], { reject: false });
    return { ok: r.exitCode === 0, output: `${r.stdout}\n${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
