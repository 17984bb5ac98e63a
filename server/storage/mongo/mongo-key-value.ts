import type { Collection, Db, Filter } from 'mongodb';
import type { Clock, JsonObject, KeyValueRecord, KeyValueStore, RecordLookups } from '../key-value-store.ts';
import { checkNamespace, checkWrite, isKey } from '../key-value-store.ts';

/**
 * One record of the `kv` collection. `_id` is `${namespace}/${id}` (namespaces contain no `/`).
 * The payload is JSON text, as on SQLite: client-influenced keys (`$where`, `a.b`) are never
 * field names. `expiresAt` is a Date so that the TTL index can delete expired records.
 */
export interface KvDocument {
  _id: string;
  namespace: string;
  id: string;
  payload: string;
  expiresAt: Date | null;
  grantId?: string;
  userCode?: string;
  uid?: string;
  consumedAt: Date | null;
  updatedAt: Date;
}

export async function createKeyValueIndexes(db: Db): Promise<void> {
  await db.collection<KvDocument>('kv').createIndexes([
    { key: { grantId: 1 }, name: 'kv_by_grant' },
    { key: { namespace: 1, uid: 1 }, name: 'kv_by_uid' },
    { key: { namespace: 1, userCode: 1 }, name: 'kv_by_user_code' },
    // MongoDB's TTL monitor deletes a record once its expiresAt has passed (about once a minute,
    // so lazily: reads check the expiry themselves). Records without a Date never expire.
    { key: { expiresAt: 1 }, name: 'kv_ttl', expireAfterSeconds: 0 },
  ]);
}

/**
 * The key-value store on the `kv` collection. Every operation is a single-document atomic write
 * (revokeByGrantId and purgeExpired are idempotent deleteMany), outside any FHIR transaction.
 */
export class MongoKeyValueStore implements KeyValueStore {
  readonly #collection: () => Collection<KvDocument>;
  readonly #clock: Clock;

  constructor(collection: () => Collection<KvDocument>, clock: Clock) {
    this.#collection = collection;
    this.#clock = clock;
  }

  async upsert(
    namespace: string,
    id: string,
    payload: JsonObject,
    expiresInSeconds?: number | null,
    lookups: RecordLookups = {},
  ): Promise<void> {
    const now = this.#clock();
    const { payloadJson, expiresAt } = checkWrite(namespace, id, payload, expiresInSeconds, lookups, now);
    const doc: KvDocument = {
      _id: `${namespace}/${id}`,
      namespace,
      id,
      payload: payloadJson,
      expiresAt: expiresAt === null ? null : new Date(expiresAt),
      consumedAt: null,
      updatedAt: new Date(now),
    };
    if (lookups.grantId !== undefined) doc.grantId = lookups.grantId;
    if (lookups.userCode !== undefined) doc.userCode = lookups.userCode;
    if (lookups.uid !== undefined) doc.uid = lookups.uid;
    await this.#collection().replaceOne({ _id: doc._id }, doc, { upsert: true });
  }

  async find(namespace: string, id: string): Promise<KeyValueRecord | undefined> {
    checkNamespace(namespace);
    if (!isKey(id)) return undefined;
    const doc = await this.#collection().findOne({ _id: `${namespace}/${id}`, ...this.#unexpired() });
    return doc ? toRecord(doc) : undefined;
  }

  async findByUid(namespace: string, uid: string): Promise<KeyValueRecord | undefined> {
    checkNamespace(namespace);
    if (!isKey(uid)) return undefined;
    const doc = await this.#collection().findOne({ namespace, uid, ...this.#unexpired() }, { sort: { updatedAt: -1 } });
    return doc ? toRecord(doc) : undefined;
  }

  async findByUserCode(namespace: string, userCode: string): Promise<KeyValueRecord | undefined> {
    checkNamespace(namespace);
    if (!isKey(userCode)) return undefined;
    const doc = await this.#collection().findOne(
      { namespace, userCode, ...this.#unexpired() },
      { sort: { updatedAt: -1 } },
    );
    return doc ? toRecord(doc) : undefined;
  }

  async consume(namespace: string, id: string): Promise<boolean> {
    checkNamespace(namespace);
    if (!isKey(id)) return false;
    const now = new Date(this.#clock());
    const result = await this.#collection().updateOne(
      { _id: `${namespace}/${id}`, consumedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] },
      { $set: { consumedAt: now } },
    );
    return result.modifiedCount === 1;
  }

  async destroy(namespace: string, id: string): Promise<void> {
    checkNamespace(namespace);
    if (!isKey(id)) return;
    await this.#collection().deleteOne({ _id: `${namespace}/${id}` });
  }

  async revokeByGrantId(grantId: string): Promise<number> {
    if (!isKey(grantId)) return 0;
    return (await this.#collection().deleteMany({ grantId })).deletedCount;
  }

  async purgeExpired(): Promise<number> {
    return (await this.#collection().deleteMany({ expiresAt: { $lte: new Date(this.#clock()) } })).deletedCount;
  }

  #unexpired(): Filter<KvDocument> {
    return { $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date(this.#clock()) } }] };
  }
}

function toRecord(doc: KvDocument): KeyValueRecord {
  const record: KeyValueRecord = {
    namespace: doc.namespace,
    id: doc.id,
    payload: JSON.parse(doc.payload) as JsonObject,
    expiresAt: doc.expiresAt ? doc.expiresAt.getTime() : null,
  };
  if (doc.grantId !== undefined) record.grantId = doc.grantId;
  if (doc.userCode !== undefined) record.userCode = doc.userCode;
  if (doc.uid !== undefined) record.uid = doc.uid;
  if (doc.consumedAt) record.consumedAt = doc.consumedAt.getTime();
  return record;
}
