import type { ServerResponse } from 'node:http';
import type { ObjectStore } from '../object-store.js';
import { sendStatus } from './status.js';

const TOO_LARGE_WAIT_MS = 3000;

/**
 * For a request at a resourceVersion newer than the cluster's: like the API server, wait up to 3 s for the cluster
 * to get there. When it does not, answers 504 Timeout (cause ResourceVersionTooLarge) and returns false.
 */
export async function reachResourceVersion(store: ObjectStore, res: ServerResponse, rv: number): Promise<boolean> {
  const deadline = Date.now() + TOO_LARGE_WAIT_MS;
  while (store.resourceVersion < rv) {
    if (res.destroyed) return false;
    if (Date.now() >= deadline) {
      sendStatus(res, 504, 'Timeout', `Too large resource version: ${rv}, current: ${store.resourceVersion}`,
        { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 }, { 'Retry-After': '1' });
      return false;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
