import { runKeyValueContract } from '../key-value-contract.ts';
import { MongoEngine } from './mongo-engine.ts';

/** The key-value contract against a real MongoDB server, when one is configured. */
const uri = process.env.MONGODB_URI;
const dbName = `kv_contract_${process.pid}_${Date.now()}`;

runKeyValueContract(
  'mongodb',
  {
    // Every open() is a new engine on the same database, so reopening tests persistence.
    open: async (clock) => {
      const engine = new MongoEngine({ uri: uri as string, dbName, production: false, clock });
      await engine.open();
      return engine;
    },
    cleanup: async () => {
      const { MongoClient } = await import('mongodb');
      const client = new MongoClient(uri as string);
      await client.db(dbName).dropDatabase();
      await client.close();
    },
  },
  { skip: uri ? undefined : 'skipped: MONGODB_URI not set' },
);
