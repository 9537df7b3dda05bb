/**
 * Host inspection of N SSH test hosts (default 50, network namespaces on this machine):
 * `patrol inspect host` side by side with plain `ansible-playbook` on the same playbook and
 * inventory, alternating, several rounds, in one run.
 *
 *   npx tsx bench/host-inspection.ts [--hosts 50] [--rounds 5] [--calibrate 2]
 *
 * Contenders, each started cold (its own, empty SSH ControlPath directory; masters closed after):
 *   plain   ansible-playbook -i INV playbooks/inspect-host.yml -e @params.json   with Ansible's
 *           defaults (no ansible.cfg: forks 5, no pipelining, default ssh_args).
 *   tuned   the fastest of several hand-tuned invocations (forks, pipelining, ssh args, strategy),
 *           chosen in a calibration phase run first.
 *   patrol  node bin/patrol.js inspect host -i INV --json   (the whole CLI: config, inventory,
 *           the ansible step, judging 33 checks, storing findings, the report step).
 * The module gets the same parameters in every case (the ones Patrol derives from the default
 * config). Reported: median wall time per contender, patrol/plain and patrol/tuned, and the peak
 * RSS (VmHWM) of Patrol's own node process, read from /proc while it runs.
 * Needs root (network namespaces) and a built dist/ (npm run build).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { startSshHosts } from '../test/support/ssh-hosts.js';
import { defaultInspectionConfig } from '../src/inspections/config/inspection-config.js';
import { hostModuleRequest } from '../src/inspections/collectors/host/host-params.js';

const REPO = resolve(import.meta.dirname, '..');
const PLAYBOOK = join(REPO, 'playbooks', 'inspect-host.yml');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = arg('hosts', 50);
const ROUNDS = arg('rounds', 5);
const CALIBRATE = arg('calibrate', 2);

interface Candidate {
  name: string;
  args: string[];
  env: Record<string, string>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function closeMasters(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    try {
      if (statSync(p).isSocket()) await execa('ssh', ['-O', 'exit', '-o', `ControlPath=${p}`, 'x'], { reject: false, timeout: 3000 });
    } catch {
      /* gone */
    }
  }
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)');
  if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: npm run build');
  const work = mkdtempSync('/tmp/patrol-bench-hosts-');
  console.log(`starting ${N} SSH hosts ...`);
  const t0 = Date.now();
  const hosts = await startSshHosts(N);
  console.log(`  ${N} hosts up in ${Date.now() - t0} ms (subnet ${hosts.subnet})`);
  try {
    const inv = join(work, 'inventory.ini');
    writeFileSync(inv, hosts.inventoryIni());
    // The same module parameters Patrol derives from its default config (all hosts alike).
    const req = hostModuleRequest(defaultInspectionConfig('bench'), { name: 'host-1', groups: ['targets'] });
    const params = join(work, 'params.json');
    writeFileSync(params, JSON.stringify({ patrol_section_timeout: 20, patrol_host_params: req.params }));
    const home = join(work, 'patrol-home');
    mkdirSync(home);
    let seq = 0;
    const cpDir = () => {
      const d = join(work, `cp-${seq++}`);
      mkdirSync(d);
      return d;
    };

    /** Runs ansible-playbook with only the given settings on top of Ansible's defaults. */
    async function ansible(c: Candidate): Promise<number> {
      const cp = cpDir();
      const started = performance.now();
      const r = await execa('ansible-playbook', ['-i', inv, PLAYBOOK, '-e', `@${params}`, ...c.args], {
        cwd: work,
        reject: false,
        env: { ANSIBLE_SSH_CONTROL_PATH_DIR: cp, ANSIBLE_LOCAL_TEMP: join(work, 'tmp'), ANSIBLE_RETRY_FILES_ENABLED: 'False', ...c.env },
        extendEnv: true,
      });
      const ms = performance.now() - started;
      await closeMasters(cp);
      const out = String(r.stdout);
      const recap = /ok=(\d+)\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)/g;
      let ok = 0;
      for (const m of out.matchAll(recap)) if (m[1] === '1' && m[2] === '0' && m[3] === '0') ok++;
      if (r.exitCode !== 0 || ok !== N) throw new Error(`${c.name}: exit ${r.exitCode}, ${ok}/${N} hosts ok\n${out.slice(-2000)}\n${String(r.stderr).slice(-2000)}`);
      return ms;
    }

    /** The real CLI; peak RSS of its node process from /proc/PID/status. */
    async function patrol(): Promise<{ ms: number; peakRssKiB: number }> {
      const started = performance.now();
      const child: ResultPromise = execa('node', [join(REPO, 'bin', 'patrol.js'), 'inspect', 'host', '-i', inv, '--json', '--fail-on', 'never'], { reject: false, env: { PATROL_HOME: home, NO_COLOR: '1' } });
      let peak = 0;
      const poll = setInterval(() => {
        try {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
          if (hwm > peak) peak = hwm;
        } catch {
          /* exited */
        }
      }, 20);
      const r = await child;
      clearInterval(poll);
      const ms = performance.now() - started;
      if (r.exitCode !== 0) throw new Error(`patrol: exit ${r.exitCode}\n${String(r.stderr).slice(-3000)}`);
      const res = JSON.parse(String(r.stdout)) as { findings: { host?: string; check: string; severity: string; message: string }[] };
      const hostsSeen = new Set(res.findings.map((f) => f.host));
      const unreachable = res.findings.filter((f) => f.check === 'host.cpu.usage' && f.severity === 'error');
      if (hostsSeen.size !== N || unreachable.length) throw new Error(`patrol: findings for ${hostsSeen.size}/${N} hosts, ${unreachable.length} not collected: ${unreachable[0]?.message}`);
      return { ms, peakRssKiB: peak };
    }

    const plain: Candidate = { name: 'plain (Ansible defaults)', args: [], env: {} };
    const fast = { ANSIBLE_PIPELINING: 'True', ANSIBLE_HOST_KEY_CHECKING: 'False' };
    const candidates: Candidate[] = [
      { name: `forks ${N}, pipelining, ControlPersist`, args: ['-f', String(N)], env: { ...fast, ANSIBLE_SSH_ARGS: '-C -o ControlMaster=auto -o ControlPersist=60s' } },
      { name: `forks ${N}, pipelining, no compression`, args: ['-f', String(N)], env: { ...fast, ANSIBLE_SSH_ARGS: '-o ControlMaster=auto -o ControlPersist=60s' } },
      { name: `forks ${N}, pipelining, no ControlMaster`, args: ['-f', String(N)], env: { ...fast, ANSIBLE_SSH_ARGS: '-o ControlMaster=no' } },
      { name: `forks ${N}, pipelining, strategy free`, args: ['-f', String(N)], env: { ...fast, ANSIBLE_STRATEGY: 'free', ANSIBLE_SSH_ARGS: '-o ControlMaster=auto -o ControlPersist=60s' } },
      { name: `forks ${Math.ceil(N / 2)}, pipelining`, args: ['-f', String(Math.ceil(N / 2))], env: { ...fast, ANSIBLE_SSH_ARGS: '-o ControlMaster=auto -o ControlPersist=60s' } },
    ];

    console.log(`\ncalibration: ${candidates.length} hand-tuned invocations x ${CALIBRATE}`);
    const calib = new Map<string, number[]>();
    for (let r = 0; r < CALIBRATE; r++) {
      for (const c of candidates) {
        const ms = await ansible(c);
        calib.set(c.name, [...(calib.get(c.name) ?? []), ms]);
      }
    }
    for (const [name, xs] of calib) console.log(`  ${name.padEnd(44)} median ${(median(xs) / 1000).toFixed(2)} s  (${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})`);
    const best = candidates.reduce((a, b) => (median(calib.get(a.name)!) <= median(calib.get(b.name)!) ? a : b));
    console.log(`  best: ${best.name}`);

    // Warm-up (page cache, Python bytecode): one of each, not counted.
    await ansible(best);
    await patrol();

    console.log(`\n${ROUNDS} rounds, alternating order`);
    const times = { plain: [] as number[], tuned: [] as number[], patrol: [] as number[] };
    const rss: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = [['plain', 'tuned', 'patrol'], ['tuned', 'patrol', 'plain'], ['patrol', 'plain', 'tuned']][r % 3]!;
      const line: string[] = [];
      for (const who of order) {
        if (who === 'patrol') {
          const p = await patrol();
          times.patrol.push(p.ms);
          rss.push(p.peakRssKiB);
          line.push(`patrol ${(p.ms / 1000).toFixed(2)} s (peak RSS ${(p.peakRssKiB / 1024).toFixed(0)} MiB)`);
        } else {
          const ms = await ansible(who === 'plain' ? plain : best);
          times[who as 'plain' | 'tuned'].push(ms);
          line.push(`${who} ${(ms / 1000).toFixed(2)} s`);
        }
      }
      console.log(`  round ${r + 1}: ${line.join(', ')}`);
    }
    const m = { plain: median(times.plain), tuned: median(times.tuned), patrol: median(times.patrol) };
    console.log(`\nresults (${N} hosts, ${ROUNDS} rounds, medians)`);
    console.log(`  plain ansible-playbook (defaults)   ${(m.plain / 1000).toFixed(2)} s`);
    console.log(`  hand-tuned (${best.name})  ${(m.tuned / 1000).toFixed(2)} s`);
    console.log(`  patrol inspect host                 ${(m.patrol / 1000).toFixed(2)} s`);
    console.log(`  patrol / plain = ${(m.patrol / m.plain).toFixed(2)}   (goal <= 0.60)`);
    console.log(`  patrol / tuned = ${(m.patrol / m.tuned).toFixed(2)}   (goal <= 1.05)`);
    console.log(`  patrol peak RSS (node process, VmHWM): median ${(median(rss) / 1024).toFixed(0)} MiB, max ${(Math.max(...rss) / 1024).toFixed(0)} MiB`);
  } finally {
    await hosts.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
