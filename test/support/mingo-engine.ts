import { Aggregator, Query, update as applyUpdate } from 'mingo';
import { MongoServerError } from 'mongodb';
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
 * - Transactions (`session.withTransaction`) write to a private overlay that reads with that session
 *   see and nobody else does; it is applied when the work resolves and dropped when it throws. Reads
 *   and writes without the session go to the committed data, so an operation that forgets its
 *   session escapes the transaction here as it would on a server. Simplification: transactions run
 *   one at a time, where a replica set runs them concurrently and aborts the second writer of a
 *   document with a WriteConflict that withTransaction retries; either way one writer of a version wins.
 * - Unknown options are refused, so a new driver option the engine starts using is noticed here.
 *
 * Not covered (needs a real server, `MONGODB_URI`): the wire protocol, write/read concerns, index
 * creation and use (createIndexes is recorded, not checked), the TTL monitor, concurrent transactions.
 */
export class MingoServer {
  readonly collections = new Map<string, Map<string, Document>>();
  readonly indexes = new Map<string, Document[]>();
  #transactions: Promise<unknown> = Promise.resolve();

  /** A driver client on this server's data (each engine opens its own; the data outlives it). */
  client(): MongoClient {
    return new MingoClient(this) as unknown as MongoClient;
  }

  committed(name: string): Map<string, Document> {
    let docs = this.collections.get(name);
    if (!docs) this.collections.set(name, (docs = new Map()));
    return docs;
  }

  /** Runs `work` after every transaction started before it has ended. */
  serialize<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#transactions.then(work, work);
    this.#transactions = result.catch(() => undefined);
    return result;
  }
}

/** A MongoDB engine whose driver client is a MingoServer's (a fresh server unless one is given). */
export class MingoEngine extends MongoEngine {
  constructor(options: { server?: MingoServer; clock?: Clock } = {}) {
    const server = options.server ?? new MingoServer();
    super({ uri: 'mongodb://mingo.invalid/', dbName: 'patient_portal', production: true, client: server.client(), clock: options.clock });
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

/** A transaction's writes, per collection and `_id` (`null`: deleted), until it commits. */
type Overlay = Map<string, Map<string, Document | null>>;

class MingoSession {
  readonly #server: MingoServer;
  overlay?: Overlay;
  constructor(server: MingoServer) {
    this.#server = server;
  }
  async withTransaction<T>(work: () => Promise<T>, options: Document = {}): Promise<T> {
    allowOptions('withTransaction', options, ['readConcern', 'writeConcern']);
    return this.#server.serialize(async () => {
      const overlay: Overlay = new Map();
      this.overlay = overlay;
      try {
        const result = await work();
        for (const [name, writes] of overlay) {
          const docs = this.#server.committed(name);
          for (const [id, doc] of writes) {
            if (doc) docs.set(id, doc);
            else docs.delete(id);
          }
        }
        return result;
      } finally {
        this.overlay = undefined;
      }
    });
  }
  async endSession(): Promise<void> {
    if (this.overlay) throw new Error('MingoServer: endSession inside a transaction');
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
      throw new MongoServerError({ message: `E11000 duplicate key error collection: ${this.#name} index: _id_ dup key: { _id: ${JSON.stringify(stored._id)} }`, code: 11000 });
    }
    this.#write(options.session, stored);
    return { acknowledged: true, insertedId: stored._id };
  }

  async replaceOne(filter: Document, replacement: Document, options: Document = {}): Promise<Document> {
    allowOptions('replaceOne', options, ['session', 'upsert']);
    if (Object.keys(replacement).some((k) => k.startsWith('$'))) throw new Error('MingoServer: replaceOne takes a document, not update operators');
    const [match] = this.#matching(filter, options.session);
    if (match) {
      this.#write(options.session, { ...bson(replacement), _id: match._id });
      return { acknowledged: true, matchedCount: 1, modifiedCount: 1, upsertedCount: 0 };
    }
    if (!options.upsert) return { acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    const id = replacement._id ?? filter._id;
    if (id === undefined || typeof id === 'object') throw new Error('MingoServer: upsert needs a literal _id in the filter or the document');
    this.#write(options.session, { ...bson(replacement), _id: id });
    return { acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: id };
  }

  async updateOne(filter: Document, modifier: Document, options: Document = {}): Promise<Document> {
    allowOptions('updateOne', options, ['session']);
    if (Object.keys(modifier).some((k) => !k.startsWith('$'))) throw new Error('MingoServer: updateOne takes update operators');
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

  /** The documents this session sees: the committed ones with its transaction's writes over them. */
  #view(session?: MingoSession): Map<string, Document> {
    const committed = this.#server.committed(this.#name);
    const writes = session?.overlay?.get(this.#name);
    if (!writes) return committed;
    const view = new Map(committed);
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
    this.#target(session).set(String(doc._id), deepFreeze(doc));
  }

  #delete(session: MingoSession | undefined, id: string): void {
    const target = this.#target(session);
    if (target === this.#server.committed(this.#name)) target.delete(id);
    else target.set(id, null);
  }

  #target(session?: MingoSession): Map<string, Document | null> {
    if (!session?.overlay) return this.#server.committed(this.#name);
    let writes = session.overlay.get(this.#name);
    if (!writes) session.overlay.set(this.#name, (writes = new Map()));
    return writes;
  }

  /** Runs a pipeline over this collection as the session sees it; `$lookup` reads the same view. */
  #aggregate(pipeline: Document[], session?: MingoSession): Document[] {
    if (session !== undefined && !(session instanceof MingoSession)) throw new Error('MingoServer: not a session of this server');
    const collectionResolver = (name: string): Document[] => [...new MingoCollection(this.#server, name).#view(session).values()].map((d) => ({ ...d }));
    // Stored documents are deep-frozen: mingo gets shallow copies, and the caller a deep copy.
    const input = [...this.#view(session).values()].map((d) => ({ ...d }));
    return structuredClone(new Aggregator(pipeline, { collectionResolver }).run(input) as Document[]);
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
    if (!allowed.includes(key)) throw new Error(`MingoServer: ${method} option "${key}" is not implemented by the stand-in`);
  }
}

/** A copy as the driver would store it: BSON has no `undefined` (the driver writes null), Dates stay Dates. */
function bson(value: Document): Document {
  return copy(value) as Document;
}

function copy(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return new Date(value.getTime());
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copy);
  const out: Document = {};
  for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: copy(v), enumerable: true, writable: true, configurable: true });
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
