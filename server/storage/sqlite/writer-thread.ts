import { parentPort, workerData } from 'node:worker_threads';
import { AppendRefusedError, loadPreparer } from '../appender.ts';
import type { AppendEntry } from '../appender.ts';
import { VersionConflictError } from '../storage-engine.ts';
import { SqliteSession } from './sqlite-session.ts';
import { openWriterConnection } from './writer-connection.ts';
import type { AppendReply, AppendRequest, ThreadMessage } from './thread-messages.ts';

/*
 * The SQLite appender's thread (thread-appender.ts starts it): its own write connection to the
 * store's file, one transaction per append request, answered after the COMMIT. The inserts, the
 * fsync of the COMMIT and any WAL checkpoint it triggers run here, not on the request thread; so
 * does the building of the entries of a prepared append (appender.ts#appendPrepared: the preparer
 * module is imported here once, and run before the transaction begins).
 *
 * It waits for the write lock by blocking (busy_timeout: this thread has nothing else to do); the
 * request thread's group committer never blocks on it (group-commit.ts).
 */

/**
 * How long an append waits for the main writer's lock (ms). The main writer's groups stay open
 * ~20 ms (group-commit.ts DEFAULT_LIMITS); a large transaction Bundle can hold it for seconds.
 */
const LOCK_WAIT_MS = 30_000;
/** Most entries written by one set of multi-row INSERTs: 16 AuditEvents are ~300 index rows. */
const GROUP = 16;
/** The append thread's page cache (KiB): it writes near the end of the b-trees (time-ordered ids) and needs less. */
const CACHE_KIB = 65_536;

const { path } = workerData as { path: string };
const db = openWriterConnection(path, { busyTimeoutMs: LOCK_WAIT_MS, cacheKiB: CACHE_KIB });
const session = new SqliteSession(db);
const port = parentPort;
if (!port) throw new Error('writer-thread.ts runs as a worker thread');

/** Requests are handled one at a time, in order (an append awaits the session's writes). */
let chain: Promise<void> = Promise.resolve();
port.on('message', (message: ThreadMessage) => {
  chain = chain.then(async () => {
    if (message.kind === 'close') {
      db.close();
      port.close();
      return;
    }
    port.postMessage(await append(message));
  });
});

async function append({ seq, entries: sent, maxMs }: AppendRequest): Promise<AppendReply> {
  let entries: AppendEntry[];
  try {
    // Built before BEGIN: a refused message takes no lock, and the lock is held for the writes only.
    entries = Array.isArray(sent) ? sent : (await loadPreparer(sent.preparer))(sent.message);
    if (entries.length === 0) return { seq, written: 0 };
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    return { seq, error: describe(err) };
  }
  try {
    const written = writeEntries(entries, maxMs);
    db.exec('COMMIT');
    return { seq, written };
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    return { seq, error: describe(err) };
  }
}

/**
 * The entries in groups of growing size (1, 2, 4 … GROUP entries), each group in a few multi-row
 * INSERTs (SqliteSession#writeFirstVersions), until `maxMs` of work: the first group is one entry so
 * that a cap of 0 writes exactly one, as the appender's contract says.
 */
function writeEntries(entries: AppendEntry[], maxMs: number): number {
  const began = performance.now();
  let written = 0;
  let size = 1;
  while (written < entries.length) {
    const group = entries.slice(written, written + size);
    for (const { version } of group)
      if (version.versionId !== '1')
        throw new Error(`The appender writes first versions only, not version ${version.versionId}`);
    session.writeFirstVersions(group);
    written += group.length;
    if (performance.now() - began >= maxMs) break;
    size = Math.min(size * 2, GROUP);
  }
  return written;
}

function describe(err: unknown): AppendReply['error'] {
  if (err instanceof VersionConflictError) return { message: err.message, conflict: conflictOf(err) };
  if (err instanceof AppendRefusedError) return { message: err.message, refused: true };
  const { message = String(err), errcode } = (err ?? {}) as { message?: string; errcode?: number };
  return { message, ...(typeof errcode === 'number' ? { errcode } : {}) };
}

function conflictOf(err: VersionConflictError): [string, string, string] {
  return [err.resourceType, err.id, err.versionId];
}
