import { z } from 'zod';
import { durationSchema } from '../../../workflow/workflow-schema.js';
import { parseBytes } from '../../checks/format.js';

/**
 * Where cluster-node inspections find things on control-plane and worker nodes (spec.nodes of the
 * InspectionConfig). Thresholds live in the check catalog (node.* checks); turn a check off for
 * some nodes with an override (e.g. node.etcd.* for the workers).
 */
export const nodeSettingsSchema = z
  .object({
    /** kubeadm's PKI directory; every *.crt below it (etcd/ included) is checked. @defaultValue /etc/kubernetes/pki */
    pkiDir: z.string().default('/etc/kubernetes/pki'),
    /** Where kubeadm writes its kubeconfigs (admin.conf, kubelet.conf, ...). @defaultValue /etc/kubernetes */
    kubeconfigDir: z.string().default('/etc/kubernetes'),
    /** Kubeconfig files whose client certificates are checked (names relative to kubeconfigDir). */
    kubeconfigs: z.array(z.string().min(1)).default(['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf']),
    /** Where etcd snapshots are written (on control-plane nodes). @defaultValue /var/backups/etcd */
    etcdBackupDir: z.string().default('/var/backups/etcd'),
    /** File name globs of snapshots in etcdBackupDir. @defaultValue ["*"] */
    etcdBackupPatterns: z.array(z.string().min(1)).default(['*']),
    /** Newest snapshot older than this is a warning; twice it, critical. @defaultValue 26h */
    etcdBackupMaxAge: durationSchema.default('26h'),
    /**
     * How a snapshot is verified: `auto` uses etcdutl, else etcdctl (`snapshot status`), else reads
     * the bbolt header and etcd's trailing sha256. @defaultValue auto
     */
    etcdSnapshotVerify: z.enum(['auto', 'etcdutl', 'etcdctl', 'header']).default('auto'),
    /** The container runtime's CLI and socket for the unused-images check. */
    containerRuntime: z
      .object({
        /** crictl, ctr or docker; auto tries them in that order. @defaultValue auto */
        cli: z.enum(['auto', 'crictl', 'ctr', 'docker']).default('auto'),
        /** Socket of the runtime (e.g. /run/k3s/containerd/containerd.sock); default the CLI's own. */
        endpoint: z.string().optional(),
        /** systemd unit of the runtime; default the first installed of containerd, crio, docker. */
        service: z.string().optional(),
      })
      .strict()
      .default({ cli: 'auto' }),
    /** The image registry: HTTP ping of /v2/ (and Harbor's /api/v2.0/health when harbor is true), from every node. */
    registry: z
      .object({ url: z.string().url(), harbor: z.boolean().default(false), caCert: z.string().optional(), insecureSkipVerify: z.boolean().optional() })
      .strict()
      .optional(),
    loki: z
      .object({
        configFile: z.string().default('/etc/loki/config.yaml'),
        dataDir: z.string().default('/var/lib/loki'),
        /** Data directory size limit, e.g. "50GiB". */
        maxSize: z
          .union([z.string(), z.number()])
          .refine((v) => {
            try {
              return parseBytes(v) > 0;
            } catch {
              return false;
            }
          }, 'must be a size such as 50GiB, 500MiB or a number of bytes')
          .optional(),
      })
      .strict()
      .optional(),
    /** Further services that must be active and enabled at boot on every node (kubelet and the runtime are checked anyway). */
    services: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type NodeSettings = z.infer<typeof nodeSettingsSchema>;
