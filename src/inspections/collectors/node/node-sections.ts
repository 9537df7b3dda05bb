import { z } from 'zod';

/**
 * Data shapes of the cluster-node collection module's sections (playbooks/library/patrol_node.py).
 * One schema per section; checks name the section they read.
 */
const cert = z.object({ subject: z.string(), issuer: z.string(), serial: z.string().nullable().optional(), notBefore: z.number(), notAfter: z.number(), source: z.string().optional() });

/** kubeadm's PKI (every *.crt below it) and the kubeconfigs' client certificates. */
export const nodeCertsSection = z.object({
  pkiDir: z.string(),
  pkiDirExists: z.boolean(),
  kubeconfigDir: z.string(),
  kubeconfigs: z.array(z.string()),
  files: z.array(z.object({ path: z.string(), kind: z.enum(['pki', 'kubeconfig']), format: z.string().nullable(), certs: z.array(cert), sources: z.array(z.string()).optional(), error: z.string().optional() })),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type NodeCertsSection = z.infer<typeof nodeCertsSection>;

const snapshotCheck = z.object({
  method: z.enum(['etcdutl', 'etcdctl', 'header']),
  ok: z.boolean(),
  error: z.string().optional(),
  command: z.string(),
  revision: z.number().nullable().optional(),
  totalKey: z.number().nullable().optional(),
  totalSize: z.number().nullable().optional(),
  hash: z.union([z.string(), z.number()]).nullable().optional(),
  pageSize: z.number().optional(),
});
const snapshotFile = z.object({ path: z.string(), mtime: z.number(), size: z.number(), verify: snapshotCheck });

/** The snapshots in the backup directory: the newest, verified (and older ones when it is unreadable). */
export const etcdBackupSection = z.object({
  dir: z.string(),
  dirExists: z.boolean(),
  /** Why this node runs etcd (static pod manifest, data directory, process), or null. */
  etcd: z.string().nullable(),
  method: z.enum(['etcdutl', 'etcdctl', 'header']),
  files: z.number(),
  totalBytes: z.number(),
  newest: snapshotFile.nullable(),
  /** Newest first, up to the first readable one. */
  checked: z.array(snapshotFile),
});
export type EtcdBackupSection = z.infer<typeof etcdBackupSection>;

export const nodeUnitSchema = z.object({
  unit: z.string(),
  load: z.string().nullable().optional(),
  active: z.string().nullable().optional(),
  sub: z.string().nullable().optional(),
  result: z.string().nullable().optional(),
  unitFileState: z.string().nullable().optional(),
  restarts: z.number(),
  /** Exit status of the last main process; null when a signal ended it. */
  exitStatus: z.number().nullable(),
  /** The signal that ended the last main process (SIGTERM after a plain stop, SIGKILL, ...), else null. */
  signal: z.string().nullable().default(null),
  description: z.string(),
});
export type NodeUnit = z.infer<typeof nodeUnitSchema>;

/** systemd state of the kubelet, the container runtimes and the required services. */
export const nodeServicesSection = z.object({ units: z.array(nodeUnitSchema) });
export type NodeServicesSection = z.infer<typeof nodeServicesSection>;

const image = z.object({ ref: z.string(), id: z.string(), size: z.number(), used: z.boolean(), namespace: z.string().optional(), pinned: z.boolean().optional() });

/** Images of the container runtime that no container (running or stopped) uses. */
export const nodeImagesSection = z.object({
  tool: z.enum(['crictl', 'ctr', 'docker']),
  endpoint: z.string().nullable(),
  images: z.number(),
  totalBytes: z.number(),
  /** Largest first, at most 50. */
  unused: z.array(image),
  unusedCount: z.number(),
  unusedBytes: z.number(),
  /** CLIs tried before the one that answered, and why they did not. */
  attempts: z.array(z.string()),
});
export type NodeImagesSection = z.infer<typeof nodeImagesSection>;

const probe = z.object({ status: z.number().nullable(), latencyMs: z.number(), error: z.string().nullable().optional() });

/** The registry's API as seen from the node. */
export const nodeRegistrySection = z.object({
  url: z.string(),
  v2: probe.extend({ apiVersion: z.string().nullable().optional() }),
  harbor: probe.extend({ overall: z.string().nullable(), components: z.array(z.object({ name: z.string(), status: z.string(), error: z.string().nullable().optional() })) }).nullable(),
});
export type NodeRegistrySection = z.infer<typeof nodeRegistrySection>;

/** Loki's retention settings and its data directory. */
export const nodeLokiSection = z.object({
  configFile: z.string(),
  configExists: z.boolean(),
  parser: z.string().nullable(),
  parseError: z.string().nullable(),
  retention: z
    .object({
      compactorRetentionEnabled: z.unknown(),
      deleteRequestStore: z.unknown(),
      retentionPeriod: z.string().nullable(),
      retentionStreams: z.number(),
      tableManagerDeletes: z.unknown(),
      tableManagerPeriod: z.string().nullable(),
    })
    .nullable(),
  dataDir: z.string(),
  dataDirExists: z.boolean(),
  dataBytes: z.number().nullable(),
});
export type NodeLokiSection = z.infer<typeof nodeLokiSection>;

/** Runtimes whose systemd unit is looked for when spec.nodes.containerRuntime.service is not set. */
export const RUNTIME_UNITS = ['containerd', 'crio', 'docker'];

/** Every section of patrol_node.py. */
export const NODE_SECTIONS = ['certs', 'etcd_backup', 'services', 'images', 'registry', 'loki'] as const;
export type NodeSectionName = (typeof NODE_SECTIONS)[number];
