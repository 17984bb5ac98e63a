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

/**
 * Builds the entries of a prepared append (`Appender.appendPrepared`) from a plain message: the
 * `prepare` export of the module a `preparer` URL names. It must be pure (the same message, the
 * same entries: it may run on another thread, in another module instance) and cheap to load (the
 * SQLite thread imports it). It throws an AppendRefusedError for content it will not store.
 */
export type PrepareEntries = (message: unknown) => AppendEntry[];

/**
 * The preparer refused the message's content (a bug in what was sent: retrying would fail again).
 * Nothing of the append is written. Crosses the SQLite thread as itself.
 */
export class AppendRefusedError extends Error {
  override name = 'AppendRefusedError';
}

export interface Appender {
  /**
   * Writes the entries in order in one durable transaction, and stops adding entries once it has
   * worked `maxMs` (at least one is always written): resolves with how many were written, a prefix
   * of `entries`, once they are committed. Rejects, having written none of them, when a resource id
   * is already in use (VersionConflictError) or the store fails.
   */
  append(entries: AppendEntry[], options?: { maxMs?: number }): Promise<number>;
  /**
   * As `append`, for the entries `prepare(message)` builds, `prepare` being the export of the
   * module at `preparer` (a file URL, see PrepareEntries): the caller sends plain data, and the
   * building of the resources and their index rows happens where the writing does (on SQLite, the
   * appender's thread), not on the caller's thread. Rejects with the preparer's AppendRefusedError,
   * writing nothing, when it refuses the message.
   */
  appendPrepared(preparer: string, message: unknown, options?: { maxMs?: number }): Promise<number>;
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
  const append: Appender['append'] = (entries, options = {}) =>
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
    });
  return {
    append,
    appendPrepared: async (preparer, message, options) => append((await loadPreparer(preparer))(message), options),
    close: async () => undefined,
  };
}

const preparers = new Map<string, Promise<PrepareEntries>>();

/** The `prepare` export of the module at `url`, imported once per thread. */
export function loadPreparer(url: string): Promise<PrepareEntries> {
  let loaded = preparers.get(url);
  if (!loaded) {
    loaded = import(url).then((module: { prepare?: unknown }) => {
      if (typeof module.prepare !== 'function') throw new Error(`${url} exports no prepare function`);
      return module.prepare as PrepareEntries;
    });
    // A failed import is not cached: the next append tries again.
    loaded.catch(() => preparers.delete(url));
    preparers.set(url, loaded);
  }
  return loaded;
}
