import { z } from 'zod';
import { durationSchema } from '../../../workflow/workflow-schema.js';

/** Where cluster-node inspections find things on control-plane and worker nodes. */
export const nodeSettingsSchema = z
  .object({
    /** kubeadm's PKI directory. @defaultValue /etc/kubernetes/pki */
    pkiDir: z.string().default('/etc/kubernetes/pki'),
    /** Where etcd snapshots are written (on control-plane nodes). */
    etcdBackupDir: z.string().default('/var/backups/etcd'),
    /** Newest snapshot older than this is a warning; twice it, critical. @defaultValue 26h */
    etcdBackupMaxAge: durationSchema.default('26h'),
    /** The image registry: HTTP ping of /v2/ (and Harbor's /api/v2.0/health when harbor is true). */
    registry: z
      .object({ url: z.string().url(), harbor: z.boolean().default(false), caCert: z.string().optional(), insecureSkipVerify: z.boolean().optional() })
      .strict()
      .optional(),
    loki: z
      .object({
        configFile: z.string().default('/etc/loki/config.yaml'),
        dataDir: z.string().default('/var/lib/loki'),
        /** Data directory size limit, e.g. "50GiB". */
        maxSize: z.union([z.string(), z.number()]).optional(),
      })
      .strict()
      .optional(),
    /** Services that must be active and enabled at boot on every node. */
    services: z.array(z.string()).default(['kubelet', 'containerd']),
  })
  .strict();

export type NodeSettings = z.infer<typeof nodeSettingsSchema>;
