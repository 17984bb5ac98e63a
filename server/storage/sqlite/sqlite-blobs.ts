import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { BlobInfo, BlobUsage, ChunkStorage } from '../blob-store.ts';

/**
 * Blobs in the store's own file (decision 0022): `blobs` holds one row per blob (incomplete until
 * its last chunk is written), `blob_chunks` its content, one row per chunk of at most 256 KiB. A
 * rowid table for the chunks: large values belong in a table's own pages, not in an index b-tree.
 */
export const BLOB_SCHEMA = `
CREATE TABLE IF NOT EXISTS blobs (
  id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, complete INTEGER NOT NULL, size INTEGER, sha256 TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blobs_incomplete ON blobs (created_at) WHERE complete = 0;
CREATE TABLE IF NOT EXISTS blob_chunks (
  blob_id TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (blob_id, n)
);
`;

export interface SqliteBlobOptions {
  /** The reader connection (committed data only); throws when the store is not open. */
  reader(): DatabaseSync;
  /**
   * Runs `work` on the writer connection as one member of a group commit (group-commit.ts): each
   * chunk is a small write of its own, queued with the other writes, never a transaction held open
   * while the network delivers the rest of an upload.
   */
  write<T>(work: (db: DatabaseSync) => T): Promise<T>;
}

interface BlobRow {
  id: string;
  created_at: number;
  size: number;
  sha256: string;
}

export class SqliteChunkStorage implements ChunkStorage {
  readonly #options: SqliteBlobOptions;
  readonly #statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

  constructor(options: SqliteBlobOptions) {
    this.#options = options;
  }

  #prepare(db: DatabaseSync, sql: string): StatementSync {
    let cache = this.#statements.get(db);
    if (!cache) this.#statements.set(db, (cache = new Map<string, StatementSync>()));
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = db.prepare(sql)));
    return statement;
  }

  async begin(id: string, createdAt: number): Promise<void> {
    await this.#options.write((db) =>
      this.#prepare(db, 'INSERT INTO blobs (id, created_at, complete) VALUES (?, ?, 0)').run(id, createdAt),
    );
  }

  async putChunk(id: string, n: number, bytes: Uint8Array): Promise<void> {
    await this.#options.write((db) =>
      this.#prepare(db, 'INSERT INTO blob_chunks (blob_id, n, data) VALUES (?, ?, ?)').run(id, n, bytes),
    );
  }

  async complete(id: string, size: number, sha256: string): Promise<void> {
    await this.#options.write((db) => {
      const { changes } = this.#prepare(
        db,
        'UPDATE blobs SET complete = 1, size = ?, sha256 = ? WHERE id = ? AND complete = 0',
      ).run(size, sha256, id);
      if (Number(changes) !== 1) throw new Error(`Blob ${id} is not an incomplete blob`);
    });
  }

  async remove(id: string): Promise<void> {
    await this.#options.write((db) => {
      this.#prepare(db, 'DELETE FROM blob_chunks WHERE blob_id = ?').run(id);
      this.#prepare(db, 'DELETE FROM blobs WHERE id = ?').run(id);
    });
  }

  async info(id: string): Promise<BlobInfo | undefined> {
    const row = this.#prepare(
      this.#options.reader(),
      'SELECT id, created_at, size, sha256 FROM blobs WHERE id = ? AND complete = 1',
    ).get(id) as BlobRow | undefined;
    return row && { id: row.id, size: row.size, sha256: row.sha256, createdAt: row.created_at };
  }

  async chunk(id: string, n: number): Promise<Uint8Array | undefined> {
    const row = this.#prepare(this.#options.reader(), 'SELECT data FROM blob_chunks WHERE blob_id = ? AND n = ?').get(
      id,
      n,
    ) as { data: Uint8Array } | undefined;
    return row?.data;
  }

  async incompleteBefore(before: number): Promise<string[]> {
    const rows = this.#prepare(
      this.#options.reader(),
      'SELECT id FROM blobs WHERE complete = 0 AND created_at < ?',
    ).all(before) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }

  async usage(): Promise<BlobUsage> {
    const reader = this.#options.reader();
    const count = (sql: string): number => (this.#prepare(reader, sql).get() as { n: number }).n;
    return { blobs: count('SELECT count(*) AS n FROM blobs'), chunks: count('SELECT count(*) AS n FROM blob_chunks') };
  }
}
