import { Aggregator, Query, update as applyUpdate } from 'mingo';
import { setTimeout as sleep } from 'node:timers/promises';
import { Binary, MongoServerError } from 'mongodb';
import type { Document, MongoClient } from 'mongodb';
import type { Clock } from '../../server/storage/key-value-store.ts';
import { MongoEngine } from '../../server/storage/mongo/mongo-engine.ts';

/**
 * The MongoDB engine (server/storage/mongo/mongo-engine.ts, unchanged code) without a MongoDB
 * server: what it is handed instead of the driver's `MongoClient` is `MingoServer.client()`, an
 * in-memory stand-in at the driver-collection boundary. Every filter, update, sort, projection and
 * aggregation pipeline the engine builds (search, history with `$lookup`, key-value lookups,
 * conditional `consume`) is executed by mingo, an independent implementation of MongoDB's query
 * language; the stand-in itself only keeps documents by `_id` and implements what the server does
 * around the queries:
 *
 * - `_id` is unique: a second `insertOne` fails with a MongoServerError code 11000, as on a server.
 * - Documents are copied in and out (BSON semantics: `undefined` is stored as `null`, Dates stay Dates).
 * - Transactions (`session.withTransaction`) run concurrently, as on a replica set: each reads a
 *   snapshot of the committed data taken when it starts, plus its own writes, which nobody else sees;
 *   they are applied when the work resolves and dropped when it throws. Writing a document that
 *   another running transaction has written, or that was committed after the snapshot, fails with a
 *   WriteConflict labelled TransientTransactionError, and withTransaction retries the work after a
 *   backoff, like the driver's. Reads and writes without the session go to the committed data, so an
 *   operation that forgets its session escapes the transaction here as it would on a server.
 * - Unknown options are refused, so a new driver option the engine starts using is noticed here.
 *
 * Not covered (needs a real server, `MONGODB_URI`): the wire protocol, write/read concerns, index
 * creation and use (createIndexes is recorded, not checked), the TTL monitor, a write outside a
 * transaction to a document a running transaction has written (a server makes it wait; here it throws).
 */
export class MingoServer {
  readonly collections = new Map<string, Map<string, Document>>();
  readonly indexes = new Map<string, Document[]>();
  /** Commit sequence: the last commit that wrote each document, per collection. */
  #sequence = 0;
  readonly #writtenAt = new Map<string, Map<string, number>>();
  /** The transactions running now. */
  readonly running = new Set<Transaction>();

  /** A driver client on this server's data (each engine opens its own; the data outlives it). */
  client(): MongoClient {
    return new MingoClient(this) as unknown as MongoClient;
  }

  committed(name: string): Map<string, Document> {
    let docs = this.collections.get(name);
    if (!docs) this.collections.set(name, (docs = new Map()));
    return docs;
  }

