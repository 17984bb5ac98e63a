import { DatabaseSync } from 'node:sqlite';

/**
 * The writer's page cache, in KiB: 256 MiB instead of the
 * default 2 MiB. Index rows land all over the index b-trees (random resource ids; the `_content`
 * words are FTS5 segments now, full-text.ts), so a transaction of a few hundred resources dirties
 * thousands of pages; with the default
 * cache SQLite spills them to the WAL mid-transaction and reads them back, writing some pages several
 * times per commit. Memory is only taken as pages are used.
 */
const WRITER_CACHE_KIB = 262_144;

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
 * A connection that writes: WAL, synchronous=FULL (an acknowledged write survives a crash of the
 * process or the machine, docs/decisions/0003-storage-engines.md), the page cache and checkpoint
 * interval above. `busyTimeoutMs`: how long a statement waits for another connection's write lock
 * (blocking its thread).
 */
export function openWriterConnection(
  path: string,
  options: { busyTimeoutMs: number; cacheKiB?: number },
): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec(
    `PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = ${options.busyTimeoutMs}; ` +
      `PRAGMA cache_size = ${-(options.cacheKiB ?? WRITER_CACHE_KIB)}; PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES};`,
  );
  return db;
}
