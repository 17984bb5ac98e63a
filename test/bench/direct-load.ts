import { cpus } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type { IndexRow } from '../../server/fhir/search/index-rows.ts';
import { splitFullText } from '../../server/fhir/search/content-index.ts';
import { FullTextIndex } from '../../server/storage/sqlite/full-text.ts';
import { SCHEMA } from '../../server/storage/sqlite/schema.ts';
import { SqliteEngine } from '../../server/storage/sqlite/sqlite-engine.ts';
import type { ClonedPatient, CloneResult, StoredItem } from './clone-worker.ts';

/**
 * Loads synthetic patients [from, to) straight into the server's SQLite file while the server is
 * stopped. Through HTTP (or VersionedRepository on SqliteEngine) 64K patients, ~2M resources with
 * ~30 index rows each, take well over an hour on this machine: random-UUID keys make nearly every
 * insert into the 16 secondary indexes a write to a different page, so the load is bound by
 * writing and checkpointing dirty pages (measured at 1,100–1,800 resources/s and falling).
 *
 * Instead, like a bulk import would:
 * - worker threads clone the patients and give each resource the shape the repository stores
 *   (versionId 1, lastUpdated), compute its index rows with the server's extractIndexRows and
 *   validate a sample with the server's ResourceValidator (clone-worker.ts);
 * - the main thread drops the secondary indexes, appends the rows the engine would write (the
 *   statements below mirror SqliteEngine#writeVersion: one `history` row, one `resources` row,
 *   the `idx_*` rows, the `_content`/`_text` words through the engine's own FullTextIndex), and then runs the engine's SCHEMA (CREATE INDEX IF NOT EXISTS), which
 *   builds the indexes again by sorting. A check afterwards makes sure the store has every index
 *   the schema defines.
 * The result is the same rows as the API would have written, with more compact indexes (built by
 * sorting rather than by random inserts). The benchmark checks sample searches after each load.
 */
export interface DirectLoad {
  patients: ClonedPatient[];
  resources: number;
  seconds: number;
  indexSeconds: number;
  workers: number;
}

const CHUNK = 100;
/** Page cache (4 KiB pages) of the loading connections: 2 GiB instead of SQLite's default 2 MiB. */
const LOAD_CACHE_PAGES = 500_000;

const INSERTS = {
  history: 'INSERT INTO history (type, id, version_id, last_updated, deleted, content) VALUES (?, ?, 1, ?, 0, ?)',
  resources: 'INSERT INTO resources (type, id, version_id, last_updated, deleted) VALUES (?, ?, 1, ?, 0)',
  string: 'INSERT INTO idx_string (type, id, param, value, exact) VALUES (?, ?, ?, ?, ?)',
  token: 'INSERT INTO idx_token (type, id, param, system, code, text) VALUES (?, ?, ?, ?, ?, ?)',
  reference: 'INSERT INTO idx_reference (type, id, param, target, target_type) VALUES (?, ?, ?, ?, ?)',
  date: 'INSERT INTO idx_date (type, id, param, low, high) VALUES (?, ?, ?, ?, ?)',
  number: 'INSERT INTO idx_number (type, id, param, low, high) VALUES (?, ?, ?, ?, ?)',
  quantity: 'INSERT INTO idx_quantity (type, id, param, system, code, low, high) VALUES (?, ?, ?, ?, ?, ?, ?)',
  uri: 'INSERT INTO idx_uri (type, id, param, value) VALUES (?, ?, ?, ?)',
} as const;

function rowValues(row: IndexRow): SQLInputValue[] {
  switch (row.kind) {
    case 'string':
      return [row.value, row.exact];
    case 'token':
      return [row.system, row.code, row.text];
    case 'reference':
      return [row.target, row.targetType];
    case 'date':
      return [row.low, row.high];
    case 'number':
      return [row.low, row.high];
    case 'quantity':
      return [row.system, row.code, row.low, row.high];
    case 'uri':
      return [row.value];
  }
}

function secondaryIndexes(db: DatabaseSync): string[] {
  return (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as Array<{
      name: string;
    }>
  ).map((r) => r.name);
}

function indexesOf(path: string): string[] {
  const db = new DatabaseSync(path);
  try {
    return secondaryIndexes(db);
  } finally {
    db.close();
  }
}

