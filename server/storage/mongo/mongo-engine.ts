import { MongoClient, MongoServerError } from 'mongodb';
import type { ClientSession, Collection, Db, Document } from 'mongodb';
import type { IndexRow } from '../../fhir/search/index-rows.ts';
import type { SearchRequest } from '../../fhir/search/search-request.ts';
import type { ReadSession, StorageEngine, WriteSession } from '../storage-engine.ts';
import { VersionConflictError } from '../storage-engine.ts';
import type { HistoryQuery, SearchPage, StoredVersion } from '../stored-version.ts';
import { compileHistory, compileHistoryPipeline } from './compile-search.ts';
import { runSearch } from './search-runner.ts';
import { fromDocument, toCurrentDocument, toHistoryDocument, toIndexFields } from './documents.ts';
import type { CurrentDocument, HistoryDocument } from './documents.ts';
import type { Clock, KeyValueStore } from '../key-value-store.ts';
import { transactionAppender } from '../appender.ts';
import type { Appender } from '../appender.ts';
import { MongoKeyValueStore, createKeyValueIndexes } from './mongo-key-value.ts';
import type { KvDocument } from './mongo-key-value.ts';
import { ChunkedBlobStore } from '../blob-store.ts';
import type { BlobStore } from '../blob-store.ts';
import { MongoChunkStorage, createBlobIndexes } from './mongo-blobs.ts';

export interface MongoEngineOptions {
  uri: string;
  dbName?: string;
  /** Production refuses a standalone server (no multi-document transactions). */
  production: boolean;
  logger?: { warn(obj: object, msg: string): void };
  /** Milliseconds since the epoch; decides key-value expiry (tests inject one). */
  clock?: Clock;
  /**
   * A client to use instead of one for `uri` (tests: test/support/mingo-engine.ts hands in a
   * stand-in whose collections execute the engine's queries with mingo). Closed by close().
   */
  client?: MongoClient;
}

/**
 * The production engine: the official driver, writes acknowledged by a majority and journaled,
 * multi-document transactions (which need a replica set; a single-node one is fine).
 */
export class MongoEngine implements StorageEngine {
  readonly name = 'mongodb' as const;
  readonly #options: MongoEngineOptions;
  #client?: MongoClient;
  #db?: Db;
  #transactions = true;
  #reader?: MongoSession;
  /** The `kv` collection: single-document writes, never part of a FHIR transaction. */
  readonly keyValue: KeyValueStore;
  /** The server does the work of a write: appends are plain transactions (appender.ts). */
  readonly appender: Appender = transactionAppender(this);
  /** Document content in chunks in the same database (mongo-blobs.ts): single-document writes. */
  readonly blobs: BlobStore;

