import { z } from 'zod';

/**
 * Data shapes of the host collection module's sections (playbooks/library/patrol_host.py).
 * One schema per section; checks name the section they read.
 */
export const disksSection = z.object({
  mounts: z.array(
    z.object({
      mount: z.string(),
      device: z.string(),
      fstype: z.string(),
      sizeBytes: z.number(),
      usedBytes: z.number(),
      availBytes: z.number(),
      usedPercent: z.number(),
      inodesTotal: z.number(),
      inodesUsed: z.number(),
      inodesUsedPercent: z.number(),
    }),
  ),
  /** Mounts that could not be measured (hung, permission denied), each becomes an error finding. */
  failed: z.array(z.object({ mount: z.string(), fstype: z.string(), error: z.string() })),
});
export type DisksSection = z.infer<typeof disksSection>;

/** /proc/stat sampled over a short window, and /proc/loadavg. */
export const cpuSection = z.object({
  cpus: z.number().int().min(1),
  sampleSeconds: z.number(),
  usagePercent: z.number(),
  userPercent: z.number(),
  systemPercent: z.number(),
  iowaitPercent: z.number(),
  stealPercent: z.number(),
  load1: z.number(),
  load5: z.number(),
  load15: z.number(),
  runnable: z.number(),
  tasks: z.number(),
});
export type CpuSection = z.infer<typeof cpuSection>;

/** /proc/meminfo, plus the largest processes by RSS (evidence). */
export const memorySection = z.object({
  totalBytes: z.number(),
  availableBytes: z.number(),
  usedPercent: z.number(),
  swapTotalBytes: z.number(),
  swapFreeBytes: z.number(),
  swapUsedPercent: z.number(),
  top: z.array(z.object({ comm: z.string(), pid: z.number(), rssBytes: z.number() })),
});
export type MemorySection = z.infer<typeof memorySection>;

/** /proc/diskstats sampled over a short window, per whole block device. */
export const ioSection = z.object({
  sampleSeconds: z.number(),
  devices: z.array(
    z.object({
      device: z.string(),
      /** Share of the window with IO in flight (iostat %util). */
      utilPercent: z.number(),
      /** Average number of requests in flight (weighted IO time / window; iostat aqu-sz). */
      avgQueue: z.number(),
      /** Average time per completed request, queueing included (iostat await); null without completions. */
      awaitMs: z.number().nullable(),
      readAwaitMs: z.number().nullable(),
      writeAwaitMs: z.number().nullable(),
      readsPerSec: z.number(),
      writesPerSec: z.number(),
      readBytesPerSec: z.number(),
      writeBytesPerSec: z.number(),
      inFlight: z.number(),
      ios: z.number(),
    }),
  ),
});
export type IoSection = z.infer<typeof ioSection>;

const ifaceCounters = z.object({
  rxPackets: z.number(),
  rxErrors: z.number(),
  rxDropped: z.number(),
  txPackets: z.number(),
  txErrors: z.number(),
  txDropped: z.number(),
});
export type IfaceCounters = z.infer<typeof ifaceCounters>;

/** Interfaces (sysfs state, /proc/net/dev counters since boot and over the window), listeners, conntrack. */
export const networkSection = z.object({
  sampleSeconds: z.number(),
  interfaces: z.array(
    z.object({
      name: z.string(),
      operstate: z.string(),
      adminUp: z.boolean().nullable(),
      carrier: z.boolean().nullable(),
      loopback: z.boolean(),
      virtual: z.boolean(),
      /** bridge or bond when the interface is one. */
      kind: z.string().nullable(),
      mtu: z.number().nullable(),
      speedMbps: z.number().nullable(),
      totals: ifaceCounters,
      window: ifaceCounters,
    }),
  ),
  /** Bonding interfaces and the MII status of their slaves (/proc/net/bonding). */
  bonds: z.array(z.object({ name: z.string(), slaves: z.array(z.object({ name: z.string(), mii: z.string().nullable() })) })),
  listening: z.array(z.object({ proto: z.string(), address: z.string(), port: z.number(), process: z.string().nullable() })),
  /** net.ipv4.ip_local_port_range: UDP sockets bound in it are usually clients, not services. */
  ephemeralPorts: z.tuple([z.number(), z.number()]),
  /** Null when connection tracking is not loaded in this network namespace. */
  conntrack: z.object({ count: z.number(), max: z.number() }).nullable(),
});
export type NetworkSection = z.infer<typeof networkSection>;

