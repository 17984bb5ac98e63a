import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Clock, JsonObject, KeyValueRecord, KeyValueStore, RecordLookups } from '../key-value-store.ts';
import { checkNamespace, checkWrite, isKey } from '../key-value-store.ts';

export interface SqliteKeyValueOptions {
  /** The reader connection (committed data only); throws when the store is not open. */
  reader(): DatabaseSync;
  /**
   * Runs `work` on the writer connection in the engine's transaction queue (its own savepoint of a
   * group commit), so that a key-value write never lands inside (and is never rolled back with) a
   * running FHIR transaction.
   */
  write<T>(work: (db: DatabaseSync) => T): Promise<T>;
  clock: Clock;
}

interface KvRow {
  namespace: string;
  id: string;
  payload: string;
  expires_at: number | null;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  consumed_at: number | null;
}

const COLUMNS = 'namespace, id, payload, expires_at, grant_id, user_code, uid, consumed_at';
const UNEXPIRED = '(expires_at IS NULL OR expires_at > ?)';

/** The key-value store on the `kv` table (schema.ts). Each write is one statement, atomic alone (group-commit.ts). */
export class SqliteKeyValueStore implements KeyValueStore {
  readonly #options: SqliteKeyValueOptions;
  readonly #statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

  constructor(options: SqliteKeyValueOptions) {
    this.#options = options;
  }

  #prepare(db: DatabaseSync, sql: string): StatementSync {
    let cache = this.#statements.get(db);
    if (!cache) this.#statements.set(db, (cache = new Map<string, StatementSync>()));
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = db.prepare(sql)));
    return statement;
  }

  async upsert(
    namespace: string,
    id: string,
    payload: JsonObject,
    expiresInSeconds?: number | null,
    lookups: RecordLookups = {},
  ): Promise<void> {
    const now = this.#options.clock();
    const { payloadJson, expiresAt } = checkWrite(namespace, id, payload, expiresInSeconds, lookups, now);
    await this.#options.write((db) =>
      this.#prepare(
        db,
        `INSERT INTO kv (${COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?) ` +
          'ON CONFLICT (namespace, id) DO UPDATE SET payload = excluded.payload, expires_at = excluded.expires_at, ' +
          'grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid, consumed_at = NULL, updated_at = excluded.updated_at',
      ).run(
        namespace,
        id,
        payloadJson,
        expiresAt,
        lookups.grantId ?? null,
        lookups.userCode ?? null,
        lookups.uid ?? null,
        now,
      ),
    );
  }

  async find(namespace: string, id: string): Promise<KeyValueRecord | undefined> {
    checkNamespace(namespace);
    if (!isKey(id)) return undefined;
    return this.#one(`SELECT ${COLUMNS} FROM kv WHERE namespace = ? AND id = ? AND ${UNEXPIRED}`, namespace, id);
  }

  async findByUid(namespace: string, uid: string): Promise<KeyValueRecord | undefined> {
    checkNamespace(namespace);
    if (!isKey(uid)) return undefined;
    return this.#one(
      `SELECT ${COLUMNS} FROM kv WHERE namespace = ? AND uid = ? AND ${UNEXPIRED} ORDER BY updated_at DESC LIMIT 1`,
      namespace,
      uid,
    );
  }

  async findByUserCode(namespace: string, userCode: string): Promise<KeyValueRecord | undefined> {
    checkNamespace(namespace);
    if (!isKey(userCode)) return undefined;
    return this.#one(
      `SELECT ${COLUMNS} FROM kv WHERE namespace = ? AND user_code = ? AND ${UNEXPIRED} ORDER BY updated_at DESC LIMIT 1`,
      namespace,
      userCode,
    );
  }

  async consume(namespace: string, id: string): Promise<boolean> {
    checkNamespace(namespace);
    if (!isKey(id)) return false;
    return this.#options.write((db) => {
      const now = this.#options.clock();
      const { changes } = this.#prepare(
        db,
        `UPDATE kv SET consumed_at = ? WHERE namespace = ? AND id = ? AND consumed_at IS NULL AND ${UNEXPIRED}`,
      ).run(now, namespace, id, now);
      return Number(changes) === 1;
    });
  }

  async destroy(namespace: string, id: string): Promise<void> {
    checkNamespace(namespace);
    if (!isKey(id)) return;
    await this.#options.write((db) =>
      this.#prepare(db, 'DELETE FROM kv WHERE namespace = ? AND id = ?').run(namespace, id),
    );
  }

  async revokeByGrantId(grantId: string): Promise<number> {
    if (!isKey(grantId)) return 0;
    return this.#options.write((db) =>
      Number(this.#prepare(db, 'DELETE FROM kv WHERE grant_id = ?').run(grantId).changes),
    );
  }

  async purgeExpired(): Promise<number> {
    return this.#options.write((db) =>
      Number(this.#prepare(db, 'DELETE FROM kv WHERE expires_at <= ?').run(this.#options.clock()).changes),
    );
  }

  #one(sql: string, namespace: string, key: string): KeyValueRecord | undefined {
    const row = this.#prepare(this.#options.reader(), sql).get(namespace, key, this.#options.clock()) as
      KvRow | undefined;
    return row && toRecord(row);
  }
}

function toRecord(row: KvRow): KeyValueRecord {
  const record: KeyValueRecord = {
    namespace: row.namespace,
    id: row.id,
    payload: JSON.parse(row.payload) as JsonObject,
    expiresAt: row.expires_at,
  };
  if (row.grant_id !== null) record.grantId = row.grant_id;
  if (row.user_code !== null) record.userCode = row.user_code;
  if (row.uid !== null) record.uid = row.uid;
  if (row.consumed_at !== null) record.consumedAt = row.consumed_at;
  return record;
}
