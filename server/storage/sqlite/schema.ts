import type { DatabaseSync } from 'node:sqlite';
import { FULL_TEXT_MIGRATION, FULL_TEXT_SCHEMA } from './full-text.ts';
import { BLOB_SCHEMA } from './sqlite-blobs.ts';

/**
 * The embedded store's tables. Content lives once per version in `history`; `resources` points at
 * each resource's current version; the `idx_*` tables hold the write-time search index of current
 * versions (one table per kind of index row, see fhir/search/index-rows.ts). The lookup indexes end
 * with `id` so that finding the matching resources never reads the index tables themselves; the
 * `_by_owner` indexes (type, id, param, value columns) serve replacing a resource's rows and the
 * per-resource sort keys of `_sort` (without them SQLite scans every row of the parameter per match).
 * `_content`/`_text` words are not `idx_string` rows but live in FTS5 (`fts_words`, `fts_doc`,
 * full-text.ts).
 * `kv` is the key-value store for non-FHIR state (key-value-store.ts, sqlite-key-value.ts): times are
 * milliseconds since the epoch, the payload is JSON text.
 * `blobs`/`blob_chunks` hold document content in chunks (sqlite-blobs.ts, decision 0022).
 */
export const SCHEMA_VERSION = 3;

/** The SQL that brings a store of the version before each key to that version (applySchema). */
const MIGRATIONS: Readonly<Record<number, string>> = {
  2: FULL_TEXT_MIGRATION,
  // New tables only, which SCHEMA creates (IF NOT EXISTS) before the migrations run: nothing to move.
  3: BLOB_SCHEMA,
};

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS history (
  type TEXT NOT NULL, id TEXT NOT NULL, version_id INTEGER NOT NULL,
  last_updated TEXT NOT NULL, deleted INTEGER NOT NULL, content TEXT,
  PRIMARY KEY (type, id, version_id)
);
CREATE INDEX IF NOT EXISTS history_by_time ON history (last_updated, type, id, version_id);
CREATE INDEX IF NOT EXISTS history_by_type_time ON history (type, last_updated, id, version_id);

CREATE TABLE IF NOT EXISTS resources (
  type TEXT NOT NULL, id TEXT NOT NULL, version_id INTEGER NOT NULL,
  last_updated TEXT NOT NULL, deleted INTEGER NOT NULL,
  PRIMARY KEY (type, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resources_by_time ON resources (type, last_updated);

CREATE TABLE IF NOT EXISTS idx_string (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, value TEXT NOT NULL, exact TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_string_lookup ON idx_string (type, param, value, id);
DROP INDEX IF EXISTS idx_string_owner;
CREATE INDEX IF NOT EXISTS idx_string_by_owner ON idx_string (type, id, param, value);

CREATE TABLE IF NOT EXISTS idx_token (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, system TEXT, code TEXT, text TEXT);
CREATE INDEX IF NOT EXISTS idx_token_lookup ON idx_token (type, param, code, system, id);
DROP INDEX IF EXISTS idx_token_owner;
CREATE INDEX IF NOT EXISTS idx_token_by_owner ON idx_token (type, id, param, code);

CREATE TABLE IF NOT EXISTS idx_reference (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, target TEXT NOT NULL, target_type TEXT);
CREATE INDEX IF NOT EXISTS idx_reference_lookup ON idx_reference (type, param, target, id);
DROP INDEX IF EXISTS idx_reference_owner;
CREATE INDEX IF NOT EXISTS idx_reference_by_owner ON idx_reference (type, id, param, target);

CREATE TABLE IF NOT EXISTS idx_date (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, low TEXT NOT NULL, high TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_date_lookup ON idx_date (type, param, low, high, id);
DROP INDEX IF EXISTS idx_date_owner;
CREATE INDEX IF NOT EXISTS idx_date_by_owner ON idx_date (type, id, param, low, high);

CREATE TABLE IF NOT EXISTS idx_number (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, low REAL NOT NULL, high REAL NOT NULL);
CREATE INDEX IF NOT EXISTS idx_number_lookup ON idx_number (type, param, low, high, id);
DROP INDEX IF EXISTS idx_number_owner;
CREATE INDEX IF NOT EXISTS idx_number_by_owner ON idx_number (type, id, param, low, high);

CREATE TABLE IF NOT EXISTS idx_quantity (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, system TEXT, code TEXT, low REAL NOT NULL, high REAL NOT NULL);
CREATE INDEX IF NOT EXISTS idx_quantity_lookup ON idx_quantity (type, param, code, low, high, id);
DROP INDEX IF EXISTS idx_quantity_owner;
CREATE INDEX IF NOT EXISTS idx_quantity_by_owner ON idx_quantity (type, id, param, low, high);

CREATE TABLE IF NOT EXISTS idx_uri (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_uri_lookup ON idx_uri (type, param, value, id);
DROP INDEX IF EXISTS idx_uri_owner;
CREATE INDEX IF NOT EXISTS idx_uri_by_owner ON idx_uri (type, id, param, value);

CREATE TABLE IF NOT EXISTS kv (
  namespace TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL, expires_at INTEGER,
  grant_id TEXT, user_code TEXT, uid TEXT, consumed_at INTEGER, updated_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, id)
);
CREATE INDEX IF NOT EXISTS kv_by_uid ON kv (namespace, uid) WHERE uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS kv_by_user_code ON kv (namespace, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS kv_by_grant ON kv (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS kv_by_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
${FULL_TEXT_SCHEMA}${BLOB_SCHEMA}`;

export const INDEX_TABLES = ['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri'] as const;

/** What applySchema reports around the migrations of a store that has data (`ms` once done). */
export interface SchemaUpgrade {
  from: number;
  to: number;
  phase: 'start' | 'done';
  ms?: number;
}

function hasData(db: DatabaseSync): boolean {
  return (db.prepare('SELECT EXISTS (SELECT 1 FROM history) AS found').get() as { found: number }).found === 1;
}

/**
 * Creates the tables of a new store, or brings an older store's up to SCHEMA_VERSION on open
 * (`PRAGMA user_version`; 0 is a new file or a store from before versions were recorded, which is
 * version 1). One transaction, so that a second process opening the store at the same time waits
 * and then finds it done. A store of a newer version than this server knows is refused.
 */
export function applySchema(db: DatabaseSync, onUpgrade?: (upgrade: SchemaUpgrade) => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const { user_version: found } = db.prepare('PRAGMA user_version').get() as { user_version: number };
    if (found > SCHEMA_VERSION)
      throw new Error(
        `This store has schema version ${found}, written by a newer version of the server; this one knows ` +
          `versions up to ${SCHEMA_VERSION}. Run the newer server, or restore a backup from before the upgrade.`,
      );
    db.exec(SCHEMA);
    const from = Math.max(found, 1);
    // A store with data gets a word before and after: moving a large store's words took many minutes.
    const upgrade = from < SCHEMA_VERSION && hasData(db) ? { from, to: SCHEMA_VERSION } : undefined;
    const started = performance.now();
    if (upgrade) onUpgrade?.({ ...upgrade, phase: 'start' });
    for (let version = from + 1; version <= SCHEMA_VERSION; version++) {
      const migration = MIGRATIONS[version];
      if (migration) db.exec(migration);
    }
    if (upgrade) onUpgrade?.({ ...upgrade, phase: 'done', ms: Math.round(performance.now() - started) });
    if (found !== SCHEMA_VERSION) db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