/** Crontabs, cron.d, run-parts directories, at jobs, and the cron daemon. */
export const cronSection = z.object({
  files: z.array(z.object({ path: z.string(), sha256: z.string() })),
  jobs: z.array(z.object({ file: z.string(), line: z.number(), user: z.string().nullable(), schedule: z.string(), command: z.string() })),
  jobCount: z.number(),
  atJobs: z.array(z.string()),
  /** Name of the running cron daemon, null when none runs. */
  daemon: z.string().nullable(),
  /** Whether /etc/crontab or /etc/anacrontab exists to run the /etc/cron.{hourly,daily,...} scripts. */
  runParts: z.boolean(),
  /** Whether systemd runs (Debian's packaged cron jobs skip themselves then: systemd timers do the work). */
  systemd: z.boolean(),
});
export type CronSection = z.infer<typeof cronSection>;

/** Values of the requested kernel parameters (/proc/sys), null when the key does not exist. */
export const sysctlSection = z.object({ values: z.record(z.string(), z.string().nullable()) });
export type SysctlSection = z.infer<typeof sysctlSection>;

/** SNTP measurements against configured servers, the local NTP daemon's view, the kernel's NTP state. */
export const timeSection = z.object({
  servers: z.array(
    z.object({
      server: z.string(),
      /** Server time minus local time: positive means the local clock is behind. */
      offsetSeconds: z.number().optional(),
      delaySeconds: z.number().optional(),
      stratum: z.number().optional(),
      leap: z.number().optional(),
      error: z.string().optional(),
    }),
  ),
  daemons: z.array(z.string()),
  kernel: z.object({ state: z.number(), synchronised: z.boolean(), maxErrorUs: z.number(), estErrorUs: z.number(), status: z.number() }).nullable(),
  chrony: z
    .object({
      error: z.string().optional(),
      refid: z.string().optional(),
      source: z.string().optional(),
      stratum: z.number().optional(),
      /** chronyc's "System time": positive means the local clock is slow (behind). */
      systemTimeSeconds: z.number().optional(),
      lastOffsetSeconds: z.number().optional(),
      leap: z.string().optional(),
    })
    .nullable(),
  ntpd: z.object({ error: z.string().optional(), source: z.string().nullable().optional(), stratum: z.number().optional(), offsetSeconds: z.number().optional() }).nullable(),
  timedatectl: z.object({ error: z.string().optional(), ntp: z.boolean().optional(), synchronised: z.boolean().optional(), offsetSeconds: z.number().optional() }).nullable(),
});
export type TimeSection = z.infer<typeof timeSection>;

export const systemdSection = z.object({
  /** systemctl is-system-running. */
  state: z.string(),
  failed: z.array(z.object({ unit: z.string(), load: z.string(), active: z.string(), sub: z.string(), description: z.string() })),
  /** Services enabled at boot plus the configured expected ones. */
  services: z.array(
    z.object({
      unit: z.string(),
      type: z.string().nullable().optional(),
      load: z.string().nullable().optional(),
      active: z.string().nullable().optional(),
      sub: z.string().nullable().optional(),
      result: z.string().nullable().optional(),
      unitFileState: z.string().nullable().optional(),
      restarts: z.number(),
      exitStatus: z.number().nullable(),
      /** The signal that ended the main process (exitStatus is then null); absent from older modules. */
      signal: z.string().nullable().optional(),
      conditionResult: z.boolean(),
      description: z.string(),
      /** Sockets, timers or paths that start it on demand: inactive until needed is fine. */
      triggeredBy: z.array(z.string()),
      expected: z.boolean(),
    }),
  ),
});
export type SystemdSection = z.infer<typeof systemdSection>;

const stuckProcess = z.object({ pid: z.number(), comm: z.string(), ppid: z.number(), parent: z.string().nullable(), wchan: z.string().nullable().optional() });

