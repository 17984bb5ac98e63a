import { Aggregator } from 'mingo';
import type { Document } from 'mongodb';
import type { IndexRow } from '../../server/fhir/search/index-rows.ts';
import type { SearchRequest } from '../../server/fhir/search/search-request.ts';
import { compileHistoryPipeline } from '../../server/storage/mongo/compile-search.ts';
import type { DocumentSource } from '../../server/storage/mongo/compile-search.ts';
import { fromDocument, toCurrentDocument, toHistoryDocument } from '../../server/storage/mongo/documents.ts';
import type { CurrentDocument, HistoryDocument } from '../../server/storage/mongo/documents.ts';
import { runSearch } from '../../server/storage/mongo/search-runner.ts';
import type { KeyValueStore } from '../../server/storage/key-value-store.ts';
import type { ReadSession, StorageEngine, WriteSession } from '../../server/storage/storage-engine.ts';
import { VersionConflictError } from '../../server/storage/storage-engine.ts';
import type { HistoryQuery, SearchPage, StoredVersion } from '../../server/storage/stored-version.ts';

/**
 * The MongoDB engine's READ side without a MongoDB server, for tests that need a whole repository
 * on it (the access-control matrix): the engine's own document mapping (documents.ts) and its real
 * search and history pipelines (search-runner.ts, compile-search.ts), executed by mingo, an
 * independent implementation of MongoDB's query language. Writes are plain array updates with the
 * same unique-version rule; the driver-level write path is covered by mongo-contract.test.ts when
 * MONGODB_URI is set. Transactions restore a snapshot when their work throws.
 */
export class MingoEngine implements StorageEngine {
  readonly name = 'mongodb' as const;
  #resources = new Map<string, CurrentDocument>();
  #history = new Map<string, HistoryDocument>();
  #queue: Promise<unknown> = Promise.resolve();

  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async ping(): Promise<void> {}

  get keyValue(): KeyValueStore {
    throw new Error('MingoEngine has no key-value store (use SqliteEngine or a MongoDB server)');
  }

  get reader(): ReadSession {
    return this.#session();
  }

  transaction<T>(work: (session: WriteSession) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const snapshot = { resources: new Map(this.#resources), history: new Map(this.#history) };
      try {
        return await work(this.#session());
      } catch (err) {
        this.#resources = snapshot.resources;
        this.#history = snapshot.history;
        throw err;
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #session(): WriteSession {
    const resources = (): Document[] => structuredClone([...this.#resources.values()]) as Document[];
    const source: DocumentSource = { aggregate: async (pipeline) => new Aggregator(pipeline).run(resources()) as Document[] };
    return {
      readCurrent: async (type, id) => {
        const doc = this.#resources.get(`${type}/${id}`);
        return doc && fromDocument(structuredClone(doc));
      },
      readVersion: async (type, id, versionId) => {
        const doc = this.#history.get(`${type}/${id}/${Number(versionId)}`);
        return doc && fromDocument(structuredClone(doc));
      },
      history: async (query: HistoryQuery) => {
        const pipeline = await compileHistoryPipeline(query, source);
        const collectionResolver = (name: string): Document[] => (name === 'resources' ? resources() : []);
        const docs = new Aggregator(pipeline, { collectionResolver }).run(structuredClone([...this.#history.values()]) as Document[]) as unknown as HistoryDocument[];
        return docs.map(fromDocument);
      },
      search: (request: SearchRequest): Promise<SearchPage> => runSearch(source, request),
      writeVersion: async (version: StoredVersion, index: IndexRow[]) => {
        const history = toHistoryDocument(version);
        if (this.#history.has(history._id)) throw new VersionConflictError(version.resourceType, version.id, version.versionId);
        this.#history.set(history._id, history);
        const current = toCurrentDocument(version, index);
        this.#resources.set(current._id, current);
      },
      replaceIndex: async (type, id, index) => {
        const doc = this.#resources.get(`${type}/${id}`);
        if (doc && !doc.deleted) this.#resources.set(doc._id, toCurrentDocument(fromDocument(doc), index));
      },
    };
  }
}
