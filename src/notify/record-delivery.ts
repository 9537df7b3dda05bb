import type { Store } from '../store/store.js';
import { newId } from '../util/ids.js';
import type { DeliveryRecord } from './delivery.js';

/** Stores the outcome of one delivery (sent or failed) on its run and returns the record. */
export async function recordDelivery(store: Store, d: Omit<DeliveryRecord, 'id' | 'finishedAt'> & { finishedAt?: number }): Promise<DeliveryRecord> {
  const rec: DeliveryRecord = { ...d, id: newId(), finishedAt: d.finishedAt ?? Date.now() };
  await store.deliveries.insert(rec);
  return rec;
}
