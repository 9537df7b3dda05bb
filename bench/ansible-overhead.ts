/**
 * Ansible step overhead: the same playbook and inventory through `patrol run` (a workflow with one
 * ansible step) versus plain `ansible-playbook`, alternating, in one run. Goal: ratio <= 1.03.
 *
 *   npx tsx bench/ansible-overhead.ts [--hosts 3] [--tasks 20] [--rounds 7]
 *
 * Both contenders get the same ansible.cfg settings (pipelining, forks = hosts, ControlPersist),
 * so what is measured is Patrol's cost around Ansible: CLI start, store, the event callback, log
 * streaming and outputs. Needs root (SSH test hosts in network namespaces) and a built dist/.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { startSshHosts } from '../test/support/ssh-hosts.js';
import { closeControlMasters } from '../src/ansible/ssh-control-masters.js';

const REPO = resolve(import.meta.dirname, '..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const HOSTS = arg('hosts', 3);
const TASKS = arg('tasks', 20);
const ROUNDS = arg('rounds', 7);

const dir = mkdtempSync(join(tmpdir(), 'patrol-bench-ansible-'));
const fleet = await startSshHosts(HOSTS);
try {
  const inventory = join(dir, 'inventory.ini');
  writeFileSync(inventory, fleet.inventoryIni());
  const tasks = Array.from({ length: TASKS }, (_, i) => `    - name: task ${i}\n      ansible.builtin.command: "echo {{ inventory_hostname }} ${i}"\n      register: r${i}\n      changed_when: false`).join('\n');
  const playbook = join(dir, 'bench.yml');
  writeFileSync(playbook, `- name: bench\n  hosts: all\n  gather_facts: true\n  tasks:\n${tasks}\n`);
  // The same settings Patrol's generated config uses, so both sides run Ansible the same way; and
  // both start cold: a fresh ControlPath directory per run, masters closed after (as Patrol does).
  let n = 0;
  const coldConfig = () => {
    const cp = join(dir, `cp-${n++}`);
    const cfg = join(dir, `ansible-${n}.cfg`);
    writeFileSync(cfg, `[defaults]\nforks = ${HOSTS}\nhost_key_checking = False\nlocal_tmp = ${dir}/tmp\n[ssh_connection]\npipelining = True\ncontrol_path_dir = ${cp}\nssh_args = -C -o ControlMaster=auto -o ControlPersist=60s\n`);
    return { cfg, cp };
  };
  const workflow = join(dir, 'wf.yaml');
  writeFileSync(workflow, `apiVersion: patrol.dev/v1\nkind: Workflow\nmetadata: { name: bench }\nspec:\n  steps:\n    - name: play\n      type: ansible\n      with: { playbook: ${playbook}, inventory: ${inventory}, forks: ${HOSTS}, hostKeyChecking: false }\n`);
  const home = join(dir, 'home');

  const plain = async () => {
    const { cfg, cp } = coldConfig();
    const t = performance.now();
    const r = await execa('ansible-playbook', ['-i', inventory, playbook], { env: { ANSIBLE_CONFIG: cfg }, reject: false });
    if (r.exitCode !== 0) throw new Error(`plain ansible-playbook failed: ${r.stdout.slice(-500)}`);
    await closeControlMasters(cp);
    return performance.now() - t;
  };
  const patrol = async () => {
    const t = performance.now();
    const r = await execa('node', [join(REPO, 'bin/patrol.js'), 'run', workflow], { env: { PATROL_HOME: home }, reject: false });
    if (r.exitCode !== 0) throw new Error(`patrol run failed: ${r.stderr.slice(-800)}`);
    return performance.now() - t;
  };
  // Warm both (page cache, Python bytecode, Patrol's database).
  await plain();
  await patrol();
  const times = { plain: [] as number[], patrol: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      times.plain.push(await plain());
      times.patrol.push(await patrol());
    } else {
      times.patrol.push(await patrol());
      times.plain.push(await plain());
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const m = { plain: median(times.plain), patrol: median(times.patrol) };
  console.log(JSON.stringify({ hosts: HOSTS, tasks: TASKS, rounds: ROUNDS, results: HOSTS * (TASKS + 1), medianMs: { plain: Math.round(m.plain), patrol: Math.round(m.patrol) }, ratio: +(m.patrol / m.plain).toFixed(3), allMs: { plain: times.plain.map(Math.round), patrol: times.patrol.map(Math.round) } }, null, 2));
} finally {
  await fleet.stop();
  rmSync(dir, { recursive: true, force: true });
}