  constructor(options: MongoEngineOptions) {
    this.#options = options;
    this.keyValue = new MongoKeyValueStore(() => {
      if (!this.#db) throw new Error('MongoDB store is not open');
      return this.#db.collection<KvDocument>('kv');
    }, options.clock ?? Date.now);
    this.blobs = new ChunkedBlobStore(
      new MongoChunkStorage(() => {
        if (!this.#db) throw new Error('MongoDB store is not open');
        return this.#db;
      }),
      options.clock ?? Date.now,
    );
  }

  async open(): Promise<void> {
    const client =
      this.#options.client ??
      new MongoClient(this.#options.uri, {
        writeConcern: { w: 'majority', journal: true },
        readConcern: { level: 'majority' },
      });
    await client.connect();
    const db = client.db(this.#options.dbName ?? 'patient_portal');
    const hello = await db.admin().command({ hello: 1 });
    if (!hello.setName) {
      const where = redact(this.#options.uri);
      if (this.#options.production) {
        await client.close();
        throw new Error(
          `MongoDB at ${where} is a standalone server; multi-document transactions need a replica set. ` +
            'Start mongod with --replSet (a single-node replica set is fine) or use the embedded SQLite store.',
        );
      }
      this.#transactions = false;
      this.#options.logger?.warn(
        { mongodb: where },
        'DEV ONLY: standalone MongoDB, transactions are NOT atomic; never run production like this',
      );
    }
    await createIndexes(db);
    await createKeyValueIndexes(db);
    await createBlobIndexes(db);
    this.#client = client;
    this.#db = db;
    this.#reader = new MongoSession(db);
  }

  async close(): Promise<void> {
    await this.#client?.close();
    this.#client = undefined;
  }

  async ping(): Promise<void> {
    if (!this.#db) throw new Error('MongoDB store is not open');
    await this.#db.command({ ping: 1 });
  }

  get reader(): ReadSession {
    if (!this.#reader) throw new Error('MongoDB store is not open');
    return this.#reader;
  }

  async transaction<T>(work: (session: WriteSession) => Promise<T>): Promise<T> {
    const client = this.#client;
    const db = this.#db;
    if (!client || !db) throw new Error('MongoDB store is not open');
    if (!this.#transactions) return work(new MongoSession(db));
    const session = client.startSession();
    try {
      let result: T | undefined;
      await session.withTransaction(
        async () => {
          result = await work(new MongoSession(db, session));
        },
        { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority', journal: true } },
      );
      return result as T;
    } finally {
      await session.endSession();
    }
  }
}

class MongoSession implements WriteSession {
  readonly #resources: Collection<CurrentDocument>;
  readonly #history: Collection<HistoryDocument>;
  readonly #session?: ClientSession;

  constructor(db: Db, session?: ClientSession) {
    this.#resources = db.collection<CurrentDocument>('resources');
    this.#history = db.collection<HistoryDocument>('history');
    this.#session = session;
  }

  async readCurrent(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const doc = await this.#resources.findOne(
      { _id: `${resourceType}/${id}` },
      { session: this.#session, projection: { idx: 0, words: 0 } },
    );
    return doc ? fromDocument(doc) : undefined;
  }

  async readVersion(resourceType: string, id: string, versionId: string): Promise<StoredVersion | undefined> {
    if (!/^[1-9][0-9]{0,15}$/.test(versionId)) return undefined;
    const doc = await this.#history.findOne(
      { _id: `${resourceType}/${id}/${Number(versionId)}` },
      { session: this.#session },
    );
    return doc ? fromDocument(doc) : undefined;
  }

  async history(query: HistoryQuery): Promise<StoredVersion[]> {
    if (query.access) {
      const source = {
        aggregate: (pipeline: Document[]) => this.#resources.aggregate(pipeline, { session: this.#session }).toArray(),
      };
      const pipeline = await compileHistoryPipeline(query, source);
      return (await this.#history.aggregate<HistoryDocument>(pipeline, { session: this.#session }).toArray()).map(
        fromDocument,
      );
    }
    const { filter, sort, limit } = compileHistory(query);
    const docs = await this.#history.find(filter, { session: this.#session }).sort(sort).limit(limit).toArray();
    return docs.map(fromDocument);
  }

  search(request: SearchRequest): Promise<SearchPage> {
    return runSearch(
      { aggregate: (pipeline) => this.#resources.aggregate(pipeline, { session: this.#session }).toArray() },
      request,
    );
  }

  async writeVersion(version: StoredVersion, index: IndexRow[]): Promise<void> {
    try {
      await this.#history.insertOne(toHistoryDocument(version), { session: this.#session });
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000)
        throw new VersionConflictError(version.resourceType, version.id, version.versionId);
      throw err;
    }
    const doc = toCurrentDocument(version, index);
    await this.#resources.replaceOne({ _id: doc._id }, doc, { upsert: true, session: this.#session });
  }

  async replaceIndex(resourceType: string, id: string, index: IndexRow[]): Promise<void> {
    await this.#resources.updateOne(
      { _id: `${resourceType}/${id}`, deleted: false },
      { $set: toIndexFields(index) },
      { session: this.#session },
    );
  }
}

async function createIndexes(db: Db): Promise<void> {
  await db
    .collection('resources')
    .createIndexes([
      { key: { type: 1, id: 1 } },
      { key: { type: 1, lastUpdated: 1 } },
      { key: { type: 1, 'idx.string.p': 1, 'idx.string.v': 1 } },
      { key: { type: 1, 'idx.token.p': 1, 'idx.token.c': 1, 'idx.token.s': 1 } },
      { key: { type: 1, 'idx.reference.p': 1, 'idx.reference.r': 1 } },
      { key: { type: 1, 'idx.date.p': 1, 'idx.date.lo': 1, 'idx.date.hi': 1 } },
      { key: { type: 1, 'idx.number.p': 1, 'idx.number.lo': 1 } },
      { key: { type: 1, 'idx.quantity.p': 1, 'idx.quantity.c': 1, 'idx.quantity.lo': 1 } },
      { key: { type: 1, 'idx.uri.p': 1, 'idx.uri.v': 1 } },
      { key: { type: 1, 'words.c': 1 } },
      { key: { type: 1, 'words.t': 1 } },
    ]);
  await db
    .collection('history')
    .createIndexes([
      { key: { type: 1, id: 1, versionId: -1 } },
      { key: { lastUpdated: -1, type: -1, id: -1, versionId: -1 } },
    ]);
}

/** The URI without credentials, for messages and logs. */
function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}
