/**
 * Benchmark: Patrol's full Kubernetes cluster inspection against `kubectl get pods -A -o json`,
 * side by side, against the same generated cluster served by the test API server (a separate
 * process). Default size: the Kubernetes scalability envelope, 5,000 nodes, 150,000 pods and
 * 50,000 events.
 *
 *   npm run build && npx tsx bench/k8s-cluster-inspection.ts [--nodes 5000 --pods 150000 --events 50000] [--runs 3]
 *
 * Each run measures wall time, user+system CPU and peak RSS (`/usr/bin/time -v`, "Maximum
 * resident set size") of one process: `kubectl get pods -A -o json > /dev/null` (kubectl pages
 * with --chunk-size 500 by default) and `patrol inspect cluster --kubeconfig F --json > /dev/null`
 * (all 41 checks: every kind listed, plus /version, /readyz, /livez, the TLS handshake and kubelet
 * configz probes). The two alternate, so machine load (this machine is shared) hits both alike.
 * kubectl holds the whole list in memory before printing it; a watchdog kills it when its RSS
 * passes --kubectl-rss-cap (default 16 GiB) so the benchmark cannot starve the machine.
 * (kubectl needed 7.9 GB for 60,000 pods: at the default size use --skip-kubectl on a machine
 * with less than ~20 GB free, and compare side by side at e.g. --nodes 2000 --pods 60000 --events 20000.)
 * API calls are counted by the server (its request log, read with SIGUSR2 after each command).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    pods: { type: 'string', default: '150000' },
    events: { type: 'string', default: '50000' },
    runs: { type: 'string', default: '3' },
    'kubectl-rss-cap': { type: 'string', default: String(16 * 1024) },
    'kubectl-gomemlimit': { type: 'string' },
    'skip-kubectl': { type: 'boolean', default: false },
    'patrol-args': { type: 'string', default: '' },
  },
});

interface Measure {
  tool: 'kubectl' | 'patrol';
  wallS: number;
  cpuS: number;
  peakRssMb: number;
  exit: number | null;
  load: number;
  apiCalls?: number;
  note?: string;
}

if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first (the benchmark runs the built CLI)');
const work = mkdtempSync(join(tmpdir(), 'patrol-k8s-bench-'));
const kubeconfig = join(work, 'kubeconfig.yaml');

interface Server {
  url: string;
  counts: Record<string, number>;
  /** API requests served since the previous call (the server's request log). */
  takeRequests(): Promise<number>;
  stop(): void;
}

async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/support/k8s-api-server/main.ts'), '--nodes', values.nodes, '--pods', values.pods, '--events', values.events, '--kubeconfig', kubeconfig, '--log-requests', '1000000'], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let exited: string | undefined;
  let wake: (() => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  child.once('exit', (code, signal) => {
    exited = `the test API server exited (${signal ?? code})`;
    wake?.();
  });
  const next = async (): Promise<string> => {
    while (lines.length === 0) {
      if (exited) throw new Error(exited);
      await new Promise<void>((res) => (wake = res));
    }
    return lines.shift()!;
  };
  const info = JSON.parse(await next()) as { url: string; counts: Record<string, number> };
  return {
    url: info.url,
    counts: info.counts,
    takeRequests: async () => {
      child.kill('SIGUSR2');
      return (JSON.parse(await next()) as { requests: number }).requests;
    },
    stop: () => child.kill('SIGTERM'),
  };
}

function parseTime(file: string): { wallS: number; cpuS: number; peakRssMb: number } {
  const t = readFileSync(file, 'utf8');
  const num = (re: RegExp) => Number(re.exec(t)?.[1] ?? NaN);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(t);
  const wallS = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  return { wallS, cpuS: num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/), peakRssMb: Math.round(num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024) };
}

