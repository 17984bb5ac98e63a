import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { Resource } from '@medplum/fhirtypes';
import type { IndexKind, IndexRow } from '../../fhir/search/index-rows.ts';
import type { SearchRequest } from '../../fhir/search/search-request.ts';
import type { WriteSession } from '../storage-engine.ts';
import { VersionConflictError } from '../storage-engine.ts';
import type { HistoryQuery, SearchPage, StoredVersion } from '../stored-version.ts';
import { compileHistory, compileSearch } from './compile-search.ts';
import { splitFullText } from '../../fhir/search/content-index.ts';
import { FullTextIndex } from './full-text.ts';
import { INDEX_TABLES } from './schema.ts';

/*
 * The reads and writes of one SQLite connection, in FHIR terms (versions, index rows, searches).
 * The engine has two (its writer and its reader, sqlite-engine.ts); the background writer thread
 * has its own (writer-thread.ts).
 */

interface VersionRow {
  type: string;
  id: string;
  version_id: number;
  last_updated: string;
  deleted: number;
  content: string | null;
}

export class SqliteSession implements WriteSession {
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
    this.#writeVersion(version, index);
  }

  #writeVersion(version: StoredVersion, index: IndexRow[]): void {
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

  /**
   * The first versions of new resources, as writeVersion would write them one by one, in a few
   * multi-row INSERTs (history, resources, each index table) for all of them: an AuditEvent's ~19
   * rows cost ~8 statement executions alone, ~0.5 per event in a group of 16 (the appender's
   * thread, writer-thread.ts). An id in use fails the statement (SQLite undoes that statement only):
   * the group is then written entry by entry, which throws the precise VersionConflictError.
   */
  writeFirstVersions(entries: ReadonlyArray<{ version: StoredVersion; index: IndexRow[] }>): void {
    const history: SQLInputValue[] = [];
    const resources: SQLInputValue[] = [];
    for (const { version } of entries) {
      if (version.versionId !== '1') throw new Error(`not a first version: ${version.versionId}`);
      const deleted = version.deleted ? 1 : 0;
      const content = version.resource ? JSON.stringify(version.resource) : null;
      history.push(version.resourceType, version.id, 1, version.lastUpdated, deleted, content);
      resources.push(version.resourceType, version.id, 1, version.lastUpdated, deleted);
    }
    try {
      this.#rowsStatement(HISTORY_INSERT, 6, entries.length).run(...history);
    } catch (err) {
      if ((err as { errcode?: number }).errcode !== 1555 /* SQLITE_CONSTRAINT_PRIMARYKEY */) throw err;
      // Which id? Entry by entry: the one in use throws its VersionConflictError (the caller rolls back).
      for (const { version, index } of entries) this.#writeVersion(version, index);
      throw err;
    }
    this.#rowsStatement(RESOURCES_INSERT, 5, entries.length).run(...resources);
    const byKind = new Map<IndexKind, Array<[string, string, IndexRow]>>();
    for (const { version, index } of entries) {
      const { content, text, rows } = splitFullText(index);
      this.#fullText.write(version.resourceType, version.id, content, text, true);
      for (const row of rows) {
        const list = byKind.get(row.kind);
        if (list) list.push([version.resourceType, version.id, row]);
        else byKind.set(row.kind, [[version.resourceType, version.id, row]]);
      }
    }
    for (const [kind, list] of byKind) {
      for (let at = 0; at < list.length;) {
        const n = chunkSize(list.length - at);
        const values: SQLInputValue[] = [];
        for (let k = at; k < at + n; k++) {
          const [type, id, row] = list[k] as [string, string, IndexRow];
          pushRowValues(values, type, id, row);
        }
        this.#insertStatement(kind, n).run(...values);
        at += n;
      }
    }
  }

  /** `<head> VALUES (…), (…) <tail>` with `rows` groups of `columns` parameters, prepared once per size. */
  #rowsStatement(insert: { head: string; tail: string }, columns: number, rows: number): StatementSync {
    const group = `(${Array(columns).fill('?').join(', ')})`;
    return this.#prepare(`${insert.head} VALUES ${Array(rows).fill(group).join(', ')}${insert.tail}`);
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

/** writeFirstVersions's statements, around their value groups (the same as writeVersion's). */
const HISTORY_INSERT = { head: 'INSERT INTO history (type, id, version_id, last_updated, deleted, content)', tail: '' };
const RESOURCES_INSERT = {
  head: 'INSERT INTO resources (type, id, version_id, last_updated, deleted)',
  tail: ' ON CONFLICT (type, id) DO UPDATE SET version_id = excluded.version_id, last_updated = excluded.last_updated, deleted = excluded.deleted',
};

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
