import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ReadSession, StorageEngine, WriteSession } from '../storage-engine.ts';
import type { Clock, KeyValueStore } from '../key-value-store.ts';
import { SqliteKeyValueStore } from './sqlite-key-value.ts';
import { ChunkedBlobStore } from '../blob-store.ts';
import type { BlobStore } from '../blob-store.ts';
import { SqliteChunkStorage } from './sqlite-blobs.ts';
import { GroupCommit } from './group-commit.ts';
import type { GroupCommitStats, GroupLimits } from './group-commit.ts';
import { applySchema } from './schema.ts';
import type { SchemaUpgrade } from './schema.ts';
import { SqliteSession } from './sqlite-session.ts';
import { ThreadAppender } from './thread-appender.ts';
import { openWriterConnection } from './writer-connection.ts';

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
  /** First versions of server-written records, written on a thread of their own (thread-appender.ts). */
  readonly appender: ThreadAppender;
  /** Document content in chunks in the same file (sqlite-blobs.ts): each chunk a group-commit member of its own. */
  readonly blobs: BlobStore;

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
    this.appender = new ThreadAppender(path);
    this.#commits = new GroupCommit(() => this.#openWriter(), options.groupCommit);
    this.keyValue = new SqliteKeyValueStore({
      reader: () => this.#openReader(),
      write: (work) => this.#commits.run(() => work(this.#openWriter())),
      clock: options.clock ?? Date.now,
    });
    this.blobs = new ChunkedBlobStore(
      new SqliteChunkStorage({
        reader: () => this.#openReader(),
        write: (work) => this.#commits.run(() => work(this.#openWriter())),
      }),
      options.clock ?? Date.now,
    );
  }

  /** How many writes shared how many durable commits so far. */
  get stats(): Readonly<GroupCommitStats> {
    return this.#commits.stats;
  }

  async open(): Promise<void> {
    mkdirSync(dirname(this.#path), { recursive: true });
    const writer = openWriterConnection(this.#path, { busyTimeoutMs: 5000 });
    applySchema(writer, this.#onUpgrade);
    // From here on the writer never waits for the lock on the event loop: when the appender's thread
    // holds it, the group committer retries asynchronously (group-commit.ts#begin).
    writer.exec('PRAGMA busy_timeout = 0');
    const reader = new DatabaseSync(this.#path);
    reader.exec('PRAGMA busy_timeout = 5000; PRAGMA query_only = 1;');
    this.#writer = writer;
    this.#readerDb = reader;
    this.#writerSession = new SqliteSession(writer);
    this.#readerSession = new SqliteSession(reader);
  }

  async close(): Promise<void> {
    await this.appender.close();
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

  #openReader(): DatabaseSync {
    if (!this.#readerDb) throw new Error('SQLite store is not open');
    return this.#readerDb;
  }

  #openWriter(): DatabaseSync {
    if (!this.#writer) throw new Error('SQLite store is not open');
    return this.#writer;
  }
}
