import { randomBytes } from 'node:crypto';
import type { AfterCommit, CommittedWrite } from '../storage/commit-hook.ts';
import type { KeyValueStore } from '../storage/key-value-store.ts';

/**
 * The access epoch (decision 0017): one small record in the shared key-value store whose value
 * changes whenever anyone's access may have been reduced or changed. Every server process reads it
 * once per request with a token, before anything else; its caches of token verdicts and of
 * principals (access-cache.ts) hold entries only for the epoch value they were filled under.
 *
 * Why that makes revocation immediate, in every process: an event that changes access (a token or
 * grant revoked, a client re-registered or removed, an account's password or person changed, a
 * write of a record entitlements read) first commits its change, then writes a fresh random value
 * here, and only then is acknowledged. A request that starts after the acknowledgement reads the
 * new value (the store is one SQLite file, or MongoDB's primary: a read sees every write that
 * completed before it). Every cache entry was filled under a value read before that entry's data
 * reads; an entry whose data missed the change was filled under a value read before the change was
 * committed, hence before the new value was written; values are never reused, so that entry does
 * not match and the request looks everything up again. Time passing is not an event: entries also
 * expire at the earliest term they depend on (a token's expiry, a role's or a family member's
 * period, a minor's birthday), and after a bounded time in any case.
 */
export const ACCESS_EPOCH_NAMESPACE = 'access-epoch';
const EPOCH_ID = 'current';

/** The current epoch value ('' until the first change ever). */
export async function readAccessEpoch(store: KeyValueStore): Promise<string> {
  const record = await store.find(ACCESS_EPOCH_NAMESPACE, EPOCH_ID);
  const value = record?.payload.value;
  return typeof value === 'string' ? value : '';
}

/**
 * Starts a new epoch: every process's cached verdicts and principals stop counting. Call after the
 * change is committed and before it is acknowledged. A random value needs no read-modify-write, so
 * concurrent changes in several processes cannot lose one another (whichever is written last is
 * still new to every cache entry filled before it).
 */
export async function bumpAccessEpoch(store: KeyValueStore): Promise<void> {
  await store.upsert(ACCESS_EPOCH_NAMESPACE, EPOCH_ID, { value: randomBytes(16).toString('base64url') });
}

/**
 * The FHIR types entitlements.ts reads, and how: PractitionerRoles are searched (by practitioner),
 * so any write of one may change a practitioner's practices; the others are read by id only (a
 * Person, a RelatedPerson, a Patient, the Organization that sets a minor's proxy age), so a create
 * whose id the server minted cannot be one any existing record or account already points at.
 */
const SEARCHED_TYPES: ReadonlySet<string> = new Set(['PractitionerRole']);
const READ_BY_ID_TYPES: ReadonlySet<string> = new Set(['Person', 'RelatedPerson', 'Patient', 'Organization']);

/** Whether a committed FHIR write may change what some principal may reach. */
export function writeChangesAccess(write: CommittedWrite): boolean {
  if (SEARCHED_TYPES.has(write.resourceType)) return true;
  return READ_BY_ID_TYPES.has(write.resourceType) && !write.newId;
}

/** The repository's afterCommit (server/app.ts): a new epoch when a transaction wrote such a record. */
export function bumpOnAccessWrites(store: KeyValueStore): AfterCommit {
  return async (writes) => {
    if (writes.some(writeChangesAccess)) await bumpAccessEpoch(store);
  };
}
