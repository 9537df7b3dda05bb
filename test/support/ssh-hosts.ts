import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import {
  cleanupStaleSshHosts as cleanupStale,
  freshToken,
  names,
  pickFreeSubnet,
  processStartTime,
  subnetTakenByOthers,
  teardown,
  teardownSync,
  writeState,
  type HostResources,
} from './netns-resources.js';
import { requireRoot, requireTool } from './system-tools.js';

/** One OpenSSH server in its own network, UTS and mount namespaces. */
export interface SshHost {
  /** Hostname inside the host's UTS namespace and name in inventories: host-1, host-2, ... */
  name: string;
  ip: string;
  port: 22;
  /** The host's public key as `ssh-ed25519 AAAA...` (no comment), as known_hosts holds it. */
  hostKeyPublic: string;
  /** The sshd daemon; its /proc/PID/ns/* are the host's namespaces. */
  sshdPid: number;
  netns: string;
}

export interface SshHostsOptions {
  /**
   * A local user (created if missing; its password set every time) allowed to log in with a
   * password, and only with a password: for password-credential tests. Root stays key-only.
   */
  passwordUser?: { name: string; password: string };
  /** Directory of Ansible ControlPersist sockets; stop() closes those masters first. */
  controlPathDir?: string;
  /** Extra sshd_config lines for every host (before the Match block). */
  sshdConfig?: string[];
}

export interface HostExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface HostExecOptions {
  /** Return a non-zero exit instead of throwing. @defaultValue false */
  allowFailure?: boolean;
  input?: string;
  /** @defaultValue 30000 */
  timeoutMs?: number;
}

export interface SshHosts {
  hosts: SshHost[];
  /** Private working directory (keys, configs, sshd logs), removed by stop(). */
  dir: string;
  /** The hosts' /24, e.g. 10.213.7.0/24; the bridge holds .1, host N holds .(10+N). */
  subnet: string;
  bridge: string;
  /** The client's private key (ed25519, OpenSSH format, mode 0600), authorized for root on every host. */
  clientKeyFile: string;
  /** Text of clientKeyFile. */
  clientKey: string;
  /** `ssh-ed25519 AAAA...` of the client key. */
  clientPublicKey: string;
  /** Correct `IP KEY` lines for every host. */
  knownHostsFile: string;
  /** An address in the subnet where nothing answers (not even ARP): for unreachable-host tests. */
  unusedIp: string;
  /** Runs argv (no shell) inside a host's network, UTS and mount namespaces. Throws on non-zero exit unless allowFailure. */
  hostExec(host: SshHost | string, argv: readonly string[], opts?: HostExecOptions): Promise<HostExecResult>;
  /** Arguments for the real `ssh` client (after `ssh`, before the remote command), strict host key checking. */
  sshArgs(host: SshHost | string, user?: string): string[];
  /** Ansible INI inventory: group [targets] with every host, connection settings in [all:vars]. */
  inventoryIni(extraVars?: Record<string, string | number | boolean>): string;
  /** Stops every sshd and removes namespaces, bridge and dir. Idempotent; later calls return the first call's promise. */
  stop(opts?: { controlPathDir?: string }): Promise<void>;
}

interface Tools {
  ip: string;
  sshd: string;
  sshKeygen: string;
  ssh: string;
  unshare: string;
  nsenter: string;
  sh: string;
}

function tools(passwordUser: boolean): Tools & { useradd?: string; chpasswd?: string } {
  const t = {
    ip: requireTool('ip', 'apt-get install -y iproute2'),
    sshd: requireTool('sshd', 'apt-get install -y openssh-server'),
    sshKeygen: requireTool('ssh-keygen', 'apt-get install -y openssh-client'),
    ssh: requireTool('ssh', 'apt-get install -y openssh-client'),
    unshare: requireTool('unshare', 'apt-get install -y util-linux'),
    nsenter: requireTool('nsenter', 'apt-get install -y util-linux'),
    sh: requireTool('sh', 'apt-get install -y dash'),
  };
  if (!passwordUser) return t;
  return { ...t, useradd: requireTool('useradd', 'apt-get install -y passwd'), chpasswd: requireTool('chpasswd', 'apt-get install -y passwd') };
}

