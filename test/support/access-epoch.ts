import { readAccessEpoch } from '../../server/access/access-epoch.ts';
import type { KeyValueStore } from '../../server/storage/key-value-store.ts';

/** Whether `change` started a new access epoch in `store` (decision 0017): the value differs after it. */
export async function startsNewEpoch(store: KeyValueStore, change: () => Promise<unknown>): Promise<boolean> {
  const before = await readAccessEpoch(store);
  await change();
  return (await readAccessEpoch(store)) !== before;
}
