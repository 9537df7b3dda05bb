import { mkdirSync, mkdtempSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { importModuleCode } from '../support/python-modules.js';

// playbooks/library/patrol_app.py's parsing and attribution, called directly with the Python
// that Ansible uses on Debian targets (/usr/bin/python3): kernel log lines (kmsg and journal), the
// memory cgroup of a kill, which kills belong to which process entry, the journal fallback when
// /dev/kmsg is closed, log directory walks, status files. The end-to-end paths through Ansible are
// in app-inspection.test.ts.

/** Runs Python code with patrol_app imported as `m`; the code sets `out`, printed as JSON. */
async function py(code: string): Promise<unknown> {
  const script = `${importModuleCode('patrol_app')}\nout = None\n${code}\nprint(json.dumps(out))\n`;
  const r = await execa('/usr/bin/python3', ['-B', '-c', script], { reject: false });
  if (r.exitCode !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const KERNEL_LINES = [
  [1000, 'java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0'],
  [1001, 'oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/shop.service,task_memcg=/system.slice/shop.service,task=java,pid=4242,uid=1000'],
  [1002, 'Memory cgroup out of memory: Killed process 4242 (java) total-vm:4652kB, anon-rss:32512kB, file-rss:5324kB, shmem-rss:0kB, UID:1000 pgtables:128kB oom_score_adj:0'],
  [2000, 'oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=shop-worker,pid=77,uid=0'],
  [2001, 'Out of memory: Killed process 77 (shop-worker) total-vm:1kB, anon-rss:1kB, file-rss:0kB'],
  [3000, 'Out of memory: Killed process 88 (python3) total-vm:1kB'],
];

test('OOM kills from kernel lines, with the memory cgroup of the oom-kill: line before', async () => {
  const out = await py(`out = m.parse_oom_kills(${JSON.stringify(KERNEL_LINES)})`);
  expect(out).toEqual([
    { at: 1002, pid: 4242, process: 'java', memcg: '/system.slice/shop.service', line: KERNEL_LINES[2]![1] },
    { at: 2001, pid: 77, process: 'shop-worker', memcg: '/user.slice', line: KERNEL_LINES[4]![1] },
    { at: 3000, pid: 88, process: 'python3', memcg: null, line: KERNEL_LINES[5]![1] },
  ]);
});

test('journalctl -k -o short-unix lines: times in ms, the message after "kernel: "', async () => {
  const text = ['1780000000.250000 web-1 kernel: Out of memory: Killed process 77 (shop-worker) total-vm:1kB', '1780000001.000000 web-1 kernel: eth0: link up', 'garbage line'].join('\n');
  expect(await py(`out = m.parse_journal(${JSON.stringify(text)})`)).toEqual([[[1780000000250, 'Out of memory: Killed process 77 (shop-worker) total-vm:1kB']], 1780000000250, false]);
});

test('which kills are the application\'s: cgroup subtree, comm in full, match in the name, or a running process\'s name', async () => {
  const out = await py(`
kills = m.parse_oom_kills(${JSON.stringify(KERNEL_LINES)})
def names(entry, running=()):
    return [k['process'] for k in kills if m.kill_matches(entry, k, set(running))]
out = {
  'cgroup': names({'cgroup': '/system.slice'}),
  'cgroupExact': names({'cgroup': '/system.slice/shop.service/'}),
  'cgroupOther': names({'cgroup': '/system.slice/other.service'}),
  'commFull': names({'comm': 'shop-work', 'match': 'x'}),
  'comm': names({'comm': 'shop-work.*', 'match': 'x'}),
  'match': names({'match': 'worker'}),
  'running': names({'match': r'shop\\.jar'}, running=['java']),
  'none': names({'match': r'shop\\.jar'}),
}`);
  expect(out).toEqual({ cgroup: ['java'], cgroupExact: ['java'], cgroupOther: [], commFull: [], comm: ['shop-worker'], match: ['shop-worker'], running: ['java'], none: [] });
});

test('the kernel log falls back to the journal, and says how to fix it when neither is readable', async () => {
  const out = await py(`
def denied():
    raise PermissionError(1, 'Operation not permitted')
m.read_kmsg = denied
m.run = lambda argv, timeout, input_text=None: (0, '1780000000.000000 h kernel: Out of memory: Killed process 9 (x)\\n', '')
ok = m.read_kernel_log(5)
m.run = lambda argv, timeout, input_text=None: (1, '', 'No journal files were opened due to insufficient permissions.')
try:
    m.read_kernel_log(5)
    err = None
except m.SectionError as e:
    err = str(e)
out = {'ok': [ok[0], ok[1], ok[2], ok[3]], 'err': err}`);
  expect(out).toEqual({
    ok: [[[1780000000000, 'Out of memory: Killed process 9 (x)']], 1780000000000, false, 'journal'],
    err: 'cannot read the kernel log (/dev/kmsg: Operation not permitted; journalctl -k: No journal files were opened due to insufficient permissions.); run the inspection with become (collection.become: true)',
  });
});

test('the oom section reports a bad regex per entry, not for the whole section', async () => {
  const out = (await py(`
m.read_kernel_log = lambda timeout: (${JSON.stringify(KERNEL_LINES)}, 1000, True, 'kmsg', '/dev/kmsg')
data, command, raw = m.oom({'processes': [{'app': 'a', 'name': 'bad', 'match': '('}, {'app': 'a', 'name': 'w', 'match': 'worker'}]}, 5)
out = data`)) as { items: { name: string; error: string | null; kills: unknown[] }[]; fromBoot: boolean };
  expect(out.fromBoot).toBe(true);
  expect(out.items.map((i) => [i.name, i.error?.slice(0, 27) ?? null, i.kills.length])).toEqual([
    ['bad', 'invalid regular expression:', 0],
    ['w', null, 1],
  ]);
});

describe('log directories and status files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'patrol-appmod-'));
    const file = (rel: string, bytes: number, ageDays: number) => {
      const p = join(dir, 'logs', rel);
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, '');
      truncateSync(p, bytes);
      const t = new Date(Date.now() - ageDays * 86_400_000);
      utimesSync(p, t, t);
    };
    file('app.log', 5000, 0);
    file('app.log.1', 4000, 1);
    file('app.log.2.gz', 300, 2);
    file('archive/app-2026-01-01.log', 200, 40);
    file('archive/app.log-20260102', 100, 39);
    file('name with spaces\tand tab.log', 10, 50);
    writeFileSync(join(dir, 'bad.json'), '{"status": ');
    writeFileSync(join(dir, 'list.json'), '[1]');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a walk: sizes, the largest, the oldest, expired files, rotated names (odd names included)', async () => {
    const out = (await py(`out = m.walk_log_dir(${JSON.stringify(join(dir, 'logs'))}, 30, 10)`)) as Record<string, unknown>;
    expect(out).toMatchObject({ files: 6, totalBytes: 9610, rotatedFiles: 4, partial: false, warnings: '' });
    expect((out.largest as { path: string }[]).map((f) => f.path.slice(dir.length))).toEqual(['/logs/app.log', '/logs/app.log.1', '/logs/app.log.2.gz', '/logs/archive/app-2026-01-01.log', '/logs/archive/app.log-20260102']);
    expect((out.oldest as { path: string }).path).toBe(join(dir, 'logs', 'name with spaces\tand tab.log'));
    const expired = out.expired as { count: number; bytes: number; examples: { path: string }[] };
    expect([expired.count, expired.bytes]).toEqual([3, 310]);
    expect(expired.examples.map((e) => e.path.slice(dir.length))).toEqual(['/logs/name with spaces\tand tab.log', '/logs/archive/app-2026-01-01.log', '/logs/archive/app.log-20260102']);
  });

  test('a missing directory or a file is a per-item error', async () => {
    const out = await py(`
res = []
for p in [${JSON.stringify(join(dir, 'nope'))}, ${JSON.stringify(join(dir, 'bad.json'))}]:
    try:
        m.walk_log_dir(p, None, 5)
    except m.SectionError as e:
        res.append(str(e))
out = res`);
    expect(out).toEqual([`cannot statx '${join(dir, 'nope')}': No such file or directory`, `${join(dir, 'bad.json')} is a regular file, not a directory`]);
  });

  test('status files: not JSON, not an object, missing', async () => {
    const out = (await py(`
data, _, _ = m.jobs({'jobs': [{'app': 'a', 'name': n, 'status_file': ${JSON.stringify(dir)} + '/' + n + '.json'} for n in ['bad', 'list', 'none']]}, 5)
out = [i['error'] for i in data['items']]`)) as string[];
    expect(out[0]).toMatch(/bad\.json is not a JSON object: Expecting value/);
    expect(out[1]).toMatch(/list\.json is not a JSON object: a JSON object is expected, not list/);
    expect(out[2]).toMatch(/none\.json: cannot statx .*No such file or directory/);
  });
});

test('process sampling never counts the module itself, and samples on schedule', async () => {
  const out = (await py(`
import time
t = time.time()
data, command, raw = m.processes({'samples': 3, 'sample_interval': 0.2, 'processes': [{'app': 'a', 'name': 'me', 'match': 'patrol_app'}, {'app': 'a', 'name': 'bad', 'match': '[('}]}, 5)
out = {'items': data['items'], 'took': time.time() - t}`)) as { items: { name: string; count: number; at: number[]; total: (number | null)[]; error: string | null }[]; took: number };
  const [me, bad] = out.items;
  expect(me).toMatchObject({ name: 'me', count: 0, total: [null, null, null], error: null });
  expect(me!.at[2]! - me!.at[0]!).toBeGreaterThanOrEqual(390);
  expect(out.took).toBeLessThan(2);
  expect(bad!.error).toMatch(/^invalid regular expression '\[\(':/);
});
