import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { IndexRow } from '../fhir/search/index-rows.ts';
import type { StorageEngine } from './storage-engine.ts';
import type { StoredVersion } from './stored-version.ts';

/**
 * A write path for records the server appends and never changes: the first version of new
 * resources, already stamped, validated and indexed by the caller. The audit trail is its user
 * (one AuditEvent per request, docs/decisions/0021-audit-writer-thread.md). It skips what a
 * repository write does around the engine (reading the current version, access checks,
 * commit hooks): use it only for resources no access rule or cache depends on.
 *
 * Each engine supplies one (`StorageEngine.appender`): SQLite writes on a thread of its own
 * (sqlite/thread-appender.ts), so that the inserts and the durable COMMIT of these records cost the
 * request thread nothing; MongoDB writes through a transaction (`transactionAppender`), the work
 * being the database server's.
 */
export interface AppendEntry {
  /** Version 1 of a resource whose id is new. */
  version: StoredVersion;
  index: IndexRow[];
}

export interface Appender {
  /**
   * Writes the entries in order in one durable transaction, and stops adding entries once it has
   * worked `maxMs` (at least one is always written): resolves with how many were written, a prefix
   * of `entries`, once they are committed. Rejects, having written none of them, when a resource id
   * is already in use (VersionConflictError) or the store fails.
   */
  append(entries: AppendEntry[], options?: { maxMs?: number }): Promise<number>;
  /** Finishes the appends under way and releases what the appender holds; appending after close starts afresh. */
  close(): Promise<void>;
}

/** Longest stretch of synchronous work (ms) inside one transaction before yielding to the event loop. */
const YIELD_AFTER_MS = 2;

/**
 * The appender for engines whose transactions are cheap for this process (MongoDB: the server does
 * the work): one `engine.transaction`, yielding to the event loop every few milliseconds.
 */
export function transactionAppender(engine: Pick<StorageEngine, 'transaction'>): Appender {
  return {
    append: (entries, options = {}) =>
      engine.transaction(async (session) => {
        const began = performance.now();
        let slice = began;
        let written = 0;
        for (const { version, index } of entries) {
          await session.writeVersion(version, index);
          written++;
          const now = performance.now();
          if (now - began >= (options.maxMs ?? Number.POSITIVE_INFINITY)) break;
          if (now - slice >= YIELD_AFTER_MS) {
            await yieldToLoop();
            slice = performance.now();
          }
        }
        return written;
      }),
    close: async () => undefined,
  };
}