  begin(): Transaction {
    const snapshot = new Map<string, Map<string, Document>>();
    for (const [name, docs] of this.collections) snapshot.set(name, new Map(docs));
    const transaction: Transaction = { snapshot, startedAt: this.#sequence, writes: new Map() };
    this.running.add(transaction);
    return transaction;
  }

  commit(transaction: Transaction): void {
    this.running.delete(transaction);
    const at = ++this.#sequence;
    for (const [name, writes] of transaction.writes) {
      const docs = this.committed(name);
      for (const [id, doc] of writes) {
        if (doc) docs.set(id, doc);
        else docs.delete(id);
        this.#written(name).set(id, at);
      }
    }
  }

  abort(transaction: Transaction): void {
    this.running.delete(transaction);
  }

  /** Checks that `transaction` (or a write outside any, when undefined) may write `name`/`id`. */
  checkWrite(name: string, id: string, transaction?: Transaction): void {
    for (const other of this.running) {
      if (other === transaction || !other.writes.get(name)?.has(id)) continue;
      if (!transaction)
        throw new Error(
          `MingoServer: a write outside a transaction to ${name}/${id}, which a running transaction wrote, is not simulated`,
        );
      throw writeConflict(name, id);
    }
    if (transaction && (this.#written(name).get(id) ?? 0) > transaction.startedAt) throw writeConflict(name, id);
  }

  /** Records a write outside any transaction. */
  wrote(name: string, id: string): void {
    this.#written(name).set(id, ++this.#sequence);
  }

  #written(name: string): Map<string, number> {
    let written = this.#writtenAt.get(name);
    if (!written) this.#writtenAt.set(name, (written = new Map()));
    return written;
  }
}

/** A running transaction: its snapshot of the committed data and its own writes (`null`: deleted). */
interface Transaction {
  snapshot: Map<string, Map<string, Document>>;
  startedAt: number;
  writes: Map<string, Map<string, Document | null>>;
}

function writeConflict(name: string, id: string): MongoServerError {
  return new MongoServerError({
    message: `WriteConflict error: this operation conflicted with another operation (${name}/${id})`,
    code: 112,
    codeName: 'WriteConflict',
    errorLabels: ['TransientTransactionError'],
  });
}

/** A MongoDB engine whose driver client is a MingoServer's (a fresh server unless one is given). */
export class MingoEngine extends MongoEngine {
  constructor(options: { server?: MingoServer; clock?: Clock } = {}) {
    const server = options.server ?? new MingoServer();
    super({
      uri: 'mongodb://mingo.invalid/',
      dbName: 'patient_portal',
      production: true,
      client: server.client(),
      clock: options.clock,
    });
  }
}

class MingoClient {
  readonly #server: MingoServer;
  constructor(server: MingoServer) {
    this.#server = server;
  }
  async connect(): Promise<this> {
    return this;
  }
  async close(): Promise<void> {}
  db(): MingoDb {
    return new MingoDb(this.#server);
  }
  startSession(): MingoSession {
    return new MingoSession(this.#server);
  }
}

class MingoDb {
  readonly #server: MingoServer;
  constructor(server: MingoServer) {
    this.#server = server;
  }
  admin(): { command(cmd: Document): Promise<Document> } {
    return { command: async (cmd) => this.command(cmd) };
  }
  /** `hello` answers as the primary of a replica set, so the engine uses transactions. */
  async command(cmd: Document): Promise<Document> {
    if (cmd.hello === 1) return { isWritablePrimary: true, setName: 'mingo', ok: 1 };
    if (cmd.ping === 1) return { ok: 1 };
    throw new Error(`MingoServer: unsupported command ${JSON.stringify(cmd)}`);
  }
  collection(name: string): MingoCollection {
    return new MingoCollection(this.#server, name);
  }
}

class MingoSession {
  readonly #server: MingoServer;
  transaction?: Transaction;
  constructor(server: MingoServer) {
    this.#server = server;
  }
  /** The driver's withTransaction: retries the work on TransientTransactionError, with its backoff. */
  async withTransaction<T>(work: (session: this) => Promise<T>, options: Document = {}): Promise<T> {
    allowOptions('withTransaction', options, ['readConcern', 'writeConcern']);
    if (this.transaction) throw new Error('MingoServer: a transaction is already running on this session');
    const deadline = Date.now() + 120_000;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await sleep(Math.random() * Math.min(5 * 1.5 ** attempt, 500));
      const transaction = this.#server.begin();
      this.transaction = transaction;
      try {
        const result = await work(this);
        this.#server.commit(transaction);
        return result;
      } catch (err) {
        this.#server.abort(transaction);
        if (!(
          err instanceof MongoServerError &&
          err.hasErrorLabel('TransientTransactionError') &&
          Date.now() < deadline
        ))
          throw err;
      } finally {
        this.transaction = undefined;
      }
    }
  }
  async endSession(): Promise<void> {
    if (this.transaction) throw new Error('MingoServer: endSession inside a transaction');
  }
}

class MingoCollection {
  readonly #server: MingoServer;
  readonly #name: string;
  constructor(server: MingoServer, name: string) {
    this.#server = server;
    this.#name = name;
  }

  async createIndexes(specs: Document[]): Promise<string[]> {
    this.#server.indexes.set(this.#name, [...(this.#server.indexes.get(this.#name) ?? []), ...specs]);
    return specs.map((s) => String(s.name ?? Object.keys(s.key as Document).join('_')));
  }

  async findOne(filter: Document, options: Document = {}): Promise<Document | null> {
    allowOptions('findOne', options, ['session', 'projection', 'sort']);
    const stages: Document[] = [{ $match: filter }];
    if (options.sort) stages.push({ $sort: options.sort });
    stages.push({ $limit: 1 });
    if (options.projection) stages.push({ $project: options.projection });
    return this.#aggregate(stages, options.session)[0] ?? null;
  }

  find(filter: Document, options: Document = {}): MingoCursor {
    allowOptions('find', options, ['session']);
    return new MingoCursor((stages) => this.#aggregate([{ $match: filter }, ...stages], options.session));
  }

  aggregate(pipeline: Document[], options: Document = {}): { toArray(): Promise<Document[]> } {
    allowOptions('aggregate', options, ['session']);
    return { toArray: async () => this.#aggregate(pipeline, options.session) };
  }

  async insertOne(doc: Document, options: Document = {}): Promise<Document> {
    allowOptions('insertOne', options, ['session']);
    const stored = bson(doc);
    if (stored._id === undefined) throw new Error('MingoServer: insertOne without an _id (the engine always sets one)');
    if (this.#view(options.session).has(String(stored._id))) {
      throw new MongoServerError({
        message: `E11000 duplicate key error collection: ${this.#name} index: _id_ dup key: { _id: ${JSON.stringify(stored._id)} }`,
        code: 11000,
      });
    }
    this.#write(options.session, stored);
    return { acknowledged: true, insertedId: stored._id };
  }

  async replaceOne(filter: Document, replacement: Document, options: Document = {}): Promise<Document> {
    allowOptions('replaceOne', options, ['session', 'upsert']);
    if (Object.keys(replacement).some((k) => k.startsWith('$')))
      throw new Error('MingoServer: replaceOne takes a document, not update operators');
    const [match] = this.#matching(filter, options.session);
    if (match) {
      this.#write(options.session, { ...bson(replacement), _id: match._id });
      return { acknowledged: true, matchedCount: 1, modifiedCount: 1, upsertedCount: 0 };
    }
    if (!options.upsert) return { acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    const id = replacement._id ?? filter._id;
    if (id === undefined || typeof id === 'object')
      throw new Error('MingoServer: upsert needs a literal _id in the filter or the document');
    this.#write(options.session, { ...bson(replacement), _id: id });
    return { acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: id };
  }

  async updateOne(filter: Document, modifier: Document, options: Document = {}): Promise<Document> {
    allowOptions('updateOne', options, ['session']);
    if (Object.keys(modifier).some((k) => !k.startsWith('$')))
      throw new Error('MingoServer: updateOne takes update operators');
    const [match] = this.#matching(filter, options.session);
    if (!match) return { acknowledged: true, matchedCount: 0, modifiedCount: 0 };
    const updated = structuredClone(match);
    const changed = applyUpdate(updated, bson(modifier), undefined, undefined, { cloneMode: 'deep' });
    if (changed.length > 0) this.#write(options.session, updated);
    return { acknowledged: true, matchedCount: 1, modifiedCount: changed.length > 0 ? 1 : 0 };
  }

  async deleteOne(filter: Document, options: Document = {}): Promise<Document> {
    allowOptions('deleteOne', options, ['session']);
    const [match] = this.#matching(filter, options.session);
    if (match) this.#delete(options.session, String(match._id));
    return { acknowledged: true, deletedCount: match ? 1 : 0 };
  }

  async deleteMany(filter: Document, options: Document = {}): Promise<Document> {
    allowOptions('deleteMany', options, ['session']);
    const matches = this.#matching(filter, options.session);
    for (const doc of matches) this.#delete(options.session, String(doc._id));
    return { acknowledged: true, deletedCount: matches.length };
  }

  /** The documents this session sees: committed ones, or its transaction's snapshot and writes. */
  #view(session?: MingoSession): Map<string, Document> {
    const transaction = session?.transaction;
    if (!transaction) return this.#server.committed(this.#name);
    const snapshot = transaction.snapshot.get(this.#name) ?? new Map<string, Document>();
    const writes = transaction.writes.get(this.#name);
    if (!writes) return snapshot;
    const view = new Map(snapshot);
    for (const [id, doc] of writes) {
      if (doc) view.set(id, doc);
      else view.delete(id);
    }
    return view;
  }

  #matching(filter: Document, session?: MingoSession): Document[] {
    const query = new Query(filter, {});
    return [...this.#view(session).values()].filter((doc) => query.test(doc));
  }

  #write(session: MingoSession | undefined, doc: Document): void {
    this.#store(session, String(doc._id), deepFreeze(doc));
  }

  #delete(session: MingoSession | undefined, id: string): void {
    this.#store(session, id, null);
  }

  #store(session: MingoSession | undefined, id: string, doc: Document | null): void {
    const transaction = session?.transaction;
    this.#server.checkWrite(this.#name, id, transaction);
    if (transaction) {
      let writes = transaction.writes.get(this.#name);
      if (!writes) transaction.writes.set(this.#name, (writes = new Map()));
      writes.set(id, doc);
      return;
    }
    const committed = this.#server.committed(this.#name);
    if (doc) committed.set(id, doc);
    else committed.delete(id);
    this.#server.wrote(this.#name, id);
  }

  /** Runs a pipeline over this collection as the session sees it; `$lookup` reads the same view. */
  #aggregate(pipeline: Document[], session?: MingoSession): Document[] {
    if (session !== undefined && !(session instanceof MingoSession))
      throw new Error('MingoServer: not a session of this server');
    const collectionResolver = (name: string): Document[] =>
      [...new MingoCollection(this.#server, name).#view(session).values()].map((d) => ({ ...d }));
    // Stored documents are deep-frozen: mingo gets shallow copies, and the caller a deep copy.
    const input = [...this.#view(session).values()].map((d) => ({ ...d }));
    return clone(new Aggregator(pipeline, { collectionResolver }).run(input) as Document[]) as Document[];
  }
}

class MingoCursor {
  readonly #run: (stages: Document[]) => Document[];
  readonly #stages: Document[] = [];
  constructor(run: (stages: Document[]) => Document[]) {
    this.#run = run;
  }
  sort(sort: Document): this {
    this.#stages.push({ $sort: sort });
    return this;
  }
  limit(limit: number): this {
    if (limit > 0) this.#stages.push({ $limit: limit });
    return this;
  }
  async toArray(): Promise<Document[]> {
    return this.#run(this.#stages);
  }
}

function allowOptions(method: string, options: Document, allowed: string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key))
      throw new Error(`MingoServer: ${method} option "${key}" is not implemented by the stand-in`);
  }
}

/**
 * A copy as the driver would store it: BSON has no `undefined` (the driver writes null), Dates stay
 * Dates, bytes (a Buffer, a Uint8Array or a Binary) become a Binary, as the driver reads them back.
 */
function bson(value: Document): Document {
  return copy(value) as Document;
}

function copy(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return new Date(value.getTime());
  if (typeof value !== 'object') return value;
  if (value instanceof Binary) return new Binary(Buffer.from(value.buffer.subarray(0, value.position)), value.sub_type);
  if (value instanceof Uint8Array) return new Binary(Buffer.from(value));
  if (Array.isArray(value)) return value.map(copy);
  const out: Document = {};
  for (const [k, v] of Object.entries(value))
    Object.defineProperty(out, k, { value: copy(v), enumerable: true, writable: true, configurable: true });
  return out;
}

/** A deep copy of what a query answers (structuredClone, but a Binary stays a Binary). */
function clone(value: unknown): unknown {
  if (value instanceof Binary) return copy(value);
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) return value.map(clone);
  if (value && typeof value === 'object') {
    const out: Document = {};
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, { value: clone(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/** Stored documents are frozen; a Binary's bytes cannot be (a typed array with elements), and are never handed out. */
function deepFreeze<T>(value: T): T {
  if (value instanceof Binary) return value;
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
