/**
 * Parsers of the host collection module (playbooks/library/patrol_host.py) on recorded text:
 * systemctl show, crontabs, kubelet configs and flags, /proc/net/tcp, /proc/PID/stat, kernel log
 * lines. Runs the module's own functions with the targets' interpreter (/usr/bin/python3).
 */
import { callModule } from '../support/python-modules.js';

/** Calls patrol_host.FN(*args) in Python and returns the JSON of the result. */
const py = (expr: string, args: unknown[] = []): any => callModule('patrol_host', expr, args);

test('systemctl show output: one record per unit (recorded from systemd 252)', () => {
  const text = [
    'Id=patrol-fail.service', 'Type=simple', 'LoadState=loaded', 'ActiveState=failed', 'SubState=failed', 'Result=exit-code', 'UnitFileState=enabled', 'NRestarts=0', 'ExecMainStatus=1', 'ConditionResult=yes', 'TriggeredBy=', 'Description=Patrol test: a service that fails',
    '',
    'Id=cups.service', 'Type=notify', 'LoadState=loaded', 'ActiveState=inactive', 'SubState=dead', 'Result=success', 'UnitFileState=enabled', 'NRestarts=0', 'ExecMainStatus=0', 'ConditionResult=no', 'TriggeredBy=cups.socket cups.path', 'Description=CUPS Scheduler',
  ].join('\n');
  const units = py('m.parse_show(args[0])', [text]);
  expect(units).toHaveLength(2);
  expect(units[0]).toMatchObject({ Id: 'patrol-fail.service', ActiveState: 'failed', Result: 'exit-code' });
  expect(units[1]).toMatchObject({ Id: 'cups.service', TriggeredBy: 'cups.socket cups.path', ConditionResult: 'no' });
});

test('crontabs: system crontab with users, user crontab without, env lines and comments skipped', () => {
  const system = '# m h dom mon dow user command\nSHELL=/bin/sh\nMAILTO=ops@example.com\n17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\n@reboot www-data /usr/local/bin/warm-cache\n\n';
  const jobs = py('m.parse_crontab("/etc/crontab", args[0], True)', [system]);
  expect(jobs).toEqual([
    { file: '/etc/crontab', line: 4, user: 'root', schedule: '17 * * * *', command: 'cd / && run-parts --report /etc/cron.hourly' },
    { file: '/etc/crontab', line: 5, user: 'www-data', schedule: '@reboot', command: '/usr/local/bin/warm-cache' },
  ]);
  const user = py('m.parse_crontab("/var/spool/cron/crontabs/alice", args[0], False, "alice")', ['*/5 * * * * /home/alice/bin/sync.sh >/dev/null 2>&1\n']);
  expect(user).toEqual([{ file: '/var/spool/cron/crontabs/alice', line: 1, user: 'alice', schedule: '*/5 * * * *', command: '/home/alice/bin/sync.sh >/dev/null 2>&1' }]);
});

test('kubelet config (kubeadm style YAML, JSON) and flags (process, kubeadm-flags.env)', () => {
  const yaml = [
    'apiVersion: kubelet.config.k8s.io/v1beta1',
    'kind: KubeletConfiguration',
    'cgroupDriver: systemd',
    'cpuManagerPolicy: "static"   # exclusive cores for Guaranteed pods',
    'topologyManagerPolicy: single-numa-node',
    'reservedSystemCPUs: "0,1"',
    'kubeReserved:',
    '  cpu: 500m',
    '  memory: 1Gi',
    'evictionHard:',
    '  memory.available: 100Mi',
  ].join('\n');
  expect(py('m.parse_simple_yaml(args[0])', [yaml])).toMatchObject({ cpuManagerPolicy: 'static', topologyManagerPolicy: 'single-numa-node', reservedSystemCPUs: '0,1', kubeReserved: { cpu: '500m', memory: '1Gi' }, evictionHard: { 'memory.available': '100Mi' } });
  expect(py('m.parse_simple_yaml(args[0])', ['{"kind":"KubeletConfiguration","cpuManagerPolicy":"none"}'])).toMatchObject({ cpuManagerPolicy: 'none' });
  const flags = py('m.parse_flags(args[0])', [['--config=/var/lib/kubelet/config.yaml', '--cpu-manager-policy', 'static', '--kube-reserved=cpu=1,memory=2Gi', '--topology-manager-policy=restricted', '--v=2']]);
  expect(flags).toEqual({ config: '/var/lib/kubelet/config.yaml', cpuManagerPolicy: 'static', kubeReserved: { cpu: '1', memory: '2Gi' }, topologyManagerPolicy: 'restricted' });
});

test('/proc/net/tcp addresses (IPv4 and IPv6, little-endian words)', () => {
  expect(py('m.hex_addr(args[0])', ['0100007F:1F90'])).toEqual(['127.0.0.1', 8080]);
  expect(py('m.hex_addr(args[0])', ['00000000000000000000000000000000:0016'])).toEqual(['::', 22]);
  expect(py('m.hex_addr(args[0])', ['00000000000000000000000001000000:0277'])).toEqual(['::1', 631]);
});

test('/proc/PID/stat with spaces and parentheses in the process name', () => {
  const stat = '4242 (tmux: server) (x)) S 1 4242 4242 0 -1 4194624 1045 0 0 0 5 3 0 0 20 0 1 0 98765 9000000 900 18446744073709551615';
  expect(py('m.parse_stat(args[0])', [stat])).toEqual(['tmux: server) (x)', 'S', 1, 98765]);
});

test('kernel log lines are classified as node-problem-detector does', () => {
  const classify = (line: string) => py('[k for k, rx in m.KLOG_PATTERNS if rx.search(args[0])][:1]', [line])[0] ?? null;
  expect(classify('Memory cgroup out of memory: Killed process 17509 (oomapp-zz1) total-vm:46652kB, anon-rss:32512kB, file-rss:5324kB, shmem-rss:0kB, UID:0 pgtables:128kB oom_score_adj:0')).toBe('oom');
  expect(classify('Out of memory: Killed process 812 (java) total-vm:9000000kB, anon-rss:8000000kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:16000kB oom_score_adj:0')).toBe('oom');
  expect(classify('INFO: task kworker/u4:2:187 blocked for more than 122 seconds.')).toBe('hung');
  expect(classify('EXT4-fs error (device loop0): htree_dirblock_to_tree:1051: inode #12: comm ls: Directory block failed checksum')).toBe('fs');
  expect(classify('EXT4-fs (loop0): Remounting filesystem read-only')).toBe('fs');
  expect(classify('blk_update_request: I/O error, dev sda, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 0')).toBe('fs');
  expect(classify('BUG: unable to handle page fault for address: ffffa0e1c0000000')).toBe('oops');
  expect(classify('eth0: renamed from veth1234')).toBeNull();
  const hung = py('list(m.KLOG_PATTERNS[1][1].search(args[0]).groups())', ['INFO: task kworker/u4:2:187 blocked for more than 122 seconds.']);
  expect(hung).toEqual(['kworker/u4:2', '187', '122']);
});

test('cpulist parsing', () => {
  expect(py('m.parse_cpulist(args[0])', ['0-3,8,10-11'])).toEqual([0, 1, 2, 3, 8, 10, 11]);
});
