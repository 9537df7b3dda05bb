import { CheckCatalog } from '../check-catalog.js';
import { hostChecks } from './host/index.js';
import { nodeChecks } from './node/index.js';
import { appChecks } from './app/index.js';
import { dbChecks } from './db/index.js';
import { clusterCheckInfos } from '../../kubernetes/checks/index.js';
import { patrolHealthChecks } from '../../server/health-step.js';

/** The built-in check catalog: every check of every kind, registered in one place. */
export function builtinCatalog(): CheckCatalog {
  return new CheckCatalog().register(...hostChecks, ...nodeChecks, ...appChecks, ...dbChecks, ...clusterCheckInfos, ...patrolHealthChecks);
}
