import { MingoEngine } from '../../../test/support/mingo-engine.ts';
import { runStorageContract } from '../storage-contract.ts';

/**
 * The storage contract on the MongoDB engine's own code (mongo-engine.ts, compile-search.ts,
 * search-runner.ts, documents.ts) with no server: the driver client is the in-memory stand-in of
 * test/support/mingo-engine.ts, whose collections execute every filter and pipeline with mingo.
 * Runs in every `npm test`; mongo-contract.test.ts runs the same suite on a real server (MONGODB_URI).
 */
runStorageContract('mongodb engine, queries executed by mingo', {
  open: async () => {
    const engine = new MingoEngine();
    await engine.open();
    return engine;
  },
});
