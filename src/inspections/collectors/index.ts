import { CollectorRegistry } from './collector.js';
import { hostCollector } from './host/host-collector.js';
import { nodeCollector } from './node/node-collector.js';
import { appCollector } from './app/app-collector.js';
import { dbCollector } from './db/db-collector.js';

/** The built-in collectors, one per inspection kind. */
export function builtinCollectors(): CollectorRegistry {
  return new CollectorRegistry().register(hostCollector).register(nodeCollector).register(appCollector).register(dbCollector);
}
