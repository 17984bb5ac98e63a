import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import type { Resource } from '@medplum/fhirtypes';
import type { IndexKind, IndexRow } from '../../fhir/search/index-rows.ts';
import type { SearchRequest } from '../../fhir/search/search-request.ts';
import type { ReadSession, StorageEngine, WriteSession } from '../storage-engine.ts';
import { VersionConflictError } from '../storage-engine.ts';
import type { HistoryQuery, SearchPage, StoredVersion } from '../stored-version.ts';
import type { Clock, KeyValueStore } from '../key-value-store.ts';
import { SqliteKeyValueStore } from './sqlite-key-value.ts';
import { GroupCommit } from './group-commit.ts';
import type { GroupCommitStats, GroupLimits } from './group-commit.ts';
import { compileHistory, compileSearch } from './compile-search.ts';
import { splitFullText } from '../../fhir/search/content-index.ts';
import { FullTextIndex } from './full-text.ts';
import { INDEX_TABLES, applySchema } from './schema.ts';
import type { SchemaUpgrade } from './schema.ts';

/**
 * The writer's page cache, in KiB (SQLite's convention for negative values): 256 MiB instead of the
 * default 2 MiB. Index rows land all over the index b-trees (random resource ids; the `_content`
 * words are FTS5 segments now, full-text.ts), so a transaction of a few hundred resources dirties
 * thousands of pages; with the default
 * cache SQLite spills them to the WAL mid-transaction and reads them back, writing some pages several
 * times per commit. Memory is only taken as pages are used.
 */
const WRITER_CACHE_SIZE = -262_144;

/**
 * Pages of WAL before SQLite copies them back into the database file (default 1,000, i.e. 4 MiB):
 * 10,000 (~40 MiB). A batch of AuditEvents or a transaction Bundle dirties hundreds of index pages at
 * random places, so with the default nearly every such commit also ran a checkpoint, writing (and
 * syncing) pages that the next commits dirty again. Measured (docs/benchmarks.md, issue #11): 20 %
 * less time per AuditEvent written in isolation, create +8 to +17 % (A/B, 4 rounds twice); reads no
 * different. Durability is unchanged: every commit still syncs the WAL (synchronous=FULL).
 */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * The embedded engine: one SQLite file (node:sqlite, WAL). Two connections: a writer that runs
 * transactions one at a time, those that wait sharing one COMMIT (group-commit.ts), and a reader for everything else, which in WAL mode sees only
 * committed data while a transaction is open. synchronous=FULL makes an acknowledged write survive
 * a crash of the process or the machine (docs/decisions/0003-storage-engines.md).
 */
export class SqliteEngine implements StorageEngine {
  readonly name = 'sqlite' as const;
  readonly #path: string;
  readonly #onUpgrade?: (upgrade: SchemaUpgrade) => void;
  #writer?: DatabaseSync;
  #readerDb?: DatabaseSync;
  #readerSession?: SqliteSession;
  #writerSession?: SqliteSession;
  /** Runs transactions and key-value writes, grouping the ones that wait into one durable commit. */
  readonly #commits: GroupCommit;
  /**
   * The `kv` table. Its writes go through the group committer, each in its own savepoint (never inside
   * a FHIR transaction, so never call them from within `transaction` work: that would wait for itself);
   * reads use the reader.
   */
  readonly keyValue: KeyValueStore;

