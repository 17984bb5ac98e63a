import { MingoEngine, MingoServer } from '../../../test/support/mingo-engine.ts';
import { runKeyValueContract } from '../key-value-contract.ts';

/**
 * The key-value contract on mongo-key-value.ts with no server: its filters, sorts and the
 * conditional `$set` of consume are executed by mingo (test/support/mingo-engine.ts). Every open()
 * is a new engine and client on the same in-memory server, so reopening tests persistence.
 * mongo-key-value.test.ts runs the same suite on a real server (MONGODB_URI).
 */
const server = new MingoServer();

runKeyValueContract('mongodb engine, queries executed by mingo', {
  open: async (clock) => {
    const engine = new MingoEngine({ server, clock });
    await engine.open();
    return engine;
  },
});
