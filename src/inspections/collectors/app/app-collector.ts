import type { Collector } from '../collector.js';

/** Collects app measurements. */
export const appCollector: Collector = {
  kind: 'app',
  produces: [],
  async collect() {
    throw new Error('the app collector is not implemented yet');
  },
};