/** Runs a command under /usr/bin/time -v, optionally killing it when its RSS passes capMb. */
async function measure(tool: Measure['tool'], argv: string[], env: Record<string, string>, capMb?: number): Promise<Measure> {
  const timeFile = join(work, `time-${tool}-${Date.now()}.txt`);
  const load = loadavg()[0]!;
  const child = spawn('/usr/bin/time', ['-v', '-o', timeFile, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  let killedAt: number | undefined;
  const watchdog = capMb
    ? setInterval(() => {
        try {
          const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
          for (const k of kids) {
            const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${k}/status`, 'utf8'))?.[1] ?? 0) / 1024;
            if (rss > capMb) {
              killedAt = Math.round(rss);
              process.kill(Number(k), 'SIGKILL');
            }
          }
        } catch {
          /* exited */
        }
      }, 200)
    : undefined;
  const exit = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
  if (watchdog) clearInterval(watchdog);
  const m = parseTime(timeFile);
  return { tool, ...m, exit, load, ...(killedAt ? { note: `killed by the watchdog at ${killedAt} MB RSS` } : exit !== 0 && exit !== 1 ? { note: stderr.trim().split('\n').slice(-2).join(' ') } : {}) };
}

const median = (xs: number[]) => {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const server = await startServer();
await server.takeRequests();
const kubectlVersion = execFileSync('kubectl', ['version', '--client', '-o', 'json']).toString();
process.stderr.write(`test API server ${server.url}: ${JSON.stringify(server.counts)}\n`);
const results: Measure[] = [];
try {
  for (let i = 0; i < Number(values.runs); i++) {
    if (!values['skip-kubectl']) {
      const home = mkdtempSync(join(work, 'kubectl-home-'));
      const m = await measure('kubectl', ['kubectl', '--kubeconfig', kubeconfig, 'get', 'pods', '-A', '-o', 'json'], { HOME: home, ...(values['kubectl-gomemlimit'] ? { GOMEMLIMIT: values['kubectl-gomemlimit'] } : {}) }, Number(values['kubectl-rss-cap']));
      m.apiCalls = await server.takeRequests();
      results.push(m);
      process.stderr.write(`run ${i + 1} kubectl: ${JSON.stringify(m)}\n`);
    }
    const home = mkdtempSync(join(work, 'patrol-home-'));
    const extra = values['patrol-args'] ? values['patrol-args'].split(' ') : [];
    const m = await measure('patrol', [process.execPath, join(REPO, 'bin', 'patrol.js'), 'inspect', 'cluster', '--kubeconfig', kubeconfig, '--json', '--fail-on', 'never', ...extra], { PATROL_HOME: home, HOME: home });
    m.apiCalls = await server.takeRequests();
    results.push(m);
    process.stderr.write(`run ${i + 1} patrol: ${JSON.stringify(m)}\n`);
  }
} finally {
  server.stop();
}
const of = (t: Measure['tool']) => results.filter((r) => r.tool === t && r.exit !== null && !r.note);
const k = of('kubectl');
const p = of('patrol');
const summary = {
  cluster: server.counts,
  runs: Number(values.runs),
  kubectl: { version: JSON.parse(kubectlVersion).clientVersion?.gitVersion, wallS: median(k.map((r) => r.wallS)), cpuS: median(k.map((r) => r.cpuS)), peakRssMb: median(k.map((r) => r.peakRssMb)), apiCalls: median(k.map((r) => r.apiCalls ?? NaN)), completed: k.length },
  patrol: { wallS: median(p.map((r) => r.wallS)), cpuS: median(p.map((r) => r.cpuS)), peakRssMb: Math.max(...p.map((r) => r.peakRssMb)), apiCalls: median(p.map((r) => r.apiCalls ?? NaN)), completed: p.length },
  ratioWall: 0,
  ratioCpu: 0,
  ratioRss: 0,
  all: results,
};
summary.ratioWall = Math.round((summary.patrol.wallS / summary.kubectl.wallS) * 100) / 100;
summary.ratioCpu = Math.round((summary.patrol.cpuS / summary.kubectl.cpuS) * 100) / 100;
summary.ratioRss = Math.round((summary.patrol.peakRssMb / summary.kubectl.peakRssMb) * 100) / 100;
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(
  [
    '',
    '| | wall time (median) | CPU user+sys (median) | peak RSS | API calls |',
    '|---|---|---|---|---|',
    `| kubectl get pods -A -o json | ${summary.kubectl.wallS.toFixed(1)} s | ${summary.kubectl.cpuS.toFixed(1)} s | ${summary.kubectl.peakRssMb} MB | ${summary.kubectl.apiCalls} |`,
    `| patrol inspect cluster --json | ${summary.patrol.wallS.toFixed(1)} s | ${summary.patrol.cpuS.toFixed(1)} s | ${summary.patrol.peakRssMb} MB (max) | ${summary.patrol.apiCalls} |`,
    `| ratio patrol / kubectl | ${summary.ratioWall} | ${summary.ratioCpu} | ${summary.ratioRss} | |`,
    '',
  ].join('\n'),
);
rmSync(work, { recursive: true, force: true });
