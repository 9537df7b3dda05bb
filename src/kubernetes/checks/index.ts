import type { CheckInfo } from '../../inspections/check.js';

/** Catalog entries of the Kubernetes API checks (evaluated by the cluster inspection). */
export const clusterCheckInfos: CheckInfo[] = [];
