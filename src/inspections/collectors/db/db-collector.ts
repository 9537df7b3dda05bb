import type { Collector } from '../collector.js';

/** Collects db measurements. */
export const dbCollector: Collector = {
  kind: 'db',
  produces: [],
  async collect() {
    throw new Error('the db collector is not implemented yet');
  },
};
