import { randomUUID } from 'node:crypto';
import type { StorageEngine, WriteSession } from './storage-engine.ts';

/**
 * Telling a listener outside storage what a transaction wrote, once it has committed: the access
 * layer keeps per-process caches of who may reach what and must learn of every write that can
 * change that before the write is acknowledged (server/access/access-epoch.ts). Storage knows
 * nothing of access; it only reports resource types and ids, and which ids it minted itself.
 */
export interface CommittedWrite {
  resourceType: string;
  id: string;
  /**
   * The id was assigned by the server in this transaction (a create without a client-chosen id):
   * no record stored before it can have referred to the resource by id.
   */
  newId: boolean;
}

/** Called after the outermost transaction commits and before the repository call returns. */
export type AfterCommit = (writes: readonly CommittedWrite[]) => Promise<void> | void;

/** The ids each recording session minted (keyed by the session the repository's work sees). */
const minted = new WeakMap<WriteSession, Set<string>>();

/** A fresh resource id; remembered as server-assigned when `session` records its writes. */
export function mintId(session: WriteSession): string {
  const id = randomUUID();
  minted.get(session)?.add(id);
  return id;
}

/**
 * `engine.transaction(work)`, then `afterCommit` with what it wrote. A rejected transaction reports
 * nothing. When `afterCommit` throws, the call rejects although the data is committed: the caller is
 * told the change may not have taken full effect (a retry writes and reports again).
 */
export async function committed<T>(
  deps: { engine: StorageEngine; afterCommit?: AfterCommit | undefined },
  work: (session: WriteSession) => Promise<T>,
): Promise<T> {
  const { engine, afterCommit } = deps;
  if (!afterCommit) return engine.transaction(work);
  let writes: CommittedWrite[] = [];
  const result = await engine.transaction((session) => {
    // An engine may run the work again (a MongoDB transaction retried): only the last attempt counts.
    writes = [];
    return work(recording(session, writes));
  });
  if (writes.length > 0) await afterCommit(writes);
  return result;
}

function recording(session: WriteSession, writes: CommittedWrite[]): WriteSession {
  const ids = new Set<string>();
  const wrapper: WriteSession = {
    readCurrent: (type, id) => session.readCurrent(type, id),
    readVersion: (type, id, versionId) => session.readVersion(type, id, versionId),
    history: (query) => session.history(query),
    search: (request) => session.search(request),
    writeVersion: async (version, index) => {
      await session.writeVersion(version, index);
      const newId = ids.has(version.id) && version.versionId === '1';
      writes.push({ resourceType: version.resourceType, id: version.id, newId });
    },
    replaceIndex: async (type, id, index) => {
      await session.replaceIndex(type, id, index);
      writes.push({ resourceType: type, id, newId: false });
    },
  };
  minted.set(wrapper, ids);
  return wrapper;
}