/** Zombie and D-state processes present at both ends of the window; file descriptors. */
export const processesSection = z.object({
  sampleSeconds: z.number(),
  total: z.number(),
  zombies: z.array(stuckProcess),
  zombieCount: z.number(),
  dstate: z.array(stuckProcess),
  dstateCount: z.number(),
  fd: z.object({ allocated: z.number(), max: z.number() }),
  /** Processes with the highest share of their open-files limit (RLIMIT_NOFILE soft). */
  fdTop: z.array(z.object({ comm: z.string(), pid: z.number(), fds: z.number(), limit: z.number(), percent: z.number() })),
});
export type ProcessesSection = z.infer<typeof processesSection>;

export const rebootSection = z.object({
  flagFile: z.string().nullable(),
  packages: z.array(z.string()),
  runningKernel: z.string(),
  installedKernels: z.array(z.string()),
  needsRestarting: z.object({ exitCode: z.number(), output: z.string() }).nullable(),
});
export type RebootSection = z.infer<typeof rebootSection>;

const klogEvent = z.object({
  /** Wall-clock time of the kernel message, epoch ms (derived from its time since boot). */
  at: z.number(),
  message: z.string(),
  pid: z.number().optional(),
  process: z.string().optional(),
  memcg: z.boolean().optional(),
  constraint: z.string().optional(),
  cgroup: z.string().optional(),
  seconds: z.number().optional(),
});
export type KernelLogEvent = z.infer<typeof klogEvent>;

/** Matching kernel messages (node-problem-detector's patterns), newest last, capped per kind. */
export const kernelLogSection = z.object({
  source: z.string(),
  records: z.number(),
  oldestAt: z.number().nullable(),
  /** Messages before this time (epoch ms) were not returned (the module's since_hours). */
  sinceAt: z.number().nullable().optional(),
  oom: z.array(klogEvent),
  oomTotal: z.number(),
  hung: z.array(klogEvent),
  hungTotal: z.number(),
  fs: z.array(klogEvent),
  fsTotal: z.number(),
  oops: z.array(klogEvent),
  oopsTotal: z.number(),
});
export type KernelLogSection = z.infer<typeof kernelLogSection>;

export const certsSection = z.object({
  patterns: z.array(z.string()),
  files: z.array(
    z.object({
      path: z.string(),
      format: z.string().nullable(),
      certs: z.array(z.object({ subject: z.string(), issuer: z.string(), serial: z.string().nullable().optional(), notBefore: z.number(), notAfter: z.number() })),
      error: z.string().optional(),
    }),
  ),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
  unmatched: z.array(z.string()),
});
export type CertsSection = z.infer<typeof certsSection>;

export const numaSection = z.object({
  numaSupported: z.boolean(),
  nodes: z.array(z.object({ id: z.number(), cpus: z.number(), cpuList: z.string(), memTotalBytes: z.number(), memFreeBytes: z.number() })),
  sockets: z.number().nullable(),
  cores: z.number().nullable(),
  cpus: z.number(),
});
export type NumaSection = z.infer<typeof numaSection>;

const kubeletSettings = z.record(z.string(), z.union([z.string(), z.record(z.string(), z.string()), z.unknown()]));

/** The kubelet's CPU / topology manager settings from its flags, config file and CPU manager checkpoint. */
export const kubeletSection = z.object({
  present: z.boolean(),
  running: z.boolean(),
  binary: z.string().nullable(),
  configFile: z.string().nullable(),
  configError: z.string().nullable(),
  config: kubeletSettings,
  flags: kubeletSettings,
  cpuManagerState: z.object({ policyName: z.string().nullable().optional(), defaultCpuSet: z.string().nullable().optional(), entries: z.number().optional(), error: z.string().optional() }).nullable(),
  /** NUMA nodes of the host (1 without NUMA support), for judging the policies against the topology. */
  numaNodes: z.number(),
  cpus: z.number(),
});
export type KubeletSection = z.infer<typeof kubeletSection>;

/** Every section of patrol_host.py. */
export const HOST_SECTIONS = ['cpu', 'memory', 'disks', 'io', 'network', 'cron', 'sysctl', 'time', 'systemd', 'processes', 'reboot', 'kernel_log', 'certs', 'numa', 'kubelet'] as const;
export type HostSectionName = (typeof HOST_SECTIONS)[number];
