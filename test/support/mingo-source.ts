import { Aggregator } from 'mingo';
import type { Document } from 'mongodb';
import type { DocumentSource } from '../../server/storage/mongo/compile-search.ts';
import type { CurrentDocument } from '../../server/storage/mongo/documents.ts';

/**
 * A `resources` collection for the MongoDB engine's search code with no server: mingo, an
 * independent implementation of MongoDB's query and aggregation language, runs the engine's real
 * pipelines over documents built by the engine's own mapping (documents.ts). Used by the tests that
 * check the MongoDB engine's answers against SQLite's. The whole engine (writes, transactions,
 * history, key-value) is held to the storage contract by mongo/mingo-contract.test.ts, through the
 * driver stand-in of mingo-engine.ts, and against a real server by mongo-contract.test.ts (MONGODB_URI).
 */
export function mingoSource(docs: CurrentDocument[]): DocumentSource {
  return {
    aggregate: async (pipeline: Document[]) =>
      new Aggregator(pipeline).run(structuredClone(docs) as Document[]) as Document[],
  };
}