/** Removes leftovers of crashed earlier runs (owner process gone). Returns the tokens removed. */
export async function cleanupStaleSshHosts(): Promise<string[]> {
  requireRoot('cleanupStaleSshHosts');
  return cleanupStale(requireTool('ip', 'apt-get install -y iproute2'));
}

/**
 * Starts `count` real OpenSSH servers, each in its own network namespace (veth to a bridge of
 * its own /24), UTS namespace (hostname host-N) and mount namespace (private propagation, so a
 * mount made with hostExec is seen by that host only). No default route: nothing but the test
 * machine can be reached from a host, and nothing waits on DNS.
 */
export async function startSshHosts(count: number, opts: SshHostsOptions = {}): Promise<SshHosts> {
  requireRoot('startSshHosts');
  if (!Number.isInteger(count) || count < 1 || count > 99) throw new Error(`startSshHosts: count must be an integer 1..99 (got ${count})`);
  if (opts.passwordUser && !/^[a-z_][a-z0-9_-]{0,30}$/.test(opts.passwordUser.name)) {
    throw new Error(`startSshHosts: passwordUser.name "${opts.passwordUser.name}" is not a valid user name`);
  }
  const t = tools(opts.passwordUser !== undefined);
  await cleanupStale(t.ip);

  const token = await freshToken(t.ip);
  const dir = join('/tmp', `patrol-sshhosts-${token}`);
  const res: HostResources = {
    token,
    ownerPid: process.pid,
    ownerStart: processStartTime(process.pid) ?? '',
    bridge: names.bridge(token),
    namespaces: Array.from({ length: count }, (_, i) => names.netns(token, i + 1)),
    dir,
  };
  // Recorded before anything exists, so a crash at any later point leaves a cleanable trace.
  writeState(res);
  const onExit = () => teardownSync(res, t.ip);
  process.on('exit', onExit);
  try {
    mkdirSync(dir, { mode: 0o700 });
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const [prefix] = await Promise.all([createBridge(t, res.bridge), prepareKeysAndUser(t, dir, count, opts)]);
    const hosts = await Promise.all(res.namespaces.map((ns, i) => startHost(t, { dir, token, ns, index: i + 1, prefix, bridge: res.bridge, opts })));
    writeFileSync(join(dir, 'known_hosts'), hosts.map((h) => `${h.ip} ${h.hostKeyPublic}\n`).join(''));
    return buildHandle(t, res, hosts, prefix, opts, onExit);
  } catch (err) {
    process.removeListener('exit', onExit);
    await teardown(res, t.ip);
    throw err;
  }
}

/** Creates the bridge on a free /24, retrying when a concurrent run grabbed the same subnet. */
async function createBridge(t: Tools, bridge: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const prefix = await pickFreeSubnet(t.ip);
    await execa(t.ip, ['-batch', '-'], { input: [`link add ${bridge} type bridge`, `addr add ${prefix}.1/24 dev ${bridge}`, `link set ${bridge} up`].join('\n') });
    if (!(await subnetTakenByOthers(t.ip, prefix, bridge))) return prefix;
    await execa(t.ip, ['link', 'del', bridge], { reject: false });
  }
  throw new Error('startSshHosts: could not claim a free /24 after 5 attempts (concurrent runs keep colliding)');
}

