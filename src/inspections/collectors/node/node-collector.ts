import type { Collector } from '../collector.js';

/** Collects node measurements. */
export const nodeCollector: Collector = {
  kind: 'node',
  produces: [],
  async collect() {
    throw new Error('the node collector is not implemented yet');
  },
};
