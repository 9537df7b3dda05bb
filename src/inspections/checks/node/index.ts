import type { AnyCheck } from '../../check.js';
import { nodeCertExpiry } from './certs.js';
import { nodeEtcdBackupAge, nodeEtcdBackupValid } from './etcd-backup.js';
import { nodeKubeletService, nodeRuntimeService, nodeServicesBoot } from './services.js';
import { nodeImagesUnused } from './images.js';
import { nodeRegistryHealth } from './registry.js';
import { nodeLokiDataSize, nodeLokiRetention } from './loki.js';

/** Every node check, in catalog order. Add new checks here (one line each). */
export const nodeChecks: AnyCheck[] = [
  nodeCertExpiry,
  nodeEtcdBackupAge,
  nodeEtcdBackupValid,
  nodeKubeletService,
  nodeRuntimeService,
  nodeServicesBoot,
  nodeImagesUnused,
  nodeRegistryHealth,
  nodeLokiRetention,
  nodeLokiDataSize,
];