async function prepareKeysAndUser(t: Tools & { useradd?: string; chpasswd?: string }, dir: string, count: number, opts: SshHostsOptions): Promise<void> {
  const keygen = (file: string, comment: string) => execa(t.sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  await Promise.all([
    keygen(join(dir, 'client_ed25519'), 'patrol-test-client'),
    ...Array.from({ length: count }, async (_, i) => {
      await mkdir(join(dir, `host-${i + 1}`));
      await keygen(join(dir, `host-${i + 1}`, 'ssh_host_ed25519_key'), `host-${i + 1}`);
    }),
    ensurePasswordUser(t, opts.passwordUser),
  ]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_ed25519.pub')));
}

async function ensurePasswordUser(t: { useradd?: string; chpasswd?: string }, user: SshHostsOptions['passwordUser']): Promise<void> {
  if (!user || !t.useradd || !t.chpasswd) return;
  // All hosts share the machine's /etc/passwd, so one local user serves every host.
  const exists = async () => (await execa('id', ['-u', user.name], { reject: false })).exitCode === 0;
  if (!(await exists())) {
    const added = await execa(t.useradd, ['-m', '-s', '/bin/sh', user.name], { reject: false });
    // Another test file may have created the same user a moment ago; only a still-missing user is an error.
    if (added.exitCode !== 0 && !(await exists())) throw new Error(`useradd ${user.name} failed: ${String(added.stderr).trim()}`);
  }
  // chpasswd locks /etc/shadow; a concurrent useradd/chpasswd elsewhere makes it fail briefly.
  for (let attempt = 1; ; attempt++) {
    const res = await execa(t.chpasswd, [], { input: `${user.name}:${user.password}\n`, reject: false });
    if (res.exitCode === 0) return;
    if (attempt === 5) throw new Error(`chpasswd for ${user.name} failed: ${String(res.stderr).trim()}`);
    await delay(100 * attempt);
  }
}

function sshdConfig(dir: string, hostDir: string, ip: string, opts: SshHostsOptions): string {
  const lines = [
    `ListenAddress ${ip}`,
    'Port 22',
    `HostKey ${join(hostDir, 'ssh_host_ed25519_key')}`,
    `PidFile ${join(hostDir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    // The key files live under /tmp, which StrictModes rejects as world-writable.
    'StrictModes no',
    // Without PAM, passwords are checked against /etc/shadow directly; no PAM stack is needed.
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'Subsystem sftp internal-sftp',
    'UseDNS no',
    'PrintMotd no',
    'AcceptEnv LANG LC_*',
    // Ansible and parallel tests open many sessions at once.
    'MaxStartups 200',
    'MaxSessions 50',
    ...(opts.sshdConfig ?? []),
  ];
  if (opts.passwordUser) lines.push(`Match User ${opts.passwordUser.name}`, '    PasswordAuthentication yes', '    AuthorizedKeysFile none');
  return `${lines.join('\n')}\n`;
}

async function startHost(
  t: Tools,
  p: { dir: string; token: string; ns: string; index: number; prefix: string; bridge: string; opts: SshHostsOptions },
): Promise<SshHost> {
  const name = `host-${p.index}`;
  const ip = `${p.prefix}.${10 + p.index}`;
  const hostDir = join(p.dir, name);
  const veth = names.veth(p.token, p.index);
  const conf = join(hostDir, 'sshd_config');
  writeFileSync(conf, sshdConfig(p.dir, hostDir, ip, p.opts));
  await execa(t.ip, ['netns', 'add', p.ns]);
  await execa(t.ip, ['-batch', '-'], { input: [`link add ${veth} type veth peer name eth0 netns ${p.ns}`, `link set ${veth} master ${p.bridge} up`].join('\n') });
  await execa(t.ip, ['-n', p.ns, '-batch', '-'], { input: [`addr add ${ip}/24 dev eth0`, 'link set eth0 up', 'link set lo up'].join('\n') });
  // sshd daemonizes; its pid file appears once it listens. -E keeps its log for debugging.
  await execa(t.ip, ['netns', 'exec', p.ns, t.unshare, '--uts', '--mount', '--propagation', 'private', t.sh, '-c', 'hostname "$1" && exec "$2" -f "$3" -E "$4"', 'sh', name, t.sshd, conf, join(hostDir, 'sshd.log')]);
  const sshdPid = await waitForPidFile(join(hostDir, 'sshd.pid'), name, join(hostDir, 'sshd.log'));
  const pub = readFileSync(join(hostDir, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/);
  return { name, ip, port: 22, hostKeyPublic: `${pub[0]} ${pub[1]}`, sshdPid, netns: p.ns };
}

async function waitForPidFile(file: string, host: string, log: string): Promise<number> {
  const deadline = Date.now() + 5000;
  for (;;) {
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) return pid;
    }
    if (Date.now() > deadline) {
      const text = existsSync(log) ? readFileSync(log, 'utf8').trim() : '(no log)';
      throw new Error(`sshd of ${host} did not write its pid file ${file} within 5s; sshd log: ${text}`);
    }
    await delay(5);
  }
}

function buildHandle(t: Tools, res: HostResources, hosts: SshHost[], prefix: string, opts: SshHostsOptions, onExit: () => void): SshHosts {
  const dir = res.dir;
  const clientKeyFile = join(dir, 'client_ed25519');
  const knownHostsFile = join(dir, 'known_hosts');
  const pick = (h: SshHost | string): SshHost => {
    if (typeof h !== 'string') return h;
    const found = hosts.find((x) => x.name === h || x.ip === h);
    if (!found) throw new Error(`no test host "${h}"; hosts are ${hosts.map((x) => `${x.name} (${x.ip})`).join(', ')}`);
    return found;
  };
  let stopping: Promise<void> | undefined;
  return {
    hosts,
    dir,
    subnet: `${prefix}.0/24`,
    bridge: res.bridge,
    clientKeyFile,
    clientKey: readFileSync(clientKeyFile, 'utf8'),
    clientPublicKey: readFileSync(`${clientKeyFile}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' '),
    knownHostsFile,
    unusedIp: `${prefix}.250`,
    async hostExec(h, argv, o = {}) {
      const host = pick(h);
      const r = await execa(t.nsenter, ['-t', String(host.sshdPid), '-n', '-u', '-m', '--', ...argv], {
        reject: false,
        timeout: o.timeoutMs ?? 30_000,
        ...(o.input !== undefined ? { input: o.input } : { stdin: 'ignore' as const }),
      });
      const out = { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
      if (out.exitCode !== 0 && !o.allowFailure) {
        throw new Error(`hostExec on ${host.name}: ${JSON.stringify(argv)} exited with ${r.exitCode ?? r.signal ?? 'no code'}: ${out.stderr.trim() || r.shortMessage}`);
      }
      return out;
    },
    sshArgs(h, user = 'root') {
      const host = pick(h);
      return ['-F', '/dev/null', '-i', clientKeyFile, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=5', `${user}@${host.ip}`];
    },
    inventoryIni(extraVars = {}) {
      const vars: Record<string, string | number | boolean> = {
        ansible_user: 'root',
        ansible_ssh_private_key_file: clientKeyFile,
        ansible_python_interpreter: '/usr/bin/python3',
        ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
        ...extraVars,
      };
      const value = (v: string | number | boolean) => (typeof v === 'string' && /[\s'"#;=]/.test(v) ? `'${v.replace(/'/g, "\\'")}'` : String(v));
      return [
        '[targets]',
        ...hosts.map((h) => `${h.name} ansible_host=${h.ip}`),
        '',
        '[all:vars]',
        ...Object.entries(vars).map(([k, v]) => `${k}=${value(v)}`),
        '',
      ].join('\n');
    },
    stop(o = {}) {
      stopping ??= (async () => {
        process.removeListener('exit', onExit);
        const controlDir = o.controlPathDir ?? opts.controlPathDir;
        if (controlDir) await closeControlMasters(t.ssh, controlDir);
        await teardown(res, t.ip);
      })();
      return stopping;
    },
  };
}

/** Asks every ControlPersist master in `dir` to exit, so no ssh client outlives the hosts. */
async function closeControlMasters(ssh: string, dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  const sockets = entries.map((e) => join(dir, e)).filter((p) => {
    try {
      return statSync(p).isSocket();
    } catch {
      return false;
    }
  });
  await Promise.all(sockets.map((s) => execa(ssh, ['-O', 'exit', '-o', `ControlPath=${s}`, 'patrol-test-host'], { reject: false, timeout: 3000 })));
}