/** The indexes the engine's schema defines, from a scratch in-memory database. */
function schemaIndexes(): string[] {
  const db = new DatabaseSync(':memory:');
  try {
    db.exec(SCHEMA);
    return secondaryIndexes(db);
  } finally {
    db.close();
  }
}

export async function loadDirect(
  dataDir: string,
  baseUrl: string,
  today: string,
  from: number,
  to: number,
  practiceId: string,
): Promise<DirectLoad> {
  const path = join(dataDir, 'fhir.sqlite');
  const creator = new SqliteEngine(path);
  await creator.open(); // creates the file and schema when the store is new
  await creator.close();
  const indexes = indexesOf(path);

  const db = new DatabaseSync(path);
  // A failed load is simply run again, so this connection does not wait for the disk at each commit.
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = ${LOAD_CACHE_PAGES};`);
  for (const name of indexes) db.exec(`DROP INDEX "${name}"`);
  const statements = Object.fromEntries(Object.entries(INSERTS).map(([k, sql]) => [k, db.prepare(sql)])) as Record<
    keyof typeof INSERTS,
    StatementSync
  >;
  const fullText = new FullTextIndex(db);
  const write = (items: StoredItem[]): void => {
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const item of items) {
        statements.history.run(item.type, item.id, item.lastUpdated, item.content);
        statements.resources.run(item.type, item.id, item.lastUpdated);
        const { content, text, rows } = splitFullText(item.rows);
        fullText.write(item.type, item.id, content, text, true);
        for (const row of rows) statements[row.kind].run(item.type, item.id, row.param, ...rowValues(row));
      }
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  };

  const workerCount = Math.max(1, Math.min(cpus().length, 4));
  const workers = Array.from(
    { length: workerCount },
    () => new Worker(new URL('./clone-worker.ts', import.meta.url), { workerData: { today, baseUrl, practiceId } }),
  );
  const patients: ClonedPatient[] = new Array(to - from);
  let resources = 0;
  let next = from;
  let done = 0;
  const start = performance.now();
  let lastReport = start;
  try {
    await new Promise<void>((resolve, reject) => {
      const dispatch = (worker: Worker): void => {
        if (next >= to) return;
        const job = { from: next, to: Math.min(to, next + CHUNK) };
        next = job.to;
        worker.postMessage(job);
      };
      for (const worker of workers) {
        worker.on('error', reject);
        worker.on('message', (result: CloneResult) => {
          if (result.error) return reject(new Error(`direct load: ${result.error}`));
          dispatch(worker);
          try {
            write(result.items);
          } catch (err) {
            return reject(err);
          }
          result.patients.forEach((p, k) => (patients[result.from - from + k] = p));
          resources += result.items.length;
          done += result.to - result.from;
          const now = performance.now();
          if (now - lastReport > 20_000) {
            lastReport = now;
            console.error(
              `    direct load: ${from + done}/${to} patients, ${Math.round(resources / ((now - start) / 1000))} resources/s`,
            );
          }
          if (done === to - from) resolve();
        });
        // Two jobs in flight per worker, so that a worker does not wait for the writer.
        dispatch(worker);
        dispatch(worker);
      }
      if (from >= to) resolve();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    db.close();
  }

  // The engine's schema builds the dropped indexes again (CREATE INDEX IF NOT EXISTS), by sorting,
  // on a connection with a large cache and two sorter threads; SqliteEngine then opens the file
  // as the server will.
  const indexStart = performance.now();
  const indexer = new DatabaseSync(path);
  try {
    indexer.exec(`PRAGMA cache_size = ${LOAD_CACHE_PAGES}; PRAGMA threads = 2;`);
    indexer.exec(SCHEMA);
  } finally {
    indexer.close();
  }
  const engine = new SqliteEngine(path);
  await engine.open();
  await engine.close();
  const indexSeconds = (performance.now() - indexStart) / 1000;
  const after = indexesOf(path);
  const missing = schemaIndexes().filter((name) => !after.includes(name));
  if (missing.length)
    throw new Error(`direct load: the indexes ${missing.join(', ')} of the engine's schema are missing after the load`);
  return { patients, resources, seconds: (performance.now() - start) / 1000, indexSeconds, workers: workerCount };
}
