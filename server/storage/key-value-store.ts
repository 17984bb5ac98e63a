/**
 * A small namespaced key-value store with expiry, kept by both engines (the `kv` table on SQLite,
 * the `kv` collection on MongoDB). It exists for state that is not FHIR: the SMART authorization
 * server keeps its sessions, grants, codes, tokens, clients and replay caches here through
 * `server/auth/oidc-adapter.ts`, so that they survive restarts and are shared by server processes.
 *
 * The operations map 1:1 onto oidc-provider's Adapter methods (upsert, find, findByUid,
 * findByUserCode, consume, destroy, revokeByGrantId), with the namespace standing for the model.
 * Every engine passes the same suite (`key-value-contract.ts`).
 *
 * Rules shared by the implementations:
 * - A record expires when `expiresAt <= now`. Expired records are never returned or consumed, even
 *   before they are physically deleted (`purgeExpired`, or MongoDB's lazy TTL monitor).
 * - Ids and lookup values are strings of 1 to MAX_KEY_LENGTH characters, stored literally: `$where`,
 *   `__proto__` or `a/b` are ordinary ids. Writes with anything else throw a clear Error; reads with
 *   anything else answer "not found", because such a value cannot have been stored (oidc-provider
 *   looks tokens up by the value a client sends, which may be hostile).
 * - The payload is a JSON object, stored as JSON text on both engines, so any key (`$where`,
 *   `a.b`, `__proto__`) round-trips literally and is never interpreted by the database.
 */
export type JsonObject = { [key: string]: unknown };

export interface KeyValueRecord {
  namespace: string;
  id: string;
  payload: JsonObject;
  /** Milliseconds since the epoch, or null: never expires. */
  expiresAt: number | null;
  grantId?: string;
  userCode?: string;
  uid?: string;
  /** Milliseconds since the epoch of the first successful consume(). */
  consumedAt?: number;
}

/** Secondary keys a record can be found or deleted by; the caller decides which apply. */
export interface RecordLookups {
  grantId?: string;
  userCode?: string;
  uid?: string;
}

export interface KeyValueStore {
  /**
   * Creates or replaces the record (payload, expiry, lookups; a replaced record is no longer
   * consumed). `expiresInSeconds` undefined or null: never expires; fractions are allowed.
   */
  upsert(
    namespace: string,
    id: string,
    payload: JsonObject,
    expiresInSeconds?: number | null,
    lookups?: RecordLookups,
  ): Promise<void>;
  /** The unexpired record, or undefined. */
  find(namespace: string, id: string): Promise<KeyValueRecord | undefined>;
  /** The unexpired record of the namespace with this uid (the most recently written if several). */
  findByUid(namespace: string, uid: string): Promise<KeyValueRecord | undefined>;
  /** The unexpired record of the namespace with this user code (the most recently written if several). */
  findByUserCode(namespace: string, userCode: string): Promise<KeyValueRecord | undefined>;
  /**
   * Marks the unexpired record consumed, atomically: true for the one call that consumed it;
   * false when it is missing, expired or already consumed (the first consumedAt is kept).
   */
  consume(namespace: string, id: string): Promise<boolean>;
  /** Deletes the record (expired or not); nothing happens when there is none. */
  destroy(namespace: string, id: string): Promise<void>;
  /** Deletes every record, of any namespace, expired or not, with this grantId; answers how many. */
  revokeByGrantId(grantId: string): Promise<number>;
  /** Deletes the expired records; answers how many. */
  purgeExpired(): Promise<number>;
}

/** Milliseconds since the epoch; injectable so that tests can move time. */
export type Clock = () => number;

export const MAX_KEY_LENGTH = 1024;

const NAMESPACE = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;

/** Namespaces come from code, never from requests: a bad one is a programming error. */
export function checkNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) {
    throw new Error(`Key-value namespace ${JSON.stringify(String(namespace)).slice(0, 120)} must match ${NAMESPACE}`);
  }
}

/** True for a value that can be an id or a lookup value. */
export function isKey(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_KEY_LENGTH && value.isWellFormed();
}

export function checkKey(what: string, value: unknown): asserts value is string {
  if (!isKey(value)) {
    throw new Error(`Key-value ${what} must be a well-formed string of 1 to ${MAX_KEY_LENGTH} characters`);
  }
}

/** Validates a write and computes its expiry; throws a clear Error for anything unstorable. */
export function checkWrite(
  namespace: unknown,
  id: unknown,
  payload: unknown,
  expiresInSeconds: unknown,
  lookups: RecordLookups | undefined,
  now: number,
): { payloadJson: string; expiresAt: number | null } {
  checkNamespace(namespace);
  checkKey('id', id);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new Error('Key-value payload must be a JSON object');
  }
  for (const key of ['grantId', 'userCode', 'uid'] as const) {
    const value = lookups?.[key];
    if (value !== undefined) checkKey(key, value);
  }
  let expiresAt: number | null = null;
  if (expiresInSeconds !== undefined && expiresInSeconds !== null) {
    if (typeof expiresInSeconds !== 'number' || !Number.isFinite(expiresInSeconds)) {
      throw new Error('Key-value expiresInSeconds must be a finite number, undefined or null');
    }
    expiresAt = now + Math.round(expiresInSeconds * 1000);
  }
  return { payloadJson: JSON.stringify(payload), expiresAt };
}
