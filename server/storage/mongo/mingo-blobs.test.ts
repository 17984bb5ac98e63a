import { MingoEngine, MingoServer } from '../../../test/support/mingo-engine.ts';
import { runBlobContract } from '../blob-contract.ts';

/**
 * The blob contract on mongo-blobs.ts with no server: its filters, updates and counts are executed
 * by mingo (test/support/mingo-engine.ts), its chunks stored as BSON Binary. Every open() is a new
 * engine on the same in-memory server, so reopening tests persistence. mongo-blobs.test.ts runs the
 * same suite on a real server (MONGODB_URI).
 */
const server = new MingoServer();

runBlobContract('mongodb engine, queries executed by mingo', {
  open: async () => {
    const engine = new MingoEngine({ server });
    await engine.open();
    return engine;
  },
});