  /**
   * `path` is a file path, or ':memory:' is refused because two connections could not share it.
   * `clock` (ms since the epoch) decides key-value expiry; tests inject one. `groupCommit` bounds the
   * groups (group-commit.ts; tests change it).
   */
  constructor(
    path: string,
    options: {
      clock?: Clock;
      groupCommit?: Partial<GroupLimits>;
      /** Told before and after the schema migrations of a store with data (they can take minutes). */
      onUpgrade?: (upgrade: SchemaUpgrade) => void;
    } = {},
  ) {
    if (path === ':memory:') throw new Error('SqliteEngine needs a file path (use a temporary directory in tests)');
    this.#path = path;
    this.#onUpgrade = options.onUpgrade;
    this.#commits = new GroupCommit(() => this.#openWriter(), options.groupCommit);
    this.keyValue = new SqliteKeyValueStore({
      reader: () => {
        if (!this.#readerDb) throw new Error('SQLite store is not open');
        return this.#readerDb;
      },
      write: (work) => this.#commits.run(() => work(this.#openWriter())),
      clock: options.clock ?? Date.now,
    });
  }

  /** How many writes shared how many durable commits so far. */
  get stats(): Readonly<GroupCommitStats> {
    return this.#commits.stats;
  }

  async open(): Promise<void> {
    mkdirSync(dirname(this.#path), { recursive: true });
    const writer = new DatabaseSync(this.#path);
    writer.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA cache_size = ${WRITER_CACHE_SIZE}; PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES};`,
    );
    applySchema(writer, this.#onUpgrade);
    const reader = new DatabaseSync(this.#path);
    reader.exec('PRAGMA busy_timeout = 5000; PRAGMA query_only = 1;');
    this.#writer = writer;
    this.#readerDb = reader;
    this.#writerSession = new SqliteSession(writer);
    this.#readerSession = new SqliteSession(reader);
  }

  async close(): Promise<void> {
    await this.#commits.idle();
    this.#readerDb?.close();
    this.#writer?.close();
    this.#readerDb = this.#writer = undefined;
  }

  async ping(): Promise<void> {
    if (!this.#readerDb) throw new Error('SQLite store is not open');
    this.#readerDb.prepare('SELECT 1').get();
  }

  get reader(): ReadSession {
    if (!this.#readerSession) throw new Error('SQLite store is not open');
    return this.#readerSession;
  }

  /**
   * Runs `work` as one member of a group commit: atomic alone (its savepoint), durable with the
   * group, settled only after the group's COMMIT.
   */
  transaction<T>(work: (session: WriteSession) => Promise<T>): Promise<T> {
    return this.#commits.run(() => {
      const session = this.#writerSession;
      if (!session) throw new Error('SQLite store is not open');
      return work(session);
    });
  }

  #openWriter(): DatabaseSync {
    if (!this.#writer) throw new Error('SQLite store is not open');
    return this.#writer;
  }
}

interface VersionRow {
  type: string;
  id: string;
  version_id: number;
  last_updated: string;
  deleted: number;
  content: string | null;
}

class SqliteSession implements WriteSession {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  /** The index INSERTs, kept apart from #statements so that varied search SQL never evicts them. */
  readonly #inserts = new Map<string, StatementSync>();
  /** `_content`/`_text` words: FTS5, not idx_string rows (full-text.ts). */
  readonly #fullText: FullTextIndex;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#fullText = new FullTextIndex(db);
  }

  /** Prepared once per distinct SQL text; search SQL varies only with the shape of the request. */
  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
      if (this.#statements.size > 500) this.#statements.delete(this.#statements.keys().next().value as string);
    }
    return statement;
  }

  async readCurrent(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const row = this.#prepare(
      'SELECT h.type, h.id, h.version_id, h.last_updated, h.deleted, h.content FROM resources r ' +
        'JOIN history h ON h.type = r.type AND h.id = r.id AND h.version_id = r.version_id WHERE r.type = ? AND r.id = ?',
    ).get(resourceType, id) as VersionRow | undefined;
    return row && toVersion(row);
  }

  async readVersion(resourceType: string, id: string, versionId: string): Promise<StoredVersion | undefined> {
    if (!/^[1-9][0-9]{0,15}$/.test(versionId)) return undefined;
    const row = this.#prepare(
      'SELECT type, id, version_id, last_updated, deleted, content FROM history WHERE type = ? AND id = ? AND version_id = ?',
    ).get(resourceType, id, Number(versionId)) as VersionRow | undefined;
    return row && toVersion(row);
  }

  async history(query: HistoryQuery): Promise<StoredVersion[]> {
    const { sql, params } = compileHistory(query);
    return (this.#prepare(sql).all(...params) as unknown as VersionRow[]).map(toVersion);
  }

  async search(request: SearchRequest): Promise<SearchPage> {
    const { page, count, sortKeys, reversed } = compileSearch(request);
    const rows = this.#prepare(page.sql).all(...page.params) as unknown as Array<
      VersionRow & Record<string, string | number | null>
    >;
    const hasMore = rows.length > request.count;
    const shown = rows.slice(0, request.count);
    if (reversed) shown.reverse();
    const position = (row: (typeof rows)[number] | undefined) =>
      row && { values: Array.from({ length: sortKeys }, (_, i) => row[`k${i}`] ?? null), id: row.id };
    const result: SearchPage = {
      versions: shown.map(toVersion),
      hasMore,
      first: position(shown[0]),
      last: position(shown.at(-1)),
    };
    if (request.total !== 'none') {
      result.total = Number((this.#prepare(count.sql).get(...count.params) as { n: number }).n);
    }
    return result;
  }

  async writeVersion(version: StoredVersion, index: IndexRow[]): Promise<void> {
    const { resourceType: type, id } = version;
    const versionNumber = Number(version.versionId);
    const content = version.resource ? JSON.stringify(version.resource) : null;
    try {
      this.#prepare(
        'INSERT INTO history (type, id, version_id, last_updated, deleted, content) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(type, id, versionNumber, version.lastUpdated, version.deleted ? 1 : 0, content);
    } catch (err) {
      if ((err as { errcode?: number }).errcode === 1555 /* SQLITE_CONSTRAINT_PRIMARYKEY */) {
        throw new VersionConflictError(type, id, version.versionId);
      }
      throw err;
    }
    this.#prepare(
      'INSERT INTO resources (type, id, version_id, last_updated, deleted) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (type, id) DO UPDATE SET version_id = excluded.version_id, last_updated = excluded.last_updated, deleted = excluded.deleted',
    ).run(type, id, versionNumber, version.lastUpdated, version.deleted ? 1 : 0);
    // The version just inserted is the resource's first (its history key was free): nothing to delete.
    const isNew = versionNumber === 1;
    if (!isNew) this.#deleteIndex(type, id);
    this.#insertIndex(type, id, index, isNew);
  }

  async replaceIndex(resourceType: string, id: string, index: IndexRow[]): Promise<void> {
    const current = this.#prepare('SELECT deleted FROM resources WHERE type = ? AND id = ?').get(resourceType, id) as
      { deleted: number } | undefined;
    if (current && current.deleted === 0) {
      this.#deleteIndex(resourceType, id);
      this.#insertIndex(resourceType, id, index, false);
    }
  }

  /** The `idx_*` rows only; the words are replaced (or removed) by #insertIndex's full-text write. */
  #deleteIndex(type: string, id: string): void {
    for (const table of INDEX_TABLES) this.#prepare(`DELETE FROM idx_${table} WHERE type = ? AND id = ?`).run(type, id);
  }

  /**
   * One multi-row INSERT per table and chunk instead of one statement per row: a Synthea resource has
   * ~37 rows, and each statement execution costs a call into node:sqlite, binding and a VDBE start.
   * Chunks are powers of two (at most MAX_ROWS_PER_INSERT rows), so few distinct statements exist.
   * The `_content`/`_text` words go to FTS5 instead; `isNew`: the resource has no earlier rows.
   */
  #insertIndex(type: string, id: string, index: IndexRow[], isNew: boolean): void {
    const { content, text, rows } = splitFullText(index);
    this.#fullText.write(type, id, content, text, isNew);
    for (const [kind, list] of rowsByKind(rows)) {
      for (let at = 0; at < list.length;) {
        const n = chunkSize(list.length - at);
        const values: SQLInputValue[] = [];
        for (let k = at; k < at + n; k++) pushRowValues(values, type, id, list[k] as IndexRow);
        this.#insertStatement(kind, n).run(...values);
        at += n;
      }
    }
  }

  #insertStatement(kind: IndexKind, rows: number): StatementSync {
    const key = `${kind}:${rows}`;
    let statement = this.#inserts.get(key);
    if (!statement) {
      const columns = INSERT_COLUMNS[kind];
      const group = `(${columns.map(() => '?').join(', ')})`;
      statement = this.#db.prepare(
        `INSERT INTO idx_${kind} (${columns.join(', ')}) VALUES ${Array(rows).fill(group).join(', ')}`,
      );
      this.#inserts.set(key, statement);
    }
    return statement;
  }
}

/** Rows per multi-row INSERT at most: 64 × 7 columns stays far below SQLite's limit on parameters. */
const MAX_ROWS_PER_INSERT = 64;

/** The largest power of two ≤ `remaining`, at most MAX_ROWS_PER_INSERT. */
function chunkSize(remaining: number): number {
  let n = 1;
  while (n * 2 <= remaining && n * 2 <= MAX_ROWS_PER_INSERT) n *= 2;
  return n;
}

/** The columns of each index table, in the order pushRowValues binds them. */
const INSERT_COLUMNS: Record<IndexKind, readonly string[]> = {
  string: ['type', 'id', 'param', 'value', 'exact'],
  token: ['type', 'id', 'param', 'system', 'code', 'text'],
  reference: ['type', 'id', 'param', 'target', 'target_type'],
  date: ['type', 'id', 'param', 'low', 'high'],
  number: ['type', 'id', 'param', 'low', 'high'],
  quantity: ['type', 'id', 'param', 'system', 'code', 'low', 'high'],
  uri: ['type', 'id', 'param', 'value'],
};

function rowsByKind(rows: IndexRow[]): Map<IndexKind, IndexRow[]> {
  const groups = new Map<IndexKind, IndexRow[]>();
  for (const row of rows) {
    const list = groups.get(row.kind);
    if (list) list.push(row);
    else groups.set(row.kind, [row]);
  }
  return groups;
}

function pushRowValues(values: SQLInputValue[], type: string, id: string, row: IndexRow): void {
  values.push(type, id, row.param);
  switch (row.kind) {
    case 'string':
      values.push(row.value, row.exact);
      break;
    case 'token':
      values.push(row.system, row.code, row.text);
      break;
    case 'reference':
      values.push(row.target, row.targetType);
      break;
    case 'date':
    case 'number':
      values.push(row.low, row.high);
      break;
    case 'quantity':
      values.push(row.system, row.code, row.low, row.high);
      break;
    case 'uri':
      values.push(row.value);
      break;
  }
}

function toVersion(row: VersionRow): StoredVersion {
  const version: StoredVersion = {
    resourceType: row.type,
    id: row.id,
    versionId: String(row.version_id),
    lastUpdated: row.last_updated,
    deleted: row.deleted === 1,
  };
  if (row.content !== null) version.resource = JSON.parse(row.content) as Resource;
  return version;
}
